//! Linux register views over Redox register files, defined once per architecture.
//!
//! x86_64: Linux `struct user_regs_struct` (27 words) is built from Redox `IntRegisters`
//! (20 words, redox_syscall `arch/x86_64.rs`) and `EnvRegisters` (fs/gs base); the first 15
//! words (r15..rdi) have the same order in both (docs/redox-protocol.md §3.1). `orig_rax` does not exist on
//! Redox and is emulated by the session (docs/redox-protocol.md §9.1.7). `user_fpregs_struct` is the 512-byte
//! FXSAVE image whose first 416 bytes are Redox `FloatRegisters` byte for byte.

use core::mem::size_of;

/// Words in Redox `IntRegisters` (x86_64).
pub const REDOX_INT_WORDS: usize = 20;
/// Bytes in Redox `FloatRegisters` (x86_64).
pub const REDOX_FLOAT_BYTES: usize = 416;
/// Bytes in Redox `EnvRegisters` (x86_64).
pub const REDOX_ENV_BYTES: usize = 16;
/// Words in Linux `struct user_regs_struct` (x86_64).
pub const LINUX_REGS_WORDS: usize = 27;
/// Bytes in Linux `struct user_fpregs_struct` (x86_64).
pub const LINUX_FPREGS_BYTES: usize = 512;
/// Bytes in the kernel's x86_64 `struct user`: PEEKUSER/POKEUSER offsets must be below this
/// (arch/x86/include/asm/user_64.h).
pub const LINUX_USER_BYTES: usize = 928;

#[cfg(target_arch = "x86_64")]
const _: () = {
    assert!(size_of::<syscall::IntRegisters>() == REDOX_INT_WORDS * 8);
    assert!(size_of::<syscall::FloatRegisters>() == REDOX_FLOAT_BYTES);
    assert!(size_of::<syscall::EnvRegisters>() == REDOX_ENV_BYTES);
};

/// Index of `rax` in both layouts.
pub const RAX: usize = 10;
/// Index of `rdi`, `rsi`, `rdx`, `r10`, `r8`, `r9` (the syscall arguments) in both layouts.
pub const SYSCALL_ARGS: [usize; 6] = [RDI, 13, 12, 7, 9, 8];
/// Index of `rdi` (the first syscall argument) in both layouts.
pub const RDI: usize = 14;
/// Linux index of `orig_rax`.
pub const L_ORIG_RAX: usize = 15;
/// Linux index of `cs`.
pub const L_CS: usize = 17;
/// Linux index of `ss`.
pub const L_SS: usize = 20;
/// Offset of `u_debugreg[6]` in the kernel's `struct user`.
pub const LINUX_DR6: usize = 0x380;
/// Linux index of `rip`.
pub const L_RIP: usize = 16;
/// Linux index of `rsp`.
pub const L_RSP: usize = 19;
/// Linux index of `fs_base`.
pub const L_FS_BASE: usize = 21;
/// Linux index of `gs_base`.
pub const L_GS_BASE: usize = 22;

/// Redox index of `rip`.
pub const R_RIP: usize = 15;

/// Linux index ↔ Redox index for rip, cs, eflags, rsp, ss (one past Linux's orig_rax).
const TAIL: [(usize, usize); 5] = [(16, 15), (17, 16), (18, 17), (19, 18), (20, 19)];

/// Redox integer registers as words.
pub type RedoxInt = [u64; REDOX_INT_WORDS];
/// Linux `user_regs_struct` as words.
pub type LinuxRegs = [u64; LINUX_REGS_WORDS];

/// The Linux view of Redox registers. `orig_rax` is supplied by the caller (the syscall
/// number while in a syscall stop, else -1); `fs_base`/`gs_base` come from `regs/env`.
pub fn to_linux(int: &RedoxInt, env: [u64; 2], orig_rax: u64) -> LinuxRegs {
    let mut out = [0u64; LINUX_REGS_WORDS];
    for (l, r) in out.iter_mut().zip(int.iter()).take(15) {
        *l = *r;
    }
    for (l, r) in TAIL {
        if let (Some(dst), Some(src)) = (out.get_mut(l), int.get(r)) {
            *dst = *src;
        }
    }
    out[L_ORIG_RAX] = orig_rax;
    out[L_FS_BASE] = env[0];
    out[L_GS_BASE] = env[1];
    // ds, es, fs, gs: Redox keeps no data segment selectors; 64-bit Linux processes run with
    // all four at 0, which is what we report.
    out
}

/// Redox registers from a Linux view (`orig_rax` and the segment selectors are the caller's
/// business; cs and ss are ignored by the v2020 kernel on write, docs/redox-protocol.md §3.2).
pub fn from_linux(regs: &LinuxRegs, int: &mut RedoxInt) {
    for (r, l) in int.iter_mut().zip(regs.iter()).take(15) {
        *r = *l;
    }
    for (l, r) in TAIL {
        if let (Some(dst), Some(src)) = (int.get_mut(r), regs.get(l)) {
            *dst = *src;
        }
    }
}

/// The `user_regs_struct` word at byte `offset` of the kernel's `struct user` (the registers
/// are its first member, arch/x86/include/asm/user_64.h).
pub fn linux_regs_index(offset: usize) -> Option<usize> {
    (offset < LINUX_REGS_WORDS * 8).then_some(offset / 8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linux_view_keeps_the_shared_prefix_and_moves_the_tail() {
        let int: RedoxInt = core::array::from_fn(|i| i as u64 + 100);
        let l = to_linux(&int, [7, 8], 59);
        assert_eq!(l[0], 100); // r15
        assert_eq!(l[RAX], 110);
        assert_eq!(l[L_ORIG_RAX], 59);
        assert_eq!(l[L_RIP], 115);
        assert_eq!(l[L_RSP], 118);
        assert_eq!(l[L_FS_BASE], 7);
        let mut back = [0u64; REDOX_INT_WORDS];
        from_linux(&l, &mut back);
        assert_eq!(back, int);
    }
}
