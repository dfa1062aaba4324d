#!/usr/bin/env bash
# Runs every check of ptrace-compat: formatting, lints, docs, the Rust and C test suites, and
# the cross-builds for Redox. On a fresh Debian machine run it as root: it installs what it
# needs with apt-get and stops loudly if it cannot.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n==> %s\n' "$*"; }
die() { printf '\nERROR: %s\n' "$*" >&2; exit 1; }

# --- What the checks need -------------------------------------------------------------------
# gcc/g++/binutils: the C suite, the header test (C and C++) and nm; make, pkg-config: the
# install test (`make install`, then a tracer built with pkg-config alone); valgrind: the
# benchmark; rustc-web, cargo-web, rust-web-src: Debian's Rust with std sources, for
# -Zbuild-std cross-builds to Redox (rustup cannot add targets offline). Without rustup,
# Debian's Rust is the main toolchain too, and its rustfmt and clippy are needed. gdb, strace:
# the client tests (tests/clients/), with libc6-dbg, whose debug information their recorded
# Redox outcomes show in gdb's backtraces.
packages=(gcc g++ binutils make pkg-config valgrind rustc-web cargo-web rust-web-src
    gdb strace libc6-dbg)
command -v rustup >/dev/null || packages+=(rustfmt-web rust-web-clippy)
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

# The main toolchain: rustup's if present, else Debian's. Either way with rustfmt and clippy:
# a run without them fails rather than skipping the checks.
if ! command -v cargo >/dev/null; then
    [ -x /usr/bin/cargo ] || die "no cargo on PATH and Debian's cargo-web is missing"
    export PATH="/usr/bin:$PATH"
fi
cargo --version
if command -v rustup >/dev/null && ! { cargo fmt --version && cargo clippy --version; } >/dev/null 2>&1; then
    say "rustup component add rustfmt clippy"
    rustup component add rustfmt clippy || die "rustup could not add rustfmt and clippy"
fi
cargo fmt --version >/dev/null 2>&1 || die "cargo fmt is missing (rustup component add rustfmt, or Debian's rustfmt-web)"
cargo clippy --version >/dev/null 2>&1 || die "cargo clippy is missing (rustup component add clippy, or Debian's rust-web-clippy)"

# --- Checks ---------------------------------------------------------------------------------
say "cargo fmt --check"
cargo fmt --all --check
say "cargo clippy -D warnings"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy --lib -p ptrace-compat --features redox-emulator -- -D warnings

# The oldest Rust the workspace claims (rust-version in Cargo.toml). What sets it: let chains
# (`if let … && …`, stable in 1.88 with edition 2024; src/ and ctest/ use them), edition 2024
# (1.85), `unsafe extern` blocks and `#[unsafe(no_mangle)]` (1.82). Checked with that
# toolchain when rustup can install it (it needs the network); otherwise said so, loudly.
msrv=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)
if command -v rustup >/dev/null && rustup toolchain install "$msrv" --profile minimal >/dev/null 2>&1; then
    say "cargo +$msrv check (rust-version)"
    cargo "+$msrv" check --workspace --all-targets --target-dir target/msrv --quiet
else
    say "NOT CHECKED: rust-version $msrv (no rustup, or it cannot download Rust $msrv here);" \
        "the minimum is set by let chains, stable since 1.88 in edition 2024"
fi

say "cargo doc -D warnings"
RUSTDOCFLAGS=-Dwarnings cargo doc --workspace --no-deps --quiet

say "cross-builds: x86_64-unknown-redox, aarch64-unknown-redox, aarch64-unknown-linux-gnu"
cross() {
    RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc /usr/bin/cargo "$@" -Zbuild-std=core,alloc \
        --lib -p ptrace-compat --target-dir target/cross
}
# x86_64 Redox through `make install`, as a cookbook recipe builds it (README, "Redox builds"):
# header and static library staged in a sysroot layout. The archive may only need what
# relibc provides: C functions (pthreads and getpgid among them: relibc src/header/pthread/mod.rs,
# signal/mod.rs and unistd/mod.rs @63599227), and relibc's redox_*_v1 system call ABI.
stage="$PWD/target/cross/stage-x86_64-unknown-redox"
rm -rf "$stage"
make -s install TARGET=x86_64-unknown-redox PROFILE=dev PREFIX=/usr DESTDIR="$stage" \
    TARGET_DIR=target/cross CARGOFLAGS=-Zbuild-std=core,alloc \
    CARGO="env RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc /usr/bin/cargo"
unresolved=$(nm "$stage/usr/lib/libptrace_compat.a" 2>/dev/null | awk '
    $1 == "U" { u[$2] = 1 } NF == 3 && $2 != "U" { d[$3] = 1 }
    END { for (s in u) if (!(s in d)) print s }' |
    grep -Ev '^(abort|free|malloc|posix_memalign|mem(cmp|cpy|move|set)|strlen|getpgid|__errno_location|pthread_(create|detach|atfork|sigmask)|redox_[a-z_]+_v1)$' || true)
[ -z "$unresolved" ] || die "the Redox archive needs symbols relibc does not provide: $unresolved"
[ -f "$stage/usr/include/ptrace-compat/sys/ptrace.h" ] || die "no header staged for Redox"
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
