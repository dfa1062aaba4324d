//! Redox: Linux ptrace emulated on the v2020 `proc:` scheme (`shared/spec/redox-proc-scheme.md`).
//!
//! This first version only probes nothing and answers every ptrace request with `ENOSYS`, the
//! answer for a Redox without the `trace` handle (current Redox, spec §0: the kernel dropped it
//! in 2024). The wait family already goes to the operating system, so ordinary children are
//! still reaped. The session machinery arrives with the Redox backend issue.

use core::ffi::{c_int, c_long, c_void};

use super::Pal;
use super::types::pid_t;
use crate::errno::{ENOSYS, Result};

pub mod os;

/// The Redox platform.
pub struct Sys;

impl Pal for Sys {
    unsafe fn ptrace(
        _request: c_int,
        _pid: pid_t,
        _addr: *mut c_void,
        _data: *mut c_void,
    ) -> Result<c_long> {
        Err(ENOSYS)
    }

    fn peek(_request: c_int, _pid: pid_t, _addr: usize) -> Result<c_long> {
        Err(ENOSYS)
    }

    unsafe fn wait4(
        pid: pid_t,
        stat_loc: *mut c_int,
        options: c_int,
        rusage: *mut c_void,
    ) -> Result<pid_t> {
        // SAFETY: the caller's contract for both pointers is the one os::waitpid requires.
        unsafe { os::waitpid(pid, stat_loc, options, rusage) }
    }
}
