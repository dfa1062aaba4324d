//! Requests whose number or existence depends on the architecture. Request numbers collide
//! across architectures (33 is `PTRACE_SINGLEBLOCK` on x86 and `PTRACE_PEEKMTETAGS` on arm64),
//! so each architecture gets exactly glibc's set (`sysdeps/unix/sysv/linux/{x86,aarch64}/sys/ptrace.h`)
//! plus the kernel's newer additions.

use core::ffi::c_int;

/// Read the general-purpose registers into `struct user_regs_struct` at `data`.
#[cfg(target_arch = "x86_64")]
pub const PTRACE_GETREGS: c_int = 12;
/// Write the general-purpose registers from `struct user_regs_struct` at `data`.
#[cfg(target_arch = "x86_64")]
pub const PTRACE_SETREGS: c_int = 13;
/// Read the FPU registers into `struct user_fpregs_struct` at `data`.
#[cfg(target_arch = "x86_64")]
pub const PTRACE_GETFPREGS: c_int = 14;
/// Write the FPU registers from `struct user_fpregs_struct` at `data`.
#[cfg(target_arch = "x86_64")]
pub const PTRACE_SETFPREGS: c_int = 15;
/// Read the FXSAVE area of a 32-bit tracee.
#[cfg(target_arch = "x86_64")]
pub const PTRACE_GETFPXREGS: c_int = 18;
/// Write the FXSAVE area of a 32-bit tracee.
#[cfg(target_arch = "x86_64")]
pub const PTRACE_SETFPXREGS: c_int = 19;
/// Old number of `PTRACE_SETOPTIONS` (kernel `asm/ptrace-abi.h`).
#[cfg(target_arch = "x86_64")]
pub const PTRACE_OLDSETOPTIONS: c_int = 21;
/// Read the GDT TLS entry `addr` into `struct user_desc` at `data`.
#[cfg(target_arch = "x86_64")]
pub const PTRACE_GET_THREAD_AREA: c_int = 25;
/// Write the GDT TLS entry `addr` from `struct user_desc` at `data`.
#[cfg(target_arch = "x86_64")]
pub const PTRACE_SET_THREAD_AREA: c_int = 26;
/// `arch_prctl(2)` on the tracee: `data` is the code, `addr` the value or result pointer.
#[cfg(target_arch = "x86_64")]
pub const PTRACE_ARCH_PRCTL: c_int = 30;
/// Restart and stop at the next syscall entry, which is then not executed.
pub const PTRACE_SYSEMU: c_int = 31;
/// As `PTRACE_SYSEMU`, but also stop after one instruction.
pub const PTRACE_SYSEMU_SINGLESTEP: c_int = 32;
/// Restart and stop at the next taken branch.
#[cfg(target_arch = "x86_64")]
pub const PTRACE_SINGLEBLOCK: c_int = 33;
/// Read MTE allocation tags (arm64 with MTE).
#[cfg(target_arch = "aarch64")]
pub const PTRACE_PEEKMTETAGS: c_int = 33;
/// Write MTE allocation tags (arm64 with MTE).
#[cfg(target_arch = "aarch64")]
pub const PTRACE_POKEMTETAGS: c_int = 34;

/// BSD-style alias of `PTRACE_GETREGS`.
#[cfg(target_arch = "x86_64")]
pub const PT_GETREGS: c_int = PTRACE_GETREGS;
/// BSD-style alias of `PTRACE_SETREGS`.
#[cfg(target_arch = "x86_64")]
pub const PT_SETREGS: c_int = PTRACE_SETREGS;
/// BSD-style alias of `PTRACE_GETFPREGS`.
#[cfg(target_arch = "x86_64")]
pub const PT_GETFPREGS: c_int = PTRACE_GETFPREGS;
/// BSD-style alias of `PTRACE_SETFPREGS`.
#[cfg(target_arch = "x86_64")]
pub const PT_SETFPREGS: c_int = PTRACE_SETFPREGS;
/// BSD-style alias of `PTRACE_GETFPXREGS`.
#[cfg(target_arch = "x86_64")]
pub const PT_GETFPXREGS: c_int = PTRACE_GETFPXREGS;
/// BSD-style alias of `PTRACE_SETFPXREGS`.
#[cfg(target_arch = "x86_64")]
pub const PT_SETFPXREGS: c_int = PTRACE_SETFPXREGS;
/// BSD-style alias of `PTRACE_GET_THREAD_AREA`.
#[cfg(target_arch = "x86_64")]
pub const PT_GET_THREAD_AREA: c_int = PTRACE_GET_THREAD_AREA;
/// BSD-style alias of `PTRACE_SET_THREAD_AREA`.
#[cfg(target_arch = "x86_64")]
pub const PT_SET_THREAD_AREA: c_int = PTRACE_SET_THREAD_AREA;
/// BSD-style alias of `PTRACE_ARCH_PRCTL`.
#[cfg(target_arch = "x86_64")]
pub const PT_ARCH_PRCTL: c_int = PTRACE_ARCH_PRCTL;
/// BSD-style alias of `PTRACE_SYSEMU`.
pub const PT_SYSEMU: c_int = PTRACE_SYSEMU;
/// BSD-style alias of `PTRACE_SYSEMU_SINGLESTEP`.
pub const PT_SYSEMU_SINGLESTEP: c_int = PTRACE_SYSEMU_SINGLESTEP;
/// BSD-style alias of `PTRACE_SINGLEBLOCK`.
#[cfg(target_arch = "x86_64")]
pub const PT_STEPBLOCK: c_int = PTRACE_SINGLEBLOCK;
/// BSD-style alias of `PTRACE_PEEKMTETAGS`.
#[cfg(target_arch = "aarch64")]
pub const PT_PEEKMTETAGS: c_int = PTRACE_PEEKMTETAGS;
/// BSD-style alias of `PTRACE_POKEMTETAGS`.
#[cfg(target_arch = "aarch64")]
pub const PT_POKEMTETAGS: c_int = PTRACE_POKEMTETAGS;
