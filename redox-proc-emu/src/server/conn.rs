//! Connection bookkeeping: replies, dropping dead connections, answering parked requests,
//! and the graceful shutdown.

use std::os::fd::AsRawFd;

use redox_proc_wire::Response;

use super::{Emu, Parked};
use crate::sys::Res;

impl Emu {
    pub(crate) fn respond(&mut self, id: u64, seq: u32, res: Res<i64>, aux: u64, data: &[u8]) {
        let Some(c) = self.conns.get_mut(&id) else {
            return;
        };
        let result = match res {
            Ok(v) => v,
            Err(e) => -i64::from(e),
        };
        let mut msg = Response { result, aux, seq }.encode().to_vec();
        msg.extend_from_slice(data);
        // One request is outstanding per connection, so the reply always fits in the socket
        // buffer; a client that does not read is dropped rather than blocking the loop.
        // SAFETY: msg is readable for msg.len() bytes.
        let r = unsafe {
            libc::send(
                c.fd.as_raw_fd(),
                msg.as_ptr().cast(),
                msg.len(),
                libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT,
            )
        };
        if r < 0 {
            c.dead = true;
        }
    }

    pub(super) fn drop_dead(&mut self) {
        let dead: Vec<u64> = self
            .conns
            .iter()
            .filter(|(_, c)| c.dead)
            .map(|(id, _)| *id)
            .collect();
        for id in dead {
            let Some(c) = self.conns.remove(&id) else {
                continue;
            };
            if let Some(Parked::Events { handle, .. }) = c.parked {
                self.parked_read_done(c.pid, handle);
            }
            let last = match self.clients.get_mut(&c.pid) {
                Some(cl) => {
                    cl.conns = cl.conns.saturating_sub(1);
                    cl.conns == 0
                }
                None => false,
            };
            if last {
                // The client process went away (or exec'd, closing its CLOEXEC sockets): its
                // handles are closed, like a Redox process's fds.
                let hids: Vec<u32> = self
                    .clients
                    .get(&c.pid)
                    .map(|cl| cl.handles.keys().copied().collect())
                    .unwrap_or_default();
                for h in hids {
                    let _ = self.close_handle(c.pid, h, false);
                }
                self.drop_client_events(c.pid);
                self.clients.remove(&c.pid);
            }
        }
    }

    /// Answer parked requests that can be answered now.
    pub(crate) fn service_parked(&mut self) {
        let ids: Vec<u64> = self
            .conns
            .iter()
            .filter(|(_, c)| c.parked.is_some())
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            let Some(parked) = self.conns.get_mut(&id).and_then(|c| c.parked.take()) else {
                continue;
            };
            // `None`: still cannot be answered, park it again.
            let answer = match parked {
                Parked::Read { handle, len, seq } => {
                    self.trace_read(id, handle, len).map(|r| (seq, r, 0))
                }
                Parked::Events { handle, len, seq } => {
                    self.event_read(id, handle, len).map(|r| (seq, r, 0))
                }
                Parked::Wait { pid, seq } => self
                    .exits
                    .get(&pid)
                    .map(|&st| (seq, Ok(Vec::new()), st as u64)),
            };
            match answer {
                Some((seq, res, aux)) => {
                    let (res, data) = match (parked, res) {
                        (Parked::Wait { pid, .. }, _) => (Ok(i64::from(pid)), Vec::new()),
                        (_, Ok(d)) => (Ok(d.len() as i64), d),
                        (_, Err(e)) => (Err(e), Vec::new()),
                    };
                    self.respond(id, seq, res, aux, &data);
                }
                None => {
                    if let Some(c) = self.conns.get_mut(&id) {
                        c.parked = Some(parked);
                    }
                }
            }
        }
    }

    pub(super) fn shutdown(&mut self) {
        self.reap_all();
        // O_EXCL sessions: the tracee cannot outlive its tracer (proc.rs @59177587 l.658).
        let excl: Vec<i32> = self
            .sessions
            .iter()
            .filter(|(_, s)| {
                self.clients
                    .get(&s.owner)
                    .and_then(|c| c.handles.get(&s.handle))
                    .is_some_and(|h| h.flags & syscall::flag::O_EXCL as u64 != 0)
            })
            .map(|(pid, _)| *pid)
            .collect();
        for pid in excl {
            // SAFETY: plain kill(2).
            unsafe { libc::kill(pid, libc::SIGKILL) };
            self.sessions.remove(&pid);
            if let Some(t) = self.tracees.get_mut(&pid) {
                t.frozen = false;
                t.hold = false;
            }
            self.resume(pid, 0);
        }
        self.sessions.clear();
        self.detach_all();
        self.conns.clear();
        self.clients.clear();
        // A tracee detached just above may only now settle into its job-control stop (the
        // kernel finishes a detach asynchronously): look again a little later.
        for pause_ms in [0, 20, 100] {
            std::thread::sleep(std::time::Duration::from_millis(pause_ms));
            sweep();
        }
    }
}

/// Containment at exit: no descendant is left stopped behind us. We are a child subreaper, so
/// every process PROGRAM left behind is still below us (`run`). A descendant in a job-control
/// stop (`T`) — e.g. a TRACEME child that stopped itself and whose parent died before
/// tracing it — would stay stopped forever once we are gone (its new parent is init, and its
/// process group is not orphaned by our exit in the kernel's sense). It is treated as the
/// kernel treats a stopped member of a newly orphaned process group (kernel/exit.c
/// `kill_orphaned_pgrp`, POSIX `_exit`): SIGHUP, then SIGCONT. Running descendants are left
/// alone (they continue as orphans, as tracees detached above do).
fn sweep() {
    let me = std::process::id() as i32;
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return;
    };
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<i32>().ok())
        else {
            continue;
        };
        if pid == me || !crate::sys::is_ancestor(me, pid) {
            continue;
        }
        if matches!(crate::sys::proc_stat(pid), Some((b'T', _, _))) {
            // SAFETY: plain kill(2).
            unsafe {
                libc::kill(pid, libc::SIGHUP);
                libc::kill(pid, libc::SIGCONT);
            }
        }
    }
}
