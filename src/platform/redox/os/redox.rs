//! The boundary on a real Redox. File calls are redox_syscall's (`read`, `write`, `lseek`,
//! `fcntl`); opening, closing and process control go through the Redox stable-ABI symbols that
//! relibc exports (`redox_open_v1`, `redox_close_v1`, `redox_get_pid_v1`, `redox_kill_v1`,
//! `redox_waitpid_v1`; relibc `src/platform/redox/libredox.rs`), because redox_syscall 0.9 has
//! no open, close, getpid, kill or waitpid (docs/redox-protocol.md §7) and so that our exported `waitpid` never
//! calls itself.

use core::ffi::{c_int, c_void};
use core::sync::atomic::{AtomicU8, AtomicU32, Ordering};

use super::Fd;
use crate::errno::{Errno, Result, decode_raw};
use crate::platform::types::pid_t;

unsafe extern "C" {
    fn redox_open_v1(path_base: *const u8, path_len: usize, flags: u32, mode: u16) -> usize;
    fn redox_close_v1(fd: usize) -> usize;
    fn redox_get_pid_v1() -> usize;
    fn redox_kill_v1(pid: usize, signal: u32) -> usize;
    fn redox_waitpid_v1(pid: usize, status: *mut i32, options: u32) -> usize;
    /// relibc's POSIX `getpgid` (`src/header/unistd/mod.rs`).
    #[link_name = "getpgid"]
    fn c_getpgid(pid: pid_t) -> pid_t;
}

/// The exec syscalls: v2020's `SYS_FEXEC` (`SYS_CLASS_FILE | 11`, redox_syscall 0.2
/// `src/number.rs`).
pub const EXEC_SYSCALLS: &[u64] = &[0x2000_000b];

/// Whether a syscall, by its number and first argument, is a vfork: v2020's `SYS_CLONE` (120,
/// redox_syscall 0.2 `src/number.rs`) with `CLONE_VFORK` (0x4000) in its flags, which it takes
/// in its first argument (kernel `syscall/mod.rs` @59177587). `_first_word` reads the tracee's
/// memory; Redox's clone takes no structure.
pub fn is_vfork(number: u64, arg0: u64, _first_word: impl FnOnce(u64) -> Option<u64>) -> bool {
    number == 120 && arg0 & 0x4000 != 0
}

fn from_syscall(r: syscall::Result<usize>) -> Result<usize> {
    r.map_err(|e| Errno(e.errno))
}

/// Opens a scheme path.
pub fn open(path: &str, flags: usize) -> Result<Fd> {
    // SAFETY: the pointer and length describe `path`, valid for the call; relibc only reads it.
    decode_raw(unsafe { redox_open_v1(path.as_ptr(), path.len(), flags as u32, 0) })
}

/// Reads into `buf`.
pub fn read(fd: Fd, buf: &mut [u8]) -> Result<usize> {
    from_syscall(syscall::read(fd, buf))
}

/// Writes `buf`.
pub fn write(fd: Fd, buf: &[u8]) -> Result<usize> {
    from_syscall(syscall::write(fd, buf))
}

/// Moves the handle's cursor.
pub fn lseek(fd: Fd, offset: isize, whence: usize) -> Result<usize> {
    from_syscall(syscall::lseek(fd, offset, whence))
}

/// `fcntl(F_GETFL/F_SETFL)` on a scheme handle.
pub fn fcntl(fd: Fd, cmd: usize, arg: usize) -> Result<usize> {
    from_syscall(syscall::fcntl(fd, cmd, arg))
}

/// Closes a handle.
pub fn close(fd: Fd) -> Result<()> {
    // SAFETY: closing a number has no memory-safety preconditions.
    decode_raw(unsafe { redox_close_v1(fd) }).map(drop)
}

/// This process's id.
pub fn getpid() -> pid_t {
    // SAFETY: no arguments; relibc returns its cached pid.
    unsafe { redox_get_pid_v1() as pid_t }
}

/// Sends `sig` to `pid`.
pub fn kill(pid: pid_t, sig: c_int) -> Result<()> {
    // SAFETY: plain values only.
    decode_raw(unsafe { redox_kill_v1(pid as isize as usize, sig as u32) }).map(drop)
}

/// The process group of `pid` (0: the caller's).
pub fn getpgid(pid: pid_t) -> Result<pid_t> {
    // SAFETY: plain values only; relibc's getpgid sets errno on failure, which the library
    // does not read (the caller treats any failure alike).
    match unsafe { c_getpgid(pid) } {
        -1 => Err(crate::errno::ESRCH),
        g => Ok(g),
    }
}

/// The operating system's `waitpid`, which knows nothing of ptrace stops
/// (docs/redox-protocol.md §5.1): the pid and status it reports. Redox has no `rusage`; the
/// caller's is left untouched.
pub fn waitpid(pid: pid_t, options: c_int, _rusage: usize) -> Result<(pid_t, c_int)> {
    let mut status: i32 = 0;
    // SAFETY: `status` is a live local for the call; relibc writes exactly one i32 there.
    let raw = unsafe { redox_waitpid_v1(pid as isize as usize, &mut status, options as u32) };
    Ok((decode_raw(raw)? as pid_t, status))
}

/// Whether this Redox serves the v2020 `proc:` scheme, probed once per process: `exe` exists
/// there for every process and has no permission check (docs/redox-protocol.md §1.1), while current Redox's
/// procmgr answers ENOENT for any such path (docs/redox-protocol.md §0). The probe has no side effect, unlike
/// opening `trace`, which would start a session.
pub fn available() -> bool {
    static KNOWN: AtomicU8 = AtomicU8::new(0);
    match KNOWN.load(Ordering::Acquire) {
        1 => return true,
        2 => return false,
        _ => {}
    }
    let path = super::super::scheme::proc_path(getpid(), "exe");
    let yes = match open(path.as_str(), super::flags::O_CLOEXEC) {
        Ok(fd) => {
            let _ = close(fd);
            true
        }
        Err(_) => false,
    };
    KNOWN.store(if yes { 1 } else { 2 }, Ordering::Release);
    yes
}

/// Copies `src` to the caller's memory at `dst`. Redox offers no cheap probe of this
/// process's own mappings, so only what can never be mapped (NULL and the first page) is
/// refused with EFAULT (docs/redox-gaps.md).
pub fn copy_out(dst: usize, src: &[u8]) -> Result<()> {
    if src.is_empty() {
        return Ok(());
    }
    check_user(dst, src.len())?;
    // SAFETY: `dst` is the C caller's buffer of `src.len()` bytes (its contract); what can be
    // checked here was, and the regions cannot overlap (`src` is ours).
    unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), dst as *mut u8, src.len()) };
    Ok(())
}

/// Writes a scalar to the caller's memory at `dst` (checked as in [`copy_out`]).
pub fn put_out(dst: usize, src: &[u8]) -> Result<()> {
    copy_out(dst, src)
}

/// Copies the caller's memory at `src` into `dst`, checked as in [`copy_out`].
pub fn copy_in(dst: &mut [u8], src: usize) -> Result<()> {
    if dst.is_empty() {
        return Ok(());
    }
    check_user(src, dst.len())?;
    // SAFETY: as in copy_out, for reading.
    unsafe { core::ptr::copy_nonoverlapping(src as *const u8, dst.as_mut_ptr(), dst.len()) };
    Ok(())
}

fn check_user(addr: usize, len: usize) -> Result<()> {
    if addr < 4096 || addr.checked_add(len).is_none() {
        Err(crate::errno::EFAULT)
    } else {
        Ok(())
    }
}

/// The signal mask [`block_signals`] replaced (relibc's 64-bit `sigset_t`).
pub type SigSet = u64;

const SIG_BLOCK: c_int = 0;
const SIG_SETMASK: c_int = 2;

unsafe extern "C" {
    fn pthread_sigmask(how: c_int, set: *const c_void, old: *mut c_void) -> c_int;
}

/// Blocks every signal of the calling thread and returns the mask it had.
pub fn block_signals() -> SigSet {
    let all: SigSet = !0;
    let mut old: SigSet = 0;
    // SAFETY: both pointers are live `sigset_t`s for the call.
    unsafe {
        pthread_sigmask(
            SIG_BLOCK,
            (&all as *const SigSet).cast(),
            (&mut old as *mut SigSet).cast(),
        )
    };
    old
}

/// Gives the calling thread back the mask [`block_signals`] returned.
pub fn restore_signals(old: &SigSet) {
    // SAFETY: `old` is a live `sigset_t`; no old mask is asked for.
    unsafe {
        pthread_sigmask(
            SIG_SETMASK,
            (old as *const SigSet).cast(),
            core::ptr::null_mut(),
        )
    };
}

/// Sleeps while `word` holds `expected` (v2020 `SYS_FUTEX` `FUTEX_WAIT`,
/// `src/syscall/futex.rs @59177587`). A v2020 futex wait that a signal ends returns success,
/// never EINTR (see docs/redox-protocol.md), so a handler's return always resumes the wait.
pub fn futex_wait(word: &AtomicU32, expected: u32) -> Result<()> {
    // SAFETY: the address is a live, aligned 32-bit atomic; no timeout, no second address.
    let r = unsafe {
        syscall::futex(
            word.as_ptr().cast(),
            syscall::FUTEX_WAIT,
            expected as i32,
            0,
            core::ptr::null_mut(),
        )
    };
    match from_syscall(r) {
        Err(e) if e == crate::errno::EINTR => Err(e),
        _ => Ok(()),
    }
}

/// Wakes every thread sleeping in [`futex_wait`] on `word`.
pub fn futex_wake(word: &AtomicU32) {
    // SAFETY: as in futex_wait.
    let _ = unsafe {
        syscall::futex(
            word.as_ptr().cast(),
            syscall::FUTEX_WAKE,
            i32::MAX,
            0,
            core::ptr::null_mut(),
        )
    };
}

/// `SIGCHLD`.
const SIGCHLD: c_int = 17;

/// Sends this process SIGCHLD about tracee `pid`. v2020 `kill` carries no siginfo (there is
/// no sigqueue, docs/redox-protocol.md §5.2), so a handler sees only the signal number.
pub fn sigchld(_pid: pid_t, _code: c_int, _value: c_int, _own: bool) {
    let _ = kill(getpid(), SIGCHLD);
}

/// In the child of a fork: closes the child's copies of the parent's scheme handles. They
/// share the parent's open descriptions (docs/redox-protocol.md §2.7), so a session lives as
/// long as any copy: a copy kept by a child would keep a dead tracer's sessions alive and its
/// `O_EXCL` tracees too. Closing a copy drops only that reference.
pub fn after_fork(handles: impl Iterator<Item = Fd>) {
    for fd in handles {
        let _ = close(fd);
    }
}

/// Whether `pid` sits in a job-control stop. v2020 shows it only to the parent's `waitpid`,
/// which the tracer may have consumed already (docs/redox-protocol.md §5.1): not known, so
/// an attach to a stopped process is not reported as a group-stop there (docs/redox-gaps.md).
pub fn job_stopped(_pid: pid_t) -> bool {
    false
}

/// Whether the OS tells this process of `pid`'s end itself: the v2020 kernel never sends
/// SIGCHLD (docs/redox-protocol.md §5.2), so the library does for every tracee.
pub fn reports_exit(_pid: pid_t) -> bool {
    false
}
