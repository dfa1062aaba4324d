/* PTRACE_KILL and killing tracees.
 *
 * Checks (ptrace(2) PTRACE_KILL and "Signal-delivery-stop" (only SIGKILL acts on a stopped
 * tracee)):
 *  - PTRACE_KILL on a stopped tracee: it dies, the tracer sees "killed SIGKILL";
 *  - PTRACE_KILL on a running tracee works too (no stop needed);
 *  - PTRACE_KILL on a reaped pid and on a child that is not traced -> ESRCH (the untraced
 *    child survives);
 *  - kill(SIGKILL) on a stopped tracee: killed(9); kill(SIGTERM) on a stopped tracee does
 *    not wake it, the SIGTERM shows up as a signal-delivery-stop once it is restarted. */
#include "helpers.h"

static void loop_forever(void)
{
    for (;;)
        pause();
}

static void test_kill_stopped(void)
{
    int status;
    printf("[PTRACE_KILL on a stopped tracee]\n");
    pid_t pid = fork_traced(loop_forever);
    CHECK(ptrace(PTRACE_KILL, pid, NULL, NULL) == 0);
    printf("PTRACE_KILL -> 0\n");
    wait_for(pid, &status, 0);
    print_status("end", status);
    EXPECT_ERR("PTRACE_KILL on the reaped pid", ptrace(PTRACE_KILL, pid, NULL, NULL));
    EXPECT_ERR("PTRACE_CONT on the reaped pid", ptrace(PTRACE_CONT, pid, NULL, NULL));
}

static void test_kill_running(void)
{
    int status;
    printf("[PTRACE_KILL on a running tracee]\n");
    pid_t pid = fork_traced(loop_forever);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    printf("not stopped before KILL: %s\n", waitpid(pid, &status, WNOHANG) == 0 ? "yes" : "no");
    CHECK(ptrace(PTRACE_KILL, pid, NULL, NULL) == 0);
    printf("PTRACE_KILL -> 0\n");
    wait_for(pid, &status, 0);
    print_status("end", status);
}

static void test_kill_untraced(void)
{
    int status;
    printf("[PTRACE_KILL on an untraced child]\n");
    pid_t pid = fork();
    CHECK(pid != -1);
    if (pid == 0)
        loop_forever();
    EXPECT_ERR("PTRACE_KILL", ptrace(PTRACE_KILL, pid, NULL, NULL));
    usleep(20000);
    printf("child still alive: %s\n", waitpid(pid, &status, WNOHANG) == 0 ? "yes" : "no");
    kill_and_reap(pid);
}

static void test_signals_on_stopped(void)
{
    int status;
    printf("[kill(SIGKILL) on a stopped tracee]\n");
    pid_t pid = fork_traced(loop_forever);
    CHECK(kill(pid, SIGKILL) == 0);
    wait_for(pid, &status, 0);
    print_status("end", status);

    printf("[kill(SIGTERM) on a stopped tracee]\n");
    pid = fork_traced(loop_forever);
    CHECK(kill(pid, SIGTERM) == 0);
    usleep(20000);
    printf("no new report while stopped: %s\n", waitpid(pid, &status, WNOHANG) == 0 ? "yes" : "no");
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    print_status("after CONT", status);
    long sig = SIGTERM;
    CHECK(ptrace(PTRACE_CONT, pid, NULL, (void *)sig) == 0);
    wait_for(pid, &status, 0);
    print_status("restarted with SIGTERM", status);
}

int main(void)
{
    setup();
    test_kill_stopped();
    test_kill_running();
    test_kill_untraced();
    test_signals_on_stopped();
    return 0;
}
