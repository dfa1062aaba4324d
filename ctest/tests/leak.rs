//! Leak check (`tests/leak/leak.c`): sequential tracing sessions of real children (TRACEME,
//! ATTACH, SEIZE; GETREGS, PEEKDATA, SYSCALL, INTERRUPT; KILL or DETACH; reaped) must leave the
//! tracer's open descriptors as they were after a warm-up and its malloc heap within 4 KiB of
//! it. Run against the system libc (which keeps no state: the expectation), the Linux backend
//! (10 000 sessions) and the Redox backend under `redox-proc-emu` (5 000 sessions, to stay well
//! inside the harness's 60 s per program on a loaded machine; the full 10 000 command is in
//! docs/fuzzing.md), and under valgrind's memcheck over 200 sessions on both backends: no
//! block definitely or indirectly lost, no memory error.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;
use std::process::{Command, Stdio};

use ptrace_compat_ctest::{Flavor, Run, compile, emulator, root, run, work_dir};

/// `tests/leak/leak.c` built in `flavor`.
fn build(flavor: Flavor) -> PathBuf {
    let bin = work_dir()
        .join("bin")
        .join(format!("leak-{}", flavor.name()));
    compile(&[root().join("tests/leak/leak.c")], &bin, flavor);
    bin
}

/// Runs `cmd` (tagged `tag`) and asserts that it reports its descriptors and heap back.
fn assert_back(cmd: Command, tag: &str) -> Run {
    let r = run(cmd, tag);
    // The figures are the test's report: shown with --nocapture, and on failure.
    println!("{tag}:\n{}", r.stdout);
    assert!(
        r.code == Some(0) && r.stdout.contains("leak check: ok"),
        "{tag}: descriptors or heap not back (exit {:?}, hung {})\n--- stdout\n{}--- stderr\n{}",
        r.code,
        r.hung,
        r.stdout,
        r.stderr
    );
    r
}

#[test]
fn sessions_system_libc() {
    let mut cmd = Command::new(build(Flavor::Reference));
    cmd.arg("10000");
    assert_back(cmd, "leak-libc");
}

#[test]
fn sessions_linux_backend() {
    let mut cmd = Command::new(build(Flavor::Ours));
    cmd.arg("10000");
    assert_back(cmd, "leak-ours");
}

#[test]
fn sessions_redox_backend() {
    let mut cmd = Command::new(emulator());
    cmd.arg("--").arg(build(Flavor::Redox)).arg("5000");
    assert_back(cmd, "leak-redox");
}

/// valgrind's arguments: leaks definitely or indirectly lost are errors, and so is any memory
/// error but the use of uninitialised values: under the emulator the library writes the
/// caller's buffers (the wait status) with `process_vm_writev` on its own process, which
/// memcheck does not count as a write.
const VALGRIND: &[&str] = &[
    "--leak-check=full",
    "--errors-for-leak-kinds=definite,indirect",
    "--undef-value-errors=no",
    "--error-exitcode=3",
    "--child-silent-after-fork=yes",
];

fn have_valgrind() -> bool {
    Command::new("valgrind")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn valgrind_both_backends() {
    if !have_valgrind() {
        // The README's test command installs valgrind: there (and in CI) it must run.
        assert!(
            std::env::var_os("CI").is_none(),
            "valgrind is not installed (scripts/test-all.sh installs it)"
        );
        println!("valgrind not installed: memcheck part not run");
        return;
    }
    let mut cmd = Command::new("valgrind");
    cmd.args(VALGRIND)
        .arg(build(Flavor::Ours))
        .args(["200", "20"]);
    let linux = assert_back(cmd, "leak-valgrind-ours");
    let mut cmd = Command::new(emulator());
    cmd.arg("--")
        .arg("valgrind")
        .args(VALGRIND)
        .arg(build(Flavor::Redox))
        .args(["200", "20"]);
    let redox = assert_back(cmd, "leak-valgrind-redox");
    for (tag, r) in [("Linux", &linux), ("Redox", &redox)] {
        let summary: Vec<&str> = r
            .stderr
            .lines()
            .filter(|l| {
                l.contains("lost:") || l.contains("in use at exit") || l.contains("ERROR SUMMARY")
            })
            .collect();
        println!("{tag} backend under valgrind:\n{}", summary.join("\n"));
        assert!(
            r.stderr.contains("ERROR SUMMARY: 0 errors"),
            "{tag} backend: memcheck found errors\n{}",
            r.stderr
        );
    }
}
