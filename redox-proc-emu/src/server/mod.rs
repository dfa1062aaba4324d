//! The daemon: launches PROGRAM, serves the scheme over an abstract `SOCK_SEQPACKET` socket,
//! and runs one `signalfd(SIGCHLD)` + `poll` event loop on a single thread (all ptrace
//! requests must come from the tracer thread).

mod conn;
mod event_loop;
mod socket;

use std::collections::{BTreeMap, VecDeque};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::Command;

use redox_proc_wire as wire;
use syscall::data::PtraceEvent;

pub(crate) use self::socket::Pin;
use self::socket::listen_on;
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
    /// An `event:` queue (`scheme/event.rs` @59177587); its events are in `Emu::queues`.
    EventQueue,
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

/// An `event:` queue (`event.rs` @59177587 `EventQueue`, l.15-18).
pub(crate) struct EventQueue {
    /// Pending events: `(id, flags, data)`.
    pub events: VecDeque<(u64, u64, u64)>,
    /// Still reachable through its handle. A queue closed while a read is parked on it lives
    /// until that read is answered (see `scheme/event.rs`).
    pub open: bool,
}

/// One queue's interest in a file (`event.rs` @59177587 `QueueKey`, l.100-105): the queue's
/// handle, the `id` and `data` it registered with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct QueueKey {
    pub queue: u32,
    pub id: u64,
    pub data: u64,
}

#[derive(Clone, Copy)]
pub(crate) enum Parked {
    Read {
        handle: u32,
        len: usize,
        seq: u32,
    },
    /// A blocking read of an `event:` queue handle.
    Events {
        handle: u32,
        len: usize,
        seq: u32,
    },
    Wait {
        pid: i32,
        seq: u32,
    },
}

/// One connection: a channel of a client process. Handles belong to the process (all its
/// connections share them, as a Redox process's fds are shared by its threads).
pub(crate) struct Conn {
    pub fd: OwnedFd,
    /// The process that connected (`SO_PEERCRED`); only it may send on this connection.
    pub pid: i32,
    /// Its effective uid and gid at `connect(2)` (`SO_PEERCRED`, fixed by the kernel).
    pub euid: u32,
    pub egid: u32,
    /// That very process (not a later one with the same pid).
    pub pin: Pin,
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
    /// The process these handles belong to; a new process reusing the pid gets none of them.
    pub pin: Option<Pin>,
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
    /// `event:` queues by (client pid, queue handle).
    pub queues: BTreeMap<(i32, u32), EventQueue>,
    /// Registrations by (client pid, file handle) (`event.rs` @59177587 `Registry`, l.107):
    /// queue key → event flags.
    pub registry: BTreeMap<(i32, u32), BTreeMap<QueueKey, u64>>,
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
    // Every descendant of PROGRAM stays below us, whatever it does: orphans are reparented
    // to the nearest living ancestor that is a child subreaper (prctl(2)
    // PR_SET_CHILD_SUBREAPER; kernel/exit.c `find_new_reaper`). So the ancestor chain of any
    // descendant passes through this process (discovery, PROTOCOL.md §1), and at exit we can
    // still find what is left (containment, `conn.rs` `sweep`).
    // SAFETY: plain prctl(2) with integer arguments.
    if unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } != 0 {
        eprintln!(
            "redox-proc-emu: PR_SET_CHILD_SUBREAPER: errno {}",
            sys::errno()
        );
        return 125;
    }
    let me = std::process::id();
    // The name is derived from our pid, so that a descendant that lost its environment finds
    // it by walking its ancestors (PROTOCOL.md §1) and checks, with SO_PEERCRED, that the
    // listener is that ancestor. If someone else holds the name, serve under a unique one:
    // clients then need the environment variable.
    let name = format!("{}{me}", wire::SOCKET_PREFIX);
    let (name, listener) = match listen_on(&name) {
        Ok(fd) => (name, fd),
        Err(libc::EADDRINUSE) => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0);
            let alt = format!("{name}.{nanos:08x}");
            eprintln!(
                "redox-proc-emu: {name} is taken; serving {alt} (found through {} only)",
                wire::ENV_VAR
            );
            match listen_on(&alt) {
                Ok(fd) => (alt, fd),
                Err(e) => {
                    eprintln!("redox-proc-emu: listen: errno {e}");
                    return 125;
                }
            }
        }
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
        queues: BTreeMap::new(),
        registry: BTreeMap::new(),
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
