/* PTRACE_GET_SYSCALL_INFO at syscall-entry, syscall-exit and other stops.
 *
 * Checks (ptrace(2) PTRACE_GET_SYSCALL_INFO (Linux 5.3): "returns the number of bytes
 * available to be written by the kernel", "if the size of the data to be written exceeds
 * addr, the output data is truncated"; parity spec §1.5 row GET_SYSCALL_INFO, §1.6
 * AUDIT_ARCH_X86_64, §4 checklist):
 *  - at a non-syscall stop (int3): op NONE (0), returns 24, arch AUDIT_ARCH_X86_64
 *    (0xc000003e), instruction_pointer = rip, stack_pointer = rsp;
 *  - at a syscall-entry stop (TRACESYSGOOD) of a raw getppid with arguments 1..6: op ENTRY
 *    (1), returns 80, nr 110, the six arguments, instruction_pointer just after `syscall`;
 *  - at the exit stop: op EXIT (2), returns 33, rval = the tracer's pid, is_error 0; for a
 *    failing close(-1): rval -EBADF, is_error 1;
 *  - a small buffer (addr 4) still returns the full size and copies only 4 bytes; addr 0
 *    with NULL data returns the size; NULL data with a non-zero size -> EFAULT;
 *  - without TRACESYSGOOD a syscall-stop reports op NONE (the kernel identifies syscall
 *    stops by si_code SIGTRAP|0x80);
 *  - aarch64: the same at a brk (stepped over) and raw svc calls (getppid 173, close 57,
 *    getpid 172), arch AUDIT_ARCH_AARCH64 (0xc00000b7), pc and sp for rip and rsp. */
#include "helpers.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/user.h>

#ifdef __x86_64__

extern const char si_after_getppid[];
static volatile unsigned long saved_rsp;

static void __attribute__((noinline)) child(void)
{
    long r;
    __asm__ volatile("int3");
    __asm__ volatile("movq %%rsp, %1\n\t"
                     "movq $4, %%r10\n\t"
                     "movq $5, %%r8\n\t"
                     "movq $6, %%r9\n\t"
                     "syscall\n"
                     ".globl si_after_getppid\n"
                     "si_after_getppid:"
                     : "=a"(r), "=m"(saved_rsp)
                     : "a"(110L), "D"(1L), "S"(2L), "d"(3L)
                     : "rcx", "r11", "r8", "r9", "r10", "memory");
    __asm__ volatile("syscall" : "=a"(r) : "a"(3L), "D"(-1L) : "rcx", "r11", "memory");
    __asm__ volatile("syscall" : "=a"(r) : "a"(39L) : "rcx", "r11", "memory");
}

#define PC_NAME "rip"
#define SP_NAME "rsp"
#define R_PC(r) ((r).rip)
#define R_SP(r) ((r).rsp)
#define get_regs(pid, r) CHECK(ptrace(PTRACE_GETREGS, (pid), NULL, (r)) == 0)
#define STEP_OVER_BREAKPOINT(pid) ((void)(pid))

#elif defined(__aarch64__)

/* The same with brk #0 for int3 (the tracer moves pc past it) and svc #0: getppid (173)
 * with arguments 1..6 in x0..x5, close (57) of -1, getpid (172). */
extern const char si_after_getppid[];
static volatile unsigned long saved_rsp;

static void __attribute__((noinline)) child(void)
{
    __asm__ volatile("brk #0");
    register long x8 __asm__("x8") = 173;
    register long x0 __asm__("x0") = 1;
    register long x1 __asm__("x1") = 2;
    register long x2 __asm__("x2") = 3;
    register long x3 __asm__("x3") = 4;
    register long x4 __asm__("x4") = 5;
    register long x5 __asm__("x5") = 6;
    __asm__ volatile("mov x9, sp\n\t"
                     "str x9, %1\n\t"
                     "svc #0\n"
                     ".globl si_after_getppid\n"
                     "si_after_getppid:"
                     : "+r"(x0), "=m"(saved_rsp)
                     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                     : "x9", "memory");
    sys1(57, -1);
    sys1(172, 0);
}

#define PC_NAME "pc"
#define SP_NAME "sp"
#define R_PC(r) ((r).pc)
#define R_SP(r) ((r).sp)
#define STEP_OVER_BREAKPOINT(pid) skip_brk(pid)
#endif

#if defined(__x86_64__) || defined(__aarch64__)

static const char *yesno(int c)
{
    return c ? "yes" : "no";
}

static long get_info(pid_t pid, unsigned long size, struct __ptrace_syscall_info *info)
{
    memset(info, 0xee, sizeof *info);
    errno = 0;
    long r = ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)size, info);
    CHECK(r != -1);
    return r;
}

static void step(pid_t pid, const char *label)
{
    int status;
    CHECK(ptrace(PTRACE_SYSCALL, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    print_status(label, status);
}

int main(void)
{
    setup();
    printf("sizeof(struct __ptrace_syscall_info) = %zu, offsetof entry.nr %zu, exit.is_error %zu\n",
           sizeof(struct __ptrace_syscall_info), offsetof(struct __ptrace_syscall_info, entry.nr),
           offsetof(struct __ptrace_syscall_info, exit.is_error));
    pid_t pid = fork_traced(child);
    long opts = PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD;
    CHECK(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) == 0);
    int status;
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    print_status("int3 stop", status);
    STEP_OVER_BREAKPOINT(pid);

    struct __ptrace_syscall_info info;
    struct user_regs_struct regs;
    unsigned long full = sizeof info;
    get_regs(pid, &regs);
    long r = get_info(pid, full, &info);
    printf("NONE: returns %ld, op %u, arch %#x, instruction_pointer is " PC_NAME
           ": %s, stack_pointer is " SP_NAME ": %s\n",
           r, info.op, info.arch, yesno(info.instruction_pointer == R_PC(regs)),
           yesno(info.stack_pointer == R_SP(regs)));
    r = get_info(pid, 0, &info);
    printf("NONE, addr 0: returns %ld, op byte untouched: %s\n", r, yesno(info.op == 0xee));
    errno = 0;
    r = ptrace(PTRACE_GET_SYSCALL_INFO, pid, NULL, NULL);
    printf("NONE, addr 0 and NULL data: returns %ld, errno %s\n", r, errno_name(errno));
    EXPECT_ERR("NONE, NULL data with addr 88", ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)full, NULL));

    step(pid, "entry stop");
    r = get_info(pid, full, &info);
    printf("ENTRY: returns %ld, op %u, arch %#x, nr %llu, args %llu %llu %llu %llu %llu %llu\n", r,
           info.op, info.arch, (unsigned long long)info.entry.nr,
           (unsigned long long)info.entry.args[0], (unsigned long long)info.entry.args[1],
           (unsigned long long)info.entry.args[2], (unsigned long long)info.entry.args[3],
           (unsigned long long)info.entry.args[4], (unsigned long long)info.entry.args[5]);
    errno = 0;
    long child_rsp = ptrace(PTRACE_PEEKDATA, pid, (void *)&saved_rsp, NULL);
    CHECK(errno == 0);
    printf("ENTRY: instruction_pointer after the syscall instruction: %s, stack_pointer is the child's " SP_NAME ": %s\n",
           yesno(info.instruction_pointer == (unsigned long)si_after_getppid),
           yesno(info.stack_pointer == (unsigned long)child_rsp));
    r = get_info(pid, 4, &info);
    unsigned char *bytes = (unsigned char *)&info;
    printf("ENTRY, addr 4: returns %ld, op %u, byte 4 untouched: %s, nr untouched: %s\n", r,
           info.op, yesno(bytes[4] == 0xee), yesno(info.entry.nr == 0xeeeeeeeeeeeeeeeeULL));
    EXPECT_ERR("ENTRY, NULL data with addr 88", ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)full, NULL));

    step(pid, "exit stop");
    r = get_info(pid, full, &info);
    printf("EXIT: returns %ld, op %u, arch %#x, rval is the tracer's pid: %s, is_error %u\n", r,
           info.op, info.arch, yesno(info.exit.rval == getpid()), info.exit.is_error);
    printf("EXIT: instruction_pointer after the syscall instruction: %s\n",
           yesno(info.instruction_pointer == (unsigned long)si_after_getppid));
    r = get_info(pid, 4, &info);
    printf("EXIT, addr 4: returns %ld, op %u, byte 4 untouched: %s\n", r, info.op,
           yesno(bytes[4] == 0xee));

    step(pid, "entry stop");
    r = get_info(pid, full, &info);
    printf("ENTRY: returns %ld, op %u, nr %llu, args[0] %lld\n", r, info.op,
           (unsigned long long)info.entry.nr, (long long)info.entry.args[0]);
    step(pid, "exit stop");
    r = get_info(pid, full, &info);
    printf("EXIT: returns %ld, op %u, rval %lld (-EBADF %d), is_error %u\n", r, info.op,
           (long long)info.exit.rval, -EBADF, info.exit.is_error);

    /* Without TRACESYSGOOD the kernel does not recognise the syscall-stop. */
    opts = PTRACE_O_EXITKILL;
    CHECK(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) == 0);
    step(pid, "entry stop without TRACESYSGOOD");
    r = get_info(pid, full, &info);
    printf("returns %ld, op %u\n", r, info.op);
    step(pid, "exit stop without TRACESYSGOOD");
    r = get_info(pid, full, &info);
    printf("returns %ld, op %u\n", r, info.op);

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
