//! Linux's view of a Redox stop: the wait status and the siginfo a tracer sees, defined once
//! (ptrace(2) "Stopped states" and wait(2) for the encodings, kernel/ptrace.c
//! `ptrace_getsiginfo` for the siginfo).

use core::ffi::c_int;

use crate::header::sys_ptrace::{
    PTRACE_EVENT_CLONE, PTRACE_EVENT_EXEC, PTRACE_EVENT_EXIT, PTRACE_EVENT_FORK, PTRACE_EVENT_STOP,
    PTRACE_EVENT_VFORK, PTRACE_O_TRACESYSGOOD,
};

/// SIGTRAP.
pub const SIGTRAP: c_int = 5;
/// SIGKILL.
pub const SIGKILL: c_int = 9;
/// SIGCONT.
pub const SIGCONT: c_int = 18;
/// SIGSTOP.
pub const SIGSTOP: c_int = 19;

/// Whether `sig` is one whose default action stops the process (signal(7)): SIGSTOP, SIGTSTP,
/// SIGTTIN, SIGTTOU.
pub fn is_stop_signal(sig: c_int) -> bool {
    matches!(sig, SIGSTOP | 20 | 21 | 22)
}

/// `si_code` of a signal sent by `kill`.
const SI_USER: c_int = 0;
/// `si_code` of a trap raised by the kernel (int3 on x86_64).
const SI_KERNEL: c_int = 0x80;
/// `si_code` of a single-step trap.
const TRAP_TRACE: c_int = 2;

/// Why a tracee is stopped, in Linux's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The SIGSTOP stop that follows PTRACE_ATTACH or an automatic attach (clone child).
    Attached,
    /// Signal-delivery-stop for `sig` (Redox `PTRACE_STOP_SIGNAL`, `a` = signal).
    Signal(c_int),
    /// Syscall-entry-stop (Redox `PTRACE_STOP_PRE_SYSCALL`).
    SyscallEntry,
    /// Syscall-exit-stop (Redox `PTRACE_STOP_POST_SYSCALL`).
    SyscallExit,
    /// Single-step trap (Redox `PTRACE_STOP_SINGLESTEP`).
    Step,
    /// int3 trap (Redox `PTRACE_STOP_BREAKPOINT`).
    Breakpoint,
    /// The plain SIGTRAP Linux raises after a successful execve without PTRACE_O_TRACEEXEC.
    ExecTrap,
    /// A `PTRACE_EVENT_*` stop; the event message is kept in the session.
    Event(c_int),
    /// PTRACE_INTERRUPT stop of a seized tracee (`PTRACE_EVENT_STOP` with SIGTRAP).
    Interrupt,
    /// Group-stop: the tracee took a stop signal (SIGSTOP, SIGTSTP, ...) and is job-control
    /// stopped. Redox shows that only to the parent's `waitpid` (docs/redox-protocol.md §5.1).
    Group {
        /// The stop signal.
        sig: c_int,
        /// Attached with PTRACE_SEIZE (reported as `PTRACE_EVENT_STOP`).
        seized: bool,
    },
}

impl Stop {
    /// The wait status Linux reports for this stop.
    pub fn wait_status(self, options: c_int) -> c_int {
        let stopped = |sig: c_int| (sig << 8) | 0x7f;
        match self {
            Stop::Attached => stopped(SIGSTOP),
            Stop::Signal(sig) => stopped(sig),
            Stop::SyscallEntry | Stop::SyscallExit if options & PTRACE_O_TRACESYSGOOD != 0 => {
                stopped(SIGTRAP | 0x80)
            }
            Stop::SyscallEntry | Stop::SyscallExit | Stop::Step | Stop::Breakpoint => {
                stopped(SIGTRAP)
            }
            Stop::ExecTrap => stopped(SIGTRAP),
            Stop::Event(event) => stopped(SIGTRAP | (event << 8)),
            Stop::Interrupt => stopped(SIGTRAP | (PTRACE_EVENT_STOP << 8)),
            Stop::Group { sig, seized: true } => stopped(sig | (PTRACE_EVENT_STOP << 8)),
            Stop::Group { sig, seized: false } => stopped(sig),
        }
    }

    /// The `si_signo` and `si_code` PTRACE_GETSIGINFO reports (ptrace(2): syscall stops carry
    /// SIGTRAP or SIGTRAP|0x80 as si_code, event stops `SIGTRAP | event << 8`).
    pub fn siginfo_codes(self, options: c_int) -> (c_int, c_int) {
        match self {
            // PTRACE_ATTACH's SIGSTOP is sent by the kernel (SEND_SIG_PRIV).
            Stop::Attached => (SIGSTOP, SI_KERNEL),
            Stop::Signal(sig) => (sig, SI_USER),
            Stop::SyscallEntry | Stop::SyscallExit => {
                let code = if options & PTRACE_O_TRACESYSGOOD != 0 {
                    SIGTRAP | 0x80
                } else {
                    SIGTRAP
                };
                (SIGTRAP, code)
            }
            Stop::Step => (SIGTRAP, TRAP_TRACE),
            Stop::Breakpoint => (SIGTRAP, SI_KERNEL),
            Stop::ExecTrap => (SIGTRAP, SI_USER),
            Stop::Event(event) => (SIGTRAP, SIGTRAP | (event << 8)),
            Stop::Interrupt => (SIGTRAP, SIGTRAP | (PTRACE_EVENT_STOP << 8)),
            // A seized group-stop's siginfo is synthesised (ptrace(2) "Group-stop"); for a
            // non-seized one GETSIGINFO fails before this is asked.
            Stop::Group { sig, .. } => (sig, sig | (PTRACE_EVENT_STOP << 8)),
        }
    }
}

/// Whether the tracer asked for any new-task event (Redox arms one `PTRACE_EVENT_CLONE` for
/// all of them).
pub fn wants_new_tasks(options: c_int) -> bool {
    use crate::header::sys_ptrace::{PTRACE_O_TRACECLONE, PTRACE_O_TRACEFORK, PTRACE_O_TRACEVFORK};
    options & (PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE) != 0
}

/// What kind of task a clone event made, as far as it can be told (docs/redox-gaps.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewTask {
    /// A vfork: the parent sleeps inside the clone syscall with `CLONE_VFORK`.
    Vfork,
    /// A thread (or any task sharing the parent's memory).
    Thread,
    /// A process.
    Process,
}

/// The event a new task is reported with, or None when the tracer did not ask for its kind
/// (Linux then neither stops the parent nor attaches the child; kernel/fork.c
/// `kernel_clone`: VFORK for `CLONE_VFORK`, CLONE when the exit signal is not SIGCHLD, as for
/// threads, else FORK). Redox's `PTRACE_EVENT_CLONE` names no kind (docs/redox-protocol.md
/// §2.4): a vfork is recognised from the parent, which sleeps in the clone syscall, and a
/// thread from the memory it shares with its parent.
pub fn clone_event(options: c_int, kind: NewTask) -> Option<c_int> {
    use crate::header::sys_ptrace::{PTRACE_O_TRACECLONE, PTRACE_O_TRACEFORK, PTRACE_O_TRACEVFORK};
    let (option, event) = match kind {
        NewTask::Vfork => (PTRACE_O_TRACEVFORK, PTRACE_EVENT_VFORK),
        NewTask::Thread => (PTRACE_O_TRACECLONE, PTRACE_EVENT_CLONE),
        NewTask::Process => (PTRACE_O_TRACEFORK, PTRACE_EVENT_FORK),
    };
    (options & option != 0).then_some(event)
}

/// Event codes re-exported for the request code.
pub const EVENT_EXEC: c_int = PTRACE_EVENT_EXEC;
/// See [`EVENT_EXEC`].
pub const EVENT_VFORK_DONE: c_int = crate::header::sys_ptrace::PTRACE_EVENT_VFORK_DONE;
/// See [`EVENT_EXEC`].
pub const EVENT_EXIT: c_int = PTRACE_EVENT_EXIT;

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values: measured with glibc on Linux 6.18 (ptrace(2) "Stopped states").
    #[test]
    fn statuses_are_linux_encodings() {
        assert_eq!(Stop::Attached.wait_status(0), 0x137f);
        assert_eq!(Stop::Signal(10).wait_status(0), 0xa7f);
        assert_eq!(Stop::SyscallEntry.wait_status(0), 0x57f);
        assert_eq!(Stop::SyscallExit.wait_status(PTRACE_O_TRACESYSGOOD), 0x857f);
        assert_eq!(Stop::Event(PTRACE_EVENT_EXEC).wait_status(0), 0x4057f);
        assert_eq!(Stop::Event(PTRACE_EVENT_EXIT).wait_status(0), 0x6057f);
        assert_eq!(Stop::Interrupt.wait_status(0), 0x80057f);
        let group = |seized| Stop::Group { sig: 19, seized };
        assert_eq!(group(false).wait_status(0), 0x137f);
        assert_eq!(group(true).wait_status(0), 0x80137f);
        assert_eq!(group(true).siginfo_codes(0), (19, 0x8013));
    }
}
