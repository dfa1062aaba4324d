//! The boundary on a real Redox: process control through the Redox stable-ABI symbols that
//! relibc exports (`redox_waitpid_v1`, ...; relibc `src/platform/redox/libredox.rs`), so that our
//! exported `waitpid` never calls itself.

use core::ffi::{c_int, c_void};

use crate::errno::{Errno, Result};
use crate::platform::types::pid_t;

unsafe extern "C" {
    /// relibc: waits as POSIX `waitpid`; returns the pid, or `-errno` as `usize`.
    fn redox_waitpid_v1(pid: usize, status: *mut i32, options: u32) -> usize;
}

/// Decodes a Redox raw result: `-errno` as `usize` for an error (redox_syscall `Error::mux`).
fn demux(raw: usize) -> Result<usize> {
    if raw > -4096isize as usize {
        Err(Errno(raw.wrapping_neg() as c_int))
    } else {
        Ok(raw)
    }
}

/// The operating system's `waitpid`. Redox has no `rusage`; a non-NULL one is left untouched.
///
/// # Safety
/// `stat_loc` is NULL or points to one writable `int`.
pub unsafe fn waitpid(
    pid: pid_t,
    stat_loc: *mut c_int,
    options: c_int,
    _rusage: *mut c_void,
) -> Result<pid_t> {
    let mut status: i32 = 0;
    // SAFETY: `status` is a live local for the call; relibc writes exactly one i32 there.
    let raw = unsafe { redox_waitpid_v1(pid as isize as usize, &mut status, options as u32) };
    let pid = demux(raw)? as pid_t;
    if !stat_loc.is_null() {
        // SAFETY: the caller guarantees a non-NULL `stat_loc` is writable.
        unsafe { stat_loc.write(status) };
    }
    Ok(pid)
}
