//! The boundary on Linux for the `redox-emulator` build: process control is Linux's own (the
//! emulator is the Linux tracer, so Linux `wait4` already hides ptrace stops as Redox's
//! `waitpid` does; emulator-feasibility.md Q2).

use core::ffi::{c_int, c_void};

use crate::errno::Result;
use crate::platform::linux::syscall::{SYS_WAIT4, syscall4};
use crate::platform::types::pid_t;

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
