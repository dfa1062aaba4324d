//! Test harness: every protocol test re-runs this test binary under a fresh emulator
//! (`redox-proc-emu -- <this test exe> <test name> --exact`), so the test body is a client of
//! the emulator whose forked children are real Linux tracees.
#![allow(dead_code, unused_imports, unused_macros)]

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub use redox_proc_emu::client::{Client, Errno};
pub use syscall::flag::{
    O_CREAT, O_EXCL, O_NONBLOCK, O_RDWR, O_TRUNC, PTRACE_EVENT_ADDRSPACE_SWITCH,
    PTRACE_EVENT_CLONE, PTRACE_FLAG_IGNORE, PTRACE_STOP_BREAKPOINT, PTRACE_STOP_EXIT,
    PTRACE_STOP_POST_SYSCALL, PTRACE_STOP_PRE_SYSCALL, PTRACE_STOP_SIGNAL, PTRACE_STOP_SINGLESTEP,
    SEEK_SET,
};
pub use syscall::{EnvRegisters, FloatRegisters, IntRegisters};

pub const PRE: u64 = PTRACE_STOP_PRE_SYSCALL.bits();
pub const POST: u64 = PTRACE_STOP_POST_SYSCALL.bits();
pub const STEP: u64 = PTRACE_STOP_SINGLESTEP.bits();
pub const SIGNAL: u64 = PTRACE_STOP_SIGNAL.bits();
pub const BREAKPOINT: u64 = PTRACE_STOP_BREAKPOINT.bits();
pub const EXIT: u64 = PTRACE_STOP_EXIT.bits();
pub const CLONE: u64 = PTRACE_EVENT_CLONE.bits();
pub const SWITCH: u64 = PTRACE_EVENT_ADDRSPACE_SWITCH.bits();
pub const IGNORE: u64 = PTRACE_FLAG_IGNORE.bits();

pub const ESRCH: Errno = Errno(3);
pub const EPERM: Errno = Errno(1);
pub const EBUSY: Errno = Errno(16);
pub const EAGAIN: Errno = Errno(11);
pub const EFAULT: Errno = Errno(14);
pub const EINVAL: Errno = Errno(22);
pub const ENOENT: Errno = Errno(2);
pub const EEXIST: Errno = Errno(17);
pub const EBADF: Errno = Errno(9);

static FORK_LOCK: Mutex<()> = Mutex::new(());

/// One `#[test]` per name, each running `bodies::NAME` under its own emulator.
macro_rules! emu_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                emu_test(stringify!($name), bodies::$name);
            }
        )*
    };
}

/// Whether we are the inner run (under the emulator).
pub fn inner() -> bool {
    std::env::var_os(redox_proc_wire::ENV_VAR).is_some()
}

/// Run `body` under a fresh emulator, as test `name` of this binary.
pub fn emu_test(name: &str, body: fn()) {
    if inner() {
        let _g = FORK_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        body();
        return;
    }
    let (ok, out) = run_under_emu(name, &[], Duration::from_secs(60));
    assert!(ok, "inner test {name} failed:\n{out}");
    assert!(
        out.contains("1 passed"),
        "inner test {name} did not run:\n{out}"
    );
}

/// Spawn `redox-proc-emu -- <self> name --exact ...`; returns (success, output).
pub fn run_under_emu(name: &str, env: &[(&str, &str)], limit: Duration) -> (bool, String) {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_redox-proc-emu"));
    cmd.arg("--")
        .arg(&exe)
        .args([name, "--exact", "--test-threads=1", "--nocapture"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let t1 = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = so.read_to_string(&mut s);
        s
    });
    let t2 = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = se.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break Some(st);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let out = format!("{}{}", t1.join().unwrap(), t2.join().unwrap());
    match status {
        Some(st) => (st.success(), out),
        None => (false, format!("TIMEOUT\n{out}")),
    }
}

/// Fork a child running `f`; its return value is the exit code.
pub fn fork_child(f: impl FnOnce() -> i32) -> i32 {
    // SAFETY: the child only runs `f` (raw syscalls) and `_exit`s.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or(99);
        // SAFETY: terminate the child without running the parent's atexit handlers.
        unsafe { libc::_exit(code) };
    }
    pid
}

/// A page of memory shared with forked children.
pub fn shared() -> &'static [std::sync::atomic::AtomicU64; 64] {
    // SAFETY: anonymous shared mapping, zero-filled, never unmapped.
    unsafe {
        let p = libc::mmap(
            std::ptr::null_mut(),
            4096,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        assert_ne!(p, libc::MAP_FAILED);
        &*(p as *const [std::sync::atomic::AtomicU64; 64])
    }
}

pub fn raise_stop() {
    // SAFETY: plain raise(3).
    unsafe { libc::raise(libc::SIGSTOP) };
}

pub fn int3() {
    // SAFETY: a breakpoint instruction; the tracer handles it.
    unsafe { core::arch::asm!("int3") };
}

pub fn raw_syscall0(nr: libc::c_long) -> libc::c_long {
    // SAFETY: a syscall without arguments.
    unsafe { libc::syscall(nr) }
}

/// `waitpid(pid, options)` (the real Linux one, as the client's own wait4).
pub fn wait(pid: i32, options: i32) -> (i32, i32) {
    let mut st = 0;
    // SAFETY: valid out pointer.
    let r = unsafe { libc::waitpid(pid, &mut st, options) };
    (r, st)
}

pub fn kill(pid: i32, sig: i32) {
    // SAFETY: plain kill(2).
    unsafe { libc::kill(pid, sig) };
}

/// A child that stops itself with SIGSTOP, then runs `f`. Returns once it is stopped.
pub fn stopped_child(f: impl FnOnce() -> i32) -> i32 {
    let pid = fork_child(|| {
        raise_stop();
        f()
    });
    let (r, st) = wait(pid, libc::WUNTRACED);
    assert_eq!(r, pid);
    assert_eq!(st, 0x137f, "child should be stopped by SIGSTOP");
    pid
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ev {
    pub cause: u64,
    pub a: usize,
    pub b: usize,
}

pub fn parse_events(bytes: &[u8]) -> Vec<Ev> {
    assert_eq!(bytes.len() % 56, 0);
    bytes
        .chunks_exact(56)
        .map(|c| {
            let w = |i: usize| u64::from_le_bytes(c[i * 8..i * 8 + 8].try_into().unwrap());
            Ev {
                cause: w(0),
                a: w(1) as usize,
                b: w(2) as usize,
            }
        })
        .collect()
}

/// The standard set of handles on one tracee.
pub struct Tr {
    pub pid: i32,
    pub trace: u32,
    pub regs: u32,
    pub mem: u32,
}

impl Tr {
    pub fn open(c: &mut Client, pid: i32, flags: usize) -> Tr {
        let trace = c
            .open(&format!("proc:{pid}/trace"), O_RDWR | flags)
            .unwrap();
        let regs = c.dup(trace, "regs/int").unwrap();
        let mem = c.dup(trace, "mem").unwrap();
        Tr {
            pid,
            trace,
            regs,
            mem,
        }
    }

    pub fn arm(&self, c: &mut Client, flags: u64) {
        assert_eq!(c.write(self.trace, &flags.to_le_bytes()), Ok(8));
    }

    pub fn events(&self, c: &mut Client) -> Vec<Ev> {
        parse_events(&c.read(self.trace, 56 * 16).unwrap())
    }

    /// Arm, then block for the stop; returns the last event read (the stop).
    pub fn step(&self, c: &mut Client, flags: u64) -> Ev {
        self.arm(c, flags);
        let evs = self.events(c);
        *evs.last().expect("an event")
    }

    pub fn regs(&self, c: &mut Client) -> IntRegisters {
        let mut r = IntRegisters::default();
        let b = c.read(self.regs, 160).unwrap();
        r.copy_from_slice(&b);
        r
    }

    pub fn set_regs(&self, c: &mut Client, r: &IntRegisters) {
        assert_eq!(c.write(self.regs, r), Ok(160));
    }

    pub fn peek(&self, c: &mut Client, addr: usize, len: usize) -> Result<Vec<u8>, Errno> {
        c.seek(self.mem, addr as i64, SEEK_SET)?;
        c.read(self.mem, len)
    }

    pub fn poke(&self, c: &mut Client, addr: usize, data: &[u8]) -> Result<usize, Errno> {
        c.seek(self.mem, addr as i64, SEEK_SET)?;
        c.write(self.mem, data)
    }

    /// Arm PRE|POST until the PRE stop of syscall `nr`.
    pub fn until_syscall(&self, c: &mut Client, nr: i64) {
        for _ in 0..200 {
            let ev = self.step(c, PRE | POST);
            if ev.cause == PRE && self.regs(c).rax as i64 == nr {
                return;
            }
        }
        panic!("syscall {nr} never reached");
    }
}

pub fn state_of(pid: i32) -> Option<(char, i32)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &s[s.rfind(')')? + 2..];
    let state = rest.chars().next()?;
    let tracer = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find(|l| l.starts_with("TracerPid:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some((state, tracer))
}

/// Spin until `cond` or 5 s.
pub fn eventually(mut cond: impl FnMut() -> bool) -> bool {
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(5) {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    false
}

/// `EventFlags::EVENT_READ` (redox_syscall 0.9.5 `flag.rs`).
pub const EV_READ: u64 = redox_proc_wire::EVENT_READ;
/// One `event:` event: `(id, flags, data)`.
pub type QEv = (u64, u64, u64);

/// Opens a new `event:` queue.
pub fn open_queue(c: &mut Client) -> u32 {
    c.open("event:", O_RDWR).unwrap()
}

/// Writes one 24-byte `Event { id, flags, data }` to queue `q` (register, or unregister with
/// flags 0).
pub fn register(c: &mut Client, q: u32, id: u32, flags: u64, data: u64) -> Result<usize, Errno> {
    c.write(
        q,
        &redox_proc_wire::encode_event(u64::from(id), flags, data),
    )
}

pub fn parse_qevents(bytes: &[u8]) -> Vec<QEv> {
    assert_eq!(bytes.len() % redox_proc_wire::EVENT_LEN, 0);
    bytes
        .chunks_exact(redox_proc_wire::EVENT_LEN)
        .map(|c| redox_proc_wire::decode_event(c).unwrap())
        .collect()
}

/// Blocking read of up to 16 events from queue `q`.
pub fn queue_events(c: &mut Client, q: u32) -> Vec<QEv> {
    parse_qevents(&c.read(q, redox_proc_wire::EVENT_LEN * 16).unwrap())
}

/// Waits until the armed breakpoint of `trace` is reached, without draining its events (a
/// non-blocking read of 0 bytes answers 0 once reached, EAGAIN before). Leaves the flags
/// at `O_RDWR`.
pub fn wait_reached(c: &mut Client, trace: u32) {
    c.fcntl(trace, syscall::flag::F_SETFL, O_RDWR | O_NONBLOCK)
        .unwrap();
    assert!(eventually(|| c.read(trace, 0) == Ok(Vec::new())));
    c.fcntl(trace, syscall::flag::F_SETFL, O_RDWR).unwrap();
}

/// Own-process counters.
pub fn own_stats(c: &mut Client) -> Vec<u64> {
    c.stats(redox_proc_wire::STATS_SELF, false).unwrap()
}
