//! The backend's one lock: a futex mutex held with every signal blocked, so that a signal
//! handler never finds it held by the thread it interrupted (musl blocks signals around its
//! internal locks for the same reason), and that a process forked while another thread holds
//! it can take it over ([`Lock::reset_after_fork`]).
//!
//! Waiting for it sleeps in the kernel (futex), never spins: the lock is held across scheme
//! operations, which take microseconds, not across anything that waits for an event.

use core::cell::UnsafeCell;
use core::ops::{Deref, DerefMut};
use core::sync::atomic::{AtomicU32, Ordering};

use super::{SigSet, block_signals, futex_wait, futex_wake, restore_signals};

/// Unlocked.
const FREE: u32 = 0;
/// Locked, nobody waiting.
const LOCKED: u32 = 1;
/// Locked, and someone may be sleeping on the futex (Drepper, "Futexes Are Tricky", mutex 2).
const CONTENDED: u32 = 2;

/// A mutex over `T` (see the module documentation).
pub struct Lock<T> {
    state: AtomicU32,
    data: UnsafeCell<T>,
}

// SAFETY: `data` is reached only through a `Guard`, and at most one guard exists at a time
// (the `state` protocol below), so `T: Send` is enough for sharing the lock between threads.
unsafe impl<T: Send> Sync for Lock<T> {}

impl<T> Lock<T> {
    /// A free lock over `data`.
    pub const fn new(data: T) -> Self {
        Lock {
            state: AtomicU32::new(FREE),
            data: UnsafeCell::new(data),
        }
    }

    /// Blocks every signal of the calling thread, then takes the lock, sleeping while another
    /// thread holds it. The guard restores the signal mask when dropped.
    pub fn lock(&self) -> Guard<'_, T> {
        let mask = block_signals();
        if self
            .state
            .compare_exchange(FREE, LOCKED, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            while self.state.swap(CONTENDED, Ordering::Acquire) != FREE {
                // A signal cannot end this wait early: every signal is blocked.
                let _ = futex_wait(&self.state, CONTENDED);
            }
        }
        Guard { lock: self, mask }
    }

    /// In the child of a `fork`: the thread that held the lock does not exist there, so the
    /// lock is made free. Only the forking thread runs in the child, and it holds no guard
    /// (every guard blocks signals and no library code forks), so nothing is torn.
    pub fn reset_after_fork(&self) {
        self.state.store(FREE, Ordering::Release);
    }
}

/// Access to the data of a held [`Lock`].
pub struct Guard<'a, T> {
    lock: &'a Lock<T>,
    mask: SigSet,
}

impl<T> Deref for Guard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard is the only one (the lock is held), so no `&mut T` exists.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> DerefMut for Guard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this reference unique.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T> Drop for Guard<'_, T> {
    fn drop(&mut self) {
        if self.lock.state.swap(FREE, Ordering::Release) == CONTENDED {
            futex_wake(&self.lock.state);
        }
        restore_signals(&self.mask);
    }
}
