//! Linux: every request is the raw system call, as in musl's `src/linux/ptrace.c`.

use core::ffi::{c_int, c_long, c_void};

use super::Pal;
use super::types::pid_t;
use crate::errno::Result;

pub mod syscall;

use syscall::{SYS_PTRACE, SYS_WAIT4, syscall4};

/// The Linux platform.
pub struct Sys;

impl Pal for Sys {
    unsafe fn ptrace(
        request: c_int,
        pid: pid_t,
        addr: *mut c_void,
        data: *mut c_void,
    ) -> Result<c_long> {
        // SAFETY: the kernel validates every pointer it is given and answers EFAULT for a bad
        // one; nothing here dereferences them.
        let ret = unsafe {
            syscall4(
                SYS_PTRACE,
                request as usize,
                pid as usize,
                addr as usize,
                data as usize,
            )
        }?;
        Ok(ret as c_long)
    }

    fn peek(request: c_int, pid: pid_t, addr: usize) -> Result<c_long> {
        let mut word: c_long = 0;
        // SAFETY: for the PEEK requests the kernel stores exactly one word at `data`
        // (kernel/ptrace.c `generic_ptrace_peekdata`, arch `ptrace_read_user`), and `word` is a
        // live, writable c_long for the whole call.
        unsafe {
            syscall4(
                SYS_PTRACE,
                request as usize,
                pid as usize,
                addr,
                &raw mut word as usize,
            )
        }?;
        Ok(word)
    }

    unsafe fn wait4(
        pid: pid_t,
        stat_loc: *mut c_int,
        options: c_int,
        rusage: *mut c_void,
    ) -> Result<pid_t> {
        // SAFETY: as for ptrace: the kernel checks both pointers (EFAULT) and NULL is allowed.
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
}
