//! Handle bookkeeping: `fcntl`, `fpath`, `close`, and releasing the clone children a handle
//! read.

use syscall::flag::{F_GETFL, F_SETFL, O_EXCL};

use super::{Reply, err, ok_len, val};
use crate::linux::StopKind;
use crate::server::{Emu, Kind};
use crate::sys::Res;

impl Emu {
    /// Release cloned children read through this handle that nobody traces
    /// (`continue_ignored_children`, proc.rs l.175-189; run on every write and close).
    pub(super) fn release_clones(&mut self, clones: Vec<i32>) {
        for pid in clones {
            if self.sessions.contains_key(&pid) {
                continue;
            }
            if let Some(t) = self.tracees.get_mut(&pid) {
                t.frozen = false;
            }
            // Untraced: let it go (detach); if other handles still need it attached, resume.
            self.maybe_detach(pid);
            let inject = self.tracees.get(&pid).map_or(0, |t| t.pending_inject);
            self.resume(pid, inject);
        }
    }

    /// `fcntl` (proc.rs l.589-597): F_SETFL replaces all stored flags. An `event:` queue
    /// answers 0 to any command (scheme/event.rs l.45-50).
    pub(super) fn fcntl(&mut self, id: u64, h: u32, cmd: u64, arg: u64) -> Reply {
        let hd = match self.handle_mut(id, h) {
            Ok(hd) => hd,
            Err(e) => return err(e),
        };
        if hd.kind == Kind::EventQueue {
            return val(0);
        }
        match cmd as usize {
            F_GETFL => val(hd.flags as i64),
            F_SETFL => {
                hd.flags = arg;
                val(0)
            }
            _ => err(libc::EINVAL),
        }
    }

    pub(super) fn fpath(&mut self, id: u64, h: u32) -> Reply {
        let hd = match self.handle(id, h) {
            Ok(hd) => hd,
            Err(e) => return err(e),
        };
        let name = match hd.kind {
            Kind::Trace => "trace",
            Kind::RegsInt => "regs/int",
            Kind::RegsFloat => "regs/float",
            Kind::RegsEnv => "regs/env",
            Kind::Mem => "mem",
            Kind::Exe => "exe",
            Kind::Chan => return ok_len([b"chan:".as_slice(), &hd.data].concat()),
            // scheme/event.rs l.52-60.
            Kind::EventQueue => return ok_len(b"event:".to_vec()),
        };
        ok_len(format!("proc:{}/{name}", hd.pid).into_bytes())
    }

    /// `close` (proc.rs l.651-670; ptrace.rs `close_session` l.163-172): release clones,
    /// drop the session (the tracee continues), SIGKILL with O_EXCL, clear the freeze.
    pub(crate) fn close_handle(&mut self, client: i32, h: u32, explicit: bool) -> Res<()> {
        let hd = self
            .clients
            .get_mut(&client)
            .and_then(|c| c.handles.remove(&h))
            .ok_or(libc::EBADF)?;
        // Every file's last close unregisters it from all queues (context/file.rs l.37).
        self.unregister_file(client, h);
        self.release_clones(hd.clones);
        match hd.kind {
            Kind::Trace => {
                let pid = hd.pid;
                self.sessions.remove(&pid);
                let excl = hd.flags & O_EXCL as u64 != 0;
                if excl && self.tracee_alive(pid) {
                    // SAFETY: plain kill(2).
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                }
                let inject = match self.tracees.get_mut(&pid) {
                    Some(t) => {
                        t.frozen = false;
                        t.hold = false;
                        // Leaving a SIGNAL stop without IGNORE delivers the signal.
                        match t.stop {
                            Some(StopKind::Signal(s)) => s,
                            _ => t.pending_inject,
                        }
                    }
                    None => 0,
                };
                if !excl && !self.busy(pid) {
                    // Nothing else needs it: detach straight from the stop it sits in.
                    self.maybe_detach(pid);
                }
                self.resume(pid, inject);
            }
            Kind::Chan => {
                // The marker lives while its listener is open; relibc leaks that fd, so it
                // normally lives until the process exits. A dropped connection keeps it.
                if explicit && !hd.data.is_empty() {
                    self.chans.remove(&hd.data);
                    self.maybe_detach(hd.pid);
                }
            }
            Kind::EventQueue => self.close_queue(client, h),
            Kind::Exe => {}
            _ => self.maybe_detach(hd.pid),
        }
        Ok(())
    }
}
