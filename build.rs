//! Gives the shared library its SONAME, so that programs linked against it record
//! `libptrace_compat.so.0` and keep working across compatible updates (the `make install`
//! symlinks `libptrace_compat.so -> .so.0 -> .so.0.1.0` follow the usual ELF convention, see
//! ld(1) `-soname` and the Program Library HOWTO, "Shared Libraries").
//!
//! `cargo:rustc-cdylib-link-arg` applies to the cdylib only, so a plain `cargo build` produces
//! the right object and the static archive and rlib are untouched.

/// The ABI version in the SONAME. Bump it when the C ABI changes incompatibly (an exported
/// function removed or given another signature, a structure's layout changed); the Makefile's
/// `SOVERSION` must agree (the install test checks the installed object's SONAME).
const ABI_MAJOR: &str = "0";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // Both ELF platforms we build for link with a GNU-compatible driver (cc / the Redox gcc).
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" || os == "redox" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libptrace_compat.so.{ABI_MAJOR}");
    }
}
