/* Register sets: PTRACE_GETREGSET / PTRACE_SETREGSET with NT_PRSTATUS and NT_PRFPREG.
 *
 * Checks (ptrace(2) PTRACE_GETREGSET/SETREGSET: "iov.len is updated by the kernel to the
 * amount of data returned"; parity spec §1.5 row GETREGSET/SETREGSET, §1.7 regset table,
 * §4 "short iov_len is a partial read"):
 *  - the child puts known values in r12, r13 and xmm0 and stops at an int3;
 *  - GETREGSET NT_PRSTATUS with a large iovec rewrites iov_len to 216 and equals GETREGS;
 *    NT_PRFPREG gives 512 bytes equal to GETFPREGS, xmm0 at byte 160; NT_X86_XSTATE holds
 *    the same xmm0 in its legacy area;
 *  - a short iovec (16 bytes) copies only 16 bytes and sets iov_len to 16, iov_len 0 copies
 *    nothing, a length that is not a multiple of 8 (even a large one) -> EINVAL;
 *  - unknown NT type -> EINVAL, NULL iov_base or NULL iovec -> EFAULT;
 *  - a short SETREGSET (24 bytes) writes r15, r14, r13 but not r12; a full SETREGSET of
 *    NT_PRSTATUS and NT_PRFPREG changes r12 and xmm0 as the child then sees them;
 *  - aarch64: the same with x19/x20, v0, the 272-byte NT_PRSTATUS and 528-byte NT_PRFPREG,
 *    plus NT_ARM_TLS and NT_ARM_SYSTEM_CALL, NT_X86_XSTATE -> EINVAL, pstate EL1h -> EINVAL. */
#include "helpers.h"

#include <elf.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <sys/user.h>

#ifdef __x86_64__

static const uint32_t pattern0[4] = {0x11111111, 0x22222222, 0x33333333, 0x44444444};
static const uint32_t newpat[4] = {0xdeadbeef, 0x01234567, 0x89abcdef, 0xfeedface};

static void child(void)
{
    uint32_t out0[4];
    unsigned long r12, r13;
    __asm__ volatile("movdqu (%3), %%xmm0\n\t"
                     "movq $0x5eed, %%r12\n\t"
                     "movq $0x1300, %%r13\n\t"
                     "int3\n\t"
                     "movdqu %%xmm0, %0\n\t"
                     "movq %%r12, %1\n\t"
                     "movq %%r13, %2"
                     : "=m"(out0), "=m"(r12), "=m"(r13)
                     : "r"(pattern0)
                     : "xmm0", "r12", "r13", "memory");
    printf("child: r12 %#lx r13 %#lx\n", r12, r13);
    printf("child: xmm0 is the tracer's new value: %s\n",
           memcmp(out0, newpat, sizeof out0) == 0 ? "yes" : "no");
}

static const char *yesno(int c)
{
    return c ? "yes" : "no";
}

int main(void)
{
    setup();
    pid_t pid = run_to_breakpoint(child, "int3 stop");
    int status;

    struct user_regs_struct regs;
    CHECK(ptrace(PTRACE_GETREGS, pid, NULL, &regs) == 0);
    unsigned char buf[4096];
    struct iovec iov;
    unsigned long nt;

    /* NT_PRSTATUS, full. */
    nt = NT_PRSTATUS;
    memset(buf, 0xee, sizeof buf);
    iov.iov_base = buf;
    iov.iov_len = 320;
    EXPECT_ERR("GETREGSET NT_PRSTATUS, iov_len 320", ptrace(PTRACE_GETREGSET, pid, (void *)nt, &iov));
    printf("  iov_len now %zu, equals GETREGS: %s, r12 %#lx\n", iov.iov_len,
           yesno(memcmp(buf, &regs, sizeof regs) == 0),
           *(unsigned long *)(buf + offsetof(struct user_regs_struct, r12)));
    printf("  bytes after 216 untouched: %s\n", yesno(buf[216] == 0xee && buf[319] == 0xee));

    /* NT_PRSTATUS, short. */
    memset(buf, 0xee, sizeof buf);
    iov.iov_len = 16;
    EXPECT_ERR("GETREGSET NT_PRSTATUS, iov_len 16", ptrace(PTRACE_GETREGSET, pid, (void *)nt, &iov));
    printf("  iov_len now %zu, first 16 bytes equal GETREGS: %s, byte 16 untouched: %s\n",
           iov.iov_len, yesno(memcmp(buf, &regs, 16) == 0), yesno(buf[16] == 0xee));
    memset(buf, 0xee, sizeof buf);
    iov.iov_len = 0;
    EXPECT_ERR("GETREGSET NT_PRSTATUS, iov_len 0", ptrace(PTRACE_GETREGSET, pid, (void *)nt, &iov));
    printf("  iov_len now %zu, byte 0 untouched: %s\n", iov.iov_len, yesno(buf[0] == 0xee));
    iov.iov_len = 300;
    EXPECT_ERR("GETREGSET NT_PRSTATUS, iov_len 300 (not a multiple of 8)", ptrace(PTRACE_GETREGSET, pid, (void *)nt, &iov));
    printf("  iov_len now %zu\n", iov.iov_len);

    /* Errors. */
    unsigned long unknown = 0x999;
    iov.iov_len = 216;
    EXPECT_ERR("GETREGSET unknown NT 0x999", ptrace(PTRACE_GETREGSET, pid, (void *)unknown, &iov));
    EXPECT_ERR("SETREGSET unknown NT 0x999", ptrace(PTRACE_SETREGSET, pid, (void *)unknown, &iov));
    iov.iov_base = NULL;
    EXPECT_ERR("GETREGSET with iov_base NULL", ptrace(PTRACE_GETREGSET, pid, (void *)nt, &iov));
    iov.iov_base = buf;
    EXPECT_ERR("GETREGSET with a NULL iovec", ptrace(PTRACE_GETREGSET, pid, (void *)nt, NULL));

    /* NT_PRFPREG. */
    struct user_fpregs_struct fp;
    CHECK(ptrace(PTRACE_GETFPREGS, pid, NULL, &fp) == 0);
    nt = NT_PRFPREG;
    memset(buf, 0xee, sizeof buf);
    iov.iov_base = buf;
    iov.iov_len = sizeof buf;
    EXPECT_ERR("GETREGSET NT_PRFPREG, iov_len 4096", ptrace(PTRACE_GETREGSET, pid, (void *)nt, &iov));
    printf("  iov_len now %zu, equals GETFPREGS: %s, xmm0 at byte 160 is the child's: %s\n",
           iov.iov_len, yesno(memcmp(buf, &fp, sizeof fp) == 0),
           yesno(memcmp(buf + 160, pattern0, 16) == 0));
    memset(buf, 0xee, sizeof buf);
    iov.iov_len = 64;
    EXPECT_ERR("GETREGSET NT_PRFPREG, iov_len 64", ptrace(PTRACE_GETREGSET, pid, (void *)nt, &iov));
    printf("  iov_len now %zu, first 64 bytes equal GETFPREGS: %s, byte 64 untouched: %s\n",
           iov.iov_len, yesno(memcmp(buf, &fp, 64) == 0), yesno(buf[64] == 0xee));

    /* NT_X86_XSTATE: size depends on the CPU; only relations are printed. */
    nt = NT_X86_XSTATE;
    memset(buf, 0xee, sizeof buf);
    iov.iov_len = sizeof buf;
    EXPECT_ERR("GETREGSET NT_X86_XSTATE", ptrace(PTRACE_GETREGSET, pid, (void *)nt, &iov));
    printf("  iov_len above 512: %s, xmm0 at byte 160 is the child's: %s\n",
           yesno(iov.iov_len > 512), yesno(memcmp(buf + 160, pattern0, 16) == 0));

    /* SETREGSET NT_PRSTATUS, short: only r15, r14, r13 are written. */
    nt = NT_PRSTATUS;
    struct user_regs_struct w = regs;
    w.r13 = 0x1313;
    w.r12 = 0x1212;
    iov.iov_base = &w;
    iov.iov_len = offsetof(struct user_regs_struct, r12);
    EXPECT_ERR("SETREGSET NT_PRSTATUS, iov_len 24", ptrace(PTRACE_SETREGSET, pid, (void *)nt, &iov));
    struct user_regs_struct after;
    CHECK(ptrace(PTRACE_GETREGS, pid, NULL, &after) == 0);
    printf("  iov_len now %zu, r13 %#llx, r12 %#llx\n", iov.iov_len, (unsigned long long)after.r13,
           (unsigned long long)after.r12);
    iov.iov_len = 12;
    EXPECT_ERR("SETREGSET NT_PRSTATUS, iov_len 12", ptrace(PTRACE_SETREGSET, pid, (void *)nt, &iov));

    /* SETREGSET NT_PRSTATUS, full: r12 changes. */
    w = after;
    w.r12 = 0xbeef;
    iov.iov_len = sizeof w;
    EXPECT_ERR("SETREGSET NT_PRSTATUS, iov_len 216", ptrace(PTRACE_SETREGSET, pid, (void *)nt, &iov));
    printf("  iov_len now %zu\n", iov.iov_len);
    w.cs = 0;
    EXPECT_ERR("SETREGSET NT_PRSTATUS with cs = 0", ptrace(PTRACE_SETREGSET, pid, (void *)nt, &iov));

    /* SETREGSET NT_PRFPREG: xmm0 changes. */
    nt = NT_PRFPREG;
    memcpy(&fp.xmm_space[0], newpat, 16);
    iov.iov_base = &fp;
    iov.iov_len = sizeof fp;
    EXPECT_ERR("SETREGSET NT_PRFPREG, iov_len 512", ptrace(PTRACE_SETREGSET, pid, (void *)nt, &iov));
    struct user_fpregs_struct fcheck;
    CHECK(ptrace(PTRACE_GETFPREGS, pid, NULL, &fcheck) == 0);
    printf("  GETFPREGS shows the new xmm0: %s\n", yesno(memcmp(&fcheck.xmm_space[0], newpat, 16) == 0));

    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    print_status("end", status);
    kill_and_reap(pid);
    return 0;
}

#elif defined(__aarch64__)

/* The register model of arm64, where regsets are the only way to the registers:
 * NT_PRSTATUS is struct user_regs_struct (x0..x30, sp, pc, pstate: 272 bytes), NT_PRFPREG
 * struct user_fpsimd_struct (528 bytes, v0 at byte 0). x19/x20 play r13/r12. */
static const uint32_t pattern0[4] = {0x11111111, 0x22222222, 0x33333333, 0x44444444};
static const uint32_t newpat[4] = {0xdeadbeef, 0x01234567, 0x89abcdef, 0xfeedface};

static void child(void)
{
    uint32_t out0[4];
    unsigned long x19, x20;
    __asm__ volatile("ldr q0, [%3]\n\t"
                     "mov x20, #0x5eed\n\t"
                     "mov x19, #0x1300\n\t"
                     "brk #0\n\t"
                     "str q0, [%2]\n\t"
                     "mov %0, x19\n\t"
                     "mov %1, x20"
                     : "=r"(x19), "=r"(x20)
                     : "r"(out0), "r"(pattern0)
                     : "v0", "x19", "x20", "memory");
    printf("child: x20 %#lx x19 %#lx\n", x20, x19);
    printf("child: v0 is the tracer's new value: %s\n",
           memcmp(out0, newpat, sizeof out0) == 0 ? "yes" : "no");
}

static const char *yesno(int c)
{
    return c ? "yes" : "no";
}

static long regset(int req, pid_t pid, unsigned long nt, struct iovec *iov)
{
    return ptrace(req, pid, (void *)nt, iov);
}

int main(void)
{
    setup();
    pid_t pid = run_to_breakpoint(child, "brk stop");
    int status;

    struct user_regs_struct regs;
    get_regs(pid, &regs);
    printf("sizeof(struct user_regs_struct) %zu, sizeof(struct user_fpsimd_struct) %zu\n",
           sizeof regs, sizeof(struct user_fpsimd_struct));
    unsigned char buf[4096];
    struct iovec iov = {buf, 320};

    /* NT_PRSTATUS, full, short, empty, odd. */
    memset(buf, 0xee, sizeof buf);
    EXPECT_ERR("GETREGSET NT_PRSTATUS, iov_len 320", regset(PTRACE_GETREGSET, pid, NT_PRSTATUS, &iov));
    printf("  iov_len now %zu, equals the first read: %s, x20 %#lx\n", iov.iov_len,
           yesno(memcmp(buf, &regs, sizeof regs) == 0),
           *(unsigned long *)(buf + offsetof(struct user_regs_struct, regs[20])));
    printf("  bytes after 272 untouched: %s\n", yesno(buf[272] == 0xee && buf[319] == 0xee));
    memset(buf, 0xee, sizeof buf);
    iov.iov_len = 16;
    EXPECT_ERR("GETREGSET NT_PRSTATUS, iov_len 16", regset(PTRACE_GETREGSET, pid, NT_PRSTATUS, &iov));
    printf("  iov_len now %zu, first 16 bytes equal: %s, byte 16 untouched: %s\n", iov.iov_len,
           yesno(memcmp(buf, &regs, 16) == 0), yesno(buf[16] == 0xee));
    memset(buf, 0xee, sizeof buf);
    iov.iov_len = 0;
    EXPECT_ERR("GETREGSET NT_PRSTATUS, iov_len 0", regset(PTRACE_GETREGSET, pid, NT_PRSTATUS, &iov));
    printf("  iov_len now %zu, byte 0 untouched: %s\n", iov.iov_len, yesno(buf[0] == 0xee));
    iov.iov_len = 300;
    EXPECT_ERR("GETREGSET NT_PRSTATUS, iov_len 300 (not a multiple of 8)",
               regset(PTRACE_GETREGSET, pid, NT_PRSTATUS, &iov));

    /* Errors. */
    iov.iov_len = 272;
    EXPECT_ERR("GETREGSET unknown NT 0x999", regset(PTRACE_GETREGSET, pid, 0x999, &iov));
    EXPECT_ERR("SETREGSET unknown NT 0x999", regset(PTRACE_SETREGSET, pid, 0x999, &iov));
    EXPECT_ERR("GETREGSET NT_X86_XSTATE (not on arm64)", regset(PTRACE_GETREGSET, pid, NT_X86_XSTATE, &iov));
    iov.iov_base = NULL;
    EXPECT_ERR("GETREGSET with iov_base NULL", regset(PTRACE_GETREGSET, pid, NT_PRSTATUS, &iov));
    iov.iov_base = buf;
    EXPECT_ERR("GETREGSET with a NULL iovec", regset(PTRACE_GETREGSET, pid, NT_PRSTATUS, NULL));

    /* NT_PRFPREG, and two small arm64 sets. */
    memset(buf, 0xee, sizeof buf);
    iov.iov_len = sizeof buf;
    EXPECT_ERR("GETREGSET NT_PRFPREG, iov_len 4096", regset(PTRACE_GETREGSET, pid, NT_PRFPREG, &iov));
    printf("  iov_len now %zu, v0 at byte 0 is the child's: %s\n", iov.iov_len,
           yesno(memcmp(buf, pattern0, 16) == 0));
    struct user_fpsimd_struct fp;
    memcpy(&fp, buf, sizeof fp);
    memset(buf, 0xee, sizeof buf);
    iov.iov_len = 64;
    EXPECT_ERR("GETREGSET NT_PRFPREG, iov_len 64", regset(PTRACE_GETREGSET, pid, NT_PRFPREG, &iov));
    printf("  iov_len now %zu, first 64 bytes equal: %s, byte 64 untouched: %s\n", iov.iov_len,
           yesno(memcmp(buf, &fp, 64) == 0), yesno(buf[64] == 0xee));
    iov.iov_len = sizeof buf;
    EXPECT_ERR("GETREGSET NT_ARM_TLS", regset(PTRACE_GETREGSET, pid, NT_ARM_TLS, &iov));
    printf("  iov_len now %zu\n", iov.iov_len);
    iov.iov_len = sizeof buf;
    EXPECT_ERR("GETREGSET NT_ARM_SYSTEM_CALL", regset(PTRACE_GETREGSET, pid, NT_ARM_SYSTEM_CALL, &iov));
    printf("  iov_len now %zu, value %d\n", iov.iov_len, *(int *)buf);

    /* SETREGSET NT_PRSTATUS, short: x0..x19 are written, x20 is not. */
    struct user_regs_struct w = regs;
    w.regs[19] = 0x1313;
    w.regs[20] = 0x1212;
    iov.iov_base = &w;
    iov.iov_len = offsetof(struct user_regs_struct, regs[20]);
    EXPECT_ERR("SETREGSET NT_PRSTATUS, iov_len 160", regset(PTRACE_SETREGSET, pid, NT_PRSTATUS, &iov));
    struct user_regs_struct after;
    get_regs(pid, &after);
    printf("  iov_len now %zu, x19 %#llx, x20 %#llx\n", iov.iov_len,
           (unsigned long long)after.regs[19], (unsigned long long)after.regs[20]);
    iov.iov_len = 12;
    EXPECT_ERR("SETREGSET NT_PRSTATUS, iov_len 12", regset(PTRACE_SETREGSET, pid, NT_PRSTATUS, &iov));

    /* SETREGSET NT_PRSTATUS, full: x20 changes; a pstate of EL1h is refused. */
    w = after;
    w.regs[20] = 0xbeef;
    iov.iov_len = sizeof w;
    EXPECT_ERR("SETREGSET NT_PRSTATUS, iov_len 272", regset(PTRACE_SETREGSET, pid, NT_PRSTATUS, &iov));
    printf("  iov_len now %zu\n", iov.iov_len);
    w.pstate = (w.pstate & ~0xfULL) | 0x5;
    EXPECT_ERR("SETREGSET NT_PRSTATUS with pstate EL1h", regset(PTRACE_SETREGSET, pid, NT_PRSTATUS, &iov));

    /* SETREGSET NT_PRFPREG: v0 changes. */
    memcpy(&fp.vregs[0], newpat, 16);
    iov.iov_base = &fp;
    iov.iov_len = sizeof fp;
    EXPECT_ERR("SETREGSET NT_PRFPREG, iov_len 528", regset(PTRACE_SETREGSET, pid, NT_PRFPREG, &iov));
    struct user_fpsimd_struct fcheck;
    iov.iov_base = &fcheck;
    CHECK(regset(PTRACE_GETREGSET, pid, NT_PRFPREG, &iov) == 0);
    printf("  GETREGSET shows the new v0: %s\n", yesno(memcmp(&fcheck.vregs[0], newpat, 16) == 0));

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
