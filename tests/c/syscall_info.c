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
 *    stops by si_code SIGTRAP|0x80). */
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

    struct __ptrace_syscall_info info;
    struct user_regs_struct regs;
    unsigned long full = sizeof info;
    CHECK(ptrace(PTRACE_GETREGS, pid, NULL, &regs) == 0);
    long r = get_info(pid, full, &info);
    printf("NONE: returns %ld, op %u, arch %#x, instruction_pointer is rip: %s, stack_pointer is rsp: %s\n",
           r, info.op, info.arch, yesno(info.instruction_pointer == regs.rip),
           yesno(info.stack_pointer == regs.rsp));
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
    printf("ENTRY: instruction_pointer after the syscall instruction: %s, stack_pointer is the child's rsp: %s\n",
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
