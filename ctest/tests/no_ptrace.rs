//! The Redox backend where Redox has no ptrace (every Redox since 2025, docs/redox-protocol.md §0): the library
//! built with `redox-emulator` and started without `redox-proc-emu`, or with nobody behind its
//! socket, must fail every request with -1/ENOSYS at once, never hang, and still reap plain
//! children (the requirement; ENOSYS is what the Redox backend promises there).
// Test code: a failed expectation panics, which is how a Rust test fails.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::Command;

use ptrace_compat_ctest::{Flavor, compile, root, run, work_dir};

const EXPECTED: &str = "TRACEME -> -1 ENOSYS
ATTACH -> -1 ENOSYS
SEIZE -> -1 ENOSYS
PEEKDATA -> -1 ENOSYS
CONT -> -1 ENOSYS
GETREGS NULL -> -1 ENOSYS
request 20 -> -1 ENOSYS
pid -1 -> -1 ENOSYS
plain child: killed SIGTERM
waitpid with no child -> -1 ECHILD
";

fn check(tag: &str, socket: Option<&str>) {
    let bin = work_dir().join(format!("bin/{tag}"));
    compile(&[root().join("ctest/c/no_ptrace.c")], &bin, Flavor::Redox);
    let mut cmd = Command::new(&bin);
    cmd.env_remove("REDOX_PROC_EMU");
    if let Some(name) = socket {
        cmd.env("REDOX_PROC_EMU", name);
    }
    let out = run(cmd, tag);
    assert!(!out.hung, "{tag}: hung");
    assert_eq!(out.code, Some(0), "{tag}: stderr {}", out.stderr);
    assert_eq!(out.stdout, EXPECTED, "{tag}");
}

#[test]
fn without_the_emulator_every_request_is_enosys() {
    check("no_ptrace-unset", None);
}

#[test]
fn with_nobody_behind_the_socket_every_request_is_enosys() {
    check(
        "no_ptrace-dead",
        Some("ptrace-compat-test-nobody-listens-here"),
    );
}
