//! The event loop: one `poll` over the signalfd, the listener and the connections, and serving
//! one request.

use std::os::fd::{AsRawFd, OwnedFd};

use redox_proc_wire::{self as wire, Request};

use super::Emu;
use crate::sys;

impl Emu {
    pub(super) fn event_loop(&mut self, sfd: &OwnedFd, listener: &OwnedFd) {
        let mut buf = vec![0u8; wire::MAX_MSG];
        self.reap_all();
        while self.program_status.is_none() {
            let ids: Vec<u64> = self.conns.keys().copied().collect();
            let mut fds = vec![
                libc::pollfd {
                    fd: sfd.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                },
                libc::pollfd {
                    fd: listener.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                },
            ];
            for id in &ids {
                if let Some(c) = self.conns.get(id) {
                    // A connection with a parked request is not read until it is answered.
                    let events = if c.parked.is_some() { 0 } else { libc::POLLIN };
                    fds.push(libc::pollfd {
                        fd: c.fd.as_raw_fd(),
                        events,
                        revents: 0,
                    });
                }
            }
            // SAFETY: fds is a valid array of pollfd of the given length.
            let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, -1) };
            if n < 0 {
                continue;
            }
            if fds.first().is_some_and(|p| p.revents != 0) {
                self.read_signals(sfd);
            }
            self.reap_all();
            if fds.get(1).is_some_and(|p| p.revents != 0) {
                self.accept(listener);
            }
            for (id, p) in ids.iter().zip(fds.iter().skip(2)) {
                if p.revents & libc::POLLIN != 0 {
                    self.serve(*id, &mut buf);
                } else if p.revents & (libc::POLLHUP | libc::POLLERR) != 0
                    && let Some(c) = self.conns.get_mut(id)
                {
                    c.dead = true;
                }
            }
            self.drop_dead();
            self.service_parked();
        }
    }

    fn read_signals(&mut self, sfd: &OwnedFd) {
        // Called when poll says the signalfd is readable, so the read does not block; one
        // read takes every pending signal (SIGCHLD coalesces).
        // SAFETY: signalfd_siginfo is plain old data.
        let mut si: [libc::signalfd_siginfo; 8] = unsafe { std::mem::zeroed() };
        let sz = std::mem::size_of::<libc::signalfd_siginfo>();
        // SAFETY: si is a writable buffer of exactly size_of_val(&si) bytes.
        let r = unsafe { libc::read(sfd.as_raw_fd(), si.as_mut_ptr().cast(), size_of_val(&si)) };
        let n = usize::try_from(r).unwrap_or(0) / sz;
        for s in si.iter().take(n) {
            let sig = s.ssi_signo as i32;
            if sig != libc::SIGCHLD {
                // Forward termination requests to PROGRAM; we exit when it does.
                // SAFETY: plain kill(2).
                unsafe { libc::kill(self.program, sig) };
            }
        }
    }

    fn serve(&mut self, id: u64, buf: &mut [u8]) {
        let Some(c) = self.conns.get(&id) else { return };
        // SAFETY: buf is writable for buf.len() bytes.
        let n = unsafe {
            libc::recv(
                c.fd.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                libc::MSG_DONTWAIT,
            )
        };
        if n <= 0 {
            if (n == 0 || sys::errno() != libc::EAGAIN)
                && let Some(c) = self.conns.get_mut(&id)
            {
                c.dead = true;
            }
            return;
        }
        let msg = buf.get(..n as usize).unwrap_or_default();
        let Some((req, payload)) = Request::decode(msg) else {
            self.respond(id, 0, Err(libc::EINVAL), 0, &[]);
            return;
        };
        let payload = payload.to_vec();
        let reply = self.request(id, &req, &payload);
        if self.debug {
            let pid = self.conns.get(&id).map_or(0, |c| c.pid);
            let shown =
                String::from_utf8_lossy(payload.get(..payload.len().min(40)).unwrap_or_default());
            let res = reply.as_ref().map(|r| r.0);
            eprintln!(
                "redox-proc-emu: [{pid}/{id}] op {} h {} a {:#x} b {:#x} {shown:?} -> {res:?}",
                req.op, req.handle, req.a, req.b
            );
        }
        if let Some((res, aux, data)) = reply {
            self.respond(id, req.seq, res, aux, &data);
        }
    }
}
