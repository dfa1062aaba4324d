//! `examples/minitrace.c`, a small strace-like tracer, run as a real client of the library:
//! built against `libptrace_compat.a` and against the system libc alone, it must report the
//! traced program's system calls and exit status, follow forks with `-f`, and, linked against
//! glibc but with `libptrace_compat.so` preloaded, print exactly what the static build prints.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use ptrace_compat_ctest::{Run, c_compiler, linux_library, root, run, work_dir};

/// A program whose system calls do not depend on the C library or on the environment: it
/// writes "hello\n" and calls `exit_group(3)`. Static and without libc, so an `LD_PRELOAD`
/// inherited from the tracer does not change what it does.
const TRACEE_C: &str = r#"
#include <sys/syscall.h>

static long sys3(long n, long a, long b, long c)
{
#if defined(__x86_64__)
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return r;
#elif defined(__aarch64__)
    register long x8 __asm__("x8") = n, x0 __asm__("x0") = a, x1 __asm__("x1") = b,
                  x2 __asm__("x2") = c;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
    return x0;
#endif
}

void _start(void)
{
    static const char msg[] = "hello\n";
    sys3(SYS_write, 1, (long)msg, sizeof msg - 1);
    for (;;)
        sys3(SYS_exit_group, 3, 0, 0);
}
"#;

fn bin_dir() -> PathBuf {
    let dir = work_dir().join("demo");
    fs::create_dir_all(&dir).expect("create target/ctest/demo");
    dir
}

fn compile(mut cmd: Command, what: &str) {
    let output = cmd.output().expect("the C compiler runs");
    assert!(
        output.status.success(),
        "compiling {what} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// minitrace linked against `libptrace_compat.a` (`ours`) or against the C library only. Both
/// file names have the same length, so the two binaries start with identically laid-out stacks.
fn minitrace(ours: bool) -> &'static Path {
    static OURS: OnceLock<PathBuf> = OnceLock::new();
    static LIBC: OnceLock<PathBuf> = OnceLock::new();
    let cell = if ours { &OURS } else { &LIBC };
    cell.get_or_init(|| {
        let out = bin_dir().join(if ours {
            "minitrace-ours"
        } else {
            "minitrace-libc"
        });
        let mut cmd = c_compiler();
        if ours {
            cmd.arg("-I").arg(root().join("include"));
        }
        cmd.arg(root().join("examples/minitrace.c"));
        if ours {
            cmd.arg(&linux_library().archive);
        }
        cmd.arg("-o").arg(&out);
        compile(
            cmd,
            &format!("minitrace ({})", if ours { "ours" } else { "libc" }),
        );
        out
    })
}

/// The static, libc-free tracee built from [`TRACEE_C`].
fn tracee() -> &'static Path {
    static TRACEE: OnceLock<PathBuf> = OnceLock::new();
    TRACEE.get_or_init(|| {
        let dir = bin_dir();
        let src = dir.join("tracee.c");
        fs::write(&src, TRACEE_C).expect("write tracee.c");
        let out = dir.join("tracee");
        let mut cmd = c_compiler();
        cmd.args([
            "-static",
            "-nostdlib",
            "-ffreestanding",
            "-fno-stack-protector",
        ])
        .arg(&src)
        .arg("-o")
        .arg(&out);
        compile(cmd, "the tracee");
        out
    })
}

fn trace(tracer: &Path, args: &[&str], tag: &str) -> Run {
    let mut cmd = Command::new(tracer);
    cmd.args(args);
    let result = run(cmd, tag);
    assert!(!result.hung, "{tag} hung; its trace:\n{}", result.stderr);
    result
}

#[test]
fn minitrace_reports_syscalls_and_exit_status() {
    for ours in [true, false] {
        let tag = format!("minitrace-exit3-{}", if ours { "ours" } else { "libc" });
        let result = trace(minitrace(ours), &["/bin/sh", "-c", "exit 3"], &tag);
        let trace = &result.stderr;
        assert_eq!(
            result.code,
            Some(3),
            "{tag}: wrong exit status; trace:\n{trace}"
        );
        // What strace prints for the same command: execve's path and argv as strings (read
        // from the tracee with PTRACE_PEEKDATA), exit_group with its one argument and no
        // return, then the exit.
        for expected in [
            "[p1] execve(\"/bin/sh\", [\"/bin/sh\", \"-c\", \"exit 3\"], 0x",
            "[p1] exit_group(3) = ?\n",
            "[p1] +++ exited with 3 +++\n",
        ] {
            assert!(
                trace.contains(expected),
                "{tag}: no {expected:?} in:\n{trace}"
            );
        }
        assert!(
            !trace.contains("[p2]"),
            "{tag}: a second process without -f:\n{trace}"
        );
        assert_eq!(result.stdout, "", "{tag}: the trace leaked into stdout");
    }
}

#[test]
fn minitrace_without_program_prints_usage() {
    let result = trace(minitrace(true), &[], "minitrace-usage");
    assert_eq!(result.code, Some(2));
    assert!(result.stderr.starts_with("usage: "), "{}", result.stderr);
}

#[test]
fn minitrace_follows_forks() {
    let result = trace(
        minitrace(true),
        &["-f", "/bin/sh", "-c", "/bin/true; exit 0"],
        "minitrace-follow",
    );
    let trace = &result.stderr;
    assert_eq!(result.code, Some(0), "wrong exit status; trace:\n{trace}");
    for expected in [
        "[p2] execve(",
        "[p2] +++ exited with 0 +++\n",
        "[p1] --- SIGCHLD ---\n",
        "[p1] +++ exited with 0 +++\n",
    ] {
        assert!(trace.contains(expected), "no {expected:?} in:\n{trace}");
    }
}

/// The acceptance check for the shared library: a tracer linked against glibc, with our `.so`
/// preloaded, behaves exactly like the one with our archive linked in.
///
/// The traces contain addresses (execve's arguments point into the tracer's stack), so both
/// runs disable address randomisation (`setarch -R`) and get environments of the same size:
/// the static build gets a variable as long as the `LD_PRELOAD` entry the other one gets.
#[test]
fn preloaded_library_traces_like_the_static_build() {
    let shared = linux_library()
        .shared
        .to_str()
        .expect("UTF-8 path")
        .to_owned();
    let tracee = tracee().to_str().expect("UTF-8 path").to_owned();
    let go = |ours: bool| {
        let mut cmd = Command::new("setarch");
        cmd.arg("-R")
            .arg(minitrace(ours))
            .arg(&tracee)
            .env_clear()
            .env("PATH", "/usr/bin:/bin");
        if ours {
            cmd.env("NO_PRELOAD", &shared);
        } else {
            cmd.env("LD_PRELOAD", &shared);
        }
        let tag = format!(
            "minitrace-tracee-{}",
            if ours { "static" } else { "preload" }
        );
        let result = run(cmd, &tag);
        assert!(!result.hung, "{tag} hung; its trace:\n{}", result.stderr);
        assert_eq!(result.code, Some(3), "{tag}: trace:\n{}", result.stderr);
        assert_eq!(result.stdout, "hello\n", "{tag}: the tracee's output");
        result.stderr
    };
    let static_trace = go(true);
    let preload_trace = go(false);
    // The tracee's two system calls, as the kernel sees them: write(2) of "hello\n" (6 bytes,
    // all written) to standard output, then exit_group(3), which does not return.
    assert!(
        static_trace.starts_with("[p1] execve(\"")
            && static_trace.contains(" /* 2 vars */) = 0\n")
            && static_trace.contains("\n[p1] write(1, \"hello\\n\", 6) = 6\n")
            && static_trace.ends_with("[p1] exit_group(3) = ?\n[p1] +++ exited with 3 +++\n"),
        "unexpected trace:\n{static_trace}"
    );
    // And the preloaded run did go through our library: the dynamic linker bound `ptrace` and
    // `waitpid` of the glibc-linked binary to the `.so`.
    let mut cmd = Command::new(minitrace(false));
    cmd.arg(&tracee)
        .env("LD_PRELOAD", &shared)
        .env("LD_DEBUG", "bindings");
    let bindings = run(cmd, "minitrace-tracee-bindings").stderr;
    for symbol in ["ptrace", "waitpid"] {
        assert!(
            bindings
                .lines()
                .any(|l| l.contains(&shared) && l.contains(&format!("symbol `{symbol}'"))),
            "{symbol} was not bound to {shared}:\n{bindings}"
        );
    }
    assert_eq!(
        preload_trace, static_trace,
        "LD_PRELOAD=libptrace_compat.so under a glibc-linked tracer traced differently"
    );
}
