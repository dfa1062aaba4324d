//! The boundary on Linux for the `redox-emulator` build: scheme files are served by
//! `redox-proc-emu` (the wire format is the `redox-proc-wire` crate, documented in
//! `redox-proc-emu/PROTOCOL.md`); process control is Linux's own, since the emulator is the
//! Linux tracer and Linux `wait4` then hides ptrace stops exactly as Redox's `waitpid` does
//! (kernel/exit.c `wait_consider_task`: a ptraced child is reported to its tracer).
//!
//! The emulator is found through `REDOX_PROC_EMU`, or, when the environment lost it, among
//! the ancestors (see `connect_ancestor`). A program started without the emulator sees a
//! Redox without the `trace` handle: every scheme operation fails with ENOSYS, at once.
//!
//! Connections: a blocking `trace` read occupies a connection until the tracee stops, so each
//! request takes an idle connection from a small pool (opening one when none is idle) and
//! gives it back after its answer; handles belong to the process, not to a connection. A
//! forked child inherits its parent's sockets but is a different client: the pool is dropped
//! when the pid changes.
//!
//! The emulator plays the kernel, but unlike a kernel it can die (killed, crashed). Its
//! tracees die with it (it traces them with `PTRACE_O_EXITKILL`); the first operation that
//! finds its connection broken marks the scheme lost for good, and from then on the process
//! sees a Redox without the `trace` handle ([`available`] is false): requests fail with
//! ENOSYS and `waitpid` is the operating system's, which reaps the dead tracees.

use core::ffi::{CStr, c_char, c_int};

use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU8, AtomicU32, AtomicUsize, Ordering};
use redox_proc_wire::{
    ENV_VAR, REQ_HEADER_LEN, RESP_HEADER_LEN, Request, Response, SOCKET_PREFIX, op,
};

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
/// Largest request or answer this client sends or expects (a page of `mem`, a 512-byte
/// register file, eight 56-byte events, a path).
const BUF: usize = 4096;

unsafe extern "C" {
    /// The C library's `getenv` (the emulator build only exists on Linux, inside a C program).
    fn getenv(name: *const c_char) -> *const c_char;
}

/// Idle connections of this process: socket numbers + 1, 0 for an empty slot. Lock-free, so
/// that neither a fork nor a signal handler can find it held.
static IDLE: [AtomicUsize; 8] = [const { AtomicUsize::new(0) }; 8];
/// The pid the idle connections belong to.
static IDLE_PID: AtomicI32 = AtomicI32::new(0);
/// Every open connection of this process, idle or in use (socket numbers + 1), so that a
/// forked child can close its copies ([`after_fork`]).
static OPEN: [AtomicUsize; 32] = [const { AtomicUsize::new(0) }; 32];
/// Set when the emulator went away after it had served this process (see the module
/// documentation). Inherited by a forked child, which has the same emulator.
static LOST: AtomicBool = AtomicBool::new(false);

/// In the child of a fork: closes the child's copies of the parent's connections. The
/// emulator knows a client process by its connections, so a copy kept by a child (a TRACEME
/// tracee, say) would keep a dead tracer's sessions and tracees alive. The parent's sockets
/// are untouched: the child's are copies. `_handles`, the parent's scheme handles, are not
/// the child's (the emulator numbers handles per process).
pub fn after_fork(_handles: impl Iterator<Item = Fd>) {
    for slot in &IDLE {
        slot.store(0, Ordering::Relaxed);
    }
    for slot in &OPEN {
        let fd = slot.swap(0, Ordering::AcqRel);
        if fd != 0 {
            close_socket(fd - 1);
        }
    }
    IDLE_PID.store(getpid(), Ordering::Release);
}

/// The emulator's socket name from the environment (the environment of a process does not
/// change the emulator it runs under; it is read at each connect, which is rare).
fn socket_name() -> Option<&'static [u8]> {
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
}

/// Connects to the emulator: the one named in the environment, else the nearest ancestor
/// that is one (a descendant that cleared its environment, e.g. `execve(path, argv, NULL)`).
fn connect() -> Result<usize> {
    match socket_name() {
        Some(name) => connect_to(name),
        None => connect_ancestor(),
    }
}

fn connect_to(name: &[u8]) -> Result<usize> {
    // SAFETY: plain values.
    let fd = unsafe { syscall4(nr::SOCKET, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, 0) }?;
    // struct sockaddr_un: sa_family_t, then the path; abstract names start with a NUL byte.
    let mut addr = [0u8; 110];
    addr[0..2].copy_from_slice(&(AF_UNIX as u16).to_ne_bytes());
    for (dst, src) in addr.iter_mut().skip(3).zip(name) {
        *dst = *src;
    }
    let len = 3 + name.len().min(addr.len() - 3);
    // SAFETY: `addr` is a valid sockaddr_un of `len` bytes for the duration of the call.
    let r = unsafe { syscall4(nr::CONNECT, fd, addr.as_ptr() as usize, len, 0) };
    if r.is_err() {
        close_socket(fd);
        return Err(ENOSYS);
    }
    // Remembered for `after_fork` while a slot is free (a fuller process only risks the leak
    // that function prevents).
    let _ = OPEN.iter().any(|slot| {
        slot.compare_exchange(0, fd + 1, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
    });
    Ok(fd)
}

/// The emulator found among the ancestors (0: not looked for or none). Kept across `fork`: a
/// child has the same emulator ancestor.
static ANCESTOR: AtomicI32 = AtomicI32::new(0);

/// The emulator is a child subreaper (prctl(2) `PR_SET_CHILD_SUBREAPER`), so it stays an
/// ancestor of every process started under it, and listens on `SOCKET_PREFIX` + its pid.
/// Walk the parent chain (`getppid`, then field 4 of `/proc/PID/stat`) and try each
/// ancestor's name; accept a listener only if `SO_PEERCRED` on the connected socket — the
/// listening process, fixed by the kernel at `listen(2)` (net/unix/af_unix.c
/// `unix_stream_connect` → `copy_peercred`) — is that ancestor, so a name taken by another
/// process is never trusted.
fn connect_ancestor() -> Result<usize> {
    let known = ANCESTOR.load(Ordering::Relaxed);
    if known > 0 {
        return connect_pid(known).ok_or(ENOSYS);
    }
    // SAFETY: getppid takes no arguments and cannot fail.
    let mut pid = unsafe { syscall4(nr::GETPPID, 0, 0, 0, 0) }.map_or(0, |p| p as pid_t);
    for _ in 0..256 {
        if pid <= 0 {
            break;
        }
        if let Some(fd) = connect_pid(pid) {
            ANCESTOR.store(pid, Ordering::Relaxed);
            return Ok(fd);
        }
        if pid == 1 {
            break;
        }
        pid = parent_of(pid).unwrap_or(0);
    }
    Err(ENOSYS)
}

/// Connects to the name of emulator `pid` and checks that `pid` is listening there.
fn connect_pid(pid: pid_t) -> Option<usize> {
    let mut name = [0u8; 40];
    let prefix = SOCKET_PREFIX.as_bytes();
    name.get_mut(..prefix.len())?.copy_from_slice(prefix);
    let len = prefix.len() + write_decimal(name.get_mut(prefix.len()..)?, pid as u32)?;
    let fd = connect_to(name.get(..len)?).ok()?;
    // struct ucred { pid, uid, gid }.
    let mut cred = [0i32; 3];
    let mut clen: u32 = 12;
    const SOL_SOCKET: usize = 1;
    const SO_PEERCRED: usize = 17;
    let args = [
        fd,
        SOL_SOCKET,
        SO_PEERCRED,
        cred.as_mut_ptr() as usize,
        &mut clen as *mut u32 as usize,
        0,
    ];
    // SAFETY: `cred` and `clen` are live locals of the sizes given.
    let ok = unsafe { syscall6(nr::GETSOCKOPT, args) }.is_ok() && cred[0] == pid;
    if ok {
        Some(fd)
    } else {
        close_socket(fd);
        None
    }
}

/// Writes `v` in decimal; returns the number of bytes.
fn write_decimal(out: &mut [u8], mut v: u32) -> Option<usize> {
    let mut digits = [0u8; 10];
    let mut n = 0;
    loop {
        *digits.get_mut(n)? = b'0' + (v % 10) as u8;
        n += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for i in 0..n {
        *out.get_mut(i)? = *digits.get(n - 1 - i)?;
    }
    Some(n)
}

/// The parent of `pid`: field 4 of `/proc/PID/stat`, after the `)` closing field 2.
fn parent_of(pid: pid_t) -> Option<pid_t> {
    let mut path = [0u8; 32];
    path.get_mut(..6)?.copy_from_slice(b"/proc/");
    let n = 6 + write_decimal(path.get_mut(6..)?, pid as u32)?;
    path.get_mut(n..n + 6)?.copy_from_slice(b"/stat\0");
    const AT_FDCWD: isize = -100;
    const O_RDONLY_CLOEXEC: usize = 0o2000000;
    // SAFETY: `path` is a NUL-terminated string for the call.
    let fd = unsafe {
        syscall4(
            nr::OPENAT,
            AT_FDCWD as usize,
            path.as_ptr() as usize,
            O_RDONLY_CLOEXEC,
            0,
        )
    }
    .ok()?;
    let mut buf = [0u8; 512];
    // SAFETY: `buf` is writable for its length.
    let r = unsafe { syscall4(nr::READ, fd, buf.as_mut_ptr() as usize, buf.len(), 0) };
    // SAFETY: closing the file just opened.
    let _ = unsafe { syscall4(nr::CLOSE, fd, 0, 0, 0) };
    let data = buf.get(..r.ok()?)?;
    let close = data.iter().rposition(|&b| b == b')')?;
    // ") S PPID ..."
    let rest = data.get(close + 4..)?;
    let mut ppid: i32 = 0;
    for &b in rest.iter().take_while(|b| b.is_ascii_digit()) {
        ppid = ppid.checked_mul(10)?.checked_add(i32::from(b - b'0'))?;
    }
    Some(ppid)
}

fn close_socket(fd: usize) {
    for slot in &OPEN {
        let _ = slot.compare_exchange(fd + 1, 0, Ordering::AcqRel, Ordering::Relaxed);
    }
    // SAFETY: closing a socket of ours that nothing else uses.
    let _ = unsafe { syscall4(nr::CLOSE, fd, 0, 0, 0) };
}

/// Takes an idle connection of this process, or opens one. Connections inherited from the
/// parent are not ours (the emulator knows a client by the pid that connected): they are
/// forgotten, not closed, since the parent still uses them.
fn take() -> Result<usize> {
    let me = getpid();
    if IDLE_PID.swap(me, Ordering::AcqRel) != me {
        for slot in &IDLE {
            slot.store(0, Ordering::Relaxed);
        }
    }
    for slot in &IDLE {
        let fd = slot.swap(0, Ordering::AcqRel);
        if fd != 0 {
            return Ok(fd - 1);
        }
    }
    connect()
}

/// Gives a connection back to the pool (or closes it when the pool is full).
fn give(fd: usize) {
    let stored = IDLE.iter().any(|slot| {
        slot.compare_exchange(0, fd + 1, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
    });
    if !stored {
        close_socket(fd);
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
        // The connection broke: the emulator is gone, and with it the `proc:` scheme.
        close_socket(fd);
        lost();
        return Err(ENOSYS);
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

/// Whether this process was served and no longer is: an emulator that answered before
/// cannot be reached any more.
fn lost() {
    if KNOWN.load(Ordering::Acquire) == 1 {
        LOST.store(true, Ordering::Release);
    }
}

/// What [`available`] found: 0 not probed yet, 1 served, 2 not served.
static KNOWN: AtomicU8 = AtomicU8::new(0);

/// Whether an emulator serves the `proc:` scheme to this process: it is found (see
/// [`connect`]) and accepts a connection, and it has not gone away since. Probed until the
/// answer is known; two threads may both probe, which is harmless (no `Once` a fork could
/// leave half-done).
pub fn available() -> bool {
    match KNOWN.load(Ordering::Acquire) {
        1 => return !LOST.load(Ordering::Acquire),
        2 => return false,
        _ => {}
    }
    let yes = match take() {
        Ok(fd) => {
            give(fd);
            true
        }
        Err(_) => false,
    };
    KNOWN.store(if yes { 1 } else { 2 }, Ordering::Release);
    yes
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

/// The process group of `pid` (0: the caller's).
pub fn getpgid(pid: pid_t) -> Result<pid_t> {
    // SAFETY: plain values only.
    unsafe { syscall4(nr::GETPGID, pid as usize, 0, 0, 0) }.map(|g| g as pid_t)
}

/// Sends `sig` to `pid` through the emulator's `KILL`, which delivers it as a Redox kernel
/// would (a tracee sleeping at a stop is woken and re-queues its event, docs/redox-protocol.md §2.5), so the
/// emulator sees every signal the library sends.
pub fn kill(pid: pid_t, sig: c_int) -> Result<()> {
    let req = request(op::KILL, 0, pid as i64 as u64, sig as u64);
    call(req, &[], &mut []).map(drop)
}

/// The operating system's `waitpid` (Linux `wait4`, which hides ptrace stops from a parent
/// that is not the tracer, as Redox's does): the pid and status it reports. `rusage` is the
/// caller's address (0 for none), which the kernel checks (EFAULT).
pub fn waitpid(pid: pid_t, options: c_int, rusage: usize) -> Result<(pid_t, c_int)> {
    use crate::platform::linux::syscall::SYS_WAIT4;
    let mut status: c_int = 0;
    let at = &mut status as *mut c_int as usize;
    // SAFETY: `status` is a live local for the call; the kernel validates `rusage`.
    let p = unsafe { syscall4(SYS_WAIT4, pid as usize, at, options as usize, rusage) }?;
    Ok((p as pid_t, status))
}

/// Copies `src` to the caller's memory at `dst` through the kernel, which checks the address
/// as it does for any system call's buffer: `process_vm_writev` on this very process
/// (process_vm_writev(2)). An unmapped, read-only or kernel-half address is EFAULT, after the
/// bytes before it were written, as a Linux `copy_to_user` leaves them; never a fault.
pub fn copy_out(dst: usize, src: &[u8]) -> Result<()> {
    vm_copy(dst, src.as_ptr() as usize, src.len(), true)
}

/// Writes a scalar (`src`, at most 8 bytes) to the caller's memory at `dst`: all of it or
/// nothing, as Linux's `put_user` (a value that runs into an unmapped page is not half
/// written), so it is read first.
pub fn put_out(dst: usize, src: &[u8]) -> Result<()> {
    let mut probe = [0u8; 8];
    let n = src.len().min(probe.len());
    vm_copy(dst, probe.as_mut_ptr() as usize, n, false)?;
    copy_out(dst, src)
}

/// Copies the caller's memory at `src` into `dst`, checked by the kernel as [`copy_out`]
/// (`process_vm_readv` on this process).
pub fn copy_in(dst: &mut [u8], src: usize) -> Result<()> {
    vm_copy(src, dst.as_mut_ptr() as usize, dst.len(), false)
}

/// `process_vm_writev` (`write`) or `process_vm_readv` of `len` bytes between this process's
/// `remote` (the caller's address) and `local` (a buffer of ours).
fn vm_copy(remote: usize, local: usize, len: usize, write: bool) -> Result<()> {
    if len == 0 {
        // Linux copies nothing and so faults on nothing.
        return Ok(());
    }
    let liov = [local, len];
    let riov = [remote, len];
    let number = if write {
        nr::PROCESS_VM_WRITEV
    } else {
        nr::PROCESS_VM_READV
    };
    let args = [
        getpid() as usize,
        liov.as_ptr() as usize,
        1,
        riov.as_ptr() as usize,
        1,
        0,
    ];
    // SAFETY: both iovecs are live locals; `local` is our own buffer of `len` bytes for the
    // call; the kernel checks `remote`, the caller's address, and answers EFAULT for it.
    match unsafe { syscall6(number, args) } {
        Ok(n) if n == len => Ok(()),
        Ok(_) => Err(EFAULT),
        Err(e) => Err(e),
    }
}

/// The signal mask [`block_signals`] replaced (the kernel's 64-bit `sigset_t`).
pub type SigSet = u64;

const SIG_BLOCK: usize = 0;
const SIG_SETMASK: usize = 2;

/// Blocks every signal of the calling thread (SIGKILL and SIGSTOP cannot be) and returns the
/// mask it had.
pub fn block_signals() -> SigSet {
    let all: SigSet = !0;
    let mut old: SigSet = 0;
    let (set, oldp) = (
        &all as *const SigSet as usize,
        &mut old as *mut SigSet as usize,
    );
    // SAFETY: both pointers are live 8-byte locals, the size the kernel expects.
    let _ = unsafe { syscall4(nr::RT_SIGPROCMASK, SIG_BLOCK, set, oldp, 8) };
    old
}

/// Gives the calling thread back the mask [`block_signals`] returned.
pub fn restore_signals(old: &SigSet) {
    // SAFETY: `old` is a live 8-byte mask; no old mask is asked for.
    let _ = unsafe {
        syscall4(
            nr::RT_SIGPROCMASK,
            SIG_SETMASK,
            old as *const SigSet as usize,
            0,
            8,
        )
    };
}

const FUTEX_WAIT_PRIVATE: usize = 128;
const FUTEX_WAKE_PRIVATE: usize = 129;

/// Sleeps while `word` holds `expected` (Linux futex(2) `FUTEX_WAIT`). Returns EINTR when a
/// signal handler installed without SA_RESTART ran; the kernel restarts the wait after any
/// other signal (an untimed futex wait returns `-ERESTARTSYS`, kernel/futex/waitwake.c), the
/// rule `wait4` follows too.
pub fn futex_wait(word: &AtomicU32, expected: u32) -> Result<()> {
    let addr = word.as_ptr() as usize;
    // SAFETY: `addr` is a live, aligned 32-bit atomic; no timeout.
    match unsafe { syscall4(nr::FUTEX, addr, FUTEX_WAIT_PRIVATE, expected as usize, 0) } {
        Err(EINTR) => Err(EINTR),
        // Woken, or the word had already changed (EAGAIN): the caller looks again.
        _ => Ok(()),
    }
}

/// Wakes every thread sleeping in [`futex_wait`] on `word`.
pub fn futex_wake(word: &AtomicU32) {
    let addr = word.as_ptr() as usize;
    // SAFETY: `addr` is a live, aligned 32-bit atomic.
    let _ = unsafe { syscall4(nr::FUTEX, addr, FUTEX_WAKE_PRIVATE, i32::MAX as usize, 0) };
}

/// `SIGCHLD`.
const SIGCHLD: usize = 17;
/// `si_code` of a signal sent with sigqueue(3).
const SI_QUEUE: c_int = -1;

/// Sends this process SIGCHLD about tracee `pid`, with `si_pid` the tracee and `si_status`
/// `value`. `own`: to the calling thread, with `si_code` `code` (CLD_TRAPPED, CLD_EXITED,
/// CLD_KILLED), as Linux's own SIGCHLD; Linux lets a thread give itself any `si_code`
/// (kernel/signal.c `do_rt_tgsigqueueinfo`). Else to the process, from the event thread,
/// which Linux allows only with a negative `si_code`: SI_QUEUE.
pub fn sigchld(pid: pid_t, code: c_int, value: c_int, own: bool) {
    let mut info = [0u8; 128];
    info[0..4].copy_from_slice(&(SIGCHLD as c_int).to_ne_bytes());
    let code = if own { code } else { SI_QUEUE };
    info[8..12].copy_from_slice(&code.to_ne_bytes());
    info[16..20].copy_from_slice(&pid.to_ne_bytes());
    // SAFETY: getuid takes no arguments and cannot fail.
    let uid = unsafe { syscall4(nr::GETUID, 0, 0, 0, 0) }.unwrap_or(0) as u32;
    info[20..24].copy_from_slice(&uid.to_ne_bytes());
    info[24..28].copy_from_slice(&value.to_ne_bytes());
    let me = getpid() as usize;
    let at = info.as_ptr() as usize;
    if own {
        // SAFETY: gettid takes no arguments and cannot fail.
        let tid = unsafe { syscall4(nr::GETTID, 0, 0, 0, 0) }.unwrap_or(0);
        // SAFETY: `info` is a live 128-byte siginfo for the call.
        let _ = unsafe { syscall6(nr::RT_TGSIGQUEUEINFO, [me, tid, SIGCHLD, at, 0, 0]) };
    } else {
        // SAFETY: `info` is a live 128-byte siginfo for the call.
        let _ = unsafe { syscall4(nr::RT_SIGQUEUEINFO, me, SIGCHLD, at, 0) };
    }
}

/// Whether `pid` sits in a job-control stop: state `T` in /proc/PID/stat (proc(5)). The
/// emulated Redox shows the stop only to the parent's `waitpid` (docs/redox-protocol.md §5.1),
/// which a tracer may have consumed already; Linux's own record is read instead.
pub fn job_stopped(pid: pid_t) -> bool {
    const AT_FDCWD: usize = -100isize as usize;
    const O_RDONLY_CLOEXEC: usize = 0o2000000;
    let mut path = [0u8; 32];
    let mut n = 0;
    let mut put = |b: &[u8]| {
        for &c in b {
            if let Some(slot) = path.get_mut(n) {
                *slot = c;
                n += 1;
            }
        }
    };
    put(b"/proc/");
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    let mut v = pid.unsigned_abs();
    loop {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            *d = b'0' + (v % 10) as u8;
        }
        v /= 10;
        if v == 0 || i == 0 {
            break;
        }
    }
    put(digits.get(i..).unwrap_or_default());
    put(b"/stat\0");
    // SAFETY: `path` is NUL-terminated and lives for the call.
    let Ok(fd) = (unsafe {
        syscall4(
            nr::OPENAT,
            AT_FDCWD,
            path.as_ptr() as usize,
            O_RDONLY_CLOEXEC,
            0,
        )
    }) else {
        return false;
    };
    let mut buf = [0u8; 512];
    // SAFETY: `buf` is writable for its length for the call.
    let len = unsafe { syscall4(nr::READ, fd, buf.as_mut_ptr() as usize, buf.len(), 0) };
    close_socket(fd);
    let text = buf.get(..len.unwrap_or(0)).unwrap_or_default();
    // "pid (comm) S ...": the state follows the last ')'.
    let state = text
        .iter()
        .rposition(|&c| c == b')')
        .and_then(|at| text.get(at + 2));
    state == Some(&b'T')
}

/// Whether the OS tells this process of `pid`'s end itself: it does for its own children
/// (waitid(2) with WNOWAIT finds them without reaping them).
pub fn reports_exit(pid: pid_t) -> bool {
    const P_PID: usize = 1;
    const WEXITED: usize = 4;
    const WNOHANG: usize = 1;
    const WNOWAIT: usize = 0x0100_0000;
    let mut info = [0u8; 128];
    let args = [
        P_PID,
        pid as usize,
        info.as_mut_ptr() as usize,
        WEXITED | WNOHANG | WNOWAIT,
        0,
        0,
    ];
    // SAFETY: `info` is a live 128-byte siginfo for the call; no rusage.
    unsafe { syscall6(nr::WAITID, args) }.is_ok()
}
