#!/usr/bin/env bash
# Attaches a tool to a running program, as a user does: starts `sleeper` (without the
# preloaded libraries), waits until it sleeps in pause(), then runs the tool with
# LD_PRELOAD="$CLIENT_PRELOAD" against its pid:
#
#   attach.sh gdb SLEEPER COMMANDS.gdb    gdb -batch -nx -p PID -x COMMANDS.gdb
#   attach.sh strace SLEEPER              strace -o trace -p PID, then SIGINT to strace
#
# and reports how the sleeper ended. Run from the scenario's directory by
# ctest/tests/clients.rs, which kills everything left in the session at its time limit.
set -euo pipefail
tool=$1 sleeper=$2
rm -f sleeper.pid
"$sleeper" "$PWD/sleeper.pid" &
pid=$!
# The pid file is written just before pause(); the process state says when it sleeps there.
while ! [ -s sleeper.pid ] || [ "$(cut -d' ' -f3 "/proc/$pid/stat")" != S ]; do
    sleep 0.01
done
case $tool in
gdb)
    LD_PRELOAD=${CLIENT_PRELOAD:-} gdb -batch -nx -p "$pid" -x "$3" || echo "gdb exited with $?"
    ;;
strace)
    LD_PRELOAD=${CLIENT_PRELOAD:-} strace -o trace -p "$pid" 2>strace.err &
    tracer=$!
    while ! grep -qs attached strace.err; do
        kill -0 "$tracer" 2>/dev/null || break
        sleep 0.01
    done
    # Let it see the sleeper's pause() before the interrupt.
    sleep 0.2
    kill -INT "$tracer"
    status=0
    wait "$tracer" || status=$?
    cat strace.err >&2
    echo "strace exited with $status"
    ;;
esac
# Still running (detached) or already gone (killed by the tool)?
state=$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null || echo gone)
case $state in
Z | gone) echo "sleeper gone after $tool" ;;
*) echo "sleeper still running after $tool" ;;
esac
kill -TERM "$pid" 2>/dev/null || true
status=0
wait "$pid" || status=$?
echo "sleeper ended with status $status"
