/* Bad input: every row must fail with the same -1 and errno as the kernel gives.
 *
 * Checks (ptrace(2) ERRORS and wait(2) ERRORS; parity spec §1.4 "Errors common to every
 * request", §1.5 (SETOPTIONS -> EINVAL for unknown bits) and §4):
 *  - unknown requests (20, 0x4299) -> EIO on a stopped tracee, but ESRCH first when the pid
 *    is not a stopped tracee of ours (the kernel looks the pid up before the request);
 *  - pid 0, pid -1, a reaped child, an untraced child, a running tracee -> ESRCH;
 *  - tracer-side pointers: GETREGS/GETSIGINFO/GETEVENTMSG/PEEKSIGINFO with NULL or 1 ->
 *    EFAULT;
 *  - invalid signal in a restart (CONT 1000, CONT 65) -> EIO; SETOPTIONS unknown bits ->
 *    EINVAL;
 *  - waitpid/wait4/wait: non-child -> ECHILD, invalid options -> EINVAL, unmapped status or
 *    rusage pointer -> EFAULT (and the child is reaped anyway: a second wait -> ECHILD). */
#include "helpers.h"

#include <sys/resource.h>
#include <sys/user.h>

#ifdef __aarch64__
/* aarch64 has no GETREGS/SETREGS (request 12 is EIO there): the same rows use
 * GETREGSET/SETREGSET NT_PRSTATUS, whose data is the iovec, and NULL or 1 as that pointer. */
#include <elf.h>
#include <sys/uio.h>
#define REGS_NAME "GETREGSET"
#define SETREGS_NAME "SETREGSET"
static long regset(int req, pid_t pid, void *data, struct user_regs_struct *buf)
{
    struct iovec iov = {buf, sizeof *buf};
    return ptrace(req, pid, (void *)NT_PRSTATUS, data == buf ? (void *)&iov : data);
}
#define GETREGS_CALL(pid, data) regset(PTRACE_GETREGSET, (pid), (data), &regs)
#define SETREGS_CALL(pid, data) regset(PTRACE_SETREGSET, (pid), (data), &regs)
#else
#define REGS_NAME "GETREGS"
#define SETREGS_NAME "SETREGS"
#define GETREGS_CALL(pid, data) ptrace(PTRACE_GETREGS, (pid), NULL, (data))
#define SETREGS_CALL(pid, data) ptrace(PTRACE_SETREGS, (pid), NULL, (data))
#endif

static void loop_forever(void)
{
    for (;;)
        pause();
}

int main(void)
{
    setup();
    int status;

    /* The targets. */
    pid_t stopped = fork_traced(loop_forever);
    pid_t running = fork_traced(loop_forever);
    CHECK(ptrace(PTRACE_CONT, running, NULL, NULL) == 0);
    pid_t plain = fork();
    CHECK(plain != -1);
    if (plain == 0)
        loop_forever();
    pid_t reaped = fork();
    CHECK(reaped != -1);
    if (reaped == 0)
        _exit(0);
    wait_for(reaped, &status, 0);

    struct {
        const char *name;
        pid_t pid;
    } targets[] = {
        {"stopped tracee", stopped}, {"running tracee", running}, {"untraced child", plain},
        {"reaped child", reaped},   {"pid 0", 0},                 {"pid -1", -1},
    };
    const int ntargets = (int)(sizeof targets / sizeof targets[0]);

    struct user_regs_struct regs;
    siginfo_t si;
    unsigned long msg;
    char label[128];

    printf("[requests on each kind of pid]\n");
    for (int i = 0; i < ntargets; i++) {
        pid_t p = targets[i].pid;
        const char *n = targets[i].name;
        int req = 20;
        snprintf(label, sizeof label, "request 20 on %s", n);
        EXPECT_ERR(label, ptrace(req, p, NULL, NULL));
        req = 0x4299;
        snprintf(label, sizeof label, "request 0x4299 on %s", n);
        EXPECT_ERR(label, ptrace(req, p, NULL, NULL));
        if (p != stopped) {
            snprintf(label, sizeof label, "CONT on %s", n);
            EXPECT_ERR(label, ptrace(PTRACE_CONT, p, NULL, NULL));
            snprintf(label, sizeof label, REGS_NAME " on %s", n);
            EXPECT_ERR(label, GETREGS_CALL(p, &regs));
            snprintf(label, sizeof label, REGS_NAME " NULL on %s", n);
            EXPECT_ERR(label, GETREGS_CALL(p, NULL));
            snprintf(label, sizeof label, "DETACH on %s", n);
            EXPECT_ERR(label, ptrace(PTRACE_DETACH, p, NULL, NULL));
            long opts = PTRACE_O_TRACEEXIT;
            snprintf(label, sizeof label, "SETOPTIONS on %s", n);
            EXPECT_ERR(label, ptrace(PTRACE_SETOPTIONS, p, NULL, (void *)opts));
        }
        if (p != stopped && p != running) {
            snprintf(label, sizeof label, "KILL on %s", n);
            EXPECT_ERR(label, ptrace(PTRACE_KILL, p, NULL, NULL));
        }
        if (p == 0 || p == -1 || p == reaped) {
            snprintf(label, sizeof label, "ATTACH to %s", n);
            EXPECT_ERR(label, ptrace(PTRACE_ATTACH, p, NULL, NULL));
            snprintf(label, sizeof label, "SEIZE %s", n);
            EXPECT_ERR(label, ptrace(PTRACE_SEIZE, p, NULL, NULL));
        }
    }

    printf("[bad arguments on a stopped tracee]\n");
    EXPECT_ERR(REGS_NAME " to NULL", GETREGS_CALL(stopped, NULL));
    EXPECT_ERR(REGS_NAME " to 1", GETREGS_CALL(stopped, (void *)1));
    EXPECT_ERR(SETREGS_NAME " from NULL", SETREGS_CALL(stopped, NULL));
#ifdef __aarch64__
    int getregs_nr = 12;
    EXPECT_ERR("request 12 (x86 GETREGS)", ptrace(getregs_nr, stopped, NULL, &regs));
#endif
    EXPECT_ERR("GETSIGINFO to NULL", ptrace(PTRACE_GETSIGINFO, stopped, NULL, NULL));
    EXPECT_ERR("SETSIGINFO from 1", ptrace(PTRACE_SETSIGINFO, stopped, NULL, (void *)1));
    EXPECT_ERR("GETEVENTMSG to NULL", ptrace(PTRACE_GETEVENTMSG, stopped, NULL, NULL));
    EXPECT_ERR("PEEKSIGINFO args NULL", ptrace(PTRACE_PEEKSIGINFO, stopped, NULL, &si));
    long sig = 1000;
    EXPECT_ERR("CONT with signal 1000", ptrace(PTRACE_CONT, stopped, NULL, (void *)sig));
    sig = 65;
    EXPECT_ERR("CONT with signal 65", ptrace(PTRACE_CONT, stopped, NULL, (void *)sig));
    sig = -1;
    EXPECT_ERR("CONT with signal -1", ptrace(PTRACE_CONT, stopped, NULL, (void *)sig));
    long opts = 0x400000;
    EXPECT_ERR("SETOPTIONS 0x400000", ptrace(PTRACE_SETOPTIONS, stopped, NULL, (void *)opts));
    opts = 0x80000000L;
    EXPECT_ERR("SETOPTIONS 0x80000000", ptrace(PTRACE_SETOPTIONS, stopped, NULL, (void *)opts));
    opts = PTRACE_O_TRACESYSGOOD | 0x100;
    EXPECT_ERR("SETOPTIONS TRACESYSGOOD|0x100", ptrace(PTRACE_SETOPTIONS, stopped, NULL, (void *)opts));
    /* The failed calls changed nothing: the tracee is still stopped and usable. */
    CHECK(GETREGS_CALL(stopped, &regs) == 0);
    CHECK(ptrace(PTRACE_GETEVENTMSG, stopped, NULL, &msg) == 0);
    printf(REGS_NAME " and GETEVENTMSG still work: yes\n");
    printf("no stop reported after the failed restarts: %s\n",
           waitpid(stopped, &status, WNOHANG) == 0 ? "yes" : "no");

    printf("[waitpid]\n");
    EXPECT_ERR("waitpid on the parent (not a child)", waitpid(getppid(), &status, 0));
    EXPECT_ERR("waitpid on the reaped child", waitpid(reaped, &status, 0));
    EXPECT_ERR("waitpid options 0x10000", waitpid(plain, &status, 0x10000));
    EXPECT_ERR("waitpid options -1", waitpid(plain, &status, -1));
    EXPECT_ERR("waitpid options WNOWAIT", waitpid(plain, &status, WNOWAIT));
    EXPECT_ERR("wait4 options 0x10000", wait4(plain, &status, 0x10000, NULL));

    pid_t z = fork();
    CHECK(z != -1);
    if (z == 0)
        _exit(3);
    EXPECT_ERR("waitpid to status pointer 1", waitpid(z, (int *)1, 0));
    EXPECT_ERR("waitpid again", waitpid(z, &status, 0));

    z = fork();
    CHECK(z != -1);
    if (z == 0)
        _exit(3);
    EXPECT_ERR("wait4 to rusage pointer 1", wait4(z, &status, 0, (struct rusage *)1));
    EXPECT_ERR("wait4 again", wait4(z, &status, 0, NULL));

    kill_and_reap(stopped);
    kill_and_reap(running);
    kill_and_reap(plain);
    EXPECT_ERR("wait with no children left", wait(&status));
    EXPECT_ERR("waitpid(-1) with no children left", waitpid(-1, &status, WNOHANG));
    return 0;
}
