//! The abstract `SOCK_SEQPACKET` socket: its address, listening, the peer's pid, and
//! accepting a connection.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use redox_proc_wire as wire;

use super::{Conn, Emu};
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

fn peer_pid(fd: &OwnedFd) -> i32 {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: cred/len are valid out pointers of the right size for SO_PEERCRED.
    let r = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&raw mut cred).cast(),
            &mut len,
        )
    };
    if r == 0 { cred.pid } else { 0 }
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
        let pid = peer_pid(&fd);
        let id = self.next_conn;
        self.next_conn += 1;
        let client = self.clients.entry(pid).or_default();
        client.conns += 1;
        client.next_handle = client.next_handle.max(1);
        self.conns.insert(
            id,
            Conn {
                fd,
                pid,
                parked: None,
                stats: [0; wire::STATS_LEN],
                dead: false,
            },
        );
    }
}
