//! The event thread: Linux tracers expect the kernel to tell them about stops (a SIGCHLD, a
//! `waitpid` that wakes up); on Redox the library must. One thread per tracer process,
//! started with its first session, blocks on every `trace` handle at once through the `event:`
//! scheme (docs/redox-protocol.md §2.6), handles each stop as it happens (clone and exec
//! events, the TRACEME exec watch, exits), and sends the process SIGCHLD for each stop. It
//! holds the table only while it handles an event, never while it waits, and runs with every
//! signal blocked, so the program's handlers never run on it.
#![forbid(unsafe_code)]

use core::sync::atomic::{AtomicUsize, Ordering};

use syscall::Event;

use super::driver;
use super::os::{self, Fd};
use super::table::{self, Table};
use crate::errno::{EINTR, Result};
use crate::platform::types::pid_t;

/// The `event:` handle the thread reads, + 1 (0: none yet).
static QUEUE: AtomicUsize = AtomicUsize::new(0);

/// Events read at once.
const BATCH: usize = 16;
const EVENT_SIZE: usize = core::mem::size_of::<Event>();

/// Starts the event thread if it does not run yet, and registers every session with it.
pub fn ensure(t: &mut Table) -> Result<()> {
    if t.events.is_some() {
        return Ok(());
    }
    let events = os::open("/scheme/event", os::flags::O_RDWR | os::flags::O_CLOEXEC)?;
    let watched: Result<()> = t
        .iter()
        .try_for_each(|s| driver::watch(events, s.trace, s.pid));
    if let Err(e) = watched.and_then(|()| {
        QUEUE.store(events + 1, Ordering::Release);
        os::spawn(run)
    }) {
        let _ = os::close(events);
        return Err(e);
    }
    t.events = Some(events);
    Ok(())
}

/// The thread: wait for `trace` handles to become readable, then drain each under the lock.
fn run() {
    let Some(events) = QUEUE.load(Ordering::Acquire).checked_sub(1) else {
        return;
    };
    let mut buf = [0u8; EVENT_SIZE * BATCH];
    loop {
        let n = match os::read(events, &mut buf) {
            Ok(n) => n,
            // v2020 event reads are interruptible (§2.6); every signal is blocked here, but a
            // spurious wake-up is harmless.
            Err(EINTR) => continue,
            // The queue is gone (the emulator went away): nothing will come any more.
            Err(_) => return stopped(events),
        };
        for record in buf.get(..n).unwrap_or_default().chunks_exact(EVENT_SIZE) {
            let mut ev = Event::default();
            ev.copy_from_slice(record);
            let mut t = table::lock();
            // A failure is the tracee's or the scheme's; the tracee's `waitpid` will see it.
            let _ = driver::drain(&mut t, ev.data as pid_t);
            if table::WAITERS.load(Ordering::Acquire) == 0 {
                driver::deliver(&mut t, false);
            }
        }
    }
}

/// The thread ended: the next session starts another one. If the scheme itself is gone (the
/// emulator died, `os` module), its sessions went with it: they are forgotten, and the
/// `waitpid` callers sleeping on the table wake to find the operating system's `waitpid`.
fn stopped(events: Fd) {
    let mut t = table::lock();
    if !os::available() {
        t.forget();
    } else if t.events == Some(events) {
        t.events = None;
        let _ = os::close(events);
    }
}
