//! `sys/uio.h`: `process_vm_readv` and `process_vm_writev`, in the Redox builds only.
//!
//! relibc has neither, and without them gdb and strace read a tracee's memory a word per
//! PTRACE_PEEKDATA (strace `-k` made 25,276 of them in one session). The Redox `mem` file
//! moves a whole buffer per operation (docs/redox-protocol.md §4), so the Redox backend offers
//! them over `mem`, for tracers to use where Linux has them (docs/porting.md). On Linux the
//! C library's, which are the system calls, are used: this library exports only the `ptrace`
//! and `wait` functions there.
//!
//! See <https://man7.org/linux/man-pages/man2/process_vm_readv.2.html>.

use core::ffi::{c_ulong, c_void};

use crate::errno::ResultExt;
use crate::platform::types::pid_t;

/// `process_vm_readv(pid, local_iov, liovcnt, remote_iov, riovcnt, flags)`: copies the
/// tracee's `remote_iov` ranges into the caller's `local_iov` buffers.
///
/// # Errors
/// -1 with `errno`: `EINVAL` for non-zero `flags` or a count over `IOV_MAX`, `EFAULT` for a
/// bad local buffer or a first remote range that is not mapped, `ESRCH` for no such process,
/// `EPERM` when the caller may not trace it.
///
/// # Safety
/// The two arrays are the caller's `struct iovec` arrays of the given lengths (checked copies
/// are taken; bad pointers are EFAULT).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn process_vm_readv(
    pid: pid_t,
    local_iov: *const c_void,
    liovcnt: c_ulong,
    remote_iov: *const c_void,
    riovcnt: c_ulong,
    flags: c_ulong,
) -> isize {
    // SAFETY: the caller's contract is the one process_vm requires.
    unsafe {
        crate::platform::redox::process_vm(
            pid, local_iov, liovcnt, remote_iov, riovcnt, flags, false,
        )
    }
    .or_minus_one_errno()
}

/// `process_vm_writev(pid, local_iov, liovcnt, remote_iov, riovcnt, flags)`: copies the
/// caller's `local_iov` buffers into the tracee's `remote_iov` ranges (page protection is
/// ignored, as by `mem`, docs/redox-protocol.md §4).
///
/// # Errors
/// As [`process_vm_readv`].
///
/// # Safety
/// As [`process_vm_readv`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn process_vm_writev(
    pid: pid_t,
    local_iov: *const c_void,
    liovcnt: c_ulong,
    remote_iov: *const c_void,
    riovcnt: c_ulong,
    flags: c_ulong,
) -> isize {
    // SAFETY: the caller's contract is the one process_vm requires.
    unsafe {
        crate::platform::redox::process_vm(
            pid, local_iov, liovcnt, remote_iov, riovcnt, flags, true,
        )
    }
    .or_minus_one_errno()
}
