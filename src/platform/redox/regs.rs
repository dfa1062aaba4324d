//! Linux register views over Redox register files, on x86_64.
//!
//! Linux `struct user_regs_struct` (arch/x86/include/asm/user_64.h) is built field by field
//! from Redox `IntRegisters` and `EnvRegisters` (redox_syscall `arch/x86_64.rs`, taken from
//! that crate by name). `orig_rax` does not exist on Redox and is emulated by the session
//! (docs/redox-protocol.md §9.1.7). `user_fpregs_struct` is the 512-byte FXSAVE image whose
//! first 416 bytes are Redox `FloatRegisters` byte for byte (§3.1).
#![forbid(unsafe_code)]

use syscall::{EnvRegisters, FloatRegisters, IntRegisters};

/// Bytes in Redox `FloatRegisters`.
pub const REDOX_FLOAT_BYTES: usize = size_of::<FloatRegisters>();
/// Bytes in Linux `struct user_fpregs_struct` (x86_64).
pub const LINUX_FPREGS_BYTES: usize = 512;
/// Bytes in Linux `struct user_regs_struct` (x86_64).
pub const LINUX_REGS_BYTES: usize = size_of::<UserRegs>();
/// Bytes in the kernel's x86_64 `struct user`: PEEKUSER/POKEUSER offsets must be below this
/// (arch/x86/include/asm/user_64.h).
pub const LINUX_USER_BYTES: usize = 928;
/// Offset of `u_debugreg[0]` in the kernel's `struct user`.
pub const LINUX_DR0: usize = 0x350;

const _: () = assert!(REDOX_FLOAT_BYTES == 416 && LINUX_REGS_BYTES == 27 * 8);

/// Defines [`UserRegs`] from its field list, given once: the structure and its conversions to
/// and from its words in order.
macro_rules! user_regs {
    ($($field:ident),* $(,)?) => {
        /// Linux `struct user_regs_struct` (x86_64), field for field.
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        #[repr(C)]
        #[allow(missing_docs)] // The kernel's own names.
        pub struct UserRegs {
            $(pub $field: u64,)*
        }

        impl UserRegs {
            /// The structure's words, in its order.
            pub fn words(self) -> [u64; 27] {
                let UserRegs { $($field,)* } = self;
                [$($field,)*]
            }

            /// The structure from its words, in its order.
            pub fn from_words(w: [u64; 27]) -> Self {
                let [$($field,)*] = w;
                UserRegs { $($field,)* }
            }
        }
    };
}

user_regs!(
    r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi, orig_rax, rip, cs,
    eflags, rsp, ss, fs_base, gs_base, ds, es, fs, gs,
);

impl UserRegs {
    /// The C structure's bytes (native endian).
    pub fn to_bytes(self) -> [u8; LINUX_REGS_BYTES] {
        let mut out = [0u8; LINUX_REGS_BYTES];
        for (chunk, w) in out.chunks_exact_mut(8).zip(self.words()) {
            chunk.copy_from_slice(&w.to_ne_bytes());
        }
        out
    }

    /// The structure from the C structure's bytes.
    pub fn from_bytes(bytes: &[u8; LINUX_REGS_BYTES]) -> Self {
        let mut w = [0u64; 27];
        for (word, chunk) in w.iter_mut().zip(bytes.chunks_exact(8)) {
            let mut b = [0u8; 8];
            b.copy_from_slice(chunk);
            *word = u64::from_ne_bytes(b);
        }
        Self::from_words(w)
    }

    /// The word at byte `offset` of the kernel's `struct user`, whose first member is this
    /// structure; None past it.
    pub fn word_at(self, offset: usize) -> Option<u64> {
        self.words().get(offset / 8).copied()
    }

    /// Replaces the word at byte `offset`, as [`UserRegs::word_at`]; false past the structure.
    pub fn set_word_at(&mut self, offset: usize, value: u64) -> bool {
        let mut w = self.words();
        let Some(slot) = w.get_mut(offset / 8) else {
            return false;
        };
        *slot = value;
        *self = Self::from_words(w);
        true
    }

    /// The syscall arguments in Linux's order: rdi, rsi, rdx, r10, r8, r9 (syscall(2)).
    pub fn syscall_args(self) -> [u64; 6] {
        [self.rdi, self.rsi, self.rdx, self.r10, self.r8, self.r9]
    }

    /// Replaces the syscall arguments, in the order of [`UserRegs::syscall_args`].
    pub fn set_syscall_args(&mut self, args: [u64; 6]) {
        [self.rdi, self.rsi, self.rdx, self.r10, self.r8, self.r9] = args;
    }
}

/// The Linux view of Redox registers. `orig_rax` is supplied by the caller (the syscall
/// number while in a syscall stop, else -1); `fs_base`/`gs_base` come from `regs/env`. ds,
/// es, fs, gs: Redox keeps no data segment selectors; 64-bit Linux processes run with all four
/// at 0, which is what is reported.
pub fn to_linux(int: &IntRegisters, env: &EnvRegisters, orig_rax: u64) -> UserRegs {
    let r = |v: usize| v as u64;
    UserRegs {
        r15: r(int.r15),
        r14: r(int.r14),
        r13: r(int.r13),
        r12: r(int.r12),
        rbp: r(int.rbp),
        rbx: r(int.rbx),
        r11: r(int.r11),
        r10: r(int.r10),
        r9: r(int.r9),
        r8: r(int.r8),
        rax: r(int.rax),
        rcx: r(int.rcx),
        rdx: r(int.rdx),
        rsi: r(int.rsi),
        rdi: r(int.rdi),
        orig_rax,
        rip: r(int.rip),
        cs: r(int.cs),
        eflags: r(int.rflags),
        rsp: r(int.rsp),
        ss: r(int.ss),
        fs_base: env.fsbase,
        gs_base: env.gsbase,
        ds: 0,
        es: 0,
        fs: 0,
        gs: 0,
    }
}

/// Redox integer registers from a Linux view (`orig_rax`, the bases and the data segment
/// selectors are the caller's business; cs and ss are ignored by the v2020 kernel on write,
/// §3.2).
pub fn from_linux(u: &UserRegs) -> IntRegisters {
    let r = |v: u64| v as usize;
    IntRegisters {
        r15: r(u.r15),
        r14: r(u.r14),
        r13: r(u.r13),
        r12: r(u.r12),
        rbp: r(u.rbp),
        rbx: r(u.rbx),
        r11: r(u.r11),
        r10: r(u.r10),
        r9: r(u.r9),
        r8: r(u.r8),
        rax: r(u.rax),
        rcx: r(u.rcx),
        rdx: r(u.rdx),
        rsi: r(u.rsi),
        rdi: r(u.rdi),
        rip: r(u.rip),
        cs: r(u.cs),
        rflags: r(u.eflags),
        rsp: r(u.rsp),
        ss: r(u.ss),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linux_view_round_trips_through_redox_registers() {
        let int = IntRegisters {
            rax: 110,
            rip: 115,
            rsp: 118,
            r15: 100,
            ..Default::default()
        };
        let env = EnvRegisters {
            fsbase: 7,
            gsbase: 8,
        };
        let l = to_linux(&int, &env, 59);
        assert_eq!(
            (l.r15, l.rax, l.orig_rax, l.rip, l.rsp),
            (100, 110, 59, 115, 118)
        );
        assert_eq!((l.fs_base, l.gs_base), (7, 8));
        // Offsets of the kernel's `struct user`: rax at 80, orig_rax at 120, rip at 128.
        assert_eq!(l.word_at(80), Some(110));
        assert_eq!(l.word_at(120), Some(59));
        assert_eq!(l.word_at(128), Some(115));
        assert_eq!(UserRegs::from_bytes(&l.to_bytes()), l);
        let back = from_linux(&l);
        assert_eq!(
            (back.rax, back.rip, back.rsp, back.r15),
            (110, 115, 118, 100)
        );
    }
}
