//! Error numbers and the one place where a `Result` becomes a C return value plus `errno`.
//!
//! Platform code returns [`Result`] and never touches `errno` (as in relibc and rustix). The numbers
//! are Linux's; Redox uses the same numbering (redox_syscall `src/error.rs`).

use core::ffi::c_int;

/// A positive error number, as stored in `errno`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub c_int);

/// The result type of every platform call.
pub type Result<T, E = Errno> = core::result::Result<T, E>;

/// Operation not permitted.
pub const EPERM: Errno = Errno(1);
/// No such file or directory.
pub const ENOENT: Errno = Errno(2);
/// No such process.
pub const ESRCH: Errno = Errno(3);
/// Interrupted system call.
pub const EINTR: Errno = Errno(4);
/// Input/output error: what Linux ptrace answers for an unknown request or unmapped memory.
pub const EIO: Errno = Errno(5);
/// Argument list too long: a siginfo with unknown bytes (PTRACE_SETSIGINFO).
pub const E2BIG: Errno = Errno(7);
/// No child processes.
pub const ECHILD: Errno = Errno(10);
/// Try again.
pub const EAGAIN: Errno = Errno(11);
/// Bad address.
pub const EFAULT: Errno = Errno(14);
/// Device or resource busy.
pub const EBUSY: Errno = Errno(16);
/// Invalid argument.
pub const EINVAL: Errno = Errno(22);
/// Result too large: a syscall number that is no `int` (PTRACE_SET_SYSCALL_INFO).
pub const ERANGE: Errno = Errno(34);
/// Function not implemented.
pub const ENOSYS: Errno = Errno(38);

unsafe extern "C" {
    /// The calling thread's `errno`. glibc, musl and relibc all export it (LSB 5.0, "Interfaces
    /// for libc": "`__errno_location` returns the address of the errno variable for the current
    /// thread").
    fn __errno_location() -> *mut c_int;
}

/// Stores `value` in the calling thread's `errno`.
pub fn set_errno(value: c_int) {
    // SAFETY: per the LSB contract cited above, the pointer is valid and writable for the
    // calling thread for as long as the thread lives.
    unsafe { *__errno_location() = value }
}

/// Decodes a raw kernel return value: Linux and Redox both return `-errno` (-4095..=-1) as an
/// unsigned word for an error (redox_syscall `Error::mux`), anything else is a value.
pub fn decode_raw(ret: usize) -> Result<usize> {
    if ret > -4096isize as usize {
        Err(Errno(ret.wrapping_neg() as c_int))
    } else {
        Ok(ret)
    }
}

/// Turns a platform result into the C convention: the value, or -1 with `errno` set.
pub trait ResultExt<T> {
    /// The value on success; on failure, stores the error in `errno` and returns -1.
    fn or_minus_one_errno(self) -> T;
}

impl<T: From<i8>> ResultExt<T> for Result<T> {
    fn or_minus_one_errno(self) -> T {
        match self {
            Ok(value) => value,
            Err(Errno(code)) => {
                set_errno(code);
                T::from(-1)
            }
        }
    }
}
