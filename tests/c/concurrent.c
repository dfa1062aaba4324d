/* Tracing from two threads at once (ptrace(2): waitpid reports the stops of tracees traced by
 * any thread of the thread group; sessions are process-wide). Thread 1 blocks in waitpid on
 * tracee A, which stops only once released through a pipe; meanwhile the main thread, A's
 * and B's tracer, runs requests on tracee B (PEEK/POKE, GETREGS, syscall stops) to its end.
 * Then A is released and thread 1's waitpid returns A's stop. */
#include <pthread.h>
#include "helpers.h"

static long value = 1234;
static int release[2];
static volatile int b_done;

static void tracee_a(void)
{
    char c;
    if (read(release[0], &c, 1) != 1)
        _exit(100);
    raise(SIGUSR1);
    _exit(0);
}

static void tracee_b(void)
{
    for (int i = 0; i < 3; i++)
        getppid();
    _exit(value == 4321 ? 7 : 8);
}

struct waiter {
    pid_t pid;
    int status;
    int b_done_when_returned;
};

static void *wait_for_a(void *arg)
{
    struct waiter *w = arg;
    pid_t r;
    do
        r = waitpid(w->pid, &w->status, 0);
    while (r == -1 && errno == EINTR);
    w->b_done_when_returned = b_done;
    if (r != w->pid)
        w->status = -1;
    return NULL;
}

int main(void)
{
    setup();
    CHECK(pipe(release) == 0);
    pid_t a = fork_traced(tracee_a);
    pid_t b = fork_traced(tracee_b);
    CHECK(ptrace(PTRACE_CONT, a, NULL, NULL) == 0);

    struct waiter w = {a, 0, 0};
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, wait_for_a, &w) == 0);

    /* Requests on B while thread 1 is blocked in waitpid on A. */
    errno = 0;
    long v = ptrace(PTRACE_PEEKDATA, b, &value, NULL);
    printf("B: PEEKDATA while A is waited for: %s\n", v == 1234 && errno == 0 ? "ok" : "wrong");
    CHECK(ptrace(PTRACE_POKEDATA, b, &value, (void *)4321L) == 0);
    int status, stops = 0;
    long opts = PTRACE_O_TRACESYSGOOD;
    CHECK(ptrace(PTRACE_SETOPTIONS, b, NULL, (void *)opts) == 0);
    for (;;) {
        CHECK(ptrace(PTRACE_SYSCALL, b, NULL, NULL) == 0);
        wait_for(b, &status, 0);
        if (!WIFSTOPPED(status))
            break;
        stops++;
    }
    b_done = 1;
    print_status("B end", status);
    printf("B: at least six syscall stops: %s\n", stops >= 6 ? "yes" : "no");

    /* Now release A: thread 1's waitpid returns its SIGUSR1 stop. */
    CHECK(write(release[1], "x", 1) == 1);
    CHECK(pthread_join(thread, NULL) == 0);
    print_status("A, seen by thread 1", w.status);
    printf("thread 1 was still waiting when B ended: %s\n", w.b_done_when_returned ? "yes" : "no");
    CHECK(ptrace(PTRACE_CONT, a, NULL, NULL) == 0);
    wait_for(a, &status, 0);
    print_status("A end", status);
    return 0;
}
