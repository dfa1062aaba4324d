//! The boundary on Linux for the `redox-emulator` build: scheme files are served by
//! `redox-proc-emu` over a Unix socket; process control is Linux's own (the emulator is the
//! Linux tracer, so Linux `wait4` already hides ptrace stops as Redox's `waitpid` does,
//! emulator-feasibility.md Q2).
//!
//! Until the client speaks the emulator's protocol, every scheme operation fails with ENOSYS:
//! the behaviour of a Redox without the `trace` handle.

use core::ffi::{c_int, c_void};

use super::Fd;
use crate::errno::{EFAULT, ENOSYS, Result};
use crate::platform::linux::syscall::{SYS_WAIT4, syscall4};
use crate::platform::types::pid_t;

/// Whether an emulator serves the `proc:` scheme to this process.
pub fn available() -> bool {
    false
}

/// Opens a scheme path.
pub fn open(_path: &str, _flags: usize) -> Result<Fd> {
    Err(ENOSYS)
}

/// Reads into `buf`.
pub fn read(_fd: Fd, _buf: &mut [u8]) -> Result<usize> {
    Err(ENOSYS)
}

/// Writes `buf`.
pub fn write(_fd: Fd, _buf: &[u8]) -> Result<usize> {
    Err(ENOSYS)
}

/// Moves the handle's cursor.
pub fn lseek(_fd: Fd, _offset: isize, _whence: usize) -> Result<usize> {
    Err(ENOSYS)
}

/// `fcntl(F_GETFL/F_SETFL)` on a scheme handle.
pub fn fcntl(_fd: Fd, _cmd: usize, _arg: usize) -> Result<usize> {
    Err(ENOSYS)
}

/// Closes a handle.
pub fn close(_fd: Fd) -> Result<()> {
    Err(ENOSYS)
}

/// This process's id (Linux `getpid`, 39 on x86_64 / 172 on aarch64).
pub fn getpid() -> pid_t {
    #[cfg(target_arch = "x86_64")]
    const SYS_GETPID: usize = 39;
    #[cfg(target_arch = "aarch64")]
    const SYS_GETPID: usize = 172;
    // SAFETY: getpid takes no arguments and cannot fail.
    unsafe { syscall4(SYS_GETPID, 0, 0, 0, 0) }.map_or(0, |p| p as pid_t)
}

/// Sends `sig` to `pid` (Linux `kill`).
pub fn kill(pid: pid_t, sig: c_int) -> Result<()> {
    #[cfg(target_arch = "x86_64")]
    const SYS_KILL: usize = 62;
    #[cfg(target_arch = "aarch64")]
    const SYS_KILL: usize = 129;
    // SAFETY: plain values only.
    unsafe { syscall4(SYS_KILL, pid as usize, sig as usize, 0, 0) }.map(drop)
}

/// The operating system's `waitpid`, with `rusage` filled as Linux does.
///
/// # Safety
/// `stat_loc` and `rusage` are NULL or writable (the kernel checks them: EFAULT).
pub unsafe fn waitpid(
    pid: pid_t,
    stat_loc: *mut c_int,
    options: c_int,
    rusage: *mut c_void,
) -> Result<pid_t> {
    // SAFETY: the kernel validates both pointers.
    let ret = unsafe {
        syscall4(
            SYS_WAIT4,
            pid as usize,
            stat_loc as usize,
            options as usize,
            rusage as usize,
        )
    }?;
    Ok(ret as pid_t)
}

/// Checks that the caller's `len` bytes at `addr` can be accessed, as the Linux kernel would
/// before copying: NULL and the first page never are.
pub fn check_user(addr: usize, len: usize, _write: bool) -> Result<()> {
    if addr < 4096 || addr.checked_add(len).is_none() {
        Err(EFAULT)
    } else {
        Ok(())
    }
}

/// Gives the CPU away while `waitpid` polls several sources (Linux `sched_yield`).
pub fn pause() {
    #[cfg(target_arch = "x86_64")]
    const SYS_SCHED_YIELD: usize = 24;
    #[cfg(target_arch = "aarch64")]
    const SYS_SCHED_YIELD: usize = 124;
    // SAFETY: no arguments.
    let _ = unsafe { syscall4(SYS_SCHED_YIELD, 0, 0, 0, 0) };
}
