//! Carries out the transitions of [`tracee`](super::tracee) over the OS boundary: the scheme
//! operations an event or a request needs, always with the table held, so each transition is
//! one lock acquisition. Nothing here waits for an event: `trace` is read non-blocking.
#![forbid(unsafe_code)]

use core::ffi::c_int;

use syscall::{Event, EventFlags, PtraceEvent};

use super::files;
use super::os::{self, Fd, flags::*};
use super::scheme::{self, proc_path};
use super::status::NewTask;
use super::status::SIGCONT;
use super::table::Table;
use super::tracee::{Need, Plan, Session, new_task_fact};
use crate::errno::{EAGAIN, EBUSY, EINVAL, ENOENT, ENOSYS, EPERM, ESRCH, Errno, Result};
use crate::header::sys_ptrace::PTRACE_O_EXITKILL;
use crate::platform::types::pid_t;

/// Size of one `PtraceEvent` record (docs/redox-protocol.md §2.1).
const EVENT_SIZE: usize = core::mem::size_of::<PtraceEvent>();
/// Records read at once: v2020 returns everything queued, up to the buffer, in one read
/// (§2.3), so a short read means the queue is empty.
const BATCH: usize = 8;

/// Opening `trace` where no such file exists means this Redox has no ptrace (current Redox,
/// §0: procmgr answers ENOENT; a kernel without the operation answers EINVAL).
fn no_ptrace(e: Errno) -> Errno {
    if e == ENOENT || e == EINVAL {
        ENOSYS
    } else {
        e
    }
}

/// Opens `trace` of `pid` (`O_TRUNC`: freeze it, §1.3; `exitkill`: `O_EXCL`, §1.5).
pub fn open_trace(t: &Table, pid: pid_t, freeze: bool, exitkill: bool) -> Result<(Fd, usize)> {
    if pid <= 0 {
        return Err(ESRCH);
    }
    if t.get(pid).is_some() {
        return Err(EPERM);
    }
    let mut flags = O_RDWR | O_NONBLOCK | O_CLOEXEC;
    if freeze {
        flags |= O_TRUNC;
    }
    if exitkill {
        flags |= O_EXCL;
    }
    let fd = os::open(proc_path(pid, "trace").as_str(), flags).map_err(|e| match e {
        // v2020 `try_new_session`: a second tracer gets EBUSY; Linux says EPERM.
        EBUSY => EPERM,
        e => no_ptrace(e),
    })?;
    Ok((fd, flags))
}

/// Registers `trace` of `pid` with the event queue (§2.6), so the event thread hears of it.
pub fn watch(events: Fd, trace: Fd, pid: pid_t) -> Result<()> {
    let ev = Event {
        id: trace,
        flags: EventFlags::EVENT_READ,
        data: pid as usize,
    };
    scheme::write_all(events, &ev)
}

/// Adds a session to the table and to the event queue if the event thread runs. On failure
/// the handle is closed: the tracee is released.
pub fn add(t: &mut Table, s: Session) -> Result<()> {
    let (pid, trace) = (s.pid, s.trace);
    let r = t.insert(s).and_then(|()| match t.events {
        Some(events) => watch(events, trace, pid),
        None => Ok(()),
    });
    if r.is_err() {
        if let Some(s) = t.remove(pid) {
            files::close_all(&s);
        } else {
            let _ = os::close(trace);
        }
    }
    r
}

/// Removes the session of `pid` and closes its handles (detach, or the tracee is gone).
pub fn remove(t: &mut Table, pid: pid_t) {
    if let Some(s) = t.remove(pid) {
        files::close_all(&s);
    }
}

/// Writes breakpoint flags (already passed through `Session::resumed`): one scheme operation
/// that re-arms and resumes (§2.2). A tracee that is gone is not an error here: `waitpid`
/// reports its end.
pub fn write(trace: Fd, flags: u64) -> Result<()> {
    match scheme::write_all(trace, &flags.to_ne_bytes()) {
        Ok(()) | Err(ESRCH) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Reads everything `trace` of `pid` has queued and handles it (the event thread, and a
/// restart from a pseudo-stop, which must see a stop before it writes).
pub fn drain(t: &mut Table, pid: pid_t) -> Result<()> {
    loop {
        let Some(trace) = t.get(pid).map(|s| s.trace) else {
            return Ok(());
        };
        let mut buf = [0u8; EVENT_SIZE * BATCH];
        let n = match os::read(trace, &mut buf) {
            Ok(n) => n,
            Err(EAGAIN) => return Ok(()),
            Err(ESRCH) => {
                gone(t, pid);
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        for record in buf.get(..n).unwrap_or_default().chunks_exact(EVENT_SIZE) {
            let mut e = PtraceEvent::default();
            e.copy_from_slice(record);
            apply(t, pid, &e)?;
        }
        if n < buf.len() {
            return Ok(());
        }
    }
}

/// The tracee is gone (`trace` answered ESRCH): record it, and tell the tracer as Linux does
/// (kernel/exit.c `exit_notify`), unless the OS does because it is the tracer's child.
fn gone(t: &mut Table, pid: pid_t) {
    if let Some(s) = t.get_mut(pid) {
        s.on_gone();
        s.notify = !os::reports_exit(pid);
    }
}

/// Sends the SIGCHLDs due: `own` to the calling thread (a thread of the program, which may
/// give the siginfo Linux gives), else to the process (the event thread).
pub fn deliver(t: &mut Table, own: bool) {
    let mut notices = [(0, 0, 0); 8];
    loop {
        let n = t.take_notices(&mut notices);
        for &(pid, code, value) in notices.get(..n).unwrap_or_default() {
            os::sigchld(pid, code, value, own);
        }
        if n < notices.len() {
            return;
        }
    }
}

/// One stop event of `pid`: what it needs read first, its transition, then the effects.
pub fn apply(t: &mut Table, pid: pid_t, e: &PtraceEvent) -> Result<()> {
    let Some(s) = t.get_mut(pid) else {
        return Ok(());
    };
    let had_report = s.take_report(false).is_some();
    let fact = match s.needs(e) {
        Need::Nothing => Ok(None),
        Need::SyscallNumber => syscall_number(s).map(Some),
        Need::NewTask => Ok(Some(new_task_fact(new_task(s, e.a as pid_t)))),
    };
    let fact = match fact {
        Ok(fact) => fact,
        // Dying under us (a register read failed): let it go on to its end, which a later
        // read reports as ESRCH; it may sit at its EXIT stop, so resume it.
        Err(ESRCH) => {
            let flags = s.resumed(s.rearm());
            return write(s.trace, flags);
        }
        Err(err) => return Err(err),
    };
    let fx = s.on_event(e, fact);
    let (options, seized, watch, trace) = (s.options, s.seized, s.watch_entries, s.trace);
    if let Some((child, adopt)) = fx.child {
        // Before any write to the parent's handle, which would release it (§2.2 step 1).
        if adopt {
            adopt_child(t, child, options, seized, watch);
        } else {
            release(child);
        }
    }
    #[cfg(target_arch = "x86_64")]
    if fx.fix_rip
        && let Some(s) = t.get_mut(pid)
    {
        super::registers::move_past_int3(s)?;
    }
    if let Some(flags) = fx.write {
        write(trace, flags)?;
    }
    if let Some(s) = t.get_mut(pid)
        && !had_report
        && s.take_report(false).is_some()
    {
        s.notify = true;
    }
    Ok(())
}

/// The number of the syscall the tracee stopped at the entry of (Redox keeps it in `rax`
/// there, §2.4).
fn syscall_number(s: &mut Session) -> Result<u64> {
    #[cfg(target_arch = "x86_64")]
    return files::read_int(s).map(|int| int.rax as u64);
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = s;
        Ok(u64::MAX)
    }
}

/// Whether the tracee, at its clone event, is inside a vfork. Only a vfork keeps the parent
/// in the syscall (syscall/process.rs @59177587 l.311-318); another clone's parent may have run
/// on, and whatever its registers say then is not a vfork. aarch64 Redox has no usable
/// register file (§3.1).
fn is_vfork(s: &mut Session) -> bool {
    #[cfg(target_arch = "x86_64")]
    if let Ok(int) = files::read_int_now(s) {
        return os::is_vfork(int.rax as u64, int.rdi as u64, |addr| {
            files::peek(s, addr as usize).ok().map(|w| w as u64)
        });
    }
    let _ = s;
    false
}

/// What kind of task the tracee's clone event made: a vfork (from the parent's registers),
/// a thread (it shares the parent's memory) or a process.
fn new_task(s: &mut Session, child: pid_t) -> NewTask {
    if is_vfork(s) {
        NewTask::Vfork
    } else if shares_memory(s, child) {
        NewTask::Thread
    } else {
        NewTask::Process
    }
}

/// Whether the new task `child`, still frozen (§2.4), shares its parent's memory: a word
/// below the child's stack pointer (past the 128-byte red zone, which nothing uses while it is
/// frozen) is changed through the child's `mem` and read through the parent's, then put back.
/// A thread sees its own write there; a process, whose stack is a copy, does not (and its
/// parent's word is only read). Nothing in v2020 names the kind (§2.4); this costs a few
/// scheme operations per clone event (docs/redox-gaps.md).
#[cfg(target_arch = "x86_64")]
fn shares_memory(s: &mut Session, child: pid_t) -> bool {
    let flags = O_RDWR | O_CLOEXEC;
    let Ok(regs) = os::open(proc_path(child, "regs/int").as_str(), flags) else {
        return false;
    };
    let mut int = syscall::IntRegisters::default();
    let read = scheme::read_exact(regs, &mut int);
    let _ = os::close(regs);
    if read.is_err() {
        return false;
    }
    let addr = int.rsp.wrapping_sub(256) & !7;
    let Ok(mem) = os::open(proc_path(child, "mem").as_str(), flags) else {
        return false;
    };
    let probe = ((0x5ead_be1f_u64 << 32) | u64::from(child as u32)).to_ne_bytes();
    let mut old = [0u8; 8];
    let at = addr as isize;
    let shared = os::lseek(mem, at, SEEK_SET).is_ok()
        && scheme::read_exact(mem, &mut old).is_ok()
        && os::lseek(mem, at, SEEK_SET).is_ok()
        && scheme::write_all(mem, &probe).is_ok()
        && files::peek(s, addr).is_ok_and(|w| w.to_ne_bytes() == probe);
    if os::lseek(mem, at, SEEK_SET).is_ok() {
        let _ = scheme::write_all(mem, &old);
    }
    let _ = os::close(mem);
    shared
}

/// aarch64 Redox has no usable register file (§3.1): every new task counts as a process.
#[cfg(not(target_arch = "x86_64"))]
fn shares_memory(_s: &mut Session, _child: pid_t) -> bool {
    false
}

/// A new task the tracer did not ask for: Linux leaves it untraced. Opening and closing its
/// `trace` releases the freeze v2020 put it in (§1.5), without a write to the parent's
/// handle that could resume a stop of the running parent unseen.
fn release(child: pid_t) {
    let flags = O_RDWR | O_NONBLOCK | O_CLOEXEC;
    if let Ok(trace) = os::open(proc_path(child, "trace").as_str(), flags) {
        let _ = os::close(trace);
    }
}

/// A new task of a tracee whose tracer asked for it: trace it too, as Linux auto-attaches it
/// with the parent's options, stopped (SIGSTOP, or PTRACE_EVENT_STOP when seized). v2020
/// keeps it frozen until its `trace` is opened (§2.4). If it cannot be traced (the table is
/// full), it is released. The options include EXITKILL, which is `O_EXCL` (§1.5): the new
/// task dies with the tracer too (kernel/ptrace.c `ptrace_init_task` copies `PT_EXITKILL`).
fn adopt_child(t: &mut Table, child: pid_t, options: c_int, seized: bool, watch: bool) {
    let mut flags = O_RDWR | O_NONBLOCK | O_CLOEXEC;
    if options & PTRACE_O_EXITKILL != 0 {
        flags |= O_EXCL;
    }
    let Ok(trace) = os::open(proc_path(child, "trace").as_str(), flags) else {
        return;
    };
    let mut s = Session::new(child, trace, flags, options, seized);
    // A debugger's inferior's children exec as it does: watched the same way.
    s.watch_entries = watch;
    s.stop(if seized {
        super::status::Stop::Interrupt
    } else {
        super::status::Stop::Attached
    });
    s.notify = true;
    let _ = add(t, s);
}

/// Carries out a restart request's plan.
pub fn restart(t: &mut Table, pid: pid_t, plan: Plan) -> Result<()> {
    match plan {
        Plan::Replay(event) => apply(t, pid, &event),
        Plan::FromPseudo(flags) => {
            drain(t, pid)?;
            let Some(s) = t.get_mut(pid) else {
                return Ok(());
            };
            match s.pseudo_write(flags) {
                // The remaining race: a stop reached between the read and this write is
                // resumed unseen (docs/redox-gaps.md).
                Some(flags) => write(s.trace, flags),
                None => Ok(()),
            }
        }
        Plan::Write {
            flags,
            inject,
            end_group_stop,
        } => {
            let trace = t.get(pid).map(|s| s.trace).ok_or(ESRCH)?;
            if let Some(sig) = inject {
                // Sent while the tracee is parked, so it is pending when the write resumes it.
                os::kill(pid, sig)?;
            }
            write(trace, flags)?;
            if end_group_stop {
                os::kill(pid, SIGCONT)?;
            }
            Ok(())
        }
    }
}

/// Whether `pid` left the TRACEME marker.
pub fn is_traceme(pid: pid_t) -> bool {
    match os::open(scheme::traceme_marker(pid).as_str(), O_PATH) {
        Ok(fd) => {
            let _ = os::close(fd);
            true
        }
        Err(_) => false,
    }
}

/// Attaches to the child that stopped itself after PTRACE_TRACEME: freeze it at open
/// (`O_TRUNC`, §1.3), lift its job-control stop (a ptrace write does not, §5.1; the freeze
/// holds it), and let it run to its first real stop.
pub fn attach_traceme(t: &mut Table, pid: pid_t) -> Result<()> {
    let (fd, flags) = open_trace(t, pid, true, false)?;
    let mut s = Session::new(pid, fd, flags, 0, false);
    let arm = s.traceme_attached();
    add(t, s)?;
    os::kill(pid, SIGCONT)?;
    write(fd, arm)
}
