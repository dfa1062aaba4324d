/* The stops around an execve, as debuggers and tracers rely on them (ptrace(2) "execve(2)
 * under ptrace", "Syscall-stops"):
 *  - the exec stop holds the tracee: the new program has not run a single line when the
 *    tracer sees the stop (gdb plants its breakpoints there), for the first exec of a
 *    TRACEME child and for a later exec (a shell that execs the program, gdb's default
 *    start), with and without PTRACE_O_TRACEEXEC;
 *  - under PTRACE_SYSCALL a TRACEME child's execve shows its syscall-entry stop, then the
 *    exec stop, then its syscall-exit stop (strace depends on that order: otherwise it
 *    prints "Stray PTRACE_EVENT_EXEC"). */
#include "helpers.h"

#include <fcntl.h>
#include <sys/syscall.h>

/* The exec'd program (this one, with an argument): writes one byte to fd 3 and exits. */
static int child_main(void)
{
    char c = 'x';
    (void)!write(3, &c, 1);
    return 7;
}

static char self[4096];

/* A pipe whose write end is fd 3 in the child; returns the read end (non-blocking). */
static int pipe_to_fd3(int p[2])
{
    CHECK(pipe(p) == 0);
    CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0);
    return p[0];
}

static void check_held(const char *label, int rfd)
{
    char c;
    usleep(100000);
    printf("%s: the new program has not run: %s\n", label,
           read(rfd, &c, 1) == -1 && errno == EAGAIN ? "yes" : "no");
}

/* `execs` = 1: the TRACEME child execs the program; 2: it execs a shell that execs it. */
static void hold(int execs, long opts)
{
    int p[2];
    int rfd = pipe_to_fd3(p);
    printf("[%s exec%s]\n", execs == 1 ? "first" : "second",
           opts ? ", PTRACE_O_TRACEEXEC" : "");
    pid_t pid = fork();
    CHECK(pid != -1);
    if (pid == 0) {
        CHECK(dup2(p[1], 3) == 3);
        CHECK(ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0);
        raise(SIGSTOP);
        if (execs == 1)
            execl(self, self, "child", (char *)NULL);
        else
            execl("/bin/sh", "sh", "-c", "exec \"$0\" child", self, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    int status;
    wait_for(pid, &status, 0);
    CHECK(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) == 0);
    for (int i = 1; i <= execs; i++) {
        CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
        wait_for(pid, &status, 0);
        char label[32];
        snprintf(label, sizeof label, "exec %d", i);
        print_status(label, status);
    }
    check_held("at the exec stop", rfd);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    print_status("end", status);
    char c;
    printf("then it ran: %s\n", read(rfd, &c, 1) == 1 ? "yes" : "no");
    close(rfd);
}

/* PTRACE_SYSCALL through a TRACEME child's first execve. */
static void syscall_order(long opts)
{
    printf("[PTRACE_SYSCALL over execve%s]\n", opts ? ", PTRACE_O_TRACEEXEC" : "");
    pid_t pid = fork();
    CHECK(pid != -1);
    if (pid == 0) {
        CHECK(ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0);
        raise(SIGSTOP);
        execl("/bin/true", "true", (char *)NULL);
        _exit(127);
    }
    int status;
    wait_for(pid, &status, 0);
    opts |= PTRACE_O_TRACESYSGOOD;
    CHECK(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) == 0);
    /* Stops up to the execve's entry are skipped (raise()'s kill returns first); from
     * there, the execve's entry and the two stops after it are printed. */
    int printed = 0;
    for (int n = 0; n < 20 && printed < 3; n++) {
        CHECK(ptrace(PTRACE_SYSCALL, pid, NULL, NULL) == 0);
        wait_for(pid, &status, 0);
        if (!WIFSTOPPED(status))
            break;
        if (WSTOPSIG(status) != (SIGTRAP | 0x80)) {
            if (printed) {
                print_status("stop", status);
                printed++;
            }
            continue;
        }
        struct __ptrace_syscall_info info;
        memset(&info, 0, sizeof info);
        CHECK(ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof info, &info) > 0);
        int entry = info.op == PTRACE_SYSCALL_INFO_ENTRY;
        if (!printed && !(entry && info.entry.nr == SYS_execve))
            continue;
        if (entry)
            printf("syscall entry: %s\n", info.entry.nr == SYS_execve ? "execve" : "another");
        else
            printf("syscall exit: %s\n", info.exit.rval == 0 ? "0 (the execve)" : "another");
        printed++;
    }
    kill_and_reap(pid);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "child") == 0)
        return child_main();
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    CHECK(n > 0);
    self[n] = '\0';
    setup();
    hold(1, 0);
    hold(1, PTRACE_O_TRACEEXEC);
    hold(2, 0);
    hold(2, PTRACE_O_TRACEEXEC);
    syscall_order(0);
    syscall_order(PTRACE_O_TRACEEXEC);
    return 0;
}
