/* PTRACE_SEIZE, PTRACE_INTERRUPT, PTRACE_LISTEN and group-stops.
 *
 * Checks (ptrace(2) PTRACE_SEIZE / PTRACE_INTERRUPT / PTRACE_LISTEN, "Group-stop",
 * "PTRACE_EVENT_STOP"):
 *  - SEIZE does not stop the tracee (it keeps answering through a pipe);
 *  - INTERRUPT stops it with 0x80057f (siginfo si_code 0x8005); LISTEN there keeps it
 *    stopped (waitpid WNOHANG returns 0, it does not answer), and SIGCONT wakes it into a
 *    0x80057f stop followed by the SIGCONT signal-delivery-stop;
 *  - a raised SIGSTOP is a signal-delivery-stop (0x137f, LISTEN -> EIO there); restarting
 *    with SIGSTOP gives the seized group-stop 0x80137f with a synthesized siginfo; LISTEN
 *    keeps it stopped and SIGCONT ends it as above;
 *  - non-seized tracee: INTERRUPT and LISTEN -> EIO; its group-stop is 0x137f like the
 *    SIGSTOP delivery stop, and only GETSIGINFO (-> EINVAL) tells them apart; a restart
 *    from that group-stop lets it run;
 *  - errors: SEIZE with addr != 0 -> EIO, SEIZE with an unknown option bit -> EIO, SEIZE
 *    twice -> EPERM, LISTEN on a running tracee -> ESRCH. */
#include "helpers.h"

#include <poll.h>

struct kid {
    pid_t pid;
    int cmd; /* write end: commands */
    int ack; /* read end: answers */
};

/* A child that executes one-byte commands: 'e' answer, 's' raise(SIGSTOP) then answer,
 * 'x' exit 8. */
static struct kid spawn(void)
{
    int c[2], a[2];
    CHECK(pipe(c) == 0);
    CHECK(pipe(a) == 0);
    pid_t pid = fork();
    CHECK(pid != -1);
    if (pid == 0) {
        close(c[1]);
        close(a[0]);
        for (;;) {
            char x;
            if (read(c[0], &x, 1) != 1)
                _exit(100);
            if (x == 's')
                raise(SIGSTOP);
            if (x == 'x')
                _exit(8);
            if (write(a[1], "k", 1) != 1)
                _exit(101);
        }
    }
    close(c[0]);
    close(a[1]);
    struct kid k = {pid, c[1], a[0]};
    return k;
}

static void send_cmd(struct kid *k, char x)
{
    CHECK(write(k->cmd, &x, 1) == 1);
}

/* Whether the child answers within `ms` milliseconds. */
static int answers(struct kid *k, int ms)
{
    struct pollfd p = {k->ack, POLLIN, 0};
    int r = poll(&p, 1, ms);
    CHECK(r != -1);
    if (r == 0)
        return 0;
    char x;
    CHECK(read(k->ack, &x, 1) == 1);
    return 1;
}

static void finish(struct kid *k, const char *label)
{
    int status;
    send_cmd(k, 'x');
    wait_for(k->pid, &status, 0);
    print_status(label, status);
    close(k->cmd);
    close(k->ack);
}

static void print_siginfo(const char *label, pid_t pid)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    errno = 0;
    long r = ptrace(PTRACE_GETSIGINFO, pid, NULL, &si);
    if (r == -1)
        printf("%s: GETSIGINFO -> -1 %s\n", label, errno_name(errno));
    else
        printf(si.si_code < 0 ? "%s: GETSIGINFO si_signo %s si_code %d\n"
                              : "%s: GETSIGINFO si_signo %s si_code %#x\n",
               label, sig_name(si.si_signo), si.si_code);
}

static int not_reported(pid_t pid)
{
    int status;
    return waitpid(pid, &status, WNOHANG | __WALL) == 0;
}

/* After SIGCONT wakes a LISTENing tracee: print the stops until it runs again. */
static void wake_with_sigcont(struct kid *k)
{
    int status;
    CHECK(kill(k->pid, SIGCONT) == 0);
    wait_for(k->pid, &status, __WALL);
    print_status("after SIGCONT", status);
    print_siginfo("after SIGCONT", k->pid);
    CHECK(ptrace(PTRACE_CONT, k->pid, NULL, NULL) == 0);
    wait_for(k->pid, &status, __WALL);
    print_status("next stop", status);
    CHECK(ptrace(PTRACE_CONT, k->pid, NULL, NULL) == 0);
}

/* INTERRUPT or LISTEN, which a system may not support: on failure print the errno, end the
 * child and return 0, so that the other sections still run. */
static int try_request(const char *label, int request, struct kid *k)
{
    errno = 0;
    if (ptrace(request, k->pid, NULL, NULL) == 0)
        return 1;
    printf("%s -> -1 %s\n", label, errno_name(errno));
    kill_and_reap(k->pid);
    close(k->cmd);
    close(k->ack);
    return 0;
}

static void test_interrupt_listen(void)
{
    int status;
    printf("[SEIZE, INTERRUPT, LISTEN]\n");
    struct kid k = spawn();
    CHECK(ptrace(PTRACE_SEIZE, k.pid, NULL, NULL) == 0);
    send_cmd(&k, 'e');
    printf("runs after SEIZE: %s\n", answers(&k, 5000) ? "yes" : "no");
    printf("no stop reported after SEIZE: %s\n", not_reported(k.pid) ? "yes" : "no");
    EXPECT_ERR("SEIZE twice", ptrace(PTRACE_SEIZE, k.pid, NULL, NULL));
    EXPECT_ERR("LISTEN while running", ptrace(PTRACE_LISTEN, k.pid, NULL, NULL));

    if (!try_request("INTERRUPT", PTRACE_INTERRUPT, &k))
        return;
    wait_for(k.pid, &status, __WALL);
    print_status("after INTERRUPT", status);
    print_siginfo("INTERRUPT stop", k.pid);
    if (!try_request("LISTEN", PTRACE_LISTEN, &k))
        return;
    printf("LISTEN -> 0\n");
    send_cmd(&k, 'e');
    printf("answers while LISTENing: %s\n", answers(&k, 100) ? "yes" : "no");
    printf("no new stop reported while LISTENing: %s\n", not_reported(k.pid) ? "yes" : "no");
    wake_with_sigcont(&k);
    printf("answers after SIGCONT: %s\n", answers(&k, 5000) ? "yes" : "no");
    finish(&k, "end");
}

static void test_group_stop(void)
{
    int status;
    printf("[seized group-stop]\n");
    struct kid k = spawn();
    CHECK(ptrace(PTRACE_SEIZE, k.pid, NULL, NULL) == 0);
    send_cmd(&k, 's');
    wait_for(k.pid, &status, __WALL);
    print_status("raise(SIGSTOP)", status);
    print_siginfo("signal-delivery-stop", k.pid);
    EXPECT_ERR("LISTEN in a signal-delivery-stop", ptrace(PTRACE_LISTEN, k.pid, NULL, NULL));
    long sig = SIGSTOP;
    CHECK(ptrace(PTRACE_CONT, k.pid, NULL, (void *)sig) == 0);
    wait_for(k.pid, &status, __WALL);
    print_status("restarted with SIGSTOP", status);
    print_siginfo("group-stop", k.pid);
    if (!try_request("LISTEN", PTRACE_LISTEN, &k))
        return;
    printf("LISTEN -> 0\n");
    printf("no new stop reported while LISTENing: %s\n", not_reported(k.pid) ? "yes" : "no");
    printf("answers while LISTENing: %s\n", answers(&k, 100) ? "yes" : "no");
    wake_with_sigcont(&k);
    printf("answers after SIGCONT: %s\n", answers(&k, 5000) ? "yes" : "no");
    finish(&k, "end");
}

static void after_stop(void)
{
    raise(SIGSTOP);
    _exit(11);
}

static void test_not_seized(void)
{
    int status;
    printf("[non-seized group-stop]\n");
    pid_t pid = fork_traced(after_stop);
    EXPECT_ERR("INTERRUPT on a non-seized tracee", ptrace(PTRACE_INTERRUPT, pid, NULL, NULL));
    EXPECT_ERR("LISTEN on a non-seized tracee", ptrace(PTRACE_LISTEN, pid, NULL, NULL));
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    print_status("raise(SIGSTOP)", status);
    print_siginfo("signal-delivery-stop", pid);
    long sig = SIGSTOP;
    CHECK(ptrace(PTRACE_CONT, pid, NULL, (void *)sig) == 0);
    wait_for(pid, &status, 0);
    print_status("restarted with SIGSTOP", status);
    print_siginfo("group-stop", pid);
    EXPECT_ERR("LISTEN in a non-seized group-stop", ptrace(PTRACE_LISTEN, pid, NULL, NULL));
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    print_status("restarted from the group-stop", status);
}

static void test_errors(void)
{
    printf("[SEIZE errors]\n");
    struct kid k = spawn();
    long addr = 1;
    EXPECT_ERR("SEIZE with addr 1", ptrace(PTRACE_SEIZE, k.pid, (void *)addr, NULL));
    long opts = 1L << 22;
    EXPECT_ERR("SEIZE with option bit 22", ptrace(PTRACE_SEIZE, k.pid, NULL, (void *)opts));
    opts = 1L << 30;
    EXPECT_ERR("SEIZE with option bit 30", ptrace(PTRACE_SEIZE, k.pid, NULL, (void *)opts));
    EXPECT_ERR("INTERRUPT on an untraced child", ptrace(PTRACE_INTERRUPT, k.pid, NULL, NULL));
    send_cmd(&k, 'e');
    printf("still untraced and running: %s\n", answers(&k, 5000) ? "yes" : "no");
    finish(&k, "end");
}

int main(void)
{
    setup();
    test_interrupt_listen();
    test_group_stop();
    test_not_seized();
    test_errors();
    return 0;
}
