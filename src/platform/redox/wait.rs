//! `waitpid` for a tracer on Redox: stops come from the `trace` handles, exits and job-control
//! stops from the operating system's `waitpid`, which never reports ptrace stops (spec §5.1).
//! The session lock is never held across either.

use alloc::vec::Vec;
use core::ffi::{c_int, c_void};

use syscall::{PtraceEvent, PtraceFlags};

use super::os::{self, flags::*};
use super::request;
use super::session::{self, State};
use super::status::{self, SIGSTOP, Stop};
use crate::errno::{EAGAIN, ECHILD, EINVAL, ESRCH, Result};
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

/// Size of one `PtraceEvent` record (spec §2.1).
const EVENT_SIZE: usize = core::mem::size_of::<PtraceEvent>();
/// Events read at once: v2020 returns everything queued in one read (spec §2.3).
const BATCH: usize = 8;
/// Polling rounds of one `waitpid` that only yield the CPU before it sleeps between rounds.
const YIELD_ROUNDS: u32 = 200;

/// Whether `waitpid`'s `pid` argument selects the tracee `tracee` (pgid matching is left to the
/// operating system: a tracee in another group is still reported for -1 and its own pid).
fn selects(pid: pid_t, tracee: pid_t) -> bool {
    pid == -1 || pid == tracee || pid == 0 || pid < -1
}

/// Takes a stop that `waitpid` has not reported yet.
fn take_unreported(pid: pid_t, consume: bool) -> Option<(pid_t, c_int)> {
    let mut found = None;
    session::for_each(|tracee, s| {
        if found.is_some() || !selects(pid, tracee) {
            return;
        }
        if let State::Stopped { stop, reported } = &mut s.state
            && !*reported
            && !s.killed
        {
            found = Some((tracee, stop.wait_status(s.options)));
            *reported = consume;
        }
    });
    found
}

/// Reads the queued events of `pid` and turns them into its state. `block`: wait for one.
/// `parked`: the tracee is in a stop already reported, so a stop event can only be the
/// duplicate a signal wake-up queues (spec §2.5) and is dropped, except EXIT: a tracee killed
/// at a stop must be let go to die, as Linux's SIGKILL would. Returns false when the tracee
/// is gone (ESRCH, spec §2.3).
fn drain(pid: pid_t, block: bool, parked: bool) -> Result<bool> {
    let (trace, nonblocking, open_flags) =
        session::with(pid, |s| (s.trace, s.nonblocking, s.open_flags))?;
    if nonblocking == block {
        // F_SETFL replaces every stored flag (spec §1.1): keep O_EXCL and the rest.
        let flags = if block {
            open_flags & !O_NONBLOCK
        } else {
            open_flags | O_NONBLOCK
        };
        os::fcntl(trace, F_SETFL, flags)?;
        session::with(pid, |s| s.nonblocking = !block)?;
    }
    let mut buf = [0u8; EVENT_SIZE * BATCH];
    let n = match os::read(trace, &mut buf) {
        Ok(n) => n,
        Err(EAGAIN) => 0,
        Err(ESRCH) => return Ok(false),
        Err(e) => return Err(e),
    };
    for record in buf.get(..n).unwrap_or_default().chunks_exact(EVENT_SIZE) {
        let e: [u64; 7] = super::scheme::words(record);
        let exit = e[0] & PtraceFlags::PTRACE_STOP_EXIT.bits() != 0;
        if parked && !exit {
            continue;
        }
        if parked {
            session::with(pid, |s| s.state = State::Running)?;
        }
        match handle_event(pid, e) {
            // The tracee is dying (a register read failed under us): let it go on to its end,
            // which a later read reports as ESRCH. It may sit at its EXIT stop, so resume it.
            Err(ESRCH) => return request::rearm(pid).map(|()| true),
            r => r?,
        }
    }
    Ok(true)
}

/// Handles what is queued for `pid` without waiting.
pub fn poll(pid: pid_t) -> Result<()> {
    drain(pid, false, false).map(drop)
}

/// One `PtraceEvent`: `cause`, then `a`..`f` (spec §2.1, payloads §2.4).
///
/// Nothing here writes to `trace` while the tracee may be running: a v2020 write resumes
/// whatever stop the tracee reached meanwhile (spec §2.2), so a write racing the tracee
/// would lose that stop. Writes happen only at a stop just read, where the tracee is parked.
pub fn handle_event(pid: pid_t, e: [u64; 7]) -> Result<()> {
    let cause = PtraceFlags::from_bits_truncate(e[0]);
    let a = e[1];
    let (options, killed, expect, pending) = session::with(pid, |s| {
        (s.options, s.killed, s.expect_signal, s.pending_event)
    })?;
    if killed {
        return Ok(());
    }
    if cause.intersects(PtraceFlags::PTRACE_STOP_MASK) {
        // At a stop, so not in a job-control stop.
        session::with(pid, |s| s.job_stop = false)?;
    }
    let duplicate = session::with(pid, |s| {
        let dup = s.duplicates > 0 && s.last_event == e;
        if dup {
            s.duplicates -= 1;
        } else if cause.intersects(PtraceFlags::PTRACE_STOP_MASK) {
            s.last_event = e;
        }
        dup
    })?;
    if duplicate {
        return Ok(());
    }
    // Non-stopping events (the tracee runs on, spec §2.3): Linux stops the tracee at a clone
    // or an exec. The event is reported at once as a stop (a vforking parent may never reach
    // another stop before its child runs); the tracee is only really parked once its next stop
    // arrives, which is then handled when the tracer resumes (`request::resume`).
    if cause.intersects(PtraceFlags::PTRACE_EVENT_MASK) {
        let event = if cause.contains(PtraceFlags::PTRACE_EVENT_CLONE) {
            let child = a as pid_t;
            let vfork = is_vfork(pid);
            let Some(event) = status::clone_event(options, vfork) else {
                return release(child);
            };
            adopt_clone(pid, child, options)?;
            session::with(pid, |s| s.event_msg = a as _)?;
            if vfork && options & crate::header::sys_ptrace::PTRACE_O_TRACEVFORKDONE != 0 {
                // Arm the vfork's syscall exit now. The write cannot race a stop: the parent
                // sleeps in the clone syscall until its child, frozen until the tracer
                // resumes it, execs or exits (syscall/process.rs @59177587 l.311-318).
                session::with(pid, |s| s.vfork_done = Some(child))?;
                request::rearm(pid)?;
            }
            Stop::Event(event)
        } else if pending.is_some() {
            // An exec already announced by its syscall entry (`watch_exec`).
            return Ok(());
        } else if options & crate::header::sys_ptrace::PTRACE_O_TRACEEXEC != 0 {
            session::with(pid, |s| s.event_msg = pid as _)?;
            Stop::Event(status::EVENT_EXEC)
        } else {
            Stop::ExecTrap
        };
        return session::with(pid, |s| {
            s.running_in_stop = true;
            s.stop(event);
        });
    }
    // A stop of a tracee reported stopped at an event: it is parked now; the stop is handled
    // when the tracer resumes.
    if session::with(pid, |s| core::mem::take(&mut s.running_in_stop))? {
        return session::with(pid, |s| s.deferred = Some(e));
    }
    // The vfork's syscall exit stands in for Linux's VFORK_DONE stop, which comes before it;
    // the exit stop itself is handled on the next restart.
    if cause.contains(PtraceFlags::PTRACE_STOP_POST_SYSCALL)
        && let Some(child) = session::with(pid, |s| s.vfork_done.take())?
    {
        return session::with(pid, |s| {
            s.event_msg = child as _;
            s.deferred = Some(e);
            s.stop(Stop::Event(status::EVENT_VFORK_DONE));
        });
    }
    // The single step `watch_exec` forced stands in for the exec stop.
    if let Some(event) = pending {
        let ours = stop_of(cause, a) == Some(Stop::Step)
            && session::with(pid, |s| core::mem::take(&mut s.forced_step))?;
        return session::with(pid, |s| {
            s.pending_event = None;
            s.deferred = (!ours).then_some(e);
            s.stop(event);
        });
    }
    let (request, quiet_sigcont) = session::with(pid, |s| (s.last_request, s.quiet_sigcont))?;
    let stop = match stop_of(cause, a) {
        Some(Stop::Signal(status::SIGCONT)) if quiet_sigcont => {
            // The SIGCONT we sent to end a job-control stop: discard it unseen.
            session::with(pid, |s| s.quiet_sigcont = false)?;
            let flags = request::armed(options, request) | PtraceFlags::PTRACE_FLAG_IGNORE.bits();
            return request::write_flags(pid, flags);
        }
        Some(Stop::Signal(sig)) if expect == Some(sig) => {
            // A signal we injected: deliver it without a report. A stop signal without a
            // handler (`b` = 0, spec §2.4) puts the tracee in a job-control stop.
            let job_stop = status::is_stop_signal(sig) && e[2] == 0;
            session::with(pid, |s| {
                s.expect_signal = None;
                s.job_stop = job_stop;
            })?;
            return request::rearm(pid);
        }
        Some(Stop::SyscallEntry) if session::with(pid, |s| s.await_exec)? => {
            return watch_exec(pid, options);
        }
        Some(stop @ (Stop::SyscallEntry | Stop::SyscallExit))
            if !request::wanted(stop, request) =>
        {
            // Armed for our own purposes (events, exec watching): not the tracer's business.
            return request::rearm(pid);
        }
        Some(Stop::Event(_)) => {
            // EXIT: `a` is the wait status the exit will report (spec §2.4).
            session::with(pid, |s| {
                s.exit_status = Some(a as c_int);
                s.event_msg = a as _;
            })?;
            if options & crate::header::sys_ptrace::PTRACE_O_TRACEEXIT == 0 {
                return request::rearm(pid);
            }
            Stop::Event(status::EVENT_EXIT)
        }
        Some(stop) => stop,
        None => return Ok(()),
    };
    #[cfg(target_arch = "x86_64")]
    if stop == Stop::Breakpoint {
        move_past_int3(pid)?;
    }
    session::with(pid, |s| {
        // Linux 5.3+: GETEVENTMSG at a syscall stop is 1 at entry, 2 at exit.
        match stop {
            Stop::SyscallEntry => s.event_msg = 1,
            Stop::SyscallExit => s.event_msg = 2,
            _ => {}
        }
        s.stop(stop)
    })
}

/// A syscall entry of a TRACEME child before its first exec: at the exec, force a single step
/// (it stops at the new program's start) and report that as Linux's exec stop; any other
/// syscall is resumed, or reported if the tracer asked for syscall stops. The tracee is parked
/// at this entry, so the write cannot race it.
fn watch_exec(pid: pid_t, options: c_int) -> Result<()> {
    use crate::header::sys_ptrace::*;
    #[cfg(target_arch = "x86_64")]
    let nr = super::registers::syscall_number(pid)?;
    #[cfg(not(target_arch = "x86_64"))]
    let nr = u64::MAX;
    if os::EXEC_SYSCALLS.contains(&nr) {
        let stop = if options & PTRACE_O_TRACEEXEC != 0 {
            Stop::Event(status::EVENT_EXEC)
        } else {
            Stop::ExecTrap
        };
        session::with(pid, |s| {
            s.await_exec = false;
            s.pending_event = Some(stop);
            s.forced_step = true;
            s.event_msg = pid as _;
        })?;
        return request::write_flags(pid, request::armed(options, PTRACE_SINGLESTEP));
    }
    let request = session::with(pid, |s| s.last_request)?;
    if request::wanted(Stop::SyscallEntry, request) {
        return session::with(pid, |s| {
            s.event_msg = 1;
            s.stop(Stop::SyscallEntry);
        });
    }
    request::rearm(pid)
}

/// The Linux stop a Redox stop event is (None for events that are not stops).
pub fn stop_of(cause: PtraceFlags, a: u64) -> Option<Stop> {
    Some(if cause.contains(PtraceFlags::PTRACE_STOP_PRE_SYSCALL) {
        Stop::SyscallEntry
    } else if cause.contains(PtraceFlags::PTRACE_STOP_POST_SYSCALL) {
        Stop::SyscallExit
    } else if cause.contains(PtraceFlags::PTRACE_STOP_SINGLESTEP) {
        Stop::Step
    } else if cause.contains(PtraceFlags::PTRACE_STOP_BREAKPOINT) {
        Stop::Breakpoint
    } else if cause.contains(PtraceFlags::PTRACE_STOP_SIGNAL) {
        Stop::Signal(a as c_int)
    } else if cause.contains(PtraceFlags::PTRACE_STOP_EXIT) {
        Stop::Event(status::EVENT_EXIT)
    } else {
        return None;
    })
}

#[cfg(target_arch = "x86_64")]
/// Redox leaves `rip` on the int3 (kernel `47018381`, spec §2.4); Linux reports it one past,
/// and resumes there. Moving it once at the stop keeps GETREGS/SETREGS one-to-one.
fn move_past_int3(pid: pid_t) -> Result<()> {
    super::registers::move_rip(pid, 1)
}

/// Whether `parent`, at its clone event, is inside a vfork. Only a vfork keeps the parent in
/// the syscall (syscall/process.rs @59177587 l.311-318); another clone's parent may have run
/// on, and whatever its registers say then is not a vfork. aarch64 Redox has no usable
/// register file (spec §3.1).
fn is_vfork(parent: pid_t) -> bool {
    #[cfg(target_arch = "x86_64")]
    if let Ok((nr, arg0)) = super::registers::current_syscall(parent) {
        return os::is_vfork(nr, arg0, |addr| {
            request::peek(parent, addr as usize).ok().map(|w| w as u64)
        });
    }
    let _ = parent;
    false
}

/// A new task the tracer did not ask for: Linux leaves it untraced. Opening and closing its
/// `trace` releases the freeze v2020 put it in (spec §1.5), without a write to the parent's
/// handle that could resume a stop of the running parent unseen.
fn release(child: pid_t) -> Result<()> {
    let flags = O_RDWR | O_NONBLOCK | O_CLOEXEC;
    match os::open(super::scheme::proc_path(child, "trace").as_str(), flags) {
        Ok(trace) => os::close(trace),
        // Gone already, or traced by someone else: nothing to release.
        Err(_) => Ok(()),
    }
}

/// A new task of a tracee whose tracer asked for it: trace it too, as Linux auto-attaches it
/// with the parent's options. v2020 keeps it frozen until its `trace` is opened (spec §2.4).
fn adopt_clone(parent: pid_t, child: pid_t, options: c_int) -> Result<()> {
    let _ = parent;
    let flags = O_RDWR | O_NONBLOCK | O_CLOEXEC;
    let trace = os::open(super::scheme::proc_path(child, "trace").as_str(), flags)?;
    let seized = session::with(parent, |s| s.seized)?;
    let mut s = session::Session::new(trace, flags, options, seized, State::Running);
    s.stop(if seized {
        Stop::Interrupt
    } else {
        Stop::Attached
    });
    session::insert(child, s);
    Ok(())
}

/// A job-control stop of a tracee resumed with a stop signal becomes its group-stop: the
/// wait status Linux gives for it, with the session stopped there (ptrace(2) "Group-stop").
fn group_stop(pid: pid_t, status: c_int) -> Option<c_int> {
    session::with(pid, |s| {
        if !s.job_stop {
            return None;
        }
        let stop = Stop::Group {
            sig: (status >> 8) & 0xff,
            seized: s.seized,
        };
        s.job_stop = false;
        s.state = State::Stopped {
            stop,
            reported: true,
        };
        Some(stop.wait_status(s.options))
    })
    .ok()
    .flatten()
}

/// The tracee is gone: reap it if it is our child, else report the status its EXIT stop gave.
fn gone(pid: pid_t, options: c_int, rusage: *mut c_void) -> Result<Option<c_int>> {
    let mut status = 0;
    // SAFETY: `status` is a live local; rusage is the caller's pointer, checked by the OS.
    match unsafe { os::waitpid(pid, &mut status, options & WNOWAIT, rusage) } {
        Ok(p) if p == pid => {}
        Ok(_) => return Ok(None),
        Err(ECHILD) => {
            status = session::with(pid, |s| s.exit_status)?.unwrap_or(0);
        }
        Err(e) => return Err(e),
    }
    if options & WNOWAIT == 0 {
        session::remove(pid);
    }
    Ok(Some(status))
}

/// Platform implementation of `wait4`.
///
/// # Safety
/// `stat_loc` is NULL or writable; `rusage` is the caller's raw pointer (the OS checks it).
pub unsafe fn wait4(
    pid: pid_t,
    stat_loc: *mut c_int,
    options: c_int,
    rusage: *mut c_void,
) -> Result<pid_t> {
    if options & !VALID != 0 {
        return Err(EINVAL);
    }
    let report = |p: pid_t, status: c_int| -> Result<pid_t> {
        if !stat_loc.is_null() {
            // SAFETY: copy_out checks the pointer.
            unsafe { request::copy_out(stat_loc.cast(), &status.to_ne_bytes()) }?;
        }
        Ok(p)
    };
    let mut idle_rounds = 0;
    loop {
        if let Some((p, status)) = take_unreported(pid, options & WNOWAIT == 0) {
            return report(p, status);
        }
        // Tracees that may stop: read their queues. Stopped ones are polled too, since a
        // signal can kill them where they stand.
        let mut running: Vec<pid_t> = Vec::new();
        let mut parked: Vec<pid_t> = Vec::new();
        let mut job_stop = false;
        session::for_each(|tracee, s| {
            if !selects(pid, tracee) {
            } else if s.state == State::Running || s.killed || s.running_in_stop {
                running.push(tracee);
                job_stop |= s.job_stop;
            } else {
                parked.push(tracee);
            }
        });
        // A tracee that may be job-control stopped is seen only by the OS wait below.
        let block = options & WNOHANG == 0
            && running.len() == 1
            && parked.is_empty()
            && !job_stop
            && pid != 0
            && pid >= -1;
        let mut changed = false;
        let polled = running
            .iter()
            .map(|&p| (p, false))
            .chain(parked.iter().map(|&p| (p, true)));
        for (tracee, is_parked) in polled {
            if !drain(tracee, block, is_parked)? {
                if let Some(status) = gone(tracee, options, rusage)? {
                    return report(tracee, status);
                }
            }
            changed = true;
        }
        if changed && take_unreported(pid, false).is_some() {
            continue;
        }
        // Everything else: untraced children, exits, job-control stops.
        let mut status = 0;
        // SAFETY: `status` is a live local; rusage is checked by the OS.
        let r = unsafe { os::waitpid(pid, &mut status, options | WUNTRACED | WNOHANG, rusage) };
        match r {
            Ok(0) => {}
            Ok(p) => {
                let stopped = status & 0xff == 0x7f;
                if stopped
                    && (status >> 8) & 0xff == SIGSTOP
                    && !session::contains(p)
                    && request::is_traceme(p)
                {
                    request::attach_traceme(p)?;
                    continue;
                }
                if stopped && let Some(stop) = group_stop(p, status) {
                    return report(p, stop);
                }
                if session::contains(p) && !stopped && status != 0xffff {
                    session::remove(p);
                }
                if !stopped || options & WUNTRACED != 0 || session::contains(p) {
                    return report(p, status);
                }
                continue;
            }
            Err(ECHILD) if !running.is_empty() => {}
            Err(e) => return Err(e),
        }
        if options & WNOHANG != 0 {
            return Ok(0);
        }
        if !block {
            // Polling: yield at first, as stops usually follow within a few rounds; a tracer
            // whose tracees stay quiet (or sit in a group-stop it cannot see) then sleeps
            // between rounds instead of spinning a CPU.
            if idle_rounds < YIELD_ROUNDS {
                idle_rounds += 1;
                os::pause();
            } else {
                os::nap();
            }
        }
    }
}
