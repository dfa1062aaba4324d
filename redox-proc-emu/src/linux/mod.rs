//! The Linux side: the emulator is the real Linux tracer of every tracee. This module turns
//! Linux ptrace-stops into Redox v2020 stop sites and events, and resumes every stop the armed
//! breakpoint did not ask for.
//!
//! Kernel references are to redox-os/kernel @59177587 (`src/ptrace.rs`, `src/scheme/proc.rs`,
//! `src/syscall/process.rs`, `src/context/signal.rs`), the v2020 protocol.
//!
//! This module holds the per-tracee state; the stop mapping, the resume side and
//! attach/detach are in its submodules.

mod attach;
mod resume;
mod stops;

use syscall::data::PtraceEvent;
use syscall::flag::{
    PTRACE_EVENT_ADDRSPACE_SWITCH, PTRACE_EVENT_CLONE, PTRACE_STOP_BREAKPOINT, PTRACE_STOP_EXIT,
    PTRACE_STOP_POST_SYSCALL, PTRACE_STOP_PRE_SYSCALL, PTRACE_STOP_SIGNAL, PTRACE_STOP_SINGLESTEP,
    PtraceFlags,
};

const EV_FORK: i32 = 1;
const EV_VFORK: i32 = 2;
const EV_CLONE: i32 = 3;
const EV_EXEC: i32 = 4;
const EV_EXIT: i32 = 6;
const EV_STOP: i32 = 128;

/// Bits of the Redox flags, as plain `u64`.
pub(crate) const PRE: u64 = PTRACE_STOP_PRE_SYSCALL.bits();
pub(crate) const POST: u64 = PTRACE_STOP_POST_SYSCALL.bits();
pub(crate) const STEP: u64 = PTRACE_STOP_SINGLESTEP.bits();
pub(crate) const SIGNAL: u64 = PTRACE_STOP_SIGNAL.bits();
pub(crate) const BREAKPOINT: u64 = PTRACE_STOP_BREAKPOINT.bits();
pub(crate) const EXIT: u64 = PTRACE_STOP_EXIT.bits();
pub(crate) const EV_CLONE_BIT: u64 = PTRACE_EVENT_CLONE.bits();
pub(crate) const EV_SWITCH_BIT: u64 = PTRACE_EVENT_ADDRSPACE_SWITCH.bits();

/// The Linux ptrace-stop a tracee currently sits in (it has not been resumed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StopKind {
    SysEntry,
    SysExit,
    Signal(i32),
    Breakpoint,
    Step,
    Event(i32),
    GroupStop,
    Trap,
}

/// Linux-side state of one traced task (a Redox "context": every Linux tid is a Redox pid).
#[derive(Debug, Default)]
pub(crate) struct Tracee {
    pub attached: bool,
    /// Wait status once reaped.
    pub exited: Option<i32>,
    /// The ptrace-stop it sits in, `None` while running or `LISTEN`ing.
    pub stop: Option<StopKind>,
    pub listening: bool,
    /// Sitting at a Redox stop site (breakpoint reached): resumed only by a write or close.
    pub hold: bool,
    /// Redox `ptrace_stop` (O_TRUNC freeze, frozen clone child).
    pub frozen: bool,
    /// Auto-attached child whose parent's clone event has not been seen yet.
    pub new_child: bool,
    pub stepping: bool,
    /// Last Linux resume request.
    pub last_req: libc::c_uint,
    /// Signal to inject when a freeze is lifted.
    pub pending_inject: i32,
    /// Inside a syscall: the Redox-visible `rax` the tracer wrote at its entry stop (else the
    /// syscall number, Linux's `orig_rax`).
    pub pre_rax: Option<u64>,
    /// A syscall skipped with `PTRACE_FLAG_IGNORE`: `rax` to restore at its exit stop.
    pub skip_ret: Option<u64>,
    /// Bumped at each exec; `mem` handles reopen `/proc/PID/mem` when it changes.
    pub exec_gen: u64,
    /// Last stop event queued (for the duplicate-event quirk).
    pub last_event: Option<PtraceEvent>,
    /// Held at its VFORK event stop until this (frozen, traced) child execs or exits.
    pub vfork_child: Option<i32>,
}

pub(crate) fn event(cause: u64, a: usize, b: usize) -> PtraceEvent {
    PtraceEvent {
        cause: PtraceFlags::from_bits_retain(cause),
        a,
        b,
        ..PtraceEvent::default()
    }
}

fn is_stop_sig(sig: i32) -> bool {
    matches!(
        sig,
        libc::SIGSTOP | libc::SIGTSTP | libc::SIGTTIN | libc::SIGTTOU
    )
}
