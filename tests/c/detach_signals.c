/* PTRACE_DETACH at a stop that carries a signal or a system call (ptrace(2) PTRACE_DETACH:
 * "restart the stopped tracee as for PTRACE_CONT, but first detach"; kernel/ptrace.c
 * ptrace_detach): the signal of a signal-delivery-stop is delivered only if the tracer passes
 * it (0 suppresses it, another signal replaces it), and at a PTRACE_SYSEMU entry stop the
 * system call is not made after the detach. The tracee reports what it saw through a pipe. */
#include "helpers.h"

#include <stddef.h>
#include <sys/syscall.h>
#include <sys/user.h>

static int out;
static volatile sig_atomic_t got1, got2;

static void on_usr1(int sig)
{
    (void)sig;
    got1 = 1;
}

static void on_usr2(int sig)
{
    (void)sig;
    got2 = 1;
}

static void report(void)
{
    char line[2] = {(char)('0' + got1), (char)('0' + got2)};
    CHECK(write(out, line, 2) == 2);
}

static void raiser(void)
{
    signal(SIGUSR1, on_usr1);
    signal(SIGUSR2, on_usr2);
    raise(SIGUSR1);
    report();
    _exit(0);
}

static void syscaller(void)
{
    raise(SIGSTOP);
    /* getpid with a marker the tracer finds at the entry stop; after a skipped syscall rax
     * keeps -ENOSYS. */
    long r = syscall(SYS_getpid);
    char c = r == getpid() ? 'y' : 'n';
    CHECK(write(out, &c, 1) == 1);
    _exit(0);
}

static void detach_at_signal(const char *label, long sig)
{
    int p[2];
    CHECK(pipe(p) == 0);
    out = p[1];
    pid_t pid = fork_traced(raiser);
    close(p[1]);
    int status;
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    print_status("stop", status);
    CHECK(ptrace(PTRACE_DETACH, pid, NULL, (void *)sig) == 0);
    char line[2] = {'?', '?'};
    CHECK(read(p[0], line, 2) == 2);
    printf("%s: SIGUSR1 handler ran: %s, SIGUSR2 handler ran: %s\n", label,
           line[0] == '1' ? "yes" : "no", line[1] == '1' ? "yes" : "no");
    close(p[0]);
    CHECK(waitpid(pid, &status, 0) == pid);
    print_status("end", status);
}

int main(void)
{
    setup();
    detach_at_signal("DETACH 0 at the SIGUSR1 stop", 0);
    detach_at_signal("DETACH SIGUSR1 at the SIGUSR1 stop", SIGUSR1);
    detach_at_signal("DETACH SIGUSR2 at the SIGUSR1 stop", SIGUSR2);

#if defined(__x86_64__)
    int p[2];
    CHECK(pipe(p) == 0);
    out = p[1];
    pid_t pid = fork_traced(syscaller);
    close(p[1]);
    int status;
    /* From the SIGSTOP stop, PTRACE_SYSEMU from entry to entry (each syscall before it, the
     * rest of raise(), is skipped too) until getpid's. */
    long nr = -1;
    for (int i = 0; i < 50 && nr != SYS_getpid; i++) {
        CHECK(ptrace(PTRACE_SYSEMU, pid, NULL, NULL) == 0);
        wait_for(pid, &status, 0);
        nr = ptrace(PTRACE_PEEKUSER, pid, (void *)offsetof(struct user, regs.orig_rax), NULL);
    }
    CHECK(ptrace(PTRACE_DETACH, pid, NULL, NULL) == 0);
    char c = '?';
    CHECK(read(p[0], &c, 1) == 1);
    printf("DETACH at the SYSEMU entry of getpid: the syscall was made: %s\n",
           c == 'y' ? "yes" : "no");
    CHECK(waitpid(pid, &status, 0) == pid);
    print_status("end", status);
#else
    (void)syscaller;
#endif
    return 0;
}
