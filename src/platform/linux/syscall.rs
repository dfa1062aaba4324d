//! The raw Linux system call, and the syscall numbers this library uses (the only place they
//! are written down).

use crate::errno::{Result, decode_raw};

/// `ptrace` (arch/x86/entry/syscalls/syscall_64.tbl; include/uapi/asm-generic/unistd.h).
#[cfg(target_arch = "x86_64")]
pub const SYS_PTRACE: usize = 101;
/// `wait4`.
#[cfg(target_arch = "x86_64")]
pub const SYS_WAIT4: usize = 61;
/// `ptrace` (asm-generic table, used by arm64).
#[cfg(target_arch = "aarch64")]
pub const SYS_PTRACE: usize = 117;
/// `wait4`.
#[cfg(target_arch = "aarch64")]
pub const SYS_WAIT4: usize = 260;

/// The calls the `redox-emulator` build makes to reach `redox-proc-emu` and to control
/// processes (arch/x86/entry/syscalls/syscall_64.tbl; include/uapi/asm-generic/unistd.h).
#[cfg(target_arch = "x86_64")]
pub mod nr {
    /// `close`.
    pub const CLOSE: usize = 3;
    /// `rt_sigprocmask`.
    pub const RT_SIGPROCMASK: usize = 14;
    /// `getuid`.
    pub const GETUID: usize = 102;
    /// `rt_sigqueueinfo`.
    pub const RT_SIGQUEUEINFO: usize = 129;
    /// `futex`.
    pub const FUTEX: usize = 202;
    /// `gettid`.
    pub const GETTID: usize = 186;
    /// `openat`.
    pub const OPENAT: usize = 257;
    /// `read`.
    pub const READ: usize = 0;
    /// `waitid`.
    pub const WAITID: usize = 247;
    /// `rt_tgsigqueueinfo`.
    pub const RT_TGSIGQUEUEINFO: usize = 297;
    /// `process_vm_readv`.
    pub const PROCESS_VM_READV: usize = 310;
    /// `process_vm_writev`.
    pub const PROCESS_VM_WRITEV: usize = 311;
    /// `getpid`.
    pub const GETPID: usize = 39;
    /// `socket`.
    pub const SOCKET: usize = 41;
    /// `connect`.
    pub const CONNECT: usize = 42;
    /// `sendto`.
    pub const SENDTO: usize = 44;
    /// `recvfrom`.
    pub const RECVFROM: usize = 45;
    /// `getsockopt`.
    pub const GETSOCKOPT: usize = 55;
    /// `getppid`.
    pub const GETPPID: usize = 110;
    /// `getpgid`.
    pub const GETPGID: usize = 121;
    /// `execve` and `execveat`, as a tracee makes them.
    pub const EXEC: [u64; 2] = [59, 322];
    /// `clone`, `vfork` and `clone3`, as a tracee makes them.
    pub const CLONE: u64 = 56;
    /// See [`CLONE`].
    pub const VFORK: u64 = 58;
    /// See [`CLONE`].
    pub const CLONE3: u64 = 435;
}
/// See the x86_64 variant.
#[cfg(target_arch = "aarch64")]
pub mod nr {
    /// `close`.
    pub const CLOSE: usize = 57;
    /// `rt_sigprocmask`.
    pub const RT_SIGPROCMASK: usize = 135;
    /// `getuid`.
    pub const GETUID: usize = 174;
    /// `rt_sigqueueinfo`.
    pub const RT_SIGQUEUEINFO: usize = 138;
    /// `futex`.
    pub const FUTEX: usize = 98;
    /// `gettid`.
    pub const GETTID: usize = 178;
    /// `openat`.
    pub const OPENAT: usize = 56;
    /// `read`.
    pub const READ: usize = 63;
    /// `waitid`.
    pub const WAITID: usize = 95;
    /// `rt_tgsigqueueinfo`.
    pub const RT_TGSIGQUEUEINFO: usize = 240;
    /// `process_vm_readv`.
    pub const PROCESS_VM_READV: usize = 270;
    /// `process_vm_writev`.
    pub const PROCESS_VM_WRITEV: usize = 271;
    /// `getpid`.
    pub const GETPID: usize = 172;
    /// `socket`.
    pub const SOCKET: usize = 198;
    /// `connect`.
    pub const CONNECT: usize = 203;
    /// `sendto`.
    pub const SENDTO: usize = 206;
    /// `recvfrom`.
    pub const RECVFROM: usize = 207;
    /// `getsockopt`.
    pub const GETSOCKOPT: usize = 209;
    /// `getppid`.
    pub const GETPPID: usize = 173;
    /// `getpgid`.
    pub const GETPGID: usize = 155;
    /// `execve` and `execveat`, as a tracee makes them.
    pub const EXEC: [u64; 2] = [221, 281];
    /// `clone` and `clone3`, as a tracee makes them (aarch64 has no `vfork`).
    pub const CLONE: u64 = 220;
    /// See [`CLONE`].
    pub const CLONE3: u64 = 435;
}

/// Makes system call `nr` with four arguments and decodes the result: the kernel returns
/// -4095..=-1 for an error (`-errno`), anything else is a value.
///
/// # Safety
/// The arguments must be valid for the system call `nr`; the kernel checks user pointers, but
/// a call that changes this process's memory (not one used here) would need more.
#[inline]
pub unsafe fn syscall4(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> Result<usize> {
    let ret: usize;
    // SAFETY: the Linux syscall ABI for this arch: number and arguments in the registers the
    // kernel reads, the registers it clobbers declared, no stack use.
    #[cfg(target_arch = "x86_64")]
    unsafe {
        core::arch::asm!(
            "syscall",
            inlateout("rax") nr => ret,
            in("rdi") a0,
            in("rsi") a1,
            in("rdx") a2,
            in("r10") a3,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    // SAFETY: as above, for arm64 (`svc #0`, number in x8, result in x0).
    #[cfg(target_arch = "aarch64")]
    unsafe {
        core::arch::asm!(
            "svc 0",
            in("x8") nr,
            inlateout("x0") a0 => ret,
            in("x1") a1,
            in("x2") a2,
            in("x3") a3,
            options(nostack),
        );
    }
    decode_raw(ret)
}

/// As [`syscall4`], with six arguments (x86_64: r10, r8, r9; aarch64: x4, x5).
///
/// # Safety
/// As [`syscall4`].
#[inline]
pub unsafe fn syscall6(nr: usize, args: [usize; 6]) -> Result<usize> {
    let ret: usize;
    let [a0, a1, a2, a3, a4, a5] = args;
    // SAFETY: the Linux syscall ABI for this arch, as in syscall4.
    #[cfg(target_arch = "x86_64")]
    unsafe {
        core::arch::asm!(
            "syscall",
            inlateout("rax") nr => ret,
            in("rdi") a0,
            in("rsi") a1,
            in("rdx") a2,
            in("r10") a3,
            in("r8") a4,
            in("r9") a5,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    // SAFETY: as above, for arm64.
    #[cfg(target_arch = "aarch64")]
    unsafe {
        core::arch::asm!(
            "svc 0",
            in("x8") nr,
            inlateout("x0") a0 => ret,
            in("x1") a1,
            in("x2") a2,
            in("x3") a3,
            in("x4") a4,
            in("x5") a5,
            options(nostack),
        );
    }
    decode_raw(ret)
}
