//! The libraries export exactly the C functions they promise: `ptrace`, `waitpid`, `wait4` and
//! `wait`, defined in both the static archive and the shared object, and nothing else a C
//! program could bind to by accident.
// Test code: a failed expectation panics, which is how a Rust test fails.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::process::Command;

use ptrace_compat_ctest::linux_library;

const EXPORTED: [&str; 4] = ["ptrace", "wait", "wait4", "waitpid"];

/// `(type letter, name)` of every defined global symbol `nm` lists with `args`.
fn defined(path: &Path, args: &[&str]) -> Vec<(char, String)> {
    let out = Command::new("nm")
        .args(args)
        .arg(path)
        .output()
        .expect("nm runs");
    assert!(out.status.success(), "nm failed on {}", path.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| {
            // `[address] TYPE NAME`, TYPE being one letter; archive member headers and other
            // lines do not have that shape.
            let fields: Vec<&str> = line.split_whitespace().collect();
            match fields.as_slice() {
                [.., kind, name] if kind.len() == 1 => {
                    Some((kind.chars().next()?, (*name).to_string()))
                }
                _ => None,
            }
        })
        .collect()
}

#[test]
fn shared_object_exports_exactly_the_four_functions() {
    let lib = linux_library();
    let mut names: Vec<String> = defined(&lib.shared, &["-D", "--defined-only"])
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    names.sort();
    assert_eq!(names, EXPORTED);
}

#[test]
fn static_archive_defines_the_four_functions_and_no_other_c_names() {
    let lib = linux_library();
    let symbols = defined(&lib.archive, &["-g", "--defined-only"]);
    for name in EXPORTED {
        assert!(
            symbols.iter().any(|(k, n)| *k == 'T' && n == name),
            "{name} is not defined in {}",
            lib.archive.display()
        );
    }
    // Everything else must be Rust-mangled or a compiler-runtime helper (`__` prefix, from
    // compiler_builtins), so no plain C name of ours can clash with the program's or libc's.
    let stray: Vec<&String> = symbols
        .iter()
        .map(|(_, n)| n)
        .filter(|n| !EXPORTED.contains(&n.as_str()))
        // Weak and hidden, see src/rt.rs: a Rust runtime in the same program takes precedence.
        .filter(|n| *n != "rust_eh_personality")
        .filter(|n| !(n.starts_with("_R") || n.starts_with("_ZN") || n.starts_with("__")))
        .collect();
    assert!(stray.is_empty(), "unexpected global symbols: {stray:?}");
}
