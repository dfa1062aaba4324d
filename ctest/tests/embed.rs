//! The rlib a libc embeds (README, "Embedding in a libc"): built without the `rt` feature it
//! brings no runtime of its own, so a libc with its own panic handler and allocator (relibc,
//! or the stand-in below) links it without duplicate language items or symbols.
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

/// `make embed-rlib`, the documented command, into `target/ctest/embed`.
fn embed_rlib() -> &'static Path {
    static RLIB: OnceLock<PathBuf> = OnceLock::new();
    RLIB.get_or_init(|| {
        let target_dir = work_dir().join("embed-target");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = Command::new("make")
            .current_dir(root())
            .arg("embed-rlib")
            .arg(format!("CARGO={cargo}"))
            .arg(format!("TARGET_DIR={}", target_dir.display()))
            .output()
            .expect("make runs");
        assert!(
            out.status.success(),
            "make embed-rlib failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        target_dir.join("embed/release/libptrace_compat.rlib")
    })
}

/// Names of the symbols `nm` lists as defined in `path`.
fn defined_symbols(path: &Path) -> Vec<String> {
    let out = Command::new("nm")
        .args(["--defined-only"])
        .arg(path)
        .output()
        .expect("nm runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().last().map(str::to_string))
        .collect()
}

/// The runtime pieces of `src/rt.rs`, as rustc names them (the allocator shim's names are
/// mangled with the `__rustc` crate prefix on current toolchains, hence `contains`).
const RUNTIME: [&str; 4] = [
    "rust_begin_unwind",
    "__rust_alloc",
    "__rg_alloc",
    "rust_eh_personality",
];

fn runtime_symbols(symbols: &[String]) -> Vec<&String> {
    symbols
        .iter()
        .filter(|s| RUNTIME.iter().any(|r| s.contains(r)))
        .collect()
}

#[test]
fn rlib_without_rt_defines_the_c_functions_and_no_runtime() {
    let symbols = defined_symbols(embed_rlib());
    for name in ["ptrace", "waitpid", "wait4", "wait"] {
        assert!(
            symbols.iter().any(|s| s == name),
            "{name} is not defined in the embeddable rlib"
        );
    }
    assert_eq!(
        runtime_symbols(&symbols),
        Vec::<&String>::new(),
        "the rlib built without `rt` defines runtime symbols"
    );
    // The check can see them: the default build (feature `rt`) does define them.
    let default = ptrace_compat_ctest::linux_library()
        .archive
        .with_file_name("libptrace_compat.rlib");
    assert!(
        !runtime_symbols(&defined_symbols(&default)).is_empty(),
        "no runtime symbols found in the default rlib either: the check is blind"
    );
}

/// A stand-in for a libc written in Rust: its own panic handler and allocator, our rlib linked
/// in; built as a static library and linked into a C program that calls our `ptrace`.
const MINI_LIBC: &str = r#"
#![no_std]
extern crate ptrace_compat;

use core::alloc::{GlobalAlloc, Layout};

struct NoAlloc;
// SAFETY: never hands out memory, which GlobalAlloc allows (a null return is a failure).
unsafe impl GlobalAlloc for NoAlloc {
    unsafe fn alloc(&self, _: Layout) -> *mut u8 { core::ptr::null_mut() }
    unsafe fn dealloc(&self, _: *mut u8, _: Layout) {}
}
#[global_allocator]
static A: NoAlloc = NoAlloc;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! { loop {} }

pub use ptrace_compat::header::sys_ptrace::ptrace;
"#;

#[test]
fn a_libc_with_its_own_runtime_links_the_rlib() {
    let rlib = embed_rlib();
    let dir = work_dir().join("embed");
    fs::create_dir_all(&dir).expect("mkdir");
    let src = dir.join("minilibc.rs");
    fs::write(&src, MINI_LIBC).expect("write");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let deps = rlib.parent().expect("rlib dir").join("deps");
    let out = Command::new(rustc)
        .args([
            "--edition=2024",
            "--crate-type=staticlib",
            "-Cpanic=abort",
            "-Copt-level=1",
            "--crate-name=minilibc",
        ])
        .arg(format!("--extern=ptrace_compat={}", rlib.display()))
        .arg("-L")
        .arg(format!("dependency={}", deps.display()))
        .arg("--out-dir")
        .arg(&dir)
        .arg(&src)
        .output()
        .expect("rustc runs");
    assert!(
        out.status.success(),
        "a no_std staticlib with its own runtime does not link the rlib:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // errno comes from the C library; ESRCH because pid 0x7fffffff is nobody's tracee.
    let c = dir.join("main.c");
    fs::write(
        &c,
        "#include <sys/ptrace.h>\n#include <errno.h>\n#include <stdio.h>\n\
         int main(void) {\n\
           long r = ptrace(PTRACE_CONT, 0x7fffffff, 0, 0);\n\
           printf(\"%ld %s\\n\", r, errno == ESRCH ? \"ESRCH\" : \"other\");\n\
           return 0;\n}\n",
    )
    .expect("write");
    let exe = dir.join("main");
    let out = c_compiler()
        .arg("-I")
        .arg(root().join("include"))
        .arg(&c)
        .arg(dir.join("libminilibc.a"))
        .arg("-o")
        .arg(&exe)
        .output()
        .expect("cc runs");
    assert!(
        out.status.success(),
        "linking the C program failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result = run(Command::new(&exe), "embed-main");
    assert_eq!(result.stdout, "-1 ESRCH\n", "stderr: {}", result.stderr);
}
