//! The Linux side: the emulator is the real Linux tracer of every tracee. This module turns
//! Linux ptrace-stops into Redox v2020 stop sites and events, and resumes every stop the armed
//! breakpoint did not ask for.
//!
//! Kernel references are to redox-os/kernel @59177587 (`src/ptrace.rs`, `src/scheme/proc.rs`,
//! `src/syscall/process.rs`, `src/context/signal.rs`), the v2020 protocol.

use std::time::{Duration, Instant};

use syscall::data::PtraceEvent;
use syscall::flag::{
    PTRACE_EVENT_ADDRSPACE_SWITCH, PTRACE_EVENT_CLONE, PTRACE_STOP_BREAKPOINT, PTRACE_STOP_EXIT,
    PTRACE_STOP_POST_SYSCALL, PTRACE_STOP_PRE_SYSCALL, PTRACE_STOP_SIGNAL, PTRACE_STOP_SINGLESTEP,
    PtraceFlags,
};

use crate::server::Emu;
use crate::sys::{self, Res};

const EV_FORK: i32 = 1;
const EV_VFORK: i32 = 2;
const EV_CLONE: i32 = 3;
const EV_EXEC: i32 = 4;
const EV_EXIT: i32 = 6;
const EV_STOP: i32 = 128;

/// Options given to `PTRACE_SEIZE`. `EXITKILL`: if the emulator is killed, no tracee is left
/// stopped behind (a graceful shutdown detaches everything first).
const SEIZE_OPTIONS: usize = (libc::PTRACE_O_TRACESYSGOOD
    | libc::PTRACE_O_TRACECLONE
    | libc::PTRACE_O_TRACEFORK
    | libc::PTRACE_O_TRACEVFORK
    | libc::PTRACE_O_TRACEEXEC
    | libc::PTRACE_O_TRACEEXIT
    | libc::PTRACE_O_EXITKILL) as usize;

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

impl Emu {
    /// `PTRACE_SEIZE` `pid` unless already attached.
    pub(crate) fn attach(&mut self, pid: i32) -> Res<()> {
        if self
            .tracees
            .get(&pid)
            .is_some_and(|t| t.attached && t.exited.is_none())
        {
            return Ok(());
        }
        match sys::ptrace(libc::PTRACE_SEIZE, pid, 0, SEIZE_OPTIONS) {
            Ok(_) => {}
            Err(libc::EPERM) if self.is_our_tracee(pid) => {
                // Auto-attached by TRACECLONE/FORK/VFORK, its first stop not reaped yet
                // (e.g. a clone child opened right after its CLONE event): collect it now.
                let deadline = Instant::now() + Duration::from_secs(2);
                while !self.tracees.get(&pid).is_some_and(|t| t.attached) && self.is_our_tracee(pid)
                {
                    match sys::waitpid(pid, libc::WNOHANG | libc::__WALL) {
                        Ok(Some((_, st))) => self.on_wait(pid, st),
                        Ok(None) if Instant::now() < deadline => {
                            std::thread::sleep(Duration::from_micros(20));
                        }
                        _ => return Err(libc::ESRCH),
                    }
                }
                if self.tracee_alive_attached(pid) {
                    return Ok(());
                }
                // It was detached meanwhile (its CLONE event was not armed): seize it anew.
                sys::ptrace(libc::PTRACE_SEIZE, pid, 0, SEIZE_OPTIONS).map_err(|e| {
                    if e == libc::EPERM {
                        libc::EPERM
                    } else {
                        libc::ESRCH
                    }
                })?;
            }
            Err(libc::EPERM) => return Err(libc::EPERM),
            Err(_) => return Err(libc::ESRCH),
        }
        self.exits.remove(&pid);
        self.tracees.insert(
            pid,
            Tracee {
                attached: true,
                last_req: libc::PTRACE_CONT,
                ..Tracee::default()
            },
        );
        Ok(())
    }

    fn is_our_tracee(&self, pid: i32) -> bool {
        let me = std::process::id().to_string();
        sys::status_field(pid, "TracerPid:").is_some_and(|f| f.first() == Some(&me))
    }

    fn tracee_alive_attached(&self, pid: i32) -> bool {
        self.tracees
            .get(&pid)
            .is_some_and(|t| t.attached && t.exited.is_none())
    }

    /// Reap everything that is ready (`waitpid(-1, WNOHANG|__WALL)`), feeding each status to
    /// the state machine.
    pub(crate) fn reap_all(&mut self) {
        while let Ok(Some((pid, status))) = sys::waitpid(-1, libc::WNOHANG | libc::__WALL) {
            self.on_wait(pid, status);
        }
    }

    /// A vfork child exec'd, exited or is no longer watched: its parent may go on.
    fn release_vfork_parents(&mut self, child: i32) {
        let parents: Vec<i32> = self
            .tracees
            .iter()
            .filter(|(_, t)| t.vfork_child == Some(child))
            .map(|(p, _)| *p)
            .collect();
        for p in parents {
            let inject = match self.tracees.get_mut(&p) {
                Some(t) => {
                    t.vfork_child = None;
                    t.pending_inject
                }
                None => 0,
            };
            self.resume(p, inject);
        }
    }

    fn on_exit(&mut self, pid: i32, status: i32) {
        if pid == self.program {
            self.program_status = Some(status);
        }
        self.pending_clone.remove(&pid);
        if let Some(t) = self.tracees.get_mut(&pid) {
            t.exited = Some(status);
            t.attached = false;
            t.stop = None;
            t.hold = false;
            t.frozen = false;
            t.listening = false;
            self.exits.insert(pid, status);
        }
        self.release_vfork_parents(pid);
    }

    fn classify(&mut self, pid: i32, status: i32) -> StopKind {
        let sig = libc::WSTOPSIG(status);
        let ev = (status >> 16) & 0xff;
        let stepping = self.tracees.get(&pid).is_some_and(|t| t.stepping);
        if sig == libc::SIGTRAP | 0x80 {
            // Entry/exit from PTRACE_GET_SYSCALL_INFO, never from a toggle (feasibility Q3).
            match sys::syscall_op(pid) {
                Ok(1) => StopKind::SysEntry,
                _ => StopKind::SysExit,
            }
        } else if ev == EV_STOP {
            if is_stop_sig(sig) {
                StopKind::GroupStop
            } else {
                StopKind::Trap
            }
        } else if ev != 0 {
            StopKind::Event(ev)
        } else if sig == libc::SIGTRAP {
            match sys::sigcode(pid) {
                Ok(libc::SI_KERNEL) => StopKind::Breakpoint,
                Ok(code) if code == libc::TRAP_TRACE || (code > 0 && stepping) => StopKind::Step,
                _ => StopKind::Signal(libc::SIGTRAP),
            }
        } else {
            StopKind::Signal(sig)
        }
    }

    /// Feed one wait status.
    pub(crate) fn on_wait(&mut self, pid: i32, status: i32) {
        if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
            self.on_exit(pid, status);
            return;
        }
        if !libc::WIFSTOPPED(status) {
            return;
        }
        let known = self.tracees.get(&pid).is_some_and(|t| t.attached);
        if !known {
            // First stop of a task auto-attached by TRACECLONE/FORK/VFORK. It may arrive
            // before or after the parent's event stop (feasibility trap 11).
            self.exits.remove(&pid);
            self.tracees.insert(
                pid,
                Tracee {
                    attached: true,
                    stop: Some(StopKind::Trap),
                    new_child: true,
                    last_req: libc::PTRACE_CONT,
                    ..Tracee::default()
                },
            );
            if let Some(freeze) = self.pending_clone.remove(&pid) {
                self.decide_child(pid, freeze);
            }
            return;
        }
        let kind = self.classify(pid, status);
        if self.debug {
            eprintln!("redox-proc-emu: pid {pid} status {status:#x} -> {kind:?}");
        }
        if let Some(t) = self.tracees.get_mut(&pid) {
            t.listening = false;
            t.hold = false; // a new Linux stop (e.g. SIGKILL woke it) ends any earlier stop
            t.stepping = false;
            t.stop = Some(kind);
        }
        self.dispatch(pid, kind);
    }

    fn armed(&self, pid: i32) -> u64 {
        self.sessions.get(&pid).and_then(|s| s.armed).unwrap_or(0)
    }

    /// Redox stop site: stop only if the armed breakpoint contains `cause`
    /// (`ptrace.rs breakpoint_callback` @59177587 l.278-316: mark reached, queue the event,
    /// wake the tracer, sleep until the next write/close).
    fn try_stop(&mut self, pid: i32, ev: PtraceEvent) -> bool {
        let cause = ev.cause.bits();
        let Some(s) = self.sessions.get_mut(&pid) else {
            return false;
        };
        if s.armed.is_none_or(|a| a & cause != cause) {
            return false;
        }
        s.reached = true;
        s.queue.push_back(ev);
        if let Some(t) = self.tracees.get_mut(&pid) {
            t.hold = true;
            t.last_event = Some(ev);
        }
        true
    }

    /// Non-stopping event: queued only if armed (`ptrace.rs send_event` @59177587 l.198-225).
    fn send_event(&mut self, pid: i32, ev: PtraceEvent) -> bool {
        let cause = ev.cause.bits();
        let Some(s) = self.sessions.get_mut(&pid) else {
            return false;
        };
        if s.armed.is_none_or(|a| a & cause != cause) {
            return false;
        }
        s.queue.push_back(ev);
        true
    }

    fn dispatch(&mut self, pid: i32, kind: StopKind) {
        match kind {
            StopKind::SysEntry => {
                // Redox shows the syscall number in rax at PRE_SYSCALL
                // (arch/x86_64/interrupt/syscall.rs @59177587); Linux keeps it in orig_rax,
                // which a register read shows until the tracer writes rax.
                if let Some(t) = self.tracees.get_mut(&pid) {
                    t.pre_rax = None;
                }
                if !self.try_stop(pid, event(PRE, 0, 0)) {
                    self.resume(pid, 0);
                }
            }
            StopKind::SysExit => {
                let skip = self.tracees.get_mut(&pid).and_then(|t| t.skip_ret.take());
                if let Some(v) = skip {
                    // PTRACE_FLAG_IGNORE at PRE: "rax keeps whatever the tracer wrote"
                    // (syscall.rs @59177587); Linux left -ENOSYS there.
                    if let Ok(mut r) = sys::getregs(pid) {
                        r.rax = v;
                        let _ = sys::setregs(pid, &r);
                    }
                }
                if !self.try_stop(pid, event(POST, 0, 0)) {
                    self.resume(pid, 0);
                }
            }
            StopKind::Step => {
                if !self.try_stop(pid, event(STEP, 0, 0)) {
                    self.resume(pid, 0);
                }
            }
            StopKind::Breakpoint => {
                if self.armed(pid) & BREAKPOINT != 0 {
                    // Quirk reproduced: the v2020 kernel does `rip -= 1` so rip points AT
                    // the int3 (kernel 47018381 "Fix RIP register on int3",
                    // arch/x86_64/interrupt/exception.rs @59177587). Linux reports int3+1.
                    if let Ok(mut r) = sys::getregs(pid) {
                        r.rip = r.rip.wrapping_sub(1);
                        let _ = sys::setregs(pid, &r);
                    }
                    self.try_stop(pid, event(BREAKPOINT, 0, 0));
                } else {
                    // Not caught: v2020 raises SIGTRAP in the process.
                    self.resume(pid, libc::SIGTRAP);
                }
            }
            StopKind::Signal(sig) => {
                // context/signal.rs @59177587: a = signal, b = handler (0 default, 1 ignore).
                let bit = 1u64 << ((sig - 1) & 63);
                let handler = if sys::sigmask(pid, "SigIgn:") & bit != 0 {
                    1
                } else if sys::sigmask(pid, "SigCgt:") & bit != 0 {
                    // Linux does not expose another process's handler address.
                    crate::server::HANDLER_CAUGHT
                } else {
                    0
                };
                if !self.try_stop(pid, event(SIGNAL, sig as usize, handler)) {
                    self.resume(pid, sig);
                }
            }
            StopKind::GroupStop | StopKind::Trap => self.resume(pid, 0),
            StopKind::Event(ev) => match ev {
                EV_EXIT => {
                    // syscall/process.rs @59177587 l.1077: EXIT stop, a = wait status.
                    let st = sys::geteventmsg(pid).unwrap_or(0) as usize;
                    if !self.try_stop(pid, event(EXIT, st, 0)) {
                        self.resume(pid, 0);
                    }
                }
                EV_FORK | EV_VFORK | EV_CLONE => {
                    // syscall/process.rs @59177587 l.563-569: the clone is frozen only if the
                    // CLONE event was actually sent.
                    if let Ok(child) = sys::geteventmsg(pid) {
                        let child = child as i32;
                        let sent = self.send_event(pid, event(EV_CLONE_BIT, child as usize, 0));
                        self.clone_decision(child, sent);
                        if sent && ev == EV_VFORK {
                            // The vfork parent would sit in the kernel until the child execs or
                            // exits, where Linux cannot reach its registers: keep it in this
                            // ptrace-stop instead (unobservable: it is blocked either way).
                            if let Some(t) = self.tracees.get_mut(&pid) {
                                t.vfork_child = Some(child);
                            }
                        }
                    }
                    self.resume(pid, 0);
                }
                EV_EXEC => {
                    // ADDRSPACE_SWITCH (2022+, proc.rs @f53a1ffd^): a = 0; mem must reopen.
                    if let Some(t) = self.tracees.get_mut(&pid) {
                        t.exec_gen += 1;
                    }
                    self.release_vfork_parents(pid);
                    self.send_event(pid, event(EV_SWITCH_BIT, 0, 0));
                    self.resume(pid, 0);
                }
                _ => self.resume(pid, 0),
            },
        }
    }

    fn clone_decision(&mut self, child: i32, freeze: bool) {
        match self.tracees.get(&child) {
            Some(t) if t.attached && t.new_child => self.decide_child(child, freeze),
            // Already claimed by a client's open before this event was seen.
            Some(t) if t.attached => {}
            _ => {
                self.pending_clone.insert(child, freeze);
            }
        }
    }

    fn decide_child(&mut self, child: i32, freeze: bool) {
        if let Some(t) = self.tracees.get_mut(&child) {
            t.new_child = false;
            if freeze {
                t.frozen = true;
                return;
            }
        }
        if self.busy(child) {
            // Opened by a client before its parent's event was seen: keep it, let it run.
            self.resume(child, 0);
        } else {
            self.detach(child);
        }
    }

    /// The Linux resume request the armed flags need.
    fn choose_req(&self, pid: i32, kind: Option<StopKind>) -> libc::c_uint {
        let armed = self.armed(pid);
        if self.tracees.get(&pid).is_some_and(|t| t.skip_ret.is_some()) {
            return libc::PTRACE_SYSCALL;
        }
        let step = armed & STEP != 0;
        let sys_armed = armed & (PRE | POST) != 0;
        if step && sys_armed {
            // PTRACE_SINGLESTEP suppresses syscall-stops (feasibility trap 8): use
            // PTRACE_SYSCALL for the step that crosses a `syscall` instruction.
            if kind == Some(StopKind::SysEntry) {
                return if armed & POST != 0 {
                    libc::PTRACE_SYSCALL
                } else {
                    libc::PTRACE_SINGLESTEP
                };
            }
            if self.at_syscall_insn(pid) {
                return libc::PTRACE_SYSCALL;
            }
            return libc::PTRACE_SINGLESTEP;
        }
        if step {
            libc::PTRACE_SINGLESTEP
        } else if sys_armed {
            libc::PTRACE_SYSCALL
        } else {
            libc::PTRACE_CONT
        }
    }

    fn at_syscall_insn(&self, pid: i32) -> bool {
        use std::os::unix::fs::FileExt;
        let Ok(r) = sys::getregs(pid) else {
            return false;
        };
        let Ok(f) = std::fs::File::open(format!("/proc/{pid}/mem")) else {
            return false;
        };
        let mut b = [0u8; 2];
        matches!(f.read_at(&mut b, r.rip), Ok(2)) && b == [0x0f, 0x05]
    }

    /// Resume a tracee sitting in a Linux stop, unless a Redox stop or freeze holds it.
    pub(crate) fn resume(&mut self, pid: i32, inject: i32) {
        let kind = match self.tracees.get_mut(&pid) {
            Some(t) if t.attached => {
                if t.hold || t.frozen || t.new_child || t.vfork_child.is_some() {
                    t.pending_inject = inject;
                    return;
                }
                match t.stop {
                    Some(k) => k,
                    None => return,
                }
            }
            _ => return,
        };
        if kind == StopKind::GroupStop {
            // A job-control stop stays a job-control stop: ptrace resumes never undo it
            // (Redox §5.1; feasibility trap 5).
            if sys::ptrace(libc::PTRACE_LISTEN, pid, 0, 0).is_ok() {
                if let Some(t) = self.tracees.get_mut(&pid) {
                    t.stop = None;
                    t.listening = true;
                }
                return;
            }
        }
        let req = self.choose_req(pid, Some(kind));
        let r = sys::ptrace(req, pid, 0, inject.max(0) as usize);
        if self.debug {
            eprintln!("redox-proc-emu: resume {pid} req {req:#x} sig {inject} -> {r:?}");
        }
        if let Some(t) = self.tracees.get_mut(&pid) {
            t.stop = None;
            t.pending_inject = 0;
            t.stepping = req == libc::PTRACE_SINGLESTEP;
            t.last_req = req;
            if kind != StopKind::SysEntry {
                t.pre_rax = None;
            }
        }
    }

    /// Leave a Redox stop. `ignore`: the resuming write had `PTRACE_FLAG_IGNORE` and armed
    /// something (`next_breakpoint()` in ptrace.rs @59177587 l.319).
    pub(crate) fn release_hold(&mut self, pid: i32, ignore: bool) {
        let Some(t) = self.tracees.get_mut(&pid) else {
            return;
        };
        t.hold = false;
        let inject = match t.stop {
            Some(StopKind::SysEntry) => {
                if ignore {
                    // Skip the syscall ("sysemu"): orig_rax = -1 on Linux.
                    if let Ok(mut r) = sys::getregs(pid) {
                        t.skip_ret = Some(t.pre_rax.unwrap_or(r.orig_rax));
                        r.orig_rax = u64::MAX;
                        let _ = sys::setregs(pid, &r);
                    }
                }
                0
            }
            Some(StopKind::Signal(s)) if !ignore || s == libc::SIGKILL => s,
            _ => 0,
        };
        self.resume(pid, inject);
    }

    /// Make sure `pid` sits in a Linux ptrace-stop (Redox `try_stop_context`,
    /// proc.rs @59177587 l.55-85). Returns true if it was stopped for this access only
    /// (the caller then calls [`Emu::resume`]).
    pub(crate) fn ensure_stopped(&mut self, pid: i32) -> Res<bool> {
        let (listening, stopped) = match self.tracees.get(&pid) {
            Some(t) if t.attached && t.exited.is_none() => (t.listening, t.stop.is_some()),
            _ => return Err(libc::ESRCH),
        };
        if stopped {
            return Ok(false);
        }
        let state = sys::proc_stat(pid).map(|s| s.0);
        // Never PTRACE_INTERRUPT a task that is already stopped (feasibility trap 2).
        if listening || state != Some(b'T') {
            sys::ptrace(libc::PTRACE_INTERRUPT, pid, 0, 0).map_err(|_| libc::ESRCH)?;
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            match sys::waitpid(pid, libc::WNOHANG | libc::__WALL) {
                Ok(Some((_, st))) => {
                    if libc::WIFEXITED(st) || libc::WIFSIGNALED(st) {
                        self.on_exit(pid, st);
                        return Err(libc::ESRCH);
                    }
                    if libc::WIFSTOPPED(st) && (st >> 16) & 0xff == EV_STOP {
                        let kind = if is_stop_sig(libc::WSTOPSIG(st)) {
                            StopKind::GroupStop
                        } else {
                            StopKind::Trap
                        };
                        if let Some(t) = self.tracees.get_mut(&pid) {
                            t.listening = false;
                            t.stepping = false;
                            t.stop = Some(kind);
                        }
                        return Ok(true);
                    }
                    self.on_wait(pid, st);
                    if self.tracees.get(&pid).is_some_and(|t| t.stop.is_some()) {
                        return Ok(false);
                    }
                }
                Ok(None) => {
                    if Instant::now() > deadline {
                        return Err(libc::ENOTRECOVERABLE);
                    }
                    std::thread::sleep(Duration::from_micros(20));
                }
                Err(_) => return Err(libc::ESRCH),
            }
        }
    }

    /// The breakpoint changed while the tracee runs: if it now needs a stronger Linux resume
    /// request (syscall-stops or single-steps), stop and restart it so the new breakpoint is
    /// armed when the write returns.
    pub(crate) fn rearm_running(&mut self, pid: i32) {
        let (last, running) = match self.tracees.get(&pid) {
            Some(t) => (t.last_req, t.attached && t.stop.is_none() && !t.listening),
            None => return,
        };
        if !running {
            return;
        }
        let want = self.choose_req(pid, None);
        let stronger = (want == libc::PTRACE_SINGLESTEP && last != libc::PTRACE_SINGLESTEP)
            || (want == libc::PTRACE_SYSCALL && last == libc::PTRACE_CONT);
        if stronger && let Ok(true) = self.ensure_stopped(pid) {
            self.resume(pid, 0);
        }
    }

    /// Linux-detach `pid` (re-injecting a signal it was stopped for).
    pub(crate) fn detach(&mut self, pid: i32) {
        if self.ensure_stopped(pid).is_err() {
            return;
        }
        let inject = match self.tracees.get(&pid).and_then(|t| t.stop) {
            Some(StopKind::Signal(s)) => s,
            _ => 0,
        };
        let _ = sys::ptrace(libc::PTRACE_DETACH, pid, 0, inject as usize);
        self.tracees.remove(&pid);
        self.release_vfork_parents(pid);
    }

    /// Detach `pid` if nothing refers to it any more (no session, no handle, not frozen).
    /// Does a session or a handle still need `pid` attached?
    pub(crate) fn busy(&self, pid: i32) -> bool {
        self.sessions.contains_key(&pid)
            || self
                .clients
                .values()
                .any(|c| c.handles.values().any(|h| h.pid == pid && h.needs_attach()))
    }

    pub(crate) fn maybe_detach(&mut self, pid: i32) {
        let busy = self.busy(pid);
        match self.tracees.get(&pid) {
            Some(t) if t.attached && !t.frozen && !t.new_child && !busy => self.detach(pid),
            Some(t) if !t.attached && !busy => {
                self.tracees.remove(&pid);
            }
            _ => {}
        }
    }

    /// Graceful shutdown: nothing may stay stopped because of us.
    pub(crate) fn detach_all(&mut self) {
        let pids: Vec<i32> = self.tracees.keys().copied().collect();
        for pid in pids {
            if let Some(t) = self.tracees.get_mut(&pid) {
                t.frozen = false;
                t.hold = false;
                t.new_child = false;
                t.vfork_child = None;
            }
            if self.tracees.get(&pid).is_some_and(|t| t.attached) {
                self.detach(pid);
            }
        }
    }
}
