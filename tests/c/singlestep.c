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
 *    a label. */
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
    return "elsewhere";
}

static void show(pid_t pid, int status, unsigned long prev_rip, struct user_regs_struct *regs)
{
    CHECK(ptrace(PTRACE_GETREGS, pid, NULL, regs) == 0);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK(ptrace(PTRACE_GETSIGINFO, pid, NULL, &si) == 0);
    printf("  status %#x %s si_code %#x si_addr is rip: %s; rip at %s, advanced by %ld, rbx %llu\n",
           (unsigned)status, sig_name(si.si_signo), (unsigned)si.si_code,
           (unsigned long)si.si_addr == regs->rip ? "yes" : "no", label(regs->rip),
           (long)(regs->rip - prev_rip), (unsigned long long)regs->rbx);
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
    CHECK(ptrace(PTRACE_GETREGS, pid, NULL, &regs) == 0);
    CHECK(ptrace(PTRACE_GETSIGINFO, pid, NULL, &si) == 0);
    printf("first int3: status %#x %s si_code %#x, rip at %s\n", (unsigned)status,
           sig_name(si.si_signo), (unsigned)si.si_code, label(regs.rip));

    for (int n = 1; n <= 7; n++) {
        unsigned long prev = regs.rip;
        CHECK(ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) == 0);
        wait_for(pid, &status, 0);
        printf("step %d from %s:\n", n, label(prev));
        show(pid, status, prev, &regs);
        if (regs.rip == (unsigned long)ss_l7)
            break;
    }
    printf("rax after the stepped syscall is the tracer's pid: %s\n",
           (long long)regs.rax == getpid() ? "yes" : "no");

    unsigned long prev = regs.rip;
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    printf("CONT into the int3 at ss_l7:\n");
    show(pid, status, prev, &regs);

    /* Rewind to ss_l1 and run again: the two incs execute once more. */
    regs.rip = (unsigned long)ss_l1;
    CHECK(ptrace(PTRACE_SETREGS, pid, NULL, &regs) == 0);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    printf("after rewinding rip to ss_l1 and CONT:\n");
    show(pid, status, (unsigned long)ss_l7, &regs);

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
