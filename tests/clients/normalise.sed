# Normalisation of a client run's output (sed -E), applied to the plain tool's run and to the
# runs with our library alike, after the harness (ctest/tests/clients.rs) has renamed process
# and thread ids (PID1, PID2, ... in numeric order) and, for strace, grouped lines per process
# and summarised `-c` tables. Only values that vary from run to run are replaced.

# Addresses: hexadecimal numbers of 6 digits or more (code, stack, heap and mmap addresses,
# pthread_t values, pointers in strace's arguments). Shorter ones (offsets, flags) are kept.
s/0x[0-9a-f]{6,}/0xADDR/g
# strace -i: the instruction pointer in brackets, without 0x.
s/\[[0-9a-f]{12,16}\]/[ADDR]/g
# strace: CPU times in SIGCHLD's siginfo (clock ticks used by the child).
s/si_utime=[0-9]+, si_stime=[0-9]+/si_utime=N, si_stime=N/g
# strace: the random bytes glibc's start-up asks getrandom for.
s/getrandom\("([^"\\]|\\.)*"(\.\.\.)?/getrandom("RANDOM"/g
# strace: the padding before ` = result`, which depends on how the line was put together
# (a call printed whole, or `<unfinished ...>` and `<... resumed>` joined by the harness).
s/([^ ]) {2,}= /\1 = /g
# Trailing blanks (gdb pads table columns to the longest entry, e.g. the executable's path,
# whose length depends on where the checkout is).
s/[ \t]+$//
# strace: getcwd's result is the length of the run directory's path, which depends on where
# the checkout is (the path itself is already ROOT/...).
s/(getcwd\("ROOT[^"]*", [0-9]+\)) = [0-9]+/\1 = LEN/
# gdb `info registers`: a register holding an address shows it in hexadecimal (above) and, in
# its natural column, in decimal; for stack addresses that depends on the size of what is on
# the stack (the program's path), so the decimal form goes too.
s/^([a-z][a-z0-9_]* 0xADDR) [0-9]+$/\1 ADDR/
