//! `waitpid` for a tracer on Redox. Ptrace stops are recorded by the event thread (`pump`);
//! exits and job-control stops come from the operating system's `waitpid`, which never
//! reports ptrace stops (docs/redox-protocol.md §5.1). A `waitpid` that has nothing to report
//! sleeps in one wait: on the table's wake-up word (futex) while a selected tracee can stop,
//! else in the operating system's `waitpid`. Either returns EINTR when a handler installed
//! without SA_RESTART runs and is restarted otherwise, as Linux's wait4 (kernel/exit.c
//! `do_wait`: `-ERESTARTSYS`). No polling, no scheme operation while it sleeps, no allocation
//! (a SIGCHLD handler may call it).
#![forbid(unsafe_code)]

use core::ffi::c_int;
use core::sync::atomic::Ordering;

use super::driver;
use super::os;
use super::status::SIGSTOP;
use super::table::{self, WAITERS, WAKE};
use super::tracee::State;
use crate::errno::{ECHILD, EINVAL, Result};
use crate::platform::types::pid_t;

const WNOHANG: c_int = 1;
const WUNTRACED: c_int = 2;
const WCONTINUED: c_int = 8;
const WNOWAIT: c_int = 0x0100_0000;
const __WNOTHREAD: c_int = 0x2000_0000;
const __WALL: c_int = 0x4000_0000;
const __WCLONE: c_int = -0x8000_0000;
/// Every option Linux `wait4` accepts (kernel/exit.c); others are EINVAL.
const VALID: c_int = WNOHANG | WUNTRACED | WCONTINUED | WNOWAIT | __WNOTHREAD | __WALL | __WCLONE;

/// Whether `waitpid`'s `pid` argument selects the tracee `tracee`: -1 any, a pid itself, 0 the
/// caller's process group and -PGID that group, as the group is at the time of the call
/// (wait(2); kernel/exit.c `eligible_pid` applies the same test to a tracee). A tracee whose
/// group cannot be read (gone) is selected, so that its end is reported.
fn selects(pid: pid_t, tracee: pid_t, own_group: pid_t) -> bool {
    match pid {
        -1 => true,
        p if p > 0 => p == tracee,
        p => {
            let group = if p == 0 { own_group } else { -p };
            os::getpgid(tracee).map_or(true, |g| g == group)
        }
    }
}

/// What one look at the table found.
enum Found {
    /// A stop to report.
    Stop(pid_t, c_int),
    /// A tracee that is gone, to reap.
    Gone(pid_t, Option<c_int>),
    /// Nothing yet: whether a selected tracee exists, and whether one can still stop (so the
    /// event thread will wake us), with the wake-up count seen.
    Nothing {
        traced: bool,
        can_stop: bool,
        seen: u32,
    },
}

fn look(pid: pid_t, consume: bool) -> Found {
    let own_group = if pid == 0 {
        os::getpgid(0).unwrap_or(0)
    } else {
        0
    };
    let mut t = table::lock();
    driver::deliver(&mut t, true);
    let mut traced = false;
    let mut can_stop = false;
    let mut gone = None;
    for s in t.iter_mut().filter(|s| selects(pid, s.pid, own_group)) {
        traced = true;
        if let Some(status) = s.take_report(consume) {
            return Found::Stop(s.pid, status);
        }
        match s.state {
            State::Gone { status } => gone = gone.or(Some((s.pid, status))),
            // A tracee that may sit in a job-control stop is seen by the OS wait only.
            _ if s.job_stop => {}
            _ => can_stop = true,
        }
    }
    if let Some((p, status)) = gone {
        return Found::Gone(p, status);
    }
    Found::Nothing {
        traced,
        can_stop,
        seen: WAKE.load(Ordering::Acquire),
    }
}

/// The tracee is gone: reap it if it is our child, else report the status it died with.
fn reap(
    pid: pid_t,
    status: Option<c_int>,
    options: c_int,
    rusage: usize,
) -> Result<(pid_t, c_int)> {
    let reported = match os::waitpid(pid, options & WNOWAIT, rusage) {
        Ok((p, reported)) if p == pid => reported,
        Ok(_) | Err(ECHILD) => status.unwrap_or(0),
        Err(e) => return Err(e),
    };
    if options & WNOWAIT == 0 {
        driver::remove(&mut table::lock(), pid);
    }
    Ok((pid, reported))
}

/// What the operating system's `waitpid` reported for child `p`: None when it is not for the
/// caller (a stop it did not ask for, or the TRACEME child now attached).
fn os_report(p: pid_t, status: c_int, options: c_int) -> Result<Option<(pid_t, c_int)>> {
    let stopped = status & 0xff == 0x7f;
    let mut t = table::lock();
    let traced = t.get(p).is_some();
    if stopped && (status >> 8) & 0xff == SIGSTOP && !traced && driver::is_traceme(p) {
        driver::attach_traceme(&mut t, p)?;
        super::pump::ensure(&mut t)?;
        return Ok(None);
    }
    if stopped && let Some(s) = t.get_mut(p) {
        // A job-control stop of a tracee resumed with a stop signal is its group-stop.
        return Ok(s.on_group_stop((status >> 8) & 0xff).map(|st| (p, st)));
    }
    if traced && !stopped && status != 0xffff {
        driver::remove(&mut t, p);
    }
    Ok((!stopped || options & WUNTRACED != 0).then_some((p, status)))
}

/// Platform implementation of `wait4`: the pid and status to report (0 and 0 for WNOHANG
/// with nothing to report). `rusage` is the caller's address, handed to the operating system,
/// which checks it.
pub fn wait4(pid: pid_t, options: c_int, rusage: usize) -> Result<(pid_t, c_int)> {
    if options & !VALID != 0 {
        return Err(EINVAL);
    }
    loop {
        if !os::available() {
            // The scheme went away (the emulator died) since the call began: nothing is
            // traced any more, and the operating system reports the rest.
            return os::waitpid(pid, options, rusage);
        }
        let (traced, can_stop, seen) = match look(pid, options & WNOWAIT == 0) {
            Found::Stop(p, status) => return Ok((p, status)),
            Found::Gone(p, status) => return reap(p, status, options, rusage),
            Found::Nothing {
                traced,
                can_stop,
                seen,
            } => (traced, can_stop, seen),
        };
        // Everything else: untraced children, exits, job-control stops.
        let os_options = options | WUNTRACED | WNOHANG;
        let os_has_children = match os::waitpid(pid, os_options, rusage) {
            Ok((0, _)) => true,
            Ok((p, status)) => match os_report(p, status, options)? {
                Some(report) => return Ok(report),
                None => continue,
            },
            Err(ECHILD) if traced => false,
            Err(e) => return Err(e),
        };
        if options & WNOHANG != 0 {
            return Ok((0, 0));
        }
        if can_stop || (traced && !os_has_children) {
            // The event thread or another thread's request will change the table. An untraced
            // child's end is seen at the next change (docs/redox-gaps.md). While this thread
            // sleeps here, the SIGCHLDs due are its to send (`look`, and below).
            WAITERS.fetch_add(1, Ordering::AcqRel);
            let r = os::futex_wait(&WAKE, seen);
            WAITERS.fetch_sub(1, Ordering::AcqRel);
            driver::deliver(&mut table::lock(), true);
            r?;
        } else {
            // Only the OS can report something: sleep in its waitpid.
            let (p, status) = os::waitpid(pid, options | WUNTRACED, rusage)?;
            if let Some(report) = os_report(p, status, options)? {
                return Ok(report);
            }
        }
    }
}
