/* System call emulation: PTRACE_SYSEMU and PTRACE_SYSEMU_SINGLESTEP.
 *
 * Checks (ptrace(2) PTRACE_SYSEMU, PTRACE_SYSEMU_SINGLESTEP: "stop at the next entry to a
 * system call, which will not be executed"; parity spec §1.5 row SYSEMU/SYSEMU_SINGLESTEP):
 *  - SYSEMU stops at the entry of the child's raw write(pipe, "x", 1): status 0x57f without
 *    TRACESYSGOOD (0x857f with it), orig_rax 1, GETEVENTMSG 1; the write is never executed
 *    (the pipe stays empty), and the child sees the return value the tracer put in rax;
 *  - the next SYSEMU stop is the entry of the following syscall (getppid), with no exit
 *    stop in between; the child sees the tracer's rax instead of its parent's pid;
 *  - SYSEMU_SINGLESTEP over "nop; syscall; nop": a single-step stop after the nop
 *    (si_code TRAP_TRACE), an emulated-syscall entry stop at the syscall, then single-steps
 *    again; the syscall is not executed and the child sees the tracer's value. */
#include "helpers.h"

#include <fcntl.h>
#include <sys/user.h>

#ifdef __x86_64__

extern const char se_l0[], se_l1[], se_l2[], se_l3[];
static int pipe_w;
static const char byte = 'x';

static long sys3(long n, long a, long b, long c)
{
    long r;
    __asm__ volatile("syscall"
                     : "=a"(r)
                     : "a"(n), "D"(a), "S"(b), "d"(c)
                     : "rcx", "r11", "memory");
    return r;
}

static void __attribute__((noinline)) stepped(void)
{
    long r;
    __asm__ volatile("int3\n"
                     ".globl se_l0\n"
                     "se_l0: nop\n"
                     ".globl se_l1\n"
                     "se_l1: syscall\n"
                     ".globl se_l2\n"
                     "se_l2: nop\n"
                     ".globl se_l3\n"
                     "se_l3:"
                     : "=a"(r)
                     : "a"(110L)
                     : "rcx", "r11", "memory");
    printf("child: getppid under SYSEMU_SINGLESTEP returned %ld\n", r);
}

static void child(void)
{
    __asm__ volatile("int3");
    long w = sys3(1, pipe_w, (long)&byte, 1);
    long p = sys3(110, 0, 0, 0);
    printf("child: write returned %ld, getppid returned %ld\n", w, p);
    stepped();
}

static const char *where(unsigned long rip)
{
    if (rip == (unsigned long)se_l0)
        return "before the nop";
    if (rip == (unsigned long)se_l1)
        return "at the syscall";
    if (rip == (unsigned long)se_l2)
        return "after the syscall";
    if (rip == (unsigned long)se_l3)
        return "after the second nop";
    return "elsewhere";
}

static void show_stop(pid_t pid, int status, struct user_regs_struct *regs)
{
    CHECK(WIFSTOPPED(status));
    CHECK(ptrace(PTRACE_GETREGS, pid, NULL, regs) == 0);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK(ptrace(PTRACE_GETSIGINFO, pid, NULL, &si) == 0);
    unsigned long msg = 99;
    CHECK(ptrace(PTRACE_GETEVENTMSG, pid, NULL, &msg) == 0);
    printf("  status %#x si_code %#x orig_rax %lld rax %lld", (unsigned)status,
           (unsigned)si.si_code, (long long)regs->orig_rax, (long long)regs->rax);
    /* GETEVENTMSG is specified for syscall-stops only (1 = entry). */
    if (si.si_code == SIGTRAP || si.si_code == (SIGTRAP | 0x80))
        printf(" eventmsg %lu", msg);
    printf("\n");
}

int main(void)
{
    setup();
    int fds[2];
    CHECK(pipe(fds) == 0);
    CHECK(fcntl(fds[0], F_SETFL, O_NONBLOCK) == 0);
    pipe_w = fds[1];

    pid_t pid = fork_traced(child);
    long opts = PTRACE_O_EXITKILL;
    CHECK(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) == 0);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    int status;
    wait_for(pid, &status, 0);
    print_status("int3 stop", status);

    struct user_regs_struct regs;
    char c;
    printf("SYSEMU (no TRACESYSGOOD)\n");
    CHECK(ptrace(PTRACE_SYSEMU, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    show_stop(pid, status, &regs);
    EXPECT_ERR("  pipe read at the write's entry stop", read(fds[0], &c, 1));
    regs.rax = 1;
    CHECK(ptrace(PTRACE_SETREGS, pid, NULL, &regs) == 0);

    opts |= PTRACE_O_TRACESYSGOOD;
    CHECK(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) == 0);
    printf("SYSEMU (TRACESYSGOOD)\n");
    CHECK(ptrace(PTRACE_SYSEMU, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    show_stop(pid, status, &regs);
    EXPECT_ERR("  pipe read at the next entry stop", read(fds[0], &c, 1));
    regs.rax = 4321;
    CHECK(ptrace(PTRACE_SETREGS, pid, NULL, &regs) == 0);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    print_status("second int3 stop", status);
    EXPECT_ERR("pipe read after the child's write was emulated", read(fds[0], &c, 1));

    printf("SYSEMU_SINGLESTEP\n");
    for (int n = 0; n < 6; n++) {
        CHECK(ptrace(PTRACE_SYSEMU_SINGLESTEP, pid, NULL, NULL) == 0);
        wait_for(pid, &status, 0);
        show_stop(pid, status, &regs);
        printf("  rip %s\n", where(regs.rip));
        if ((long long)regs.orig_rax == 110 && regs.rip == (unsigned long)se_l2 &&
            (long long)regs.rax == -ENOSYS) {
            regs.rax = 8765;
            CHECK(ptrace(PTRACE_SETREGS, pid, NULL, &regs) == 0);
        }
        if (regs.rip == (unsigned long)se_l3)
            break;
    }
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    print_status("end", status);
    kill_and_reap(pid);
    close(fds[0]);
    close(fds[1]);
    return 0;
}

#else
int main(void)
{
    setup();
    printf("x86_64 only\n");
    return 0;
}
#endif
