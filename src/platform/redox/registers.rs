//! The register requests on x86_64: GETREGS/SETREGS, GETFPREGS/SETFPREGS, GETREGSET/
//! SETREGSET, PEEKUSER/POKEUSER, GET/SET_SYSCALL_INFO and ARCH_PRCTL, over `regs/int`,
//! `regs/float` and `regs/env` (docs/redox-protocol.md §3). aarch64 Redox has neither `pc`/`sp` in its register
//! file nor any stop site (docs/redox-protocol.md §2.4, §3.1), so these requests are EIO there.
#![forbid(unsafe_code)]

use core::ffi::{c_int, c_long};

use super::files;
use syscall::EnvRegisters;

use super::regs::{self, UserRegs};
use super::scheme;
use super::status::Stop;
use super::table;
use super::tracee::{File, Session};
use crate::errno::{EFAULT, EINVAL, EIO, ENOSYS, EPERM, ERANGE, ESRCH, Result};
use crate::header::sys_ptrace::*;
use crate::platform::types::pid_t;

/// Bytes of Linux `struct user_regs_struct`.
pub const REGS_BYTES: usize = regs::LINUX_REGS_BYTES;

/// Runs `f` on the session of stopped tracee `pid`, under the lock.
fn with_stopped<R>(pid: pid_t, f: impl FnOnce(&mut Session, Stop) -> Result<R>) -> Result<R> {
    let mut t = table::lock();
    let s = t.get_mut(pid).ok_or(ESRCH)?;
    let stop = s.stopped()?;
    f(s, stop)
}

/// Redox leaves `rip` on the int3 (kernel `47018381`, docs/redox-protocol.md §2.4); Linux
/// reports it one past, and resumes there. Moving it once at the stop keeps GETREGS/SETREGS
/// one-to-one.
pub fn move_past_int3(s: &mut Session) -> Result<()> {
    let mut int = files::read_int(s)?;
    int.rip = int.rip.wrapping_add(1);
    files::write_int(s, &int)
}

/// The Linux register view of a stopped tracee. At a syscall-entry stop Redox has the number
/// in `rax` (§2.4); Linux shows it in `orig_rax` with `rax = -ENOSYS`.
fn linux_regs(s: &mut Session, stop: Stop) -> Result<UserRegs> {
    let env = files::read_env(s)?;
    linux_view(s, stop, &env)
}

/// As [`linux_regs`], with the fs/gs bases given rather than read from `regs/env`: for a caller
/// that does not report them, one scheme read fewer at each stop.
fn linux_view(s: &mut Session, stop: Stop, env: &EnvRegisters) -> Result<UserRegs> {
    let int = files::read_int(s)?;
    let nr = match stop {
        Stop::SyscallEntry => {
            s.syscall_nr = Some(int.rax as u64);
            s.syscall_nr
        }
        Stop::SyscallExit => s.syscall_nr,
        _ => None,
    };
    let mut view = regs::to_linux(&int, env, nr.unwrap_or(u64::MAX));
    if stop == Stop::SyscallEntry {
        view.rax = (-(ENOSYS.0 as i64)) as u64;
    }
    Ok(view)
}

/// Writes a Linux register view back. At a syscall-entry stop `orig_rax` selects the syscall
/// (-1 skips it, `PTRACE_FLAG_IGNORE` on the resume, §2.4) and `rax` is its result if
/// skipped; elsewhere `rax` is `rax`. `fs_base`/`gs_base` go to `regs/env` when changed.
fn set_linux_regs(s: &mut Session, stop: Stop, view: &UserRegs) -> Result<()> {
    let mut int = regs::from_linux(view);
    // Linux `putreg`: segment selectors must have RPL 3 (EIO), bases must be canonical (EIO).
    let canonical = |v: u64| v < 0x0000_8000_0000_0000;
    // ds, es, fs, gs: 0 or a user selector (RPL 3), as `putreg` checks them too.
    let data_selector = |v: u64| v == 0 || v & 3 == 3;
    if view.cs & 3 != 3
        || view.ss & 3 != 3
        || !canonical(view.fs_base)
        || !canonical(view.gs_base)
        || ![view.ds, view.es, view.fs, view.gs]
            .into_iter()
            .all(data_selector)
    {
        return Err(EIO);
    }
    if stop == Stop::SyscallEntry {
        let nr = view.orig_rax;
        let skip = nr == u64::MAX || s.sysemu;
        if !skip {
            int.rax = nr as usize;
        }
        s.skip_syscall = skip;
        s.syscall_nr = Some(nr);
    }
    files::write_int(s, &int)?;
    let old = files::read_env(s)?;
    if (old.fsbase, old.gsbase) != (view.fs_base, view.gs_base) {
        let env = EnvRegisters {
            fsbase: view.fs_base,
            gsbase: view.gs_base,
        };
        // A non-canonical base is refused (§3.2); Linux says EIO.
        files::write_env(s, env).map_err(|_| EIO)?;
    }
    Ok(())
}

/// PTRACE_GETREGS: the `user_regs_struct` bytes.
pub fn get_regs(pid: pid_t) -> Result<[u8; REGS_BYTES]> {
    with_stopped(pid, |s, stop| Ok(linux_regs(s, stop)?.to_bytes()))
}

/// PTRACE_SETREGS from the `user_regs_struct` bytes.
pub fn set_regs(pid: pid_t, image: &[u8; REGS_BYTES]) -> Result<c_long> {
    with_stopped(pid, |s, stop| {
        set_linux_regs(s, stop, &UserRegs::from_bytes(image)).map(|()| 0)
    })
}

/// The 512-byte Linux FXSAVE image: Redox's 416 bytes and 96 zero bytes (§3.1).
fn read_fpregs(s: &mut Session) -> Result<[u8; regs::LINUX_FPREGS_BYTES]> {
    let mut out = [0u8; regs::LINUX_FPREGS_BYTES];
    let fd = files::open(s, File::Float)?;
    if let Some(head) = out.get_mut(..regs::REDOX_FLOAT_BYTES) {
        scheme::read_exact(fd, head)?;
    }
    Ok(out)
}

/// Writes the first 416 bytes of a Linux FXSAVE image to `regs/float`.
fn write_fpregs(s: &mut Session, image: &[u8; regs::LINUX_FPREGS_BYTES]) -> Result<()> {
    // Linux refuses reserved MXCSR bits (bytes 24..28 of the FXSAVE image) with EINVAL.
    let mxcsr = u32::from_ne_bytes([image[24], image[25], image[26], image[27]]);
    if mxcsr & 0xffff_0000 != 0 {
        return Err(EINVAL);
    }
    let fd = files::open(s, File::Float)?;
    scheme::write_all(fd, image.get(..regs::REDOX_FLOAT_BYTES).unwrap_or_default())
}

/// PTRACE_GETFPREGS.
pub fn get_fpregs(pid: pid_t) -> Result<[u8; regs::LINUX_FPREGS_BYTES]> {
    with_stopped(pid, |s, _| read_fpregs(s))
}

/// PTRACE_SETFPREGS.
pub fn set_fpregs(pid: pid_t, image: &[u8; regs::LINUX_FPREGS_BYTES]) -> Result<c_long> {
    with_stopped(pid, |s, _| write_fpregs(s, image).map(|()| 0))
}

/// The debug register a `struct user` offset names, if it does (`u_debugreg[8]`,
/// arch/x86/include/asm/user_64.h).
fn debugreg(offset: usize) -> Option<usize> {
    offset
        .checked_sub(regs::LINUX_DR0)
        .map(|d| d / 8)
        .filter(|&n| n < 8)
}

/// DR7's local and global enable bits (L0..G3, Intel SDM 17.2.4).
const DR7_ENABLE: u64 = 0xff;

/// PTRACE_PEEKUSER: a word of the kernel's `struct user`. Registers come from the register
/// view; the debug registers are what the tracer wrote (arch/x86/kernel/ptrace.c
/// `ptrace_get_debugreg`: DR4/DR5 read 0); every other valid offset (fpvalid) reads 0, as
/// unused fields do on Linux. Misaligned or out-of-range offsets: EIO.
pub fn peek_user(pid: pid_t, offset: usize) -> Result<c_long> {
    with_stopped(pid, |s, stop| {
        if !offset.is_multiple_of(8) || offset >= regs::LINUX_USER_BYTES {
            return Err(EIO);
        }
        if offset < REGS_BYTES {
            return linux_regs(s, stop).map(|v| v.word_at(offset).unwrap_or(0) as c_long);
        }
        Ok(match debugreg(offset) {
            Some(4 | 5) | None => 0,
            Some(n) => s.debugreg.get(n).copied().unwrap_or(0) as c_long,
        })
    })
}

/// PTRACE_POKEUSER: the registers, and the debug registers as far as Redox can honour them:
/// it has none (docs/redox-gaps.md), so addresses (DR0..DR3) and DR6 are kept for PEEKUSER,
/// and DR7 may be written as long as it enables nothing (gdb writes 0 into every new task);
/// enabling a breakpoint is EIO. DR4/DR5 and the rest of `struct user` are EIO, as on Linux
/// (arch/x86/kernel/ptrace.c `ptrace_set_debugreg`, `arch_ptrace`).
pub fn poke_user(pid: pid_t, offset: usize, word: usize) -> Result<c_long> {
    with_stopped(pid, |s, stop| {
        if !offset.is_multiple_of(8) || offset >= regs::LINUX_USER_BYTES {
            return Err(EIO);
        }
        if let Some(n) = debugreg(offset) {
            let word = word as u64;
            let refused = match n {
                4 | 5 => true,
                7 => word & DR7_ENABLE != 0,
                _ => false,
            };
            let slot = s.debugreg.get_mut(n).ok_or(EIO)?;
            if refused {
                return Err(EIO);
            }
            // A breakpoint address must be a user address (arch/x86/kernel/ptrace.c
            // `ptrace_set_breakpoint_addr`: EINVAL past the user address space).
            if n < 4 && word >= 0x0000_7fff_ffff_f000 {
                return Err(EINVAL);
            }
            *slot = word;
            return Ok(0);
        }
        let mut view = linux_regs(s, stop)?;
        if offset >= REGS_BYTES || !view.set_word_at(offset, word as u64) {
            return Err(EIO);
        }
        set_linux_regs(s, stop, &view).map(|()| 0)
    })
}

/// Bytes of the NT_X86_XSTATE image we build: the 512-byte FXSAVE area and the 64-byte XSAVE
/// header, with only x87 and SSE state (what `regs/float` holds, §3.1).
pub const XSTATE_BYTES: usize = regs::LINUX_FPREGS_BYTES + 64;
/// `xfeatures` of that image: x87 | SSE.
const XFEATURES: u64 = 3;

/// The image of register set `note`: NT_PRSTATUS (1), NT_PRFPREG (2) or NT_X86_XSTATE
/// (0x202, Linux `arch/x86/kernel/fpu/regset.c`: FXSAVE area, then the software-reserved
/// bytes at 464 whose first word is XCR0, which gdb reads, then the XSAVE header whose
/// first word is XSTATE_BV), and its size. Other sets: EINVAL, as Linux answers a set it does
/// not have.
fn regset_image(s: &mut Session, stop: Stop, note: usize) -> Result<([u8; XSTATE_BYTES], usize)> {
    let mut out = [0u8; XSTATE_BYTES];
    let size = match note {
        1 => {
            out[..REGS_BYTES].copy_from_slice(&linux_regs(s, stop)?.to_bytes());
            REGS_BYTES
        }
        2 | 0x202 => {
            out[..regs::LINUX_FPREGS_BYTES].copy_from_slice(&read_fpregs(s)?);
            if note == 2 {
                regs::LINUX_FPREGS_BYTES
            } else {
                out[464..472].copy_from_slice(&XFEATURES.to_ne_bytes());
                out[512..520].copy_from_slice(&XFEATURES.to_ne_bytes());
                XSTATE_BYTES
            }
        }
        _ => return Err(EINVAL),
    };
    Ok((out, size))
}

/// PTRACE_GETREGSET: the set's image and how much of it a buffer of `len` bytes takes (a
/// short buffer is a partial transfer, Linux; the length must be a multiple of 8, Linux
/// `ptrace_regset`: of the set's word size).
pub fn get_regset(pid: pid_t, note: usize, len: usize) -> Result<([u8; XSTATE_BYTES], usize)> {
    with_stopped(pid, |s, stop| {
        let (image, size) = regset_image(s, stop, note)?;
        if !len.is_multiple_of(8) {
            return Err(EINVAL);
        }
        Ok((image, len.min(size)))
    })
}

/// How many bytes of set `note` a PTRACE_SETREGSET buffer of `len` bytes writes (checked
/// before the caller's buffer is read).
pub fn regset_len(pid: pid_t, note: usize, len: usize) -> Result<usize> {
    let n = get_regset(pid, note, len).map(|(_, n)| n)?;
    // The FXSAVE set is written whole or not at all (arch/x86/kernel/fpu/regset.c
    // `xfpregs_set`: EINVAL unless all 512 bytes).
    if note == 2 && n != regs::LINUX_FPREGS_BYTES {
        return Err(EINVAL);
    }
    // So is the XSAVE set, whose short write Linux answers EFAULT before reading the
    // buffer (same file, `xstateregs_set`: `count` must be the whole XSAVE size); here
    // the whole is our x87 and SSE image (docs/redox-gaps.md).
    if note == 0x202 && n != XSTATE_BYTES {
        return Err(EFAULT);
    }
    Ok(n)
}

/// PTRACE_SETREGSET: the first `part.len()` bytes of set `note` replaced by `part`.
pub fn set_regset(pid: pid_t, note: usize, part: &[u8]) -> Result<c_long> {
    with_stopped(pid, |s, stop| {
        let (mut image, _) = regset_image(s, stop, note)?;
        image
            .get_mut(..part.len())
            .ok_or(EINVAL)?
            .copy_from_slice(part);
        if note == 1 {
            let mut bytes = [0u8; REGS_BYTES];
            bytes.copy_from_slice(image.get(..REGS_BYTES).unwrap_or_default());
            set_linux_regs(s, stop, &UserRegs::from_bytes(&bytes))?;
        } else {
            let mut fx = [0u8; regs::LINUX_FPREGS_BYTES];
            fx.copy_from_slice(&image[..regs::LINUX_FPREGS_BYTES]);
            write_fpregs(s, &fx)?;
        }
        Ok(0)
    })
}

/// PTRACE_GET_SYSCALL_INFO: the `__ptrace_syscall_info` bytes and the full size of the op's
/// data (the caller copies at most its `size`).
pub fn syscall_info(pid: pid_t) -> Result<([u8; 88], usize)> {
    const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
    with_stopped(pid, |s, stop| {
        // The structure has no fs/gs base: `regs/env` is not read.
        let view = linux_view(s, stop, &EnvRegisters::default())?;
        let mut info = [0u8; 88];
        info[4..8].copy_from_slice(&AUDIT_ARCH_X86_64.to_ne_bytes());
        info[8..16].copy_from_slice(&view.rip.to_ne_bytes());
        info[16..24].copy_from_slice(&view.rsp.to_ne_bytes());
        // Without PTRACE_O_TRACESYSGOOD every stop is NONE (measured on 6.18).
        info[0] = syscall_info_op(s, stop);
        let full = match c_int::from(info[0]) {
            PTRACE_SYSCALL_INFO_ENTRY => {
                info[24..32].copy_from_slice(&view.orig_rax.to_ne_bytes());
                for (dst, arg) in info[32..80].chunks_exact_mut(8).zip(view.syscall_args()) {
                    dst.copy_from_slice(&arg.to_ne_bytes());
                }
                80
            }
            PTRACE_SYSCALL_INFO_EXIT => {
                let rval = view.rax as i64;
                info[24..32].copy_from_slice(&rval.to_ne_bytes());
                info[32] = u8::from((-4095..0).contains(&rval));
                33
            }
            _ => 24,
        };
        Ok((info, full))
    })
}

/// The op of `__ptrace_syscall_info` at this stop: ENTRY or EXIT at a syscall stop Linux
/// recognises as one (by its `SIGTRAP | 0x80` code, so only with PTRACE_O_TRACESYSGOOD,
/// kernel/ptrace.c `ptrace_get_syscall_info_op`), else NONE.
fn syscall_info_op(s: &Session, stop: Stop) -> u8 {
    match stop {
        _ if s.options & PTRACE_O_TRACESYSGOOD == 0 => PTRACE_SYSCALL_INFO_NONE as u8,
        Stop::SyscallEntry => PTRACE_SYSCALL_INFO_ENTRY as u8,
        Stop::SyscallExit => PTRACE_SYSCALL_INFO_EXIT as u8,
        _ => PTRACE_SYSCALL_INFO_NONE as u8,
    }
}

/// PTRACE_SET_SYSCALL_INFO (Linux 6.16, kernel/ptrace.c `ptrace_set_syscall_info`), given the
/// caller's 88 bytes (the size and the copy are checked by the dispatch first): EINVAL for
/// the `reserved` byte or `flags`, an op other than the stop's, or a stop that is no syscall
/// stop; at an entry stop the number (ERANGE unless it is a sign-extended `int`) and, unless
/// it is -1, the arguments are set, as SETREGS sets `orig_rax` and rdi..r9; at an exit stop
/// `rax` takes `rval`, whatever `is_error` says (x86 `syscall_set_return_value`).
pub fn set_syscall_info(pid: pid_t, info: &[u8; 88]) -> Result<c_long> {
    let word = |at: usize| {
        let b = info.get(at..at + 8).and_then(|w| w.try_into().ok());
        u64::from_ne_bytes(b.unwrap_or_default())
    };
    with_stopped(pid, |s, stop| {
        if info[1] != 0 || info[2..4] != [0, 0] || info[0] != syscall_info_op(s, stop) {
            return Err(EINVAL);
        }
        let mut view = linux_regs(s, stop)?;
        match c_int::from(info[0]) {
            PTRACE_SYSCALL_INFO_ENTRY => {
                let nr = word(24);
                if nr as i32 as i64 as u64 != nr {
                    return Err(ERANGE);
                }
                view.orig_rax = nr;
                if nr != u64::MAX {
                    let mut args = [0u64; 6];
                    for (i, arg) in args.iter_mut().enumerate() {
                        *arg = word(32 + 8 * i);
                    }
                    view.set_syscall_args(args);
                }
            }
            PTRACE_SYSCALL_INFO_EXIT => view.rax = word(24),
            _ => return Err(EINVAL),
        }
        set_linux_regs(s, stop, &view).map(|()| 0)
    })
}

/// `arch_prctl` codes (asm/prctl.h).
const ARCH_SET_GS: usize = 0x1001;
const ARCH_SET_FS: usize = 0x1002;
const ARCH_GET_FS: usize = 0x1003;
const ARCH_GET_GS: usize = 0x1004;

/// Whether PTRACE_ARCH_PRCTL `code` reads a base (the dispatch then writes it to `addr`).
pub fn arch_prctl_reads(code: usize) -> bool {
    matches!(code, ARCH_GET_FS | ARCH_GET_GS)
}

/// `TASK_SIZE_MAX` on x86_64 with 4-level paging (arch/x86/include/asm/page_64_types.h): the
/// user half less its last page, the first base `ARCH_SET_FS`/`ARCH_SET_GS` refuse.
const TASK_SIZE_MAX: usize = 0x7fff_ffff_f000;

/// PTRACE_ARCH_PRCTL for the fs/gs bases, which Redox keeps in `regs/env` (§3.1): the base
/// read by a GET code, or 0 after a SET code stored `addr`. A base at or above
/// `TASK_SIZE_MAX` is EPERM before anything is read (arch/x86/kernel/process_64.c
/// `do_arch_prctl_64`); other codes are EINVAL (its `default`).
pub fn arch_prctl(pid: pid_t, code: usize, addr: usize) -> Result<u64> {
    with_stopped(pid, |s, _| {
        if matches!(code, ARCH_SET_FS | ARCH_SET_GS) && addr >= TASK_SIZE_MAX {
            return Err(EPERM);
        }
        let mut env = files::read_env(s)?;
        match code {
            ARCH_GET_FS => Ok(env.fsbase),
            ARCH_GET_GS => Ok(env.gsbase),
            ARCH_SET_FS | ARCH_SET_GS => {
                if code == ARCH_SET_FS {
                    env.fsbase = addr as u64;
                } else {
                    env.gsbase = addr as u64;
                }
                // Non-canonical bases are refused with EINVAL (§3.2).
                files::write_env(s, env).map(|()| 0)
            }
            _ => Err(EINVAL),
        }
    })
}
