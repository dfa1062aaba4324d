//! The emulator — the stand-in for the Redox kernel's `proc:` scheme — is killed while its
//! client is blocked in `waitpid`, or PEEKs, or both from two threads
//! (`ctest/c/emulator_death.c`). The tracee dies with it (the emulator traces with
//! `PTRACE_O_EXITKILL`), which a tracer must see as on Linux when a tracee is SIGKILLed from
//! outside: the blocked `waitpid` returns its death. Then the library is a Redox without the
//! `trace` handle (README): requests fail with ENOSYS, and `waitpid` is the operating
//! system's, which still reaps the untraced child. Before this was handled, `waitpid` slept
//! for ever on the library's wake-up word.
// Test code: a failed expectation panics, which is how a Rust test fails.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ptrace_compat_ctest::{Flavor, compile, emulator, root, work_dir};

/// Generous: every answer is expected within a second of the kill; the untraced child exits
/// two seconds after the start.
const LIMIT: Duration = Duration::from_secs(20);

/// Runs the program in `mode`, kills the emulator once it is ready, and returns the lines it
/// printed after "ready" (or fails when it does not finish within [`LIMIT`]).
fn after_kill(mode: &str) -> Vec<String> {
    let bin = work_dir().join(format!("bin/emulator_death-{mode}-redox"));
    compile(
        &[root().join("ctest/c/emulator_death.c")],
        &bin,
        Flavor::Redox,
    );
    let mut emu = Command::new(emulator())
        .arg("--")
        .arg(&bin)
        .arg(mode)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("start redox-proc-emu");
    let group = emu.id();
    let (tx, rx) = mpsc::channel();
    let stdout = emu.stdout.take().expect("piped stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let start = Instant::now();
    let mut lines = Vec::new();
    let mut killed = false;
    let finished = loop {
        let left = LIMIT.saturating_sub(start.elapsed());
        match rx.recv_timeout(left) {
            Ok(line) if !killed && line.starts_with("ready") => {
                // Let the program reach its blocking call, then take the scheme away.
                std::thread::sleep(Duration::from_millis(300));
                emu.kill().expect("kill the emulator");
                emu.wait().expect("reap the emulator");
                killed = true;
            }
            Ok(line) => lines.push(line),
            Err(mpsc::RecvTimeoutError::Disconnected) => break true,
            Err(mpsc::RecvTimeoutError::Timeout) => break false,
        }
    };
    // Whatever is left of the group (nothing, when the test passes).
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{group}")])
        .stderr(Stdio::null())
        .status();
    let _ = emu.wait();
    assert!(
        killed,
        "{mode}: the program never got ready; it printed {lines:?}"
    );
    assert!(
        finished,
        "{mode}: still running {LIMIT:?} after the emulator was killed; it printed {lines:?}"
    );
    lines
}

/// What every mode prints once its blocking call has returned: requests fail at once, the
/// untraced child is reaped with its own status, then there is nothing left to wait for.
const AFTER: [&str; 3] = [
    "attach after: -1 ENOSYS",
    "waitpid(-1): untraced child exited 7",
    "waitpid(-1): -1 ECHILD",
];

fn check(mode: &str, first: &[&str]) {
    let want: Vec<&str> = first.iter().chain(AFTER.iter()).copied().collect();
    assert_eq!(after_kill(mode), want, "mode {mode}");
}

#[test]
fn blocked_waitpid_on_the_tracee_reports_its_death() {
    check("wait", &["waitpid(tracee): tracee killed by signal 9"]);
}

#[test]
fn blocked_waitpid_any_reports_the_death_then_reaps_the_untraced_child() {
    check("any", &["waitpid(-1): tracee killed by signal 9"]);
}

#[test]
fn peek_fails_at_once_and_the_tracee_is_reaped() {
    check(
        "peek",
        &[
            "peek: -1 ENOSYS",
            "waitpid(tracee): tracee killed by signal 9",
        ],
    );
}

#[test]
fn waiting_and_peeking_threads_both_return() {
    check(
        "threads",
        &[
            "thread waitpid(tracee): tracee killed by signal 9",
            "peek: -1 ENOSYS",
        ],
    );
}
