/* A tracee that is not the tracer's child (a grandchild).
 *
 * Linux rules (ptrace(2): "the tracee ... will be reported to the tracer through waitpid as
 * if the tracer were its parent"; wait(2) WNOHANG "return immediately if no child has
 * exited" -> 0 when there are waitable children, ECHILD only when there are none;
 * kernel/exit.c do_wait() scans the tracer's ptraced list as well as its children, and
 * exit_notify()/do_notify_parent() report a traced task's death to its tracer first):
 *  - with the grandchild's attach stop consumed, waitpid(-1, WNOHANG|__WALL) and
 *    waitpid(grandchild, WNOHANG|__WALL) both return 0 (it is a waitable tracee that has
 *    nothing to report);
 *  - the grandchild, SIGKILLed with kill() while it runs, is reported to the tracer as
 *    "killed SIGKILL"; then its real parent reaps it too, and sees SIGKILL as well;
 *  - the same for a grandchild SIGKILLed at a syscall stop (PTRACE_SYSCALL from the attach
 *    stop), and for one SIGKILLed at its attach stop, never resumed;
 *  - a grandchild orphaned after the attach (its parent killed and reaped, so the tracer has
 *    no child left, only the tracee): waitpid(-1, WNOHANG|__WALL) still returns 0, and its
 *    death is reported to the tracer. */
#include "helpers.h"

/* Forks a middle child that forks a grandchild (which pauses forever), waits for it and
 * exits with the signal that killed it. Returns the grandchild; *mid is the middle child. */
static pid_t grandchild(pid_t *mid)
{
    int p[2];
    CHECK(pipe(p) == 0);
    *mid = fork();
    CHECK(*mid != -1);
    if (*mid == 0) {
        pid_t g = fork();
        if (g == -1)
            _exit(99);
        if (g == 0) {
            for (;;)
                pause();
        }
        if (write(p[1], &g, sizeof g) != (ssize_t)sizeof g)
            _exit(98);
        int st;
        if (waitpid(g, &st, 0) != g)
            _exit(100);
        _exit(WIFSIGNALED(st) ? WTERMSIG(st) : 101);
    }
    pid_t g;
    CHECK(read(p[0], &g, sizeof g) == (ssize_t)sizeof g);
    close(p[0]);
    close(p[1]);
    return g;
}

/* Prints what a waitpid returned: "-> 0", "-> -1 ECHILD", or "-> the grandchild: killed ...". */
static void print_wait(const char *label, pid_t r, pid_t g, int status)
{
    int err = errno;
    if (r == g) {
        printf("%s -> the grandchild: ", label);
        print_status("status", status);
    } else if (r == -1) {
        printf("%s -> -1 %s\n", label, errno_name(err));
    } else {
        printf("%s -> %s\n", label, r == 0 ? "0" : "another pid");
    }
}

/* waitpid(pid, WNOHANG|__WALL), printed as print_wait does. */
static void nohang(const char *label, pid_t pid, pid_t g)
{
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG | __WALL);
    print_wait(label, r, g, status);
}

static void attach(pid_t g)
{
    int status;
    CHECK(ptrace(PTRACE_ATTACH, g, NULL, NULL) == 0);
    wait_for(g, &status, __WALL);
    print_status("after ATTACH", status);
}

static void end(pid_t g, pid_t mid)
{
    int status;
    pid_t r;
    do
        r = waitpid(g, &status, __WALL);
    while (r == -1 && errno == EINTR);
    print_wait("tracer's waitpid(grandchild, __WALL)", r, g, status);
    nohang("then waitpid(grandchild, WNOHANG|__WALL)", g, g);
    wait_for(mid, &status, 0);
    print_status("real parent (exit code = the signal it saw)", status);
}

static void test_running(void)
{
    pid_t mid, g = grandchild(&mid);
    printf("[grandchild, killed while running]\n");
    attach(g);
    nohang("waitpid(-1, WNOHANG|__WALL) at the consumed attach stop", -1, g);
    nohang("waitpid(grandchild, WNOHANG|__WALL) at the consumed attach stop", g, g);
    CHECK(ptrace(PTRACE_CONT, g, NULL, NULL) == 0);
    usleep(20000);
    nohang("waitpid(-1, WNOHANG|__WALL) while it runs", -1, g);
    nohang("waitpid(grandchild, WNOHANG|__WALL) while it runs", g, g);
    CHECK(kill(g, SIGKILL) == 0);
    end(g, mid);
}

static void test_at_syscall_stop(void)
{
    pid_t mid, g = grandchild(&mid);
    int status;
    printf("[grandchild, killed at a syscall stop]\n");
    attach(g);
    long opts = PTRACE_O_TRACESYSGOOD;
    CHECK(ptrace(PTRACE_SETOPTIONS, g, NULL, (void *)opts) == 0);
    CHECK(ptrace(PTRACE_SYSCALL, g, NULL, NULL) == 0);
    wait_for(g, &status, __WALL);
    print_status("after SYSCALL", status);
    CHECK(kill(g, SIGKILL) == 0);
    end(g, mid);
}

static void test_at_attach_stop(void)
{
    pid_t mid, g = grandchild(&mid);
    printf("[grandchild, killed at its attach stop]\n");
    attach(g);
    CHECK(kill(g, SIGKILL) == 0);
    end(g, mid);
}

static void test_orphan(void)
{
    pid_t mid, g = grandchild(&mid);
    int status;
    printf("[orphaned grandchild, killed while running]\n");
    attach(g);
    CHECK(kill(mid, SIGKILL) == 0);
    wait_for(mid, &status, 0);
    print_status("its parent", status);
    nohang("waitpid(-1, WNOHANG|__WALL) at the consumed attach stop", -1, g);
    CHECK(ptrace(PTRACE_CONT, g, NULL, NULL) == 0);
    usleep(20000);
    nohang("waitpid(-1, WNOHANG|__WALL) while it runs", -1, g);
    CHECK(kill(g, SIGKILL) == 0);
    pid_t r;
    do
        r = waitpid(-1, &status, __WALL);
    while (r == -1 && errno == EINTR);
    print_wait("tracer's waitpid(-1, __WALL)", r, g, status);
    nohang("then waitpid(-1, WNOHANG|__WALL)", -1, g);
}

int main(void)
{
    setup();
    test_running();
    test_orphan();
    test_at_syscall_stop();
    test_at_attach_stop();
    return 0;
}
