//! The request dispatch: where the C caller's raw arguments are decoded, once. Linux checks
//! the pid and the tracee's state (ESRCH) before any argument (kernel/ptrace.c
//! `ptrace_check_attach` runs before `ptrace_request`), so the dispatch asks the request for
//! that first and only then turns the caller's pointers into checked copies of the C
//! structures (`user_regs_struct`, `user_fpregs_struct`, `siginfo_t`, `iovec`,
//! `__ptrace_syscall_info`, ...). This module and `os/` are the only ones with `unsafe`.

use core::ffi::{c_int, c_long, c_void};

use super::os;
use super::request as r;
#[cfg(target_arch = "x86_64")]
use super::{registers as g, regs};
use crate::errno::{EIO, ENOSYS, Result};
use crate::header::sys_ptrace::*;
use crate::platform::Pal;
use crate::platform::types::pid_t;

/// Copies `src` to the caller's buffer at `dst`, EFAULT where Linux would fault (the OS
/// boundary checks the address: `os::copy_out`).
///
/// # Safety
/// `dst` is the caller's raw pointer, reached only through `os::copy_out`.
unsafe fn copy_out(dst: *mut c_void, src: &[u8]) -> Result<()> {
    os::copy_out(dst as usize, src)
}

/// Writes a scalar (a word, a status) to the caller's `dst`: all or nothing, as Linux's
/// `put_user`.
///
/// # Safety
/// As [`copy_out`].
unsafe fn put_out(dst: *mut c_void, src: &[u8]) -> Result<()> {
    os::put_out(dst as usize, src)
}

/// Copies the caller's buffer at `src` into `dst`, EFAULT where Linux would fault.
///
/// # Safety
/// As [`copy_out`].
unsafe fn copy_in(dst: &mut [u8], src: *const c_void) -> Result<()> {
    os::copy_in(dst, src as usize)
}

/// The caller's `N` bytes at `src`.
///
/// # Safety
/// As [`copy_out`].
unsafe fn read_in<const N: usize>(src: *const c_void) -> Result<[u8; N]> {
    let mut buf = [0u8; N];
    // SAFETY: the caller's contract, checked by copy_in.
    unsafe { copy_in(&mut buf, src) }?;
    Ok(buf)
}

/// The caller's `struct iovec` at `data`: base and length.
///
/// # Safety
/// As [`copy_out`].
#[cfg(target_arch = "x86_64")]
unsafe fn iovec(data: *const c_void) -> Result<(*mut c_void, usize)> {
    // SAFETY: the caller's contract.
    let raw: [u8; 16] = unsafe { read_in(data) }?;
    let w: [u64; 2] = super::scheme::words(&raw);
    Ok((w[0] as usize as *mut c_void, w[1] as usize))
}

/// `process_vm_readv` (`write` false) and `process_vm_writev` over `mem`: the remote ranges are
/// moved a page at a time at most, so that, as on Linux, a range that is not mapped stops
/// the transfer at the page where it fails (process_vm_readv(2): the bytes moved before it
/// are returned; EFAULT if none).
///
/// # Safety
/// `local`/`remote` are the caller's raw `struct iovec` arrays of `lcnt`/`rcnt` elements;
/// they and the buffers they name are reached only through the checked copies above.
pub unsafe fn process_vm(
    pid: pid_t,
    local: *const c_void,
    lcnt: core::ffi::c_ulong,
    remote: *const c_void,
    rcnt: core::ffi::c_ulong,
    flags: core::ffi::c_ulong,
    write: bool,
) -> Result<isize> {
    /// `IOV_MAX` (limits.h); Linux answers EINVAL above it.
    const IOV_MAX: core::ffi::c_ulong = 1024;
    const PAGE: usize = 4096;
    if flags != 0 || lcnt > IOV_MAX || rcnt > IOV_MAX {
        return Err(crate::errno::EINVAL);
    }
    if !os::available() {
        return Err(ENOSYS);
    }
    let local_at = |i: usize| {
        // SAFETY: `i` is below the caller's element count; read_in checks the element.
        unsafe { iov_at(local, i) }
    };
    let remote_at = |i: usize| {
        // SAFETY: as above, for the remote array.
        unsafe { iov_at(remote, i) }
    };
    let (mut li, mut loff) = (0usize, 0usize);
    let mut done = 0usize;
    let mut page = [0u8; PAGE];
    for ri in 0..rcnt as usize {
        let (rbase, rlen) = remote_at(ri)?;
        let mut roff = 0;
        while roff < rlen {
            let addr = rbase.wrapping_add(roff);
            let n = (rlen - roff).min(PAGE - addr % PAGE);
            let chunk = page.get_mut(..n).unwrap_or_default();
            if write {
                // Gather n bytes from the local buffers.
                let mut got = 0;
                while got < n {
                    let Some((lbase, llen)) =
                        (li < lcnt as usize).then(|| local_at(li)).transpose()?
                    else {
                        break;
                    };
                    let k = (llen - loff).min(n - got);
                    let dst = chunk.get_mut(got..got + k).unwrap_or_default();
                    // SAFETY: the caller's buffer, checked by copy_in.
                    unsafe { copy_in(dst, (lbase + loff) as *const c_void) }?;
                    got += k;
                    loff += k;
                    if loff == llen {
                        li += 1;
                        loff = 0;
                    }
                }
                let chunk = chunk.get_mut(..got).unwrap_or_default();
                if chunk.is_empty() {
                    return Ok(done as isize);
                }
                if let Err(e) = r::transfer(pid, addr, chunk, true) {
                    return if done == 0 { Err(e) } else { Ok(done as isize) };
                }
                done += got;
                roff += got;
            } else {
                if let Err(e) = r::transfer(pid, addr, chunk, false) {
                    return if done == 0 { Err(e) } else { Ok(done as isize) };
                }
                // Scatter the n bytes into the local buffers.
                let mut put = 0;
                while put < n {
                    let Some((lbase, llen)) =
                        (li < lcnt as usize).then(|| local_at(li)).transpose()?
                    else {
                        return Ok(done as isize);
                    };
                    let k = (llen - loff).min(n - put);
                    let src = chunk.get(put..put + k).unwrap_or_default();
                    // SAFETY: the caller's buffer, checked by copy_out.
                    unsafe { copy_out((lbase + loff) as *mut c_void, src) }?;
                    put += k;
                    done += k;
                    loff += k;
                    if loff == llen {
                        li += 1;
                        loff = 0;
                    }
                }
                roff += n;
            }
        }
    }
    Ok(done as isize)
}

/// Element `i` of the caller's `struct iovec` array at `base`: base and length.
///
/// # Safety
/// As [`copy_out`].
unsafe fn iov_at(base: *const c_void, i: usize) -> Result<(usize, usize)> {
    let at = base.cast::<u8>().wrapping_add(i * 16).cast();
    // SAFETY: the caller's contract, checked by read_in.
    let raw: [u8; 16] = unsafe { read_in(at) }?;
    let w: [u64; 2] = super::scheme::words(&raw);
    Ok((w[0] as usize, w[1] as usize))
}

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
        let (a, d) = (addr as usize, data as usize);
        // SAFETY: `addr`/`data` are the caller's raw pointers; every use below goes through
        // the checked copies above (copy_in/copy_out/read_in/iovec), after the pid check.
        unsafe {
            match request {
                PTRACE_TRACEME => r::traceme(),
                PTRACE_ATTACH => r::attach(pid),
                PTRACE_SEIZE => r::seize(pid, a, d),
                PTRACE_DETACH => r::detach(pid, d),
                PTRACE_KILL => r::kill(pid),
                PTRACE_CONT
                | PTRACE_SYSCALL
                | PTRACE_SINGLESTEP
                | PTRACE_SYSEMU
                | PTRACE_SYSEMU_SINGLESTEP => r::restart(pid, request, d),
                PTRACE_SETOPTIONS => r::set_options(pid, d),
                // x86's old number for SETOPTIONS (arch/x86/include/uapi/asm/ptrace-abi.h).
                #[cfg(target_arch = "x86_64")]
                PTRACE_OLDSETOPTIONS => r::set_options(pid, d),
                PTRACE_POKETEXT | PTRACE_POKEDATA => r::poke(pid, a, d),
                PTRACE_GETEVENTMSG => {
                    let msg = r::event_msg(pid)?;
                    put_out(data, &msg.to_ne_bytes()).map(|()| 0)
                }
                PTRACE_GETSIGINFO => copy_out(data, &r::siginfo(pid)?).map(|()| 0),
                PTRACE_SETSIGINFO => {
                    r::stopped(pid)?;
                    // kernel/signal.c `copy_siginfo_from_user`: the 48 bytes of the kernel's
                    // siginfo, then, for a layout it does not know, the rest of the 128.
                    let mut info = [0u8; 128];
                    let head = info.get_mut(..r::SIGINFO_KNOWN).unwrap_or_default();
                    copy_in(head, data)?;
                    if !r::known_siginfo_layout(&info) {
                        let rest = info.get_mut(r::SIGINFO_KNOWN..).unwrap_or_default();
                        let at = data.cast::<u8>().wrapping_add(r::SIGINFO_KNOWN).cast();
                        copy_in(rest, at)?;
                    }
                    r::set_siginfo(pid, info)
                }
                PTRACE_PEEKSIGINFO => {
                    r::stopped(pid)?;
                    let raw: [u8; size_of::<__ptrace_peeksiginfo_args>()] = read_in(addr)?;
                    let args = __ptrace_peeksiginfo_args {
                        off: u64::from_ne_bytes(raw[0..8].try_into().unwrap_or_default()),
                        flags: u32::from_ne_bytes(raw[8..12].try_into().unwrap_or_default()),
                        nr: i32::from_ne_bytes(raw[12..16].try_into().unwrap_or_default()),
                    };
                    r::peek_siginfo(&args)
                }
                PTRACE_GETSIGMASK | PTRACE_SETSIGMASK => {
                    r::stopped(pid)?;
                    r::sigmask_size(a)?;
                    // Linux copies the mask in (SETSIGMASK) or out (GETSIGMASK) before it
                    // can fail otherwise: EFAULT first. The mask is unknown here, so GET
                    // writes the caller's own bytes back, all or nothing, to find out.
                    let mask = read_in::<8>(data)?;
                    if request == PTRACE_GETSIGMASK {
                        put_out(data, &mask)?;
                    }
                    // No signal mask is reachable on Redox (docs/redox-gaps.md).
                    Err(EIO)
                }
                #[cfg(target_arch = "x86_64")]
                PTRACE_POKEUSER => g::poke_user(pid, a, d),
                #[cfg(target_arch = "x86_64")]
                PTRACE_GETREGS => copy_out(data, &g::get_regs(pid)?).map(|()| 0),
                #[cfg(target_arch = "x86_64")]
                PTRACE_SETREGS => {
                    r::stopped(pid)?;
                    g::set_regs(pid, &read_in(data)?)
                }
                #[cfg(target_arch = "x86_64")]
                PTRACE_GETFPREGS => copy_out(data, &g::get_fpregs(pid)?).map(|()| 0),
                #[cfg(target_arch = "x86_64")]
                PTRACE_SETFPREGS => {
                    r::stopped(pid)?;
                    g::set_fpregs(pid, &read_in(data)?)
                }
                #[cfg(target_arch = "x86_64")]
                PTRACE_GETREGSET | PTRACE_SETREGSET => {
                    r::stopped(pid)?;
                    let (base, len) = iovec(data)?;
                    let n = if request == PTRACE_GETREGSET {
                        let (image, n) = g::get_regset(pid, a, len)?;
                        copy_out(base, image.get(..n).unwrap_or_default())?;
                        n
                    } else {
                        let n = g::regset_len(pid, a, len)?;
                        let mut part = [0u8; g::XSTATE_BYTES];
                        let part = part.get_mut(..n).unwrap_or_default();
                        copy_in(part, base)?;
                        g::set_regset(pid, a, part)?;
                        n
                    };
                    // Linux rewrites `iov_len` to what was transferred.
                    let iov_len = data.cast::<u8>().wrapping_add(8).cast();
                    copy_out(iov_len, &(n as u64).to_ne_bytes()).map(|()| 0)
                }
                #[cfg(target_arch = "x86_64")]
                PTRACE_GET_SYSCALL_INFO => {
                    let (info, full) = g::syscall_info(pid)?;
                    copy_out(data, info.get(..a.min(full)).unwrap_or_default())?;
                    Ok(full as c_long)
                }
                #[cfg(target_arch = "x86_64")]
                PTRACE_SET_SYSCALL_INFO => {
                    r::stopped(pid)?;
                    // kernel/ptrace.c `ptrace_set_syscall_info`: EINVAL for a size short of
                    // the structure, then EFAULT, before the fields are looked at.
                    if a < 88 {
                        return Err(crate::errno::EINVAL);
                    }
                    g::set_syscall_info(pid, &read_in(data)?)
                }
                #[cfg(target_arch = "x86_64")]
                PTRACE_ARCH_PRCTL => {
                    let base = g::arch_prctl(pid, d, a)?;
                    if g::arch_prctl_reads(d) {
                        put_out(addr, &base.to_ne_bytes())?;
                    }
                    Ok(0)
                }
                PTRACE_INTERRUPT => r::interrupt(pid),
                PTRACE_LISTEN => r::listen(pid),
                // Everything v2020 cannot express (docs/redox-gaps.md), and unknown requests:
                // EIO, after the pid check every Linux request makes first (ESRCH).
                _ => r::stopped(pid).and(Err(EIO)),
            }
        }
    }

    fn peek(request: c_int, pid: pid_t, addr: usize) -> Result<c_long> {
        if !os::available() {
            return Err(ENOSYS);
        }
        match request {
            #[cfg(target_arch = "x86_64")]
            PTRACE_PEEKUSER => g::peek_user(pid, addr),
            PTRACE_PEEKTEXT | PTRACE_PEEKDATA => r::peek(pid, addr),
            _ => Err(EIO),
        }
    }

    unsafe fn wait4(
        pid: pid_t,
        stat_loc: *mut c_int,
        options: c_int,
        rusage: *mut c_void,
    ) -> Result<pid_t> {
        let (p, status) = if os::available() {
            super::wait::wait4(pid, options, rusage as usize)?
        } else {
            os::waitpid(pid, options, rusage as usize)?
        };
        if !stat_loc.is_null() && p != 0 {
            // SAFETY: the caller's pointer, checked by copy_out.
            unsafe { put_out(stat_loc.cast(), &status.to_ne_bytes()) }?;
        }
        Ok(p)
    }
}

#[cfg(target_arch = "x86_64")]
const _: () = assert!(regs::LINUX_FPREGS_BYTES == 512);
