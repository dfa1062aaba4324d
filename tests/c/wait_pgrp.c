/* waitpid's process-group selectors with tracees: 0 (the caller's group) and -PGID.
 *
 * Linux rules (wait(2): "0 meaning wait for any child process whose process group ID is
 * equal to that of the calling process at the time of the call to waitpid()", "< -1 meaning
 * wait for any child process whose process group ID is equal to the absolute value of pid";
 * kernel/exit.c eligible_pid(): PIDTYPE_PGID compares task_pid_type(p, PIDTYPE_PGID), the
 * same for a tracee found on the tracer's ptraced list):
 *  - a tracee attached in another process group, its attach stop pending, is not selected by
 *    waitpid(0): with no other child, -1 ECHILD; waitpid(-its group) reports the stop;
 *  - a TRACEME child in the caller's group is selected by waitpid(0), and not by
 *    waitpid(-other group) while that group's tracee has nothing to report (WNOHANG: 0);
 *  - deaths are selected the same way. */
#include "helpers.h"

static pid_t fork_paused(int own_group)
{
    pid_t pid = fork();
    CHECK(pid != -1);
    if (pid == 0) {
        if (own_group)
            setpgid(0, 0);
        for (;;)
            pause();
    }
    if (own_group)
        setpgid(pid, pid); /* either call wins the race; both set the same group */
    return pid;
}

static void traceme_and_stop(void)
{
}

static void show(const char *label, pid_t r, pid_t a, pid_t b, int status)
{
    if (r == -1)
        printf("%s -> -1 %s\n", label, errno_name(errno));
    else if (r == 0)
        printf("%s -> 0\n", label);
    else {
        char l[128];
        snprintf(l, sizeof l, "%s -> %s", label, r == a ? "A" : r == b ? "B" : "other");
        print_status(l, status);
    }
}

int main(void)
{
    setup();
    int status = 0;
    pid_t r;
    /* A: another process group, attached. */
    pid_t a = fork_paused(1);
    CHECK(ptrace(PTRACE_ATTACH, a, 0, 0) == 0);
    r = waitpid(0, &status, __WALL | WNOHANG);
    show("A attached: waitpid(0, WNOHANG)", r, a, 0, status);
    r = waitpid(0, &status, __WALL);
    show("A attached: waitpid(0)", r, a, 0, status);
    r = waitpid(-a, &status, __WALL);
    show("A attached: waitpid(-A's group)", r, a, 0, status);

    /* B: the caller's group, TRACEME. */
    pid_t b = fork_traced(traceme_and_stop);
    r = waitpid(-a, &status, __WALL | WNOHANG);
    show("B stopped: waitpid(-A's group, WNOHANG)", r, a, b, status);
    r = waitpid(0, &status, __WALL | WNOHANG);
    show("B stopped: waitpid(0, WNOHANG)", r, a, b, status);

    /* Deaths. */
    CHECK(ptrace(PTRACE_CONT, a, 0, 0) == 0);
    CHECK(kill(a, SIGKILL) == 0);
    CHECK(ptrace(PTRACE_CONT, b, 0, 0) == 0);
    r = waitpid(0, &status, __WALL);
    show("B resumed: waitpid(0)", r, a, b, status);
    r = waitpid(-a, &status, __WALL);
    show("A killed: waitpid(-A's group)", r, a, b, status);
    r = waitpid(-a, &status, __WALL);
    show("then waitpid(-A's group)", r, a, b, status);
    r = waitpid(0, &status, __WALL);
    show("then waitpid(0)", r, a, b, status);
    return 0;
}
