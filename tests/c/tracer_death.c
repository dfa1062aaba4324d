/* The tracer dies (SIGKILL) while it holds tracees in every kind of stop.
 *
 * Linux rules (ptrace(2) PTRACE_O_EXITKILL: "Send a SIGKILL signal to the tracee if the
 * tracer exits"; "If the tracer dies, all tracees are automatically detached and restarted,
 * unless they were in group-stop"; kernel/ptrace.c exit_ptrace/__ptrace_unlink: a detached
 * tracee re-enters a group-stop in effect, and a signal-delivery-stop delivers its signal):
 *  - a test process forks a tracer, which makes eight tracees (its children, and a grandchild
 *    auto-attached at a fork) and leaves them at: the TRACEME attach stop (SIGSTOP), a
 *    syscall-entry stop, a SIGUSR1 signal-delivery-stop (handled), a seized group-stop, a
 *    LISTENed group-stop, running (seized), a FORK event stop, and the fork child's first
 *    stop; then it forks a child of its own that lives on holding whatever it inherited;
 *  - the test process SIGKILLs the tracer, then lets every tracee go on to its end (each
 *    writes its letter to a pipe and exits 0);
 *  - with PTRACE_O_EXITKILL every tracee dies of SIGKILL;
 *  - without it each runs on to its end, except those Linux leaves stopped: the SIGSTOP of
 *    the attach stop and of the fork child's first stop is delivered (a job-control stop),
 *    and a group-stop stays one; a SIGCONT then lets them finish.
 * On Linux the test process is a child subreaper (PR_SET_CHILD_SUBREAPER), so it reaps the
 * orphaned tracees and prints their wait status (a job-control stop is read from /proc: the
 * tracer's waitpid may have consumed its report); elsewhere their ends are read from the pipe
 * (a tracee that wrote nothing within two seconds counts as stopped, and gets SIGCONT). */
#include "helpers.h"

#include <poll.h>
#include <time.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define TRACEES 8

static const char *const names[TRACEES] = {
    "attach stop",  "syscall-entry stop", "signal-delivery-stop", "seized group-stop",
    "LISTENed",     "running (seized)",   "FORK event stop",      "fork child's first stop",
};

static int go[2];   /* the test process lets the tracees go on: one byte each */
static int done[2]; /* each tracee writes its letter at its end */

struct report {
    pid_t pids[TRACEES];
    pid_t holder;
};

static void usr1(int sig)
{
    (void)sig;
}

/* Every tracee ends so: waits for the go, writes its letter, exits 0. */
static void body(char label)
{
    char c;
    if (read(go[0], &c, 1) != 1)
        _exit(100);
    if (write(done[1], &label, 1) != 1)
        _exit(101);
    _exit(0);
}

static void stop_wait(pid_t pid)
{
    int status;
    wait_for(pid, &status, __WALL);
    CHECK(WIFSTOPPED(status));
}

static pid_t traceme_child(char label, int how)
{
    pid_t pid = fork();
    CHECK(pid != -1);
    if (pid == 0) {
        if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
            _exit(120);
        raise(SIGSTOP);
        if (how == 'u')
            raise(SIGUSR1);
        if (how == 'f') {
            pid_t c = fork();
            if (c == -1)
                _exit(102);
            body(c == 0 ? 'F' : label);
        }
        body(label);
    }
    stop_wait(pid);
    return pid;
}

/* A child seized once it runs: fork() has returned in it, so the C library's fork handlers
 * are done (on Redox, where a fork copies the tracer's `trace` handles, the library's handler
 * closes the child's copies, docs/redox-protocol.md §2.7). */
static pid_t seized_child(char label, long opts)
{
    int ready[2];
    char c;
    CHECK(pipe(ready) == 0);
    pid_t pid = fork();
    CHECK(pid != -1);
    if (pid == 0) {
        close(ready[0]);
        if (write(ready[1], "r", 1) != 1)
            _exit(103);
        close(ready[1]);
        body(label);
    }
    close(ready[1]);
    CHECK(read(ready[0], &c, 1) == 1);
    close(ready[0]);
    CHECK(ptrace(PTRACE_SEIZE, pid, NULL, (void *)opts) == 0);
    return pid;
}

static void group_stop(pid_t pid)
{
    CHECK(kill(pid, SIGSTOP) == 0);
    stop_wait(pid);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, (void *)SIGSTOP) == 0);
    stop_wait(pid);
}

/* The tracer: puts each tracee in its stop, reports the pids, and waits to be killed. */
static void tracer(int info, long opts)
{
    struct report r;
    long o = opts | PTRACE_O_TRACESYSGOOD;
    pid_t *p = r.pids;

    p[0] = traceme_child('a', 0);
    CHECK(ptrace(PTRACE_SETOPTIONS, p[0], NULL, (void *)o) == 0);

    p[1] = traceme_child('s', 0);
    CHECK(ptrace(PTRACE_SETOPTIONS, p[1], NULL, (void *)o) == 0);
    CHECK(ptrace(PTRACE_SYSCALL, p[1], NULL, NULL) == 0);
    stop_wait(p[1]);

    p[2] = traceme_child('u', 'u');
    CHECK(ptrace(PTRACE_SETOPTIONS, p[2], NULL, (void *)o) == 0);
    CHECK(ptrace(PTRACE_CONT, p[2], NULL, NULL) == 0);
    stop_wait(p[2]);

    p[3] = seized_child('G', o);
    group_stop(p[3]);

    p[4] = seized_child('L', o);
    group_stop(p[4]);
    CHECK(ptrace(PTRACE_LISTEN, p[4], NULL, NULL) == 0);

    p[5] = seized_child('r', o);

    p[6] = traceme_child('f', 'f');
    long fo = o | PTRACE_O_TRACEFORK;
    CHECK(ptrace(PTRACE_SETOPTIONS, p[6], NULL, (void *)fo) == 0);
    CHECK(ptrace(PTRACE_CONT, p[6], NULL, NULL) == 0);
    stop_wait(p[6]);
    unsigned long child = 0;
    CHECK(ptrace(PTRACE_GETEVENTMSG, p[6], NULL, &child) == 0);
    p[7] = (pid_t)child;
    stop_wait(p[7]);

    /* A child of the tracer that outlives it, with whatever a fork gives it (reported once it
     * runs, as above). */
    int ready[2];
    char c;
    CHECK(pipe(ready) == 0);
    r.holder = fork();
    CHECK(r.holder != -1);
    if (r.holder == 0) {
        close(go[0]);
        close(done[1]);
        close(ready[0]);
        if (write(ready[1], "h", 1) != 1)
            _exit(104);
        close(ready[1]);
        for (;;)
            pause();
    }
    close(ready[1]);
    CHECK(read(ready[0], &c, 1) == 1);
    close(ready[0]);
    CHECK(write(info, &r, sizeof r) == (ssize_t)sizeof r);
    for (;;)
        pause();
}

#ifdef __linux__
/* Whether `pid` sits in a job-control stop (state T in /proc/PID/stat). A waitpid(WUNTRACED)
 * may not show it: a tracer that reported the group-stop may have consumed its report. */
static int job_stopped(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *end = strrchr(buf, ')');
    return end && end[1] == ' ' && end[2] == 'T';
}

/* Reaps an orphaned tracee (this process is their subreaper); a job-control stop is ended. */
static void fate(int i, pid_t pid)
{
    int status;
    if (job_stopped(pid)) {
        printf("%s: left in a job-control stop\n", names[i]);
        CHECK(kill(pid, SIGCONT) == 0);
    }
    wait_for(pid, &status, 0);
    print_status(names[i], status);
}
#else
static const char labels[TRACEES] = "asuGLrfF";

/* Without a subreaper: what the pipe shows within two seconds; the silent ones are taken for
 * stopped and get SIGCONT. */
static int ended[256];
static int eof;

/* Reads the letters written, until two seconds pass without one or every writer is gone. */
static void drain(int ms)
{
    struct pollfd pfd = {done[0], POLLIN, 0};
    char c;
    ssize_t n = 1;
    while (!eof && poll(&pfd, 1, ms) == 1 && (n = read(done[0], &c, 1)) == 1)
        ended[(unsigned char)c] = 1;
    eof = n == 0;
}

static void fate(int i, pid_t pid)
{
    if (i == 0) {
        memset(ended, 0, sizeof ended);
        eof = 0;
        drain(2000);
    }
    if (!ended[(unsigned char)labels[i]] && !eof) {
        printf("%s: left in a job-control stop\n", names[i]);
        kill(pid, SIGCONT);
        drain(2000);
    }
    printf("%s: %s\n", names[i], ended[(unsigned char)labels[i]] ? "exited 0" : "killed SIGKILL");
}
#endif

static void run(const char *label, long opts)
{
    int info[2];
    int status;
    struct report r;
    printf("[%s]\n", label);
    CHECK(pipe(go) == 0 && pipe(done) == 0 && pipe(info) == 0);
    pid_t t = fork();
    CHECK(t != -1);
    if (t == 0) {
        close(info[0]);
        close(go[1]);
        close(done[0]);
        tracer(info[1], opts);
    }
    close(info[1]);
    close(go[0]);
    close(done[1]);
    CHECK(read(info[0], &r, sizeof r) == (ssize_t)sizeof r);
    close(info[0]);
    CHECK(kill(t, SIGKILL) == 0);
    wait_for(t, &status, 0);
    print_status("tracer", status);
    /* Linux (exit_ptrace) and Redox (the close of the tracer's `trace` handles) release or
     * kill the tracees within the tracer's exit; redox-proc-emu does it when it sees the
     * tracer's connections drop, a moment later: give it that moment before the tracees may
     * run on to their end. */
    struct timespec moment = {0, 200 * 1000 * 1000};
    nanosleep(&moment, NULL);
    char bytes[TRACEES];
    memset(bytes, 'g', sizeof bytes);
    /* EPIPE when every tracee is dead already (SIGPIPE is ignored). */
    CHECK(write(go[1], bytes, sizeof bytes) == (ssize_t)sizeof bytes || errno == EPIPE);
    for (int i = 0; i < TRACEES; i++)
        fate(i, r.pids[i]);
    kill_and_reap(r.holder);
    close(go[1]);
    close(done[0]);
}

int main(void)
{
    setup();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = usr1;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    signal(SIGPIPE, SIG_IGN);
#ifdef __linux__
    CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
#endif
    run("EXITKILL", PTRACE_O_EXITKILL);
    run("no EXITKILL", 0);
    return 0;
}
