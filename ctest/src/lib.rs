//! Test harness for ptrace-compat: builds the library the way users get it (a nested
//! `cargo build` of the staticlib and cdylib), compiles C programs against it with the `cc`
//! crate (which honours `CC`, `CFLAGS` and cross targets), and runs them in their own process
//! group under a time limit.
//!
//! The root package cannot host these tests: a `no_std` staticlib cannot be built under
//! `cargo test` (rust-lang/rust#48665), hence this separate member.

// A failing check must fail the test, and a panic is how a Rust test fails.
#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long one C program may run before it counts as hung (each program also arms
/// `alarm(10)` itself).
pub const TIME_LIMIT: Duration = Duration::from_secs(60);

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Where the harness puts what it builds.
pub fn work_dir() -> PathBuf {
    let dir = root().join("target/ctest");
    let _ = fs::create_dir_all(dir.join("bin"));
    dir
}

/// A build of the library.
#[derive(Debug)]
pub struct Library {
    /// `libptrace_compat.a`.
    pub archive: PathBuf,
    /// `libptrace_compat.so`.
    pub shared: PathBuf,
}

/// Builds the library with `features` into its own target directory, once per test process.
fn build_library(name: &str, features: &[&str]) -> Library {
    let target_dir = work_dir().join(name);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root())
        .args([
            "build",
            "--release",
            "--lib",
            "-p",
            "ptrace-compat",
            "--target-dir",
        ])
        .arg(&target_dir);
    if !features.is_empty() {
        cmd.arg("--features").arg(features.join(","));
    }
    let status = cmd.status().expect("cargo runs");
    assert!(status.success(), "building the {name} library failed");
    let out = target_dir.join("release");
    Library {
        archive: out.join("libptrace_compat.a"),
        shared: out.join("libptrace_compat.so"),
    }
}

/// The library with the Linux backend (default features).
pub fn linux_library() -> &'static Library {
    static LIB: OnceLock<Library> = OnceLock::new();
    LIB.get_or_init(|| build_library("linux", &[]))
}

/// The library with the Redox backend over the `redox-proc-emu` client.
pub fn redox_library() -> &'static Library {
    static LIB: OnceLock<Library> = OnceLock::new();
    LIB.get_or_init(|| build_library("redox", &["redox-emulator"]))
}

/// The `redox-proc-emu` binary, built once per test process.
pub fn emulator() -> &'static Path {
    static EMU: OnceLock<PathBuf> = OnceLock::new();
    EMU.get_or_init(|| {
        let target_dir = work_dir().join("emu");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .current_dir(root())
            .args(["build", "--release", "-p", "redox-proc-emu", "--target-dir"])
            .arg(&target_dir)
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building redox-proc-emu failed");
        target_dir.join("release/redox-proc-emu")
    })
}

/// The C compiler for the target the tests were built for, as a command.
pub fn c_compiler() -> Command {
    let target = option_env!("CTEST_TARGET").unwrap_or("x86_64-unknown-linux-gnu");
    let host = option_env!("CTEST_HOST").unwrap_or(target);
    let mut cmd = cc::Build::new()
        .target(target)
        .host(host)
        .opt_level(1)
        .cargo_metadata(false)
        .cargo_warnings(false)
        .get_compiler()
        .to_command();
    cmd.args(["-D_GNU_SOURCE", "-Wall", "-Wextra", "-Werror", "-g"]);
    cmd
}

/// How a C program is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// System headers and the system libc only: the reference.
    Reference,
    /// `-I include` and `libptrace_compat.a` (Linux backend) before the libc.
    Ours,
    /// As `Ours`, with the Redox backend built for `redox-proc-emu`.
    Redox,
}

impl Flavor {
    /// Short name used in file names and messages.
    pub fn name(self) -> &'static str {
        match self {
            Flavor::Reference => "libc",
            Flavor::Ours => "ours",
            Flavor::Redox => "redox",
        }
    }
}

/// Compiles `src` into `out` in `flavor`; panics with the compiler's message on failure.
pub fn compile(srcs: &[PathBuf], out: &Path, flavor: Flavor) {
    let mut cmd = c_compiler();
    cmd.arg("-I").arg(root().join("tests/c"));
    if flavor != Flavor::Reference {
        cmd.arg("-I").arg(root().join("include"));
    }
    cmd.args(srcs);
    match flavor {
        Flavor::Reference => {}
        Flavor::Ours => {
            cmd.arg(&linux_library().archive);
        }
        Flavor::Redox => {
            cmd.arg(&redox_library().archive);
        }
    }
    cmd.args(["-lpthread", "-o"]).arg(out);
    let output = cmd.output().expect("the C compiler runs");
    assert!(
        output.status.success(),
        "compiling {srcs:?} ({}) failed:\n{}",
        flavor.name(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// What a finished program left behind.
#[derive(Debug)]
pub struct Run {
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
    /// Its exit code, or None when it was killed by a signal or hung.
    pub code: Option<i32>,
    /// Whether it had to be killed at the time limit.
    pub hung: bool,
}

/// Runs `cmd` in a new process group with output to files; on the time limit the whole group
/// is killed, and afterwards any leftover member of the group (a stopped tracee) is too.
pub fn run(mut cmd: Command, tag: &str) -> Run {
    use std::os::unix::process::CommandExt;
    let dir = work_dir().join("bin");
    let out_path = dir.join(format!("{tag}.out"));
    let err_path = dir.join(format!("{tag}.err"));
    let stdout = fs::File::create(&out_path).expect("create stdout file");
    let stderr = fs::File::create(&err_path).expect("create stderr file");
    cmd.stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .process_group(0);
    let mut child = cmd.spawn().expect("spawn the program");
    let pgid = child.id();
    let start = Instant::now();
    let mut hung = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the program") {
            break Some(status);
        }
        if start.elapsed() > TIME_LIMIT {
            hung = true;
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stderr(Stdio::null())
        .status();
    if hung {
        let _ = child.wait();
    }
    Run {
        stdout: fs::read_to_string(&out_path).unwrap_or_default(),
        stderr: fs::read_to_string(&err_path).unwrap_or_default(),
        code: status.and_then(|s| s.code()),
        hung,
    }
}

/// Whether `tests/c/expected/redox/<stem>.diff` holds a `!skip` line (after `# reason` lines):
/// the program waits for something v2020 cannot produce, so its Redox run is not made.
pub fn redox_skipped(stem: &str) -> bool {
    let path = root().join(format!("tests/c/expected/redox/{stem}.diff"));
    let text = fs::read_to_string(&path).unwrap_or_default();
    let mut reason = false;
    for line in text.lines() {
        if line.trim() == "!skip" {
            assert!(reason, "{}: `!skip` without a reason", path.display());
            eprintln!("{stem}: Redox run skipped, see {}", path.display());
            return true;
        }
        reason = line.starts_with('#');
    }
    false
}

/// Applies the documented differences of the Redox backend (`tests/c/expected/redox/<stem>.diff`)
/// to the Linux expectation. The file is a list of hunks, each introduced by one or more
/// `# reason` lines, then the `-` lines of the Linux output it replaces (consecutive, found in
/// order) and the `+` lines the Redox backend prints instead. A line `!exit N`, after its own
/// `# reason` lines, says the program ends with exit code N (a `CHECK` on a request Redox
/// cannot express). A hunk without a reason or without `-` lines, or whose lines are not
/// found, fails the test. Returns the expected output and exit code. `tests/c/redox-expected.awk`
/// applies the same rules for `make check REDOX=1` on a Redox machine; `tests/redox_expected.rs`
/// checks that both agree.
pub fn apply_redox_diff(stem: &str, expected: &str) -> (String, i32) {
    apply_diff_file(
        &root().join(format!("tests/c/expected/redox/{stem}.diff")),
        expected,
    )
}

/// Applies the difference file at `path`, in the format of [`apply_redox_diff`], to
/// `expected`; a missing file changes nothing. Also used for `tests/clients/expected/redox/`.
pub fn apply_diff_file(path: &Path, expected: &str) -> (String, i32) {
    let Ok(diff) = fs::read_to_string(path) else {
        return (expected.to_string(), 0);
    };
    let mut code = 0;
    let mut reason_pending = false;
    let mut out: Vec<String> = expected.lines().map(str::to_string).collect();
    let mut hunks: Vec<(bool, Vec<String>, Vec<String>)> = Vec::new();
    for line in diff.lines() {
        if let Some(n) = line.strip_prefix("!exit ") {
            assert!(
                reason_pending,
                "{}: `!exit` without a reason",
                path.display()
            );
            code = n.trim().parse().expect("`!exit N` takes a number");
            reason_pending = false;
            if let Some((reason, minus, plus)) = hunks.last()
                && minus.is_empty()
                && plus.is_empty()
                && *reason
            {
                hunks.pop();
            }
            continue;
        }
        reason_pending = line.starts_with('#');
        if line.starts_with('#') {
            match hunks.last_mut() {
                Some((reason, minus, plus)) if minus.is_empty() && plus.is_empty() => {
                    *reason = true
                }
                _ => hunks.push((true, Vec::new(), Vec::new())),
            }
        } else if let Some(rest) = line.strip_prefix('-') {
            match hunks.last_mut() {
                Some((_, minus, plus)) if plus.is_empty() => minus.push(rest.to_string()),
                _ => hunks.push((false, vec![rest.to_string()], Vec::new())),
            }
        } else if let Some(rest) = line.strip_prefix('+') {
            match hunks.last_mut() {
                Some((_, _, plus)) => plus.push(rest.to_string()),
                None => hunks.push((false, Vec::new(), vec![rest.to_string()])),
            }
        } else {
            assert!(
                line.trim().is_empty(),
                "{}: unexpected line {line:?}",
                path.display()
            );
        }
    }
    let mut from = 0;
    for (reason, minus, plus) in hunks {
        assert!(reason, "{}: a hunk has no `# reason` line", path.display());
        assert!(
            !minus.is_empty(),
            "{}: a hunk replaces nothing",
            path.display()
        );
        let at = (from..=out.len().saturating_sub(minus.len()))
            .find(|&i| out.get(i..i + minus.len()) == Some(minus.as_slice()))
            .unwrap_or_else(|| panic!("{}: lines not found: {minus:?}", path.display()));
        out.splice(at..at + minus.len(), plus.iter().cloned());
        from = at + plus.len();
    }
    let mut text = out.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    (text, code)
}

fn check(stem: &str, what: &str, run: &Run, expected: &str) {
    check_code(stem, what, run, expected, 0);
}

fn check_code(stem: &str, what: &str, run: &Run, expected: &str, code: i32) {
    assert!(
        !run.hung,
        "{stem} ({what}) hung; stdout so far:\n{}",
        run.stdout
    );
    assert!(
        run.code == Some(code) && run.stdout == expected,
        "{stem} ({what}) differs from the expectation (exit code {:?})\n--- expected\n{expected}--- actual\n{}--- stderr\n{}",
        run.code,
        run.stdout,
        run.stderr
    );
}

/// Builds `tests/c/<stem>.c` against the system libc and against our library, and checks that
/// the reference output is the committed expectation and that ours, statically linked and
/// preloaded, prints the same. `PTRACE_COMPAT_BLESS=1` rewrites the expectation from the
/// reference run, never from ours.
pub fn run_c_program(stem: &str) {
    let src = root().join(format!("tests/c/{stem}.c"));
    let bin = work_dir().join("bin");
    let expected_path = root().join(format!("tests/c/expected/{stem}.stdout"));

    let reference_bin = bin.join(format!("{stem}-libc"));
    compile(
        std::slice::from_ref(&src),
        &reference_bin,
        Flavor::Reference,
    );
    let reference = run(Command::new(&reference_bin), &format!("{stem}-libc"));
    if std::env::var_os("PTRACE_COMPAT_BLESS").is_some() && reference.code == Some(0) {
        fs::write(&expected_path, &reference.stdout).expect("write the expectation");
    }
    let expected = fs::read_to_string(&expected_path)
        .unwrap_or_else(|_| panic!("{} is missing", expected_path.display()));
    check(stem, "system libc", &reference, &expected);

    let ours_bin = bin.join(format!("{stem}-ours"));
    compile(&[src], &ours_bin, Flavor::Ours);
    let ours = run(Command::new(&ours_bin), &format!("{stem}-ours"));
    check(stem, "libptrace_compat.a", &ours, &expected);

    let mut preloaded = Command::new(&reference_bin);
    preloaded.env("LD_PRELOAD", &linux_library().shared);
    let preloaded = run(preloaded, &format!("{stem}-preload"));
    check(
        stem,
        "LD_PRELOAD libptrace_compat.so",
        &preloaded,
        &expected,
    );

    // The Redox backend under the emulator, unless its difference file says the program
    // cannot run there at all (`!skip`, with the reason).
    if !redox_skipped(stem) {
        let redox_bin = bin.join(format!("{stem}-redox"));
        compile(
            &[root().join(format!("tests/c/{stem}.c"))],
            &redox_bin,
            Flavor::Redox,
        );
        let mut cmd = Command::new(emulator());
        cmd.arg("--").arg(&redox_bin);
        let redox = run(cmd, &format!("{stem}-redox"));
        let (expected, code) = apply_redox_diff(stem, &expected);
        check_code(
            stem,
            "Redox backend under redox-proc-emu",
            &redox,
            &expected,
            code,
        );
    }
}
