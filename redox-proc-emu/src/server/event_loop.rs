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
        let (n, sender) = recv_with_sender(&c.fd, buf);
        if n <= 0 {
            if (n == 0 || sys::errno() != libc::EAGAIN)
                && let Some(c) = self.conns.get_mut(&id)
            {
                c.dead = true;
            }
            return;
        }
        let msg = buf.get(..n as usize).unwrap_or_default();
        // The sender of *this message*, as the kernel attests it (below), must be the process
        // that connected, still alive: a process that inherited or was sent the socket, or a
        // later process with the same pid, is refused (EPERM) and nothing is done.
        let owner = self.conns.get(&id).map(|c| (c.pid, c.pin.alive(c.pid)));
        if owner != Some((sender, true)) {
            let seq = Request::decode(msg).map_or(0, |(r, _)| r.seq);
            if self.debug {
                eprintln!(
                    "redox-proc-emu: [{sender}/{id}] not the connection's owner {owner:?}: EPERM"
                );
            }
            self.respond(id, seq, Err(libc::EPERM), 0, &[]);
            return;
        }
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

/// Receives one message without blocking; returns its length (or the `recvmsg` result) and
/// the pid of the process that sent it, 0 if the kernel attached none.
///
/// SCM_CREDENTIALS (the listener has SO_PASSCRED): when the sender attaches none, the kernel
/// fills in the sender's thread-group id and its *real* uid and gid at send time
/// (net/unix/af_unix.c `maybe_add_creds`: `task_tgid(current)`, `current_uid_gid()`); a
/// sender that attaches its own may give its own tgid only (net/core/scm.c
/// `scm_check_creds`: `creds->pid == task_tgid_vnr(current)` unless it has CAP_SYS_ADMIN
/// over its pid namespace) but any of its real, effective or saved ids. So the **pid** is the
/// attested sender, while the uid/gid are neither reliably effective nor chosen by us: the
/// emulator uses the pid only, and takes the effective ids from elsewhere (`caller_ids`).
fn recv_with_sender(fd: &std::os::fd::OwnedFd, buf: &mut [u8]) -> (isize, i32) {
    // Room for one SCM_CREDENTIALS (CMSG_SPACE(12) = 32 on 64-bit) and some slack for
    // anything else a sender attaches (descriptors passed with SCM_RIGHTS are truncated:
    // MSG_CTRUNC; the kernel closes those it cannot install).
    let mut cbuf = [0u64; 16];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: msghdr is plain old data; all-zero is valid.
    let mut mh: libc::msghdr = unsafe { std::mem::zeroed() };
    mh.msg_iov = &raw mut iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cbuf.as_mut_ptr().cast();
    mh.msg_controllen = std::mem::size_of_val(&cbuf);
    // SAFETY: mh points at live buffers of the stated sizes.
    let n = unsafe {
        libc::recvmsg(
            fd.as_raw_fd(),
            &raw mut mh,
            libc::MSG_DONTWAIT | libc::MSG_CMSG_CLOEXEC,
        )
    };
    if n <= 0 {
        return (n, 0);
    }
    let mut sender = 0;
    // SAFETY: the CMSG_* helpers walk the control buffer the kernel filled, within
    // msg_controllen; each header is checked for type and length before its data is read.
    unsafe {
        let mut cm = libc::CMSG_FIRSTHDR(&raw const mh);
        while !cm.is_null() {
            let h = &*cm;
            if h.cmsg_level == libc::SOL_SOCKET
                && h.cmsg_type == libc::SCM_CREDENTIALS
                && h.cmsg_len as usize
                    >= libc::CMSG_LEN(std::mem::size_of::<libc::ucred>() as u32) as usize
            {
                let uc = std::ptr::read_unaligned(libc::CMSG_DATA(cm).cast::<libc::ucred>());
                sender = uc.pid;
            } else if h.cmsg_level == libc::SOL_SOCKET && h.cmsg_type == libc::SCM_RIGHTS {
                // Descriptors a client sent us: not part of the protocol; close them.
                let data = libc::CMSG_DATA(cm);
                let len = (h.cmsg_len as usize).saturating_sub(libc::CMSG_LEN(0) as usize);
                for i in 0..len / 4 {
                    let fd = std::ptr::read_unaligned(data.add(i * 4).cast::<libc::c_int>());
                    libc::close(fd);
                }
            }
            cm = libc::CMSG_NXTHDR(&raw const mh, cm);
        }
    }
    (n, sender)
}
