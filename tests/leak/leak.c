/* Leak check: N sequential tracing sessions must leave the tracer's open descriptors and heap
 * where they were after a warm-up (the first sessions may create what lives as long as the
 * process: the library's session table, its event thread, its connection).
 *
 *   leak SESSIONS [WARMUP]
 *
 * Each session drives a real child through the library, four kinds in turn:
 *   0  TRACEME + raise(SIGSTOP); GETREGS, PEEKDATA, SETOPTIONS, SYSCALL to a syscall stop,
 *      GETREGS; PTRACE_KILL; reaped
 *   1  as 0, but DETACH from the syscall stop, then SIGKILL; reaped
 *   2  ATTACH to a child in pause(); PEEKDATA; CONT; SIGKILL; reaped (its death reported)
 *   3  SEIZE; INTERRUPT; GETREGS; DETACH; SIGKILL; reaped
 * Descriptors are counted portably (fcntl(F_GETFD) on 0..1023: no /proc, so it works on Redox
 * too); the heap is glibc's mallinfo2() in-use bytes (the library allocates through malloc),
 * elsewhere not measured. Prints the figures and "leak check: ok", exit 0, or what is not
 * back, exit 1; a session that goes wrong is exit 2 with its number. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

/* In-use heap bytes may move by this much at most between the warm-up and the end. */
#define HEAP_SLACK 4096L

static volatile long peek_me = 0x1234567;
static long session;

#define MUST(expr)                                                                        \
    do {                                                                                  \
        if (!(expr)) {                                                                    \
            fprintf(stderr, "session %ld: %s failed (line %d, errno %d)\n", session, #expr, \
                    __LINE__, errno);                                                     \
            exit(2);                                                                      \
        }                                                                                 \
    } while (0)

static int open_fds(void)
{
    int n = 0;
    for (int fd = 0; fd < 1024; fd++)
        if (fcntl(fd, F_GETFD) != -1)
            n++;
    return n;
}

static long heap_in_use(void)
{
#ifdef __GLIBC__
    struct mallinfo2 mi = mallinfo2();
    return (long)(mi.uordblks + mi.hblkhd);
#else
    return 0;
#endif
}

static pid_t wait_stop(pid_t pid)
{
    int status;
    pid_t r;
    while ((r = waitpid(pid, &status, __WALL)) == -1 && errno == EINTR)
        ;
    MUST(r == pid && WIFSTOPPED(status));
    return r;
}

static void reap(pid_t pid)
{
    int status;
    pid_t r;
    /* Until its death is reported: a stop reported meanwhile (e.g. a seized child's
     * group-stop) is skipped. */
    do {
        while ((r = waitpid(pid, &status, __WALL)) == -1 && errno == EINTR)
            ;
        MUST(r == pid);
    } while (WIFSTOPPED(status));
    MUST(WIFSIGNALED(status) || WIFEXITED(status));
}

static pid_t fork_traceme(void)
{
    pid_t pid = fork();
    MUST(pid != -1);
    if (pid == 0) {
        if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
            _exit(120);
        raise(SIGSTOP);
        for (;;)
            syscall(SYS_getppid);
    }
    wait_stop(pid);
    return pid;
}

static pid_t fork_paused(void)
{
    pid_t pid = fork();
    MUST(pid != -1);
    if (pid == 0)
        for (;;)
            pause();
    return pid;
}

static void one_session(int kind)
{
    struct user_regs_struct regs;
    pid_t pid;
    switch (kind) {
    case 0:
    case 1:
        pid = fork_traceme();
        MUST(ptrace(PTRACE_GETREGS, pid, NULL, &regs) == 0);
        errno = 0;
        MUST(ptrace(PTRACE_PEEKDATA, pid, (void *)&peek_me, NULL) == 0x1234567 && errno == 0);
        MUST(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)PTRACE_O_TRACESYSGOOD) == 0);
        MUST(ptrace(PTRACE_SYSCALL, pid, NULL, NULL) == 0);
        wait_stop(pid);
        MUST(ptrace(PTRACE_GETREGS, pid, NULL, &regs) == 0);
        if (kind == 0) {
            MUST(ptrace(PTRACE_KILL, pid, NULL, NULL) == 0);
        } else {
            MUST(ptrace(PTRACE_DETACH, pid, NULL, NULL) == 0);
            MUST(kill(pid, SIGKILL) == 0);
        }
        reap(pid);
        break;
    case 2:
        pid = fork_paused();
        MUST(ptrace(PTRACE_ATTACH, pid, NULL, NULL) == 0);
        wait_stop(pid);
        errno = 0;
        MUST(ptrace(PTRACE_PEEKDATA, pid, (void *)&peek_me, NULL) == 0x1234567 && errno == 0);
        MUST(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
        MUST(kill(pid, SIGKILL) == 0);
        reap(pid);
        break;
    default:
        pid = fork_paused();
        MUST(ptrace(PTRACE_SEIZE, pid, NULL, NULL) == 0);
        MUST(ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) == 0);
        wait_stop(pid);
        MUST(ptrace(PTRACE_GETREGS, pid, NULL, &regs) == 0);
        MUST(ptrace(PTRACE_DETACH, pid, NULL, NULL) == 0);
        MUST(kill(pid, SIGKILL) == 0);
        reap(pid);
        break;
    }
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 10000;
    long warm = argc > 2 ? atol(argv[2]) : 100;
    if (warm > n)
        warm = n;
    int fds0 = open_fds();
    long heap0 = heap_in_use();
    for (session = 0; session < warm; session++)
        one_session((int)(session % 4));
    int fds1 = open_fds();
    long heap1 = heap_in_use();
    for (; session < n; session++)
        one_session((int)(session % 4));
    int fds2 = open_fds();
    long heap2 = heap_in_use();
    printf("sessions: %ld (warm-up %ld)\n", n, warm);
    printf("open fds: %d at start, %d after warm-up, %d at the end\n", fds0, fds1, fds2);
#ifdef __GLIBC__
    printf("heap in use: %ld bytes at start, %ld after warm-up, %ld at the end (%+ld)\n", heap0,
           heap1, heap2, heap2 - heap1);
#endif
    int ok = fds2 == fds1 && labs(heap2 - heap1) <= HEAP_SLACK;
    printf("leak check: %s\n", ok ? "ok" : "NOT BACK");
    return ok ? 0 : 1;
}
