//! The emulator shuts down while tracees run: nothing may stay stopped behind it.
//! (Redox: a tracer's death closes its handles, §1.5 — close = detach + resume; the
//! emulator's own death is a kernel's death, so its tracees die with it.)

// Test code: clippy.toml relaxes the panic family only inside #[test] functions; the helpers
// and bodies shared by the tests get the same relaxation here.
#![cfg(target_arch = "x86_64")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::Duration;

use common::*;

const FILE: &str = "REDOX_PROC_EMU_TEST_PIDS";

/// Set up tracees in every kind of emulator-held state, write their pids, and return
/// (without closing anything) or hang.
fn setup_tracees() -> Vec<i32> {
    let mut c = Client::connect().unwrap();
    // Orphans must not keep the harness's stdout/stderr pipes open.
    let spin = || {
        quiet();
        loop {
            raw_syscall0(libc::SYS_getppid);
        }
    };
    // Held at a PRE_SYSCALL stop.
    let a = stopped_child(spin);
    let ta = Tr::open(&mut c, a, O_TRUNC);
    kill(a, libc::SIGCONT);
    assert_eq!(ta.step(&mut c, PRE).cause, PRE);
    // O_TRUNC-frozen.
    let b = fork_child(spin);
    c.open(&format!("proc:{b}/trace"), O_RDWR | O_TRUNC)
        .unwrap();
    // Traced, nothing armed, running; plus a regs handle.
    let d = fork_child(spin);
    let td = c.open(&format!("proc:{d}/trace"), O_RDWR).unwrap();
    c.dup(td, "regs/int").unwrap();
    // Held at a SIGNAL stop.
    let e = stopped_child(spin);
    let te = Tr::open(&mut c, e, O_TRUNC);
    c.kill(e, libc::SIGUSR2).unwrap(); // would kill it: default action
    kill(e, libc::SIGCONT);
    loop {
        let ev = te.step(&mut c, SIGNAL);
        if ev.a == libc::SIGUSR2 as usize {
            break;
        }
    }
    // Frozen clone child whose event was read but never released.
    let f = stopped_child(|| {
        quiet();
        fork_child(|| {
            loop {
                raw_syscall0(libc::SYS_getppid);
            }
        });
        loop {
            raw_syscall0(libc::SYS_getppid);
        }
    });
    let tf = Tr::open(&mut c, f, O_TRUNC);
    kill(f, libc::SIGCONT);
    tf.arm(&mut c, CLONE);
    let g = tf.events(&mut c)[0].a as i32;
    for p in [a, b, d, e, f, g] {
        assert!(state_of(p).is_some_and(|s| s.1 != 0), "{p} traced");
    }
    std::mem::forget(c);
    vec![a, b, d, e, f, g]
}

fn quiet() {
    // SAFETY: plain open/dup2 in a forked child.
    unsafe {
        let fd = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        libc::dup2(fd, 1);
        libc::dup2(fd, 2);
    }
}

fn write_pids(pids: &[i32]) {
    let path = std::env::var(FILE).unwrap();
    let s: Vec<String> = pids.iter().map(|p| p.to_string()).collect();
    std::fs::write(format!("{path}.tmp"), s.join(" ")).unwrap();
    std::fs::rename(format!("{path}.tmp"), path).unwrap();
}

fn read_pids(path: &str) -> Vec<i32> {
    std::fs::read_to_string(path)
        .unwrap()
        .split(' ')
        .map(|p| p.parse().unwrap())
        .collect()
}

/// Inner part of `program_exits_while_tracees_run`.
#[test]
fn inner_program_exits() {
    if !inner() || std::env::var_os(FILE).is_none() {
        return;
    }
    let pids = setup_tracees();
    write_pids(&pids);
    // Returning ends PROGRAM; the emulator must then detach and resume everything.
}

/// Inner part of `emulator_killed_while_tracees_run`.
#[test]
fn inner_emulator_killed() {
    if !inner() || std::env::var_os(FILE).is_none() {
        return;
    }
    let mut pids = setup_tracees();
    pids.push(std::process::id() as i32);
    write_pids(&pids);
    std::thread::sleep(Duration::from_secs(30));
}

fn tmpfile(tag: &str) -> String {
    format!("/tmp/redox-proc-emu-test-{}-{tag}", std::process::id())
}

fn not_stopped(pid: i32) -> bool {
    match state_of(pid) {
        None => true, // gone
        Some((s, tracer)) => tracer == 0 && s != 't' && s != 'T',
    }
}

/// Runs inner test `inner` under an emulator and returns the pids it wrote once it exited.
fn pids_after_exit(inner: &str, tag: &str) -> Vec<i32> {
    let path = tmpfile(tag);
    let _ = std::fs::remove_file(&path);
    let (ok, out) = run_under_emu(inner, &[(FILE, &path)], Duration::from_secs(60));
    assert!(ok && out.contains("1 passed"), "{out}");
    let pids = read_pids(&path);
    let _ = std::fs::remove_file(&path);
    pids
}

/// Starts inner test `inner` under an emulator, waits for the pids it writes, SIGKILLs the
/// emulator and returns those pids and when the emulator died.
fn pids_after_kill(inner: &str, tag: &str) -> (Vec<i32>, std::time::Instant) {
    let path = tmpfile(tag);
    let _ = std::fs::remove_file(&path);
    let exe = std::env::current_exe().unwrap();
    let mut emu = std::process::Command::new(env!("CARGO_BIN_EXE_redox-proc-emu"))
        .arg("--")
        .arg(&exe)
        .args([inner, "--exact", "--test-threads=1"])
        .env(FILE, &path)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    assert!(
        eventually(|| std::path::Path::new(&path).exists()),
        "setup did not finish"
    );
    let pids = read_pids(&path);
    let _ = std::fs::remove_file(&path);
    emu.kill().unwrap();
    emu.wait().unwrap();
    (pids, std::time::Instant::now())
}

/// Asserts that none of `pids` is left stopped, then kills them.
fn none_left_stopped(pids: &[i32]) {
    for &p in pids {
        assert!(
            eventually(|| not_stopped(p)),
            "pid {p} left stopped: {:?}",
            state_of(p)
        );
    }
    for &p in pids {
        kill(p, libc::SIGKILL);
    }
}

/// PROGRAM exits while tracees are held, frozen or running: the emulator detaches all of
/// them and they run on (no tracer, not stopped; the SIGUSR2 one died of it, as Redox
/// delivers on close).
#[test]
fn program_exits_while_tracees_run() {
    if inner() {
        return;
    }
    none_left_stopped(&pids_after_exit("inner_program_exits", "exit"));
}

/// The emulator is SIGKILLed: PTRACE_O_EXITKILL takes its tracees with it; none is left
/// stopped.
#[test]
fn emulator_killed_while_tracees_run() {
    if inner() {
        return;
    }
    let (mut pids, _) = pids_after_kill("inner_emulator_killed", "kill");
    let program = pids.pop().unwrap();
    none_left_stopped(&pids);
    kill(program, libc::SIGKILL);
}

/// A child that asked to be traced (relibc's TRACEME marker) and stopped itself before
/// anybody traced it: the test program fails before its own cleanup.
fn traceme_child_stopped() -> i32 {
    let pid = fork_child(|| {
        quiet();
        let mut k = Client::connect().unwrap();
        let me = std::process::id();
        k.open(&format!("chan:ptrace-relibc/{me}/traceme"), O_CREAT)
            .unwrap();
        std::mem::forget(k);
        raise_stop();
        loop {
            raw_syscall0(libc::SYS_getppid);
        }
    });
    assert_eq!(wait(pid, libc::WUNTRACED), (pid, 0x137f));
    pid
}

/// Inner part of `program_exits_leaving_stopped_children`.
#[test]
fn inner_program_exits_leaving_stopped() {
    if !inner() || std::env::var_os(FILE).is_none() {
        return;
    }
    let traceme = traceme_child_stopped();
    // And a plain child in a job-control stop (never traced, no marker).
    let plain = fork_child(|| {
        quiet();
        raise_stop();
        loop {
            raw_syscall0(libc::SYS_getppid);
        }
    });
    assert_eq!(wait(plain, libc::WUNTRACED), (plain, 0x137f));
    write_pids(&[traceme, plain]);
    // Returning ends PROGRAM without cleaning up: both are reparented to the emulator (a
    // child subreaper), which must not leave them stopped when it exits.
}

/// Inner part of `emulator_killed_leaving_traceme_child`.
#[test]
fn inner_emulator_killed_traceme() {
    if !inner() || std::env::var_os(FILE).is_none() {
        return;
    }
    let traceme = traceme_child_stopped();
    write_pids(&[traceme, std::process::id() as i32]);
    std::thread::sleep(Duration::from_secs(30));
}

/// The test program exits between a child's TRACEME and its own cleanup, leaving that child
/// and another one stopped by SIGSTOP: after the emulator exits, neither is left stopped
/// (the emulator sends what is left stopped below it SIGHUP + SIGCONT, as the kernel does to
/// a newly orphaned stopped process group).
#[test]
fn program_exits_leaving_stopped_children() {
    if inner() {
        return;
    }
    none_left_stopped(&pids_after_exit(
        "inner_program_exits_leaving_stopped",
        "stopped",
    ));
}

/// The emulator is SIGKILLed while a TRACEME child sits in its own SIGSTOP, traced by
/// nobody yet: the emulator traced it (with EXITKILL) from its marker on, so it dies with the
/// emulator instead of staying stopped under init.
#[test]
fn emulator_killed_leaving_traceme_child() {
    if inner() {
        return;
    }
    let (mut pids, _) = pids_after_kill("inner_emulator_killed_traceme", "kill-traceme");
    let program = pids.pop().unwrap();
    none_left_stopped(&pids);
    kill(program, libc::SIGKILL);
}

/// Inner part of `emulator_killed_under_parked_reads`: a blocking `trace` read and a
/// blocking `event:` read are parked; once the emulator is killed both must fail promptly.
#[test]
fn inner_parked_reads() {
    if !inner() || std::env::var_os(FILE).is_none() {
        return;
    }
    let path = std::env::var(FILE).unwrap();
    let mut c = Client::connect().unwrap();
    let t = fork_child(|| {
        quiet();
        loop {
            raw_syscall0(libc::SYS_getppid);
        }
    });
    let tr = Tr::open(&mut c, t, 0);
    tr.arm(&mut c, BREAKPOINT); // never reached
    let mut q = Client::connect().unwrap();
    let queue = open_queue(&mut q);
    let (tx, rx) = std::sync::mpsc::channel();
    let tx2 = tx.clone();
    let trace = tr.trace;
    std::thread::spawn(move || {
        let r = c.read(trace, 56 * 4);
        let _ = tx.send(("trace", r.map(|v| v.len())));
    });
    std::thread::spawn(move || {
        let r = q.read(queue, 24 * 4);
        let _ = tx2.send(("event", r.map(|v| v.len())));
    });
    let mut s = Client::connect().unwrap();
    assert!(eventually(|| {
        let st = s.stats(redox_proc_wire::STATS_ALL, false).unwrap();
        st[redox_proc_wire::stat::TRACE_READ_BLOCKED] >= 1
            && st[redox_proc_wire::stat::EVENT_READ_BLOCKED] >= 1
    }));
    drop(s);
    write_pids(&[std::process::id() as i32]);
    let mut results = Vec::new();
    for _ in 0..2 {
        match rx.recv_timeout(Duration::from_secs(10)) {
            Ok((what, r)) => results.push(format!("{what} {:?}", r.map_err(|_| "failed"))),
            Err(_) => results.push("still blocked after 10 s".into()),
        }
    }
    results.sort();
    std::fs::write(format!("{path}.tmp"), results.join(", ")).unwrap();
    std::fs::rename(format!("{path}.tmp"), format!("{path}.result")).unwrap();
    kill(t, libc::SIGKILL);
}

/// Faults: the emulator is killed while clients are blocked in parked `trace` and `event:`
/// reads: their connection closes, so each read fails (EPIPE from the std client, EIO from
/// the library) within moments instead of blocking forever.
#[test]
fn emulator_killed_under_parked_reads() {
    if inner() {
        return;
    }
    let result = format!("{}.result", tmpfile("parked"));
    let _ = std::fs::remove_file(&result);
    let (pids, killed) = pids_after_kill("inner_parked_reads", "parked");
    assert!(
        eventually(|| std::path::Path::new(&result).exists()),
        "the blocked reads did not return"
    );
    let elapsed = killed.elapsed();
    let text = std::fs::read_to_string(&result).unwrap();
    let _ = std::fs::remove_file(&result);
    kill(pids[0], libc::SIGKILL);
    assert_eq!(text, "event Err(\"failed\"), trace Err(\"failed\")");
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
}
