//! Protocol tests: speak the Redox v2020 `proc:` protocol to the emulator, on real child
//! processes. Each test names the section of `docs/redox-protocol.md` (§) it
//! checks. Every test body runs in its own process under its own emulator (see `common`).

// Test code: clippy.toml relaxes the panic family only inside #[test] functions; the helpers
// and bodies shared by the tests get the same relaxation here.
#![cfg(target_arch = "x86_64")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[macro_use]
mod common;

use std::sync::atomic::{AtomicU64, Ordering};

use common::*;

emu_tests!(
    core_loop,
    singlestep_with_syscall_stops,
    open_errors,
    eperm_non_ancestor,
    write_rules,
    nonblock_eagain,
    syscall_regs,
    ignore_skips_syscall,
    signal_stops,
    exit_event_and_esrch,
    mem_rules,
    float_env_regs,
    excl_kills_on_close,
    close_detaches_and_unfreezes,
    clone_event_frozen_child,
    vfork_parent_registers,
    thread_clone_event,
    exec_event_reopens_mem,
    jobctl_and_freeze_independent,
    duplicate_event_quirk,
    chan_marker,
    getpid_waitpid_stats,
    connections_share_handles,
    event_register_when_ready,
    event_stop_wakes_parked_read,
    event_edge_triggered,
    event_tracee_death,
    event_many_tracees,
    event_unregister,
    event_handle_ops,
    event_close_while_parked,
    event_queue_per_process,
);

/// Acceptance: exit status passes through.
#[test]
fn launch_exit_status() {
    if inner() {
        return;
    }
    let emu = env!("CARGO_BIN_EXE_redox-proc-emu");
    let st = std::process::Command::new(emu)
        .args(["--", "true"])
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(0));
    let st = std::process::Command::new(emu)
        .args(["--", "sh", "-c", "exit 3"])
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(3));
    let out = std::process::Command::new(emu)
        .args(["--", "sh", "-c", "echo $REDOX_PROC_EMU"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("redox-proc-emu."));
}

/// 200-run flake check of the core loop: `REDOX_PROC_EMU_LOOP=200 cargo test -p
/// redox-proc-emu --test protocol core_loop_scaled -- --ignored`.
#[test]
#[ignore]
fn core_loop_scaled() {
    if inner() {
        return;
    }
    let n = std::env::var("REDOX_PROC_EMU_LOOP").unwrap_or_else(|_| "200".into());
    let (ok, out) = run_under_emu(
        "core_loop",
        &[("REDOX_PROC_EMU_LOOP", n.as_str())],
        std::time::Duration::from_secs(600),
    );
    assert!(ok && out.contains("1 passed"), "{out}");
    println!(
        "{}",
        out.lines().find(|l| l.contains("core loop")).unwrap_or("")
    );
}

static POKE: AtomicU64 = AtomicU64::new(0x1122_3344_5566_7788);

mod bodies {
    use super::*;

    /// One iteration of the core loop (in the Redox protocol):
    /// §1.3 O_TRUNC freeze, §3 regs, §4 mem, §2.2/§2.4 PRE/POST, SINGLESTEP, BREAKPOINT
    /// (rip left on the int3), EXIT payload, §2.3 ESRCH after exit, §5.1 waitpid.
    fn core_once(c: &mut Client) {
        POKE.store(0x1122_3344_5566_7788, Ordering::SeqCst);
        let pid = stopped_child(|| {
            let pp = raw_syscall0(libc::SYS_getppid);
            let mut x = pp as u64;
            for i in 0..50 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
            }
            int3();
            if POKE.load(Ordering::SeqCst) != 0x0bad_cafe {
                return 1;
            }
            std::hint::black_box(x);
            42
        });
        let tr = Tr::open(c, pid, O_TRUNC);
        let r = tr.regs(c);
        assert_ne!(r.rip, 0);
        let addr = POKE.as_ptr() as usize;
        assert_eq!(
            tr.peek(c, addr, 8).unwrap(),
            0x1122_3344_5566_7788u64.to_le_bytes()
        );
        assert_eq!(tr.poke(c, addr, &0x0bad_cafeu64.to_le_bytes()), Ok(8));
        assert_eq!(tr.peek(c, addr, 8).unwrap(), 0x0bad_cafeu64.to_le_bytes());
        kill(pid, libc::SIGCONT); // clears the job-control stop; the freeze holds (§5.2)
        tr.until_syscall(c, libc::SYS_getppid);
        // §5.1: a ptrace stop is never visible to waitpid.
        assert_eq!(wait(pid, libc::WNOHANG | libc::WUNTRACED).0, 0);
        let ev = tr.step(c, PRE | POST);
        assert_eq!(ev.cause, POST);
        assert_eq!(tr.regs(c).rax as i32, std::process::id() as i32);
        let mut last = tr.regs(c).rip;
        for _ in 0..3 {
            assert_eq!(tr.step(c, STEP).cause, STEP);
            let rip = tr.regs(c).rip;
            assert_ne!(rip, last);
            last = rip;
        }
        assert_eq!(tr.step(c, BREAKPOINT).cause, BREAKPOINT);
        let mut r = tr.regs(c);
        assert_eq!(
            tr.peek(c, r.rip, 1).unwrap(),
            [0xcc],
            "v2020 leaves rip on the int3"
        );
        r.rip += 1;
        tr.set_regs(c, &r);
        let ev = tr.step(c, EXIT);
        assert_eq!(
            ev,
            Ev {
                cause: EXIT,
                a: 42 << 8,
                b: 0
            }
        );
        tr.arm(c, 0);
        assert_eq!(c.read(tr.trace, 56), Err(ESRCH));
        assert_eq!(c.write(tr.trace, &PRE.to_le_bytes()), Err(ESRCH));
        assert_eq!(c.read(tr.regs, 160), Err(ESRCH));
        let (r, st) = wait(pid, 0);
        assert_eq!((r, st), (pid, 42 << 8));
        for h in [tr.mem, tr.regs, tr.trace] {
            c.close(h).unwrap();
        }
    }

    pub fn core_loop() {
        let n: usize = std::env::var("REDOX_PROC_EMU_LOOP")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(3);
        let mut c = Client::connect().unwrap();
        let t = std::time::Instant::now();
        for _ in 0..n {
            core_once(&mut c);
        }
        println!("core loop: {n}/{n} iterations passed in {:?}", t.elapsed());
    }

    /// §2.4: SINGLESTEP armed with PRE/POST stops at the syscall sites of the `syscall`
    /// instruction it steps over (Linux's PTRACE_SINGLESTEP alone would skip them).
    pub fn singlestep_with_syscall_stops() {
        let mut c = Client::connect().unwrap();
        let pid = stopped_child(|| {
            raw_syscall0(libc::SYS_getppid);
            0
        });
        let tr = Tr::open(&mut c, pid, O_TRUNC);
        kill(pid, libc::SIGCONT);
        let mut steps = 0;
        let mut before = 0;
        loop {
            let rip = tr.regs(&mut c).rip;
            let ev = tr.step(&mut c, STEP | PRE);
            if ev.cause == PRE && tr.regs(&mut c).rax as i64 == libc::SYS_getppid {
                assert_eq!(tr.peek(&mut c, before, 2).unwrap(), [0x0f, 0x05]);
                break;
            }
            if ev.cause == STEP {
                before = tr.regs(&mut c).rip;
                assert_ne!(before, rip);
            }
            steps += 1;
            assert!(steps < 5000, "getppid never reached by single-stepping");
        }
        assert_eq!(tr.step(&mut c, STEP | POST).cause, POST);
        assert_eq!(tr.regs(&mut c).rax as i32, std::process::id() as i32);
        let rip = tr.regs(&mut c).rip;
        assert_eq!(rip, before + 2);
        assert_eq!(tr.step(&mut c, STEP).cause, STEP);
        assert_ne!(tr.regs(&mut c).rip, rip);
        c.close(tr.trace).unwrap();
        assert_eq!(wait(pid, 0), (pid, 0));
    }

    /// §1.1/§1.2: EINVAL for bad paths, ESRCH for missing/exited, EBUSY for a second trace.
    pub fn open_errors() {
        let mut c = Client::connect().unwrap();
        assert_eq!(c.open("proc:abc/trace", O_RDWR), Err(EINVAL));
        assert_eq!(c.open("proc:1/nothing", O_RDWR), Err(EINVAL));
        assert_eq!(c.open("nope:1/trace", O_RDWR), Err(ENOENT));
        assert_eq!(c.open("proc:999999999/trace", O_RDWR), Err(ESRCH));
        let pid = stopped_child(|| 0);
        let t = c
            .open(&format!("/scheme/proc/{pid}/trace"), O_RDWR)
            .unwrap();
        assert_eq!(c.fpath(t).unwrap(), format!("proc:{pid}/trace"));
        assert_eq!(c.open(&format!("proc:{pid}/trace"), O_RDWR), Err(EBUSY));
        assert_eq!(c.dup(t, "trace"), Err(EBUSY));
        let r = c.dup(t, "regs/int").unwrap();
        assert_eq!(c.fpath(r).unwrap(), format!("proc:{pid}/regs/int"));
        assert_eq!(c.seek(r, 0, SEEK_SET), Err(EBADF));
        c.close(t).unwrap();
        c.close(r).unwrap();
        // A new session may be opened once the old one is closed.
        let t = c.open(&format!("proc:{pid}/trace"), O_RDWR).unwrap();
        c.close(t).unwrap();
        kill(pid, libc::SIGCONT);
        assert_eq!(wait(pid, 0), (pid, 0));
        // Exited (and reaped): ESRCH.
        assert_eq!(c.open(&format!("proc:{pid}/trace"), O_RDWR), Err(ESRCH));
        // A zombie: ESRCH.
        let z = fork_child(|| 0);
        assert!(eventually(|| state_of(z).is_some_and(|s| s.0 == 'Z')));
        assert_eq!(c.open(&format!("proc:{z}/regs/int"), O_RDWR), Err(ESRCH));
        wait(z, 0);
        assert_eq!(c.close(12345), Err(EBADF));
    }

    /// §1.2: not root ⇒ same owner and strict ancestor, else EPERM (own process included).
    /// As root, a child drops to uid 65534 to be the non-root caller.
    pub fn eperm_non_ancestor() {
        // SAFETY: getuid has no preconditions.
        if unsafe { libc::getuid() } != 0 {
            // Not root: check the ancestor rule directly (same uid everywhere).
            let mut c = Client::connect().unwrap();
            let me = std::process::id();
            assert_eq!(c.open(&format!("proc:{me}/trace"), O_RDWR), Err(EPERM));
            // SAFETY: getppid has no preconditions.
            let parent = unsafe { libc::getppid() };
            assert_eq!(
                c.open(&format!("proc:{parent}/regs/int"), O_RDWR),
                Err(EPERM)
            );
            let kid = stopped_child(|| 0);
            let t = c.open(&format!("proc:{kid}/trace"), O_RDWR).unwrap();
            c.close(t).unwrap();
            kill(kid, libc::SIGCONT);
            assert_eq!(wait(kid, 0), (kid, 0));
            return;
        }
        let me = std::process::id() as i32;
        let victim = stopped_child(|| 0); // root-owned sibling of the prober
        let shared = shared();
        let prober = fork_child(move || {
            // SAFETY: drop privileges in the child only.
            unsafe {
                libc::setgid(65534);
                libc::setuid(65534);
            }
            let mut c = Client::connect().unwrap();
            let mut code = 0;
            // Not the owner: EPERM.
            if c.open(&format!("proc:{victim}/trace"), O_RDWR) != Err(EPERM) {
                code |= 1;
            }
            // Not an ancestor (our parent), other owner: EPERM.
            if c.open(&format!("proc:{me}/regs/int"), O_RDWR) != Err(EPERM) {
                code |= 2;
            }
            // Own process: EPERM in v2020 (no self-trace).
            let self_pid = std::process::id();
            if c.open(&format!("proc:{self_pid}/trace"), O_RDWR) != Err(EPERM) {
                code |= 4;
            }
            // Own child, same uid: allowed.
            let kid = fork_child(|| {
                raise_stop();
                0
            });
            let (r, _) = wait(kid, libc::WUNTRACED);
            shared[0].store(r as u64, Ordering::SeqCst);
            match c.open(&format!("proc:{kid}/trace"), O_RDWR) {
                Ok(h) => {
                    let _ = c.close(h);
                }
                Err(_) => code |= 8,
            }
            kill(kid, libc::SIGKILL);
            wait(kid, 0);
            code
        });
        assert_eq!(wait(prober, 0), (prober, 0));
        kill(victim, libc::SIGKILL);
        wait(victim, 0);
    }

    /// §2.2: short writes do nothing, reserved bits are EINVAL, low unknown bits accepted.
    pub fn write_rules() {
        let mut c = Client::connect().unwrap();
        let pid = stopped_child(|| 0);
        let tr = Tr::open(&mut c, pid, 0);
        assert_eq!(c.write(tr.trace, &[1, 0, 0]), Ok(0));
        assert_eq!(c.write(tr.trace, &0x1_0000u64.to_le_bytes()), Err(EINVAL));
        assert_eq!(c.write(tr.trace, &(1u64 << 40).to_le_bytes()), Err(EINVAL));
        assert_eq!(c.write(tr.trace, &0x40u64.to_le_bytes()), Ok(8));
        assert_eq!(c.write(tr.regs, &[0u8; 100]), Ok(0));
        assert_eq!(c.write(tr.trace, &0u64.to_le_bytes()), Ok(8));
        kill(pid, libc::SIGCONT);
        assert_eq!(c.read(tr.trace, 56), Err(ESRCH)); // blocks until the exit
        assert_eq!(wait(pid, 0), (pid, 0));
    }

    /// §1.3/§2.3: O_NONBLOCK read gives EAGAIN; F_SETFL toggles it; a reached breakpoint with
    /// an empty queue reads 0 bytes.
    pub fn nonblock_eagain() {
        let mut c = Client::connect().unwrap();
        let pid = stopped_child(|| {
            loop {
                raw_syscall0(libc::SYS_getppid);
            }
        });
        let t = c
            .open(&format!("proc:{pid}/trace"), O_RDWR | O_NONBLOCK)
            .unwrap();
        assert_eq!(c.read(t, 56), Err(EAGAIN));
        assert_eq!(c.fcntl(t, 3, 0), Ok(O_RDWR | O_NONBLOCK));
        kill(pid, libc::SIGCONT);
        assert_eq!(c.write(t, &PRE.to_le_bytes()), Ok(8));
        let mut got = Vec::new();
        assert!(eventually(|| {
            match c.read(t, 56 * 4) {
                Ok(b) => {
                    got = parse_events(&b);
                    true
                }
                Err(e) => {
                    assert_eq!(e, EAGAIN);
                    false
                }
            }
        }));
        assert_eq!(
            got,
            vec![Ev {
                cause: PRE,
                a: 0,
                b: 0
            }]
        );
        // Reached, queue drained: 0 bytes, not EAGAIN.
        assert_eq!(c.read(t, 56), Ok(vec![]));
        // Blocking again: still returns 0 at once (breakpoint reached).
        assert_eq!(c.fcntl(t, 4, O_RDWR), Ok(0));
        assert_eq!(c.read(t, 56), Ok(vec![]));
        // Blocking read with a buffer smaller than one event: EINVAL (v2020 asserts).
        assert_eq!(c.read(t, 10), Err(EINVAL));
        c.close(t).unwrap();
        kill(pid, libc::SIGKILL);
        wait(pid, 0);
    }

    /// §2.4/§3.2: rax = syscall number at PRE; changing it changes the syscall; POST rax =
    /// return value; rsp/rflags writes ignored (v2020 `load`).
    pub fn syscall_regs() {
        let mut c = Client::connect().unwrap();
        let sh = shared();
        let pid = stopped_child(move || {
            let r = raw_syscall0(libc::SYS_getppid);
            sh[1].store(r as u64, Ordering::SeqCst);
            0
        });
        let tr = Tr::open(&mut c, pid, O_TRUNC);
        kill(pid, libc::SIGCONT);
        tr.until_syscall(&mut c, libc::SYS_getppid);
        let mut r = tr.regs(&mut c);
        assert_eq!(r.rax as i64, libc::SYS_getppid);
        // Turn getppid into getpid.
        r.rax = libc::SYS_getpid as usize;
        let rsp = r.rsp;
        r.rsp = 0x1234;
        tr.set_regs(&mut c, &r);
        assert_eq!(tr.regs(&mut c).rax as i64, libc::SYS_getpid);
        assert_eq!(tr.regs(&mut c).rsp, rsp, "v2020 ignores rsp on write");
        assert_eq!(tr.step(&mut c, POST).cause, POST);
        assert_eq!(tr.regs(&mut c).rax as i32, pid);
        // Rewrite the return value at POST.
        let mut r = tr.regs(&mut c);
        r.rax = 777;
        tr.set_regs(&mut c, &r);
        c.close(tr.trace).unwrap();
        assert_eq!(wait(pid, 0), (pid, 0));
        assert_eq!(sh[1].load(Ordering::SeqCst), 777);
    }

    /// §2.4: PTRACE_FLAG_IGNORE at PRE skips the syscall; rax keeps the tracer's value, and
    /// POST still fires.
    pub fn ignore_skips_syscall() {
        let mut c = Client::connect().unwrap();
        let sh = shared();
        let pid = stopped_child(move || {
            // SAFETY: kill(getpid(), SIGKILL) would end us unless the tracer skips it.
            let r = unsafe { libc::syscall(libc::SYS_kill, libc::getpid(), libc::SIGKILL) };
            sh[2].store(r as u64, Ordering::SeqCst);
            0
        });
        let tr = Tr::open(&mut c, pid, O_TRUNC);
        kill(pid, libc::SIGCONT);
        tr.until_syscall(&mut c, libc::SYS_kill);
        let mut r = tr.regs(&mut c);
        r.rax = 4242;
        tr.set_regs(&mut c, &r);
        assert_eq!(tr.step(&mut c, POST | IGNORE).cause, POST);
        assert_eq!(tr.regs(&mut c).rax, 4242);
        c.close(tr.trace).unwrap();
        assert_eq!(wait(pid, 0), (pid, 0));
        assert_eq!(sh[2].load(Ordering::SeqCst), 4242);

        // IGNORE alone clears the breakpoint (next_breakpoint() is None): the syscall runs.
        let pid = stopped_child(move || {
            // SAFETY: kill ourselves; nothing skips it this time.
            unsafe { libc::syscall(libc::SYS_kill, libc::getpid(), libc::SIGKILL) };
            0
        });
        let tr = Tr::open(&mut c, pid, O_TRUNC);
        kill(pid, libc::SIGCONT);
        tr.until_syscall(&mut c, libc::SYS_kill);
        tr.arm(&mut c, IGNORE);
        assert_eq!(c.read(tr.trace, 56), Err(ESRCH));
        assert_eq!(wait(pid, 0), (pid, libc::SIGKILL));
        c.close(tr.trace).unwrap();
    }

    /// §2.4 SIGNAL: a = signal, b = handler (0 default, 1 ignored, other = caught); IGNORE
    /// discards the signal, otherwise it is delivered. Unarmed signals are re-injected.
    pub fn signal_stops() {
        let mut c = Client::connect().unwrap();
        let sh = shared();
        extern "C" fn on_usr1(_: i32) {
            HANDLED.fetch_add(1, Ordering::SeqCst);
        }
        static HANDLED: AtomicU64 = AtomicU64::new(0);
        let pid = stopped_child(move || {
            // SAFETY: installing a plain handler in the child.
            unsafe {
                libc::signal(libc::SIGUSR1, on_usr1 as *const () as libc::sighandler_t);
                libc::signal(libc::SIGUSR2, libc::SIG_IGN);
                libc::raise(libc::SIGUSR1); // reported, IGNOREd
                libc::raise(libc::SIGUSR1); // reported, delivered
                libc::raise(libc::SIGUSR2); // reported (b = 1)
                libc::raise(libc::SIGUSR1); // not armed: re-injected
            }
            sh[3].store(HANDLED.load(Ordering::SeqCst), Ordering::SeqCst);
            0
        });
        let tr = Tr::open(&mut c, pid, O_TRUNC);
        kill(pid, libc::SIGCONT);
        // The SIGCONT itself is the first signal seen.
        let mut ev = tr.step(&mut c, SIGNAL);
        if ev.a == libc::SIGCONT as usize {
            ev = tr.step(&mut c, SIGNAL);
        }
        assert_eq!(
            ev,
            Ev {
                cause: SIGNAL,
                a: libc::SIGUSR1 as usize,
                b: 2
            }
        );
        let ev = tr.step(&mut c, SIGNAL | IGNORE);
        assert_eq!((ev.cause, ev.a), (SIGNAL, libc::SIGUSR1 as usize));
        let ev = tr.step(&mut c, SIGNAL);
        assert_eq!(
            ev,
            Ev {
                cause: SIGNAL,
                a: libc::SIGUSR2 as usize,
                b: 1
            }
        );
        tr.arm(&mut c, BREAKPOINT);
        assert_eq!(c.read(tr.trace, 56), Err(ESRCH));
        assert_eq!(wait(pid, 0), (pid, 0));
        assert_eq!(
            sh[3].load(Ordering::SeqCst),
            2,
            "one IGNOREd, two delivered"
        );
    }

    /// §2.4 EXIT (a = wait status, also for a fatal signal); §2.5 the session survives the
    /// exit and reads/writes/regs/mem give ESRCH.
    pub fn exit_event_and_esrch() {
        let mut c = Client::connect().unwrap();
        let pid = stopped_child(|| {
            // SAFETY: die of SIGABRT's default action... via SIGTERM.
            unsafe { libc::raise(libc::SIGTERM) };
            0
        });
        let tr = Tr::open(&mut c, pid, O_TRUNC);
        kill(pid, libc::SIGCONT);
        let ev = tr.step(&mut c, EXIT);
        assert_eq!(
            ev,
            Ev {
                cause: EXIT,
                a: libc::SIGTERM as usize,
                b: 0
            }
        );
        assert!(
            tr.regs(&mut c).rip != 0,
            "registers readable at the EXIT stop"
        );
        // §5.1: not visible to waitpid while stopped there.
        assert_eq!(wait(pid, libc::WNOHANG | libc::WUNTRACED).0, 0);
        tr.arm(&mut c, EXIT);
        assert_eq!(c.read(tr.trace, 56), Err(ESRCH));
        assert_eq!(c.write(tr.trace, &EXIT.to_le_bytes()), Err(ESRCH));
        assert_eq!(c.read(tr.regs, 160), Err(ESRCH));
        assert_eq!(tr.peek(&mut c, 0x1000, 8), Err(ESRCH));
        assert_eq!(c.waitpid(pid, 0), Ok((pid, libc::SIGTERM)));
        assert_eq!(wait(pid, 0), (pid, libc::SIGTERM));
        // The session stays until the handle is closed.
        c.close(tr.trace).unwrap();
    }

    /// §4: cursor, all-or-nothing EFAULT, writes through read-only text (int3 planting).
    pub fn mem_rules() {
        let mut c = Client::connect().unwrap();
        let sh = shared();
        fn target() -> u64 {
            std::hint::black_box(7)
        }
        let pid = stopped_child(move || {
            let f: fn() -> u64 = target;
            sh[4].store(std::hint::black_box(f)(), Ordering::SeqCst);
            0
        });
        let tr = Tr::open(&mut c, pid, O_TRUNC);
        assert_eq!(tr.peek(&mut c, 0, 8), Err(EFAULT));
        // A range running off the end of a mapping: EFAULT, cursor unchanged.
        let page = 4096usize;
        let sp = tr.regs(&mut c).rsp;
        let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
        let stack_end = maps
            .lines()
            .find(|l| l.ends_with("[stack]"))
            .map(|l| {
                usize::from_str_radix(l.split('-').nth(1).unwrap().split(' ').next().unwrap(), 16)
                    .unwrap()
            })
            .unwrap();
        assert!(sp < stack_end);
        c.seek(tr.mem, (stack_end - 8) as i64, SEEK_SET).unwrap();
        assert_eq!(c.read(tr.mem, 16), Err(EFAULT));
        assert_eq!(c.seek(tr.mem, 0, 1), Ok((stack_end - 8) as u64));
        assert_eq!(c.write(tr.mem, &[0u8; 16]), Err(EFAULT));
        assert_eq!(c.read(tr.mem, 8).map(|v| v.len()), Ok(8));
        assert_eq!(c.seek(tr.mem, -1, SEEK_SET), Err(EINVAL));
        // Plant `mov eax, 9; ret` over target() in read-only text.
        let addr = target as *const () as usize;
        assert_eq!(tr.poke(&mut c, addr, &[0xb8, 9, 0, 0, 0, 0xc3]), Ok(6));
        assert_eq!(tr.peek(&mut c, addr, 6).unwrap(), [0xb8, 9, 0, 0, 0, 0xc3]);
        let _ = page;
        c.close(tr.trace).unwrap();
        kill(pid, libc::SIGCONT);
        assert_eq!(wait(pid, 0), (pid, 0));
        assert_eq!(sh[4].load(Ordering::SeqCst), 9);
    }

    /// §3.1: FloatRegisters (416 bytes, FXSAVE prefix) and EnvRegisters (fs/gs base).
    pub fn float_env_regs() {
        let mut c = Client::connect().unwrap();
        let pid = stopped_child(|| 0);
        let tr = Tr::open(&mut c, pid, O_TRUNC);
        let fh = c.dup(tr.trace, "regs/float").unwrap();
        let b = c.read(fh, 1000).unwrap();
        assert_eq!(b.len(), 416);
        let mut f = FloatRegisters::default();
        f.copy_from_slice(&b);
        assert_eq!({ f.mxcsr } & 0xffc0, 0x1f80 & 0xffc0);
        assert_eq!(f._reserved, 0);
        let mut xmm = f.xmm_space;
        xmm[3] = 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210;
        f.xmm_space = xmm;
        assert_eq!(c.write(fh, &f), Ok(416));
        let mut g = FloatRegisters::default();
        g.copy_from_slice(&c.read(fh, 416).unwrap());
        assert_eq!(
            { g.xmm_space }[3],
            0x0123_4567_89ab_cdef_fedc_ba98_7654_3210
        );
        assert_eq!(
            c.read(fh, 8).unwrap().len(),
            8,
            "short buffers get a truncated struct"
        );
        let eh = c.dup(tr.trace, "regs/env").unwrap();
        let mut e = EnvRegisters::default();
        e.copy_from_slice(&c.read(eh, 16).unwrap());
        assert_ne!({ e.fsbase }, 0, "glibc's TLS");
        let mut bad = e;
        bad.fsbase = 0xffff_8000_0000_0000;
        assert_eq!(c.write(eh, &bad), Err(EINVAL));
        assert_eq!(c.write(eh, &e), Ok(16));
        for h in [fh, eh, tr.mem, tr.regs, tr.trace] {
            c.close(h).unwrap();
        }
        kill(pid, libc::SIGCONT);
        assert_eq!(wait(pid, 0), (pid, 0));
    }

    /// §1.3/§1.5: closing an O_EXCL trace handle kills the tracee.
    pub fn excl_kills_on_close() {
        let mut c = Client::connect().unwrap();
        let pid = stopped_child(|| {
            loop {
                raw_syscall0(libc::SYS_getppid);
            }
        });
        let t = c
            .open(&format!("proc:{pid}/trace"), O_RDWR | O_EXCL)
            .unwrap();
        kill(pid, libc::SIGCONT);
        assert_eq!(c.write(t, &PRE.to_le_bytes()), Ok(8));
        assert_eq!(parse_events(&c.read(t, 56).unwrap())[0].cause, PRE);
        c.close(t).unwrap();
        assert_eq!(wait(pid, 0), (pid, libc::SIGKILL));

        // F_SETFL replaces all stored flags, so it can drop O_EXCL (§1.1).
        let pid = stopped_child(|| 0);
        let t = c
            .open(&format!("proc:{pid}/trace"), O_RDWR | O_EXCL)
            .unwrap();
        assert_eq!(c.fcntl(t, 4, O_RDWR), Ok(0));
        c.close(t).unwrap();
        kill(pid, libc::SIGCONT);
        assert_eq!(wait(pid, 0), (pid, 0));
    }

    /// §1.5: close = detach + resume (a held stop and an O_TRUNC freeze are released);
    /// TracerPid goes back to 0.
    pub fn close_detaches_and_unfreezes() {
        let mut c = Client::connect().unwrap();
        let sh = shared();
        let pid = stopped_child(move || {
            for _ in 0..3 {
                raw_syscall0(libc::SYS_getppid);
            }
            while sh[5].load(Ordering::SeqCst) == 0 {
                std::hint::spin_loop();
            }
            5
        });
        let tr = Tr::open(&mut c, pid, O_TRUNC);
        kill(pid, libc::SIGCONT);
        tr.until_syscall(&mut c, libc::SYS_getppid);
        for h in [tr.mem, tr.regs, tr.trace] {
            c.close(h).unwrap();
        }
        assert!(eventually(
            || state_of(pid).is_some_and(|s| s.1 == 0 && s.0 == 'R')
        ));
        // O_TRUNC freeze released by close.
        let t = c
            .open(&format!("proc:{pid}/trace"), O_RDWR | O_TRUNC)
            .unwrap();
        assert!(eventually(|| state_of(pid).is_some_and(|s| s.0 == 't')));
        c.close(t).unwrap();
        assert!(eventually(
            || state_of(pid).is_some_and(|s| s.1 == 0 && s.0 == 'R')
        ));
        sh[5].store(1, Ordering::SeqCst);
        assert_eq!(wait(pid, 0), (pid, 5 << 8));
    }

    /// §2.4 EVENT_CLONE: a = new pid; the child is frozen until traced or released by the
    /// next write on the parent's handle (§1.5 step 1, §2.2 step 1).
    pub fn clone_event_frozen_child() {
        let mut c = Client::connect().unwrap();
        let sh = shared();
        let pid = stopped_child(move || {
            let kid = fork_child(move || {
                sh[6].fetch_add(1, Ordering::SeqCst);
                3
            });
            sh[7].store(kid as u64, Ordering::SeqCst);
            let (_, st) = wait(kid, 0);
            (st >> 8) + 10
        });
        let tr = Tr::open(&mut c, pid, O_TRUNC);
        kill(pid, libc::SIGCONT);
        // Arm EXIT too so that the event is read while the parent waits.
        tr.arm(&mut c, CLONE | EXIT);
        let evs = tr.events(&mut c);
        assert_eq!(evs[0].cause, CLONE);
        let kid = evs[0].a as i32;
        // Opening right after the event works (the child's first Linux stop may not have
        // been collected yet).
        let early = c.open(&format!("proc:{kid}/regs/int"), O_RDWR).unwrap();
        c.close(early).unwrap();
        // Frozen: it does not run.
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert_eq!(sh[6].load(Ordering::SeqCst), 0);
        assert!(state_of(kid).is_some_and(|s| s.0 == 't'));
        // Trace the child: still frozen until its own tracer writes.
        let kt = Tr::open(&mut c, kid, 0);
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(sh[6].load(Ordering::SeqCst), 0);
        let ev = kt.step(&mut c, EXIT);
        assert_eq!(
            ev,
            Ev {
                cause: EXIT,
                a: 3 << 8,
                b: 0
            }
        );
        assert_eq!(sh[6].load(Ordering::SeqCst), 1);
        for h in [kt.mem, kt.regs, kt.trace] {
            c.close(h).unwrap();
        }
        let ev = tr.events(&mut c);
        assert_eq!(
            ev.last().unwrap(),
            &Ev {
                cause: EXIT,
                a: 13 << 8,
                b: 0
            }
        );
        tr.arm(&mut c, 0);
        assert_eq!(wait(pid, 0), (pid, 13 << 8));

        // Second round: an untraced clone is released by the parent's next write.
        sh[6].store(0, Ordering::SeqCst);
        let pid = stopped_child(move || {
            let kid = fork_child(move || {
                sh[6].fetch_add(1, Ordering::SeqCst);
                4
            });
            let (_, st) = wait(kid, 0);
            (st >> 8) + 10
        });
        let tr = Tr::open(&mut c, pid, O_TRUNC);
        kill(pid, libc::SIGCONT);
        tr.arm(&mut c, CLONE | EXIT);
        let evs = tr.events(&mut c);
        assert_eq!(evs[0].cause, CLONE);
        std::thread::sleep(std::time::Duration::from_millis(30));
        assert_eq!(sh[6].load(Ordering::SeqCst), 0);
        let ev = tr.step(&mut c, EXIT);
        assert_eq!(
            ev,
            Ev {
                cause: EXIT,
                a: 14 << 8,
                b: 0
            }
        );
        assert_eq!(sh[6].load(Ordering::SeqCst), 1);
        c.close(tr.trace).unwrap();
        assert_eq!(wait(pid, 0), (pid, 14 << 8));
    }

    /// §2.4/§3.2: after a vfork's CLONE event the child is frozen and the parent waits for
    /// it; the parent's registers stay readable (Redox reads a blocked context's frame) and
    /// show the syscall it sleeps in.
    /// The frozen child runs only once traced and written.
    pub fn vfork_parent_registers() {
        let mut c = Client::connect().unwrap();
        let pid = stopped_child(|| {
            // glibc's posix_spawn is clone(CLONE_VM | CLONE_VFORK): a vfork event.
            let prog = c"/bin/sh";
            let argv = [
                prog.as_ptr() as *mut libc::c_char,
                c"-c".as_ptr() as _,
                c"exit 6".as_ptr() as _,
                std::ptr::null_mut(),
            ];
            let mut kid = 0;
            // SAFETY: NUL-terminated argv; no file actions or attributes.
            let r = unsafe {
                libc::posix_spawn(
                    &mut kid,
                    prog.as_ptr(),
                    std::ptr::null(),
                    std::ptr::null(),
                    argv.as_ptr(),
                    std::ptr::null(),
                )
            };
            if r != 0 {
                return 1;
            }
            let (_, st) = wait(kid, 0);
            (st >> 8) + 20
        });
        let tr = Tr::open(&mut c, pid, O_TRUNC);
        kill(pid, libc::SIGCONT);
        tr.arm(&mut c, CLONE | EXIT);
        let evs = tr.events(&mut c);
        assert_eq!(evs[0].cause, CLONE);
        let kid = evs[0].a as i32;
        let t0 = std::time::Instant::now();
        let regs = tr.regs(&mut c);
        assert_ne!(regs.rip, 0);
        assert!(t0.elapsed() < std::time::Duration::from_millis(500));
        // Still inside the syscall: the saved frame keeps its number in rax
        // (arch/x86_64/interrupt/syscall.rs @59177587), here posix_spawn's clone3 or clone.
        assert!(matches!(regs.rax, 56 | 435), "rax {:#x}", regs.rax);
        // The parent stays blocked until the child has exec'd (or exited).
        let kt = Tr::open(&mut c, kid, 0);
        assert_eq!(
            kt.step(&mut c, EXIT),
            Ev {
                cause: EXIT,
                a: 6 << 8,
                b: 0
            }
        );
        kt.arm(&mut c, 0);
        let ev = tr.events(&mut c);
        assert_eq!(
            ev.last().unwrap(),
            &Ev {
                cause: EXIT,
                a: 26 << 8,
                b: 0
            }
        );
        for h in [kt.trace, tr.trace] {
            c.close(h).unwrap();
        }
        assert_eq!(wait(pid, 0), (pid, 26 << 8));
    }

    /// §2.4: a new thread is a new context: CLONE event with its tid, frozen until traced;
    /// its own EXIT stop; the process goes on.
    pub fn thread_clone_event() {
        let mut c = Client::connect().unwrap();
        let sh = shared();
        let pid = stopped_child(move || {
            let t = std::thread::spawn(move || {
                // SAFETY: gettid has no preconditions.
                sh[12].store(unsafe { libc::gettid() } as u64, Ordering::SeqCst);
            });
            t.join().unwrap();
            8
        });
        let tr = Tr::open(&mut c, pid, O_TRUNC);
        kill(pid, libc::SIGCONT);
        tr.arm(&mut c, CLONE);
        let evs = tr.events(&mut c);
        assert_eq!(evs[0].cause, CLONE);
        let tid = evs[0].a as i32;
        assert_ne!(tid, pid);
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(sh[12].load(Ordering::SeqCst), 0, "the new thread is frozen");
        let tt = Tr::open(&mut c, tid, 0);
        assert_eq!(
            kt_exit(&mut c, &tt),
            Ev {
                cause: EXIT,
                a: 0,
                b: 0
            }
        );
        assert_eq!(sh[12].load(Ordering::SeqCst), tid as u64);
        tt.arm(&mut c, 0);
        assert_eq!(c.read(tt.trace, 56), Err(ESRCH));
        for h in [tt.mem, tt.regs, tt.trace, tr.trace] {
            c.close(h).unwrap();
        }
        assert_eq!(wait(pid, 0), (pid, 8 << 8));
    }

    fn kt_exit(c: &mut Client, t: &Tr) -> Ev {
        t.step(c, EXIT)
    }

    /// §2.4 EVENT_ADDRSPACE_SWITCH on exec; `mem` reads the new image afterwards.
    pub fn exec_event_reopens_mem() {
        let mut c = Client::connect().unwrap();
        let pid = stopped_child(|| {
            let prog = c"/bin/sh";
            let argv = [
                prog.as_ptr(),
                c"-c".as_ptr(),
                c"exit 7".as_ptr(),
                std::ptr::null(),
            ];
            // SAFETY: NUL-terminated argv of C strings.
            unsafe { libc::execv(prog.as_ptr(), argv.as_ptr()) };
            1
        });
        let tr = Tr::open(&mut c, pid, O_TRUNC);
        kill(pid, libc::SIGCONT);
        tr.arm(&mut c, SWITCH | PRE);
        // SWITCH is non-stopping: it may come alone, and the read after it blocks until the
        // armed PRE is reached (§2.3). Stop at the first PRE after the switch.
        let mut saw = false;
        for _ in 0..100 {
            let evs = tr.events(&mut c);
            if let Some(e) = evs.iter().find(|e| e.cause == SWITCH) {
                assert_eq!(e.a, 0);
                saw = true;
            }
            let last = evs.last().unwrap();
            if last.cause == PRE {
                if saw {
                    break;
                }
                tr.arm(&mut c, SWITCH | PRE);
            }
        }
        assert!(saw);
        let rip = tr.regs(&mut c).rip;
        assert_eq!(
            tr.peek(&mut c, rip - 2, 2).unwrap(),
            [0x0f, 0x05],
            "syscall insn before rip"
        );
        c.close(tr.trace).unwrap();
        assert_eq!(wait(pid, 0), (pid, 7 << 8));
    }

    /// §5.1: job-control stop and ptrace freeze are independent: SIGCONT does not release a
    /// freeze; a trace write does not undo a SIGSTOP; waitpid sees the job-control stop only.
    pub fn jobctl_and_freeze_independent() {
        let mut c = Client::connect().unwrap();
        let sh = shared();
        let pid = fork_child(move || {
            loop {
                sh[8].fetch_add(1, Ordering::SeqCst);
                if sh[9].load(Ordering::SeqCst) != 0 {
                    return 0;
                }
            }
        });
        assert!(eventually(|| sh[8].load(Ordering::SeqCst) > 0));
        let t = c
            .open(&format!("proc:{pid}/trace"), O_RDWR | O_TRUNC)
            .unwrap();
        let n = sh[8].load(Ordering::SeqCst);
        c.kill(pid, libc::SIGCONT).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(30));
        assert_eq!(
            sh[8].load(Ordering::SeqCst),
            n,
            "SIGCONT does not release a freeze"
        );
        c.kill(pid, libc::SIGSTOP).unwrap();
        assert_eq!(
            wait(pid, libc::WNOHANG | libc::WUNTRACED).0,
            0,
            "frozen: SIGSTOP not acted on yet"
        );
        assert_eq!(c.write(t, &0u64.to_le_bytes()), Ok(8));
        let (r, st) = wait(pid, libc::WUNTRACED);
        assert_eq!((r, st), (pid, 0x137f));
        let n = sh[8].load(Ordering::SeqCst);
        std::thread::sleep(std::time::Duration::from_millis(30));
        assert_eq!(
            sh[8].load(Ordering::SeqCst),
            n,
            "the write did not undo the job-control stop"
        );
        assert_eq!(c.write(t, &0u64.to_le_bytes()), Ok(8));
        std::thread::sleep(std::time::Duration::from_millis(10));
        assert_eq!(sh[8].load(Ordering::SeqCst), n);
        c.kill(pid, libc::SIGCONT).unwrap();
        let (r, st) = wait(pid, libc::WCONTINUED);
        assert_eq!((r, st), (pid, 0xffff));
        assert!(eventually(|| sh[8].load(Ordering::SeqCst) > n));
        sh[9].store(1, Ordering::SeqCst);
        c.close(t).unwrap();
        assert_eq!(wait(pid, 0), (pid, 0));
    }

    /// §2.5 quirk: a signal waking a tracee that sits at a stop re-queues the same event.
    pub fn duplicate_event_quirk() {
        let mut c = Client::connect().unwrap();
        let pid = stopped_child(|| {
            raw_syscall0(libc::SYS_getppid);
            0
        });
        let tr = Tr::open(&mut c, pid, O_TRUNC);
        kill(pid, libc::SIGCONT);
        tr.until_syscall(&mut c, libc::SYS_getppid);
        c.kill(pid, libc::SIGCONT).unwrap();
        let evs = parse_events(&c.read(tr.trace, 56 * 4).unwrap());
        assert_eq!(
            evs,
            vec![Ev {
                cause: PRE,
                a: 0,
                b: 0
            }],
            "duplicate of the PRE stop"
        );
        c.close(tr.trace).unwrap();
        assert_eq!(wait(pid, 0), (pid, 0));
    }

    /// §6.3: relibc's TRACEME marker on `chan:`: create (EEXIST twice), probe, ENOENT.
    pub fn chan_marker() {
        let mut c = Client::connect().unwrap();
        let sh = shared();
        let pid = fork_child(move || {
            let mut k = Client::connect().unwrap();
            let me = std::process::id();
            let path = format!("/scheme/chan/ptrace-relibc/{me}/traceme");
            let ok = k.open(&path, O_CREAT | O_EXCL).is_ok();
            let again = k.open(&path, O_CREAT | O_EXCL);
            sh[10].store(1, Ordering::SeqCst);
            raise_stop();
            i32::from(!ok) | (i32::from(again != Err(EEXIST)) << 1)
        });
        assert_eq!(wait(pid, libc::WUNTRACED), (pid, 0x137f));
        let h = c
            .open(&format!("chan:ptrace-relibc/{pid}/traceme"), 0)
            .unwrap();
        c.close(h).unwrap();
        let me = std::process::id();
        assert_eq!(
            c.open(&format!("chan:ptrace-relibc/{me}/traceme"), 0),
            Err(ENOENT)
        );
        kill(pid, libc::SIGCONT);
        assert_eq!(wait(pid, 0), (pid, 0));
        // The marker dies with its owner.
        assert_eq!(
            c.open(&format!("chan:ptrace-relibc/{pid}/traceme"), 0),
            Err(ENOENT)
        );
    }

    /// getpid is the connection's pid (a forked child must reconnect); emulator waitpid;
    /// operation counters per connection and per kind.
    pub fn getpid_waitpid_stats() {
        let mut c = Client::connect().unwrap();
        let me = std::process::id() as i32;
        assert_eq!(c.getpid(), Ok(me));
        let sh = shared();
        let pid = fork_child(move || {
            let mut k = Client::connect().unwrap();
            sh[11].store(k.getpid().unwrap() as u64, Ordering::SeqCst);
            0
        });
        assert_eq!(wait(pid, 0), (pid, 0));
        assert_eq!(sh[11].load(Ordering::SeqCst), pid as u64);
        c.stats(redox_proc_wire::STATS_SELF, true).unwrap();
        let pid = stopped_child(|| 9);
        let tr = Tr::open(&mut c, pid, 0);
        assert_eq!(c.waitpid(pid, libc::WNOHANG), Ok((0, 0)));
        tr.arm(&mut c, 0);
        tr.regs(&mut c);
        kill(pid, libc::SIGCONT);
        assert_eq!(c.waitpid(pid, 0), Ok((pid, 9 << 8)));
        assert_eq!(wait(pid, 0), (pid, 9 << 8));
        let s = c.stats(redox_proc_wire::STATS_SELF, false).unwrap();
        use redox_proc_wire::{op, stat};
        assert_eq!(s[op::OPEN as usize], 1);
        assert_eq!(s[op::DUP as usize], 2);
        assert_eq!(s[stat::TRACE_OPEN], 1);
        assert_eq!(s[stat::TRACE_WRITE], 1);
        assert_eq!(s[stat::REGS_INT_READ], 1);
        assert_eq!(s[op::WAITPID as usize], 2);
        assert_eq!(s[stat::TOTAL], 7);
        assert_eq!(c.waitpid(me, 0), Err(Errno(libc::ECHILD)));
    }

    /// Handles belong to the client process: a second connection of the same process uses
    /// them while the first one is blocked in a trace read (which must not block the
    /// emulator). Counters per process, per connection and in total.
    pub fn connections_share_handles() {
        let mut c1 = Client::connect().unwrap();
        let mut c2 = Client::connect().unwrap();
        let pid = stopped_child(|| {
            raw_syscall0(libc::SYS_getppid);
            0
        });
        let t = c1
            .open(&format!("proc:{pid}/trace"), O_RDWR | O_TRUNC)
            .unwrap();
        let reader = std::thread::spawn(move || {
            let r = c1.read(t, 56 * 4);
            (c1, r)
        });
        std::thread::sleep(std::time::Duration::from_millis(20));
        let r = c2.dup(t, "regs/int").unwrap();
        assert_eq!(c2.read(r, 160).unwrap().len(), 160);
        kill(pid, libc::SIGCONT);
        assert_eq!(c2.write(t, &EXIT.to_le_bytes()), Ok(8));
        let (mut c1, got) = reader.join().unwrap();
        assert_eq!(
            parse_events(&got.unwrap()),
            vec![Ev {
                cause: EXIT,
                a: 0,
                b: 0
            }]
        );
        let own = c1.stats(redox_proc_wire::STATS_SELF, false).unwrap();
        let conn1 = c1.stats(redox_proc_wire::STATS_CONN, false).unwrap();
        let conn2 = c2.stats(redox_proc_wire::STATS_CONN, false).unwrap();
        use redox_proc_wire::stat;
        assert_eq!(conn1[stat::TRACE_READ], 1);
        assert_eq!(conn1[stat::TRACE_READ_BLOCKED], 1);
        assert_eq!(conn2[stat::TRACE_WRITE], 1);
        assert_eq!(own[stat::TOTAL], conn1[stat::TOTAL] + conn2[stat::TOTAL]);
        c2.close(r).unwrap();
        c1.close(t).unwrap();
        assert_eq!(c2.close(t), Err(EBADF));
        assert_eq!(wait(pid, 0), (pid, 0));
    }

    /// A child that stops itself, then makes one `getppid` and exits 0; traced with `O_TRUNC`
    /// (frozen) and continued from its SIGSTOP, so only `trace` writes move it.
    fn frozen_tracee(c: &mut Client) -> Tr {
        let pid = stopped_child(|| {
            raw_syscall0(libc::SYS_getppid);
            0
        });
        let tr = Tr::open(c, pid, O_TRUNC);
        kill(pid, libc::SIGCONT);
        tr
    }

    /// Let the tracee run to its exit and reap it.
    fn finish(c: &mut Client, tr: &Tr) {
        assert_eq!(c.write(tr.trace, &0u64.to_le_bytes()), Ok(8));
        for h in [tr.mem, tr.regs, tr.trace] {
            c.close(h).unwrap();
        }
        assert_eq!(wait(tr.pid, 0), (tr.pid, 0));
    }

    /// kernel src/event.rs @59177587 l.56-59 (`sync` then `trigger` on register) with
    /// src/ptrace.rs l.83-91 (`session_fevent_flags`): registering a `trace` handle whose
    /// event queue is already non-empty queues an event at once (the read does not wait).
    pub fn event_register_when_ready() {
        let mut c = Client::connect().unwrap();
        let tr = frozen_tracee(&mut c);
        tr.arm(&mut c, PRE);
        wait_reached(&mut c, tr.trace);
        let q = open_queue(&mut c);
        assert_eq!(register(&mut c, q, tr.trace, EV_READ, 7), Ok(24));
        let before = own_stats(&mut c);
        assert_eq!(
            queue_events(&mut c, q),
            vec![(u64::from(tr.trace), EV_READ, 7)]
        );
        use redox_proc_wire::stat;
        let after = own_stats(&mut c);
        assert_eq!(
            after[stat::EVENT_READ_BLOCKED],
            before[stat::EVENT_READ_BLOCKED]
        );
        assert_eq!(after[stat::EVENT_READ], before[stat::EVENT_READ] + 1);
        assert_eq!(tr.events(&mut c)[0].cause, PRE);
        c.close(q).unwrap();
        finish(&mut c, &tr);
    }

    /// kernel src/ptrace.rs @59177587 l.57-65 (`add_event` triggers EVENT_READ) and
    /// src/event.rs l.28-30 (the queue read blocks): a stop of an armed tracee wakes a parked
    /// `event:` read with `{ id: trace handle, flags: EVENT_READ, data }`. The waiting
    /// connection performs no other operation meanwhile (its counters).
    pub fn event_stop_wakes_parked_read() {
        let mut c1 = Client::connect().unwrap();
        let mut c2 = Client::connect().unwrap();
        let tr = frozen_tracee(&mut c1);
        let q = open_queue(&mut c1);
        assert_eq!(register(&mut c1, q, tr.trace, EV_READ, 0xdead), Ok(24));
        let reader = std::thread::spawn(move || {
            let r = c2.read(q, 24 * 4);
            (c2, r)
        });
        use redox_proc_wire::stat;
        assert!(eventually(
            || own_stats(&mut c1)[stat::EVENT_READ_BLOCKED] == 1
        ));
        tr.arm(&mut c1, PRE);
        let (mut c2, got) = reader.join().unwrap();
        assert_eq!(
            parse_qevents(&got.unwrap()),
            vec![(u64::from(tr.trace), EV_READ, 0xdead)]
        );
        let s = c2.stats(redox_proc_wire::STATS_CONN, false).unwrap();
        assert_eq!(
            s[stat::TOTAL],
            1,
            "the waiting connection did only its read"
        );
        assert_eq!(s[stat::EVENT_READ], 1);
        assert_eq!(s[stat::EVENT_READ_BLOCKED], 1);
        let own = own_stats(&mut c1);
        assert_eq!(own[stat::EVENT_WRITE], 1);
        assert_eq!(tr.events(&mut c1)[0].cause, PRE);
        finish(&mut c1, &tr);
        c1.close(q).unwrap();
    }

    /// kernel src/ptrace.rs @59177587 l.60-64: EVENT_READ only when the trace handle's queue
    /// goes from empty to non-empty. A second stop while the first event is unread adds no
    /// queue event; after a drain, the next stop does.
    pub fn event_edge_triggered() {
        let mut c = Client::connect().unwrap();
        let tr = frozen_tracee(&mut c);
        let q = open_queue(&mut c);
        assert_eq!(register(&mut c, q, tr.trace, EV_READ, 1), Ok(24));
        let me = (u64::from(tr.trace), EV_READ, 1);
        tr.arm(&mut c, PRE | POST);
        assert_eq!(queue_events(&mut c, q), vec![me]);
        // The PRE event stays unread; resume to the POST stop: queue 1 -> 2, no trigger.
        tr.arm(&mut c, PRE | POST);
        wait_reached(&mut c, tr.trace);
        let causes: Vec<u64> = tr.events(&mut c).iter().map(|e| e.cause).collect();
        assert_eq!(causes, vec![PRE, POST]);
        // Drained: the next stop fills it again and triggers.
        tr.arm(&mut c, PRE | POST);
        assert_eq!(tr.events(&mut c).len(), 1);
        // Every trigger has happened by now: exactly one event for the two stops.
        assert_eq!(queue_events(&mut c, q), vec![me]);
        c.close(q).unwrap();
        finish(&mut c, &tr);
    }

    /// kernel src/ptrace.rs @59177587 l.176-183 (`close_tracee`, called on exit from
    /// src/syscall/process.rs l.1164): the tracee's death triggers EVENT_READ though nothing
    /// was armed or queued; the trace read then answers ESRCH.
    pub fn event_tracee_death() {
        let mut c = Client::connect().unwrap();
        let tr = frozen_tracee(&mut c);
        let q = open_queue(&mut c);
        assert_eq!(register(&mut c, q, tr.trace, EV_READ, 42), Ok(24));
        assert_eq!(c.write(tr.trace, &0u64.to_le_bytes()), Ok(8));
        assert_eq!(
            queue_events(&mut c, q),
            vec![(u64::from(tr.trace), EV_READ, 42)]
        );
        assert_eq!(c.read(tr.trace, 56), Err(ESRCH));
        assert_eq!(wait(tr.pid, 0), (tr.pid, 0));
        for h in [tr.mem, tr.regs, tr.trace, q] {
            c.close(h).unwrap();
        }
    }

    /// kernel src/event.rs @59177587 l.173-191 (`trigger` per registered file, with its
    /// `data`): one queue watching 4 trace handles blocks until one of them stops and reports
    /// that one's `id` and `data`.
    pub fn event_many_tracees() {
        let mut c1 = Client::connect().unwrap();
        let mut c2 = Client::connect().unwrap();
        let trs: Vec<Tr> = (0..4).map(|_| frozen_tracee(&mut c1)).collect();
        let q = open_queue(&mut c1);
        let mut batch = Vec::new();
        for (i, tr) in trs.iter().enumerate() {
            batch.extend_from_slice(&redox_proc_wire::encode_event(
                u64::from(tr.trace),
                EV_READ,
                100 + i as u64,
            ));
        }
        assert_eq!(c1.write(q, &batch), Ok(96));
        let reader = std::thread::spawn(move || {
            let r = c2.read(q, 24 * 8);
            (c2, r)
        });
        use redox_proc_wire::stat;
        assert!(eventually(
            || own_stats(&mut c1)[stat::EVENT_READ_BLOCKED] == 1
        ));
        trs[2].arm(&mut c1, PRE);
        let (_c2, got) = reader.join().unwrap();
        assert_eq!(
            parse_qevents(&got.unwrap()),
            vec![(u64::from(trs[2].trace), EV_READ, 102)]
        );
        assert_eq!(trs[2].events(&mut c1)[0].cause, PRE);
        c1.close(q).unwrap();
        for tr in &trs {
            finish(&mut c1, tr);
        }
    }

    /// kernel src/event.rs @59177587 l.126-138 (`register`: flags 0 removes the
    /// registration with the same `id` and `data`; another `data` is a different key).
    pub fn event_unregister() {
        let mut c = Client::connect().unwrap();
        let a = frozen_tracee(&mut c);
        let b = frozen_tracee(&mut c);
        let q = open_queue(&mut c);
        assert_eq!(register(&mut c, q, a.trace, EV_READ, 1), Ok(24));
        // Flags 0 with another data: no such registration, nothing removed.
        assert_eq!(register(&mut c, q, a.trace, 0, 9), Ok(24));
        a.arm(&mut c, PRE | POST);
        assert_eq!(a.events(&mut c).len(), 1);
        assert_eq!(
            queue_events(&mut c, q),
            vec![(u64::from(a.trace), EV_READ, 1)]
        );
        // Now really unregister, then let `a` stop again before `b` stops.
        assert_eq!(register(&mut c, q, a.trace, 0, 1), Ok(24));
        assert_eq!(register(&mut c, q, b.trace, EV_READ, 2), Ok(24));
        a.arm(&mut c, PRE | POST);
        assert_eq!(a.events(&mut c).len(), 1);
        b.arm(&mut c, PRE);
        assert_eq!(b.events(&mut c).len(), 1);
        assert_eq!(
            queue_events(&mut c, q),
            vec![(u64::from(b.trace), EV_READ, 2)]
        );
        c.close(q).unwrap();
        finish(&mut c, &a);
        finish(&mut c, &b);
    }

    /// kernel src/event.rs @59177587 l.32-63 and src/scheme/event.rs: open spellings, EBADF
    /// for an unknown handle id and for a queue id (an `event:` file has no `fevent`: the
    /// `Scheme` default, redox-os/syscall @b12d582d src/scheme/scheme.rs l.121-123); other
    /// `proc:` handles register but are never ready (src/scheme/proc.rs l.608); partial
    /// trailing bytes are ignored; a buffer under 24 bytes reads 0 without waiting
    /// (src/sync/wait_queue.rs l.43-49); `fcntl` 0, `fpath` `event:`, no seek, no dup.
    pub fn event_handle_ops() {
        let mut c = Client::connect().unwrap();
        let q = c.open("/scheme/event", 0).unwrap();
        let q2 = c.open("event:", O_NONBLOCK).unwrap();
        assert_eq!(c.fpath(q).unwrap(), "event:");
        assert_eq!(c.fcntl(q, 3, 0), Ok(0));
        assert_eq!(c.fcntl(q, 4, O_NONBLOCK), Ok(0));
        assert_eq!(c.seek(q, 0, SEEK_SET), Err(EBADF));
        assert_eq!(c.dup(q, "x"), Err(EBADF));
        assert_eq!(register(&mut c, q, 9999, EV_READ, 0), Err(EBADF));
        assert_eq!(register(&mut c, q, 0, EV_READ, 0), Err(EBADF));
        assert_eq!(register(&mut c, q, q2, EV_READ, 0), Err(EBADF));
        // Nothing queued, buffer too small for one event: 0 at once. (O_NONBLOCK is not
        // honoured: a read of a larger buffer would wait, see event_close_while_parked.)
        assert_eq!(c.read(q2, 23), Ok(Vec::new()));
        let tr = frozen_tracee(&mut c);
        let mut buf = redox_proc_wire::encode_event(u64::from(tr.regs), EV_READ, 3).to_vec();
        buf.extend_from_slice(&[0xff; 5]);
        assert_eq!(c.write(q, &buf), Ok(24));
        assert_eq!(register(&mut c, q, tr.mem, EV_READ, 4), Ok(24));
        assert_eq!(register(&mut c, q, tr.trace, EV_READ, 5), Ok(24));
        tr.arm(&mut c, PRE);
        // Only the trace handle is ever ready.
        assert_eq!(
            queue_events(&mut c, q),
            vec![(u64::from(tr.trace), EV_READ, 5)]
        );
        use redox_proc_wire::stat;
        let s = own_stats(&mut c);
        assert_eq!(s[stat::EVENT_WRITE], 6);
        assert_eq!(s[stat::EVENT_READ], 2);
        c.close(q).unwrap();
        c.close(q2).unwrap();
        assert_eq!(c.fpath(q), Err(EBADF));
        assert_eq!(c.read(q, 24), Err(EBADF));
        finish(&mut c, &tr);
    }

    /// kernel src/context/file.rs @59177587 l.33-47 with src/syscall/fs.rs l.18-25: a read
    /// in progress holds its own reference to the file, so `close` of the queue answers 0
    /// but the scheme's close does not run; the parked read stays and is answered by the
    /// queue's next event. The handle is gone at once (EBADF). Closing a registered `trace`
    /// handle drops its registrations (`unregister_file`, file.rs l.37).
    pub fn event_close_while_parked() {
        let mut c1 = Client::connect().unwrap();
        let mut c2 = Client::connect().unwrap();
        let tr = frozen_tracee(&mut c1);
        let q = c1.open("event:", O_NONBLOCK).unwrap();
        assert_eq!(register(&mut c1, q, tr.trace, EV_READ, 8), Ok(24));
        let reader = std::thread::spawn(move || {
            let r = c2.read(q, 24 * 4);
            (c2, r)
        });
        use redox_proc_wire::stat;
        assert!(eventually(
            || own_stats(&mut c1)[stat::EVENT_READ_BLOCKED] == 1
        ));
        assert_eq!(c1.close(q), Ok(()));
        assert_eq!(c1.close(q), Err(EBADF));
        assert_eq!(register(&mut c1, q, tr.trace, EV_READ, 8), Err(EBADF));
        tr.arm(&mut c1, PRE);
        let (_c2, got) = reader.join().unwrap();
        assert_eq!(
            parse_qevents(&got.unwrap()),
            vec![(u64::from(tr.trace), EV_READ, 8)]
        );
        assert_eq!(tr.events(&mut c1)[0].cause, PRE);
        // unregister_file on the trace handle's close: the tracee's later death (with the
        // session gone too, proc.rs l.651-656) reaches no queue.
        let q = open_queue(&mut c1);
        assert_eq!(register(&mut c1, q, tr.trace, EV_READ, 1), Ok(24));
        for h in [tr.mem, tr.regs, tr.trace] {
            c1.close(h).unwrap();
        }
        assert_eq!(wait(tr.pid, 0), (tr.pid, 0));
        let sentinel = frozen_tracee(&mut c1);
        assert_eq!(register(&mut c1, q, sentinel.trace, EV_READ, 2), Ok(24));
        sentinel.arm(&mut c1, PRE);
        assert_eq!(
            queue_events(&mut c1, q),
            vec![(u64::from(sentinel.trace), EV_READ, 2)]
        );
        c1.close(q).unwrap();
        finish(&mut c1, &sentinel);
    }

    /// Queues are handles, and handles belong to the client process (kernel src/event.rs
    /// @59177587 l.34-42 looks `id` up in the calling context's files; another process's
    /// queue number is no file of its own): another client process gets EBADF.
    pub fn event_queue_per_process() {
        let mut c = Client::connect().unwrap();
        let q = open_queue(&mut c);
        let t = frozen_tracee(&mut c);
        let (qn, tn) = (q, t.trace);
        let pid = fork_child(move || {
            let mut k = Client::connect().unwrap();
            let bad = [
                k.read(qn, 24).err() != Some(EBADF),
                register(&mut k, qn, tn, EV_READ, 0) != Err(EBADF),
                k.fcntl(qn, 3, 0) != Err(EBADF),
                k.close(qn) != Err(EBADF),
            ];
            bad.iter()
                .enumerate()
                .map(|(i, b)| i32::from(*b) << i)
                .sum()
        });
        assert_eq!(wait(pid, 0), (pid, 0));
        // Still ours.
        assert_eq!(register(&mut c, q, tn, EV_READ, 6), Ok(24));
        c.close(q).unwrap();
        finish(&mut c, &t);
    }
}
