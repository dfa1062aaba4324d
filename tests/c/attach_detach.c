/* PTRACE_ATTACH and PTRACE_DETACH.
 *
 * Checks (ptrace(2) "Attaching and detaching", PTRACE_ATTACH, PTRACE_DETACH, ERRORS):
 *  - ATTACH to a running child stops it with SIGSTOP (status 0x137f) and GETSIGINFO works
 *    in that stop; while attached, the tracee does not run;
 *  - DETACH with 0 lets it continue normally (it exits with the code it reads from a pipe),
 *    after which it is no longer traced (CONT -> ESRCH);
 *  - DETACH with a signal delivers that signal (SIGUSR1 kills it);
 *  - a tracee that is not the tracer's child (a grandchild) is waited for by the tracer;
 *  - errors: ATTACH to self -> EPERM, ATTACH twice -> EPERM, ATTACH to a process traced by
 *    someone else -> EPERM, ATTACH to a reaped pid -> ESRCH, DETACH on a running tracee ->
 *    ESRCH, DETACH with an invalid signal -> EIO (and the tracee stays attached). */
#include "helpers.h"

/* A child that blocks reading one byte from `fd`, then exits with that byte. */
static pid_t reader_child(int *wfd)
{
    int p[2];
    CHECK(pipe(p) == 0);
    pid_t pid = fork();
    CHECK(pid != -1);
    if (pid == 0) {
        close(p[1]);
        unsigned char c;
        if (read(p[0], &c, 1) != 1)
            _exit(100);
        _exit(c);
    }
    close(p[0]);
    *wfd = p[1];
    return pid;
}

static const char *code_name(int code)
{
    switch (code) {
    case SI_USER: return "SI_USER";
    case SI_KERNEL: return "SI_KERNEL";
    case SI_TKILL: return "SI_TKILL";
    default: return "other";
    }
}

static void attach_and_wait(pid_t pid)
{
    int status;
    CHECK(ptrace(PTRACE_ATTACH, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    print_status("after ATTACH", status);
}

static void test_attach_detach(void)
{
    int wfd, status;
    printf("[ATTACH, DETACH 0]\n");
    pid_t pid = reader_child(&wfd);
    attach_and_wait(pid);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK(ptrace(PTRACE_GETSIGINFO, pid, NULL, &si) == 0);
    printf("GETSIGINFO: si_signo %s si_code %s\n", sig_name(si.si_signo), code_name(si.si_code));
    EXPECT_ERR("second ATTACH", ptrace(PTRACE_ATTACH, pid, NULL, NULL));

    /* Data is ready, but the stopped tracee does not consume it. */
    unsigned char c = 9;
    CHECK(write(wfd, &c, 1) == 1);
    usleep(50000);
    printf("while attached and stopped: not exited: %s\n",
           waitpid(pid, &status, WNOHANG) == 0 ? "yes" : "no");

    long bad = 1000;
    EXPECT_ERR("DETACH with signal 1000", ptrace(PTRACE_DETACH, pid, NULL, (void *)bad));
    CHECK(ptrace(PTRACE_DETACH, pid, NULL, NULL) == 0);
    printf("DETACH after the failed one -> 0\n");
    wait_for(pid, &status, 0);
    print_status("end", status);
    close(wfd);
}

static void test_detach_after_exit_cont(void)
{
    int wfd, status;
    printf("[no longer traced after DETACH]\n");
    pid_t pid = reader_child(&wfd);
    attach_and_wait(pid);
    CHECK(ptrace(PTRACE_DETACH, pid, NULL, NULL) == 0);
    EXPECT_ERR("CONT after DETACH", ptrace(PTRACE_CONT, pid, NULL, NULL));
    EXPECT_ERR("GETSIGINFO after DETACH", ({
                   siginfo_t si;
                   ptrace(PTRACE_GETSIGINFO, pid, NULL, &si);
               }));
    unsigned char c = 4;
    CHECK(write(wfd, &c, 1) == 1);
    wait_for(pid, &status, 0);
    print_status("end", status);
    close(wfd);
}

static void test_detach_signal(void)
{
    int wfd, status;
    printf("[DETACH with SIGUSR1]\n");
    pid_t pid = reader_child(&wfd);
    attach_and_wait(pid);
    long sig = SIGUSR1;
    CHECK(ptrace(PTRACE_DETACH, pid, NULL, (void *)sig) == 0);
    wait_for(pid, &status, 0);
    print_status("end", status);
    close(wfd);
}

static void test_detach_running(void)
{
    int wfd;
    printf("[DETACH on a running tracee]\n");
    pid_t pid = reader_child(&wfd);
    attach_and_wait(pid);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    EXPECT_ERR("DETACH while running", ptrace(PTRACE_DETACH, pid, NULL, NULL));
    EXPECT_ERR("GETSIGINFO while running", ({
                   siginfo_t si;
                   ptrace(PTRACE_GETSIGINFO, pid, NULL, &si);
               }));
    kill_and_reap(pid);
    close(wfd);
}

static void nothing(void)
{
}

static void test_errors(void)
{
    printf("[errors]\n");
    EXPECT_ERR("ATTACH to self", ptrace(PTRACE_ATTACH, getpid(), NULL, NULL));

    pid_t gone = fork();
    CHECK(gone != -1);
    if (gone == 0)
        _exit(0);
    int status;
    wait_for(gone, &status, 0);
    EXPECT_ERR("ATTACH to a reaped pid", ptrace(PTRACE_ATTACH, gone, NULL, NULL));

    /* A child traced by us; a sibling tries to attach to it. */
    pid_t traced = fork_traced(nothing);
    pid_t other = fork();
    CHECK(other != -1);
    if (other == 0) {
        errno = 0;
        long r = ptrace(PTRACE_ATTACH, traced, NULL, NULL);
        _exit(r == -1 ? (errno == EPERM ? 0 : 1) : 2);
    }
    wait_for(other, &status, 0);
    print_status("ATTACH to a process traced by another: 0 = EPERM", status);
    kill_and_reap(traced);
}

static void test_grandchild(void)
{
    int p[2], status;
    printf("[ATTACH to a grandchild]\n");
    CHECK(pipe(p) == 0);
    pid_t mid = fork();
    CHECK(mid != -1);
    if (mid == 0) {
        pid_t g = fork();
        if (g == 0) {
            for (;;)
                pause();
        }
        CHECK(write(p[1], &g, sizeof g) == (ssize_t)sizeof g);
        int st;
        if (waitpid(g, &st, 0) != g)
            _exit(100);
        _exit(WIFSIGNALED(st) ? WTERMSIG(st) : 101);
    }
    pid_t g;
    CHECK(read(p[0], &g, sizeof g) == (ssize_t)sizeof g);
    close(p[0]);
    close(p[1]);
    attach_and_wait(g);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK(ptrace(PTRACE_GETSIGINFO, g, NULL, &si) == 0);
    printf("GETSIGINFO: si_signo %s\n", sig_name(si.si_signo));
    CHECK(ptrace(PTRACE_DETACH, g, NULL, NULL) == 0);
    CHECK(kill(g, SIGKILL) == 0);
    wait_for(mid, &status, 0);
    print_status("real parent (exit code = signal that killed the grandchild)", status);
}

int main(void)
{
    setup();
    test_attach_detach();
    test_detach_after_exit_cont();
    test_detach_signal();
    test_detach_running();
    test_errors();
    test_grandchild();
    return 0;
}
