/* A blocked waitpid is interrupted by a signal, as any slow system call.
 *
 * Linux rules (wait(2) ERRORS "EINTR: WNOHANG was not set and an unblocked signal or a
 * SIGCHLD was caught"; signal(7) "Interruption of system calls and library functions by
 * signal handlers": wait(2) is restarted under SA_RESTART; kernel/exit.c do_wait() returns
 * -ERESTARTSYS when a signal is pending):
 *  - a tracer blocked in waitpid(pid, &st, 0) on a running tracee (SEIZE) gets -1 EINTR when
 *    a handler installed without SA_RESTART runs; with SA_RESTART the same wait goes on and
 *    returns the tracee's exit;
 *  - the same with four running tracees (ATTACH, then CONT) and waitpid(-1, &st, __WALL).
 * The signal (SIGUSR1) comes from a helper thread with pthread_kill, so that alarm() stays the
 * guard: without SA_RESTART it is sent every 20 ms until waitpid returns (so one arrives while
 * the wait blocks), for one second at most; with SA_RESTART three are sent. Then the tracees
 * are let go (a wait that ignored the signals returns their exit instead of hanging). The tracees
 * block on a pipe until then, so nothing but the signal can end the wait early. */
#include <pthread.h>
#include "helpers.h"

#define TRACEES 4

static volatile sig_atomic_t handled;
static volatile int wait_returned;
static pthread_t main_thread;
static int release[2];

static void on_usr1(int sig)
{
    (void)sig;
    handled++;
}

static void *signaller(void *arg)
{
    int restart = *(int *)arg;
    for (int i = 0; i < 50 && !wait_returned; i++) {
        usleep(20000);
        if (!wait_returned)
            pthread_kill(main_thread, SIGUSR1);
        if (restart && i == 2)
            break;
    }
    /* Let the tracees go (once waitpid returned, or after the signals for SA_RESTART). */
    char bytes[TRACEES] = {3, 3, 3, 3};
    CHECK(write(release[1], bytes, sizeof bytes) == (ssize_t)sizeof bytes);
    return NULL;
}

static void reader(void)
{
    char c;
    if (read(release[0], &c, 1) != 1)
        _exit(100);
    _exit(c);
}

static pid_t start_tracee(int seize)
{
    pid_t pid = fork();
    CHECK(pid != -1);
    if (pid == 0)
        reader();
    if (seize) {
        CHECK(ptrace(PTRACE_SEIZE, pid, NULL, NULL) == 0);
    } else {
        int status;
        CHECK(ptrace(PTRACE_ATTACH, pid, NULL, NULL) == 0);
        wait_for(pid, &status, __WALL);
        CHECK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP);
        CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    }
    return pid;
}

static void run(const char *label, int restart, int ntracees)
{
    printf("[%s, %s]\n", label, restart ? "SA_RESTART" : "no SA_RESTART");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    CHECK(pipe(release) == 0);
    pid_t pids[TRACEES];
    for (int i = 0; i < ntracees; i++)
        pids[i] = start_tracee(ntracees == 1);
    handled = 0;
    wait_returned = 0;
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, signaller, &restart) == 0);

    int status = 0;
    errno = 0;
    pid_t r = ntracees == 1 ? waitpid(pids[0], &status, 0) : waitpid(-1, &status, __WALL);
    int err = errno;
    wait_returned = 1;
    if (r == -1) {
        printf("waitpid -> -1 %s\n", errno_name(err));
    } else {
        int known = 0;
        for (int i = 0; i < ntracees; i++)
            known |= r == pids[i];
        printf("waitpid -> %s\n", known ? "a tracee" : "something else");
        print_status("its status", status);
    }
    printf("handler ran: %s\n", handled > 0 ? "yes" : "no");
    CHECK(pthread_join(thread, NULL) == 0);
    /* Reap what is left: every tracee exits with the byte it read. */
    int exited3 = r > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 3;
    for (int i = 0; i < ntracees; i++) {
        if (pids[i] == r)
            continue;
        wait_for(pids[i], &status, __WALL);
        exited3 += WIFEXITED(status) && WEXITSTATUS(status) == 3;
    }
    printf("tracees that exited 3: %d of %d\n", exited3, ntracees);
    close(release[0]);
    close(release[1]);
}

int main(void)
{
    setup();
    main_thread = pthread_self();
    run("one running tracee, waitpid(pid, 0)", 0, 1);
    run("one running tracee, waitpid(pid, 0)", 1, 1);
    run("four running tracees, waitpid(-1, __WALL)", 0, TRACEES);
    run("four running tracees, waitpid(-1, __WALL)", 1, TRACEES);
    return 0;
}
