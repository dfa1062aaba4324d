/* A blocking waitpid sleeps: it does not spin a CPU.
 *
 * Linux rule (wait(2): "suspends execution of the calling thread until a child ... has
 * changed state"; kernel/exit.c do_wait() sleeps in TASK_INTERRUPTIBLE on the wait queue
 * until a child or tracee notifies it; getrusage(2) RUSAGE_SELF counts the user and system
 * CPU time of the calling process): while every tracee runs (or sleeps) for 1 s before it
 * exits, the tracer's blocking waitpid uses (almost) no CPU time. Cases: one PTRACE_TRACEME
 * tracee given PTRACE_O_EXITKILL by SETOPTIONS; one attached tracee given it the same way;
 * four tracees (two attached, two TRACEME with EXITKILL), waitpid(-1, __WALL); two tracees
 * and an untraced child, waitpid(-1, 0). The limit, 0.1 s of CPU for 1 s of waiting,
 * leaves room for a loaded machine. */
#include <sys/resource.h>
#include <sys/time.h>
#include "helpers.h"

static double cpu_seconds(void)
{
    struct rusage ru;
    CHECK(getrusage(RUSAGE_SELF, &ru) == 0);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* A child that sleeps 1 s and exits with `code`. */
static pid_t sleeper(int code)
{
    pid_t pid = fork();
    CHECK(pid != -1);
    if (pid == 0) {
        usleep(1000000);
        _exit(code);
    }
    return pid;
}

static int traceme_code;

static void sleep_then_exit(void)
{
    usleep(1000000);
    _exit(traceme_code);
}

/* A PTRACE_TRACEME child (at its SIGSTOP) given PTRACE_O_EXITKILL, continued; it sleeps 1 s
 * and exits with `code`. */
static pid_t traceme_exitkill(int code)
{
    traceme_code = code;
    pid_t pid = fork_traced(sleep_then_exit);
    long opts = PTRACE_O_EXITKILL;
    CHECK(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) == 0);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    return pid;
}

static void attach_and_continue(pid_t pid)
{
    int status;
    CHECK(ptrace(PTRACE_ATTACH, pid, NULL, NULL) == 0);
    wait_for(pid, &status, __WALL);
    CHECK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
}

static void report(double before)
{
    double used = cpu_seconds() - before;
    printf("tracer CPU time while waiting under 0.1 s: %s\n", used < 0.1 ? "yes" : "no");
}

/* The blocking waitpid(pid, 0) on one running tracee, measured. */
static void wait_measured(pid_t pid)
{
    int status;
    double before = cpu_seconds();
    wait_for(pid, &status, 0);
    report(before);
    print_status("tracee", status);
}

static void test_one_traceme(void)
{
    printf("[one tracee, TRACEME, SETOPTIONS EXITKILL, CONT, waitpid(pid, 0)]\n");
    wait_measured(traceme_exitkill(3));
}

static void test_one(void)
{
    int status;
    printf("[one tracee, ATTACH, SETOPTIONS EXITKILL, CONT, waitpid(pid, 0)]\n");
    pid_t pid = sleeper(4);
    CHECK(ptrace(PTRACE_ATTACH, pid, NULL, NULL) == 0);
    wait_for(pid, &status, __WALL);
    long opts = PTRACE_O_EXITKILL;
    CHECK(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) == 0);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_measured(pid);
}

static void test_four(void)
{
    int status;
    printf("[four tracees, two ATTACH and CONT, two TRACEME with EXITKILL, waitpid(-1, __WALL)]\n");
    for (int i = 0; i < 4; i++) {
        if (i < 2)
            attach_and_continue(sleeper(5));
        else
            traceme_exitkill(5);
    }
    double before = cpu_seconds();
    int exited5 = 0;
    for (int i = 0; i < 4; i++) {
        wait_for(-1, &status, __WALL);
        exited5 += WIFEXITED(status) && WEXITSTATUS(status) == 5;
    }
    report(before);
    printf("tracees that exited 5: %d of 4\n", exited5);
}

static void test_tracee_and_child(void)
{
    int status;
    printf("[one tracee (SEIZE with EXITKILL), one tracee (TRACEME with EXITKILL) and one "
           "untraced child, waitpid(-1, 0)]\n");
    pid_t tracee = sleeper(6);
    long opts = PTRACE_O_EXITKILL;
    CHECK(ptrace(PTRACE_SEIZE, tracee, NULL, (void *)opts) == 0);
    pid_t tracee2 = traceme_exitkill(6);
    pid_t child = sleeper(7);
    double before = cpu_seconds();
    int codes = 0;
    for (int i = 0; i < 3; i++) {
        pid_t r = wait_for(-1, &status, 0);
        if (WIFEXITED(status))
            codes += ((r == tracee || r == tracee2) && WEXITSTATUS(status) == 6) ||
                     (r == child && WEXITSTATUS(status) == 7);
    }
    report(before);
    printf("all three exited with their codes: %s\n", codes == 3 ? "yes" : "no");
}

int main(void)
{
    setup();
    test_one_traceme();
    test_one();
    test_four();
    test_tracee_and_child();
    return 0;
}
