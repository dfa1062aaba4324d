//! Attaching to tracees (`PTRACE_SEIZE`, including auto-attached children) and detaching
//! from them when nothing needs them any more.

use std::time::{Duration, Instant};

use super::{StopKind, Tracee};
use crate::server::Emu;
use crate::sys::{self, Res};

/// Options given to `PTRACE_SEIZE`. `EXITKILL`: if the emulator is killed, no tracee is left
/// stopped behind (a graceful shutdown detaches everything first).
const SEIZE_OPTIONS: usize = (libc::PTRACE_O_TRACESYSGOOD
    | libc::PTRACE_O_TRACECLONE
    | libc::PTRACE_O_TRACEFORK
    | libc::PTRACE_O_TRACEVFORK
    | libc::PTRACE_O_TRACEEXEC
    | libc::PTRACE_O_TRACEEXIT
    | libc::PTRACE_O_EXITKILL) as usize;

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

    /// Does a session or a handle still need `pid` attached?
    pub(crate) fn busy(&self, pid: i32) -> bool {
        self.sessions.contains_key(&pid)
            || self
                .chans
                .iter()
                .any(|(name, &(owner, _))| owner == pid && name.starts_with(b"ptrace-relibc/"))
            || self
                .clients
                .values()
                .any(|c| c.handles.values().any(|h| h.pid == pid && h.needs_attach()))
    }

    /// Detach `pid` if nothing refers to it any more (no session, no handle, not frozen).
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
