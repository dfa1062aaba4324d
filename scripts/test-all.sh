#!/usr/bin/env bash
# Runs every check of ptrace-compat: formatting, lints, docs, the Rust and C test suites, and
# the cross-builds for Redox. On a fresh Debian machine run it as root: it installs what it
# needs with apt-get and stops loudly if it cannot.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n==> %s\n' "$*"; }
die() { printf '\nERROR: %s\n' "$*" >&2; exit 1; }

# --- What the checks need -------------------------------------------------------------------
# gcc/g++/binutils: the C suite, the header test (C and C++) and nm; valgrind: the benchmark;
# rustc-web, cargo-web, rust-web-src: Debian's Rust with std sources, for -Zbuild-std
# cross-builds to Redox (rustup cannot add targets offline).
packages=(gcc g++ binutils make valgrind rustc-web cargo-web rust-web-src)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
    say "installing: ${missing[*]}"
    [ "$(id -u)" = 0 ] || die "missing packages (${missing[*]}); run as root or install them"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || die "apt-get update failed"
    apt-get install -y -qq "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
fi

# The main toolchain: rustup's if present, else Debian's (then without rustfmt/clippy).
if ! command -v cargo >/dev/null; then
    [ -x /usr/bin/cargo ] || die "no cargo on PATH and Debian's cargo-web is missing"
    export PATH="/usr/bin:$PATH"
fi
cargo --version

# --- Checks ---------------------------------------------------------------------------------
if cargo fmt --version >/dev/null 2>&1; then
    say "cargo fmt --check"
    cargo fmt --all --check
else
    say "SKIPPED cargo fmt: rustfmt is not installed with this toolchain"
fi
if cargo clippy --version >/dev/null 2>&1; then
    say "cargo clippy -D warnings"
    cargo clippy --workspace --all-targets -- -D warnings
    cargo clippy --lib -p ptrace-compat --features redox-emulator -- -D warnings
else
    say "SKIPPED cargo clippy: clippy is not installed with this toolchain"
fi

say "cargo doc -D warnings"
RUSTDOCFLAGS=-Dwarnings cargo doc --workspace --no-deps --quiet

say "cross-builds: x86_64-unknown-redox, aarch64-unknown-redox, aarch64-unknown-linux-gnu"
cross() {
    RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc /usr/bin/cargo "$@" -Zbuild-std=core,alloc \
        --lib -p ptrace-compat --target-dir target/cross
}
cross build --target x86_64-unknown-redox
cross build --target aarch64-unknown-redox
# No aarch64 linker here, so only the archive (the .so would need gcc-aarch64-linux-gnu); this
# is what compiles the aarch64 Linux backend's asm.
cross rustc --target aarch64-unknown-linux-gnu --crate-type staticlib

say "cargo test --workspace"
cargo test --workspace
say "unit tests of the Redox backend (built on Linux with the emulator client)"
cargo test -p ptrace-compat --features redox-emulator --lib
say "aarch64: the C suite and the header on an arm64 kernel under qemu"
bash scripts/test-aarch64.sh
