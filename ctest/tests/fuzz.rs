//! The differential fuzzer's smoke run (`tests/fuzz/fuzz.c`, driven by `scripts/fuzz.sh`; method
//! and results in `docs/fuzzing.md`): calls 0..2000 of seed 1 made against the kernel, through
//! the Linux backend and through the Redox backend under `redox-proc-emu`. The Linux backend
//! must answer every call as the kernel does (no mismatch, crash or hang); every difference of
//! the Redox backend must be documented (`docs/redox-gaps.md`) or listed, class by class, in
//! `tests/fuzz/redox-known.txt`, crashes and hangs included.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::Command;

use ptrace_compat_ctest::{root, work_dir};

#[test]
fn fuzz_smoke() {
    let out = work_dir().join("fuzz-smoke");
    let output = Command::new("bash")
        .arg(root().join("scripts/fuzz.sh"))
        .args(["--calls", "2000", "--seed", "1", "--out"])
        .arg(&out)
        .current_dir(root())
        .output()
        .expect("bash runs scripts/fuzz.sh");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The summary is the test's report: shown with --nocapture, and on failure.
    println!("{stdout}");
    assert!(
        output.status.success(),
        "the fuzzer's smoke run failed ({}); logs in {}\n--- stdout\n{stdout}--- stderr\n{stderr}",
        output.status,
        out.display()
    );
}
