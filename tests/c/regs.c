/* General-purpose registers: PTRACE_GETREGS / PTRACE_SETREGS at syscall stops.
 *
 * Checks (ptrace(2) PTRACE_GETREGS/SETREGS and "Syscall-stops"; syscall(2) for the x86_64
 * convention; parity spec §1.5 row GETREGS/SETREGS, §1.4 EFAULT, §1.7 register layout):
 *  - at the syscall-entry stop of a raw getppid (nr 110): orig_rax = 110, rax = -ENOSYS,
 *    rip is the address right after the `syscall` instruction, rcx = rip and r11 = eflags
 *    (what `syscall` saved), rsp is the child's stack pointer, rdi/rsi/rdx are the arguments;
 *  - at the exit stop rax is the tracer's pid; SETREGS rax = 77 makes the child see 77;
 *  - SETREGS orig_rax = getpid (39) at entry runs a different syscall: the child sees its pid;
 *  - SETREGS orig_rax = -1 with rax = 55 at entry skips the syscall: the child sees 55;
 *  - SETREGS of the unchanged set then GETREGS is identical; cs = 0 -> EIO, and the set is
 *    left unchanged;
 *  - GETREGS/SETREGS with NULL or (void *)1 as data -> EFAULT; GETREGS on a running
 *    tracee -> ESRCH.
 * The child prints what getppid() returned to it; the tracer waits for it in between. */
#include "helpers.h"

#include <stdint.h>
#include <sys/user.h>

#ifdef __x86_64__

extern const char regs_after_syscall[];
static volatile unsigned long saved_rsp;

/* getppid through a raw `syscall` with known argument registers; the label marks the
 * instruction that follows it. */
static long __attribute__((noinline)) raw_getppid(void)
{
    long r;
    __asm__ volatile("movq %%rsp, %1\n\t"
                     "syscall\n"
                     ".globl regs_after_syscall\n"
                     "regs_after_syscall:"
                     : "=a"(r), "=m"(saved_rsp)
                     : "a"(110L), "D"(0x1111L), "S"(0x2222L), "d"(0x3333L)
                     : "rcx", "r11", "memory");
    return r;
}

static void child(void)
{
    for (int i = 0; i < 3; i++) {
        long r = raw_getppid();
        if (i == 1)
            printf("child: call 2 returned its own pid: %s\n", r == getpid() ? "yes" : "no");
        else
            printf("child: call %d returned %ld\n", i + 1, r);
    }
}

static int block_fd;

static void block(void)
{
    char c;
    (void)!read(block_fd, &c, 1);
}

static const char *yesno(int c)
{
    return c ? "yes" : "no";
}

/* Resumes with PTRACE_SYSCALL from a non-syscall stop until the entry stop of syscall nr;
 * stops alternate entry, exit, entry... */
static void to_entry(pid_t pid, long nr, struct user_regs_struct *regs)
{
    int status;
    for (;;) {
        CHECK(ptrace(PTRACE_SYSCALL, pid, NULL, NULL) == 0);
        wait_for(pid, &status, 0);
        CHECK(WIFSTOPPED(status) && WSTOPSIG(status) == (SIGTRAP | 0x80));
        CHECK(ptrace(PTRACE_GETREGS, pid, NULL, regs) == 0);
        if ((long)regs->orig_rax == nr)
            return;
        CHECK(ptrace(PTRACE_SYSCALL, pid, NULL, NULL) == 0);
        wait_for(pid, &status, 0);
        CHECK(WIFSTOPPED(status) && WSTOPSIG(status) == (SIGTRAP | 0x80));
    }
}

static void to_exit(pid_t pid, struct user_regs_struct *regs)
{
    int status;
    CHECK(ptrace(PTRACE_SYSCALL, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    print_status("exit stop", status);
    CHECK(ptrace(PTRACE_GETREGS, pid, NULL, regs) == 0);
}

int main(void)
{
    setup();
    pid_t pid = fork_traced(child);
    long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL;
    CHECK(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) == 0);

    struct user_regs_struct regs, again;
    /* Call 1: inspect entry and exit, rewrite the return value. */
    to_entry(pid, 110, &regs);
    printf("entry: orig_rax %lld\n", (long long)regs.orig_rax);
    printf("entry: rax is -ENOSYS: %s\n", yesno((long long)regs.rax == -ENOSYS));
    printf("entry: rip is right after the syscall instruction: %s\n",
           yesno(regs.rip == (unsigned long)regs_after_syscall));
    printf("entry: rcx equals rip: %s\n", yesno(regs.rcx == regs.rip));
    printf("entry: r11 equals eflags: %s\n", yesno(regs.r11 == regs.eflags));
    errno = 0;
    long child_rsp = ptrace(PTRACE_PEEKDATA, pid, (void *)&saved_rsp, NULL);
    CHECK(errno == 0);
    printf("entry: rsp is the child's stack pointer: %s\n",
           yesno(regs.rsp == (unsigned long)child_rsp));
    printf("entry: rdi %#llx rsi %#llx rdx %#llx\n", (unsigned long long)regs.rdi,
           (unsigned long long)regs.rsi, (unsigned long long)regs.rdx);
    printf("entry: cs %#llx ss %#llx\n", (unsigned long long)regs.cs, (unsigned long long)regs.ss);

    EXPECT_ERR("GETREGS with NULL data", ptrace(PTRACE_GETREGS, pid, NULL, NULL));
    EXPECT_ERR("GETREGS with data 1", ptrace(PTRACE_GETREGS, pid, NULL, (void *)1));
    EXPECT_ERR("SETREGS with NULL data", ptrace(PTRACE_SETREGS, pid, NULL, NULL));
    CHECK(ptrace(PTRACE_SETREGS, pid, NULL, &regs) == 0);
    CHECK(ptrace(PTRACE_GETREGS, pid, NULL, &again) == 0);
    printf("SETREGS of the same set then GETREGS: identical %s\n",
           yesno(memcmp(&regs, &again, sizeof regs) == 0));
    struct user_regs_struct bad = regs;
    bad.cs = 0;
    EXPECT_ERR("SETREGS with cs = 0", ptrace(PTRACE_SETREGS, pid, NULL, &bad));
    CHECK(ptrace(PTRACE_GETREGS, pid, NULL, &again) == 0);
    printf("registers unchanged after the failed SETREGS: %s\n",
           yesno(memcmp(&regs, &again, sizeof regs) == 0));

    to_exit(pid, &regs);
    printf("exit: orig_rax %lld\n", (long long)regs.orig_rax);
    printf("exit: rax is the tracer's pid: %s\n", yesno((long long)regs.rax == getpid()));
    printf("exit: rip unchanged: %s\n", yesno(regs.rip == (unsigned long)regs_after_syscall));
    regs.rax = 77;
    CHECK(ptrace(PTRACE_SETREGS, pid, NULL, &regs) == 0);

    /* Call 2: turn getppid into getpid at entry. */
    to_entry(pid, 110, &regs);
    regs.orig_rax = 39;
    CHECK(ptrace(PTRACE_SETREGS, pid, NULL, &regs) == 0);
    to_exit(pid, &regs);
    printf("exit: orig_rax after the change %lld\n", (long long)regs.orig_rax);
    printf("exit: rax is the child's pid: %s\n", yesno((long long)regs.rax == pid));

    /* Call 3: skip the syscall with orig_rax = -1, the return value set at entry. */
    to_entry(pid, 110, &regs);
    regs.orig_rax = (unsigned long long)-1LL;
    regs.rax = 55;
    CHECK(ptrace(PTRACE_SETREGS, pid, NULL, &regs) == 0);
    to_exit(pid, &regs);
    printf("exit: skipped syscall, rax %lld\n", (long long)regs.rax);

    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    int status;
    wait_for(pid, &status, 0);
    print_status("end", status);
    EXPECT_ERR("GETREGS on the reaped child", ptrace(PTRACE_GETREGS, pid, NULL, &regs));

    /* A running tracee (blocked in read): ESRCH. */
    int fds[2];
    CHECK(pipe(fds) == 0);
    block_fd = fds[0];
    pid = fork_traced(block);
    CHECK(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) == 0);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    EXPECT_ERR("GETREGS on a running tracee", ptrace(PTRACE_GETREGS, pid, NULL, &regs));
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
