/* SIGCHLD at every ptrace stop.
 *
 * Linux rules (ptrace(2) "Signal-delivery-stop"/"Syscall-stops": a stopped tracee notifies its
 * tracer as a stopped child does; kernel/signal.c ptrace_stop() calls
 * do_notify_parent_cldstop(current, true, why), which sends SIGCHLD with si_code CLD_TRAPPED,
 * si_pid the tracee, si_status exit_code & 0x7f; sigaction(2) for CLD_TRAPPED; wait(2)):
 *  - every syscall stop reported by waitpid comes with a SIGCHLD of its own, and the exit with
 *    one more: with a counting handler (SA_RESTART), handler runs == stops + 1. The tracer
 *    waits for each in sigsuspend before it restarts the tracee (when the signal arrives
 *    relative to waitpid's return is not fixed: ptrace_stop() drops the siglock before
 *    notifying);
 *  - the siginfo (SA_SIGINFO) of a syscall stop's SIGCHLD: si_pid the tracee, si_status
 *    SIGTRAP (PTRACE_O_TRACESYSGOOD's 0x80 is masked off), si_code CLD_TRAPPED; the exit's:
 *    CLD_EXITED with the exit code. A library that notifies from a thread of its own cannot
 *    give another thread a positive si_code on Linux (kernel/signal.c do_rt_sigqueueinfo:
 *    EPERM), so SI_QUEUE is accepted in place of CLD_TRAPPED (docs/redox-gaps.md); si_pid and
 *    si_status must still be right. */
#include "helpers.h"

#define CALLS 12

static volatile sig_atomic_t runs, trapped_ok, trapped_bad, last_code, last_status;
static volatile pid_t tracee, last_pid;

static void on_sigchld(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)ctx;
    runs++;
    last_code = si->si_code;
    last_pid = si->si_pid;
    last_status = si->si_status;
    if (si->si_code == CLD_TRAPPED || si->si_code == SI_QUEUE) {
        if (si->si_pid == tracee && si->si_status == SIGTRAP)
            trapped_ok++;
        else
            trapped_bad++;
    }
}

static void syscalls(void)
{
    for (int i = 0; i < CALLS; i++)
        getppid();
    _exit(5);
}

static const char *cld_name(int code)
{
    switch (code) {
    case CLD_EXITED: return "CLD_EXITED";
    case CLD_KILLED: return "CLD_KILLED";
    case CLD_TRAPPED: return "CLD_TRAPPED";
    case CLD_STOPPED: return "CLD_STOPPED";
    default: return "other";
    }
}

int main(void)
{
    setup();
    pid_t pid = fork_traced(syscalls);
    tracee = pid;
    /* The SIGCHLD of that first stop is not counted: ptrace_stop() may notify after waitpid
     * has already returned (see above), so it is given time to come and be discarded (the
     * default disposition ignores it) before the handler is installed. Without the pause a
     * slow machine (the arm64 kernel under TCG) merged it with the first syscall stop's. */
    usleep(100000);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigchld;
    sa.sa_flags = SA_RESTART | SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGCHLD, &sa, NULL) == 0);

    long opts = PTRACE_O_TRACESYSGOOD;
    CHECK(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) == 0);
    /* SIGCHLD is blocked except while the tracer waits for it in sigsuspend, after each stop
     * and before the next restart: every stop's SIGCHLD is then handled on its own (two
     * pending SIGCHLDs would merge) and its arrival does not depend on timing. A stop whose
     * SIGCHLD never comes ends the program at its alarm. */
    sigset_t chld, unblocked;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    CHECK(sigprocmask(SIG_BLOCK, &chld, &unblocked) == 0);
    sigdelset(&unblocked, SIGCHLD);
    int status, stops = 0;
    for (;;) {
        CHECK(ptrace(PTRACE_SYSCALL, pid, NULL, NULL) == 0);
        wait_for(pid, &status, 0);
        if (!WIFSTOPPED(status))
            break;
        stops++;
        while (runs < stops)
            sigsuspend(&unblocked);
    }
    while (runs < stops + 1)
        sigsuspend(&unblocked);
    print_status("tracee", status);
    printf("syscall stops reported: at least %d: %s\n", 2 * CALLS,
           stops >= 2 * CALLS ? "yes" : "no");
    printf("SIGCHLD for every stop and for the exit: yes\n");
    printf("SIGCHLD handler runs == stops + 1: %s\n", runs == stops + 1 ? "yes" : "no, more");
    printf("SIGCHLD siginfo at every syscall stop: si_pid the tracee, si_status SIGTRAP: %s\n",
           trapped_ok == stops && trapped_bad == 0 ? "yes" : "no");
    printf("last SIGCHLD: %s, si_pid the tracee: %s, si_status %d\n", cld_name(last_code),
           last_pid == pid ? "yes" : "no", last_status);
    return 0;
}
