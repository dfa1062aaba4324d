//! `sys/ptrace.h` implementation: the request numbers, options, event codes and argument
//! structures of Linux `ptrace(2)`, and the exported `ptrace` function.
//!
//! The constants follow glibc's `<sys/ptrace.h>` (x86_64 and aarch64 variants) and the kernel's
//! `include/uapi/linux/ptrace.h`; the `PT_*` aliases are glibc's. Everything here is printed into
//! `include/sys/ptrace.h` by cbindgen (see `cbindgen.toml`); arch-only requests are in [`arch`].
//!
//! See <https://man7.org/linux/man-pages/man2/ptrace.2.html>.

use core::ffi::{c_int, c_long, c_void};

use crate::errno::{ResultExt, set_errno};
use crate::platform::{Pal, Sys, types::pid_t};

pub mod arch;
pub use arch::*;

/// Indicate that this process is to be traced by its parent.
pub const PTRACE_TRACEME: c_int = 0;
/// Read a word at `addr` in the tracee's text.
pub const PTRACE_PEEKTEXT: c_int = 1;
/// Read a word at `addr` in the tracee's data.
pub const PTRACE_PEEKDATA: c_int = 2;
/// Read a word at offset `addr` in the tracee's USER area (`struct user`).
pub const PTRACE_PEEKUSER: c_int = 3;
/// Write the word `data` at `addr` in the tracee's text.
pub const PTRACE_POKETEXT: c_int = 4;
/// Write the word `data` at `addr` in the tracee's data.
pub const PTRACE_POKEDATA: c_int = 5;
/// Write the word `data` at offset `addr` in the tracee's USER area.
pub const PTRACE_POKEUSER: c_int = 6;
/// Restart the stopped tracee, delivering signal `data` (0 for none).
pub const PTRACE_CONT: c_int = 7;
/// Send the tracee SIGKILL (deprecated: use `kill(pid, SIGKILL)`).
pub const PTRACE_KILL: c_int = 8;
/// Restart the tracee and stop it after one instruction.
pub const PTRACE_SINGLESTEP: c_int = 9;
/// Attach to `pid` and send it SIGSTOP.
pub const PTRACE_ATTACH: c_int = 16;
/// Restart the stopped tracee as for `PTRACE_CONT`, detaching first.
pub const PTRACE_DETACH: c_int = 17;
/// Restart the tracee and stop it at the next entry to or exit from a system call.
pub const PTRACE_SYSCALL: c_int = 24;
/// Set the `PTRACE_O_*` options in `data` (0x4200).
pub const PTRACE_SETOPTIONS: c_int = 0x4200;
/// Store the message of the current ptrace event at `*(unsigned long *)data` (0x4201).
pub const PTRACE_GETEVENTMSG: c_int = 0x4201;
/// Copy the siginfo of the signal that caused the stop to `data` (0x4202).
pub const PTRACE_GETSIGINFO: c_int = 0x4202;
/// Replace the siginfo of the stop with the one at `data` (0x4203).
pub const PTRACE_SETSIGINFO: c_int = 0x4203;
/// Read the register set `addr` (an `NT_*` type) into the `struct iovec` at `data` (0x4204).
pub const PTRACE_GETREGSET: c_int = 0x4204;
/// Write the register set `addr` from the `struct iovec` at `data` (0x4205).
pub const PTRACE_SETREGSET: c_int = 0x4205;
/// Attach to `pid` without stopping it; `data` holds `PTRACE_O_*` options (0x4206).
pub const PTRACE_SEIZE: c_int = 0x4206;
/// Stop a seized tracee (0x4207).
pub const PTRACE_INTERRUPT: c_int = 0x4207;
/// Restart a seized tracee in group-stop, keeping it stopped until a signal (0x4208).
pub const PTRACE_LISTEN: c_int = 0x4208;
/// Read pending siginfos without dequeuing them (0x4209).
pub const PTRACE_PEEKSIGINFO: c_int = 0x4209;
/// Read the tracee's blocked-signal mask; `addr` is the kernel sigset size, 8 (0x420a).
pub const PTRACE_GETSIGMASK: c_int = 0x420a;
/// Replace the tracee's blocked-signal mask; `addr` is the kernel sigset size, 8 (0x420b).
pub const PTRACE_SETSIGMASK: c_int = 0x420b;
/// Dump the tracee's classic BPF seccomp filter number `addr` (0x420c).
pub const PTRACE_SECCOMP_GET_FILTER: c_int = 0x420c;
/// Read the flags of a seccomp filter (0x420d).
pub const PTRACE_SECCOMP_GET_METADATA: c_int = 0x420d;
/// Describe the system call that caused the stop (0x420e, Linux 5.3).
pub const PTRACE_GET_SYSCALL_INFO: c_int = 0x420e;
/// Read the tracee's rseq registration (0x420f, Linux 5.13).
pub const PTRACE_GET_RSEQ_CONFIGURATION: c_int = 0x420f;
/// Configure syscall user dispatch for the tracee (0x4210, Linux 6.4).
pub const PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG: c_int = 0x4210;
/// Read the tracee's syscall user dispatch configuration (0x4211, Linux 6.4).
pub const PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG: c_int = 0x4211;
/// Change the system call of the stop (number, arguments or return value) from the
/// `__ptrace_syscall_info` at `data`, `addr` being its size (0x4212, Linux 6.16; kernel
/// `kernel/ptrace.c` `ptrace_set_syscall_info`).
pub const PTRACE_SET_SYSCALL_INFO: c_int = 0x4212;

/// Kernel spelling of `PTRACE_PEEKUSER`.
pub const PTRACE_PEEKUSR: c_int = PTRACE_PEEKUSER;
/// Kernel spelling of `PTRACE_POKEUSER`.
pub const PTRACE_POKEUSR: c_int = PTRACE_POKEUSER;

/// BSD-style alias of `PTRACE_TRACEME`.
pub const PT_TRACE_ME: c_int = PTRACE_TRACEME;
/// BSD-style alias of `PTRACE_PEEKTEXT`.
pub const PT_READ_I: c_int = PTRACE_PEEKTEXT;
/// BSD-style alias of `PTRACE_PEEKDATA`.
pub const PT_READ_D: c_int = PTRACE_PEEKDATA;
/// BSD-style alias of `PTRACE_PEEKUSER`.
pub const PT_READ_U: c_int = PTRACE_PEEKUSER;
/// BSD-style alias of `PTRACE_POKETEXT`.
pub const PT_WRITE_I: c_int = PTRACE_POKETEXT;
/// BSD-style alias of `PTRACE_POKEDATA`.
pub const PT_WRITE_D: c_int = PTRACE_POKEDATA;
/// BSD-style alias of `PTRACE_POKEUSER`.
pub const PT_WRITE_U: c_int = PTRACE_POKEUSER;
/// BSD-style alias of `PTRACE_CONT`.
pub const PT_CONTINUE: c_int = PTRACE_CONT;
/// BSD-style alias of `PTRACE_KILL`.
pub const PT_KILL: c_int = PTRACE_KILL;
/// BSD-style alias of `PTRACE_SINGLESTEP`.
pub const PT_STEP: c_int = PTRACE_SINGLESTEP;
/// BSD-style alias of `PTRACE_ATTACH`.
pub const PT_ATTACH: c_int = PTRACE_ATTACH;
/// BSD-style alias of `PTRACE_DETACH`.
pub const PT_DETACH: c_int = PTRACE_DETACH;
/// BSD-style alias of `PTRACE_SYSCALL`.
pub const PT_SYSCALL: c_int = PTRACE_SYSCALL;
/// BSD-style alias of `PTRACE_SETOPTIONS`.
pub const PT_SETOPTIONS: c_int = PTRACE_SETOPTIONS;
/// BSD-style alias of `PTRACE_GETEVENTMSG`.
pub const PT_GETEVENTMSG: c_int = PTRACE_GETEVENTMSG;
/// BSD-style alias of `PTRACE_GETSIGINFO`.
pub const PT_GETSIGINFO: c_int = PTRACE_GETSIGINFO;
/// BSD-style alias of `PTRACE_SETSIGINFO`.
pub const PT_SETSIGINFO: c_int = PTRACE_SETSIGINFO;

/// Wait-status event codes (bits 16..23 of the status of an event stop).
pub const PTRACE_EVENT_FORK: c_int = 1;
/// The tracee called `vfork`.
pub const PTRACE_EVENT_VFORK: c_int = 2;
/// The tracee called `clone`.
pub const PTRACE_EVENT_CLONE: c_int = 3;
/// The tracee called `execve`.
pub const PTRACE_EVENT_EXEC: c_int = 4;
/// The `vfork` child of the tracee released it.
pub const PTRACE_EVENT_VFORK_DONE: c_int = 5;
/// The tracee is about to exit.
pub const PTRACE_EVENT_EXIT: c_int = 6;
/// A seccomp filter returned `SECCOMP_RET_TRACE`.
pub const PTRACE_EVENT_SECCOMP: c_int = 7;
/// A group-stop or `PTRACE_INTERRUPT` stop of a seized tracee.
pub const PTRACE_EVENT_STOP: c_int = 128;

/// Report syscall stops with `SIGTRAP | 0x80`.
pub const PTRACE_O_TRACESYSGOOD: c_int = 1;
/// Stop at `fork` and trace the child.
pub const PTRACE_O_TRACEFORK: c_int = 1 << PTRACE_EVENT_FORK;
/// Stop at `vfork` and trace the child.
pub const PTRACE_O_TRACEVFORK: c_int = 1 << PTRACE_EVENT_VFORK;
/// Stop at `clone` and trace the new task.
pub const PTRACE_O_TRACECLONE: c_int = 1 << PTRACE_EVENT_CLONE;
/// Stop at `execve` with `PTRACE_EVENT_EXEC`.
pub const PTRACE_O_TRACEEXEC: c_int = 1 << PTRACE_EVENT_EXEC;
/// Stop when a `vfork` child releases the tracee.
pub const PTRACE_O_TRACEVFORKDONE: c_int = 1 << PTRACE_EVENT_VFORK_DONE;
/// Stop before the tracee exits.
pub const PTRACE_O_TRACEEXIT: c_int = 1 << PTRACE_EVENT_EXIT;
/// Stop when a seccomp filter returns `SECCOMP_RET_TRACE`.
pub const PTRACE_O_TRACESECCOMP: c_int = 1 << PTRACE_EVENT_SECCOMP;
/// Kill the tracee with SIGKILL when the tracer exits.
pub const PTRACE_O_EXITKILL: c_int = 1 << 20;
/// Suspend the tracee's seccomp protections (needs CAP_SYS_ADMIN).
pub const PTRACE_O_SUSPEND_SECCOMP: c_int = 1 << 21;
/// Every valid option bit (0x3000ff).
pub const PTRACE_O_MASK: c_int = 0x0000_00ff | PTRACE_O_EXITKILL | PTRACE_O_SUSPEND_SECCOMP;

/// `PTRACE_GETEVENTMSG` at a syscall-entry stop (Linux 5.3).
pub const PTRACE_EVENTMSG_SYSCALL_ENTRY: c_int = 1;
/// `PTRACE_GETEVENTMSG` at a syscall-exit stop (Linux 5.3).
pub const PTRACE_EVENTMSG_SYSCALL_EXIT: c_int = 2;

/// `PTRACE_PEEKSIGINFO` flag: read the process-wide queue instead of the thread's.
pub const PTRACE_PEEKSIGINFO_SHARED: c_int = 1;

/// `__ptrace_syscall_info.op`: the stop is not a syscall stop.
pub const PTRACE_SYSCALL_INFO_NONE: c_int = 0;
/// `__ptrace_syscall_info.op`: syscall-entry stop.
pub const PTRACE_SYSCALL_INFO_ENTRY: c_int = 1;
/// `__ptrace_syscall_info.op`: syscall-exit stop.
pub const PTRACE_SYSCALL_INFO_EXIT: c_int = 2;
/// `__ptrace_syscall_info.op`: `PTRACE_EVENT_SECCOMP` stop.
pub const PTRACE_SYSCALL_INFO_SECCOMP: c_int = 3;

/// Argument of `PTRACE_PEEKSIGINFO`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct __ptrace_peeksiginfo_args {
    /// Index of the first siginfo to copy.
    pub off: u64,
    /// 0 or `PTRACE_PEEKSIGINFO_SHARED`.
    pub flags: u32,
    /// How many siginfos to copy.
    pub nr: i32,
}

/// Argument and result of `PTRACE_SECCOMP_GET_METADATA`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct __ptrace_seccomp_metadata {
    /// Input: which filter (0 = the newest).
    pub filter_off: u64,
    /// Output: the filter's flags.
    pub flags: u64,
}

/// Result of `PTRACE_GET_RSEQ_CONFIGURATION`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct __ptrace_rseq_configuration {
    /// Address of the registered `struct rseq`.
    pub rseq_abi_pointer: u64,
    /// Its registered size.
    pub rseq_abi_size: u32,
    /// The abort signature.
    pub signature: u32,
    /// Registration flags.
    pub flags: u32,
    /// Padding, zero.
    pub pad: u32,
}

/// Argument of `PTRACE_{SET,GET}_SYSCALL_USER_DISPATCH_CONFIG` (kernel `struct ptrace_sud_config`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct __ptrace_sud_config {
    /// `PR_SYS_DISPATCH_*` mode.
    pub mode: u64,
    /// Address of the selector byte.
    pub selector: u64,
    /// Start of the region that is always allowed.
    pub offset: u64,
    /// Length of that region.
    pub len: u64,
}

/// `ptrace(request, pid, addr, data)`—trace and control another process, as Linux `ptrace(2)`.
///
/// `PTRACE_PEEKTEXT`, `PTRACE_PEEKDATA` and `PTRACE_PEEKUSER` return the word read and set
/// `errno` to 0 (glibc's convention; musl leaves `errno` alone, so callers written for either
/// work). Every other request returns what the kernel returns, 0 for most.
///
/// # ABI
/// C sees `long ptrace(int request, ...)`; this definition has four fixed arguments because
/// stable Rust cannot define a variadic function (rust-lang/rust#44930). On the x86_64 System V
/// ABI and on AAPCS64 as used by Linux and Redox, variadic integer and pointer arguments travel
/// in the same registers as named ones (rdi, rsi, rdx, rcx / x0..x3), and the `%al` vector count
/// an x86_64 caller sets is ignored by a non-variadic callee. glibc and musl also read exactly
/// three arguments after `request` whatever the request, so a caller that passes fewer gets the
/// same (ignored) register contents here as there.
///
/// # Errors
/// -1 with `errno`: `EIO` for an unknown request, a bad signal or unmapped tracee memory;
/// `ESRCH` for a pid that is not a stopped tracee of the caller; `EFAULT` for a bad buffer;
/// `EINVAL` for bad options or sizes; `EPERM` when tracing is not allowed; `ENOSYS` when the
/// platform has no ptrace at all (a Redox without the `proc:` trace handle).
///
/// # Safety
/// `addr` and `data` must be what `request` expects (see ptrace(2)); pointers may be NULL or
/// invalid, in which case the call fails with `EFAULT` as on Linux.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ptrace(
    request: c_int,
    pid: pid_t,
    addr: *mut c_void,
    data: *mut c_void,
) -> c_long {
    match request {
        PTRACE_PEEKTEXT | PTRACE_PEEKDATA | PTRACE_PEEKUSER => {
            match Sys::peek(request, pid, addr as usize) {
                Ok(word) => {
                    // glibc `sysdeps/unix/sysv/linux/ptrace.c`: a successful PEEK clears errno
                    // so that a word of -1 can be told from an error.
                    set_errno(0);
                    word
                }
                Err(e) => Err::<c_long, _>(e).or_minus_one_errno(),
            }
        }
        // SAFETY: the caller's contract above is the one Sys::ptrace requires.
        _ => unsafe { Sys::ptrace(request, pid, addr, data) }.or_minus_one_errno(),
    }
}
