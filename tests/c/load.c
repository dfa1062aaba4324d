/* Load: 8 tracer threads, each tracing 100 short-lived children (PTRACE_TRACEME, one stop,
 * exit) with blocking waitpid(pid, __WALL) at the same time. Every child is reaped, nothing is
 * left (waitpid(-1) is ECHILD), and nothing deadlocks; the time per child goes to stderr,
 * which the suite does not compare. */
#include "helpers.h"
#include <pthread.h>
#include <time.h>

#define THREADS 8
static int per_thread = 100;

static void *tracer(void *arg)
{
    long *reaped = arg;
    for (int i = 0; i < per_thread; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
                _exit(100);
            raise(SIGSTOP);
            _exit(7);
        }
        int status;
        for (;;) {
            if (waitpid(pid, &status, __WALL) != pid)
                return NULL;
            if (!WIFSTOPPED(status))
                break;
            ptrace(PTRACE_CONT, pid, NULL, NULL);
        }
        if (WIFEXITED(status) && WEXITSTATUS(status) == 7)
            (*reaped)++;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        per_thread = atoi(argv[1]);
    setup();
    alarm(60);
    pthread_t t[THREADS];
    long reaped[THREADS] = {0};
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < THREADS; i++)
        CHECK(pthread_create(&t[i], NULL, tracer, &reaped[i]) == 0);
    long total = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        total += reaped[i];
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
    int st;
    printf("children reaped: %ld of %d; waitpid(-1) after: %s\n", total, THREADS * per_thread,
           waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD ? "ECHILD" : "something left");
    fprintf(stderr, "time per child: %.3f ms\n", s * 1000 / (THREADS * per_thread));
    return 0;
}
