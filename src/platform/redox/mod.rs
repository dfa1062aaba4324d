//! Redox: Linux ptrace emulated on the v2020 `proc:` scheme (`shared/spec/redox-proc-scheme.md`,
//! design in §9.1). Each request becomes a few scheme operations on the tracee's `trace`,
//! `mem` and `regs/*` files, kept in a process-wide session table; `waitpid` reads the stops
//! from `trace` and reports them with Linux's wait statuses.
//!
//! Where this Redox has no `trace` handle (current Redox, spec §0) every request fails with
//! ENOSYS. What v2020 cannot express fails with EIO, the Linux answer for an unsupported
//! request; `docs/redox-gaps.md` lists it.

use core::ffi::{c_int, c_long, c_void};

use super::Pal;
use super::types::pid_t;
use crate::errno::{EIO, ENOSYS, Result};
use crate::header::sys_ptrace::*;

pub mod os;
#[cfg(target_arch = "x86_64")]
mod registers;
#[cfg(target_arch = "x86_64")]
mod regs;
mod request;
mod scheme;
mod session;
mod status;
mod wait;

/// The Redox platform.
pub struct Sys;

impl Pal for Sys {
    unsafe fn ptrace(
        request: c_int,
        pid: pid_t,
        addr: *mut c_void,
        data: *mut c_void,
    ) -> Result<c_long> {
        if !os::available() {
            return Err(ENOSYS);
        }
        #[cfg(target_arch = "x86_64")]
        use self::registers as g;
        use self::request as r;
        let (a, d) = (addr as usize, data as usize);
        // SAFETY (every unsafe handler below): `addr`/`data` are the caller's raw pointers,
        // which the handlers only touch through the checked copies in `request`.
        match request {
            PTRACE_TRACEME => r::traceme(),
            PTRACE_ATTACH => r::attach(pid),
            PTRACE_SEIZE => r::seize(pid, a, d as c_int),
            PTRACE_DETACH => r::detach(pid, d),
            PTRACE_KILL => r::kill(pid),
            PTRACE_CONT
            | PTRACE_SYSCALL
            | PTRACE_SINGLESTEP
            | PTRACE_SYSEMU
            | PTRACE_SYSEMU_SINGLESTEP => r::resume(pid, request, d),
            PTRACE_SETOPTIONS => r::set_options(pid, d),
            PTRACE_POKETEXT | PTRACE_POKEDATA => r::poke(pid, a, d),
            #[cfg(target_arch = "x86_64")]
            PTRACE_POKEUSER => g::poke_user(pid, a, d),
            // SAFETY: see above.
            PTRACE_GETEVENTMSG => unsafe { r::get_event_msg(pid, data) },
            // SAFETY: see above.
            PTRACE_GETSIGINFO => unsafe { r::get_siginfo(pid, data) },
            // SAFETY: see above.
            PTRACE_SETSIGINFO => unsafe { r::set_siginfo(pid, data) },
            // SAFETY: see above.
            PTRACE_PEEKSIGINFO => unsafe { r::peek_siginfo(pid, addr) },
            // SAFETY: see above.
            PTRACE_GETSIGMASK => unsafe { r::sigmask(pid, false, a, data) },
            // SAFETY: see above.
            PTRACE_SETSIGMASK => unsafe { r::sigmask(pid, true, a, data) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: see above.
            PTRACE_GETREGS => unsafe { g::get_regs(pid, data) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: see above.
            PTRACE_SETREGS => unsafe { g::set_regs(pid, data) },
            #[cfg(target_arch = "x86_64")]
            PTRACE_GETFPREGS => {
                let image = g::fpregs(pid)?;
                // SAFETY: see above.
                unsafe { r::copy_out(data, &image) }.map(|()| 0)
            }
            #[cfg(target_arch = "x86_64")]
            PTRACE_SETFPREGS => {
                let mut image = [0u8; regs::LINUX_FPREGS_BYTES];
                // SAFETY: see above.
                unsafe { r::copy_in(&mut image, data) }?;
                g::set_fpregs(pid, &image).map(|()| 0)
            }
            #[cfg(target_arch = "x86_64")]
            // SAFETY: see above.
            PTRACE_GETREGSET => unsafe { g::regset(pid, false, a, data) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: see above.
            PTRACE_SETREGSET => unsafe { g::regset(pid, true, a, data) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: see above.
            PTRACE_GET_SYSCALL_INFO => unsafe { g::syscall_info(pid, a, data) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: see above.
            PTRACE_ARCH_PRCTL => unsafe { g::arch_prctl(pid, addr, d) },
            // v2020 cannot stop a running tracee at will or hold a group-stop (spec §2.2):
            // after Linux's own checks (ESRCH untraced or, for LISTEN, running) these are EIO.
            PTRACE_INTERRUPT => session::with(pid, |_| ()).and(Err(EIO)),
            // Everything v2020 cannot express (docs/redox-gaps.md), and unknown requests: EIO,
            // after the pid checks every Linux request makes first (ESRCH).
            _ => session::with(pid, |s| s.stopped())
                .and_then(|r| r)
                .and(Err(EIO)),
        }
    }

    fn peek(request: c_int, pid: pid_t, addr: usize) -> Result<c_long> {
        if !os::available() {
            return Err(ENOSYS);
        }
        match request {
            #[cfg(target_arch = "x86_64")]
            PTRACE_PEEKUSER => registers::peek_user(pid, addr),
            PTRACE_PEEKTEXT | PTRACE_PEEKDATA => request::peek(pid, addr),
            _ => Err(EIO),
        }
    }

    unsafe fn wait4(
        pid: pid_t,
        stat_loc: *mut c_int,
        options: c_int,
        rusage: *mut c_void,
    ) -> Result<pid_t> {
        if !os::available() {
            // SAFETY: the caller's contract for both pointers is the one os::waitpid requires.
            return unsafe { os::waitpid(pid, stat_loc, options, rusage) };
        }
        // SAFETY: the caller's contract for both pointers is the one wait::wait4 requires.
        unsafe { wait::wait4(pid, stat_loc, options, rusage) }
    }
}
