/* A tracee SIGKILLed from outside, in every kind of stop and while it runs.
 *
 * Linux rules (ptrace(2) "Signal-delivery-stop": SIGKILL is the one signal that acts on a
 * stopped tracee, it ends any ptrace-stop; "PTRACE_EVENT_EXIT": the exit stop may or may not
 * be shown for a SIGKILLed tracee; wait(2): the tracer reaps the tracee's death,
 * WIFSIGNALED with WTERMSIG SIGKILL):
 *  - kill(SIGKILL) by the tracer at: the TRACEME attach stop, the PTRACE_ATTACH attach stop,
 *    a syscall-entry stop, a syscall-exit stop, a signal-delivery-stop, a group-stop of an
 *    attached and of a seized tracee, a LISTENed group-stop, a single-step stop, the
 *    FORK/VFORK/CLONE/EXEC event stops and the EXIT event stop, and while it runs: the next
 *    waitpid reports "killed SIGKILL"; at the EXIT event stop of an exit already under way
 *    the SIGKILL is dropped: the tracee stays there until restarted, then ends as it was
 *    ending (exit 3, or killed by SIGUSR1);
 *  - a FORK/VFORK child auto-attached at its parent's event stop lives on (its first stop,
 *    then its normal end); a thread auto-attached at a CLONE stop dies with its process;
 *  - with PTRACE_O_TRACEEXIT, a tracee killed running or at a stop first stops at its EXIT
 *    event (0x6057f), then, restarted, is reported killed;
 *  - a tracee SIGKILLed by a third process while the tracer sleeps in waitpid: that waitpid
 *    returns its death;
 *  - after the death, requests on the pid -> ESRCH.
 * Waits name the pid they want, with __WALL, so that the order is deterministic. */
#include "helpers.h"

#include <pthread.h>
#include <time.h>

static char self[4096];

static void loop_forever(void)
{
    for (;;)
        pause();
}

/* Kills `pid` and prints every report until its end; an EXIT event stop is restarted. */
static void kill_and_report(pid_t pid)
{
    int status;
    CHECK(kill(pid, SIGKILL) == 0);
    for (;;) {
        wait_for(pid, &status, __WALL);
        print_status("after SIGKILL", status);
        if (!WIFSTOPPED(status))
            break;
        CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    }
    EXPECT_ERR("PTRACE_CONT on the dead pid", ptrace(PTRACE_CONT, pid, NULL, NULL));
}

static void wait_print(pid_t pid, const char *label)
{
    int status;
    wait_for(pid, &status, __WALL);
    print_status(label, status);
}

static void set_options(pid_t pid, long opts)
{
    CHECK(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) == 0);
}

/* A child that pauses forever, not traced. */
static pid_t spawn_pausing(void)
{
    pid_t pid = fork();
    CHECK(pid != -1);
    if (pid == 0)
        loop_forever();
    return pid;
}

/* Lets a running tracee reach its pause(); its state does not change what Linux reports. */
static void let_it_run(void)
{
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

static void test_running(long opts)
{
    printf("[running%s]\n", opts ? ", TRACEEXIT" : "");
    pid_t pid = fork_traced(loop_forever);
    set_options(pid, opts);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    let_it_run();
    kill_and_report(pid);
}

static void test_traceme_stop(void)
{
    printf("[TRACEME attach stop]\n");
    kill_and_report(fork_traced(loop_forever));
}

static void test_attach_stop(void)
{
    printf("[PTRACE_ATTACH attach stop]\n");
    pid_t pid = spawn_pausing();
    CHECK(ptrace(PTRACE_ATTACH, pid, NULL, NULL) == 0);
    wait_print(pid, "attach stop");
    kill_and_report(pid);
}

static void getppid_forever(void)
{
    for (;;)
        (void)getppid();
}

static void test_syscall_stops(long opts)
{
    printf("[syscall-entry stop%s]\n", opts & PTRACE_O_TRACEEXIT ? ", TRACEEXIT" : "");
    pid_t pid = fork_traced(getppid_forever);
    set_options(pid, opts);
    CHECK(ptrace(PTRACE_SYSCALL, pid, NULL, NULL) == 0);
    wait_print(pid, "entry");
    kill_and_report(pid);

    printf("[syscall-exit stop%s]\n", opts & PTRACE_O_TRACEEXIT ? ", TRACEEXIT" : "");
    pid = fork_traced(getppid_forever);
    set_options(pid, opts);
    CHECK(ptrace(PTRACE_SYSCALL, pid, NULL, NULL) == 0);
    wait_print(pid, "entry");
    CHECK(ptrace(PTRACE_SYSCALL, pid, NULL, NULL) == 0);
    wait_print(pid, "exit");
    kill_and_report(pid);
}

static void raise_usr1(void)
{
    raise(SIGUSR1);
    loop_forever();
}

static void test_signal_stop(long opts)
{
    printf("[signal-delivery-stop%s]\n", opts ? ", TRACEEXIT" : "");
    pid_t pid = fork_traced(raise_usr1);
    set_options(pid, opts);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_print(pid, "signal stop");
    kill_and_report(pid);
}

static void test_group_stop_attached(long opts)
{
    printf("[group-stop, attached%s]\n", opts ? ", TRACEEXIT" : "");
    pid_t pid = fork_traced(loop_forever);
    set_options(pid, opts);
    /* Restarting the SIGSTOP signal-delivery-stop with SIGSTOP delivers it: a group-stop. */
    CHECK(ptrace(PTRACE_CONT, pid, NULL, (void *)SIGSTOP) == 0);
    wait_print(pid, "group-stop");
    kill_and_report(pid);
}

/* A seized tracee in its group-stop (0x80137f), after the SIGSTOP signal-delivery-stop. */
static pid_t seized_group_stop(void)
{
    pid_t pid = spawn_pausing();
    CHECK(ptrace(PTRACE_SEIZE, pid, NULL, NULL) == 0);
    CHECK(kill(pid, SIGSTOP) == 0);
    wait_print(pid, "signal stop");
    CHECK(ptrace(PTRACE_CONT, pid, NULL, (void *)SIGSTOP) == 0);
    wait_print(pid, "group-stop");
    return pid;
}

static void test_group_stop_seized(void)
{
    printf("[group-stop, seized]\n");
    kill_and_report(seized_group_stop());
}

static void test_listen(void)
{
    printf("[LISTENed group-stop]\n");
    pid_t pid = seized_group_stop();
    CHECK(ptrace(PTRACE_LISTEN, pid, NULL, NULL) == 0);
    kill_and_report(pid);
}

static void test_singlestep(void)
{
    printf("[single-step stop]\n");
    pid_t pid = fork_traced(getppid_forever);
    CHECK(ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) == 0);
    wait_print(pid, "step");
    kill_and_report(pid);
}

static void fork_then_pause(void)
{
    pid_t c = fork();
    if (c == 0)
        _exit(5);
    loop_forever();
}

static void vfork_then_pause(void)
{
    pid_t c = vfork();
    if (c == 0)
        _exit(6);
    loop_forever();
}

/* At the FORK/VFORK event stop: the parent is killed, its auto-attached child lives on. */
static void test_fork_event(const char *label, void (*fn)(void), long opts)
{
    printf("[%s event stop]\n", label);
    pid_t pid = fork_traced(fn);
    set_options(pid, opts);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_print(pid, "parent");
    unsigned long child = 0;
    CHECK(ptrace(PTRACE_GETEVENTMSG, pid, NULL, &child) == 0);
    wait_print((pid_t)child, "child's first stop");
    kill_and_report(pid);
    CHECK(ptrace(PTRACE_CONT, (pid_t)child, NULL, NULL) == 0);
    wait_print((pid_t)child, "child's end");
}

static void *thread_pause(void *arg)
{
    loop_forever();
    return arg;
}

static void thread_then_pause(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, thread_pause, NULL) != 0)
        _exit(100);
    loop_forever();
}

/* At the CLONE event stop: the process is killed, the new thread (at its first stop) dies
 * with it. The thread is waited for first: its leader is reported once the group is gone. */
static void test_clone_event(void)
{
    printf("[CLONE event stop]\n");
    pid_t pid = fork_traced(thread_then_pause);
    set_options(pid, PTRACE_O_TRACECLONE);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_print(pid, "process");
    unsigned long thread = 0;
    CHECK(ptrace(PTRACE_GETEVENTMSG, pid, NULL, &thread) == 0);
    wait_print((pid_t)thread, "thread's first stop");
    CHECK(kill(pid, SIGKILL) == 0);
    wait_print((pid_t)thread, "thread after SIGKILL");
    wait_print(pid, "process after SIGKILL");
}

static void exec_self(void)
{
    execl(self, self, "pause", (char *)NULL);
    _exit(101);
}

static void test_exec_event(void)
{
    printf("[EXEC event stop]\n");
    pid_t pid = fork_traced(exec_self);
    set_options(pid, PTRACE_O_TRACEEXEC);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_print(pid, "exec");
    kill_and_report(pid);
}

static void exit_3(void)
{
    exit(3);
}

static void raise_usr1_default(void)
{
    signal(SIGUSR1, SIG_DFL);
    raise(SIGUSR1);
    _exit(100);
}

/* At the EXIT event stop the process is already exiting (exit_group, or a fatal signal):
 * Linux drops a SIGKILL sent then (kernel/signal.c prepare_signal: SIGNAL_GROUP_EXIT), so
 * the tracee stays at the stop until the tracer restarts it, and ends as it was ending. */
static void kill_at_exit_stop(pid_t pid)
{
    int status;
    CHECK(kill(pid, SIGKILL) == 0);
    let_it_run();
    printf("after SIGKILL: still at the exit stop: %s\n",
           waitpid(pid, &status, WNOHANG | __WALL) == 0 ? "yes" : "no");
    unsigned long msg = 0;
    CHECK(ptrace(PTRACE_GETEVENTMSG, pid, NULL, &msg) == 0);
    printf("exit message: %lu\n", msg);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_print(pid, "end");
}

/* At the EXIT event stop of an exit under way: exit(3) and death by SIGUSR1. */
static void test_exit_event(void)
{
    printf("[EXIT event stop, exit(3)]\n");
    pid_t pid = fork_traced(exit_3);
    set_options(pid, PTRACE_O_TRACEEXIT);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_print(pid, "exit stop");
    kill_at_exit_stop(pid);

    printf("[EXIT event stop, killed by SIGUSR1]\n");
    pid = fork_traced(raise_usr1_default);
    set_options(pid, PTRACE_O_TRACEEXIT);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_print(pid, "signal stop");
    CHECK(ptrace(PTRACE_CONT, pid, NULL, (void *)SIGUSR1) == 0);
    wait_print(pid, "exit stop");
    kill_at_exit_stop(pid);
}

/* A third process kills the running tracee while the tracer sleeps in waitpid. */
static void test_killed_during_waitpid(void)
{
    printf("[killed by a third process during waitpid]\n");
    pid_t pid = fork_traced(loop_forever);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    pid_t killer = fork();
    CHECK(killer != -1);
    if (killer == 0) {
        let_it_run();
        let_it_run();
        _exit(kill(pid, SIGKILL) == 0 ? 0 : 1);
    }
    wait_print(pid, "tracer's waitpid");
    wait_print(killer, "killer");
    EXPECT_ERR("PTRACE_CONT on the dead pid", ptrace(PTRACE_CONT, pid, NULL, NULL));
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "pause") == 0)
        loop_forever();
    setup();
#ifdef __linux__
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    CHECK(n > 0);
    self[n] = '\0';
#else
    snprintf(self, sizeof self, "%s", argv[0]);
#endif
    test_running(0);
    test_running(PTRACE_O_TRACEEXIT);
    test_traceme_stop();
    test_attach_stop();
    test_syscall_stops(PTRACE_O_TRACESYSGOOD);
    test_syscall_stops(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXIT);
    test_signal_stop(0);
    test_signal_stop(PTRACE_O_TRACEEXIT);
    test_group_stop_attached(0);
    test_group_stop_attached(PTRACE_O_TRACEEXIT);
    test_group_stop_seized();
    test_listen();
    test_singlestep();
    test_fork_event("FORK", fork_then_pause, PTRACE_O_TRACEFORK);
    test_fork_event("VFORK", vfork_then_pause, PTRACE_O_TRACEVFORK);
    test_clone_event();
    test_exec_event();
    test_exit_event();
    test_killed_during_waitpid();
    return 0;
}
