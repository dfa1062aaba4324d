//! One tracee's state machine, without I/O: what the library knows of a tracee, and every
//! transition, as a function from an event read from `trace` or a request to the scheme
//! operations it needs (returned as [`Effects`] or a [`Plan`] and carried out by `driver`).
//! The whole table is locked once per transition, so a `waitpid` thread and a `ptrace` thread
//! never see half of one.
//!
//! States ([`State`]):
//!
//! | state | meaning | left by |
//! | --- | --- | --- |
//! | `Running` | resumed; armed with [`Session::armed`] | a stop event, death, PTRACE_KILL |
//! | `Stopped { reported }` | parked at a ptrace stop | a restart, DETACH, death |
//! | `Pseudo { reported }` | reported stopped at a clone or exec event, which v2020 does not stop at (docs/redox-protocol.md §2.3); it runs on | its next stop event (then `Stopped`, the event kept in `deferred`), a restart |
//! | `Dying` | PTRACE_KILL was sent; its stops are ignored | death |
//! | `Gone` | `trace` answered ESRCH | `waitpid` reaps it |
//!
//! Linux rules come from ptrace(2) and the kernel sources cited; Redox rules from the v2020
//! kernel through docs/redox-protocol.md.
#![forbid(unsafe_code)]

use core::ffi::{c_int, c_ulong};

use syscall::{EnvRegisters, IntRegisters, PtraceEvent, PtraceFlags};

use super::os::Fd;
use super::status::{self, SIGCONT, SIGKILL, SIGSTOP, Stop};
use crate::errno::{EIO, ESRCH, Result};
use crate::header::sys_ptrace::*;
use crate::platform::types::pid_t;

/// Where a tracee is (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Resumed; its next stop will come through `trace`.
    Running,
    /// At a ptrace stop; `reported` once `waitpid` has returned it.
    Stopped {
        /// The stop, in Linux's terms.
        stop: Stop,
        /// `waitpid` returned it.
        reported: bool,
    },
    /// Reported stopped at a clone or exec event while it runs on.
    Pseudo {
        /// The event stop reported.
        stop: Stop,
        /// `waitpid` returned it.
        reported: bool,
    },
    /// PTRACE_KILL was sent.
    Dying,
    /// Dead: `trace` answered ESRCH.
    Gone {
        /// The wait status, when the tracee told it (its EXIT stop) or it can be inferred.
        status: Option<c_int>,
    },
}

/// How a tracee reaches its exec stop (v2020 has no exec stop: docs/redox-protocol.md
/// §9.1.4). An exec is caught at its syscall entry, where the tracee is parked, so that the
/// exec stop holds it before the new program runs a line (a debugger plants its
/// breakpoints there), whatever the tracer's process is doing: `ADDRSPACE_SWITCH` comes while
/// the new program already runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exec {
    /// The syscall entries of a TRACEME child are looked at for an exec (armed for it,
    /// [`Session::watch_entries`]); any other tracee's exec is seen by its `ADDRSPACE_SWITCH`
    /// event.
    Watch,
    /// At the exec: a forced single step, which survives `fexec` (kernel `039f7f5c`), stops it
    /// at the new program's start, where `stop` is reported.
    Step {
        /// The exec stop to report.
        stop: Stop,
        /// The single step is ours (the tracer did not ask for one).
        forced: bool,
    },
}

/// Lazily opened register and memory files of a tracee.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
// Only the x86_64 register requests use some of these; aarch64 Redox has no register access.
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

/// One traced process: its handles and its state machine.
#[derive(Clone, Debug)]
pub struct Session {
    /// The tracee.
    pub pid: pid_t,
    /// The `trace` handle (always non-blocking: only the event thread waits, on `event:`).
    pub trace: Fd,
    /// `mem`, `regs/int`, `regs/float`, `regs/env`, opened on first use.
    pub files: [Option<Fd>; 4],
    /// The flags `trace` has (F_SETFL replaces all of them, docs/redox-protocol.md §1.1).
    pub open_flags: usize,
    /// Where the tracee is.
    pub state: State,
    /// `PTRACE_O_*` options.
    pub options: c_int,
    /// Attached with PTRACE_SEIZE.
    pub seized: bool,
    /// The restart request the tracer last made (what an automatic resume re-arms).
    pub last_request: c_int,
    /// The flags of the last write to `trace`, without one-shot flags: what it runs armed with.
    pub armed: Option<u64>,
    /// PTRACE_GETEVENTMSG's answer at the current stop.
    pub event_msg: c_ulong,
    /// The exit status from the EXIT stop (for tracees that are not our children).
    pub exit_status: Option<c_int>,
    /// The syscall number while in a syscall stop, once the entry registers were read.
    pub syscall_nr: Option<u64>,
    /// The tracer set `orig_rax = -1` at a syscall-entry stop: skip the syscall on resume.
    pub skip_syscall: bool,
    /// Resumed by PTRACE_SYSEMU*: the next syscall entry is skipped on resume.
    pub sysemu: bool,
    /// Where `mem`'s cursor is, so a sequential PEEK/POKE needs no seek (the cursor belongs to
    /// the handle and survives resumes, docs/redox-protocol.md §4).
    pub mem_cursor: Option<usize>,
    /// A signal we sent before a resuming write: its signal stop is not reported.
    pub inject: Option<c_int>,
    /// The exec watch.
    pub exec: Exec,
    /// A PTRACE_TRACEME child (the inferior of a debugger, which starts it through a shell):
    /// its syscall entries are armed for the exec watch whatever the tracer asked, one
    /// `regs/int` read each (docs/redox-gaps.md). Not for tracees attached by a signal, whose
    /// duplicate events (§2.5) an armed entry stop would let through.
    pub watch_entries: bool,
    /// The stop event a reported event stop stands in front of, handled at the next restart
    /// (Linux orders e.g. a clone event before the clone's syscall exit).
    pub deferred: Option<PtraceEvent>,
    /// The event of the stop the tracee is in, and how many duplicates of it are still to come
    /// (a signal sent to a tracee at a stop re-queues its event, docs/redox-protocol.md §2.5).
    pub duplicate: (Option<PtraceEvent>, u32),
    /// The siginfo PTRACE_SETSIGINFO gave at this stop.
    pub siginfo: Option<[u8; 128]>,
    /// `regs/int` as read or written at this stop.
    pub int_cache: Option<IntRegisters>,
    /// `regs/env` as read at this stop.
    pub env_cache: Option<EnvRegisters>,
    /// Resumed with a stop signal: it may now sit in a job-control stop, which no `trace`
    /// event shows (docs/redox-protocol.md §5.1).
    pub job_stop: bool,
    /// We sent SIGCONT to end a job-control stop: its signal stop is not reported.
    pub quiet_sigcont: bool,
    /// PTRACE_ATTACH sent SIGSTOP: its signal stop is the attach stop.
    pub attaching: bool,
    /// PTRACE_INTERRUPT sent SIGSTOP: its signal stop is the PTRACE_EVENT_STOP stop.
    pub interrupting: bool,
    /// PTRACE_LISTEN: the tracee sits in a job-control stop; the signal stop of the SIGCONT
    /// that ends it is reported as PTRACE_EVENT_STOP first.
    pub listening: bool,
    /// The tracer has not been sent SIGCHLD for the current stop (or end) yet.
    pub notify: bool,
    /// x86 `u_debugreg[0..8]` as the tracer wrote them (docs/redox-gaps.md: kept, never
    /// enabled, since Redox has no debug registers).
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    pub debugreg: [u64; 8],
    /// Reported stopped at a VFORK event with PTRACE_O_TRACEVFORKDONE: the child until the
    /// vfork returns, whose syscall-exit stop stands in for Linux's VFORK_DONE stop.
    pub vfork_done: Option<pid_t>,
}

/// What an event needs to know about the tracee before its transition can be decided (the
/// driver reads it: registers, memory).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Nothing.
    Nothing,
    /// The number of the syscall whose entry the tracee is stopped at (the exec watch).
    SyscallNumber,
    /// What kind of task the tracee's clone event made (the answer is a `NewTask`, coded
    /// by [`new_task_fact`]).
    NewTask,
}

/// What an event transition asks the driver to do, in this order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Effects {
    /// A new task of the tracee: trace it (`true`, with the returned stop) or release it.
    pub child: Option<(pid_t, bool)>,
    /// Move `rip` past the int3 (Redox leaves it on the int3, kernel `47018381`).
    pub fix_rip: bool,
    /// Write these flags to `trace` (re-arm and resume).
    pub write: Option<u64>,
}

/// What a restart request asks the driver to do.
#[derive(Clone, Copy, Debug)]
pub enum Plan {
    /// Handle the deferred stop event now, as if it had just been read.
    Replay(PtraceEvent),
    /// The tracee was running on from a pseudo-stop: read what `trace` has queued, then write
    /// these flags unless a stop was found or it is armed with them already.
    FromPseudo(u64),
    /// Send `inject` (if any), write `flags`, then send SIGCONT if `end_group_stop`.
    Write {
        /// The flags.
        flags: u64,
        /// A signal to send before the write.
        inject: Option<c_int>,
        /// End a job-control stop after the write.
        end_group_stop: bool,
    },
}

/// The highest signal number Linux accepts in a restart request.
const SIGRTMAX: usize = 64;

/// A restart request's signal: 0 or a valid signal number, else EIO (Linux `valid_signal`).
pub fn valid_signal(sig: usize) -> Result<c_int> {
    match sig {
        0..=SIGRTMAX => Ok(sig as c_int),
        _ => Err(EIO),
    }
}

/// The stop sites a restart request arms (docs/redox-protocol.md §9.1.5). Signals, int3 and
/// exits always stop a Linux tracee; EXIT is always armed so that an exit status is known even
/// for a tracee that is not our child; exec is always watched because Linux stops after it.
pub fn armed(options: c_int, request: c_int) -> u64 {
    let mut f = PtraceFlags::PTRACE_STOP_SIGNAL
        | PtraceFlags::PTRACE_STOP_BREAKPOINT
        | PtraceFlags::PTRACE_STOP_EXIT
        | PtraceFlags::PTRACE_EVENT_ADDRSPACE_SWITCH;
    if status::wants_new_tasks(options) {
        f |= PtraceFlags::PTRACE_EVENT_CLONE;
    }
    match request {
        PTRACE_SYSCALL => {
            f |= PtraceFlags::PTRACE_STOP_PRE_SYSCALL | PtraceFlags::PTRACE_STOP_POST_SYSCALL
        }
        PTRACE_SINGLESTEP => f |= PtraceFlags::PTRACE_STOP_SINGLESTEP,
        PTRACE_SYSEMU => f |= PtraceFlags::PTRACE_STOP_PRE_SYSCALL,
        PTRACE_SYSEMU_SINGLESTEP => {
            f |= PtraceFlags::PTRACE_STOP_PRE_SYSCALL | PtraceFlags::PTRACE_STOP_SINGLESTEP
        }
        _ => {}
    }
    f.bits()
}

/// Whether a restart `request` would stop at `stop` on Linux.
pub fn wanted(stop: Stop, request: c_int) -> bool {
    match stop {
        Stop::SyscallEntry => {
            matches!(
                request,
                PTRACE_SYSCALL | PTRACE_SYSEMU | PTRACE_SYSEMU_SINGLESTEP
            )
        }
        // SYSEMU skips the syscall: there is no exit stop to report.
        Stop::SyscallExit => request == PTRACE_SYSCALL,
        Stop::Step => matches!(request, PTRACE_SINGLESTEP | PTRACE_SYSEMU_SINGLESTEP),
        _ => true,
    }
}

/// The Linux stop a Redox stop event is (None for events that are not stops).
pub fn stop_of(e: &PtraceEvent) -> Option<Stop> {
    let cause = e.cause;
    Some(if cause.contains(PtraceFlags::PTRACE_STOP_PRE_SYSCALL) {
        Stop::SyscallEntry
    } else if cause.contains(PtraceFlags::PTRACE_STOP_POST_SYSCALL) {
        Stop::SyscallExit
    } else if cause.contains(PtraceFlags::PTRACE_STOP_SINGLESTEP) {
        Stop::Step
    } else if cause.contains(PtraceFlags::PTRACE_STOP_BREAKPOINT) {
        Stop::Breakpoint
    } else if cause.contains(PtraceFlags::PTRACE_STOP_SIGNAL) {
        Stop::Signal(e.a as c_int)
    } else if cause.contains(PtraceFlags::PTRACE_STOP_EXIT) {
        Stop::Event(status::EVENT_EXIT)
    } else {
        return None;
    })
}

/// The fact [`Need::NewTask`] asks for, as a number.
pub fn new_task_fact(kind: status::NewTask) -> u64 {
    match kind {
        status::NewTask::Process => 0,
        status::NewTask::Vfork => 1,
        status::NewTask::Thread => 2,
    }
}

fn new_task_of(fact: Option<u64>) -> status::NewTask {
    match fact {
        Some(1) => status::NewTask::Vfork,
        Some(2) => status::NewTask::Thread,
        _ => status::NewTask::Process,
    }
}

fn same(a: &PtraceEvent, b: &PtraceEvent) -> bool {
    a.cause == b.cause && (a.a, a.b, a.c, a.d, a.e, a.f) == (b.a, b.b, b.c, b.d, b.e, b.f)
}

impl Session {
    /// A session for a freshly opened `trace` handle.
    pub fn new(pid: pid_t, trace: Fd, open_flags: usize, options: c_int, seized: bool) -> Self {
        Session {
            pid,
            trace,
            files: [None; 4],
            open_flags,
            state: State::Running,
            options,
            seized,
            last_request: PTRACE_CONT,
            armed: None,
            event_msg: 0,
            exit_status: None,
            syscall_nr: None,
            skip_syscall: false,
            sysemu: false,
            mem_cursor: None,
            inject: None,
            exec: Exec::Watch,
            watch_entries: false,
            deferred: None,
            duplicate: (None, 0),
            siginfo: None,
            int_cache: None,
            env_cache: None,
            job_stop: false,
            quiet_sigcont: false,
            attaching: false,
            interrupting: false,
            listening: false,
            notify: false,
            // DR6 reads as its reset value until written (Intel SDM 17.2.3).
            debugreg: [0, 0, 0, 0, 0, 0, 0xffff_0ff0, 0],
            vfork_done: None,
        }
    }

    /// The stop the tracee is in; ESRCH when it is not stopped (Linux: "the tracee is not
    /// stopped", ptrace(2) ERRORS).
    pub fn stopped(&self) -> Result<Stop> {
        match self.state {
            State::Stopped { stop, .. } | State::Pseudo { stop, .. } => Ok(stop),
            _ => Err(ESRCH),
        }
    }

    /// The SIGCHLD Linux sends the tracer for where the tracee is, as `si_code` and
    /// `si_status` (kernel/signal.c `do_notify_parent_cldstop`: CLD_TRAPPED with the stop
    /// signal, `exit_code & 0x7f`; kernel/signal.c `do_notify_parent`: CLD_EXITED with the exit
    /// code, CLD_KILLED with the signal), if one is due.
    pub fn take_notice(&mut self) -> Option<(c_int, c_int)> {
        const CLD_EXITED: c_int = 1;
        const CLD_KILLED: c_int = 2;
        const CLD_TRAPPED: c_int = 4;
        if !core::mem::take(&mut self.notify) {
            return None;
        }
        match self.state {
            State::Stopped { stop, .. } | State::Pseudo { stop, .. } => {
                Some((CLD_TRAPPED, (stop.wait_status(self.options) >> 8) & 0x7f))
            }
            State::Gone { status } => {
                let status = status.unwrap_or(0);
                Some(if status & 0x7f == 0 {
                    (CLD_EXITED, (status >> 8) & 0xff)
                } else {
                    (CLD_KILLED, status & 0x7f)
                })
            }
            State::Running | State::Dying => None,
        }
    }

    /// Whether what is read of the tracee stays true until the next write: not at a
    /// pseudo-stop, where it runs on.
    // Only the x86_64 register requests cache what they read (§3.1).
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    pub fn regs_cacheable(&self) -> bool {
        !matches!(self.state, State::Pseudo { .. })
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

    /// Enters a stop that `waitpid` has not reported yet.
    pub fn stop(&mut self, stop: Stop) {
        self.state = State::Stopped {
            stop,
            reported: false,
        };
    }

    /// The wait status of a stop `waitpid` has not reported yet; `consume` marks it reported.
    pub fn take_report(&mut self, consume: bool) -> Option<c_int> {
        let options = self.options;
        match &mut self.state {
            State::Stopped { stop, reported } | State::Pseudo { stop, reported } if !*reported => {
                *reported |= consume;
                Some(stop.wait_status(options))
            }
            _ => None,
        }
    }

    /// The stop Linux reports after a successful execve (ptrace(2) "execve(2) under ptrace").
    fn exec_stop(&self) -> Stop {
        if self.options & PTRACE_O_TRACEEXEC != 0 {
            Stop::Event(status::EVENT_EXEC)
        } else {
            Stop::ExecTrap
        }
    }

    /// Breakpoint flags the library arms for itself, whatever the tracer asked: syscall entries
    /// during the exec watch, the single step to an exec stop, the vfork's syscall exit.
    fn internal_flags(&self) -> u64 {
        let mut flags = 0;
        if self.exec == Exec::Watch && self.watch_entries {
            flags |= PtraceFlags::PTRACE_STOP_PRE_SYSCALL.bits();
        }
        if let Exec::Step { forced: true, .. } = self.exec {
            flags |= PtraceFlags::PTRACE_STOP_SINGLESTEP.bits();
        }
        if self.vfork_done.is_some() {
            flags |= PtraceFlags::PTRACE_STOP_POST_SYSCALL.bits();
        }
        flags
    }

    /// A write of `flags` (plus the internal ones) is about to resume the tracee: it runs,
    /// and what was read at the stop no longer holds. Returns the flags to write.
    pub fn resumed(&mut self, flags: u64) -> u64 {
        self.state = State::Running;
        self.int_cache = None;
        self.env_cache = None;
        self.siginfo = None;
        let flags = flags | self.internal_flags();
        self.armed = Some(flags & !PtraceFlags::PTRACE_FLAG_MASK.bits());
        flags
    }

    /// The flags that resume the tracee in the mode of its last restart request.
    pub fn rearm(&self) -> u64 {
        armed(self.options, self.last_request)
    }

    /// What must be known before [`Session::on_event`] can handle `e`.
    pub fn needs(&self, e: &PtraceEvent) -> Need {
        if e.cause.contains(PtraceFlags::PTRACE_EVENT_CLONE)
            && status::wants_new_tasks(self.options)
        {
            Need::NewTask
        } else if stop_of(e) == Some(Stop::SyscallEntry)
            && self.exec == Exec::Watch
            && self.watch_entries
            && matches!(self.state, State::Running)
        {
            Need::SyscallNumber
        } else {
            Need::Nothing
        }
    }

    /// One event read from `trace` (`fact`: the answer to [`Session::needs`]: the syscall
    /// number, or 1 for a vfork).
    pub fn on_event(&mut self, e: &PtraceEvent, fact: Option<u64>) -> Effects {
        let mut fx = Effects::default();
        let cause = e.cause;
        let is_stop = cause.intersects(PtraceFlags::PTRACE_STOP_MASK);
        let exit = cause.contains(PtraceFlags::PTRACE_STOP_EXIT);
        let duplicate = self.duplicate.0.is_some_and(|l| same(&l, e));
        match self.state {
            State::Dying | State::Gone { .. } => return fx,
            // Parked at a stop: an event can only be the duplicate a signal wake-up queues
            // (§2.5), except EXIT: the tracee was killed where it stood and is let go to die.
            // At its EXIT stop itself the duplicate is no kill: Linux drops a SIGKILL sent to
            // an exit under way (kernel/signal.c `prepare_signal`, SIGNAL_GROUP_EXIT).
            State::Stopped { .. } if !exit || duplicate => return fx,
            State::Stopped { .. } => self.killed_at_stop(),
            // Reported at a clone event, which holds a Linux tracee: SIGKILL ends it there
            // (ptrace(2) "Signal-delivery-stop"), so an exit by SIGKILL is not parked
            // behind the pseudo-stop; any other exit is (it comes after the restart).
            State::Pseudo { .. } if exit && e.a as c_int == SIGKILL => self.killed_at_stop(),
            State::Running | State::Pseudo { .. } => {}
        }
        if is_stop {
            self.job_stop = false;
            let (last, count) = &mut self.duplicate;
            if *count > 0 && last.as_ref().is_some_and(|l| same(l, e)) {
                *count -= 1;
                return fx;
            }
            *last = Some(*e);
        }
        // Non-stopping events (docs/redox-protocol.md §2.3): Linux stops at a clone or an exec.
        // The event is reported at once as a pseudo-stop (a vforking parent may never reach
        // another stop before its child runs); its next stop is where it really parks.
        if cause.intersects(PtraceFlags::PTRACE_EVENT_MASK) {
            let stop = if cause.contains(PtraceFlags::PTRACE_EVENT_CLONE) {
                let child = e.a as pid_t;
                let kind = new_task_of(fact);
                let vfork = kind == status::NewTask::Vfork;
                let Some(event) = status::clone_event(self.options, kind) else {
                    fx.child = Some((child, false));
                    return fx;
                };
                fx.child = Some((child, true));
                self.event_msg = e.a as c_ulong;
                if vfork && self.options & PTRACE_O_TRACEVFORKDONE != 0 {
                    // Arm the vfork's syscall exit now. The write cannot race a stop: the
                    // parent sleeps in the clone syscall until its child, frozen until the
                    // tracer resumes it, execs or exits (syscall/process.rs @59177587
                    // l.311-318).
                    self.vfork_done = Some(child);
                    fx.write = Some(self.rearm());
                }
                Stop::Event(event)
            } else if matches!(self.exec, Exec::Step { .. }) {
                // An exec already announced by its syscall entry (the exec watch).
                return fx;
            } else {
                // An exec whose entry was not watched (a tracee attached by a signal): under
                // PTRACE_SYSCALL its syscall exit holds it right away; else a single step,
                // which survives the exec (kernel `039f7f5c`), as soon as this event is read
                // (the new program may have run a few instructions, docs/redox-gaps.md).
                let forced = !wanted(Stop::SyscallExit, self.last_request);
                self.exec = Exec::Step {
                    stop: self.exec_stop(),
                    forced,
                };
                if forced {
                    fx.write = Some(self.resumed(self.rearm()));
                }
                return fx;
            };
            if let Some(flags) = fx.write {
                // `resumed` resets the state, so it comes before the pseudo-stop is entered.
                fx.write = Some(self.resumed(flags));
            }
            self.state = State::Pseudo {
                stop,
                reported: false,
            };
            return fx;
        }
        // The next stop of a tracee reported at a pseudo-stop: it parks there, and the stop is
        // handled when the tracer resumes it.
        if let State::Pseudo { stop, reported } = self.state {
            self.deferred = Some(*e);
            self.state = State::Stopped { stop, reported };
            return fx;
        }
        // The vfork's syscall exit stands in for Linux's VFORK_DONE stop, which comes before
        // it; the exit stop itself is handled on the next restart.
        if cause.contains(PtraceFlags::PTRACE_STOP_POST_SYSCALL)
            && let Some(child) = self.vfork_done.take()
        {
            self.event_msg = child as c_ulong;
            self.deferred = Some(*e);
            self.stop(Stop::Event(status::EVENT_VFORK_DONE));
            return fx;
        }
        // The single step of the exec watch stands in for the exec stop. Without
        // PTRACE_O_TRACEEXEC that stop is a SIGTRAP sent to the tracee, which Linux delivers
        // after the execve's syscall-exit stop; PTRACE_EVENT_EXEC comes before it.
        if let Exec::Step { stop, forced } = self.exec
            && !(stop == Stop::ExecTrap && stop_of(e) == Some(Stop::SyscallExit))
        {
            let ours = forced && stop_of(e) == Some(Stop::Step);
            if ours && wanted(Stop::SyscallExit, self.last_request) {
                // The execve's syscall-exit stop, which no Redox stop shows after an exec
                // (v2020's fexec does not return to a POST_SYSCALL site; the step skips it):
                // it is reported from this parked stop, 0 in `rax` as Linux's execve returns.
                let exit = PtraceEvent {
                    cause: PtraceFlags::PTRACE_STOP_POST_SYSCALL,
                    ..Default::default()
                };
                if stop == Stop::ExecTrap {
                    // Linux: the exit first, then the SIGTRAP, a signal-delivery-stop.
                    self.deferred = Some(PtraceEvent {
                        cause: PtraceFlags::PTRACE_STOP_SIGNAL,
                        a: status::SIGTRAP as usize,
                        ..Default::default()
                    });
                    self.exec = Exec::Watch;
                    self.event_msg = 2;
                    self.stop(Stop::SyscallExit);
                    return fx;
                }
                self.deferred = Some(exit);
            } else {
                self.deferred = (!ours).then_some(*e);
            }
            self.exec = Exec::Watch;
            // ptrace(2) PTRACE_EVENT_EXEC: the message is the tracee's (former) thread id.
            self.event_msg = self.pid as c_ulong;
            self.stop(stop);
            return fx;
        }
        let stop = match stop_of(e) {
            // The attach to a stopped process: the SIGCONT that ended its group-stop stands in
            // for the attach's SIGSTOP, which Linux delivers then.
            Some(Stop::Signal(SIGCONT)) if self.quiet_sigcont && self.attaching => {
                self.quiet_sigcont = false;
                self.attaching = false;
                Stop::Attached
            }
            Some(Stop::Signal(SIGCONT)) if self.quiet_sigcont => {
                // The SIGCONT we sent to end a job-control stop: discard it unseen.
                self.quiet_sigcont = false;
                let flags = self.rearm() | PtraceFlags::PTRACE_FLAG_IGNORE.bits();
                fx.write = Some(self.resumed(flags));
                return fx;
            }
            // The SIGSTOP PTRACE_ATTACH sent: Linux reports its signal-delivery-stop as the
            // attach stop (ptrace(2) PTRACE_ATTACH).
            Some(Stop::Signal(SIGSTOP)) if self.attaching => {
                self.attaching = false;
                Stop::Attached
            }
            // The SIGSTOP PTRACE_INTERRUPT sent: its stop is PTRACE_EVENT_STOP.
            Some(Stop::Signal(SIGSTOP)) if self.interrupting => {
                self.interrupting = false;
                Stop::Interrupt
            }
            // SIGCONT ends a LISTEN: Linux reports PTRACE_EVENT_STOP, then, at the next
            // restart, SIGCONT's own signal-delivery-stop (ptrace(2) PTRACE_LISTEN).
            Some(Stop::Signal(SIGCONT)) if self.listening => {
                self.listening = false;
                self.deferred = Some(*e);
                Stop::Interrupt
            }
            Some(Stop::Signal(sig)) if self.inject == Some(sig) => {
                // A signal we injected: deliver it without a report. A stop signal without a
                // handler (`b` = 0, §2.4) puts the tracee in a job-control stop.
                self.inject = None;
                self.job_stop = status::is_stop_signal(sig) && e.b == 0;
                fx.write = Some(self.resumed(self.rearm()));
                return fx;
            }
            Some(Stop::SyscallEntry) if self.exec == Exec::Watch => return self.watch_exec(fact),
            Some(stop @ (Stop::SyscallEntry | Stop::SyscallExit))
                if !wanted(stop, self.last_request) =>
            {
                // Armed for our own purposes (events, exec watching): not the tracer's.
                fx.write = Some(self.resumed(self.rearm()));
                return fx;
            }
            Some(Stop::Event(_)) => {
                // EXIT: `a` is the wait status the exit will report (§2.4).
                self.exit_status = Some(e.a as c_int);
                self.event_msg = e.a as c_ulong;
                if self.options & PTRACE_O_TRACEEXIT == 0 {
                    fx.write = Some(self.resumed(self.rearm()));
                    return fx;
                }
                Stop::Event(status::EVENT_EXIT)
            }
            Some(stop) => stop,
            None => return fx,
        };
        fx.fix_rip = stop == Stop::Breakpoint;
        // Linux 5.3+: GETEVENTMSG at a syscall stop is 1 at entry, 2 at exit.
        match stop {
            Stop::SyscallEntry => self.event_msg = 1,
            Stop::SyscallExit => self.event_msg = 2,
            _ => {}
        }
        self.stop(stop);
        fx
    }

    /// Killed at a stop: it runs to its death, and the stops it had deferred (the clone's or
    /// exec's next stop, a vfork's return) never come.
    fn killed_at_stop(&mut self) {
        self.state = State::Running;
        self.deferred = None;
        self.vfork_done = None;
    }

    /// A syscall entry seen by the exec watch (`nr`, when known): at the
    /// exec, force a single step and report that as Linux's exec stop; any other syscall is
    /// resumed, or reported if the tracer asked for syscall stops.
    fn watch_exec(&mut self, nr: Option<u64>) -> Effects {
        let mut fx = Effects::default();
        if nr.is_some_and(|nr| super::os::EXEC_SYSCALLS.contains(&nr)) {
            self.exec = Exec::Step {
                stop: self.exec_stop(),
                forced: true,
            };
            if wanted(Stop::SyscallEntry, self.last_request) {
                // PTRACE_SYSCALL: Linux reports the execve's entry, then the exec stop, then
                // its exit; the step is armed by the restart from this entry.
                self.event_msg = 1;
                self.stop(Stop::SyscallEntry);
                return fx;
            }
            fx.write = Some(self.resumed(self.rearm()));
            return fx;
        }
        if wanted(Stop::SyscallEntry, self.last_request) {
            self.event_msg = 1;
            self.stop(Stop::SyscallEntry);
            return fx;
        }
        fx.write = Some(self.resumed(self.rearm()));
        fx
    }

    /// `trace` answered ESRCH: the tracee is gone. Its status is the one its EXIT stop gave;
    /// a tracee that died parked at a stop, where only SIGKILL ends it (§2.5), was killed.
    pub fn on_gone(&mut self) {
        let status = match self.state {
            State::Gone { status } => status,
            _ if self.exit_status.is_some() => self.exit_status,
            State::Stopped { .. } | State::Dying => Some(SIGKILL),
            _ => None,
        };
        self.state = State::Gone { status };
    }

    /// PTRACE_CONT, SYSCALL, SINGLESTEP, SYSEMU, SYSEMU_SINGLESTEP with signal `sig`.
    pub fn restart(&mut self, request: c_int, sig: c_int) -> Result<Plan> {
        if let Some(event) = self.deferred.take()
            && stop_of(&event).is_some_and(|stop| wanted(stop, request))
        {
            self.state = State::Running;
            self.last_request = request;
            return Ok(Plan::Replay(event));
        }
        if let State::Pseudo { .. } = self.state {
            // A v2020 write resumes whatever stop the tracee reached meanwhile (§2.2), unseen,
            // and releases clone children not traced yet: write only when the flags change.
            self.state = State::Running;
            self.last_request = request;
            self.int_cache = None;
            self.env_cache = None;
            self.siginfo = None;
            return Ok(Plan::FromPseudo(armed(self.options, request)));
        }
        let (stop, sig) = match self.stopped()? {
            // The attach stop is SIGSTOP's signal-delivery-stop (a real one after
            // PTRACE_ATTACH; a clone child's freeze is resumed the same way harmlessly).
            Stop::Attached => (Stop::Signal(SIGSTOP), sig),
            // PTRACE_EVENT_STOP is no signal-delivery-stop: the restart's signal is dropped
            // (ptrace(2) "PTRACE_EVENT_STOP"), and the SIGSTOP behind an interrupt stop too.
            Stop::Interrupt => (Stop::Signal(SIGSTOP), 0),
            stop => (stop, sig),
        };
        let mut flags = armed(self.options, request);
        let mut inject = None;
        let mut end_group_stop = false;
        match stop {
            // ptrace(2) "Group-stop": a restart ends it, and the signal given is dropped. A
            // trace write does not end a Redox job-control stop (§5.1); SIGCONT after it does.
            Stop::Group { .. } => end_group_stop = true,
            Stop::Signal(stopsig) if sig != stopsig => {
                // Discard this stop's signal; a different one is sent before the write and
                // delivered without a second report.
                flags |= PtraceFlags::PTRACE_FLAG_IGNORE.bits();
                if sig != 0 {
                    inject = Some(sig);
                }
            }
            // orig_rax = -1 was set, or the last restart was SYSEMU: this syscall is not run.
            Stop::SyscallEntry if self.skip_syscall || self.sysemu => {
                flags |= PtraceFlags::PTRACE_FLAG_IGNORE.bits();
            }
            // ptrace(2): a signal given when restarting from any other stop is not guaranteed
            // to be delivered; like most Linux stops, we drop it.
            _ => {}
        }
        // Whether the signal the tracee takes now stops it (job control): SIGSTOP always;
        // another stop signal if it has no handler, which its signal stop tells (`b` = 0).
        self.job_stop = match stop {
            Stop::Signal(stopsig) if sig == stopsig => {
                status::is_stop_signal(sig)
                    && (sig == SIGSTOP || self.duplicate.0.is_some_and(|e| e.b == 0))
            }
            _ => inject == Some(SIGSTOP),
        };
        self.sysemu = matches!(request, PTRACE_SYSEMU | PTRACE_SYSEMU_SINGLESTEP);
        self.last_request = request;
        self.skip_syscall = false;
        if stop != Stop::SyscallEntry {
            self.syscall_nr = None;
        }
        self.inject = inject;
        self.quiet_sigcont |= end_group_stop;
        if inject.is_some() {
            // Sent while the tracee is parked, the wake-up queues a duplicate of this stop's
            // event (§2.5), dropped when read.
            self.duplicate.1 += 1;
        }
        Ok(Plan::Write {
            flags: self.resumed(flags),
            inject,
            end_group_stop,
        })
    }

    /// The flags to write after a pseudo-stop restart found no stop queued, if the tracee is
    /// not armed with them already.
    pub fn pseudo_write(&mut self, flags: u64) -> Option<u64> {
        if self.state != State::Running {
            return None;
        }
        let wanted = flags | self.internal_flags();
        (self.armed != Some(wanted)).then(|| self.resumed(flags))
    }

    /// A job-control stop (from the operating system's `waitpid`) of a tracee resumed with a
    /// stop signal: its group-stop, already reported by the caller.
    pub fn on_group_stop(&mut self, sig: c_int) -> Option<c_int> {
        if !self.job_stop || self.listening {
            return None;
        }
        self.job_stop = false;
        let stop = Stop::Group {
            sig,
            seized: self.seized,
        };
        self.state = State::Stopped {
            stop,
            reported: true,
        };
        Some(stop.wait_status(self.options))
    }

    /// The TRACEME child, stopped by itself, is now attached: it is released from its
    /// job-control stop with a SIGCONT that is discarded at its signal stop, and watched for
    /// its exec. Returns the flags to write.
    pub fn traceme_attached(&mut self) -> u64 {
        self.quiet_sigcont = true;
        self.watch_entries = true;
        self.resumed(armed(0, PTRACE_CONT))
    }

    /// PTRACE_INTERRUPT of a seized tracee: true when SIGSTOP must be sent, whose signal stop
    /// becomes the PTRACE_EVENT_STOP stop (v2020 cannot stop a running tracee at will, but it
    /// stops one at a signal, docs/redox-protocol.md §2.4). A stopped or listening tracee is
    /// left as it is.
    pub fn interrupt(&mut self) -> Result<bool> {
        if !self.seized {
            return Err(EIO);
        }
        if self.state != State::Running || self.interrupting || self.listening {
            return Ok(false);
        }
        self.interrupting = true;
        Ok(true)
    }

    /// PTRACE_LISTEN: only in a PTRACE_EVENT_STOP stop of a seized tracee (EIO otherwise,
    /// kernel/ptrace.c `ptrace_request`). The tracee is left in (or put into) a job-control
    /// stop, which a `trace` write does not end (§5.1): at an interrupt stop its SIGSTOP is
    /// delivered. Returns the flags to write, if any.
    pub fn listen(&mut self) -> Result<Option<u64>> {
        let stop = self.stopped()?;
        if !self.seized || !matches!(stop, Stop::Interrupt | Stop::Group { .. }) {
            return Err(EIO);
        }
        self.listening = true;
        self.job_stop = false;
        if matches!(self.state, State::Pseudo { .. }) || matches!(stop, Stop::Group { .. }) {
            self.state = State::Running;
            return Ok(None);
        }
        Ok(Some(self.resumed(self.rearm())))
    }

    /// PTRACE_ATTACH found the process in a job-control stop: it is in its group-stop, as
    /// Linux reports it (not seized: GETSIGINFO is EINVAL there).
    pub fn attached_stopped(&mut self) {
        self.stop(Stop::Group {
            sig: SIGSTOP,
            seized: false,
        });
    }

    /// PTRACE_KILL: ignore its stops until it is gone. Returns the flags that release the
    /// stop it sleeps in (v2020 re-parks a stopped tracee woken by a signal, §2.5).
    pub fn killed(&mut self) -> u64 {
        self.state = State::Dying;
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(cause: PtraceFlags, a: usize, b: usize) -> PtraceEvent {
        PtraceEvent {
            cause,
            a,
            b,
            ..Default::default()
        }
    }

    fn running(options: c_int, request: c_int) -> Session {
        let mut s = Session::new(100, 3, 0, options, false);
        s.last_request = request;
        s.resumed(armed(options, request));
        s
    }

    const IGNORE: u64 = PtraceFlags::PTRACE_FLAG_IGNORE.bits();

    /// What a resume in the mode of PTRACE_CONT writes.
    fn cont() -> u64 {
        armed(0, PTRACE_CONT)
    }

    #[test]
    fn syscall_stop_is_reported_once() {
        let mut s = running(0, PTRACE_SYSCALL);
        let fx = s.on_event(&event(PtraceFlags::PTRACE_STOP_PRE_SYSCALL, 0, 0), None);
        assert_eq!(fx, Effects::default());
        assert_eq!(s.take_report(true), Some(0x57f));
        assert_eq!(s.take_report(true), None);
        assert_eq!(s.event_msg, 1);
    }

    #[test]
    fn unwanted_syscall_stop_is_resumed() {
        let mut s = running(0, PTRACE_CONT);
        let fx = s.on_event(&event(PtraceFlags::PTRACE_STOP_POST_SYSCALL, 0, 0), None);
        assert_eq!(fx.write, Some(cont()));
        assert_eq!(s.state, State::Running);
    }

    #[test]
    fn parked_tracee_drops_duplicates_but_dies() {
        let mut s = running(0, PTRACE_CONT);
        s.on_event(&event(PtraceFlags::PTRACE_STOP_SIGNAL, 10, 0), None);
        assert_eq!(s.take_report(true), Some(0xa7f));
        // A duplicate of the stop it sits in: nothing.
        let fx = s.on_event(&event(PtraceFlags::PTRACE_STOP_SIGNAL, 10, 0), None);
        assert_eq!(fx, Effects::default());
        // Killed where it stood: its exit is recorded and it is let go.
        let fx = s.on_event(&event(PtraceFlags::PTRACE_STOP_EXIT, 9, 0), None);
        assert_eq!(fx.write, Some(cont()));
        s.on_gone();
        assert_eq!(s.state, State::Gone { status: Some(9) });
    }

    #[test]
    fn attach_stop_is_the_sigstop_signal_stop() {
        let mut s = Session::new(100, 3, 0, 0, false);
        s.attaching = true;
        s.resumed(s.rearm());
        s.on_event(&event(PtraceFlags::PTRACE_STOP_SIGNAL, 19, 0), None);
        assert_eq!(s.take_report(true), Some(0x137f));
        // Restarted without a signal: the SIGSTOP is discarded.
        let plan = s.restart(PTRACE_CONT, 0).unwrap();
        assert!(matches!(plan, Plan::Write { flags, inject: None, .. } if flags & IGNORE != 0));
        assert!(!s.job_stop);
    }

    #[test]
    fn death_at_the_attach_stop_is_a_kill() {
        let mut s = Session::new(100, 3, 0, 0, false);
        s.stop(Stop::Attached);
        s.on_gone();
        assert_eq!(
            s.state,
            State::Gone {
                status: Some(SIGKILL)
            }
        );
    }

    #[test]
    fn injected_signal_is_not_reported_and_its_duplicate_is_dropped() {
        let mut s = running(0, PTRACE_CONT);
        let stop = event(PtraceFlags::PTRACE_STOP_SIGNAL, 10, 2);
        s.on_event(&stop, None);
        s.take_report(true);
        let plan = s.restart(PTRACE_CONT, 12).unwrap();
        assert!(matches!(
            plan,
            Plan::Write {
                flags,
                inject: Some(12),
                end_group_stop: false
            } if flags == cont() | IGNORE
        ));
        // The duplicate of the old stop, then the injected signal's own stop.
        assert_eq!(s.on_event(&stop, None), Effects::default());
        let fx = s.on_event(&event(PtraceFlags::PTRACE_STOP_SIGNAL, 12, 2), None);
        assert_eq!(fx.write, Some(cont()));
        assert_eq!(s.take_report(true), None);
        assert!(!s.job_stop);
    }

    #[test]
    fn clone_event_is_a_pseudo_stop_until_the_next_stop() {
        let mut s = running(PTRACE_O_TRACECLONE, PTRACE_CONT);
        assert_eq!(
            s.needs(&event(PtraceFlags::PTRACE_EVENT_CLONE, 200, 0)),
            Need::NewTask
        );
        let thread = new_task_fact(status::NewTask::Thread);
        let fx = s.on_event(
            &event(PtraceFlags::PTRACE_EVENT_CLONE, 200, 0),
            Some(thread),
        );
        assert_eq!(fx.child, Some((200, true)));
        assert_eq!(s.take_report(true), Some(0x3057f));
        assert!(!s.regs_cacheable());
        let next = event(PtraceFlags::PTRACE_STOP_SIGNAL, 10, 0);
        s.on_event(&next, None);
        assert!(matches!(s.state, State::Stopped { reported: true, .. }));
        // The restart replays the stop it parked at.
        assert!(matches!(s.restart(PTRACE_CONT, 0), Ok(Plan::Replay(_))));
    }

    #[test]
    fn threads_and_processes_are_told_apart() {
        let both = PTRACE_O_TRACEFORK | PTRACE_O_TRACECLONE;
        for (kind, status) in [
            (status::NewTask::Process, 0x1057f),
            (status::NewTask::Thread, 0x3057f),
        ] {
            let mut s = running(both, PTRACE_CONT);
            let fx = s.on_event(
                &event(PtraceFlags::PTRACE_EVENT_CLONE, 200, 0),
                Some(new_task_fact(kind)),
            );
            assert_eq!(fx.child, Some((200, true)));
            assert_eq!(s.take_report(true), Some(status));
        }
        // Only TRACEFORK: a thread is left untraced.
        let mut s = running(PTRACE_O_TRACEFORK, PTRACE_CONT);
        let thread = new_task_fact(status::NewTask::Thread);
        let fx = s.on_event(
            &event(PtraceFlags::PTRACE_EVENT_CLONE, 200, 0),
            Some(thread),
        );
        assert_eq!(fx.child, Some((200, false)));
    }

    #[test]
    fn clone_nobody_asked_for_is_released() {
        let mut s = running(PTRACE_O_TRACEEXEC, PTRACE_CONT);
        assert_eq!(
            s.needs(&event(PtraceFlags::PTRACE_EVENT_CLONE, 200, 0)),
            Need::Nothing
        );
        let fx = s.on_event(&event(PtraceFlags::PTRACE_EVENT_CLONE, 200, 0), None);
        assert_eq!(fx.child, Some((200, false)));
        assert_eq!(s.state, State::Running);
    }

    #[test]
    fn exec_watch_steps_into_the_new_program() {
        let mut s = Session::new(100, 3, 0, 0, false);
        s.traceme_attached();
        let entry = event(PtraceFlags::PTRACE_STOP_PRE_SYSCALL, 0, 0);
        assert_eq!(s.needs(&entry), Need::SyscallNumber);
        // Another syscall: resumed, still watching.
        let fx = s.on_event(&entry, Some(1));
        assert!(fx.write.is_some_and(|f| f & 1 != 0));
        // The exec: a forced step, whose stop is the exec stop.
        let exec = super::super::os::EXEC_SYSCALLS[0];
        let fx = s.on_event(&entry, Some(exec));
        let step = PtraceFlags::PTRACE_STOP_SINGLESTEP.bits();
        assert!(fx.write.is_some_and(|f| f & step != 0));
        s.on_event(
            &event(PtraceFlags::PTRACE_EVENT_ADDRSPACE_SWITCH, 0, 0),
            None,
        );
        assert_eq!(s.state, State::Running);
        s.on_event(&event(PtraceFlags::PTRACE_STOP_SINGLESTEP, 0, 0), None);
        assert_eq!(s.take_report(true), Some(0x57f));
        assert!(s.deferred.is_none());
    }

    #[test]
    fn group_stop_only_after_a_stop_signal() {
        let mut s = running(0, PTRACE_CONT);
        assert_eq!(s.on_group_stop(19), None);
        s.on_event(&event(PtraceFlags::PTRACE_STOP_SIGNAL, 19, 0), None);
        s.take_report(true);
        s.restart(PTRACE_CONT, 19).unwrap();
        assert_eq!(s.on_group_stop(19), Some(0x137f));
        let plan = s.restart(PTRACE_CONT, 0).unwrap();
        assert!(matches!(
            plan,
            Plan::Write {
                end_group_stop: true,
                ..
            }
        ));
        // The SIGCONT that ended it is discarded at its signal stop.
        let fx = s.on_event(&event(PtraceFlags::PTRACE_STOP_SIGNAL, 18, 0), None);
        assert!(fx.write.is_some_and(|f| f & IGNORE != 0));
        assert_eq!(s.take_report(true), None);
    }

    #[test]
    fn restart_needs_a_stop_and_a_valid_signal() {
        let mut s = running(0, PTRACE_CONT);
        assert!(matches!(s.restart(PTRACE_CONT, 0), Err(ESRCH)));
        assert_eq!(valid_signal(65), Err(EIO));
    }

    #[test]
    fn exit_stop_only_with_traceexit() {
        let mut s = running(PTRACE_O_TRACEEXIT, PTRACE_CONT);
        s.on_event(&event(PtraceFlags::PTRACE_STOP_EXIT, 0x300, 0), None);
        assert_eq!(s.take_report(true), Some(0x6057f));
        assert_eq!(s.event_msg, 0x300);
        s.restart(PTRACE_CONT, 0).unwrap();
        s.on_gone();
        assert_eq!(
            s.state,
            State::Gone {
                status: Some(0x300)
            }
        );
    }

    #[test]
    fn sigkill_at_the_exit_stop_changes_nothing() {
        let mut s = running(PTRACE_O_TRACEEXIT, PTRACE_CONT);
        let exit = event(PtraceFlags::PTRACE_STOP_EXIT, 0x300, 0);
        s.on_event(&exit, None);
        assert_eq!(s.take_report(true), Some(0x6057f));
        // The SIGKILL's wake-up queues the EXIT stop again (§2.5): still parked there.
        assert_eq!(s.on_event(&exit, None), Effects::default());
        assert!(matches!(s.state, State::Stopped { reported: true, .. }));
    }

    #[test]
    fn killed_at_a_clone_event_is_not_parked() {
        let vfork = new_task_fact(status::NewTask::Vfork);
        let mut s = running(PTRACE_O_TRACEVFORK | PTRACE_O_TRACEVFORKDONE, PTRACE_CONT);
        s.on_event(&event(PtraceFlags::PTRACE_EVENT_CLONE, 200, 0), Some(vfork));
        assert_eq!(s.take_report(true), Some(0x2057f));
        // Killed at the VFORK stop: let go to die, no VFORK_DONE stop is left to come.
        let fx = s.on_event(&event(PtraceFlags::PTRACE_STOP_EXIT, 9, 0), None);
        assert_eq!(fx.write, Some(s.rearm()));
        assert_eq!(s.vfork_done, None);
        s.on_gone();
        assert_eq!(s.state, State::Gone { status: Some(9) });

        // An exit of its own after a clone event waits for the restart, as on Linux.
        let mut s = running(PTRACE_O_TRACEFORK | PTRACE_O_TRACEEXIT, PTRACE_CONT);
        let process = new_task_fact(status::NewTask::Process);
        s.on_event(
            &event(PtraceFlags::PTRACE_EVENT_CLONE, 201, 0),
            Some(process),
        );
        assert_eq!(s.take_report(true), Some(0x1057f));
        let fx = s.on_event(&event(PtraceFlags::PTRACE_STOP_EXIT, 0x300, 0), None);
        assert_eq!(fx, Effects::default());
        assert!(matches!(s.restart(PTRACE_CONT, 0), Ok(Plan::Replay(_))));
    }

    #[test]
    fn killed_tracee_ignores_its_stops() {
        let mut s = running(0, PTRACE_SYSCALL);
        assert_eq!(s.killed(), 0);
        let fx = s.on_event(&event(PtraceFlags::PTRACE_STOP_PRE_SYSCALL, 0, 0), None);
        assert_eq!(fx, Effects::default());
        assert_eq!(s.take_report(true), None);
        s.on_gone();
        assert_eq!(
            s.state,
            State::Gone {
                status: Some(SIGKILL)
            }
        );
    }
}
