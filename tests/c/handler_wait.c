/* waitpid from a SIGCHLD handler that interrupts ptrace requests.
 *
 * Linux rules (signal-safety(7): waitpid(2) is async-signal-safe, so a SIGCHLD handler may
 * reap children, whatever call it interrupted; ptrace(2) PTRACE_PEEKDATA is a system call;
 * wait(2): a stopped tracee whose stop was already reported is not reported again, so the
 * handler's waitpid(-1, WNOHANG) returns the exited child, then 0):
 *  - the tracer loops PEEKDATA and waitpid(tracee, WNOHANG) (0: nothing new) on a stopped
 *    tracee while an untraced child exits; the
 *    SIGCHLD handler calls waitpid(-1, &st, WNOHANG) until it returns 0 and reaps that child;
 *    the loop sees the handler's result and ends, 50 times over (to catch the handler
 *    arriving in the middle of a request). */
#include <time.h>
#include "helpers.h"

#define ROUNDS 50

static long value = 0x5eed;
static volatile pid_t untraced;
static volatile sig_atomic_t reaped, wrong, zero_after;

static void on_sigchld(int sig)
{
    (void)sig;
    int saved = errno, status;
    pid_t r;
    while ((r = waitpid(-1, &status, WNOHANG)) > 0) {
        if (r == untraced && WIFEXITED(status) && WEXITSTATUS(status) == 7)
            reaped = 1;
        else
            wrong++;
    }
    if (r == 0)
        zero_after++;
    errno = saved;
}

static void wait_forever(void)
{
    for (;;)
        pause();
}

int main(void)
{
    setup();
    pid_t tracee = fork_traced(wait_forever);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigchld;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGCHLD, &sa, NULL) == 0);

    sigset_t chld, old;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    int done = 0, bad_peeks = 0, bad_waits = 0, timeouts = 0;
    for (int round = 0; round < ROUNDS; round++) {
        /* The handler must know the pid before it can run. */
        CHECK(sigprocmask(SIG_BLOCK, &chld, &old) == 0);
        reaped = 0;
        pid_t pid = fork();
        CHECK(pid != -1);
        if (pid == 0)
            _exit(7);
        untraced = pid;
        CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
        struct timespec start, now;
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (;;) {
            errno = 0;
            long v = ptrace(PTRACE_PEEKDATA, tracee, &value, NULL);
            bad_peeks += !(v == 0x5eed && errno == 0);
            int st;
            bad_waits += waitpid(tracee, &st, WNOHANG) != 0;
            if (reaped)
                break;
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (now.tv_sec - start.tv_sec >= 2) {
                timeouts++;
                break;
            }
        }
        if (!reaped)
            break;
        done++;
    }
    printf("rounds where the handler reaped the child and the loop ended: %d of %d\n", done,
           ROUNDS);
    printf("handler's waitpid returned 0 once the child was reaped: %s\n",
           zero_after >= done ? "yes" : "no");
    printf("handler reaped nothing else: %s\n", wrong == 0 ? "yes" : "no");
    printf("PEEKDATA all answered: %s\n", bad_peeks == 0 ? "yes" : "no");
    printf("waitpid(tracee, WNOHANG) in the loop always 0: %s\n", bad_waits == 0 ? "yes" : "no");
    printf("rounds that timed out: %d\n", timeouts);
    int status;
    EXPECT_ERR("tracee has nothing new to report: waitpid(tracee, WNOHANG)",
               waitpid(tracee, &status, WNOHANG));
    kill_and_reap(tracee);
    return 0;
}
