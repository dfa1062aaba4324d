/* A tracer whose `proc:` scheme goes away: run under redox-proc-emu, which the test
 * (ctest/tests/emulator_death.rs) kills with SIGKILL once this program prints "ready".
 * The emulator traces every tracee with PTRACE_O_EXITKILL, so the tracee dies with it, as a
 * tracee SIGKILLed from outside: the waits must report that death (WIFSIGNALED, SIGKILL),
 * an untraced child must still be reaped with its own status, every ptrace request after the
 * loss must fail at once (ENOSYS: a Redox without the `trace` handle, README), and nothing
 * may block for ever. Modes: wait (blocked in waitpid on the tracee), any (blocked in
 * waitpid(-1)), peek (in a loop of PTRACE_PEEKDATA), threads (both at once). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t tracee;
static int word = 42;

static void show(const char *what, pid_t r, int status) {
    if (r < 0)
        printf("%s: -1 %s\n", what, strerrorname_np(errno));
    else if (r == tracee && WIFSIGNALED(status))
        printf("%s: tracee killed by signal %d\n", what, WTERMSIG(status));
    else if (r != tracee && WIFEXITED(status))
        printf("%s: untraced child exited %d\n", what, WEXITSTATUS(status));
    else
        printf("%s: pid %s status %#x\n", what, r == tracee ? "tracee" : "other", status);
}

static void *waiter(void *arg) {
    (void)arg;
    int status = 0;
    pid_t r = waitpid(tracee, &status, 0);
    show("thread waitpid(tracee)", r, status);
    return NULL;
}

static char peeked[64];

static void peek_until_error(void) {
    long v;
    for (unsigned long i = 0; i < 200000000UL; i++) {
        errno = 0;
        v = ptrace(PTRACE_PEEKDATA, tracee, &word, 0);
        if (errno != 0 || v != 42)
            break;
    }
    snprintf(peeked, sizeof peeked, "peek: %ld %s\n", v, errno ? strerrorname_np(errno) : "no error");
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "wait";
    alarm(30);
    setvbuf(stdout, NULL, _IONBF, 0);
    pid_t plain = fork();
    if (plain == 0) {
        sleep(2);
        _exit(7);
    }
    tracee = fork();
    if (tracee == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        for (;;)
            pause();
    }
    int status = 0;
    pid_t r = waitpid(tracee, &status, 0);
    if (r != tracee || !WIFSTOPPED(status)) {
        show("first stop", r, status);
        return 1;
    }
    int stay_stopped = !strcmp(mode, "peek") || !strcmp(mode, "threads");
    if (!stay_stopped && ptrace(PTRACE_CONT, tracee, 0, 0) != 0)
        printf("cont: %s\n", strerrorname_np(errno));
    printf("ready %d\n", (int)getpid());
    if (!strcmp(mode, "wait")) {
        r = waitpid(tracee, &status, 0);
        show("waitpid(tracee)", r, status);
    } else if (!strcmp(mode, "any")) {
        r = waitpid(-1, &status, __WALL);
        show("waitpid(-1)", r, status);
    } else if (!strcmp(mode, "peek")) {
        peek_until_error();
        fputs(peeked, stdout);
        r = waitpid(tracee, &status, 0);
        show("waitpid(tracee)", r, status);
    } else {
        pthread_t t;
        pthread_create(&t, NULL, waiter, NULL);
        peek_until_error();
        pthread_join(t, NULL);
        fputs(peeked, stdout);
    }
    errno = 0;
    long x = ptrace(PTRACE_ATTACH, plain, 0, 0);
    printf("attach after: %ld %s\n", x, strerrorname_np(errno));
    r = waitpid(-1, &status, 0);
    show("waitpid(-1)", r, status);
    r = waitpid(-1, &status, 0);
    show("waitpid(-1)", r, status);
    return 0;
}
