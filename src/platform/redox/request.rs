//! The ptrace requests other than the register ones, each one transition of the tracee's
//! state machine under one lock. They take and return plain values: the caller's pointers
//! are decoded by the dispatch (`dispatch`), after the checks Linux makes first. The Linux
//! behaviour each reproduces is cited from ptrace(2); the Redox behaviour from
//! docs/redox-protocol.md.
#![forbid(unsafe_code)]

use core::ffi::{c_int, c_long, c_ulong};

use syscall::PtraceFlags;

use super::driver;
use super::files;
use super::os::{self, flags::*};
use super::pump;
use super::scheme;
use super::status::{SIGCONT, SIGKILL, SIGSTOP, Stop};
use super::table;
use super::tracee::{self, Session};
use crate::errno::{E2BIG, EINVAL, EIO, EPERM, ESRCH, Errno, Result};
use crate::header::sys_ptrace::*;
use crate::platform::types::pid_t;

/// The stop `pid` is in: ESRCH unless it is a stopped tracee of ours (ptrace(2) ERRORS).
/// Linux checks this before any other argument.
pub fn stopped(pid: pid_t) -> Result<Stop> {
    table::lock().get(pid).ok_or(ESRCH)?.stopped()
}

/// Runs `f` on the session of stopped tracee `pid`, under the lock.
fn with_stopped<R>(pid: pid_t, f: impl FnOnce(&mut Session, Stop) -> Result<R>) -> Result<R> {
    let mut t = table::lock();
    let s = t.get_mut(pid).ok_or(ESRCH)?;
    let stop = s.stopped()?;
    f(s, stop)
}

// ---------------------------------------------------------------------------------------------
// Attaching and detaching

/// PTRACE_TRACEME: leave relibc's `chan:` marker (docs/redox-protocol.md §6.3) and stop, so
/// the parent attaches before this process runs on (the parent's `waitpid` sees the stop,
/// finds the marker, opens `trace` with a freeze and hides the stop). The marker handle is
/// kept open for the life of the process, as relibc does, and survives exec.
pub fn traceme() -> Result<c_long> {
    let me = os::getpid();
    os::open(
        scheme::traceme_marker(me).as_str(),
        O_CREAT | O_EXCL | O_PATH,
    )
    // relibc: a second TRACEME fails because the marker exists; Linux says EPERM.
    .map_err(|e| match e {
        Errno(17) => EPERM,
        e if e == crate::errno::ENOENT || e == EINVAL => crate::errno::ENOSYS,
        e => e,
    })?;
    os::kill(me, SIGSTOP)?;
    Ok(0)
}

/// The errno of ATTACH and SEIZE when opening `trace` failed with `e`: v2020 answers ESRCH for
/// a process that has exited and is not reaped yet (`src/scheme/proc.rs` @59177587 l.243–245),
/// which Linux still finds and refuses with EPERM (kernel/ptrace.c `ptrace_attach`:
/// `task->exit_state`). Such a process still takes signal 0.
fn exited(pid: pid_t, e: Errno) -> Errno {
    if e == ESRCH && pid > 0 && os::kill(pid, 0).is_ok() {
        EPERM
    } else {
        e
    }
}

/// PTRACE_ATTACH: as Linux, by SIGSTOP (ptrace(2) PTRACE_ATTACH): open `trace`, arm the
/// stops Linux always reports, and send SIGSTOP, whose signal stop is reported as the attach
/// stop 0x137f. The tracee is then parked at a stop site with EXIT armed, so a SIGKILL from
/// outside ends it (§2.5), unlike the `O_TRUNC` freeze, which nothing ends but the tracer.
pub fn attach(pid: pid_t) -> Result<c_long> {
    if pid == os::getpid() {
        return Err(EPERM);
    }
    let mut t = table::lock();
    // Read before `trace` is opened, which makes the process a tracee (state `t` on Linux).
    let stopped = os::job_stopped(pid);
    let (fd, flags) = driver::open_trace(&t, pid, false, false).map_err(|e| exited(pid, e))?;
    let mut s = Session::new(pid, fd, flags, 0, false);
    s.attaching = true;
    if stopped {
        // Already in a job-control stop: Linux reports that as a group-stop, and the
        // attach's SIGSTOP once a restart ends it (kernel/ptrace.c `ptrace_attach`).
        s.attached_stopped();
        s.notify = true;
        driver::add(&mut t, s)?;
        pump::ensure(&mut t)?;
        driver::deliver(&mut t, true);
        return Ok(0);
    }
    let arm = s.resumed(s.rearm());
    driver::add(&mut t, s)?;
    pump::ensure(&mut t)?;
    driver::write(fd, arm)?;
    os::kill(pid, SIGSTOP)?;
    Ok(0)
}

/// PTRACE_SEIZE: open `trace` without freezing and arm the stops Linux always reports
/// (signals, int3), since an unarmed v2020 tracee never stops (§1.4). The options are the
/// whole `data` word: Linux refuses a non-zero `addr` and unknown bits with EIO.
pub fn seize(pid: pid_t, addr: usize, options: usize) -> Result<c_long> {
    if addr != 0 || options & !(PTRACE_O_MASK as u32 as usize) != 0 {
        // Linux looks the pid up first (kernel/ptrace.c: ESRCH before `ptrace_attach`'s
        // checks); signal 0 asks whether it exists.
        return Err(if pid <= 0 || os::kill(pid, 0) == Err(ESRCH) {
            ESRCH
        } else {
            EIO
        });
    }
    let options = options as c_int;
    if pid == os::getpid() {
        return Err(EPERM);
    }
    let mut t = table::lock();
    let exitkill = options & PTRACE_O_EXITKILL != 0;
    let (fd, flags) = driver::open_trace(&t, pid, false, exitkill).map_err(|e| exited(pid, e))?;
    let mut s = Session::new(pid, fd, flags, options, true);
    let arm = s.resumed(s.rearm());
    driver::add(&mut t, s)?;
    pump::ensure(&mut t)?;
    driver::write(fd, arm)?;
    Ok(0)
}

/// PTRACE_DETACH: closing `trace` detaches and resumes (§1.5). Like Linux, only from a stop
/// (ESRCH otherwise) and with a valid signal, which is then sent; Linux reads the signal as an
/// `unsigned int` (kernel/ptrace.c `ptrace_detach`), so the high half of `data` is ignored.
/// The stop's own signal (a signal stop, the SIGSTOP of an attach or interrupt stop) is not
/// delivered, nor the
/// syscall of an `orig_rax = -1` entry stop run: a write with `PTRACE_FLAG_IGNORE`
/// (and EXIT, since IGNORE needs a stop bit to stay armed, §2.4) resumes past it first.
pub fn detach(pid: pid_t, sig: usize) -> Result<c_long> {
    let mut t = table::lock();
    let s = t.get_mut(pid).ok_or(ESRCH)?;
    let stop = s.stopped()?;
    let sig = tracee::valid_signal(sig as u32 as usize)?;
    let parked = matches!(s.state, tracee::State::Stopped { .. });
    let discard = match stop {
        // The interrupt stop is parked at its SIGSTOP's signal stop, as the attach stop.
        Stop::Signal(_) | Stop::Attached | Stop::Interrupt => true,
        // `orig_rax = -1`: the syscall is not made. After PTRACE_SYSEMU it is (measured on
        // Linux 6.18: the detach clears the emulation before the entry decides).
        Stop::SyscallEntry => s.skip_syscall,
        _ => false,
    };
    if sig != 0 {
        // Pending before the tracee resumes, so that it is taken before the tracee runs on
        // (Linux delivers it as the detach resumes the tracee); no signal stop is armed any
        // more to report it.
        os::kill(pid, sig)?;
    }
    if parked && discard {
        let flags = PtraceFlags::PTRACE_FLAG_IGNORE | PtraceFlags::PTRACE_STOP_EXIT;
        driver::write(s.trace, flags.bits())?;
    }
    // The SIGSTOP an INTERRUPT or ATTACH sent and no stop has taken yet (the tracer detached
    // at another stop): SIGCONT discards a pending stop signal (signal(7)), so the detached
    // process does not stop for a signal Linux never sends.
    let stop_pending = s.interrupting || s.attaching;
    driver::remove(&mut t, pid);
    if stop_pending {
        os::kill(pid, SIGCONT)?;
    }
    Ok(0)
}

/// PTRACE_KILL: SIGKILL, then release the stop the tracee sleeps in, since v2020 re-parks a
/// stopped tracee woken by a signal (§2.5) and only a write lets it die.
pub fn kill(pid: pid_t) -> Result<c_long> {
    let mut t = table::lock();
    let s = t.get_mut(pid).ok_or(ESRCH)?;
    os::kill(pid, SIGKILL)?;
    let flags = s.killed();
    let _ = driver::write(s.trace, flags);
    Ok(0)
}

// ---------------------------------------------------------------------------------------------
// Resuming

/// PTRACE_CONT, SYSCALL, SINGLESTEP, SYSEMU, SYSEMU_SINGLESTEP: re-arm and resume in one
/// write, delivering, suppressing (`PTRACE_FLAG_IGNORE`, §2.4) or replacing the stop's signal.
pub fn restart(pid: pid_t, request: c_int, sig: usize) -> Result<c_long> {
    let mut t = table::lock();
    let s = t.get_mut(pid).ok_or(ESRCH)?;
    s.stopped()?;
    let plan = s.restart(request, tracee::valid_signal(sig)?)?;
    let r = driver::restart(&mut t, pid, plan);
    // A stop the restart found (a deferred one, or one queued meanwhile).
    driver::deliver(&mut t, true);
    r.map(|()| 0)
}

/// PTRACE_SETOPTIONS: EINVAL for unknown bits, in the whole `data` word (Linux); EXITKILL
/// becomes `O_EXCL` on the trace handle through F_SETFL, which replaces all stored flags
/// (§1.1), so the others are kept.
pub fn set_options(pid: pid_t, options: usize) -> Result<c_long> {
    with_stopped(pid, |s, _| {
        if options & !(PTRACE_O_MASK as u32 as usize) != 0 {
            return Err(EINVAL);
        }
        let options = options as c_int;
        let wanted = if options & PTRACE_O_EXITKILL != 0 {
            s.open_flags | O_EXCL
        } else {
            s.open_flags & !O_EXCL
        };
        if wanted != s.open_flags {
            os::fcntl(s.trace, F_SETFL, wanted)?;
            s.open_flags = wanted;
        }
        s.options = options;
        Ok(0)
    })
}

/// PTRACE_INTERRUPT: ESRCH unless traced (stopped or not, kernel/ptrace.c
/// `ptrace_check_attach` with `ignore_state`), EIO unless seized; a running tracee is sent
/// SIGSTOP, whose signal stop is reported as PTRACE_EVENT_STOP (docs/redox-gaps.md).
pub fn interrupt(pid: pid_t) -> Result<c_long> {
    let mut t = table::lock();
    let s = t.get_mut(pid).ok_or(ESRCH)?;
    if s.interrupt()? {
        os::kill(pid, SIGSTOP)?;
    }
    Ok(0)
}

/// PTRACE_LISTEN: see `Session::listen`.
pub fn listen(pid: pid_t) -> Result<c_long> {
    let mut t = table::lock();
    let s = t.get_mut(pid).ok_or(ESRCH)?;
    if let Some(flags) = s.listen()? {
        driver::write(s.trace, flags)?;
    }
    Ok(0)
}

// ---------------------------------------------------------------------------------------------
// Event and signal information

/// PTRACE_GETEVENTMSG.
pub fn event_msg(pid: pid_t) -> Result<c_ulong> {
    with_stopped(pid, |s, _| Ok(s.event_msg))
}

/// PTRACE_GETSIGINFO: the siginfo Linux would give for this stop (signo, errno 0, code; the
/// sender is not known on Redox, docs/redox-gaps.md).
pub fn siginfo(pid: pid_t) -> Result<[u8; 128]> {
    with_stopped(pid, |s, stop| {
        // ptrace(2): in the group-stop of a tracee not attached with SEIZE, EINVAL.
        if let Stop::Group { seized: false, .. } = stop {
            return Err(EINVAL);
        }
        if let Some(info) = s.siginfo {
            return Ok(info);
        }
        let (signo, code) = stop.siginfo_codes(s.options);
        let mut info = [0u8; 128];
        info[0..4].copy_from_slice(&signo.to_ne_bytes());
        info[8..12].copy_from_slice(&code.to_ne_bytes());
        // A single-step trap's si_addr is the stopped rip (Linux `send_sigtrap`).
        #[cfg(target_arch = "x86_64")]
        if stop == Stop::Step {
            let rip = files::read_int(s)?.rip as u64;
            info[16..24].copy_from_slice(&rip.to_ne_bytes());
        }
        Ok(info)
    })
}

/// Bytes of the kernel's own siginfo (`struct kernel_siginfo`, include/linux/signal_types.h):
/// what Linux keeps of a siginfo whose layout it knows.
pub const SIGINFO_KNOWN: usize = 48;

/// Whether Linux knows the layout of a siginfo with these `si_signo`/`si_code`
/// (kernel/signal.c `known_siginfo_layout`, with the code limits of
/// include/uapi/asm-generic/siginfo.h in Linux 6.18: NSIGILL .. NSIGSYS). For any other, it
/// reads the 80 bytes past `SIGINFO_KNOWN` too and refuses them unless they are zero.
pub fn known_siginfo_layout(info: &[u8; 128]) -> bool {
    let signo = u32::from_ne_bytes([info[0], info[1], info[2], info[3]]);
    let code = i32::from_ne_bytes([info[8], info[9], info[10], info[11]]);
    /// SI_KERNEL, SI_DETHREAD, SI_ASYNCNL (asm-generic/siginfo.h).
    const SI_KERNEL: i32 = 0x80;
    const SI_DETHREAD: i32 = -7;
    const SI_ASYNCNL: i32 = -60;
    // The last si_code of each signal with codes of its own (`sig_sicodes`): SIGILL, SIGTRAP,
    // SIGBUS, SIGFPE, SIGSEGV, SIGCHLD, SIGPOLL, SIGSYS; other signals share SIGPOLL's.
    let limit = match signo {
        4 => 11,
        5 => 6,
        7 => 5,
        8 => 15,
        11 => 10,
        17 => 6,
        29 => 6,
        31 => 2,
        _ => 6,
    };
    match code {
        SI_KERNEL => true,
        c if c > 0 => c <= limit,
        c => c >= SI_DETHREAD || c == SI_ASYNCNL,
    }
}

/// PTRACE_SETSIGINFO, given the caller's siginfo as Linux reads it (`SIGINFO_KNOWN` bytes, all
/// 128 for an unknown layout): E2BIG when an unknown layout has anything past the known part
/// (kernel/signal.c `post_copy_siginfo_from_user`), then EINVAL at a stop without a siginfo,
/// the group-stop of a tracee not attached with SEIZE (kernel/ptrace.c `ptrace_setsiginfo`, as
/// GETSIGINFO). Redox keeps no siginfo (§2.4): the tracer's, its known part, is kept for
/// GETSIGINFO until the tracee resumes; what is delivered is the restart request's signal, as
/// on Linux, without the other fields (docs/redox-gaps.md).
pub fn set_siginfo(pid: pid_t, mut info: [u8; 128]) -> Result<c_long> {
    if !known_siginfo_layout(&info) && info.iter().skip(SIGINFO_KNOWN).any(|&b| b != 0) {
        return Err(E2BIG);
    }
    with_stopped(pid, |s, stop| {
        if let Stop::Group { seized: false, .. } = stop {
            return Err(EINVAL);
        }
        // Linux's copy back (`copy_siginfo_to_user`) zeroes what it does not keep.
        info.get_mut(SIGINFO_KNOWN..).unwrap_or_default().fill(0);
        s.siginfo = Some(info);
        Ok(0)
    })
}

/// PTRACE_PEEKSIGINFO, given the caller's `__ptrace_peeksiginfo_args` (read after the pid
/// check): Redox keeps no signal queue a tracer can read (§2.4), so EIO, but only after
/// Linux's own checks (kernel/ptrace.c `ptrace_peek_siginfo`: EINVAL for unknown flags or a
/// negative count, 0 for a count of 0).
pub fn peek_siginfo(args: &__ptrace_peeksiginfo_args) -> Result<c_long> {
    if args.flags & !(PTRACE_PEEKSIGINFO_SHARED as u32) != 0 || args.nr < 0 {
        return Err(EINVAL);
    }
    if args.nr == 0 { Ok(0) } else { Err(EIO) }
}

/// PTRACE_GETSIGMASK and PTRACE_SETSIGMASK after the pid check: no signal mask is reachable
/// under `proc:PID/` (docs/redox-gaps.md), so EIO after Linux's size check (kernel/ptrace.c:
/// EINVAL unless the size is the kernel's 8-byte sigset).
pub fn sigmask_size(size: usize) -> Result<()> {
    if size == 8 { Ok(()) } else { Err(EINVAL) }
}

// ---------------------------------------------------------------------------------------------
// Memory

/// PTRACE_PEEKTEXT / PEEKDATA.
pub fn peek(pid: pid_t, addr: usize) -> Result<c_long> {
    with_stopped(pid, |s, _| files::peek(s, addr))
}

/// Moves `buf` from (or to) the memory of process `pid` at `addr` (`process_vm_readv`): through
/// the session's `mem` for a tracee, running or not, else through a `mem` opened for the call
/// (ESRCH or EPERM by the v2020 open rules, §1.2, as Linux's `process_vm_readv` answers).
pub fn transfer(pid: pid_t, addr: usize, buf: &mut [u8], write: bool) -> Result<()> {
    let mut t = table::lock();
    if let Some(s) = t.get_mut(pid) {
        let fd = files::open(s, tracee::File::Mem)?;
        // The handle's cursor moves: the next PEEK seeks.
        s.mem_cursor = None;
        return files::transfer(fd, addr, buf, write);
    }
    drop(t);
    if pid <= 0 {
        return Err(ESRCH);
    }
    let path = scheme::proc_path(pid, "mem");
    let fd = os::open(path.as_str(), O_RDWR | O_CLOEXEC)?;
    let r = files::transfer(fd, addr, buf, write);
    let _ = os::close(fd);
    r
}

/// PTRACE_POKETEXT / POKEDATA.
pub fn poke(pid: pid_t, addr: usize, word: usize) -> Result<c_long> {
    with_stopped(pid, |s, _| files::poke(s, addr, word).map(|()| 0))
}
