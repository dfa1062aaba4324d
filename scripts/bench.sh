#!/usr/bin/env bash
# Benchmark of ptrace(PTRACE_PEEKDATA): ours (libptrace_compat.a) against glibc's ptrace and
# the raw system call. See docs/benchmarks.md for what is measured and the last figures.
#
#   scripts/bench.sh                 # defaults: 20000 calls x 51 rounds, K = 1000 and 11000
#   CALLS=50000 ROUNDS=101 scripts/bench.sh
#   CC=clang scripts/bench.sh
#
# 1. Time: bench/peek.c pinned to CPU 0 (taskset) times the three variants in interleaved
#    rounds and prints the median ns/call of each.
# 2. Instructions: for each variant, callgrind counts the user-space instructions of a run that
#    makes K1 calls and of one that makes K2; (total(K2) - total(K1)) / (K2 - K1) is the cost
#    of one call (loop included), start-up and tear-down cancel out.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CALLS=${CALLS:-20000}
ROUNDS=${ROUNDS:-51}
K1=${K1:-1000}
K2=${K2:-11000}

die() { printf 'bench.sh: %s\n' "$*" >&2; exit 1; }
for tool in taskset valgrind; do
    command -v "$tool" >/dev/null || die "$tool is required (Debian: util-linux, valgrind)"
done

cargo build --release --lib -p ptrace-compat
mkdir -p target/bench
"${CC:-cc}" -O2 -g -Wall -Wextra -I include bench/peek.c target/release/libptrace_compat.a \
    -o target/bench/peek

printf '\n== time (taskset -c 0 target/bench/peek time %s %s)\n' "$CALLS" "$ROUNDS"
taskset -c 0 target/bench/peek time "$CALLS" "$ROUNDS"

# Prints the callgrind instruction total of `peek count $1 $2`.
instructions() {
    local out=target/bench/callgrind.$1.$2 pid
    rm -f "$out".*
    valgrind --tool=callgrind --callgrind-out-file="$out.%p" \
        target/bench/peek count "$1" "$2" 2>/dev/null &
    pid=$!
    wait "$pid" || die "peek count $1 $2 failed under valgrind"
    # Only the benchmark's own file: the tracee is killed before callgrind can write one.
    awk '/^totals:/ { print $2 }' "$out.$pid"
}

printf '\n== user-space instructions per call (callgrind, K = %s and %s)\n' "$K1" "$K2"
declare -A per_call
for v in ours glibc raw; do
    a=$(instructions "$v" "$K1")
    b=$(instructions "$v" "$K2")
    per_call[$v]=$(awk -v a="$a" -v b="$b" -v k1="$K1" -v k2="$K2" \
        'BEGIN { printf "%.2f", (b - a) / (k2 - k1) }')
    printf '  %-6s %8s   (totals %s, %s)\n' "$v" "${per_call[$v]}" "$a" "$b"
done
awk -v o="${per_call[ours]}" -v g="${per_call[glibc]}" -v r="${per_call[raw]}" \
    'BEGIN { printf "  ours/raw   %.3f\n  ours/glibc %.3f\n", o / r, o / g }'
printf '  (each figure includes the same benchmark loop; callgrind_annotate %s shows the split)\n' \
    "target/bench/callgrind.ours.$K2.<pid>"
