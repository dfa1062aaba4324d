#!/usr/bin/env bash
# Benchmark of the Redox backend under redox-proc-emu: scheme operations per ptrace request,
# and the syscall-stop rate of the emulated path against a plain Linux tracer. See
# docs/benchmarks.md ("Redox backend") for what is measured and the last figures.
#
#   scripts/bench-redox.sh                        # defaults: OPS_N=1000, STOPS=20000, ROUNDS=5
#   STOPS=50000 ROUNDS=9 scripts/bench-redox.sh
#   CC=clang scripts/bench-redox.sh
#
# 1. Operations: `redox-proc-emu -- redox_ops ops OPS_N` reads the emulator's STATS counters
#    of its own process before and after OPS_N calls of each request kind.
# 2. Rate: ROUNDS interleaved rounds of STOPS syscall stops (PTRACE_SYSCALL + waitpid) by
#    - linux:         redox_ops_linux (this file built without our library: glibc's ptrace),
#    - redox:         redox_ops under redox-proc-emu, tracee made with PTRACE_TRACEME,
#    - redox-attach:  the same, tracee attached with PTRACE_ATTACH;
#    the median stops/s of each and redox/linux. Everything runs on CPU 0 (taskset -c 0).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

OPS_N=${OPS_N:-1000}
STOPS=${STOPS:-20000}
ROUNDS=${ROUNDS:-5}
CPU=${CPU:-0}
OUT=target/bench-redox

die() { printf 'bench-redox.sh: %s\n' "$*" >&2; exit 1; }
command -v taskset >/dev/null || die "taskset is required (Debian: util-linux)"
for v in OPS_N STOPS ROUNDS; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer"
done
[[ $CPU =~ ^[0-9]+$ ]] || die "CPU must be a CPU number"

cargo build --release -p redox-proc-emu
cargo build --release --lib -p ptrace-compat --features redox-emulator --target-dir "$OUT"
EMU=target/release/redox-proc-emu
[[ -x $EMU ]] || die "$EMU was not built"

CFLAGS=(-O2 -g -Wall -Wextra -Werror)
"${CC:-cc}" "${CFLAGS[@]}" -I include bench/redox_ops.c "$OUT/release/libptrace_compat.a" \
    -lpthread -o "$OUT/redox_ops"
"${CC:-cc}" "${CFLAGS[@]}" -DREDOX_OPS_PLAIN bench/redox_ops.c -o "$OUT/redox_ops_linux"

pin() { taskset -c "$CPU" "$@"; }

printf '\n== scheme operations per request (taskset -c %s %s -- redox_ops ops %s)\n' \
    "$CPU" "$EMU" "$OPS_N"
pin "$EMU" -- "$OUT/redox_ops" ops "$OPS_N"

# One round of one variant: prints its stops/s.
round() {
    local out
    case $1 in
    linux) out=$(pin "$OUT/redox_ops_linux" rate "$STOPS" traceme) ;;
    redox) out=$(pin "$EMU" -- "$OUT/redox_ops" rate "$STOPS" traceme) ;;
    redox-attach) out=$(pin "$EMU" -- "$OUT/redox_ops" rate "$STOPS" attach) ;;
    esac || die "round of $1 failed"
    [[ $out =~ ^rate\ ([0-9.]+)$ ]] || die "unexpected output of $1: $out"
    printf '%s\n' "${BASH_REMATCH[1]}"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf '\n== syscall stops per second (PTRACE_SYSCALL + waitpid; %s stops x %s rounds, CPU %s)\n' \
    "$STOPS" "$ROUNDS" "$CPU"
variants=(linux redox redox-attach)
declare -A rates
for ((r = 0; r < ROUNDS; r++)); do
    line="  round $((r + 1)):"
    for ((k = 0; k < ${#variants[@]}; k++)); do
        v=${variants[(r + k) % ${#variants[@]}]} # rotate the order from round to round
        x=$(round "$v")
        rates[$v]+="$x "
        line+=" $v $x"
    done
    printf '%s\n' "$line"
done
declare -A med
for v in "${variants[@]}"; do
    med[$v]=$(printf '%s\n' ${rates[$v]} | median)
    printf '  %-13s median %10.1f stops/s\n' "$v" "${med[$v]}"
done
awk -v l="${med[linux]}" -v r="${med[redox]}" -v a="${med[redox-attach]}" 'BEGIN {
    printf "  redox/linux        %.3f   (goal >= 0.25: %s)\n", r / l, (r / l >= 0.25) ? "met" : "NOT met"
    printf "  redox-attach/linux %.3f\n", a / l
}'
