//! `make install` gives what a C developer expects of a library (README, "Installing and
//! linking a tracer against it"): our header under `include/ptrace-compat/`, a static archive
//! without debug information, a shared object with a SONAME and the usual symlinks, and a
//! `ptrace-compat.pc` with which `pkg-config --cflags --libs` alone builds a working tracer
//! whose `ptrace` and `waitpid` are ours. Installed into a temporary DESTDIR, found with
//! PKG_CONFIG_PATH and PKG_CONFIG_SYSROOT_DIR (pkg-config(1)).
// Test code: a failed expectation panics, which is how a Rust test fails.
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

use ptrace_compat_ctest::{c_compiler, root, run, work_dir};

const PREFIX: &str = "/usr/local";

/// Runs `make install` once into `target/ctest/install/stage`; returns the DESTDIR.
fn destdir() -> &'static Path {
    static STAGE: OnceLock<PathBuf> = OnceLock::new();
    STAGE.get_or_init(|| {
        let stage = work_dir().join("install/stage");
        let _ = fs::remove_dir_all(&stage);
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = Command::new("make")
            .current_dir(root())
            .arg("install")
            .arg(format!("PREFIX={PREFIX}"))
            .arg(format!("DESTDIR={}", stage.display()))
            .arg(format!("CARGO={cargo}"))
            // The build the other ctest tests use (lib.rs `linux_library`), not a third one.
            .arg(format!("TARGET_DIR={}", work_dir().join("linux").display()))
            .output()
            .expect("make runs");
        assert!(
            out.status.success(),
            "make install failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        stage
    })
}

fn libdir() -> PathBuf {
    destdir().join(&PREFIX[1..]).join("lib")
}

/// `pkg-config ARGS ptrace-compat` against the staged installation, split into arguments.
fn pkg_config(args: &[&str]) -> Vec<String> {
    let out = Command::new("pkg-config")
        .args(args)
        .arg("ptrace-compat")
        .env("PKG_CONFIG_PATH", libdir().join("pkgconfig"))
        .env("PKG_CONFIG_SYSROOT_DIR", destdir())
        .output()
        .expect("pkg-config runs (scripts/test-all.sh installs it)");
    assert!(
        out.status.success(),
        "pkg-config {args:?} ptrace-compat failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

#[test]
fn install_puts_the_header_apart_and_the_libraries_with_their_links() {
    let stage = destdir();
    let header = stage
        .join(&PREFIX[1..])
        .join("include/ptrace-compat/sys/ptrace.h");
    assert_eq!(
        fs::read(&header).expect("installed header"),
        fs::read(root().join("include/sys/ptrace.h")).expect("include/sys/ptrace.h"),
        "{} is not include/sys/ptrace.h",
        header.display()
    );
    let lib = libdir();
    // The ELF convention (ld.so(8), ldconfig(8)): the link-time name points at the SONAME,
    // which points at the versioned file.
    assert_eq!(
        fs::read_link(lib.join("libptrace_compat.so")).expect("libptrace_compat.so is a link"),
        Path::new("libptrace_compat.so.0")
    );
    let real = fs::read_link(lib.join("libptrace_compat.so.0")).expect(".so.0 is a link");
    let real = real.to_string_lossy().into_owned();
    assert!(
        real.starts_with("libptrace_compat.so.0.") && lib.join(&real).is_file(),
        "libptrace_compat.so.0 -> {real}"
    );
    let dynamic = Command::new("readelf")
        .arg("-d")
        .arg(lib.join(&real))
        .output()
        .expect("readelf runs");
    assert!(
        String::from_utf8_lossy(&dynamic.stdout)
            .contains("Library soname: [libptrace_compat.so.0]"),
        "no SONAME libptrace_compat.so.0 in {real}"
    );
    // No debug sections in what is shipped (the archive is mostly Rust's core otherwise).
    for file in [lib.join("libptrace_compat.a"), lib.join(&real)] {
        let sections = Command::new("objdump")
            .arg("-h")
            .arg(&file)
            .output()
            .expect("objdump runs");
        let sections = String::from_utf8_lossy(&sections.stdout);
        assert!(
            !sections.contains(".debug_") && !sections.contains(".llvmbc"),
            "{} carries debug information or LLVM bitcode",
            file.display()
        );
    }
}

#[test]
fn pkg_config_alone_builds_a_tracer_that_uses_our_header_and_library() {
    let cflags_libs = pkg_config(&["--cflags", "--libs"]);
    let dir = work_dir().join("install");
    let lib = libdir();

    // Which <sys/ptrace.h> the flags select: the compiler's dependency list says (cpp -M).
    let probe = dir.join("probe.c");
    fs::write(
        &probe,
        "#include <sys/ptrace.h>\nint main(void) { return 0; }\n",
    )
    .expect("write");
    let deps = c_compiler()
        .arg("-M")
        .args(pkg_config(&["--cflags"]))
        .arg(&probe)
        .output()
        .expect("cc -M");
    let deps = String::from_utf8_lossy(&deps.stdout).into_owned();
    let ptrace_headers: Vec<&str> = deps
        .split_whitespace()
        .filter(|w| w.ends_with("sys/ptrace.h"))
        .collect();
    assert_eq!(
        ptrace_headers,
        [destdir()
            .join("usr/local/include/ptrace-compat/sys/ptrace.h")
            .to_string_lossy()
            .as_ref()],
        "pkg-config --cflags does not select our header first"
    );

    // The demo tracer, built with the C compiler and pkg-config's flags and nothing else.
    let tracer = dir.join("minitrace");
    let out = c_compiler()
        .arg(root().join("examples/minitrace.c"))
        .args(&cflags_libs)
        .arg("-o")
        .arg(&tracer)
        .output()
        .expect("cc runs");
    assert!(
        out.status.success(),
        "building minitrace with {cflags_libs:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // It records our SONAME, before the C library's (so ptrace and waitpid resolve to ours).
    let needed = Command::new("readelf")
        .arg("-d")
        .arg(&tracer)
        .output()
        .expect("readelf runs");
    let needed: Vec<String> = String::from_utf8_lossy(&needed.stdout)
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .map(str::to_string)
        .collect();
    let ours = needed
        .iter()
        .position(|l| l.contains("[libptrace_compat.so.0]"));
    let libc = needed.iter().position(|l| l.contains("[libc.so"));
    assert!(
        matches!((ours, libc), (Some(o), Some(c)) if o < c),
        "DT_NEEDED: {needed:?}"
    );

    // And it runs, tracing a real program, with ptrace and waitpid bound to the installed .so.
    let mut cmd = Command::new(&tracer);
    cmd.args(["/bin/sh", "-c", "exit 5"])
        .env("LD_LIBRARY_PATH", &lib)
        .env("LD_DEBUG", "bindings");
    let result = run(cmd, "installed-minitrace");
    assert_eq!(result.code, Some(5), "trace:\n{}", result.stderr);
    for expected in ["[p1] execve(\"/bin/sh\"", "[p1] +++ exited with 5 +++\n"] {
        assert!(
            result.stderr.contains(expected),
            "no {expected:?} in:\n{}",
            result.stderr
        );
    }
    for symbol in ["ptrace", "waitpid"] {
        assert!(
            result
                .stderr
                .lines()
                .any(|l| l.contains("libptrace_compat.so.0")
                    && l.contains(&format!("symbol `{symbol}'"))),
            "{symbol} was not bound to the installed libptrace_compat.so.0:\n{}",
            result.stderr
        );
    }
}
