//! A minimal std client of the emulator (what the no_std library does with raw syscalls).

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use redox_proc_wire::{self as wire, Request, Response, op};

/// A Redox errno (same numbering as Linux).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub i32);

/// Result of a scheme operation.
pub type Result<T> = std::result::Result<T, Errno>;

/// One connection to the emulator. Not shareable across processes: a forked child must
/// connect again (the emulator identifies a connection by the pid that opened it).
pub struct Client {
    fd: OwnedFd,
    seq: u32,
    buf: Vec<u8>,
}

impl Client {
    /// Connects to the emulator named by `REDOX_PROC_EMU`, or, without it, to the nearest
    /// ancestor that is one ([`Client::connect_ancestor`]).
    pub fn connect() -> std::io::Result<Client> {
        match std::env::var(wire::ENV_VAR) {
            Ok(name) => Self::connect_to(&name),
            Err(_) => Self::connect_ancestor(),
        }
    }

    /// What the library does when its environment lost `REDOX_PROC_EMU` (PROTOCOL.md §1):
    /// walk the parent chain and connect to `SOCKET_PREFIX` + the first ancestor's pid whose
    /// listener (`SO_PEERCRED`) is that ancestor.
    pub fn connect_ancestor() -> std::io::Result<Client> {
        let mut pid = std::os::unix::process::parent_id() as i32;
        for _ in 0..256 {
            if pid <= 0 {
                break;
            }
            if let Ok(c) = Self::connect_to(&format!("{}{pid}", wire::SOCKET_PREFIX))
                && c.server_pid() == Some(pid)
            {
                return Ok(c);
            }
            if pid == 1 {
                break;
            }
            pid = std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|s| {
                    let rest = s.get(s.rfind(')')? + 4..)?;
                    rest.split(' ').next()?.parse().ok()
                })
                .unwrap_or(0);
        }
        Err(std::io::Error::from_raw_os_error(libc::ENOSYS))
    }

    /// The pid of the process listening on the other end (`SO_PEERCRED`).
    pub fn server_pid(&self) -> Option<i32> {
        peer_cred(&self.fd).map(|c| c.pid)
    }

    /// A client over an already connected socket (e.g. one inherited from another process;
    /// the emulator answers only the process that connected it).
    pub fn from_fd(fd: OwnedFd) -> Client {
        Client {
            fd,
            seq: 0,
            buf: vec![0; wire::MAX_MSG],
        }
    }

    /// Connects to the abstract socket `name`.
    pub fn connect_to(name: &str) -> std::io::Result<Client> {
        // SAFETY: plain socket(2) call.
        let fd =
            unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC, 0) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: fd was just returned by socket(2).
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: sockaddr_un is plain old data.
        let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
        addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
        let bytes = name.as_bytes();
        if bytes.len() + 1 > addr.sun_path.len() {
            return Err(std::io::Error::from_raw_os_error(libc::ENAMETOOLONG));
        }
        for (dst, src) in addr.sun_path.iter_mut().skip(1).zip(bytes) {
            *dst = *src as libc::c_char;
        }
        let len = std::mem::size_of::<libc::sa_family_t>() + 1 + bytes.len();
        // SAFETY: addr/len describe a valid abstract sockaddr_un.
        let r = unsafe {
            libc::connect(
                fd.as_raw_fd(),
                (&raw const addr).cast(),
                len as libc::socklen_t,
            )
        };
        if r != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Client {
            fd,
            seq: 0,
            buf: vec![0; wire::MAX_MSG],
        })
    }

    /// One request/response round trip: returns the result (`-errno` mapped to `Err`), `aux`
    /// and the response payload.
    pub fn call(&mut self, mut req: Request, payload: &[u8]) -> Result<(i64, u64, Vec<u8>)> {
        self.seq = self.seq.wrapping_add(1);
        req.seq = self.seq;
        let mut msg = req.encode().to_vec();
        msg.extend_from_slice(payload);
        // SAFETY: msg is readable for its length.
        let r = unsafe {
            libc::send(
                self.fd.as_raw_fd(),
                msg.as_ptr().cast(),
                msg.len(),
                libc::MSG_NOSIGNAL,
            )
        };
        if r < 0 {
            return Err(Errno(libc::EPIPE));
        }
        // SAFETY: buf is writable for its length.
        let n = unsafe {
            libc::recv(
                self.fd.as_raw_fd(),
                self.buf.as_mut_ptr().cast(),
                self.buf.len(),
                0,
            )
        };
        if n <= 0 {
            return Err(Errno(libc::EPIPE));
        }
        let msg = self.buf.get(..n as usize).unwrap_or_default();
        let (resp, data) = Response::decode(msg).ok_or(Errno(libc::EPROTO))?;
        if resp.seq != req.seq {
            return Err(Errno(libc::EPROTO));
        }
        if resp.result < 0 {
            return Err(Errno((-resp.result) as i32));
        }
        Ok((resp.result, resp.aux, data.to_vec()))
    }

    fn simple(&mut self, op: u32, handle: u32, a: u64, b: u64, payload: &[u8]) -> Result<i64> {
        self.call(
            Request {
                op,
                handle,
                a,
                b,
                ..Request::default()
            },
            payload,
        )
        .map(|r| r.0)
    }

    /// `open(path, flags)` with Redox `O_*` flags.
    pub fn open(&mut self, path: &str, flags: usize) -> Result<u32> {
        self.simple(op::OPEN, 0, flags as u64, 0, path.as_bytes())
            .map(|h| h as u32)
    }

    /// `dup(handle, name)`.
    pub fn dup(&mut self, handle: u32, name: &str) -> Result<u32> {
        self.simple(op::DUP, handle, 0, 0, name.as_bytes())
            .map(|h| h as u32)
    }

    /// `read(handle, len)`.
    pub fn read(&mut self, handle: u32, len: usize) -> Result<Vec<u8>> {
        self.call(
            Request {
                op: op::READ,
                handle,
                a: len as u64,
                ..Request::default()
            },
            &[],
        )
        .map(|r| r.2)
    }

    /// `write(handle, data)`.
    pub fn write(&mut self, handle: u32, data: &[u8]) -> Result<usize> {
        self.simple(op::WRITE, handle, 0, 0, data)
            .map(|n| n as usize)
    }

    /// `lseek(handle, offset, whence)`.
    pub fn seek(&mut self, handle: u32, offset: i64, whence: usize) -> Result<u64> {
        self.simple(op::SEEK, handle, offset as u64, whence as u64, &[])
            .map(|n| n as u64)
    }

    /// `fcntl(handle, cmd, arg)`.
    pub fn fcntl(&mut self, handle: u32, cmd: usize, arg: usize) -> Result<usize> {
        self.simple(op::FCNTL, handle, cmd as u64, arg as u64, &[])
            .map(|n| n as usize)
    }

    /// `close(handle)`.
    pub fn close(&mut self, handle: u32) -> Result<()> {
        self.simple(op::CLOSE, handle, 0, 0, &[]).map(|_| ())
    }

    /// `fpath(handle)`.
    pub fn fpath(&mut self, handle: u32) -> Result<String> {
        self.call(
            Request {
                op: op::FPATH,
                handle,
                ..Request::default()
            },
            &[],
        )
        .map(|r| String::from_utf8_lossy(&r.2).into_owned())
    }

    /// `kill(pid, sig)`.
    pub fn kill(&mut self, pid: i32, sig: i32) -> Result<()> {
        self.simple(op::KILL, 0, pid as i64 as u64, sig as u64, &[])
            .map(|_| ())
    }

    /// Emulator-side `waitpid(pid, options)`: `(pid or 0, status)`.
    pub fn waitpid(&mut self, pid: i32, options: i32) -> Result<(i32, i32)> {
        self.call(
            Request {
                op: op::WAITPID,
                a: pid as i64 as u64,
                b: options as u64,
                ..Request::default()
            },
            &[],
        )
        .map(|r| (r.0 as i32, r.1 as i32))
    }

    /// The pid this connection was opened by.
    pub fn getpid(&mut self) -> Result<i32> {
        self.simple(op::GETPID, 0, 0, 0, &[]).map(|p| p as i32)
    }

    /// Operation counters (`scope` = `STATS_SELF` or `STATS_ALL`).
    pub fn stats(&mut self, scope: u64, reset: bool) -> Result<Vec<u64>> {
        let r = self.call(
            Request {
                op: op::STATS,
                a: scope,
                b: u64::from(reset),
                ..Request::default()
            },
            &[],
        )?;
        Ok(r.2
            .chunks_exact(8)
            .map(|c| c.try_into().map(u64::from_le_bytes).unwrap_or(0))
            .collect())
    }
}

/// `SO_PEERCRED` of a connected `AF_UNIX` socket: pid, effective uid and effective gid of the
/// peer, fixed by the kernel at `connect(2)` (for the connecting side: the listener's, at
/// `listen(2)`; net/core/sock.c `cred_to_ucred` reports `cred->euid`/`cred->egid`).
pub(crate) fn peer_cred(fd: &OwnedFd) -> Option<libc::ucred> {
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
    (r == 0 && cred.pid > 0).then_some(cred)
}
