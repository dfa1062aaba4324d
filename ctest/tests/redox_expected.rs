//! `tests/c/redox-expected.awk`, which `make check REDOX=1` uses to build a program's Redox
//! expectation on a Redox machine, gives the same text as the harness's `apply_redox_diff`
//! for every committed difference file, so porters and `cargo test` check the same thing.
// Test code: a failed expectation panics, which is how a Rust test fails.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::fs;
use std::process::Command;

use ptrace_compat_ctest::{apply_redox_diff, redox_skipped, root};

#[test]
fn awk_applies_every_difference_file_as_the_harness_does() {
    let dir = root().join("tests/c/expected/redox");
    let mut checked = 0;
    for entry in fs::read_dir(&dir).expect("tests/c/expected/redox") {
        let path = entry.unwrap().path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().and_then(|e| e.to_str()) != Some("diff") || redox_skipped(stem) {
            continue;
        }
        let linux = root().join(format!("tests/c/expected/{stem}.stdout"));
        let expected = fs::read_to_string(&linux).unwrap();
        let (want, _) = apply_redox_diff(stem, &expected);
        let out = Command::new("awk")
            .arg("-f")
            .arg(root().join("tests/c/redox-expected.awk"))
            .arg(&linux)
            .arg(&path)
            .output()
            .expect("awk runs");
        assert!(
            out.status.success(),
            "awk failed on {}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            want,
            "{stem}: awk and apply_redox_diff disagree"
        );
        checked += 1;
    }
    assert!(checked > 0, "no difference file found in {}", dir.display());
}
