//! The process-wide table of trace sessions, shared by every thread of the tracer (relibc's
//! was thread-local, docs/redox-protocol.md §6.4), behind the backend's one lock.
//!
//! Fixed capacity, so that `waitpid` (which a SIGCHLD handler may call) never allocates. A
//! process forked by the tracer starts with an empty table: the atfork handler drops the
//! child's copies of the parent's handles and connections (`os::after_fork`; closing a copy
//! does not detach, docs/redox-protocol.md §2.7).
//! Every change to the table wakes the threads sleeping in `waitpid` ([`WAKE`]).
#![forbid(unsafe_code)]

use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use super::os::{self, Fd, lock::Guard, lock::Lock};
use super::tracee::Session;
use crate::errno::{EAGAIN, Result};
use crate::platform::types::pid_t;

/// How many tasks one tracer can trace at once.
pub const CAPACITY: usize = 1024;

/// The sessions, and the event queue the event thread blocks on.
pub struct Table {
    /// Tracee pid per slot, 0 for a free one (scanned without touching the sessions).
    pids: [pid_t; CAPACITY],
    slots: [Option<Session>; CAPACITY],
    /// The `event:` handle every `trace` handle is registered with, once the event thread
    /// runs.
    pub events: Option<Fd>,
    changed: bool,
}

static TABLE: Lock<Table> = Lock::new(Table {
    pids: [0; CAPACITY],
    slots: [const { None }; CAPACITY],
    events: None,
    changed: false,
});

/// Bumped after every change of the table; `waitpid` sleeps on it (futex).
pub static WAKE: AtomicU32 = AtomicU32::new(0);

/// Threads sleeping on [`WAKE`] in `waitpid`: while there is one, it sends the SIGCHLDs due
/// (to itself, with the siginfo Linux gives); otherwise the event thread sends them.
pub static WAITERS: AtomicU32 = AtomicU32::new(0);

/// A SIGCHLD due: the tracee, `si_code`, `si_status`.
pub type Notice = (pid_t, core::ffi::c_int, core::ffi::c_int);

/// The held table. Dropping it wakes `waitpid` sleepers if anything changed.
pub struct Locked(Guard<'static, Table>);

impl core::ops::Deref for Locked {
    type Target = Table;
    fn deref(&self) -> &Table {
        &self.0
    }
}

impl core::ops::DerefMut for Locked {
    fn deref_mut(&mut self) -> &mut Table {
        &mut self.0
    }
}

impl Drop for Locked {
    fn drop(&mut self) {
        if core::mem::take(&mut self.0.changed) {
            WAKE.fetch_add(1, Ordering::Release);
            os::futex_wake(&WAKE);
        }
    }
}

/// Takes the table (see [`Lock::lock`]: every signal is blocked while it is held).
pub fn lock() -> Locked {
    static AT_FORK: AtomicBool = AtomicBool::new(false);
    // Read first: every lock would otherwise write this shared flag.
    if !AT_FORK.load(Ordering::Acquire) && !AT_FORK.swap(true, Ordering::AcqRel) {
        os::at_fork(after_fork);
    }
    Locked(TABLE.lock())
}

/// In the child of a fork: no sessions, no event thread (threads do not survive a fork).
extern "C" fn after_fork() {
    TABLE.reset_after_fork();
    let mut t = TABLE.lock();
    let handles = t
        .iter()
        .flat_map(|s| s.files.iter().flatten().copied().chain([s.trace]));
    os::after_fork(handles.chain(t.events));
    t.forget();
    t.changed = false;
}

impl Table {
    fn index(&self, pid: pid_t) -> Option<usize> {
        if pid <= 0 {
            return None;
        }
        self.pids.iter().position(|&p| p == pid)
    }

    /// The session of `pid`.
    pub fn get(&self, pid: pid_t) -> Option<&Session> {
        let i = self.index(pid)?;
        self.slots.get(i)?.as_ref()
    }

    /// The session of `pid`, to change it.
    pub fn get_mut(&mut self, pid: pid_t) -> Option<&mut Session> {
        let i = self.index(pid)?;
        self.changed = true;
        self.slots.get_mut(i)?.as_mut()
    }

    /// Adds a session; EAGAIN when the table is full.
    pub fn insert(&mut self, s: Session) -> Result<()> {
        let i = self
            .index(s.pid)
            .or_else(|| self.index_free())
            .ok_or(EAGAIN)?;
        if let (Some(p), Some(slot)) = (self.pids.get_mut(i), self.slots.get_mut(i)) {
            *p = s.pid;
            *slot = Some(s);
        }
        self.changed = true;
        Ok(())
    }

    fn index_free(&self) -> Option<usize> {
        self.pids.iter().position(|&p| p == 0)
    }

    /// Takes the session of `pid` out of the table (its handles are the caller's to close).
    pub fn remove(&mut self, pid: pid_t) -> Option<Session> {
        let i = self.index(pid)?;
        if let Some(p) = self.pids.get_mut(i) {
            *p = 0;
        }
        self.changed = true;
        self.slots.get_mut(i)?.take()
    }

    /// Forgets every session and the event queue without closing their handles (they died
    /// with the scheme, or belong to the parent of a forked child).
    pub fn forget(&mut self) {
        self.pids = [0; CAPACITY];
        for slot in self.slots.iter_mut() {
            *slot = None;
        }
        self.events = None;
        self.changed = true;
    }

    /// Up to `out.len()` SIGCHLDs due, taken; how many.
    pub fn take_notices(&mut self, out: &mut [Notice]) -> usize {
        let mut n = 0;
        for s in self.slots.iter_mut().flatten() {
            let Some(slot) = out.get_mut(n) else { break };
            if let Some((code, value)) = s.take_notice() {
                *slot = (s.pid, code, value);
                n += 1;
            }
        }
        n
    }

    /// Every session.
    pub fn iter(&self) -> impl Iterator<Item = &Session> {
        self.slots.iter().flatten()
    }

    /// Every session, to change them without waking anyone (`waitpid` marking what it
    /// reports).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Session> {
        self.slots.iter_mut().flatten()
    }
}
