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
 *    tracee -> ESRCH;
 *  - aarch64 (no GETREGS/SETREGS there): the same through GETREGSET/SETREGSET NT_PRSTATUS at
 *    a raw svc getppid (173): x8 and NT_ARM_SYSTEM_CALL hold the number, x0..x2 the
 *    arguments at entry and x0 the result at exit, x7 the kernel's entry (0) / exit (1)
 *    marker, pc right after the svc; a pstate of EL1h is refused; NT_ARM_SYSTEM_CALL = 172
 *    at entry runs getpid, -1 skips the call and leaves the x0 the tracer set.
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

#define NR_OF(regs) ((long)(regs)->orig_rax)
static void get_regs(pid_t pid, struct user_regs_struct *regs)
{
    CHECK(ptrace(PTRACE_GETREGS, pid, NULL, regs) == 0);
}

/* GETREGS into a scratch set: the result of the call only. */
static long getregs(pid_t pid)
{
    struct user_regs_struct regs;
    return ptrace(PTRACE_GETREGS, pid, NULL, &regs);
}

#elif defined(__aarch64__)

extern const char regs_after_svc[];
static volatile unsigned long saved_sp;

/* getppid (173) through a raw `svc #0` with known argument registers x0..x2; the label marks
 * the instruction that follows it. */
static long __attribute__((noinline)) raw_getppid(void)
{
    register long x8 __asm__("x8") = 173;
    register long x0 __asm__("x0") = 0x1111;
    register long x1 __asm__("x1") = 0x2222;
    register long x2 __asm__("x2") = 0x3333;
    __asm__ volatile("mov x9, sp\n\t"
                     "str x9, %1\n\t"
                     "svc #0\n"
                     ".globl regs_after_svc\n"
                     "regs_after_svc:"
                     : "+r"(x0), "=m"(saved_sp)
                     : "r"(x8), "r"(x1), "r"(x2)
                     : "x9", "memory");
    return x0;
}

/* The syscall number at a syscall stop is in x8 (the kernel's own copy is read and written
 * through NT_ARM_SYSTEM_CALL). */
#define NR_OF(regs) ((long)(regs)->regs[8])

/* GETREGSET NT_PRSTATUS into a scratch set: the result of the call only. */
static long getregs(pid_t pid)
{
    struct user_regs_struct regs;
    struct iovec iov = {&regs, sizeof regs};
    return ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &iov);
}
#endif

#if defined(__x86_64__) || defined(__aarch64__)

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
        get_regs(pid, regs);
        if (NR_OF(regs) == nr)
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
    get_regs(pid, regs);
}

/* Runs the child to its end, then reads the registers (`name`, with `getregs`) of it reaped
 * and of a running tracee (blocked in read): ESRCH both. */
static void run_to_end(pid_t pid, long opts, const char *name, long (*getregs)(pid_t))
{
    char label[64];
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    int status;
    wait_for(pid, &status, 0);
    print_status("end", status);
    snprintf(label, sizeof label, "%s on the reaped child", name);
    EXPECT_ERR(label, getregs(pid));

    int fds[2];
    CHECK(pipe(fds) == 0);
    block_fd = fds[0];
    pid = fork_traced(block);
    CHECK(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) == 0);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    snprintf(label, sizeof label, "%s on a running tracee", name);
    EXPECT_ERR(label, getregs(pid));
    kill_and_reap(pid);
    close(fds[0]);
    close(fds[1]);
}

#endif

#ifdef __x86_64__

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

    run_to_end(pid, opts, "GETREGS", getregs);
    return 0;
}

#elif defined(__aarch64__)

static long regset(int req, pid_t pid, long nt, void *data)
{
    return ptrace(req, pid, (void *)nt, data);
}

int main(void)
{
    setup();
    pid_t pid = fork_traced(child);
    long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL;
    CHECK(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) == 0);

    struct user_regs_struct regs, again;
    /* Call 1: inspect entry and exit, rewrite the return value. */
    to_entry(pid, 173, &regs);
    printf("entry: x8 %lld, NT_ARM_SYSTEM_CALL %d\n", (long long)regs.regs[8], get_syscallno(pid));
    printf("entry: x0 %#llx x1 %#llx x2 %#llx\n", (unsigned long long)regs.regs[0],
           (unsigned long long)regs.regs[1], (unsigned long long)regs.regs[2]);
    printf("entry: x7 (the kernel's entry/exit marker) %lld\n", (long long)regs.regs[7]);
    printf("entry: pc is right after the svc instruction: %s\n",
           yesno(regs.pc == (unsigned long)regs_after_svc));
    errno = 0;
    long child_sp = ptrace(PTRACE_PEEKDATA, pid, (void *)&saved_sp, NULL);
    CHECK(errno == 0);
    printf("entry: sp is the child's stack pointer: %s\n", yesno(regs.sp == (unsigned long)child_sp));
    printf("entry: pstate mode is EL0t: %s\n", yesno((regs.pstate & 0xf) == 0));

    struct iovec iov = {&regs, sizeof regs};
    EXPECT_ERR("GETREGSET NT_PRSTATUS with a NULL iovec",
               regset(PTRACE_GETREGSET, pid, NT_PRSTATUS, NULL));
    EXPECT_ERR("GETREGSET NT_PRSTATUS with iovec 1",
               regset(PTRACE_GETREGSET, pid, NT_PRSTATUS, (void *)1));
    EXPECT_ERR("SETREGSET NT_PRSTATUS with a NULL iovec",
               regset(PTRACE_SETREGSET, pid, NT_PRSTATUS, NULL));
    CHECK(regset(PTRACE_SETREGSET, pid, NT_PRSTATUS, &iov) == 0);
    get_regs(pid, &again);
    printf("SETREGSET of the same set then GETREGSET: identical %s\n",
           yesno(memcmp(&regs, &again, sizeof regs) == 0));
    struct user_regs_struct bad = regs;
    bad.pstate = (bad.pstate & ~0xfULL) | 0x5; /* EL1h */
    struct iovec bad_iov = {&bad, sizeof bad};
    EXPECT_ERR("SETREGSET with pstate EL1h", regset(PTRACE_SETREGSET, pid, NT_PRSTATUS, &bad_iov));
    get_regs(pid, &again);
    printf("registers unchanged after the failed SETREGSET: %s\n",
           yesno(memcmp(&regs, &again, sizeof regs) == 0));

    to_exit(pid, &regs);
    printf("exit: x8 %lld, NT_ARM_SYSTEM_CALL %d\n", (long long)regs.regs[8], get_syscallno(pid));
    printf("exit: x0 is the tracer's pid: %s\n", yesno((long long)regs.regs[0] == getpid()));
    printf("exit: x7 %lld\n", (long long)regs.regs[7]);
    printf("exit: pc unchanged: %s\n", yesno(regs.pc == (unsigned long)regs_after_svc));
    regs.regs[0] = 77;
    set_regs(pid, &regs);

    /* Call 2: turn getppid into getpid (172) at entry. */
    to_entry(pid, 173, &regs);
    set_syscallno(pid, 172);
    to_exit(pid, &regs);
    printf("exit: NT_ARM_SYSTEM_CALL after the change %d\n", get_syscallno(pid));
    printf("exit: x0 is the child's pid: %s\n", yesno((long long)regs.regs[0] == pid));

    /* Call 3: skip the syscall with number -1, the return value set at entry. */
    to_entry(pid, 173, &regs);
    set_syscallno(pid, -1);
    get_regs(pid, &regs);
    regs.regs[0] = 55;
    set_regs(pid, &regs);
    to_exit(pid, &regs);
    printf("exit: skipped syscall, x0 %lld\n", (long long)regs.regs[0]);

    run_to_end(pid, opts, "GETREGSET", getregs);
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
