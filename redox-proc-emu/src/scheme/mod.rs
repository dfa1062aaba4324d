//! The Redox side: the v2020 `proc:` scheme operations, plus `chan:` markers and the process
//! calls. Citations are to redox-os/kernel @59177587 unless said otherwise.
//!
//! The `event:` scheme (queues, `fevent` of `trace` handles) is in [`event`].
//!
//! This module holds the request dispatcher, the handle lookups and `kill`; the file
//! operations are in its submodules.

mod event;
mod handle;
mod io;
mod mem;
mod open;
mod regs;

use redox_proc_wire::{self as wire, Request, op, stat};

use crate::server::{Emu, Handle, Parked};
use crate::sys::{self, Res};

type Reply = (Res<i64>, u64, Vec<u8>);

fn ok_len(data: Vec<u8>) -> Reply {
    (Ok(data.len() as i64), 0, data)
}

fn err(e: i32) -> Reply {
    (Err(e), 0, Vec::new())
}

fn val(v: i64) -> Reply {
    (Ok(v), 0, Vec::new())
}

impl Emu {
    fn pid_of(&self, id: u64) -> i32 {
        self.conns.get(&id).map_or(0, |c| c.pid)
    }

    /// The ids of the process that sent the current request (`open`, `dup` and `kill` need
    /// them: v2020 takes the caller's `euid`/`egid` at each open, `syscall/fs.rs` l.92-96 and
    /// `scheme/proc.rs` l.304-322 @59177587, and `ruid`/`euid` in `kill`, `process.rs`
    /// l.1213-1218).
    ///
    /// The sender is the connection's owner (checked in `serve`). Its effective ids must be
    /// the ones the kernel recorded at `connect(2)` (`SO_PEERCRED`), and they must still be
    /// its ids now (`/proc/PID/status`, read while the pin shows that the pid is still that
    /// process): a process whose ids changed since it connected — e.g. it exec'd a setuid
    /// program after sending, or dropped privileges — gets EPERM and must open a new
    /// connection. So a request is never judged by ids its sender did not have when it
    /// connected, nor by ids it no longer has (SCM_CREDENTIALS cannot say: its uid/gid are the
    /// sender's *real* ids, or any of its real/effective/saved ids the sender picks).
    pub(crate) fn caller_ids(&self, id: u64) -> Res<sys::Ids> {
        let c = self.conns.get(&id).ok_or(libc::EPERM)?;
        let ids = sys::ids(c.pid).ok_or(libc::EPERM)?;
        if !c.pin.alive(c.pid) || ids.euid != c.euid || ids.egid != c.egid {
            return Err(libc::EPERM);
        }
        Ok(ids)
    }

    fn count(&mut self, id: u64, idx: usize) {
        if let Some(c) = self.conns.get_mut(&id) {
            let pid = c.pid;
            if let Some(v) = c.stats.get_mut(idx) {
                *v += 1;
            }
            if let Some(v) = self
                .clients
                .get_mut(&pid)
                .and_then(|cl| cl.stats.get_mut(idx))
            {
                *v += 1;
            }
        }
        if let Some(v) = self.totals.get_mut(idx) {
            *v += 1;
        }
    }

    fn handle(&self, id: u64, h: u32) -> Res<&Handle> {
        let pid = self.pid_of(id);
        self.clients
            .get(&pid)
            .and_then(|c| c.handles.get(&h))
            .ok_or(libc::EBADF)
    }

    fn handle_mut(&mut self, id: u64, h: u32) -> Res<&mut Handle> {
        let pid = self.pid_of(id);
        self.clients
            .get_mut(&pid)
            .and_then(|c| c.handles.get_mut(&h))
            .ok_or(libc::EBADF)
    }

    fn tracee_alive(&self, pid: i32) -> bool {
        self.tracees
            .get(&pid)
            .is_some_and(|t| t.attached && t.exited.is_none())
    }

    /// One request; `None` when it was parked (answered later by `service_parked`).
    pub(crate) fn request(&mut self, id: u64, req: &Request, payload: &[u8]) -> Option<Reply> {
        if req.op != op::STATS {
            self.count(id, stat::TOTAL);
            self.count(id, req.op as usize);
        }
        let reply = match req.op {
            op::OPEN => match self.open(id, payload, req.a) {
                Ok(h) => val(i64::from(h)),
                Err(e) => err(e),
            },
            op::DUP => self.dup(id, req.handle, payload),
            op::READ => return self.read(id, req, req.a.min(wire::MAX_PAYLOAD as u64) as usize),
            op::WRITE => self.write(id, req.handle, payload),
            op::SEEK => self.seek(id, req.handle, req.a as i64, req.b),
            op::FCNTL => self.fcntl(id, req.handle, req.a, req.b),
            op::CLOSE => match self.close_handle(self.pid_of(id), req.handle, true) {
                Ok(()) => val(0),
                Err(e) => err(e),
            },
            op::FPATH => self.fpath(id, req.handle),
            op::KILL => self.kill(id, req.a as i64, req.b),
            op::WAITPID => {
                let pid = req.a as i64 as i32;
                if pid <= 0 {
                    err(libc::EINVAL)
                } else if let Some(&st) = self.exits.get(&pid) {
                    (Ok(i64::from(pid)), st as u64, Vec::new())
                } else if !self.tracees.contains_key(&pid) {
                    err(libc::ECHILD)
                } else if req.b & libc::WNOHANG as u64 != 0 {
                    val(0)
                } else {
                    if let Some(c) = self.conns.get_mut(&id) {
                        c.parked = Some(Parked::Wait { pid, seq: req.seq });
                    }
                    return None;
                }
            }
            op::GETPID => val(i64::from(self.conns.get(&id).map_or(0, |c| c.pid))),
            op::STATS => {
                let pid = self.pid_of(id);
                let counters = match req.a {
                    wire::STATS_ALL => self.totals,
                    wire::STATS_CONN => self
                        .conns
                        .get(&id)
                        .map_or([0; wire::STATS_LEN], |c| c.stats),
                    _ => self
                        .clients
                        .get(&pid)
                        .map_or([0; wire::STATS_LEN], |c| c.stats),
                };
                if req.b & 1 != 0 {
                    match req.a {
                        wire::STATS_ALL => self.totals = [0; wire::STATS_LEN],
                        wire::STATS_CONN => {
                            if let Some(c) = self.conns.get_mut(&id) {
                                c.stats = [0; wire::STATS_LEN];
                            }
                        }
                        _ => {
                            if let Some(c) = self.clients.get_mut(&pid) {
                                c.stats = [0; wire::STATS_LEN];
                            }
                        }
                    }
                }
                ok_len(counters.iter().flat_map(|v| v.to_le_bytes()).collect())
            }
            _ => err(libc::ENOSYS),
        };
        Some(reply)
    }

    /// `kill(pid, sig)` with the duplicate-event quirk: a signal waking a tracee that sleeps
    /// at a stop makes `breakpoint_callback` loop and queue the same event again
    /// (sync/wait_condition.rs and ptrace.rs l.278-316 @59177587; docs/redox-protocol.md §2.5).
    fn kill(&mut self, id: u64, pid: i64, sig: u64) -> Reply {
        if pid <= 0 || pid > i64::from(i32::MAX) || sig > 64 {
            return err(libc::EINVAL);
        }
        let pid = pid as i32;
        let me = match self.caller_ids(id) {
            Ok(ids) => ids,
            Err(e) => return err(e),
        };
        // Pinned before its ids are read, so the signal goes to the process that was judged
        // (a pid reused meanwhile gets nothing: ESRCH).
        let pin = sys::pidfd_open(pid);
        let Some(target) = sys::ids(pid) else {
            return err(libc::ESRCH);
        };
        // v2020 `kill` (syscall/process.rs l.1228-1230 @59177587): allowed when the caller's
        // euid is 0, or its euid or its ruid equals the target's *ruid*. (Linux, kill(2) /
        // kernel/signal.c `kill_ok_by_cred`, also accepts the target's saved uid and takes
        // CAP_KILL instead of euid 0; v2020 ignores the saved uid, which Redox lacks.)
        if me.euid != 0 && me.euid != target.ruid && me.ruid != target.ruid {
            return err(libc::EPERM);
        }
        let sig = sig as i32;
        let held = self.tracees.get(&pid).is_some_and(|t| t.hold);
        if held && sig != 0 && sig != libc::SIGKILL {
            let blocked = sys::sigmask(pid, "SigBlk:") & (1u64 << ((sig - 1) & 63)) != 0;
            let last = self.tracees.get(&pid).and_then(|t| t.last_event);
            if !blocked && let Some(ev) = last {
                self.add_event(pid, ev);
            }
        }
        let sent = match &pin {
            // SAFETY: pidfd_send_signal(2) with a pidfd of ours and no siginfo.
            Some(fd) => unsafe {
                libc::syscall(
                    libc::SYS_pidfd_send_signal,
                    std::os::fd::AsRawFd::as_raw_fd(fd),
                    sig,
                    std::ptr::null::<libc::siginfo_t>(),
                    0,
                )
            },
            // SAFETY: plain kill(2) (kernels without pidfds).
            None => i64::from(unsafe { libc::kill(pid, sig) }),
        };
        if sent != 0 {
            return err(sys::errno());
        }
        val(0)
    }
}
