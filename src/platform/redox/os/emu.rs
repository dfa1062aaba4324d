//! The boundary on Linux for the `redox-emulator` build: scheme files are served by
//! `redox-proc-emu` (the wire format is the `redox-proc-wire` crate, documented in
//! `redox-proc-emu/PROTOCOL.md`); process control is Linux's own, since the emulator is the
//! Linux tracer and Linux `wait4` then hides ptrace stops exactly as Redox's `waitpid` does
//! (emulator-feasibility.md Q2).
//!
//! A program started without the emulator (no `REDOX_PROC_EMU` in its environment, or nobody
//! listening) sees a Redox without the `trace` handle: every scheme operation fails with
//! ENOSYS, at once.
//!
//! Connections: a blocking `trace` read occupies a connection until the tracee stops, so each
//! request takes an idle connection from a small pool (opening one when none is idle) and
//! gives it back after its answer; handles belong to the process, not to a connection. A
//! forked child inherits its parent's sockets but is a different client: the pool is dropped
//! when the pid changes (emulator-feasibility.md trap 13).

use core::ffi::{CStr, c_char, c_int, c_void};

use redox_proc_wire::{ENV_VAR, REQ_HEADER_LEN, RESP_HEADER_LEN, Request, Response, op};
use spin::Mutex;

use super::Fd;
use crate::errno::{EFAULT, EINTR, EIO, ENOSYS, Errno, Result};
use crate::platform::linux::syscall::{nr, syscall4, syscall6};
use crate::platform::types::pid_t;

/// The exec syscalls as the emulated tracee makes them (it runs Linux programs).
pub const EXEC_SYSCALLS: &[u64] = &nr::EXEC;

/// `CLONE_VFORK` (linux/sched.h).
const CLONE_VFORK: u64 = 0x4000;

/// Whether a syscall of the emulated tracee (a Linux program), by its number and first
/// argument, is a vfork: `vfork`, or `clone`/`clone3` with `CLONE_VFORK` (clone(2)); `clone3`'s
/// flags are the first word of the structure its argument points to, read by `first_word`.
pub fn is_vfork(number: u64, arg0: u64, first_word: impl FnOnce(u64) -> Option<u64>) -> bool {
    match number {
        #[cfg(target_arch = "x86_64")]
        nr::VFORK => true,
        nr::CLONE => arg0 & CLONE_VFORK != 0,
        nr::CLONE3 => first_word(arg0).is_some_and(|flags| flags & CLONE_VFORK != 0),
        _ => false,
    }
}

const AF_UNIX: usize = 1;
const SOCK_SEQPACKET: usize = 5;
const SOCK_CLOEXEC: usize = 0o2000000;
const MSG_NOSIGNAL: usize = 0x4000;
/// Largest request or answer this client sends or expects (a 512-byte register file, eight
/// 56-byte events, a path).
const BUF: usize = 1024;

unsafe extern "C" {
    /// The C library's `getenv` (the emulator build only exists on Linux, inside a C program).
    fn getenv(name: *const c_char) -> *const c_char;
}

/// Idle connections of this process, and the pid they belong to.
struct Pool {
    pid: pid_t,
    idle: [Option<usize>; 8],
}

static POOL: Mutex<Pool> = Mutex::new(Pool {
    pid: 0,
    idle: [None; 8],
});

/// The emulator's socket name, read once (the environment of a process does not change the
/// emulator it runs under).
fn socket_name() -> Option<&'static [u8]> {
    static NAME: spin::Once<Option<&'static [u8]>> = spin::Once::new();
    *NAME.call_once(|| {
        let key = c"REDOX_PROC_EMU";
        debug_assert_eq!(key.to_bytes(), ENV_VAR.as_bytes());
        // SAFETY: `key` is NUL-terminated; getenv returns NULL or a NUL-terminated string that
        // lives as long as the environment, which this library never modifies.
        let value = unsafe { getenv(key.as_ptr()) };
        if value.is_null() {
            return None;
        }
        // SAFETY: non-NULL results of getenv are valid C strings (see above).
        let bytes = unsafe { CStr::from_ptr(value) }.to_bytes();
        (!bytes.is_empty() && bytes.len() < 100).then_some(bytes)
    })
}

fn connect() -> Result<usize> {
    let name = socket_name().ok_or(ENOSYS)?;
    // SAFETY: plain values.
    let fd = unsafe { syscall4(nr::SOCKET, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, 0) }?;
    // struct sockaddr_un: sa_family_t, then the path; abstract names start with a NUL byte.
    let mut addr = [0u8; 110];
    addr[0..2].copy_from_slice(&(AF_UNIX as u16).to_ne_bytes());
    for (dst, src) in addr.iter_mut().skip(3).zip(name) {
        *dst = *src;
    }
    let len = 3 + name.len();
    // SAFETY: `addr` is a valid sockaddr_un of `len` bytes for the duration of the call.
    let r = unsafe { syscall4(nr::CONNECT, fd, addr.as_ptr() as usize, len, 0) };
    if r.is_err() {
        // SAFETY: closing the socket just created.
        let _ = unsafe { syscall4(nr::CLOSE, fd, 0, 0, 0) };
        return Err(ENOSYS);
    }
    Ok(fd)
}

/// Takes an idle connection of this process, or opens one.
fn take() -> Result<usize> {
    let me = getpid();
    {
        let mut pool = POOL.lock();
        if pool.pid != me {
            // Inherited from the parent: not ours to use (the sockets are left to the parent).
            pool.pid = me;
            pool.idle = [None; 8];
        }
        if let Some(fd) = pool.idle.iter_mut().find_map(Option::take) {
            return Ok(fd);
        }
    }
    connect()
}

/// Gives a connection back to the pool (or closes it when the pool is full).
fn give(fd: usize) {
    let mut pool = POOL.lock();
    if let Some(slot) = pool.idle.iter_mut().find(|s| s.is_none()) {
        *slot = Some(fd);
    } else {
        drop(pool);
        // SAFETY: closing our own socket.
        let _ = unsafe { syscall4(nr::CLOSE, fd, 0, 0, 0) };
    }
}

/// One round trip: sends the request header and `payload`, receives the answer into `out`
/// (as much as fits). Returns the decoded result (`>= 0`), the `aux` value and the payload
/// length copied; a negative result is that errno.
fn call(req: Request, payload: &[u8], out: &mut [u8]) -> Result<(usize, u64, usize)> {
    let mut msg = [0u8; REQ_HEADER_LEN + BUF];
    let total = REQ_HEADER_LEN + payload.len();
    let body = msg.get_mut(..total).ok_or(EIO)?;
    let (head, tail) = body.split_at_mut(REQ_HEADER_LEN);
    head.copy_from_slice(&req.encode());
    tail.copy_from_slice(payload);
    let fd = take()?;
    let mut buf = [0u8; RESP_HEADER_LEN + BUF];
    let Some(n) = exchange(fd, msg.get(..total).unwrap_or_default(), &mut buf) else {
        // The connection broke (the emulator is gone): it is not given back.
        // SAFETY: closing our own socket.
        let _ = unsafe { syscall4(nr::CLOSE, fd, 0, 0, 0) };
        return Err(EIO);
    };
    give(fd);
    let (resp, data) = Response::decode(buf.get(..n).unwrap_or_default()).ok_or(EIO)?;
    if resp.result < 0 {
        return Err(Errno(resp.result.unsigned_abs().min(4095) as c_int));
    }
    let copied = data.len().min(out.len());
    if let (Some(dst), Some(src)) = (out.get_mut(..copied), data.get(..copied)) {
        dst.copy_from_slice(src);
    }
    Ok((resp.result as usize, resp.aux, copied))
}

/// Sends `msg` and receives the answer into `buf`; None when the connection is broken.
fn exchange(fd: usize, msg: &[u8], buf: &mut [u8]) -> Option<usize> {
    loop {
        // MSG_NOSIGNAL: an emulator that went away is an error, not a SIGPIPE for the program.
        let args = [fd, msg.as_ptr() as usize, msg.len(), MSG_NOSIGNAL, 0, 0];
        // SAFETY: `msg` is valid for reading for the call; no address is passed.
        match unsafe { syscall6(nr::SENDTO, args) } {
            Err(EINTR) => continue,
            Err(_) => return None,
            Ok(_) => break,
        }
    }
    loop {
        let args = [fd, buf.as_mut_ptr() as usize, buf.len(), 0, 0, 0];
        // SAFETY: `buf` is valid for writing for the call; flags 0, no address wanted.
        match unsafe { syscall6(nr::RECVFROM, args) } {
            Err(EINTR) => continue,
            Err(_) | Ok(0) => return None,
            Ok(n) => return Some(n),
        }
    }
}

fn request(op: u32, handle: Fd, a: u64, b: u64) -> Request {
    Request {
        op,
        handle: handle as u32,
        a,
        b,
        c: 0,
        seq: 0,
    }
}

/// Whether an emulator serves the `proc:` scheme to this process: its socket is named in the
/// environment and accepts a connection (checked once).
pub fn available() -> bool {
    static AVAILABLE: spin::Once<bool> = spin::Once::new();
    *AVAILABLE.call_once(|| match take() {
        Ok(fd) => {
            give(fd);
            true
        }
        Err(_) => false,
    })
}

/// Opens a scheme path.
pub fn open(path: &str, flags: usize) -> Result<Fd> {
    call(
        request(op::OPEN, 0, flags as u64, 0),
        path.as_bytes(),
        &mut [],
    )
    .map(|(h, _, _)| h)
}

/// Reads into `buf`.
pub fn read(fd: Fd, buf: &mut [u8]) -> Result<usize> {
    call(request(op::READ, fd, buf.len() as u64, 0), &[], buf).map(|(_, _, n)| n)
}

/// Writes `buf`.
pub fn write(fd: Fd, buf: &[u8]) -> Result<usize> {
    call(request(op::WRITE, fd, 0, 0), buf, &mut []).map(|(n, _, _)| n)
}

/// Moves the handle's cursor.
pub fn lseek(fd: Fd, offset: isize, whence: usize) -> Result<usize> {
    call(
        request(op::SEEK, fd, offset as u64, whence as u64),
        &[],
        &mut [],
    )
    .map(|(p, _, _)| p)
}

/// `fcntl(F_GETFL/F_SETFL)` on a scheme handle.
pub fn fcntl(fd: Fd, cmd: usize, arg: usize) -> Result<usize> {
    call(request(op::FCNTL, fd, cmd as u64, arg as u64), &[], &mut []).map(|(v, _, _)| v)
}

/// Closes a handle.
pub fn close(fd: Fd) -> Result<()> {
    call(request(op::CLOSE, fd, 0, 0), &[], &mut []).map(drop)
}

/// This process's id (Linux `getpid`).
pub fn getpid() -> pid_t {
    // SAFETY: getpid takes no arguments and cannot fail.
    unsafe { syscall4(nr::GETPID, 0, 0, 0, 0) }.map_or(0, |p| p as pid_t)
}

/// Sends `sig` to `pid` through the emulator's `KILL`, which delivers it as a Redox kernel
/// would (a tracee sleeping at a stop is woken and re-queues its event, spec §2.5), so the
/// emulator sees every signal the library sends.
pub fn kill(pid: pid_t, sig: c_int) -> Result<()> {
    let req = request(op::KILL, 0, pid as i64 as u64, sig as u64);
    call(req, &[], &mut []).map(drop)
}

/// The operating system's `waitpid`, with `rusage` filled as Linux does.
///
/// # Safety
/// `stat_loc` and `rusage` are NULL or writable (the kernel checks them: EFAULT).
pub unsafe fn waitpid(
    pid: pid_t,
    stat_loc: *mut c_int,
    options: c_int,
    rusage: *mut c_void,
) -> Result<pid_t> {
    use crate::platform::Pal;
    // SAFETY: the caller's contract is the one the Linux backend's wait4 requires.
    unsafe { crate::platform::linux::Sys::wait4(pid, stat_loc, options, rusage) }
}

/// Checks that the caller's `len` bytes at `addr` can be accessed, as the Linux kernel would
/// before copying: NULL and the first page never are.
pub fn check_user(addr: usize, len: usize, _write: bool) -> Result<()> {
    if addr < 4096 || addr.checked_add(len).is_none() {
        Err(EFAULT)
    } else {
        Ok(())
    }
}

/// Gives the CPU away while `waitpid` polls several sources (Linux `sched_yield`).
pub fn pause() {
    // SAFETY: no arguments.
    let _ = unsafe { syscall4(nr::SCHED_YIELD, 0, 0, 0, 0) };
}

/// Sleeps a millisecond (Linux `nanosleep`); a signal may end it early.
pub fn nap() {
    let ts: [i64; 2] = [0, 1_000_000];
    // SAFETY: `ts` is a live timespec for the duration of the call; no remainder is asked for.
    let _ = unsafe { syscall4(nr::NANOSLEEP, ts.as_ptr() as usize, 0, 0, 0) };
}
