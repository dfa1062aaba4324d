//! `sys/wait.h` implementation: `waitpid`, `wait4` and `wait`, which a tracer uses to learn of
//! its tracees' stops.
//!
//! No header is generated: the libc's `<sys/wait.h>` already declares these prototypes.
//! On Linux they are the `wait4` system call; on Redox they report ptrace stops from the trace
//! sessions first, then fall back to the operating system's wait.
//!
//! See <https://pubs.opengroup.org/onlinepubs/9799919799/functions/waitpid.html> and
//! <https://man7.org/linux/man-pages/man2/wait4.2.html>.

use core::ffi::{c_int, c_void};
use core::ptr;

use crate::errno::ResultExt;
use crate::platform::{Pal, Sys, types::pid_t};

/// `waitpid(pid, stat_loc, options)`—wait for a child or tracee to change state.
///
/// # Errors
/// -1 with `errno`: `ECHILD` when there is no such child, `EINVAL` for bad options, `EINTR`
/// when interrupted by a signal, `EFAULT` for an invalid `stat_loc`.
///
/// # Safety
/// `stat_loc` is NULL or points to writable memory for one `int`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn waitpid(pid: pid_t, stat_loc: *mut c_int, options: c_int) -> pid_t {
    // SAFETY: the caller's contract; no resource usage is requested.
    unsafe { wait4(pid, stat_loc, options, ptr::null_mut()) }
}

/// `wait4(pid, stat_loc, options, rusage)`—`waitpid` that can also report resource usage.
///
/// # Errors
/// As [`waitpid`]; `EFAULT` also for an invalid `rusage`.
///
/// # Safety
/// `stat_loc` is NULL or points to one writable `int`; `rusage` is NULL or points to a
/// writable `struct rusage`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wait4(
    pid: pid_t,
    stat_loc: *mut c_int,
    options: c_int,
    rusage: *mut c_void,
) -> pid_t {
    // SAFETY: the caller's contract is the one Sys::wait4 requires.
    unsafe { Sys::wait4(pid, stat_loc, options, rusage) }.or_minus_one_errno()
}

/// `wait(stat_loc)`—wait for any child, as `waitpid(-1, stat_loc, 0)`.
///
/// # Errors
/// As [`waitpid`].
///
/// # Safety
/// `stat_loc` is NULL or points to one writable `int`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wait(stat_loc: *mut c_int) -> pid_t {
    // SAFETY: the caller's contract.
    unsafe { waitpid(-1, stat_loc, 0) }
}
