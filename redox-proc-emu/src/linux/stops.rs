//! Linux stops to Redox stop sites: reaping wait statuses, classifying each ptrace-stop and
//! turning it into a Redox stop, an event or a resume.

use syscall::data::PtraceEvent;

use super::{
    BREAKPOINT, EV_CLONE, EV_CLONE_BIT, EV_EXEC, EV_EXIT, EV_FORK, EV_STOP, EV_SWITCH_BIT,
    EV_VFORK, EXIT, POST, PRE, SIGNAL, STEP, StopKind, Tracee, event, is_stop_sig,
};
use crate::server::Emu;
use crate::sys;

impl Emu {
    /// Reap everything that is ready (`waitpid(-1, WNOHANG|__WALL)`), feeding each status to
    /// the state machine.
    pub(crate) fn reap_all(&mut self) {
        while let Ok(Some((pid, status))) = sys::waitpid(-1, libc::WNOHANG | libc::__WALL) {
            self.on_wait(pid, status);
        }
    }

    /// A vfork child exec'd, exited or is no longer watched: its parent may go on.
    pub(super) fn release_vfork_parents(&mut self, child: i32) {
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

    pub(super) fn on_exit(&mut self, pid: i32, status: i32) {
        if pid == self.program {
            self.program_status = Some(status);
        }
        self.pending_clone.remove(&pid);
        // Its chan: markers die with it (they live while the creator's fd is open).
        self.chans.retain(|_, &mut (owner, _)| owner != pid);
        if let Some(t) = self.tracees.get_mut(&pid) {
            t.exited = Some(status);
            t.attached = false;
            t.stop = None;
            t.hold = false;
            t.frozen = false;
            t.listening = false;
            self.exits.insert(pid, status);
        }
        // The tracer's `event:` queues learn of the death (ptrace.rs `close_tracee`).
        self.close_tracee(pid);
        self.release_vfork_parents(pid);
    }

    fn classify(&mut self, pid: i32, status: i32) -> StopKind {
        let sig = libc::WSTOPSIG(status);
        let ev = (status >> 16) & 0xff;
        let stepping = self.tracees.get(&pid).is_some_and(|t| t.stepping);
        if sig == libc::SIGTRAP | 0x80 {
            // Entry/exit from PTRACE_GET_SYSCALL_INFO, never from a toggle.
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
            // before or after the parent's event stop.
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
            // A vfork parent held for its child has left the vfork too: v2020 blocks it there
            // (`context.block("vfork")`, syscall/process.rs @59177587 l.311-316), and a
            // pending signal unblocks it (context/switch.rs l.48-51), a SIGKILL to its death.
            t.vfork_child = None;
            // Frozen (`ptrace_stop`, never scheduled: context/switch.rs @59177587 l.67), a task
            // sees a new Linux stop only when SIGKILL woke it: its death is let through at
            // once, as at a Redox stop site (docs/redox-gaps.md).
            t.frozen = false;
            t.stepping = false;
            t.stop = Some(kind);
        }
        self.dispatch(pid, kind);
    }

    pub(super) fn armed(&self, pid: i32) -> u64 {
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
        self.add_event(pid, ev);
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
        self.add_event(pid, ev);
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
}
