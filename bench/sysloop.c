/*
 * A tracee with a known number of system calls, for the strace sessions of
 * scripts/perf-report.sh: `sysloop N` makes N getppid() calls (glibc does not cache it), then
 * exits with status 0.
 */
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000;
    for (long i = 0; i < n; i++)
        (void)getppid();
    return 0;
}
