//! The register requests on x86_64: GETREGS/SETREGS, GETFPREGS/SETFPREGS, GETREGSET/
//! SETREGSET, PEEKUSER/POKEUSER, GET_SYSCALL_INFO and ARCH_PRCTL, over `regs/int`,
//! `regs/float` and `regs/env` (spec §3). aarch64 Redox has neither `pc`/`sp` in its register
//! file nor any stop site (spec §2.4, §3.1), so these requests are EIO there.

use core::ffi::{c_long, c_void};

use super::regs::{self, LinuxRegs};
use super::request::{copy_in, copy_out, file};
use super::scheme;
use super::session::{self, File};
use super::status::Stop;
use crate::errno::{EINVAL, EIO, ENOSYS, Result};
use crate::header::sys_ptrace::*;
use crate::platform::types::pid_t;

/// `regs/int`, read once per stop: a parked tracee's registers change only through our own
/// writes, which keep the copy current.
fn read_int(pid: pid_t) -> Result<regs::RedoxInt> {
    if let Some(int) = session::with(pid, |s| s.int_cache)? {
        return Ok(int);
    }
    let fd = file(pid, File::Int)?;
    let mut buf = [0u8; regs::REDOX_INT_WORDS * 8];
    scheme::read_exact(fd, &mut buf)?;
    let int = scheme::words(&buf);
    session::with(pid, |s| {
        if s.regs_cacheable() {
            s.int_cache = Some(int);
        }
    })?;
    Ok(int)
}

fn write_int(pid: pid_t, int: &regs::RedoxInt) -> Result<()> {
    let fd = file(pid, File::Int)?;
    let mut buf = [0u8; regs::REDOX_INT_WORDS * 8];
    scheme::bytes_of(int, &mut buf);
    // Dropped first: if the write fails, the next read asks the tracee again.
    session::with(pid, |s| s.int_cache = None)?;
    scheme::write_all(fd, &buf)?;
    session::with(pid, |s| s.int_cache = Some(*int))
}

/// fs/gs base, read once per stop (they change only through `regs/env` writes, spec §3.2).
fn read_env(pid: pid_t) -> Result<[u64; 2]> {
    if let Some(env) = session::with(pid, |s| s.env_cache)? {
        return Ok(env);
    }
    let fd = file(pid, File::Env)?;
    let mut buf = [0u8; regs::REDOX_ENV_BYTES];
    scheme::read_exact(fd, &mut buf)?;
    let env = scheme::words(&buf);
    session::with(pid, |s| {
        if s.regs_cacheable() {
            s.env_cache = Some(env);
        }
    })?;
    Ok(env)
}

fn write_env(pid: pid_t, env: [u64; 2]) -> Result<()> {
    let mut buf = [0u8; regs::REDOX_ENV_BYTES];
    scheme::bytes_of(&env, &mut buf);
    scheme::write_all(file(pid, File::Env)?, &buf)?;
    session::with(pid, |s| s.env_cache = Some(env))
}

/// The number and first argument of the syscall a tracee is inside, read afresh: it is not at
/// a stop (a clone event, spec §2.3), so nothing is cached. Redox's saved frame keeps the number
/// in `rax` for the whole syscall (spec §2.4).
pub fn current_syscall(pid: pid_t) -> Result<(u64, u64)> {
    let fd = file(pid, File::Int)?;
    let mut buf = [0u8; regs::REDOX_INT_WORDS * 8];
    scheme::read_exact(fd, &mut buf)?;
    let int: regs::RedoxInt = scheme::words(&buf);
    Ok((int[regs::RAX], int[regs::RDI]))
}

/// The number of the syscall a tracee stopped at the entry of (Redox keeps it in `rax` there,
/// spec §2.4).
pub fn syscall_number(pid: pid_t) -> Result<u64> {
    read_int(pid).map(|int| int[regs::RAX])
}

/// Moves `rip` by `delta` in the Redox register file (the int3 fix-up of a breakpoint stop).
pub fn move_rip(pid: pid_t, delta: u64) -> Result<()> {
    let mut int = read_int(pid)?;
    int[regs::R_RIP] = int[regs::R_RIP].wrapping_add(delta);
    write_int(pid, &int)
}

/// The Linux register view of a stopped tracee. At a syscall-entry stop Redox has the number
/// in `rax` (spec §2.4); Linux shows it in `orig_rax` with `rax = -ENOSYS`.
pub fn linux_regs(pid: pid_t) -> Result<LinuxRegs> {
    let stop = session::with(pid, |s| s.stopped())??;
    let int = read_int(pid)?;
    let env = read_env(pid).unwrap_or([0; 2]);
    let nr = match stop {
        Stop::SyscallEntry => {
            let nr = int[regs::RAX];
            session::with(pid, |s| s.syscall_nr = Some(nr))?;
            Some(nr)
        }
        Stop::SyscallExit => session::with(pid, |s| s.syscall_nr)?,
        _ => None,
    };
    let mut view = regs::to_linux(&int, env, nr.unwrap_or(u64::MAX));
    if stop == Stop::SyscallEntry {
        view[regs::RAX] = (-(ENOSYS.0 as i64)) as u64;
    }
    Ok(view)
}

/// Writes a Linux register view back. At a syscall-entry stop `orig_rax` selects the syscall
/// (-1 skips it, `PTRACE_FLAG_IGNORE` on the resume, spec §2.4) and `rax` is its result if
/// skipped; elsewhere `rax` is `rax`. `fs_base`/`gs_base` go to `regs/env` when changed.
pub fn set_linux_regs(pid: pid_t, view: &LinuxRegs) -> Result<()> {
    let stop = session::with(pid, |s| s.stopped())??;
    let mut int = [0u64; regs::REDOX_INT_WORDS];
    regs::from_linux(view, &mut int);
    // Linux `putreg`: segment selectors must have RPL 3 (EIO), bases must be canonical (EIO).
    let canonical = |v: u64| v < 0x0000_8000_0000_0000;
    if view[regs::L_CS] & 3 != 3
        || view[regs::L_SS] & 3 != 3
        || !canonical(view[regs::L_FS_BASE])
        || !canonical(view[regs::L_GS_BASE])
    {
        return Err(EIO);
    }
    if stop == Stop::SyscallEntry {
        let nr = view[regs::L_ORIG_RAX];
        let skip = nr == u64::MAX || session::with(pid, |s| s.sysemu)?;
        if !skip {
            int[regs::RAX] = nr;
        }
        session::with(pid, |s| {
            s.skip_syscall = skip;
            s.syscall_nr = Some(nr);
        })?;
    }
    write_int(pid, &int)?;
    let env = [view[regs::L_FS_BASE], view[regs::L_GS_BASE]];
    if read_env(pid).is_ok_and(|old| old != env) {
        // v2020+: a non-canonical base is refused (spec §3.2); Linux says EIO.
        write_env(pid, env).map_err(|_| EIO)?;
    }
    Ok(())
}

/// PTRACE_GETREGS.
///
/// # Safety
/// `data` is the caller's raw pointer.
pub unsafe fn get_regs(pid: pid_t, data: *mut c_void) -> Result<c_long> {
    let view = linux_regs(pid)?;
    let mut buf = [0u8; regs::LINUX_REGS_WORDS * 8];
    scheme::bytes_of(&view, &mut buf);
    // SAFETY: copy_out checks the pointer.
    unsafe { copy_out(data, &buf) }.map(|()| 0)
}

/// PTRACE_SETREGS.
///
/// # Safety
/// `data` is the caller's raw pointer.
pub unsafe fn set_regs(pid: pid_t, data: *const c_void) -> Result<c_long> {
    let mut buf = [0u8; regs::LINUX_REGS_WORDS * 8];
    // SAFETY: copy_in checks the pointer.
    unsafe { copy_in(&mut buf, data) }?;
    set_linux_regs(pid, &scheme::words(&buf)).map(|()| 0)
}

/// The 512-byte Linux FXSAVE image: Redox's 416 bytes and 96 zero bytes (spec §3.1).
pub fn fpregs(pid: pid_t) -> Result<[u8; regs::LINUX_FPREGS_BYTES]> {
    session::with(pid, |s| s.stopped())??;
    let mut out = [0u8; regs::LINUX_FPREGS_BYTES];
    let fd = file(pid, File::Float)?;
    if let Some(head) = out.get_mut(..regs::REDOX_FLOAT_BYTES) {
        scheme::read_exact(fd, head)?;
    }
    Ok(out)
}

/// Writes the first 416 bytes of a Linux FXSAVE image to `regs/float`.
pub fn set_fpregs(pid: pid_t, image: &[u8; regs::LINUX_FPREGS_BYTES]) -> Result<()> {
    session::with(pid, |s| s.stopped())??;
    // Linux refuses reserved MXCSR bits (bytes 24..28 of the FXSAVE image) with EINVAL.
    let mxcsr = u32::from_ne_bytes([image[24], image[25], image[26], image[27]]);
    if mxcsr & 0xffff_0000 != 0 {
        return Err(EINVAL);
    }
    let fd = file(pid, File::Float)?;
    scheme::write_all(fd, image.get(..regs::REDOX_FLOAT_BYTES).unwrap_or_default())
}

/// PTRACE_PEEKUSER: a word of the kernel's `struct user`. Registers come from the register
/// view; every other valid offset (fpvalid, debug registers, which Redox lacks) reads 0, as
/// unused fields do on Linux. Misaligned or out-of-range offsets: EIO.
pub fn peek_user(pid: pid_t, offset: usize) -> Result<c_long> {
    if offset % 8 != 0 || offset >= regs::LINUX_USER_BYTES {
        return Err(EIO);
    }
    session::with(pid, |s| s.stopped())??;
    match regs::linux_regs_index(offset) {
        Some(i) => linux_regs(pid).map(|v| v.get(i).copied().unwrap_or(0) as c_long),
        // u_debugreg[6]: Linux shows DR6's reset value, 0xffff0ff0 (Intel SDM 17.2.3).
        None if offset == regs::LINUX_DR6 => Ok(0xffff_0ff0),
        None => Ok(0),
    }
}

/// PTRACE_POKEUSER: registers only; the debug registers do not exist on Redox (EIO).
pub fn poke_user(pid: pid_t, offset: usize, word: usize) -> Result<c_long> {
    if offset % 8 != 0 || offset >= regs::LINUX_USER_BYTES {
        return Err(EIO);
    }
    let i = regs::linux_regs_index(offset).ok_or(EIO)?;
    let mut view = linux_regs(pid)?;
    if let Some(slot) = view.get_mut(i) {
        *slot = word as u64;
    }
    set_linux_regs(pid, &view).map(|()| 0)
}

/// Reads the caller's `struct iovec` at `data`.
unsafe fn iovec(data: *mut c_void) -> Result<(usize, usize)> {
    let mut raw = [0u8; 16];
    // SAFETY: copy_in checks the pointer.
    unsafe { copy_in(&mut raw, data) }?;
    let w: [u64; 2] = scheme::words(&raw);
    Ok((w[0] as usize, w[1] as usize))
}

/// Bytes of the NT_X86_XSTATE image we build: the 512-byte FXSAVE area and the 64-byte XSAVE
/// header, with only x87 and SSE state (what `regs/float` holds, spec §3.1).
const XSTATE_BYTES: usize = regs::LINUX_FPREGS_BYTES + 64;
/// `xfeatures` of that image: x87 | SSE.
const XFEATURES: u64 = 3;

/// The image of register set `note`: NT_PRSTATUS (1), NT_PRFPREG (2) or NT_X86_XSTATE
/// (0x202, Linux `arch/x86/kernel/fpu/regset.c`: FXSAVE area, then the software-reserved
/// bytes at 464 whose first word is XCR0, which gdb reads, then the XSAVE header whose
/// first word is XSTATE_BV). Other sets: EINVAL, as Linux answers a set it does not have.
fn regset_image(pid: pid_t, note: usize, out: &mut [u8; XSTATE_BYTES]) -> Result<usize> {
    match note {
        1 => {
            let size = regs::LINUX_REGS_WORDS * 8;
            scheme::bytes_of(&linux_regs(pid)?, out.get_mut(..size).unwrap_or_default());
            Ok(size)
        }
        2 | 0x202 => {
            let fx = fpregs(pid)?;
            out[..regs::LINUX_FPREGS_BYTES].copy_from_slice(&fx);
            if note == 2 {
                return Ok(regs::LINUX_FPREGS_BYTES);
            }
            out[464..472].copy_from_slice(&XFEATURES.to_ne_bytes());
            out[512..520].copy_from_slice(&XFEATURES.to_ne_bytes());
            Ok(XSTATE_BYTES)
        }
        _ => Err(EINVAL),
    }
}

/// PTRACE_GETREGSET / SETREGSET for the sets [`regset_image`] knows. A short buffer is a
/// partial transfer and `iov_len` is rewritten to what was copied (Linux); the length must be
/// a multiple of 8 (Linux `ptrace_regset`: of the set's word size).
///
/// # Safety
/// `data` is the caller's raw pointer.
pub unsafe fn regset(pid: pid_t, set: bool, note: usize, data: *mut c_void) -> Result<c_long> {
    // SAFETY: iovec checks the pointer.
    let (base, len) = unsafe { iovec(data) }?;
    let mut image = [0u8; XSTATE_BYTES];
    let size = regset_image(pid, note, &mut image)?;
    if len % 8 != 0 {
        return Err(EINVAL);
    }
    let n = len.min(size);
    let part = image.get_mut(..n).ok_or(EINVAL)?;
    if set {
        // SAFETY: copy_in checks the pointer.
        unsafe { copy_in(part, base as *const c_void) }?;
        if note == 1 {
            let words: LinuxRegs = scheme::words(image.get(..size).unwrap_or_default());
            set_linux_regs(pid, &words)?;
        } else {
            let mut fx = [0u8; regs::LINUX_FPREGS_BYTES];
            fx.copy_from_slice(&image[..regs::LINUX_FPREGS_BYTES]);
            set_fpregs(pid, &fx)?;
        }
    } else {
        // SAFETY: copy_out checks the pointer.
        unsafe { copy_out(base as *mut c_void, part) }?;
    }
    let new_len = (n as u64).to_ne_bytes();
    // SAFETY: copy_out checks the pointer (the iov_len field).
    unsafe { copy_out(data.cast::<u8>().wrapping_add(8).cast(), &new_len) }.map(|()| 0)
}

/// PTRACE_GET_SYSCALL_INFO (linux-ptrace-parity.md §1.5): the op and its data from the stop
/// and the register view; returns the full size of the op's data and copies at most `size`.
///
/// # Safety
/// `data` is the caller's raw pointer.
pub unsafe fn syscall_info(pid: pid_t, size: usize, data: *mut c_void) -> Result<c_long> {
    const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
    let stop = session::with(pid, |s| s.stopped())??;
    let view = linux_regs(pid)?;
    let mut info = [0u8; 88];
    info[4..8].copy_from_slice(&AUDIT_ARCH_X86_64.to_ne_bytes());
    info[8..16].copy_from_slice(&view[regs::L_RIP].to_ne_bytes());
    info[16..24].copy_from_slice(&view[regs::L_RSP].to_ne_bytes());
    // Linux recognises a syscall stop by its `SIGTRAP | 0x80` code, so without
    // PTRACE_O_TRACESYSGOOD every stop is reported as NONE (measured on 6.18).
    let sysgood = session::with(pid, |s| s.options & PTRACE_O_TRACESYSGOOD != 0)?;
    let stop = if sysgood { stop } else { Stop::Attached };
    let full = match stop {
        Stop::SyscallEntry => {
            info[0] = PTRACE_SYSCALL_INFO_ENTRY as u8;
            info[24..32].copy_from_slice(&view[regs::L_ORIG_RAX].to_ne_bytes());
            for (k, &r) in regs::SYSCALL_ARGS.iter().enumerate() {
                let at = 32 + 8 * k;
                if let (Some(dst), Some(v)) = (info.get_mut(at..at + 8), view.get(r)) {
                    dst.copy_from_slice(&v.to_ne_bytes());
                }
            }
            80
        }
        Stop::SyscallExit => {
            info[0] = PTRACE_SYSCALL_INFO_EXIT as u8;
            let rval = view[regs::RAX] as i64;
            info[24..32].copy_from_slice(&rval.to_ne_bytes());
            info[32] = u8::from((-4095..0).contains(&rval));
            33
        }
        _ => 24,
    };
    let n = size.min(full);
    // SAFETY: copy_out checks the pointer.
    unsafe { copy_out(data, info.get(..n).unwrap_or_default()) }?;
    Ok(full as c_long)
}

/// PTRACE_ARCH_PRCTL for the fs/gs bases, which Redox keeps in `regs/env` (spec §3.1).
///
/// # Safety
/// `addr` is the caller's raw pointer for the GET codes.
pub unsafe fn arch_prctl(pid: pid_t, addr: *mut c_void, code: usize) -> Result<c_long> {
    const ARCH_SET_GS: usize = 0x1001;
    const ARCH_SET_FS: usize = 0x1002;
    const ARCH_GET_FS: usize = 0x1003;
    const ARCH_GET_GS: usize = 0x1004;
    session::with(pid, |s| s.stopped())??;
    let mut env = read_env(pid)?;
    match code {
        ARCH_GET_FS | ARCH_GET_GS => {
            let v = if code == ARCH_GET_FS { env[0] } else { env[1] };
            // SAFETY: copy_out checks the pointer.
            unsafe { copy_out(addr, &v.to_ne_bytes()) }.map(|()| 0)
        }
        ARCH_SET_FS | ARCH_SET_GS => {
            if code == ARCH_SET_FS {
                env[0] = addr as u64;
            } else {
                env[1] = addr as u64;
            }
            let mut buf = [0u8; regs::REDOX_ENV_BYTES];
            scheme::bytes_of(&env, &mut buf);
            // v2020+: non-canonical bases are refused with EINVAL (spec §3.2).
            scheme::write_all(file(pid, File::Env)?, &buf).map(|()| 0)
        }
        _ => Err(EINVAL),
    }
}
