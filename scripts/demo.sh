#!/usr/bin/env bash
# Builds libptrace_compat and examples/minitrace.c against it, then traces a small shell
# command with it (following forks). The trace goes to stderr, the command's output to stdout.
#
#   scripts/demo.sh                      # the default command below
#   scripts/demo.sh ls -l /              # any other command
#   CC=clang scripts/demo.sh             # another C compiler
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cargo build --release --lib -p ptrace-compat
mkdir -p target
"${CC:-cc}" -O2 -Wall -Wextra -I include examples/minitrace.c \
    target/release/libptrace_compat.a -o target/minitrace

if (($# == 0)); then
    set -- /bin/sh -c 'echo hello from the tracee; ls / > /dev/null'
fi
status=0
target/minitrace -f "$@" || status=$?
printf '\n==> traced command exited with status %d\n' "$status" >&2
exit "$status"
