//! The operating system behind the C functions, behind one trait.
//!
//! [`Sys`] is chosen once here: the Linux system calls, or the Redox `proc:` scheme (on Redox,
//! or on Linux over `redox-proc-emu` with the `redox-emulator` feature).

use core::ffi::{c_int, c_long, c_void};

use crate::errno::Result;

pub mod types;

use types::pid_t;

/// What a platform provides to the C functions. Methods are named after the C function they
/// implement, except [`Pal::peek`], which implements the PEEK convention.
pub trait Pal {
    /// Platform implementation of [`ptrace()`](crate::header::sys_ptrace::ptrace) for every
    /// request but the three PEEKs.
    ///
    /// # Safety
    /// `addr` and `data` are the caller's raw arguments; pointers among them may be invalid and
    /// must only be passed to something that checks them (the kernel, or a checked copy).
    unsafe fn ptrace(
        request: c_int,
        pid: pid_t,
        addr: *mut c_void,
        data: *mut c_void,
    ) -> Result<c_long>;

    /// `PTRACE_PEEKTEXT`, `PTRACE_PEEKDATA` or `PTRACE_PEEKUSER`: the word at tracee address (or
    /// USER offset) `addr`.
    fn peek(request: c_int, pid: pid_t, addr: usize) -> Result<c_long>;

    /// Platform implementation of [`wait4()`](crate::header::sys_wait::wait4).
    ///
    /// # Safety
    /// `stat_loc` and `rusage` are the caller's raw pointers (NULL allowed), as for `ptrace`.
    unsafe fn wait4(
        pid: pid_t,
        stat_loc: *mut c_int,
        options: c_int,
        rusage: *mut c_void,
    ) -> Result<pid_t>;
}

#[cfg(target_os = "linux")]
pub mod linux;

#[cfg(all(target_os = "linux", not(feature = "redox-emulator")))]
pub use linux::Sys;

#[cfg(any(target_os = "redox", feature = "redox-emulator"))]
pub mod redox;

#[cfg(any(target_os = "redox", feature = "redox-emulator"))]
pub use redox::Sys;

// The Redox backend's state machine and stop encodings do no I/O: they are also compiled on
// their own, so that a plain `cargo test` runs their tests on any host (the rest of the
// backend needs Redox or the emulator). `os` is what they take from the OS boundary.
#[cfg(all(test, not(any(target_os = "redox", feature = "redox-emulator"))))]
mod os {
    pub type Fd = usize;
    pub const EXEC_SYSCALLS: &[u64] = &crate::platform::linux::syscall::nr::EXEC;
}
#[cfg(all(test, not(any(target_os = "redox", feature = "redox-emulator"))))]
#[path = "redox/status.rs"]
#[allow(dead_code)] // What only the driver uses.
mod status;
#[cfg(all(test, not(any(target_os = "redox", feature = "redox-emulator"))))]
#[path = "redox/tracee.rs"]
#[allow(dead_code)] // What only the driver uses.
mod tracee;

#[cfg(not(any(target_os = "linux", target_os = "redox")))]
compile_error!("ptrace-compat supports Linux and Redox only");
