//! The abstract `SOCK_SEQPACKET` socket: its address, listening, the peer's identity, and
//! accepting a connection.
//!
//! **Who is asking.** A connection belongs to the process that called `connect(2)`; the
//! kernel fixed its pid, effective uid and effective gid at that moment (`SO_PEERCRED`:
//! net/unix/af_unix.c `unix_stream_connect` → `init_peercred`/`copy_peercred`, reported by
//! net/core/sock.c `cred_to_ucred` as `cred->euid`/`cred->egid`), and nothing the process
//! does afterwards (exec of a setuid image, `setresuid`) changes them. The process itself is
//! pinned by a pidfd (`SO_PEERPIDFD`, Linux 6.5, taken at connect; else `pidfd_open` at
//! accept, checked against those ids), so a later process that reuses the pid number is never
//! taken for it. Every message must then come from that very process: see
//! `event_loop.rs` `serve` (SCM_CREDENTIALS) and `scheme/mod.rs` `caller_ids`.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use redox_proc_wire as wire;

use super::{Conn, Emu};
use crate::client::peer_cred;
use crate::sys::{self, Res};

fn abstract_addr(name: &str) -> Res<(libc::sockaddr_un, libc::socklen_t)> {
    // SAFETY: sockaddr_un is plain old data; all-zero is valid.
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    let bytes = name.as_bytes();
    if bytes.len() + 1 > addr.sun_path.len() {
        return Err(libc::ENAMETOOLONG);
    }
    for (dst, src) in addr.sun_path.iter_mut().skip(1).zip(bytes) {
        *dst = *src as libc::c_char;
    }
    let len = std::mem::size_of::<libc::sa_family_t>() + 1 + bytes.len();
    Ok((addr, len as libc::socklen_t))
}

pub(super) fn listen_on(name: &str) -> Res<OwnedFd> {
    // SAFETY: plain socket(2) call.
    let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(sys::errno());
    }
    // SAFETY: fd was just returned by socket(2) and is owned by nobody else.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    // SO_PASSCRED on the listener: every message carries the sender's SCM_CREDENTIALS, also
    // those sent before `accept` (the embryo socket has no `sk_socket` yet, or inherits the
    // listener's flag at connect, net/unix/af_unix.c `unix_passcred_enabled` /
    // `unix_may_passcred`), and accepted sockets inherit it (`unix_sock_inherit_flags`).
    set_int_opt(&fd, libc::SO_PASSCRED, 1)?;
    let (addr, len) = abstract_addr(name)?;
    // SAFETY: addr/len describe a valid sockaddr_un.
    if unsafe { libc::bind(fd.as_raw_fd(), (&raw const addr).cast(), len) } != 0 {
        return Err(sys::errno());
    }
    // SAFETY: fd is a bound socket.
    if unsafe { libc::listen(fd.as_raw_fd(), 128) } != 0 {
        return Err(sys::errno());
    }
    Ok(fd)
}

fn set_int_opt(fd: &OwnedFd, opt: libc::c_int, v: libc::c_int) -> Res<()> {
    // SAFETY: `v` is a valid c_int for the duration of the call.
    let r = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            opt,
            (&raw const v).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r == 0 { Ok(()) } else { Err(sys::errno()) }
}

/// `SO_PEERPIDFD` (Linux 6.5): a pidfd of the process that connected, taken at `connect(2)`.
/// `Err(ENOPROTOOPT)` on older kernels.
fn peer_pidfd(fd: &OwnedFd) -> Res<OwnedFd> {
    let mut pfd: libc::c_int = -1;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: pfd/len are valid out pointers of the right size for SO_PEERPIDFD.
    let r = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERPIDFD,
            (&raw mut pfd).cast(),
            &mut len,
        )
    };
    if r != 0 || pfd < 0 {
        return Err(sys::errno());
    }
    // SAFETY: the kernel just installed this descriptor for us (O_CLOEXEC).
    Ok(unsafe { OwnedFd::from_raw_fd(pfd) })
}

/// Pins the connecting process: its pidfd, or (kernel without pidfds) its start time.
/// `None` when the process cannot be pinned as the one that connected: it is gone, or the pid
/// now names a process with other effective ids (it died and the pid was reused between
/// `connect` and `accept`; only possible without `SO_PEERPIDFD`).
fn pin_peer(fd: &OwnedFd, cred: &libc::ucred) -> Option<Pin> {
    match peer_pidfd(fd) {
        Ok(pidfd) => return Some(Pin::Fd(pidfd)),
        // The kernel knows the option but not the process any more: it is gone.
        Err(e) if e != libc::ENOPROTOOPT && e != libc::EINVAL => return None,
        Err(_) => {}
    }
    let pin = match sys::pidfd_open(cred.pid) {
        Some(pidfd) => Pin::Fd(pidfd),
        None => Pin::Start(sys::proc_stat(cred.pid)?.2),
    };
    let ids = sys::ids(cred.pid)?;
    (ids.euid == cred.uid && ids.egid == cred.gid && pin.alive(cred.pid)).then_some(pin)
}

/// A client process, pinned: it is still the process that connected.
pub(crate) enum Pin {
    Fd(OwnedFd),
    /// `/proc/PID/stat` start time, when the kernel has no pidfds (before 5.3).
    Start(u64),
}

impl Pin {
    /// Whether `pid` still names the pinned process. Called after reading anything about
    /// `pid` from `/proc`, so the read was of the pinned process.
    pub(crate) fn alive(&self, pid: i32) -> bool {
        match self {
            Pin::Fd(fd) => !sys::pidfd_exited(fd),
            Pin::Start(st) => {
                matches!(sys::proc_stat(pid), Some((s, _, t)) if t == *st && s != b'Z' && s != b'X')
            }
        }
    }

    fn dup(&self) -> Option<Pin> {
        match self {
            Pin::Fd(fd) => fd.try_clone().ok().map(Pin::Fd),
            Pin::Start(st) => Some(Pin::Start(*st)),
        }
    }
}

impl Emu {
    pub(super) fn accept(&mut self, listener: &OwnedFd) {
        // SAFETY: accept4 with null address arguments.
        let fd = unsafe {
            libc::accept4(
                listener.as_raw_fd(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                libc::SOCK_CLOEXEC,
            )
        };
        if fd < 0 {
            return;
        }
        // SAFETY: fd was just returned by accept4 and is owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // A connection whose process cannot be identified and pinned is refused (closed).
        let Some(cred) = peer_cred(&fd) else { return };
        let Some(pin) = pin_peer(&fd, &cred) else {
            return;
        };
        let pid = cred.pid;
        // A client entry left by an earlier process with this pid (it died while another
        // process kept one of its connections open): its handles die with it, as a Redox
        // process's files do; the new process starts afresh.
        if self
            .clients
            .get(&pid)
            .is_some_and(|c| c.pin.as_ref().is_none_or(|p| !p.alive(pid)))
        {
            self.forget_client(pid);
        }
        let id = self.next_conn;
        self.next_conn += 1;
        let client = self.clients.entry(pid).or_default();
        client.conns += 1;
        client.next_handle = client.next_handle.max(1);
        if client.pin.is_none() {
            client.pin = pin.dup();
        }
        self.conns.insert(
            id,
            Conn {
                fd,
                pid,
                euid: cred.uid,
                egid: cred.gid,
                pin,
                parked: None,
                stats: [0; wire::STATS_LEN],
                dead: false,
            },
        );
    }

    /// Drops a client process that is gone: closes its handles and its connections.
    pub(super) fn forget_client(&mut self, pid: i32) {
        let conns: Vec<u64> = self
            .conns
            .iter()
            .filter(|(_, c)| c.pid == pid)
            .map(|(id, _)| *id)
            .collect();
        for id in conns {
            if let Some(c) = self.conns.get_mut(&id) {
                c.dead = true;
            }
        }
        self.drop_dead();
        let hids: Vec<u32> = self
            .clients
            .get(&pid)
            .map(|cl| cl.handles.keys().copied().collect())
            .unwrap_or_default();
        for h in hids {
            let _ = self.close_handle(pid, h, false);
        }
        self.drop_client_events(pid);
        self.clients.remove(&pid);
    }
}
