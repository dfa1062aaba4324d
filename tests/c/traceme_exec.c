/* PTRACE_TRACEME followed by execve: the tracer sees the child stop with a plain SIGTRAP
 * after the exec (ptrace(2), "execve(2) under ptrace"), and with PTRACE_O_TRACEEXEC the
 * stop becomes PTRACE_EVENT_EXEC whose message is the tid of the execing thread. */
#include "helpers.h"

static void run(int with_option)
{
    pid_t pid = fork();
    CHECK(pid != -1);
    if (pid == 0) {
        CHECK(ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0);
        if (with_option)
            raise(SIGSTOP);
        execl("/bin/true", "true", (char *)NULL);
        _exit(127);
    }
    int status;
    if (with_option) {
        wait_for(pid, &status, 0);
        print_status("before exec", status);
        long opts = PTRACE_O_TRACEEXEC;
        CHECK(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) == 0);
        CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    }
    wait_for(pid, &status, 0);
    print_status("exec stop", status);
    if (with_option) {
        unsigned long msg = 0;
        CHECK(ptrace(PTRACE_GETEVENTMSG, pid, NULL, &msg) == 0);
        printf("event message is the child's pid: %s\n", msg == (unsigned long)pid ? "yes" : "no");
    }
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    print_status("end", status);
}

int main(void)
{
    setup();
    run(0);
    run(1);
    /* TRACEME twice in one process: EPERM (already traced). */
    pid_t pid = fork();
    CHECK(pid != -1);
    if (pid == 0) {
        CHECK(ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0);
        errno = 0;
        long r = ptrace(PTRACE_TRACEME, 0, NULL, NULL);
        _exit(r == -1 && errno == EPERM ? 0 : 1);
    }
    int status;
    wait_for(pid, &status, 0);
    print_status("second TRACEME is EPERM", status);
    return 0;
}
