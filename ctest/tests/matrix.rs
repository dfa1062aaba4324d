//! The support matrix of `docs/porting.md` is kept true: a probe (`ctest/c/matrix_probe.c`)
//! makes every request of the matrix at a stop, on the Linux backend and on the Redox backend
//! under `redox-proc-emu`, and this test fails when a request documented as supported answers
//! EIO, or the reverse.
// Test code: a failed expectation panics, which is how a Rust test fails.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::fs;
use std::process::Command;

use ptrace_compat_ctest::{Flavor, compile, emulator, root, run, work_dir};

/// `request -> (Linux column, Redox column)` from the matrix table of docs/porting.md: the
/// rows whose first cell is a backquoted `PTRACE_*` name and whose next two cells are `yes`
/// or `EIO`.
fn documented() -> BTreeMap<String, (String, String)> {
    let text = fs::read_to_string(root().join("docs/porting.md")).expect("docs/porting.md");
    let mut rows = BTreeMap::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 5 || !cells[1].starts_with("`PTRACE_") {
            continue;
        }
        let cell = |s: &str| s.split_whitespace().next().unwrap_or("").to_string();
        rows.insert(
            cells[1].trim_matches('`').to_string(),
            (cell(cells[2]), cell(cells[3])),
        );
    }
    rows
}

fn probe(flavor: Flavor) -> BTreeMap<String, String> {
    let tag = format!("matrix_probe-{}", flavor.name());
    let bin = work_dir().join(format!("bin/{tag}"));
    compile(&[root().join("ctest/c/matrix_probe.c")], &bin, flavor);
    let cmd = if flavor == Flavor::Redox {
        let mut c = Command::new(emulator());
        c.arg("--").arg(&bin);
        c
    } else {
        Command::new(&bin)
    };
    let out = run(cmd, &tag);
    assert!(!out.hung, "{tag}: hung");
    assert_eq!(out.code, Some(0), "{tag}: stderr {}", out.stderr);
    out.stdout
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn the_support_matrix_is_what_the_backends_answer() {
    let doc = documented();
    let linux = probe(Flavor::Ours);
    let redox = probe(Flavor::Redox);
    assert!(!linux.is_empty(), "the probe printed nothing");
    let mut wrong = Vec::new();
    for (req, got) in &linux {
        let Some((want_linux, want_redox)) = doc.get(req) else {
            wrong.push(format!("{req}: not in the matrix of docs/porting.md"));
            continue;
        };
        if got != want_linux {
            wrong.push(format!(
                "{req} on Linux: documented {want_linux}, answers {got}"
            ));
        }
        let got_redox = redox.get(req).map(String::as_str).unwrap_or("missing");
        if got_redox != want_redox {
            wrong.push(format!(
                "{req} on Redox: documented {want_redox}, answers {got_redox}"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "support matrix out of date:\n{}",
        wrong.join("\n")
    );
}
