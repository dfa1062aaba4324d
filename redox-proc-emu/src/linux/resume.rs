//! The resume side: the Linux resume request the armed flags need, leaving a Redox stop,
//! stopping a running tracee for an access, and rearming a running one.

use std::time::{Duration, Instant};

use super::{EV_STOP, POST, PRE, STEP, StopKind, is_stop_sig};
use crate::server::Emu;
use crate::sys::{self, Res};

impl Emu {
    /// The Linux resume request the armed flags need.
    fn choose_req(&self, pid: i32, kind: Option<StopKind>) -> libc::c_uint {
        let armed = self.armed(pid);
        if self.tracees.get(&pid).is_some_and(|t| t.skip_ret.is_some()) {
            return libc::PTRACE_SYSCALL;
        }
        let step = armed & STEP != 0;
        let sys_armed = armed & (PRE | POST) != 0;
        if step && sys_armed {
            // PTRACE_SINGLESTEP suppresses syscall-stops: use
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
            // (Redox §5.1).
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
        // Never PTRACE_INTERRUPT a task that is already stopped.
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
}
