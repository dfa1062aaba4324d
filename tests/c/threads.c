/* A multi-threaded tracee with PTRACE_O_TRACECLONE.
 *
 * Checks (ptrace(2) PTRACE_O_TRACECLONE, PTRACE_GETEVENTMSG, "Attaching and detaching"
 * (auto-attached threads start with SIGSTOP), and the __WALL note in wait(2) / ptrace(2):
 * since Linux 4.7 __WALL is implied for traced children):
 *  - pthread_create() in the tracee gives a CLONE event stop (0x3057f) whose message is
 *    the new thread's tid (compared with gettid() sent by the thread through a pipe, and
 *    with what waitpid(-1) returns for the thread's first stop);
 *  - the new thread's first stop is 0x137f, reported by waitpid(-1, &s, __WALL) for the
 *    first thread and by waitpid(-1, &s, 0) for the second;
 *  - each thread's exit is reported to the tracer (exited 0), then the process exits 0.
 * Threads are created one after the other (create, join), so every wait is deterministic. */
#include "helpers.h"

#include <pthread.h>
#include <sys/syscall.h>

static int pfd[2];

static void *thread_fn(void *arg)
{
    (void)arg;
    pid_t tid = (pid_t)syscall(SYS_gettid);
    CHECK(write(pfd[1], &tid, sizeof tid) == (ssize_t)sizeof tid);
    return NULL;
}

static void tracee(void)
{
    for (int i = 0; i < 2; i++) {
        pthread_t t;
        CHECK(pthread_create(&t, NULL, thread_fn, NULL) == 0);
        CHECK(pthread_join(t, NULL) == 0);
    }
    _exit(0);
}

int main(void)
{
    setup();
    CHECK(pipe(pfd) == 0);
    pid_t pid = fork_traced(tracee);
    close(pfd[1]);
    long opts = PTRACE_O_TRACECLONE;
    CHECK(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) == 0);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);

    unsigned long msgs[2];
    pid_t seen[2];
    for (int i = 0; i < 2; i++) {
        int status;
        int wopts = i == 0 ? __WALL : 0;
        printf("[thread %d, its first stop waited with %s]\n", i + 1, i == 0 ? "__WALL" : "0");
        wait_for(pid, &status, __WALL);
        print_status("main thread", status);
        CHECK(ptrace(PTRACE_GETEVENTMSG, pid, NULL, &msgs[i]) == 0);
        printf("event message is another task than the main thread: %s\n",
               msgs[i] != (unsigned long)pid ? "yes" : "no");
        seen[i] = wait_for(-1, &status, wopts);
        print_status("new thread", status);
        printf("waitpid(-1) returned the event message's tid: %s\n",
               (unsigned long)seen[i] == msgs[i] ? "yes" : "no");
        CHECK(ptrace(PTRACE_CONT, seen[i], NULL, NULL) == 0);
        CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
        wait_for(seen[i], &status, __WALL);
        print_status("new thread end", status);
    }
    int status;
    wait_for(pid, &status, __WALL);
    print_status("process end", status);

    pid_t tids[2] = {0, 0};
    int n = 0;
    while (n < 2 && read(pfd[0], &tids[n], sizeof tids[n]) == (ssize_t)sizeof tids[n])
        n++;
    close(pfd[0]);
    printf("threads that reported their tid: %d\n", n);
    for (int i = 0; i < n; i++)
        printf("thread %d: gettid() == event message: %s\n", i + 1,
               (unsigned long)tids[i] == msgs[i] ? "yes" : "no");
    printf("the two threads had different tids: %s\n", msgs[0] != msgs[1] ? "yes" : "no");
    EXPECT_ERR("waitpid(-1) with nothing left", waitpid(-1, &status, __WALL));
    return 0;
}
