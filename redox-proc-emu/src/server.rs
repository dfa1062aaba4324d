//! The daemon: launches PROGRAM, serves the scheme over an abstract `SOCK_SEQPACKET` socket,
//! and runs one `signalfd(SIGCHLD)` + `poll` event loop on a single thread (all ptrace
//! requests must come from the tracer thread).

use std::collections::{BTreeMap, VecDeque};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::Command;

use redox_proc_wire::{self as wire, Request, Response};
use syscall::data::PtraceEvent;

use crate::linux::Tracee;
use crate::sys::{self, Res};

/// `b` of a SIGNAL event for a caught signal: Linux does not expose another process's handler
/// address, so any user handler is reported as 2 (0 = `SIG_DFL`, 1 = `SIG_IGN` as in Redox).
pub(crate) const HANDLER_CAUGHT: usize = 2;

/// What a handle refers to (`proc.rs` @59177587 `open`, l.211-227, plus `regs/env`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Trace,
    RegsInt,
    RegsFloat,
    RegsEnv,
    Mem,
    Exe,
    Chan,
}

pub(crate) struct Handle {
    pub pid: i32,
    pub kind: Kind,
    pub flags: u64,
    pub pos: u64,
    /// `/proc/PID/mem` and the exec generation it was opened in.
    pub mem: Option<(std::fs::File, u64)>,
    /// Pids of CLONE events read through this handle (`proc.rs` @59177587 l.441-446).
    pub clones: Vec<i32>,
    pub data: Vec<u8>,
}

impl Handle {
    pub(crate) fn needs_attach(&self) -> bool {
        matches!(
            self.kind,
            Kind::Trace | Kind::RegsInt | Kind::RegsFloat | Kind::RegsEnv | Kind::Mem
        )
    }
}

/// One ptrace session (`ptrace.rs` @59177587 `SessionData`, l.50-55).
pub(crate) struct Session {
    /// Client process holding the trace handle.
    pub owner: i32,
    pub handle: u32,
    pub armed: Option<u64>,
    pub reached: bool,
    pub queue: VecDeque<PtraceEvent>,
}

pub(crate) enum Parked {
    Read { handle: u32, len: usize, seq: u32 },
    Wait { pid: i32, seq: u32 },
}

/// One connection: a channel of a client process. Handles belong to the process (all its
/// connections share them, as a Redox process's fds are shared by its threads).
pub(crate) struct Conn {
    pub fd: OwnedFd,
    pub pid: i32,
    pub parked: Option<Parked>,
    pub stats: [u64; wire::STATS_LEN],
    pub dead: bool,
}

/// A client process: its handles and counters.
#[derive(Default)]
pub(crate) struct Client {
    pub handles: BTreeMap<u32, Handle>,
    pub next_handle: u32,
    pub stats: [u64; wire::STATS_LEN],
    /// Open connections of this process; its handles are closed when the last one goes.
    pub conns: usize,
}

/// The emulator state.
pub(crate) struct Emu {
    pub program: i32,
    pub program_status: Option<i32>,
    pub conns: BTreeMap<u64, Conn>,
    pub next_conn: u64,
    pub clients: BTreeMap<i32, Client>,
    pub tracees: BTreeMap<i32, Tracee>,
    pub sessions: BTreeMap<i32, Session>,
    /// Auto-attached children whose parent's clone event came first: freeze or not.
    pub pending_clone: BTreeMap<i32, bool>,
    /// Wait statuses of reaped tracees (for `WAITPID`).
    pub exits: BTreeMap<i32, i32>,
    /// `chan:` names: owner pid and its start time (the marker lives as long as the owner).
    pub chans: BTreeMap<Vec<u8>, (i32, u64)>,
    pub totals: [u64; wire::STATS_LEN],
    /// `REDOX_PROC_EMU_DEBUG` set: trace the state machine on stderr.
    pub debug: bool,
}

fn block_signals(sigs: &[i32]) -> Res<libc::sigset_t> {
    // SAFETY: sigset_t is plain old data, initialised by sigemptyset before use.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid sigset_t for these calls.
    unsafe {
        libc::sigemptyset(&mut set);
        for &s in sigs {
            libc::sigaddset(&mut set, s);
        }
        if libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
            return Err(sys::errno());
        }
    }
    Ok(set)
}

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

fn listen_on(name: &str) -> Res<OwnedFd> {
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

/// Runs `redox-proc-emu -- PROGRAM [ARGS...]`; returns the exit code.
pub fn run(program: &str, args: &[String]) -> i32 {
    let sigs = [
        libc::SIGCHLD,
        libc::SIGTERM,
        libc::SIGINT,
        libc::SIGHUP,
        libc::SIGQUIT,
    ];
    let set = match block_signals(&sigs) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("redox-proc-emu: sigprocmask: errno {e}");
            return 125;
        }
    };
    // SAFETY: `set` is a valid sigset_t; -1 asks for a new signalfd.
    let sfd = unsafe { libc::signalfd(-1, &set, libc::SFD_CLOEXEC) };
    if sfd < 0 {
        eprintln!("redox-proc-emu: signalfd: errno {}", sys::errno());
        return 125;
    }
    // SAFETY: sfd was just returned by signalfd(2).
    let sfd = unsafe { OwnedFd::from_raw_fd(sfd) };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = format!("redox-proc-emu.{}.{nanos:08x}", std::process::id());
    let listener = match listen_on(&name) {
        Ok(fd) => fd,
        Err(e) => {
            eprintln!("redox-proc-emu: listen: errno {e}");
            return 125;
        }
    };
    let mut cmd = Command::new(program);
    cmd.args(args).env(wire::ENV_VAR, &name);
    // SAFETY: the hook only calls sigprocmask(2), which is async-signal-safe, so PROGRAM
    // starts with the signals we block for our signalfd unblocked.
    unsafe {
        cmd.pre_exec(move || {
            libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
            Ok(())
        });
    }
    let child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("redox-proc-emu: cannot start {program}: {e}");
            return 127;
        }
    };
    let mut emu = Emu {
        program: child.id() as i32,
        program_status: None,
        conns: BTreeMap::new(),
        next_conn: 1,
        clients: BTreeMap::new(),
        tracees: BTreeMap::new(),
        sessions: BTreeMap::new(),
        pending_clone: BTreeMap::new(),
        exits: BTreeMap::new(),
        chans: BTreeMap::new(),
        totals: [0; wire::STATS_LEN],
        debug: std::env::var_os("REDOX_PROC_EMU_DEBUG").is_some(),
    };
    drop(child); // reaped by our own waitpid(-1) loop
    emu.event_loop(&sfd, &listener);
    emu.shutdown();
    match emu.program_status {
        Some(st) if libc::WIFEXITED(st) => libc::WEXITSTATUS(st),
        Some(st) if libc::WIFSIGNALED(st) => 128 + libc::WTERMSIG(st),
        _ => 125,
    }
}

impl Emu {
    fn event_loop(&mut self, sfd: &OwnedFd, listener: &OwnedFd) {
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
                } else if p.revents & (libc::POLLHUP | libc::POLLERR) != 0 {
                    if let Some(c) = self.conns.get_mut(id) {
                        c.dead = true;
                    }
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

    fn accept(&mut self, listener: &OwnedFd) {
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
            if n == 0 || sys::errno() != libc::EAGAIN {
                if let Some(c) = self.conns.get_mut(&id) {
                    c.dead = true;
                }
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

    fn drop_dead(&mut self) {
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
            let parked = self.conns.get_mut(&id).and_then(|c| c.parked.take());
            match parked {
                Some(Parked::Read { handle, len, seq }) => match self.trace_read(id, handle, len) {
                    Some(res) => {
                        let (res, data) = match res {
                            Ok(d) => (Ok(d.len() as i64), d),
                            Err(e) => (Err(e), Vec::new()),
                        };
                        self.respond(id, seq, res, 0, &data);
                    }
                    None => {
                        if let Some(c) = self.conns.get_mut(&id) {
                            c.parked = Some(Parked::Read { handle, len, seq });
                        }
                    }
                },
                Some(Parked::Wait { pid, seq }) => match self.exits.get(&pid) {
                    Some(&st) => self.respond(id, seq, Ok(i64::from(pid)), st as u64, &[]),
                    None => {
                        if let Some(c) = self.conns.get_mut(&id) {
                            c.parked = Some(Parked::Wait { pid, seq });
                        }
                    }
                },
                None => {}
            }
        }
    }

    fn shutdown(&mut self) {
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
    }
}
