//! `read` and `write` by handle kind, and the `trace` handle: event reads and breakpoint writes.

use redox_proc_wire::{self as wire, Request, stat};
use syscall::data::PtraceEvent;
use syscall::flag::O_NONBLOCK;

use super::{Reply, err, ok_len, val};
use crate::linux::EV_CLONE_BIT;
use crate::server::{Emu, Kind, Parked};
use crate::sys::Res;

const EVENT_SIZE: usize = std::mem::size_of::<PtraceEvent>();
/// `PtraceFlags::from_bits` rejects bits >= 0x1_0000 (redox_syscall 0.9.5 flag.rs l.381-417).
const VALID_FLAGS: u64 = 0xFFFF;
const STOP_OR_EVENT: u64 = 0x00FF | 0x0F00;
const IGNORE: u64 = 0x1000;

impl Emu {
    pub(super) fn read(&mut self, id: u64, req: &Request, len: usize) -> Option<Reply> {
        let kind = match self.handle(id, req.handle) {
            Ok(h) => h.kind,
            Err(e) => return Some(err(e)),
        };
        let r = match kind {
            Kind::Trace => {
                self.count(id, stat::TRACE_READ);
                let r = self.trace_read(id, req.handle, len);
                let parked = Parked::Read {
                    handle: req.handle,
                    len,
                    seq: req.seq,
                };
                return self.reply_or_park(id, r, parked, stat::TRACE_READ_BLOCKED);
            }
            Kind::RegsInt => {
                self.count(id, stat::REGS_INT_READ);
                self.regs_read(id, req.handle, len)
            }
            Kind::RegsFloat => {
                self.count(id, stat::REGS_FLOAT_READ);
                self.regs_read(id, req.handle, len)
            }
            Kind::RegsEnv => {
                self.count(id, stat::REGS_ENV_READ);
                self.regs_read(id, req.handle, len)
            }
            Kind::Mem => {
                self.count(id, stat::MEM_READ);
                self.mem_rw(id, req.handle, len, None)
            }
            Kind::Exe => match self.handle_mut(id, req.handle) {
                Ok(h) => {
                    let start = (h.pos as usize).min(h.data.len());
                    let d: Vec<u8> = h.data.iter().skip(start).take(len).copied().collect();
                    h.pos += d.len() as u64;
                    ok_len(d)
                }
                Err(e) => err(e),
            },
            Kind::EventQueue => {
                self.count(id, stat::EVENT_READ);
                let r = self.event_read(id, req.handle, len);
                let parked = Parked::Events {
                    handle: req.handle,
                    len,
                    seq: req.seq,
                };
                return self.reply_or_park(id, r, parked, stat::EVENT_READ_BLOCKED);
            }
            Kind::Chan => err(libc::EBADF),
        };
        Some(r)
    }

    /// The reply of a read that may wait: `None` parks it on the connection (answered later
    /// by `service_parked`) and counts it in `blocked`.
    fn reply_or_park(
        &mut self,
        id: u64,
        r: Option<Res<Vec<u8>>>,
        parked: Parked,
        blocked: usize,
    ) -> Option<Reply> {
        match r {
            Some(Ok(d)) => Some(ok_len(d)),
            Some(Err(e)) => Some(err(e)),
            None => {
                self.count(id, blocked);
                if let Some(c) = self.conns.get_mut(&id) {
                    c.parked = Some(parked);
                }
                None
            }
        }
    }

    /// Trace read (proc.rs l.416-457; ptrace.rs `wait` l.241-270). `None` = must wait.
    pub(crate) fn trace_read(&mut self, id: u64, h: u32, len: usize) -> Option<Res<Vec<u8>>> {
        let (pid, flags) = match self.handle(id, h) {
            Ok(hd) => (hd.pid, hd.flags),
            Err(e) => return Some(Err(e)),
        };
        let alive = self.tracee_alive(pid);
        let Some(s) = self.sessions.get_mut(&pid) else {
            return Some(Err(libc::ESRCH));
        };
        if flags & O_NONBLOCK as u64 == 0 {
            // v2020 asserts on this case (blocking read, buffer < one event); refuse instead.
            if len < EVENT_SIZE {
                return Some(Err(libc::EINVAL));
            }
            if alive && !s.reached && s.queue.is_empty() {
                return None;
            }
        }
        // The context is gone or exited: ESRCH even if events are queued (l.426-427).
        if !alive {
            return Some(Err(libc::ESRCH));
        }
        let n = (len / EVENT_SIZE).min(s.queue.len());
        let mut out = Vec::with_capacity(n * EVENT_SIZE);
        let mut clones = Vec::new();
        for ev in s.queue.drain(..n) {
            if ev.cause.bits() == EV_CLONE_BIT {
                clones.push(ev.a as i32);
            }
            out.extend_from_slice(&ev);
        }
        let reached = s.reached;
        if n == 0 && !reached {
            return Some(Err(libc::EAGAIN));
        }
        if let Ok(hd) = self.handle_mut(id, h) {
            hd.clones.extend(clones);
        }
        Some(Ok(out))
    }

    pub(super) fn write(&mut self, id: u64, h: u32, data: &[u8]) -> Reply {
        if data.len() > wire::MAX_PAYLOAD {
            return err(libc::EINVAL);
        }
        let kind = match self.handle_mut(id, h) {
            // continue_ignored_children first, on every write (proc.rs l.474).
            Ok(hd) => (hd.kind, std::mem::take(&mut hd.clones)),
            Err(e) => return err(e),
        };
        let (kind, clones) = kind;
        self.release_clones(clones);
        match kind {
            Kind::Trace => {
                self.count(id, stat::TRACE_WRITE);
                self.trace_write(id, h, data)
            }
            Kind::RegsInt => {
                self.count(id, stat::REGS_INT_WRITE);
                self.regs_write(id, h, data)
            }
            Kind::RegsFloat => {
                self.count(id, stat::REGS_FLOAT_WRITE);
                self.regs_write(id, h, data)
            }
            Kind::RegsEnv => {
                self.count(id, stat::REGS_ENV_WRITE);
                self.regs_write(id, h, data)
            }
            Kind::Mem => {
                self.count(id, stat::MEM_WRITE);
                self.mem_rw(id, h, data.len(), Some(data))
            }
            Kind::EventQueue => {
                self.count(id, stat::EVENT_WRITE);
                self.event_write(id, h, data)
            }
            Kind::Exe | Kind::Chan => err(libc::EBADF),
        }
    }

    /// Trace write (proc.rs l.537-586): arm or clear, then resume.
    fn trace_write(&mut self, id: u64, h: u32, data: &[u8]) -> Reply {
        let pid = match self.handle(id, h) {
            Ok(hd) => hd.pid,
            Err(e) => return err(e),
        };
        // Fewer than 8 bytes: Ok(0), nothing done (l.538-540).
        let Some(bytes) = data.get(..8).and_then(|b| <[u8; 8]>::try_from(b).ok()) else {
            return val(0);
        };
        let flags = u64::from_le_bytes(bytes);
        if flags & !VALID_FLAGS != 0 {
            return err(libc::EINVAL);
        }
        let armed = (flags & STOP_OR_EVENT != 0).then_some(flags);
        if let Some(s) = self.sessions.get_mut(&pid) {
            // The event queue is not touched.
            s.armed = armed;
            s.reached = false;
        }
        if !self.tracee_alive(pid) {
            return err(libc::ESRCH);
        }
        let (hold, stopped, inject) = match self.tracees.get_mut(&pid) {
            Some(t) => {
                t.frozen = false;
                (t.hold, t.stop.is_some(), t.pending_inject)
            }
            None => return err(libc::ESRCH),
        };
        if hold {
            self.release_hold(pid, armed.is_some() && flags & IGNORE != 0);
        } else if stopped {
            self.resume(pid, inject);
        } else {
            self.rearm_running(pid);
        }
        val(8)
    }
}
