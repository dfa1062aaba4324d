/* Single-stepping and breakpoints: PTRACE_SINGLESTEP and int3.
 *
 * Checks (ptrace(2) PTRACE_SINGLESTEP, PTRACE_GETSIGINFO; sigaction(2) si_code TRAP_TRACE
 * and SI_KERNEL; parity spec §1.5 row SINGLESTEP ("si_code TRAP_TRACE (2)"), §2 rows
 * "single-step" and "breakpoint (int3)"):
 *  - from an int3 stop, PTRACE_SINGLESTEP executes exactly one instruction of a labelled
 *    sequence (nop: 1 byte, inc %rbx: 3 bytes, movl $imm, %eax: 5 bytes, a jmp over a ud2,
 *    a syscall): each stop is 0x57f with si_code TRAP_TRACE and si_addr = rip, rip advances
 *    by the instruction's length (or lands on the jump target), rbx counts the incs;
 *  - a stepped `syscall` runs the syscall (rax holds its result) and stops after it, reported
 *    by the syscall-exit path with si_code TRAP_BRKPT (1) rather than TRAP_TRACE;
 *  - an int3 reached with PTRACE_CONT stops with 0x57f, si_code SI_KERNEL (0x80) and rip one
 *    past the int3 (si_addr is 0 for SI_KERNEL); SETREGS can rewind rip to re-execute from
 *    a label;
 *  - aarch64: the same sequence in 4-byte instructions (add x19 for inc %rbx, b over a udf,
 *    svc); a brk stops with pc at the brk itself, so the tracer moves pc past it. */
#include "helpers.h"

#include <sys/user.h>

#ifdef __x86_64__

extern const char ss_l0[], ss_l1[], ss_l2[], ss_l3[], ss_l4[], ss_l5[], ss_l6[], ss_l7[],
    ss_l8[];

static void __attribute__((noinline)) sequence(void)
{
    __asm__ volatile("xorl %%ebx, %%ebx\n\t"
                     "int3\n"
                     ".globl ss_l0\n"
                     "ss_l0: nop\n"
                     ".globl ss_l1\n"
                     "ss_l1: incq %%rbx\n"
                     ".globl ss_l2\n"
                     "ss_l2: incq %%rbx\n"
                     ".globl ss_l3\n"
                     "ss_l3: movl $5, %%eax\n"
                     ".globl ss_l4\n"
                     "ss_l4: jmp ss_l5\n"
                     "       ud2\n"
                     ".globl ss_l5\n"
                     "ss_l5: movl $110, %%eax\n"
                     ".globl ss_l6\n"
                     "ss_l6: syscall\n"
                     ".globl ss_l7\n"
                     "ss_l7: int3\n"
                     ".globl ss_l8\n"
                     "ss_l8: nop"
                     :
                     :
                     : "rax", "rbx", "rcx", "r11", "memory");
}

#define BP_NAME "int3"
#define PC_NAME "rip"
#define CNT_NAME "rbx"
#define R_RET_NAME "rax"
#define R_PC(r) ((r)->rip)
#define R_CNT(r) ((r)->rbx)
#define R_RET(r) ((r)->rax)
#define get_regs(pid, r) CHECK(ptrace(PTRACE_GETREGS, (pid), NULL, (r)) == 0)
#define set_regs(pid, r) CHECK(ptrace(PTRACE_SETREGS, (pid), NULL, (r)) == 0)
#define STEP_OVER_BREAKPOINT(pid) ((void)(pid))

#elif defined(__aarch64__)

/* The same on arm64, where every instruction is 4 bytes: brk #0 (which stops with pc at
 * itself: the tracer moves pc past it), add x19 for inc %rbx, svc #0 with getppid (173). */
extern const char ss_bp[], ss_l0[], ss_l1[], ss_l2[], ss_l3[], ss_l4[], ss_l5[], ss_l6[],
    ss_l7[], ss_l8[];

static void __attribute__((noinline)) sequence(void)
{
    __asm__ volatile("mov x19, #0\n"
                     ".globl ss_bp\n"
                     "ss_bp: brk #0\n"
                     ".globl ss_l0\n"
                     "ss_l0: nop\n"
                     ".globl ss_l1\n"
                     "ss_l1: add x19, x19, #1\n"
                     ".globl ss_l2\n"
                     "ss_l2: add x19, x19, #1\n"
                     ".globl ss_l3\n"
                     "ss_l3: mov x8, #5\n"
                     ".globl ss_l4\n"
                     "ss_l4: b ss_l5\n"
                     "       udf #0\n"
                     ".globl ss_l5\n"
                     "ss_l5: mov x8, #173\n"
                     ".globl ss_l6\n"
                     "ss_l6: svc #0\n"
                     ".globl ss_l7\n"
                     "ss_l7: brk #0\n"
                     ".globl ss_l8\n"
                     "ss_l8: nop"
                     :
                     :
                     : "x0", "x8", "x19", "memory");
}

#define BP_NAME "brk"
#define PC_NAME "pc"
#define CNT_NAME "x19"
#define R_RET_NAME "x0"
#define R_PC(r) ((r)->pc)
#define R_CNT(r) ((r)->regs[19])
#define R_RET(r) ((r)->regs[0])
#define STEP_OVER_BREAKPOINT(pid) skip_brk(pid)
#endif

#if defined(__x86_64__) || defined(__aarch64__)

static void child(void)
{
    sequence();
}

static const char *label(unsigned long rip)
{
    static const char *const names[] = {"ss_l0", "ss_l1", "ss_l2", "ss_l3", "ss_l4",
                                        "ss_l5", "ss_l6", "ss_l7", "ss_l8"};
    const char *addrs[] = {ss_l0, ss_l1, ss_l2, ss_l3, ss_l4, ss_l5, ss_l6, ss_l7, ss_l8};
    for (int i = 0; i < 9; i++)
        if (rip == (unsigned long)addrs[i])
            return names[i];
#ifdef __aarch64__
    if (rip == (unsigned long)ss_bp)
        return "ss_bp";
#endif
    return "elsewhere";
}

static void show(pid_t pid, int status, unsigned long prev_rip, struct user_regs_struct *regs)
{
    get_regs(pid, regs);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK(ptrace(PTRACE_GETSIGINFO, pid, NULL, &si) == 0);
    printf("  status %#x %s si_code %#x si_addr is " PC_NAME ": %s; " PC_NAME
           " at %s, advanced by %ld, " CNT_NAME " %llu\n",
           (unsigned)status, sig_name(si.si_signo), (unsigned)si.si_code,
           (unsigned long)si.si_addr == R_PC(regs) ? "yes" : "no", label(R_PC(regs)),
           (long)(R_PC(regs) - prev_rip), (unsigned long long)R_CNT(regs));
}

int main(void)
{
    setup();
    printf("TRAP_TRACE = %d, SI_KERNEL = %#x\n", TRAP_TRACE, SI_KERNEL);
    pid_t pid = fork_traced(child);
    long opts = PTRACE_O_EXITKILL;
    CHECK(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) == 0);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    int status;
    wait_for(pid, &status, 0);
    struct user_regs_struct regs;
    siginfo_t si;
    memset(&si, 0, sizeof si);
    get_regs(pid, &regs);
    CHECK(ptrace(PTRACE_GETSIGINFO, pid, NULL, &si) == 0);
    printf("first " BP_NAME ": status %#x %s si_code %#x, " PC_NAME " at %s\n", (unsigned)status,
           sig_name(si.si_signo), (unsigned)si.si_code, label(R_PC(&regs)));
    STEP_OVER_BREAKPOINT(pid);
    get_regs(pid, &regs);

    for (int n = 1; n <= 7; n++) {
        unsigned long prev = R_PC(&regs);
        CHECK(ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) == 0);
        wait_for(pid, &status, 0);
        printf("step %d from %s:\n", n, label(prev));
        show(pid, status, prev, &regs);
        if (R_PC(&regs) == (unsigned long)ss_l7)
            break;
    }
    printf("%s after the stepped syscall is the tracer's pid: %s\n",
           R_RET_NAME, (long long)R_RET(&regs) == getpid() ? "yes" : "no");

    unsigned long prev = R_PC(&regs);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    printf("CONT into the " BP_NAME " at ss_l7:\n");
    show(pid, status, prev, &regs);

    /* Rewind to ss_l1 and run again: the two incs execute once more. */
    R_PC(&regs) = (unsigned long)ss_l1;
    set_regs(pid, &regs);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    printf("after rewinding " PC_NAME " to ss_l1 and CONT:\n");
    show(pid, status, (unsigned long)ss_l7, &regs);
    STEP_OVER_BREAKPOINT(pid);

    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    print_status("end", status);
    kill_and_reap(pid);
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
