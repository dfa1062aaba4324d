/* Event stops: PTRACE_O_TRACEFORK / TRACEVFORK / TRACEVFORKDONE / TRACECLONE / TRACEEXEC /
 * TRACEEXIT, and PTRACE_O_EXITKILL.
 *
 * Checks (ptrace(2) PTRACE_SETOPTIONS option list, "PTRACE_EVENT stops", "Attaching and
 * detaching" on auto-attached children, PTRACE_GETEVENTMSG; parity spec §1.6 and §2 rows
 * EVENT_FORK..EVENT_EXIT, rule 5):
 *  - each event stop's wait status (0x1057f fork, 0x2057f vfork, 0x5057f vfork-done,
 *    0x3057f clone, 0x4057f exec, 0x6057f exit);
 *  - GETEVENTMSG: the new child's pid for FORK/VFORK/CLONE (compared with what fork/vfork/
 *    clone returned in the tracee and what getpid() says in the new child, sent through a
 *    pipe), the child's pid for VFORK_DONE, the tracee's pid for EXEC, and for EXIT the
 *    pending exit in wait-status encoding (exit(3) -> 768);
 *  - auto-attached children start with a SIGSTOP stop (0x137f) when the tracer used
 *    TRACEME, and with a PTRACE_EVENT_STOP (0x80057f) when it used SEIZE;
 *  - options are inherited (the auto-attached children report their own EXIT events);
 *  - EXITKILL: when the tracer (an intermediate process) exits, the tracee is SIGKILLed;
 *    without it the tracee is detached and keeps running.
 * Waits name specific pids and use __WALL so the order is deterministic. */
#include "helpers.h"

#include <sched.h>

static int pfd[2];

struct rec {
    char tag;
    long val;
};

static void put(char tag, long val)
{
    struct rec r;
    memset(&r, 0, sizeof r);
    r.tag = tag;
    r.val = val;
    CHECK(write(pfd[1], &r, sizeof r) == (ssize_t)sizeof r);
}

static int clone_child(void *arg)
{
    (void)arg;
    put('c', getpid());
    _exit(7);
}

static void tracee(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
    int st;

    pid_t f = fork();
    if (f == 0) {
        put('f', getpid());
        _exit(5);
    }
    put('F', f);
    CHECK(waitpid(f, &st, 0) == f);
    put('1', st);

    pid_t v = vfork();
    if (v == 0)
        _exit(6);
    put('V', v);
    CHECK(waitpid(v, &st, 0) == v);
    put('2', st);

    static char stack[64 * 1024];
    pid_t c = clone(clone_child, stack + sizeof stack, 0, NULL);
    put('C', c);
    CHECK(waitpid(c, &st, __WALL) == c);
    put('3', st);

    close(pfd[1]);
    execl("/proc/self/exe", "events", "exit3", (char *)NULL);
    _exit(127);
}

static unsigned long msg_of(pid_t pid)
{
    unsigned long msg = 0;
    CHECK(ptrace(PTRACE_GETEVENTMSG, pid, NULL, &msg) == 0);
    return msg;
}

static void cont(pid_t pid)
{
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
}

/* A new child auto-attached at `what`: print its first stop, run it to its exit event and
 * its end, as seen by the tracer. */
static void follow_child(const char *what, pid_t child)
{
    int status;
    wait_for(child, &status, __WALL);
    printf("%s child: ", what);
    print_status("first stop", status);
    cont(child);
    wait_for(child, &status, __WALL);
    printf("%s child: ", what);
    print_status("exit event", status);
    printf("%s child: exit event message %lu\n", what, msg_of(child));
    cont(child);
    wait_for(child, &status, __WALL);
    printf("%s child: ", what);
    print_status("end (seen by the tracer)", status);
}

static void test_events(void)
{
    int status;
    CHECK(pipe(pfd) == 0);
    pid_t pid = fork_traced(tracee);
    close(pfd[1]);
    long opts = PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACEVFORKDONE |
                PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT;
    CHECK(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) == 0);
    cont(pid);

    printf("[fork]\n");
    wait_for(pid, &status, __WALL);
    print_status("tracee", status);
    unsigned long fork_msg = msg_of(pid);
    cont(pid);
    follow_child("fork", (pid_t)fork_msg);

    printf("[vfork]\n");
    wait_for(pid, &status, __WALL);
    print_status("tracee", status);
    unsigned long vfork_msg = msg_of(pid);
    cont(pid);
    follow_child("vfork", (pid_t)vfork_msg);
    wait_for(pid, &status, __WALL);
    print_status("tracee", status);
    printf("VFORK_DONE message is the vfork child's pid: %s\n",
           msg_of(pid) == vfork_msg ? "yes" : "no");
    cont(pid);

    printf("[clone]\n");
    wait_for(pid, &status, __WALL);
    print_status("tracee", status);
    unsigned long clone_msg = msg_of(pid);
    cont(pid);
    follow_child("clone", (pid_t)clone_msg);

    printf("[exec]\n");
    wait_for(pid, &status, __WALL);
    print_status("tracee", status);
    printf("EXEC message is the tracee's pid: %s\n", msg_of(pid) == (unsigned long)pid ? "yes" : "no");
    cont(pid);

    printf("[exit]\n");
    wait_for(pid, &status, __WALL);
    print_status("tracee", status);
    printf("EXIT message: %lu\n", msg_of(pid));
    cont(pid);
    wait_for(pid, &status, __WALL);
    print_status("tracee end", status);

    long got[128];
    int have[128];
    memset(have, 0, sizeof have);
    struct rec r;
    while (read(pfd[0], &r, sizeof r) == (ssize_t)sizeof r) {
        if ((unsigned char)r.tag < 128) { /* char is unsigned on aarch64 */
            got[(int)r.tag] = r.val;
            have[(int)r.tag] = 1;
        }
    }
    close(pfd[0]);
    printf("records: F %d f %d V %d C %d c %d 1 %d 2 %d 3 %d\n", have['F'], have['f'], have['V'],
           have['C'], have['c'], have['1'], have['2'], have['3']);
    printf("FORK message == fork() return: %s, == child's getpid(): %s\n",
           have['F'] && fork_msg == (unsigned long)got['F'] ? "yes" : "no",
           have['f'] && fork_msg == (unsigned long)got['f'] ? "yes" : "no");
    printf("VFORK message == vfork() return: %s\n",
           have['V'] && vfork_msg == (unsigned long)got['V'] ? "yes" : "no");
    printf("CLONE message == clone() return: %s, == child's getpid(): %s\n",
           have['C'] && clone_msg == (unsigned long)got['C'] ? "yes" : "no",
           have['c'] && clone_msg == (unsigned long)got['c'] ? "yes" : "no");
    print_status("tracee's own waitpid of the fork child", (int)got['1']);
    print_status("tracee's own waitpid of the vfork child", (int)got['2']);
    print_status("tracee's own waitpid of the clone child", (int)got['3']);
}

/* SEIZE mode: an auto-attached child's first stop is a PTRACE_EVENT_STOP. */
static void test_seize_autoattach(void)
{
    int go[2];
    int status;
    CHECK(pipe(go) == 0);
    pid_t pid = fork();
    CHECK(pid != -1);
    if (pid == 0) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGCHLD);
        CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
        char c;
        close(go[1]);
        if (read(go[0], &c, 1) != 1)
            _exit(100);
        pid_t f = fork();
        if (f == 0)
            _exit(4);
        int st;
        CHECK(waitpid(f, &st, 0) == f);
        _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 101);
    }
    close(go[0]);
    long opts = PTRACE_O_TRACEFORK;
    CHECK(ptrace(PTRACE_SEIZE, pid, NULL, (void *)opts) == 0);
    CHECK(write(go[1], "x", 1) == 1);
    close(go[1]);
    printf("[fork under SEIZE]\n");
    wait_for(pid, &status, __WALL);
    print_status("tracee", status);
    pid_t child = (pid_t)msg_of(pid);
    wait_for(child, &status, __WALL);
    print_status("fork child first stop", status);
    cont(child);
    cont(pid);
    wait_for(child, &status, __WALL);
    print_status("fork child end", status);
    wait_for(pid, &status, __WALL);
    print_status("tracee end (exit code = what its waitpid saw)", status);
}

/* An intermediate process seizes `victim` with `opts` and exits. */
static void tracer_exits(const char *label, long opts)
{
    int status;
    pid_t victim = fork();
    CHECK(victim != -1);
    if (victim == 0) {
        for (;;)
            pause();
    }
    pid_t mid = fork();
    CHECK(mid != -1);
    if (mid == 0) {
        if (ptrace(PTRACE_SEIZE, victim, NULL, (void *)opts) != 0)
            _exit(1);
        _exit(0);
    }
    printf("[%s]\n", label);
    wait_for(mid, &status, 0);
    print_status("tracer process", status);
    if (opts & PTRACE_O_EXITKILL) {
        wait_for(victim, &status, 0);
        print_status("tracee", status);
    } else {
        pid_t r = waitpid(victim, &status, WNOHANG);
        printf("tracee still running: %s\n", r == 0 ? "yes" : "no");
        kill_and_reap(victim);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "exit3") == 0)
        _exit(3);
    setup();
    test_events();
    test_seize_autoattach();
    tracer_exits("EXITKILL", PTRACE_O_EXITKILL);
    tracer_exits("no EXITKILL", 0);
    return 0;
}
