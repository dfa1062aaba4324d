#!/usr/bin/env bash
# Differential fuzzer of ptrace-compat (tests/fuzz/fuzz.c; method in docs/fuzzing.md).
#
#   bash scripts/fuzz.sh [--calls N] [--seed S] [--backend linux|redox|both] [--out DIR]
#                        [--traceme-wait-ms W]
#
# Runs calls 0..N-1 of seed S three times and compares the logs call by call:
#   ref.log    the kernel: `fuzz run --raw` (syscall(SYS_ptrace), glibc's PEEK convention)
#   linux.log  our library, Linux backend; must be identical to ref.log (no mismatch, crash
#              or hang)
#   redox.log  our library, Redox backend, under redox-proc-emu; every mismatch must be
#              documented (docs/redox-gaps.md, the table in fuzz.c) or listed in
#              tests/fuzz/redox-known.txt, and so must every crash or hang class
# The smoke run of `bash scripts/test-all.sh` is ctest/tests/fuzz.rs: --calls 2000 --seed 1.
set -euo pipefail
cd "$(dirname "$0")/.."

calls=2000 seed=1 backend=both out=target/fuzz traceme_wait=1000
while (($#)); do
    case "$1" in
    --calls) calls=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --backend) backend=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --traceme-wait-ms) traceme_wait=$2; shift 2 ;;
    *) echo "usage: $0 [--calls N] [--seed S] [--backend linux|redox|both] [--out DIR]" >&2; exit 2 ;;
    esac
done
case "$backend" in linux | redox | both) ;; *) echo "bad --backend $backend" >&2; exit 2 ;; esac

cargo=${CARGO:-cargo}
cc=${CC:-cc}
mkdir -p "$out"
# The same target directories as the ctest harness (ctest/src/lib.rs), so builds are shared.
build_lib() { # name [features]
    "$cargo" build --quiet --release --lib -p ptrace-compat --target-dir "target/ctest/$1" \
        ${2:+--features "$2"}
}
compile() { # archive output
    "$cc" -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g -I tests/c -I include tests/fuzz/fuzz.c "$1" \
        -lpthread -o "$2"
}
# A generous wall-clock limit per run; fuzz.c has its own per-call limits (a TRACEME child
# that cannot run on costs --traceme-wait-ms).
limit=$((120 + calls / 20 + calls * traceme_wait / 30000))

build_lib linux
compile target/ctest/linux/release/libptrace_compat.a "$out/fuzz-linux"
start=$(date +%s)
timeout -k 10 "$limit" "$out/fuzz-linux" run --raw --seed "$seed" --calls "$calls" --traceme-wait-ms "$traceme_wait" -o "$out/ref.log"
echo "reference (kernel) run: $(($(date +%s) - start)) s"

status=0
if [ "$backend" != redox ]; then
    start=$(date +%s)
    timeout -k 10 "$limit" "$out/fuzz-linux" run --seed "$seed" --calls "$calls" --traceme-wait-ms "$traceme_wait" -o "$out/linux.log"
    echo "== Linux backend vs kernel: seed $seed, $calls calls, $(($(date +%s) - start)) s"
    "$out/fuzz-linux" compare --strict "$out/ref.log" "$out/linux.log" || status=1
fi
if [ "$backend" != linux ]; then
    build_lib redox redox-emulator
    "$cargo" build --quiet --release -p redox-proc-emu --target-dir target/ctest/emu
    compile target/ctest/redox/release/libptrace_compat.a "$out/fuzz-redox"
    start=$(date +%s)
    # Each worker under an emulator of its own (--wrap): when a worker crashes, its emulator
    # exits and takes the worker's tracees with it.
    timeout -k 10 "$limit" "$out/fuzz-redox" run --wrap target/ctest/emu/release/redox-proc-emu \
        --seed "$seed" --calls "$calls" --traceme-wait-ms "$traceme_wait" -o "$out/redox.log"
    echo "== Redox backend (redox-proc-emu) vs kernel: seed $seed, $calls calls, $(($(date +%s) - start)) s"
    "$out/fuzz-linux" compare --known tests/fuzz/redox-known.txt "$out/ref.log" "$out/redox.log" ||
        status=1
fi
exit "$status"
