/* Which new tasks are auto-attached: only the kinds the tracer asked for.
 *
 * Checks (ptrace(2) PTRACE_O_TRACEFORK / TRACEVFORK / TRACECLONE: each one makes the tracee
 * stop at that kind of new task and traces the task; a task of a kind not asked for is not
 * traced and the tracee does not stop for it):
 *  - the tracee makes, in this order, a vfork child, a thread and a fork child, each run to
 *    its end before the next (vfork, pthread_create+join, fork+waitpid);
 *  - with only TRACEFORK, the only event stop is FORK; with only TRACEVFORK, the only one is
 *    VFORK; with only TRACECLONE, the only one is CLONE (the thread);
 *  - the task it names is the one auto-attached (its first stop is 0x137f), and no other task
 *    is: waitpid(-1, __WALL) never reports another pid;
 *  - the tracee itself sees its children end normally (exit codes 6 and 5).
 * The tracer waits with waitpid(-1, __WALL), restarts every stop it sees and prints the new
 * task's first stop at the end, so the output does not depend on the order in which the new
 * task's and the tracee's stops arrive. */
#include "helpers.h"

#include <pthread.h>

static void *thread_fn(void *arg)
{
    return arg;
}

static void tracee(void)
{
    int st;
    pid_t v = vfork();
    if (v == 0)
        _exit(6);
    CHECK(v > 0 && waitpid(v, &st, 0) == v);
    int vfork_code = WIFEXITED(st) ? WEXITSTATUS(st) : 100;

    pthread_t t;
    CHECK(pthread_create(&t, NULL, thread_fn, NULL) == 0);
    CHECK(pthread_join(t, NULL) == 0);

    pid_t f = fork();
    if (f == 0)
        _exit(5);
    CHECK(f > 0 && waitpid(f, &st, 0) == f);
    int fork_code = WIFEXITED(st) ? WEXITSTATUS(st) : 100;
    /* 65 when both children exited as they should. */
    _exit(vfork_code * 10 + fork_code);
}

static void run(const char *label, long opts)
{
    printf("[only %s]\n", label);
    pid_t pid = fork_traced(tracee);
    CHECK(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) == 0);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);

    pid_t attached = 0, named = 0;
    int others = 0, first_stop = 0;
    for (;;) {
        int status;
        pid_t p = wait_for(-1, &status, __WALL);
        if (p == pid) {
            if (!WIFSTOPPED(status)) {
                print_status("tracee end (6*10 + 5 = both children fine)", status);
                break;
            }
            print_status("tracee", status);
            if (status >> 16) {
                unsigned long msg = 0;
                CHECK(ptrace(PTRACE_GETEVENTMSG, pid, NULL, &msg) == 0);
                named = (pid_t)msg;
            }
            CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
        } else if (attached == 0 || p == attached) {
            if (attached == 0) {
                /* Printed at the end: it may come before or after the tracee's event. */
                attached = p;
                first_stop = status;
            }
            if (WIFSTOPPED(status))
                CHECK(ptrace(PTRACE_CONT, p, NULL, NULL) == 0);
        } else {
            others++;
            if (WIFSTOPPED(status))
                CHECK(ptrace(PTRACE_CONT, p, NULL, NULL) == 0);
        }
    }
    /* A thread's end may be collected with the process; wait for anything left. */
    int status;
    while (waitpid(-1, &status, __WALL | WNOHANG) > 0)
        ;
    if (attached != 0)
        print_status("new task's first stop", first_stop);
    printf("the event named the attached task: %s\n",
           attached != 0 && named == attached ? "yes" : "no");
    printf("stops of other tasks: %d\n", others);
}

int main(void)
{
    setup();
    run("TRACEFORK", PTRACE_O_TRACEFORK);
    run("TRACEVFORK", PTRACE_O_TRACEVFORK);
    run("TRACECLONE", PTRACE_O_TRACECLONE);
    return 0;
}
