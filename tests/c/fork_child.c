/* fork() in a tracer: the child is not the tracer.
 *
 * Linux rules (ptrace(2): "A tracee is attached to a single tracer" — the tracer is a thread
 * of the process that attached, and fork(2) "The child does not inherit ... its parent's
 * ... " relations: a forked child traces nothing; ptrace(2) ERRORS "ESRCH: The specified
 * process does not exist, or is not currently being traced by the caller"; wait(2) ECHILD
 * "The calling process does not have any unwaited-for children"):
 *  - the tracer holds a stopped tracee and forks: in the child, waitpid(-1, WNOHANG) -> -1
 *    ECHILD, PTRACE_CONT and PTRACE_PEEKDATA on the tracee -> -1 ESRCH; the parent's tracee
 *    is still stopped and still answers;
 *  - a second thread forks 200 times while the tracer thread runs PEEKDATA on the tracee in a
 *    loop: each child gets ESRCH for PEEKDATA and exits (fork(2): the child has one thread, and
 *    only async-signal-safe calls are allowed in it; ptrace is a system call). */
#include <pthread.h>
#include "helpers.h"

#define FORKS 200

static long value = 0x5eed;
static volatile int stop_peeking;
static pid_t tracee;

static void loop_forever(void)
{
    for (;;)
        pause();
}

static int peek_ok(void)
{
    errno = 0;
    long v = ptrace(PTRACE_PEEKDATA, tracee, &value, NULL);
    return v == 0x5eed && errno == 0;
}

static void test_child_is_not_tracer(void)
{
    printf("[fork while a tracee is stopped]\n");
    pid_t pid = fork();
    CHECK(pid != -1);
    if (pid == 0) {
        int status;
        EXPECT_ERR("child: waitpid(-1, WNOHANG)", waitpid(-1, &status, WNOHANG));
        EXPECT_ERR("child: PEEKDATA on the tracee", ptrace(PTRACE_PEEKDATA, tracee, &value, NULL));
        EXPECT_ERR("child: CONT on the tracee", ptrace(PTRACE_CONT, tracee, NULL, NULL));
        EXPECT_ERR("child: waitpid(tracee, WNOHANG|__WALL)",
                   waitpid(tracee, &status, WNOHANG | __WALL));
        _exit(0);
    }
    int status;
    wait_for(pid, &status, 0);
    print_status("child", status);
    usleep(20000);
    printf("parent: tracee still stopped: %s\n",
           waitpid(tracee, &status, WNOHANG | __WALL) == 0 && peek_ok() ? "yes" : "no");
}

/* Waits up to a second for `pid`; kills it if it has not exited by then. */
static int reap_within_a_second(pid_t pid, int *status)
{
    for (int i = 0; i < 1000; i++) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return 1;
        CHECK(r == 0);
        usleep(1000);
    }
    kill_and_reap(pid);
    return 0;
}

struct storm {
    int forks, finished, esrch, hung;
};

/* Forks FORKS children (fewer if three hang); each runs PEEKDATA on the tracee and exits. */
static void *forker(void *arg)
{
    struct storm *st = arg;
    for (; st->forks < FORKS && st->hung < 3; st->forks++) {
        pid_t pid = fork();
        CHECK(pid != -1);
        if (pid == 0) {
            errno = 0;
            long r = ptrace(PTRACE_PEEKDATA, tracee, &value, NULL);
            _exit(r == -1 && errno == ESRCH ? 0 : 1);
        }
        int status;
        if (reap_within_a_second(pid, &status)) {
            st->finished++;
            st->esrch += WIFEXITED(status) && WEXITSTATUS(status) == 0;
        } else {
            st->hung++;
        }
    }
    stop_peeking = 1;
    return NULL;
}

/* The tracer thread (Linux answers requests only from the thread that attached) peeks in a
 * loop while a second thread forks. */
static void test_fork_storm(void)
{
    printf("[%d forks while the tracer thread runs PEEKDATA]\n", FORKS);
    struct storm st = {0, 0, 0, 0};
    long peeks = 0, bad = 0;
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, forker, &st) == 0);
    while (!stop_peeking) {
        peeks++;
        bad += !peek_ok();
    }
    CHECK(pthread_join(thread, NULL) == 0);
    printf("forks: %d, children that exited: %d, that got ESRCH: %d, hung: %d\n", st.forks,
           st.finished, st.esrch, st.hung);
    printf("tracer thread's PEEKDATA all answered: %s\n", peeks > 0 && bad == 0 ? "yes" : "no");
    printf("tracee still stopped and answering: %s\n", peek_ok() ? "yes" : "no");
}

int main(void)
{
    setup();
    tracee = fork_traced(loop_forever);
    test_child_is_not_tracer();
    test_fork_storm();
    kill_and_reap(tracee);
    return 0;
}
