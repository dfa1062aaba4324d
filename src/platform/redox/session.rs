//! The process-wide table of trace sessions, keyed by tracee pid, shared by every thread of the
//! tracer (unlike relibc's thread-local table, spec §6.4). The lock is never held across a
//! scheme call: callers copy what they need out, do the I/O, and lock again to record the
//! result.

use alloc::collections::BTreeMap;
use core::ffi::{c_int, c_ulong};

use spin::Mutex;
use syscall::PtraceFlags;

use super::os::{self, Fd};
use super::status::Stop;
use crate::errno::{ESRCH, Result};
use crate::platform::types::pid_t;

/// Where a tracee is, as far as the tracer has been told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Resumed; the next stop will be read from `trace`.
    Running,
    /// In a ptrace stop; `reported` once `waitpid` has returned it.
    Stopped { stop: Stop, reported: bool },
}

/// Lazily opened register and memory files of a tracee.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
// Only the x86_64 register requests use this; aarch64 Redox has no register access (spec §3.1).
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub enum File {
    /// `mem`.
    Mem = 0,
    /// `regs/int`.
    Int = 1,
    /// `regs/float`.
    Float = 2,
    /// `regs/env`.
    Env = 3,
}

impl File {
    /// The name under `proc:PID/`.
    pub fn name(self) -> &'static str {
        match self {
            File::Mem => "mem",
            File::Int => "regs/int",
            File::Float => "regs/float",
            File::Env => "regs/env",
        }
    }
}

/// One traced process.
#[derive(Debug)]
pub struct Session {
    /// The `trace` handle.
    pub trace: Fd,
    /// `mem`, `regs/int`, `regs/float`, `regs/env`, opened on first use.
    pub files: [Option<Fd>; 4],
    /// Flags `trace` was opened with (F_SETFL replaces all of them, spec §1.1).
    pub open_flags: usize,
    /// Whether `trace` is in non-blocking mode now.
    pub nonblocking: bool,
    /// `PTRACE_O_*` options.
    pub options: c_int,
    /// Attached with PTRACE_SEIZE.
    pub seized: bool,
    /// Stopped or running.
    pub state: State,
    /// PTRACE_GETEVENTMSG's answer for the current stop.
    pub event_msg: c_ulong,
    /// The syscall number while in a syscall stop, once the entry registers were read.
    pub syscall_nr: Option<u64>,
    /// The tracer set `orig_rax = -1` at a syscall-entry stop: skip the syscall on resume.
    pub skip_syscall: bool,
    /// Where `mem`'s cursor is, so a sequential PEEK/POKE needs no seek (it survives resumes:
    /// the cursor belongs to the handle, spec §4).
    pub mem_cursor: Option<usize>,
    /// A signal we injected (sent before the resuming write): its signal stop is not reported.
    pub expect_signal: Option<c_int>,
    /// The exec stop `watch_exec` is reaching with a forced single step.
    pub pending_event: Option<Stop>,
    /// Reported stopped at a non-stopping event (clone, exec) while still running: its next
    /// stop event is where it really parks.
    pub running_in_stop: bool,
    /// We forced a single step to reach the exec stop; that step's stop is not the tracer's.
    pub forced_step: bool,
    /// Resumed by PTRACE_SYSEMU*: the next syscall-entry is skipped on resume.
    pub sysemu: bool,
    /// PTRACE_KILL was sent: stops are ignored until the tracee is gone.
    pub killed: bool,
    /// The `PtraceEvent` of the stop the tracee is in.
    pub last_event: [u64; 7],
    /// Duplicates of `last_event` still to come: a signal we sent to the tracee while it sat
    /// at that stop re-queues its event (spec §2.5).
    pub duplicates: u32,
    /// The restart request the tracer last made (what an automatic resume re-arms).
    pub last_request: c_int,
    /// A PTRACE_TRACEME child before its first exec: syscall entries are watched for the exec,
    /// after which Linux stops it (spec §9.1.4; v2020 has no exec event, so the exec's entry
    /// is found and a single-step, which survives `fexec` (kernel `039f7f5c`), stops it at
    /// the new program's start).
    pub await_exec: bool,
    /// The siginfo PTRACE_SETSIGINFO gave at this stop.
    pub siginfo: Option<[u8; 128]>,
    /// `regs/int` as read or written at this stop.
    pub int_cache: Option<[u64; 20]>,
    /// `regs/env` as read at this stop.
    pub env_cache: Option<[u64; 2]>,
    /// The stop event (`PtraceEvent` words) an event stop was reported in place of; handled on
    /// the next restart instead of resuming (Linux orders e.g. a clone event before the
    /// clone's syscall exit).
    pub deferred: Option<[u64; 7]>,
    /// The exit status from the EXIT stop, for tracees that are not our children.
    pub exit_status: Option<c_int>,
    /// The breakpoint flags of the last write to `trace`, without its one-shot flags: what
    /// the tracee is armed with while it runs.
    pub armed_flags: Option<u64>,
    /// Resumed with a stop signal: it may now sit in a job-control stop, which no `trace`
    /// event shows (spec §5.1), so `waitpid` must not block on `trace` alone.
    pub job_stop: bool,
    /// We sent SIGCONT to end a job-control stop: its signal stop is not reported and the
    /// signal is discarded (Linux ends a group-stop of a tracee without sending one).
    pub quiet_sigcont: bool,
    /// Reported stopped at a VFORK event with PTRACE_O_TRACEVFORKDONE: the child's pid until
    /// the vfork returns, where its syscall-exit stop stands in for Linux's VFORK_DONE stop.
    pub vfork_done: Option<pid_t>,
}

impl Session {
    /// A session for a freshly opened `trace` handle.
    pub fn new(trace: Fd, open_flags: usize, options: c_int, seized: bool, state: State) -> Self {
        Session {
            trace,
            files: [None; 4],
            open_flags,
            nonblocking: open_flags & os::flags::O_NONBLOCK != 0,
            options,
            seized,
            state,
            event_msg: 0,
            syscall_nr: None,
            skip_syscall: false,
            mem_cursor: None,
            expect_signal: None,
            pending_event: None,
            running_in_stop: false,
            forced_step: false,
            sysemu: false,
            killed: false,
            last_event: [0; 7],
            duplicates: 0,
            last_request: crate::header::sys_ptrace::PTRACE_CONT,
            await_exec: false,
            siginfo: None,
            int_cache: None,
            env_cache: None,
            deferred: None,
            exit_status: None,
            armed_flags: None,
            job_stop: false,
            quiet_sigcont: false,
            vfork_done: None,
        }
    }

    /// The stop the tracee is in; ESRCH when it is running (Linux: "the tracee is not
    /// stopped", linux-ptrace-parity.md §1.4).
    pub fn stopped(&self) -> Result<Stop> {
        match self.state {
            State::Stopped { stop, .. } if !self.killed => Ok(stop),
            _ => Err(ESRCH),
        }
    }

    /// The handle of `which`, if opened.
    pub fn file(&self, which: File) -> Option<Fd> {
        self.files.get(which as usize).copied().flatten()
    }

    /// Records the handle of `which`.
    pub fn set_file(&mut self, which: File, fd: Fd) {
        if let Some(slot) = self.files.get_mut(which as usize) {
            *slot = Some(fd);
        }
    }

    /// Whether what is read of the tracee stays true until the next write: registers are read
    /// only at a stop (requests need one, `waitpid` reads them at the stop it handles), except
    /// at a clone or exec event, which is reported while the tracee runs on.
    // Only the x86_64 register requests cache what they read (spec §3.1).
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    pub fn regs_cacheable(&self) -> bool {
        !self.running_in_stop
    }

    /// Breakpoint flags the library arms for itself, whatever the tracer asked: syscall entries
    /// until a TRACEME child's exec (`await_exec`), the vfork's syscall exit (`vfork_done`).
    pub fn internal_flags(&self) -> u64 {
        let mut flags = 0;
        if self.await_exec {
            flags |= PtraceFlags::PTRACE_STOP_PRE_SYSCALL.bits();
        }
        if self.vfork_done.is_some() {
            flags |= PtraceFlags::PTRACE_STOP_POST_SYSCALL.bits();
        }
        flags
    }

    /// Enters a stop that `waitpid` has not reported yet.
    pub fn stop(&mut self, stop: Stop) {
        self.state = State::Stopped {
            stop,
            reported: false,
        };
    }
}

static SESSIONS: Mutex<BTreeMap<pid_t, Session>> = Mutex::new(BTreeMap::new());

/// Runs `f` on the session of `pid` under the lock; ESRCH when `pid` is not traced by us.
pub fn with<R>(pid: pid_t, f: impl FnOnce(&mut Session) -> R) -> Result<R> {
    SESSIONS.lock().get_mut(&pid).map(f).ok_or(ESRCH)
}

/// Whether `pid` is traced by this process.
pub fn contains(pid: pid_t) -> bool {
    SESSIONS.lock().contains_key(&pid)
}

/// Adds a session; an existing one for `pid` (a stale handle) is closed.
pub fn insert(pid: pid_t, session: Session) {
    let old = SESSIONS.lock().insert(pid, session);
    if let Some(old) = old {
        close_files(&old);
    }
}

/// Removes the session of `pid` and closes its files (detach, or the tracee is gone).
pub fn remove(pid: pid_t) -> Option<Session> {
    let session = SESSIONS.lock().remove(&pid);
    if let Some(s) = &session {
        close_files(s);
    }
    session
}

fn close_files(s: &Session) {
    for fd in s.files.iter().flatten() {
        let _ = os::close(*fd);
    }
    // Closing `trace` detaches and resumes the tracee, or kills it with O_EXCL (spec §1.5).
    let _ = os::close(s.trace);
}

/// Calls `f` on every session under the lock; used by `waitpid` to pick tracees.
pub fn for_each(mut f: impl FnMut(pid_t, &mut Session)) {
    for (pid, s) in SESSIONS.lock().iter_mut() {
        f(*pid, s);
    }
}
