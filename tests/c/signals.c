/* Signal-delivery-stops and the signal requests.
 *
 * Checks (ptrace(2) "Signal-delivery-stop", "Signal injection and suppression",
 * PTRACE_GETSIGINFO / SETSIGINFO / PEEKSIGINFO / GETSIGMASK / SETSIGMASK):
 *  - a raised SIGUSR1 stops the tracee with status 0xa7f before the handler runs;
 *  - restarting with signal 0 suppresses it (the handler never runs), restarting with the
 *    same signal delivers it, restarting with SIGUSR2 injects SIGUSR2 instead;
 *  - GETSIGINFO describes the pending signal (raise() is a tgkill: SI_TKILL, kill(): SI_USER);
 *  - injecting SIGTSTP runs its handler if there is one; otherwise the tracee enters a
 *    group-stop (0x147f, GETSIGINFO -> EINVAL for a non-seized tracee) that PTRACE_CONT ends;
 *  - SETSIGINFO replaces the siginfo the SA_SIGINFO handler receives;
 *  - PEEKSIGINFO reads the private and the shared queues of a stopped tracee without
 *    dequeuing (count returned; EINVAL for bad flags or nr < 0);
 *  - GETSIGMASK/SETSIGMASK use the kernel's 8-byte sigset (EINVAL otherwise), SETSIGMASK
 *    drops SIGKILL/SIGSTOP, and unblocking lets the pending signals through.
 * The child reports what its handlers saw through its exit code. */
#include "helpers.h"

#include <stdint.h>

static volatile sig_atomic_t got_usr1, got_usr2, seen_code, seen_value;

static void on_usr1(int sig)
{
    (void)sig;
    got_usr1 = 1;
}

static void on_usr2(int sig)
{
    (void)sig;
    got_usr2 = 1;
}

static void on_usr1_info(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    seen_code = si->si_code;
    seen_value = si->si_value.sival_int;
}

static void install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    sa.sa_handler = on_usr2;
    CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
}

/* exit code: bit 0 = SIGUSR1 handler ran, bit 1 = SIGUSR2 handler ran */
static void child_raise_usr1(void)
{
    install_handlers();
    raise(SIGUSR1);
    _exit(got_usr1 | (got_usr2 << 1));
}

static void child_kill_usr1(void)
{
    install_handlers();
    kill(getpid(), SIGUSR1);
    _exit(got_usr1 | (got_usr2 << 1));
}

/* exit code: the sival_int the SA_SIGINFO handler saw, +100 if si_code was not SI_QUEUE */
static void child_sigqueue(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_usr1_info;
    sa.sa_flags = SA_SIGINFO;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    union sigval v;
    v.sival_int = 7;
    sigqueue(getpid(), SIGUSR1, v);
    _exit(seen_value + (seen_code == SI_QUEUE ? 0 : 100));
}

/* Blocks SIGUSR1, SIGUSR2 and SIGRTMIN+1, queues SIGUSR1 twice and SIGRTMIN+1 twice on
 * the thread, SIGUSR2 on the process, then stops itself. After being resumed it exits with
 * 1 if SIGUSR1 is still blocked, else 0. */
static void child_pending(void)
{
    install_handlers();
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGRTMIN + 1);
    CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
    raise(SIGUSR1);
    raise(SIGUSR1);
    raise(SIGRTMIN + 1);
    raise(SIGRTMIN + 1);
    kill(getpid(), SIGUSR2);
    raise(SIGSTOP);
    sigset_t cur;
    CHECK(sigprocmask(SIG_BLOCK, NULL, &cur) == 0);
    _exit(sigismember(&cur, SIGUSR1) ? 1 : 0);
}

static const char *name(int sig)
{
    if (sig == SIGRTMIN + 1)
        return "SIGRTMIN+1";
    return sig_name(sig);
}

static void print_siginfo(const char *label, pid_t pid)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK(ptrace(PTRACE_GETSIGINFO, pid, NULL, &si) == 0);
    const char *code = si.si_code == SI_TKILL ? "SI_TKILL"
                       : si.si_code == SI_USER ? "SI_USER"
                       : si.si_code == SI_QUEUE ? "SI_QUEUE"
                                                : "other";
    printf("%s: si_signo %s si_code %s si_pid is the child: %s\n", label, name(si.si_signo),
           code, si.si_pid == pid ? "yes" : "no");
}

/* Runs fn in a traced child up to its SIGUSR1 delivery stop, restarts it with `restart_sig`
 * and prints how it ended. */
static void deliver(const char *label, void (*fn)(void), int restart_sig)
{
    int status;
    pid_t pid = fork_traced(fn);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    printf("[%s]\n", label);
    print_status("stop", status);
    print_siginfo("siginfo", pid);
    long sig = restart_sig;
    CHECK(ptrace(PTRACE_CONT, pid, NULL, (void *)sig) == 0);
    wait_for(pid, &status, 0);
    print_status("end (bit0 = USR1 handler ran, bit1 = USR2 handler ran)", status);
}

static volatile sig_atomic_t got_tstp;

static void on_tstp(int sig)
{
    (void)sig;
    got_tstp = 1;
}

static void child_tstp_handled(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_tstp;
    CHECK(sigaction(SIGTSTP, &sa, NULL) == 0);
    raise(SIGUSR1);
    _exit(got_tstp ? 4 : 0);
}

static void child_tstp_default(void)
{
    raise(SIGUSR1);
    _exit(9);
}

/* SIGTSTP injected at a signal-delivery-stop: with a handler, the handler runs; without one,
 * the tracee enters a group-stop, which the tracer is told of and a restart ends. */
static void test_stop_signal(const char *label, void (*fn)(void))
{
    int status;
    pid_t pid = fork_traced(fn);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    printf("[%s]\n", label);
    print_status("stop", status);
    long sig = SIGTSTP;
    CHECK(ptrace(PTRACE_CONT, pid, NULL, (void *)sig) == 0);
    wait_for(pid, &status, 0);
    print_status("after the restart with SIGTSTP", status);
    if (WIFSTOPPED(status)) {
        siginfo_t si;
        EXPECT_ERR("GETSIGINFO in the group-stop", ptrace(PTRACE_GETSIGINFO, pid, NULL, &si));
        CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
        wait_for(pid, &status, 0);
        print_status("restarted from the group-stop", status);
    }
}

static void test_setsiginfo(void)
{
    int status;
    pid_t pid = fork_traced(child_sigqueue);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    printf("[SETSIGINFO]\n");
    print_status("stop", status);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK(ptrace(PTRACE_GETSIGINFO, pid, NULL, &si) == 0);
    printf("GETSIGINFO: si_code SI_QUEUE: %s, sival_int %d\n", si.si_code == SI_QUEUE ? "yes" : "no",
           si.si_value.sival_int);
    si.si_value.sival_int = 42;
    CHECK(ptrace(PTRACE_SETSIGINFO, pid, NULL, &si) == 0);
    memset(&si, 0, sizeof si);
    CHECK(ptrace(PTRACE_GETSIGINFO, pid, NULL, &si) == 0);
    printf("GETSIGINFO after SETSIGINFO: sival_int %d\n", si.si_value.sival_int);
    long sig = SIGUSR1;
    CHECK(ptrace(PTRACE_CONT, pid, NULL, (void *)sig) == 0);
    wait_for(pid, &status, 0);
    print_status("end (handler's sival_int, +100 if si_code changed)", status);
}

static void test_pending(void)
{
    int status;
    pid_t pid = fork_traced(child_pending);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    printf("[PEEKSIGINFO / GETSIGMASK / SETSIGMASK]\n");
    print_status("stop", status);

    siginfo_t buf[8];
    struct __ptrace_peeksiginfo_args args;
    memset(&args, 0, sizeof args);
    args.off = 0;
    args.flags = 0;
    args.nr = 8;
    memset(buf, 0, sizeof buf);
    long n = ptrace(PTRACE_PEEKSIGINFO, pid, &args, buf);
    printf("PEEKSIGINFO private, nr 8 -> %ld:", n);
    for (long i = 0; i < n && i < 8; i++)
        printf(" %s/%s", name(buf[i].si_signo), buf[i].si_code == SI_TKILL ? "SI_TKILL" : "other");
    printf("\n");

    args.off = 1;
    args.nr = 1;
    memset(buf, 0, sizeof buf);
    n = ptrace(PTRACE_PEEKSIGINFO, pid, &args, buf);
    printf("PEEKSIGINFO private, off 1 nr 1 -> %ld: %s\n", n, name(buf[0].si_signo));

    args.off = 10;
    args.nr = 8;
    n = ptrace(PTRACE_PEEKSIGINFO, pid, &args, buf);
    printf("PEEKSIGINFO off 10 (past the end) -> %ld\n", n);

    args.off = 0;
    args.flags = PTRACE_PEEKSIGINFO_SHARED;
    memset(buf, 0, sizeof buf);
    n = ptrace(PTRACE_PEEKSIGINFO, pid, &args, buf);
    printf("PEEKSIGINFO shared -> %ld: %s/%s\n", n, name(buf[0].si_signo),
           buf[0].si_code == SI_USER ? "SI_USER" : "other");

    args.flags = 2;
    EXPECT_ERR("PEEKSIGINFO flags 2", ptrace(PTRACE_PEEKSIGINFO, pid, &args, buf));
    args.flags = 0;
    args.nr = -1;
    EXPECT_ERR("PEEKSIGINFO nr -1", ptrace(PTRACE_PEEKSIGINFO, pid, &args, buf));
    args.nr = 0;
    n = ptrace(PTRACE_PEEKSIGINFO, pid, &args, buf);
    printf("PEEKSIGINFO nr 0 -> %ld\n", n);

    /* Nothing was dequeued: the same count again. */
    args.nr = 8;
    n = ptrace(PTRACE_PEEKSIGINFO, pid, &args, buf);
    printf("PEEKSIGINFO private again -> %ld\n", n);

    uint64_t mask = 0;
    long size = 8;
    errno = 0;
    if (ptrace(PTRACE_GETSIGMASK, pid, (void *)size, &mask) != 0) {
        /* A system without access to a tracee's signal mask: nothing below can run. */
        printf("GETSIGMASK -> -1 %s\n", errno_name(errno));
        kill_and_reap(pid);
        return;
    }
    printf("GETSIGMASK: SIGUSR1 %s, SIGUSR2 %s, SIGRTMIN+1 %s, SIGTERM %s\n",
           mask & (1ULL << (SIGUSR1 - 1)) ? "blocked" : "unblocked",
           mask & (1ULL << (SIGUSR2 - 1)) ? "blocked" : "unblocked",
           mask & (1ULL << (SIGRTMIN + 1 - 1)) ? "blocked" : "unblocked",
           mask & (1ULL << (SIGTERM - 1)) ? "blocked" : "unblocked");
    long bad = sizeof(sigset_t);
    EXPECT_ERR("GETSIGMASK size sizeof(sigset_t)", ptrace(PTRACE_GETSIGMASK, pid, (void *)bad, &mask));
    bad = 4;
    EXPECT_ERR("GETSIGMASK size 4", ptrace(PTRACE_GETSIGMASK, pid, (void *)bad, &mask));
    EXPECT_ERR("SETSIGMASK size 4", ptrace(PTRACE_SETSIGMASK, pid, (void *)bad, &mask));

    /* Unblock everything (asking for SIGKILL and SIGSTOP, which the kernel drops) but
     * SIGTERM. */
    uint64_t want = (1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1)) | (1ULL << (SIGTERM - 1));
    CHECK(ptrace(PTRACE_SETSIGMASK, pid, (void *)size, &want) == 0);
    mask = 0;
    CHECK(ptrace(PTRACE_GETSIGMASK, pid, (void *)size, &mask) == 0);
    printf("after SETSIGMASK: SIGKILL %s, SIGSTOP %s, SIGTERM %s, SIGUSR1 %s\n",
           mask & (1ULL << (SIGKILL - 1)) ? "blocked" : "unblocked",
           mask & (1ULL << (SIGSTOP - 1)) ? "blocked" : "unblocked",
           mask & (1ULL << (SIGTERM - 1)) ? "blocked" : "unblocked",
           mask & (1ULL << (SIGUSR1 - 1)) ? "blocked" : "unblocked");

    /* Resume: the now-unblocked pending signals reach the tracer one by one; suppress
     * each. */
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    for (int i = 0; i < 10; i++) {
        wait_for(pid, &status, 0);
        if (!WIFSTOPPED(status))
            break;
        printf("delivery stop: %s\n", name(WSTOPSIG(status)));
        CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    }
    print_status("end (1 = SIGUSR1 still blocked)", status);
}

int main(void)
{
    setup();
    deliver("raise SIGUSR1, restart with 0 (suppress)", child_raise_usr1, 0);
    deliver("raise SIGUSR1, restart with SIGUSR1 (deliver)", child_raise_usr1, SIGUSR1);
    deliver("raise SIGUSR1, restart with SIGUSR2 (inject)", child_raise_usr1, SIGUSR2);
    deliver("kill SIGUSR1, restart with SIGUSR1", child_kill_usr1, SIGUSR1);
    test_stop_signal("inject SIGTSTP, handled (exit 4 = handler ran)", child_tstp_handled);
    test_stop_signal("inject SIGTSTP, default action", child_tstp_default);
    test_setsiginfo();
    test_pending();
    return 0;
}
