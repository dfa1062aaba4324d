//! The `event:` scheme: per-handle event queues, registrations of a queue's interest in the
//! same client's other handles, and the readiness of `trace` handles. Citations are to
//! redox-os/kernel @59177587: `src/event.rs` (queues, registry, `trigger`),
//! `src/scheme/event.rs` (the scheme) and `src/ptrace.rs` (what makes a `trace` handle ready).
//!
//! Keys: a registration is keyed by (client pid, file handle) like the kernel's
//! `RegKey { scheme, number }`, a queue by (client pid, queue handle). Handles are never
//! shared between client processes, so another process's queue is simply `EBADF`.

use std::collections::VecDeque;

use redox_proc_wire::{self as wire, EVENT_LEN, EVENT_READ};
use syscall::data::PtraceEvent;

use super::{Reply, err, val};
use crate::server::{Emu, EventQueue, Handle, Kind, Parked, QueueKey};
use crate::sys::Res;

/// The wire layout is redox_syscall's `Event` (`data.rs`): three `usize`s.
const _: () = assert!(std::mem::size_of::<syscall::data::Event>() == EVENT_LEN);

impl Emu {
    /// `open` (scheme/event.rs l.12-17): a new, empty queue per open; path and flags are
    /// ignored.
    pub(super) fn open_event(&mut self, id: u64, flags: u64) -> Res<u32> {
        let pid = self.pid_of(id);
        let h = self.insert_handle(
            id,
            Handle {
                pid,
                kind: Kind::EventQueue,
                flags,
                pos: 0,
                mem: None,
                clones: Vec::new(),
                data: Vec::new(),
            },
        )?;
        let q = EventQueue {
            events: VecDeque::new(),
            open: true,
        };
        self.queues.insert((pid, h), q);
        Ok(h)
    }

    /// `read` (scheme/event.rs l.19-30; event.rs l.28-30 `receive_into(events, true, ..)`):
    /// always blocking, `O_NONBLOCK` is never looked at. A buffer smaller than one event
    /// returns 0 at once (wait_queue.rs l.43-49: the wait is skipped for an empty slice);
    /// otherwise waits for one event, then takes as many more as fit. `None` = must wait.
    ///
    /// v2020 answers `EINTR` when a signal wakes the waiting context (event.rs l.29). Here the
    /// client waits in its own `recv` on the socket, and a signal handler there cannot reach
    /// the emulator, so this read never fails with `EINTR`.
    pub(crate) fn event_read(&mut self, id: u64, h: u32, len: usize) -> Option<Res<Vec<u8>>> {
        let client = self.pid_of(id);
        let Some(q) = self.queues.get_mut(&(client, h)) else {
            return Some(Err(libc::EBADF));
        };
        let n = (len / EVENT_LEN).min(q.events.len());
        if len >= EVENT_LEN && n == 0 {
            return None;
        }
        let mut out = Vec::with_capacity(n * EVENT_LEN);
        for (eid, flags, data) in q.events.drain(..n) {
            out.extend_from_slice(&wire::encode_event(eid, flags, data));
        }
        self.parked_read_done(client, h);
        Some(Ok(out))
    }

    /// `write` (scheme/event.rs l.32-43; event.rs `EventQueue::write` l.32-63): each whole
    /// 24-byte event names a handle of the calling process (`EBADF` otherwise, l.39-42), is
    /// registered (`register` l.126-138: flags 0 removes the registration with the same id and
    /// data), then the file is asked for its readiness (`sync` l.140-160) and, if ready, an
    /// event is triggered at once to every queue registered on it (l.56-59). Returns the
    /// bytes of the whole events; trailing partial bytes are ignored.
    pub(super) fn event_write(&mut self, id: u64, h: u32, data: &[u8]) -> Reply {
        let client = self.pid_of(id);
        let chunks = data.chunks_exact(EVENT_LEN);
        let consumed = chunks.len() * EVENT_LEN;
        for chunk in chunks {
            let Some((fid, flags, edata)) = wire::decode_event(chunk) else {
                return err(libc::EINVAL);
            };
            let file = match u32::try_from(fid) {
                Ok(f) if self.handle(id, f).is_ok() => f,
                _ => return err(libc::EBADF),
            };
            let key = QueueKey {
                queue: h,
                id: fid,
                data: edata,
            };
            let entry = self.registry.entry((client, file)).or_default();
            if flags == 0 {
                entry.remove(&key);
            } else {
                entry.insert(key, flags);
            }
            // The registration above stays even when `sync` fails (l.50-56).
            match self.fevent(client, file) {
                Ok(0) => {}
                Ok(ready) => self.trigger(client, file, ready),
                Err(e) => return err(e),
            }
        }
        val(consumed as i64)
    }

    /// `fevent` of a file, as `sync` asks it (event.rs l.140-160). `trace`: `EVENT_READ` iff
    /// its event queue is non-empty (proc.rs l.600-606, ptrace.rs `session_fevent_flags`
    /// l.83-91). Every other `proc:` handle (`regs/*`, `mem`, `exe`): never ready, `Ok(empty)`
    /// (proc.rs l.608). An `event:` queue has no `fevent`, so the `Scheme` default answers
    /// `EBADF` (redox-os/syscall @b12d582d `src/scheme/scheme.rs` l.121-123). `chan:` markers
    /// are answered as never ready (not reproduced: ipcd's own `fevent`).
    fn fevent(&self, client: i32, file: u32) -> Res<u64> {
        let hd = self
            .clients
            .get(&client)
            .and_then(|c| c.handles.get(&file))
            .ok_or(libc::EBADF)?;
        match hd.kind {
            Kind::Trace => Ok(self
                .sessions
                .get(&hd.pid)
                .filter(|s| s.owner == client && s.handle == file && !s.queue.is_empty())
                .map_or(0, |_| EVENT_READ)),
            Kind::EventQueue => Err(libc::EBADF),
            _ => Ok(0),
        }
    }

    /// `trigger` (event.rs l.173-191): to every queue registered on the file whose flags
    /// share a bit with `flags`, queue `{ id, flags & registered, data }` as registered.
    fn trigger(&mut self, client: i32, file: u32, flags: u64) {
        let Some(list) = self.registry.get(&(client, file)) else {
            return;
        };
        for (key, &registered) in list {
            let common = flags & registered;
            if common == 0 {
                continue;
            }
            if let Some(q) = self.queues.get_mut(&(client, key.queue)) {
                q.events.push_back((key.id, common, key.data));
            }
        }
    }

    /// `SessionData::add_event` (ptrace.rs l.57-65): queue a ptrace event; `EVENT_READ` is
    /// triggered only when the queue goes from empty to non-empty.
    pub(crate) fn add_event(&mut self, pid: i32, ev: PtraceEvent) {
        let Some(s) = self.sessions.get_mut(&pid) else {
            return;
        };
        s.queue.push_back(ev);
        if s.queue.len() == 1 {
            let (owner, handle) = (s.owner, s.handle);
            self.trigger(owner, handle, EVENT_READ);
        }
    }

    /// `close_tracee` (ptrace.rs l.176-183, called when a context exits,
    /// syscall/process.rs l.1164): the tracee died, `EVENT_READ` to the session's handle
    /// whatever its queue holds.
    pub(crate) fn close_tracee(&mut self, pid: i32) {
        if let Some(s) = self.sessions.get(&pid) {
            let (owner, handle) = (s.owner, s.handle);
            self.trigger(owner, handle, EVENT_READ);
        }
    }

    /// `unregister_file` (event.rs l.162-166), run on the last close of *any* file
    /// (context/file.rs l.33-37): every queue's registration on it goes.
    pub(super) fn unregister_file(&mut self, client: i32, file: u32) {
        self.registry.remove(&(client, file));
    }

    /// Close of a queue handle (scheme/event.rs l.69-72). In v2020 a `read` in progress holds
    /// its own reference to the file, so `close` only drops the descriptor (context/file.rs
    /// l.33-47: `Arc::try_unwrap` fails, no scheme close): the parked read stays and is
    /// answered by the queue's next event. So the queue is kept until then; otherwise it and
    /// its registrations go now (v2020 leaves the registrations, which `trigger` then skips,
    /// event.rs l.168-171 and l.181: the same to an observer).
    pub(super) fn close_queue(&mut self, client: i32, h: u32) {
        if self.read_parked_on(client, h) {
            if let Some(q) = self.queues.get_mut(&(client, h)) {
                q.open = false;
            }
        } else {
            self.drop_queue(client, h);
        }
    }

    /// A parked read of queue `h` was answered, or its connection went away: a queue closed
    /// under it (see `close_queue`) goes once nobody waits on it any more.
    pub(crate) fn parked_read_done(&mut self, client: i32, h: u32) {
        let closed = self.queues.get(&(client, h)).is_some_and(|q| !q.open);
        if closed && !self.read_parked_on(client, h) {
            self.drop_queue(client, h);
        }
    }

    /// A client process is gone: all its queues and registrations go with it.
    pub(crate) fn drop_client_events(&mut self, client: i32) {
        self.queues.retain(|(c, _), _| *c != client);
        self.registry.retain(|(c, _), _| *c != client);
    }

    fn drop_queue(&mut self, client: i32, h: u32) {
        self.queues.remove(&(client, h));
        for ((c, _), list) in self.registry.iter_mut() {
            if *c == client {
                list.retain(|k, _| k.queue != h);
            }
        }
        self.registry.retain(|_, list| !list.is_empty());
    }

    fn read_parked_on(&self, client: i32, h: u32) -> bool {
        self.conns.values().any(|c| {
            c.pid == client
                && matches!(c.parked, Some(Parked::Events { handle, .. }) if handle == h)
        })
    }
}
