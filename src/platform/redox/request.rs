//! One handler per ptrace request family, each a short sequence of scheme operations on the
//! session's files. The Linux behaviour each reproduces is in linux-ptrace-parity.md; the Redox
//! behaviour each relies on is cited from the v2020 kernel (`src/scheme/proc.rs @59177587`,
//! `src/ptrace.rs @59177587`) through redox-proc-scheme.md.

use core::ffi::{c_int, c_long, c_ulong, c_void};
use core::ptr;

use syscall::PtraceFlags;

use super::os::{self, Fd, flags::*};
use super::scheme::{self, proc_path};
use super::session::{self, File, Session, State};
use super::status::{self, SIGCONT, SIGKILL, SIGSTOP, Stop};
use crate::errno::{EFAULT, EINVAL, EIO, ENOENT, ENOSYS, EPERM, ESRCH, Errno, Result};
use crate::header::sys_ptrace::*;
use crate::platform::types::pid_t;

/// The highest signal number Linux accepts in a restart request.
const SIGRTMAX_USIZE: usize = 64;

/// Opening `trace` where no such file exists means this Redox has no ptrace (current Redox,
/// spec §0: procmgr answers ENOENT; a kernel without the operation answers EINVAL).
fn no_ptrace(e: Errno) -> Errno {
    if e == ENOENT || e == EINVAL {
        ENOSYS
    } else {
        e
    }
}

/// Copies `src` to the caller's buffer at `dst`, EFAULT where Linux would fault.
///
/// # Safety
/// `dst` is the caller's raw pointer; it is checked by [`os::check_user`] before use.
pub unsafe fn copy_out(dst: *mut c_void, src: &[u8]) -> Result<()> {
    if src.is_empty() {
        // Linux copies nothing and so faults on nothing.
        return Ok(());
    }
    os::check_user(dst as usize, src.len(), true)?;
    // SAFETY: check_user verified `src.len()` writable bytes at `dst` (to the extent the host
    // can check; see its doc), and the two regions cannot overlap (src is ours).
    unsafe { ptr::copy_nonoverlapping(src.as_ptr(), dst.cast::<u8>(), src.len()) };
    Ok(())
}

/// Copies the caller's buffer at `src` into `dst`, EFAULT where Linux would fault.
///
/// # Safety
/// As [`copy_out`].
pub unsafe fn copy_in(dst: &mut [u8], src: *const c_void) -> Result<()> {
    if dst.is_empty() {
        return Ok(());
    }
    os::check_user(src as usize, dst.len(), false)?;
    // SAFETY: as in copy_out, for reading.
    unsafe { ptr::copy_nonoverlapping(src.cast::<u8>(), dst.as_mut_ptr(), dst.len()) };
    Ok(())
}

/// The file `which` of a stopped tracee, opened on first use.
pub fn file(pid: pid_t, which: File) -> Result<Fd> {
    let (open, flags) = session::with(pid, |s| (s.file(which), s.open_flags))?;
    if let Some(fd) = open {
        return Ok(fd);
    }
    let fd = os::open(
        proc_path(pid, which.name()).as_str(),
        O_RDWR | (flags & O_CLOEXEC),
    )?;
    session::with(pid, |s| s.set_file(which, fd))?;
    Ok(fd)
}

// ---------------------------------------------------------------------------------------------
// Attaching and detaching

/// PTRACE_TRACEME: leave relibc's `chan:` marker (spec §6.3) and stop, so the parent attaches
/// before this process runs on (the parent's `waitpid` sees the stop, finds the marker, opens
/// `trace` with a freeze and hides the stop: relibc's race, §5.3, cannot happen). The marker
/// handle is kept open for the life of the process, as relibc does, and survives exec.
pub fn traceme() -> Result<c_long> {
    let me = os::getpid();
    let marker = os::open(
        scheme::traceme_marker(me).as_str(),
        O_CREAT | O_EXCL | O_PATH,
    )
    // relibc: a second TRACEME fails because the marker exists; Linux says EPERM.
    .map_err(|e| {
        if e == crate::errno::Errno(17) {
            EPERM
        } else {
            no_ptrace(e)
        }
    })?;
    let _ = marker;
    os::kill(me, SIGSTOP)?;
    Ok(0)
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

fn open_trace(pid: pid_t, extra: usize, options: c_int) -> Result<(Fd, usize)> {
    if pid <= 0 {
        return Err(ESRCH);
    }
    if session::contains(pid) {
        return Err(EPERM);
    }
    let mut flags = O_RDWR | O_NONBLOCK | O_CLOEXEC | extra;
    if options & PTRACE_O_EXITKILL != 0 {
        flags |= O_EXCL;
    }
    let fd = os::open(proc_path(pid, "trace").as_str(), flags).map_err(|e| match e {
        // v2020 `try_new_session`: a second tracer gets EBUSY; Linux says EPERM.
        crate::errno::EBUSY => EPERM,
        e => no_ptrace(e),
    })?;
    Ok((fd, flags))
}

/// Attaches to the child that stopped itself after PTRACE_TRACEME: freeze it at open
/// (`O_TRUNC`, spec §1.3), lift its job-control stop (a ptrace write does not, §5.1; the freeze
/// holds it), and let it run to its first real stop.
pub fn attach_traceme(pid: pid_t) -> Result<()> {
    let (fd, flags) = open_trace(pid, O_TRUNC, 0)?;
    session::insert(pid, Session::new(fd, flags, 0, false, State::Running));
    session::with(pid, |s| {
        s.quiet_sigcont = true;
        s.await_exec = true;
    })?;
    os::kill(pid, SIGCONT)?;
    write_flags(pid, armed(0, PTRACE_CONT))
}

/// PTRACE_ATTACH: open `trace` with `O_TRUNC`, which stops the tracee at once without an event
/// (spec §1.3); Linux reports that as the SIGSTOP stop 0x137f.
pub fn attach(pid: pid_t) -> Result<c_long> {
    if pid == os::getpid() {
        return Err(EPERM);
    }
    let (fd, flags) = open_trace(pid, O_TRUNC, 0)?;
    session::insert(pid, Session::new(fd, flags, 0, false, State::Running));
    session::with(pid, |s| s.stop(Stop::Attached))?;
    Ok(0)
}

/// PTRACE_SEIZE: open `trace` without freezing and arm the stops Linux always reports
/// (signals, int3), since an unarmed v2020 tracee never stops (spec §1.4).
pub fn seize(pid: pid_t, addr: usize, options: c_int) -> Result<c_long> {
    // linux-ptrace-parity.md §4: SEIZE rejects a non-zero addr and unknown bits with EIO.
    if addr != 0 || options & !PTRACE_O_MASK != 0 {
        return Err(EIO);
    }
    if pid == os::getpid() {
        return Err(EPERM);
    }
    let (fd, flags) = open_trace(pid, 0, options)?;
    session::insert(pid, Session::new(fd, flags, options, true, State::Running));
    write_flags(pid, armed(options, PTRACE_CONT)).map(|()| 0)
}

/// PTRACE_DETACH: closing `trace` detaches and resumes (spec §1.5). Like Linux, only from a
/// stop (ESRCH otherwise) and with a valid signal, which is then sent.
pub fn detach(pid: pid_t, sig: usize) -> Result<c_long> {
    let sig = valid_signal(sig)?;
    session::with(pid, |s| s.stopped())??;
    session::remove(pid);
    if sig != 0 {
        os::kill(pid, sig)?;
    }
    Ok(0)
}

/// PTRACE_KILL: SIGKILL, then release the stop the tracee sleeps in, since v2020 re-parks a
/// stopped tracee woken by a signal (spec §2.5) and only a write lets it die.
pub fn kill(pid: pid_t) -> Result<c_long> {
    session::with(pid, |_| ())?;
    os::kill(pid, SIGKILL)?;
    let trace = session::with(pid, |s| {
        s.killed = true;
        s.state = State::Running;
        s.trace
    })?;
    let _ = os::write(trace, &0u64.to_ne_bytes());
    Ok(0)
}

// ---------------------------------------------------------------------------------------------
// Resuming

/// A restart request's signal: 0 or a valid signal number, else EIO (Linux `valid_signal`).
fn valid_signal(sig: usize) -> Result<c_int> {
    match sig {
        0..=SIGRTMAX_USIZE => Ok(sig as c_int),
        _ => Err(EIO),
    }
}

/// The stop sites a restart request arms (spec §9.1.5). Signals, int3 and exits always stop a
/// Linux tracee; EXIT is always armed so that an exit status is known even for a tracee that
/// is not our child; exec is always watched because Linux stops after it.
pub fn armed(options: c_int, request: c_int) -> u64 {
    let mut f = PtraceFlags::PTRACE_STOP_SIGNAL
        | PtraceFlags::PTRACE_STOP_BREAKPOINT
        | PtraceFlags::PTRACE_STOP_EXIT
        | PtraceFlags::PTRACE_EVENT_ADDRSPACE_SWITCH;
    if status::wants_new_tasks(options) {
        f |= PtraceFlags::PTRACE_EVENT_CLONE;
    }
    match request {
        PTRACE_SYSCALL => {
            f |= PtraceFlags::PTRACE_STOP_PRE_SYSCALL | PtraceFlags::PTRACE_STOP_POST_SYSCALL
        }
        PTRACE_SINGLESTEP => f |= PtraceFlags::PTRACE_STOP_SINGLESTEP,
        PTRACE_SYSEMU => f |= PtraceFlags::PTRACE_STOP_PRE_SYSCALL,
        PTRACE_SYSEMU_SINGLESTEP => {
            f |= PtraceFlags::PTRACE_STOP_PRE_SYSCALL | PtraceFlags::PTRACE_STOP_SINGLESTEP
        }
        _ => {}
    }
    f.bits()
}

/// Writes breakpoint flags: one scheme operation that re-arms and resumes (spec §2.2). A
/// tracee that is already gone is not an error here: its exit is reported by `waitpid`.
pub fn write_flags(pid: pid_t, flags: u64) -> Result<()> {
    let (trace, flags) = session::with(pid, |s| {
        s.state = State::Running;
        s.int_cache = None;
        s.env_cache = None;
        s.siginfo = None;
        let flags = flags | s.internal_flags();
        s.armed_flags = Some(flags & !PtraceFlags::PTRACE_FLAG_MASK.bits());
        (s.trace, flags)
    })?;
    match scheme::write_all(trace, &flags.to_ne_bytes()) {
        Ok(()) | Err(ESRCH) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Resumes a tracee from a stop the tracer is not told about, in the mode of its last
/// restart request.
pub fn rearm(pid: pid_t) -> Result<()> {
    let (options, request) = session::with(pid, |s| (s.options, s.last_request))?;
    write_flags(pid, armed(options, request))
}

/// PTRACE_CONT, SYSCALL, SINGLESTEP, SYSEMU, SYSEMU_SINGLESTEP: re-arm and resume in one write,
/// delivering, suppressing (`PTRACE_FLAG_IGNORE`, spec §2.4) or replacing the stop's signal.
pub fn resume(pid: pid_t, request: c_int, sig: usize) -> Result<c_long> {
    let sig = valid_signal(sig)?;
    if let Some(event) = session::with(pid, |s| s.deferred.take())?
        && super::wait::stop_of(PtraceFlags::from_bits_truncate(event[0]), event[1])
            .is_some_and(|stop| wanted(stop, request))
    {
        // The tracee is parked at the stop an event was reported in place of: handle it now
        // (report it, or resume past it as for any stop the tracer did not ask for).
        session::with(pid, |s| {
            s.state = State::Running;
            s.last_request = request;
        })?;
        super::wait::handle_event(pid, event)?;
        return Ok(0);
    }
    if session::with(pid, |s| s.running_in_stop)? {
        // Reported stopped at a clone or exec event, but still running. A v2020 write resumes
        // whatever stop the tracee reached meanwhile (spec §2.2), unseen, and releases the
        // clone children read from `trace` that are not traced yet (`continue_ignored_children`,
        // spec §2.4). So write only when the armed flags must change; else its next stop
        // arrives through `trace` as usual.
        session::with(pid, |s| {
            s.running_in_stop = false;
            s.state = State::Running;
            s.last_request = request;
        })?;
        super::wait::poll(pid)?;
        let (stopped, wanted_flags, armed_now) = session::with(pid, |s| {
            // What it saw at the pseudo-stop is not kept: the tracee kept running.
            s.int_cache = None;
            s.env_cache = None;
            s.siginfo = None;
            (
                matches!(s.state, State::Stopped { .. }),
                armed(s.options, request) | s.internal_flags(),
                s.armed_flags,
            )
        })?;
        if !stopped && armed_now != Some(wanted_flags) {
            // The remaining race: a stop reached between the poll and this write is resumed
            // unseen (docs/redox-gaps.md).
            write_flags(pid, wanted_flags)?;
        }
        return Ok(0);
    }
    let (stop, options, skip) = session::with(pid, |s| {
        Ok::<_, Errno>((s.stopped()?, s.options, s.skip_syscall || s.sysemu))
    })??;
    let mut flags = armed(options, request);
    let sysemu = matches!(request, PTRACE_SYSEMU | PTRACE_SYSEMU_SINGLESTEP);
    let mut inject = None;
    let mut end_group_stop = false;
    match stop {
        // ptrace(2) "Group-stop": a restart ends it, and the signal given is dropped. A trace
        // write does not end a Redox job-control stop (spec §5.1); SIGCONT, sent after the
        // write, does.
        Stop::Group { .. } => end_group_stop = true,
        Stop::Signal(stopsig) if sig != stopsig => {
            // Discard the signal of this stop; a different one is sent before the write and
            // delivered without a second report.
            flags |= PtraceFlags::PTRACE_FLAG_IGNORE.bits();
            if sig != 0 {
                inject = Some(sig);
            }
        }
        // orig_rax = -1 was set, or the last restart was SYSEMU: this syscall is not run.
        Stop::SyscallEntry if skip => {
            flags |= PtraceFlags::PTRACE_FLAG_IGNORE.bits();
        }
        // ptrace(2): a signal given when restarting from any other stop is not guaranteed to
        // be delivered; like most Linux stops, we drop it.
        _ => {}
    }
    // Whether the signal the tracee takes now stops it (job control): SIGSTOP always; another
    // stop signal if it has no handler, which its signal stop tells (`b` = 0, spec §2.4). An
    // injected signal is known only at its own signal stop (`wait::handle_event`).
    let job_stop = match stop {
        Stop::Signal(stopsig) if sig == stopsig => {
            status::is_stop_signal(sig)
                && (sig == SIGSTOP || session::with(pid, |s| s.last_event[2] == 0)?)
        }
        _ => inject == Some(SIGSTOP),
    };
    session::with(pid, |s| {
        s.sysemu = sysemu;
        s.last_request = request;
        s.skip_syscall = false;
        if stop != Stop::SyscallEntry {
            s.syscall_nr = None;
        }
        s.expect_signal = inject;
        s.job_stop = job_stop;
        s.quiet_sigcont |= end_group_stop;
    })?;
    if let Some(sig) = inject {
        // Sent while the tracee is parked, so the signal is pending when the write resumes it;
        // the wake-up queues a duplicate of this stop's event (spec §2.5), dropped on read.
        os::kill(pid, sig)?;
        session::with(pid, |s| s.duplicates += 1)?;
    }
    write_flags(pid, flags)?;
    if end_group_stop {
        os::kill(pid, SIGCONT)?;
    }
    Ok(0)
}

/// Whether a restart `request` would stop at `stop` on Linux.
pub fn wanted(stop: Stop, request: c_int) -> bool {
    match stop {
        Stop::SyscallEntry => {
            matches!(
                request,
                PTRACE_SYSCALL | PTRACE_SYSEMU | PTRACE_SYSEMU_SINGLESTEP
            )
        }
        // SYSEMU skips the syscall: there is no exit stop to report.
        Stop::SyscallExit => request == PTRACE_SYSCALL,
        Stop::Step => matches!(request, PTRACE_SINGLESTEP | PTRACE_SYSEMU_SINGLESTEP),
        _ => true,
    }
}

/// PTRACE_SETOPTIONS: EINVAL for unknown bits (Linux); EXITKILL becomes `O_EXCL` on the trace
/// handle through F_SETFL, which replaces all stored flags (spec §1.1).
pub fn set_options(pid: pid_t, options: usize) -> Result<c_long> {
    if options > c_int::MAX as usize || (options as c_int) & !PTRACE_O_MASK != 0 {
        return Err(EINVAL);
    }
    let options = options as c_int;
    let (trace, flags) = session::with(pid, |s| s.stopped().map(|_| (s.trace, s.open_flags)))??;
    let wanted = if options & PTRACE_O_EXITKILL != 0 {
        flags | O_EXCL
    } else {
        flags & !O_EXCL
    };
    if wanted != flags {
        os::fcntl(trace, F_SETFL, wanted)?;
    }
    session::with(pid, |s| {
        s.options = options;
        s.open_flags = wanted;
    })?;
    Ok(0)
}

// ---------------------------------------------------------------------------------------------
// Event information

/// PTRACE_GETEVENTMSG.
///
/// # Safety
/// `data` is the caller's raw pointer.
pub unsafe fn get_event_msg(pid: pid_t, data: *mut c_void) -> Result<c_long> {
    let msg: c_ulong = session::with(pid, |s| s.stopped().map(|_| s.event_msg))??;
    // SAFETY: copy_out checks the pointer.
    unsafe { copy_out(data, &msg.to_ne_bytes()) }.map(|()| 0)
}

/// PTRACE_GETSIGINFO: the siginfo Linux would give for this stop (signo, errno 0, code; the
/// sender is not known on Redox).
///
/// # Safety
/// `data` is the caller's raw pointer.
pub unsafe fn get_siginfo(pid: pid_t, data: *mut c_void) -> Result<c_long> {
    let (stop, options, set) =
        session::with(pid, |s| s.stopped().map(|st| (st, s.options, s.siginfo)))??;
    // ptrace(2): in the group-stop of a tracee not attached with SEIZE, EINVAL.
    if let Stop::Group { seized: false, .. } = stop {
        return Err(EINVAL);
    }
    if let Some(info) = set {
        // SAFETY: copy_out checks the pointer.
        return unsafe { copy_out(data, &info) }.map(|()| 0);
    }
    let (signo, code) = stop.siginfo_codes(options);
    let mut info = [0u8; 128];
    info[0..4].copy_from_slice(&signo.to_ne_bytes());
    info[8..12].copy_from_slice(&code.to_ne_bytes());
    // A single-step trap's si_addr is the stopped rip (Linux `send_sigtrap`).
    #[cfg(target_arch = "x86_64")]
    if stop == Stop::Step {
        let rip = super::registers::linux_regs(pid)?[super::regs::L_RIP];
        info[16..24].copy_from_slice(&rip.to_ne_bytes());
    }
    // SAFETY: copy_out checks the pointer.
    unsafe { copy_out(data, &info) }.map(|()| 0)
}

/// PTRACE_PEEKSIGINFO: Redox keeps no signal queue a tracer can read (spec §2.4), so EIO, but
/// only after Linux's own checks of the arguments (kernel/ptrace.c `ptrace_peek_siginfo`:
/// EFAULT, EINVAL for unknown flags or a negative count, 0 for a count of 0), so bad input
/// gets Linux's answer.
///
/// # Safety
/// `addr` is the caller's raw pointer.
pub unsafe fn peek_siginfo(pid: pid_t, addr: *const c_void) -> Result<c_long> {
    session::with(pid, |s| s.stopped())??;
    let mut args = [0u8; size_of::<__ptrace_peeksiginfo_args>()];
    // SAFETY: copy_in checks the pointer.
    unsafe { copy_in(&mut args, addr) }?;
    let flags = u32::from_ne_bytes([args[8], args[9], args[10], args[11]]);
    let nr = i32::from_ne_bytes([args[12], args[13], args[14], args[15]]);
    if flags & !(PTRACE_PEEKSIGINFO_SHARED as u32) != 0 || nr < 0 {
        return Err(EINVAL);
    }
    if nr == 0 { Ok(0) } else { Err(EIO) }
}

/// PTRACE_GETSIGMASK and PTRACE_SETSIGMASK: no signal mask is reachable under `proc:PID/`
/// (docs/redox-gaps.md), so EIO after Linux's checks (kernel/ptrace.c: EINVAL unless the size
/// is the kernel's 8-byte sigset, EFAULT for the mask of SETSIGMASK).
///
/// # Safety
/// `data` is the caller's raw pointer.
pub unsafe fn sigmask(pid: pid_t, set: bool, size: usize, data: *const c_void) -> Result<c_long> {
    session::with(pid, |s| s.stopped())??;
    if size != 8 {
        return Err(EINVAL);
    }
    if set {
        let mut mask = [0u8; 8];
        // SAFETY: copy_in checks the pointer.
        unsafe { copy_in(&mut mask, data) }?;
    }
    Err(EIO)
}

/// PTRACE_SETSIGINFO: Redox keeps no siginfo (spec §2.4). The tracer's siginfo is kept for
/// GETSIGINFO until the tracee resumes; what is delivered is the restart request's signal, as
/// on Linux, without the other fields (docs/redox-gaps.md).
///
/// # Safety
/// `data` is the caller's raw pointer.
pub unsafe fn set_siginfo(pid: pid_t, data: *const c_void) -> Result<c_long> {
    session::with(pid, |s| s.stopped())??;
    let mut info = [0u8; 128];
    // SAFETY: copy_in checks the pointer.
    unsafe { copy_in(&mut info, data) }?;
    session::with(pid, |s| s.siginfo = Some(info))?;
    Ok(0)
}

// ---------------------------------------------------------------------------------------------
// Memory

/// Positions `mem` at `addr` unless a previous transfer left it there.
fn seek_mem(pid: pid_t, addr: usize) -> Result<Fd> {
    let fd = file(pid, File::Mem)?;
    let at = session::with(pid, |s| s.mem_cursor)?;
    if at != Some(addr) {
        let addr = isize::try_from(addr).map_err(|_| EIO)?;
        os::lseek(fd, addr, SEEK_SET).map_err(|_| EIO)?;
    }
    Ok(fd)
}

/// `mem` is all-or-nothing with EFAULT for an unmapped page (spec §4); Linux says EIO.
fn mem_errno(e: Errno) -> Errno {
    if e == EFAULT { EIO } else { e }
}

/// PTRACE_PEEKTEXT / PEEKDATA.
pub fn peek(pid: pid_t, addr: usize) -> Result<c_long> {
    session::with(pid, |s| s.stopped())??;
    let fd = seek_mem(pid, addr)?;
    let mut word = [0u8; 8];
    let r = scheme::read_exact(fd, &mut word).map_err(mem_errno);
    session::with(pid, |s| {
        s.mem_cursor = r.is_ok().then_some(addr.wrapping_add(8))
    })?;
    r.map(|()| c_long::from_ne_bytes(word))
}

/// PTRACE_POKETEXT / POKEDATA: `mem` writes ignore page protection (spec §4), so breakpoints
/// can be planted in text as on Linux.
pub fn poke(pid: pid_t, addr: usize, word: usize) -> Result<c_long> {
    session::with(pid, |s| s.stopped())??;
    let fd = seek_mem(pid, addr)?;
    let r = scheme::write_all(fd, &word.to_ne_bytes()).map_err(mem_errno);
    session::with(pid, |s| {
        s.mem_cursor = r.is_ok().then_some(addr.wrapping_add(8))
    })?;
    r.map(|()| 0)
}
