/* Floating-point registers: PTRACE_GETFPREGS / PTRACE_SETFPREGS (the FXSAVE image).
 *
 * Checks (ptrace(2) PTRACE_GETFPREGS/SETFPREGS; parity spec §1.5 row GETFPREGS/SETFPREGS
 * (struct user_fpregs_struct, 512 bytes), §1.4 EFAULT; Intel SDM FXSAVE layout):
 *  - the child loads known patterns into xmm0 and xmm1, pushes 1.0 on the x87 stack and
 *    stops at an int3; GETFPREGS shows both patterns, st0 = 1.0 (80-bit), the x87 status
 *    word with TOP = 7, and the default control words (fcw 0x37f, mxcsr 0x1f80);
 *  - SETFPREGS with a new xmm0 and round-toward-zero in mxcsr: after the restart the child
 *    finds the new xmm0, xmm1 unchanged and the new mxcsr;
 *  - SETFPREGS with a reserved mxcsr bit -> EINVAL; GETFPREGS/SETFPREGS with NULL data ->
 *    EFAULT;
 *  - aarch64 (no GETFPREGS there: request 14 is EIO): GETREGSET/SETREGSET NT_PRFPREG at a
 *    brk show v0/v1 and fpsr/fpcr; a new v0 and fpcr reach the child. */
#include "helpers.h"

#include <stdint.h>
#include <sys/user.h>

#ifdef __x86_64__

static const uint32_t pattern0[4] = {0x11111111, 0x22222222, 0x33333333, 0x44444444};
static const uint32_t pattern1[4] = {0xa1a2a3a4, 0xb1b2b3b4, 0xc1c2c3c4, 0xd1d2d3d4};
static const uint32_t newpat[4] = {0xdeadbeef, 0x01234567, 0x89abcdef, 0xfeedface};

static void child(void)
{
    uint32_t out0[4], out1[4];
    uint32_t mxcsr;
    __asm__ volatile("movdqu (%3), %%xmm0\n\t"
                     "movdqu (%4), %%xmm1\n\t"
                     "fld1\n\t"
                     "int3\n\t"
                     "fstp %%st(0)\n\t"
                     "movdqu %%xmm0, %0\n\t"
                     "movdqu %%xmm1, %1\n\t"
                     "stmxcsr %2"
                     : "=m"(out0), "=m"(out1), "=m"(mxcsr)
                     : "r"(pattern0), "r"(pattern1)
                     : "xmm0", "xmm1", "memory");
    printf("child: xmm0 is the tracer's new value: %s\n",
           memcmp(out0, newpat, sizeof out0) == 0 ? "yes" : "no");
    printf("child: xmm1 unchanged: %s\n", memcmp(out1, pattern1, sizeof out1) == 0 ? "yes" : "no");
    printf("child: mxcsr %#x\n", mxcsr);
}

static const char *yesno(int c)
{
    return c ? "yes" : "no";
}

int main(void)
{
    setup();
    printf("sizeof(struct user_fpregs_struct) = %zu\n", sizeof(struct user_fpregs_struct));
    pid_t pid = run_to_breakpoint(child, "int3 stop");
    int status;

    struct user_fpregs_struct fp;
    memset(&fp, 0, sizeof fp);
    CHECK(ptrace(PTRACE_GETFPREGS, pid, NULL, &fp) == 0);
    printf("xmm0 is the child's pattern: %s\n", yesno(memcmp(&fp.xmm_space[0], pattern0, 16) == 0));
    printf("xmm1 is the child's pattern: %s\n", yesno(memcmp(&fp.xmm_space[4], pattern1, 16) == 0));
    printf("st0 = 1.0: mantissa %#x%08x exponent %#x\n", fp.st_space[1], fp.st_space[0],
           fp.st_space[2] & 0xffff);
    printf("fcw %#x, fsw %#x (TOP %u), mxcsr %#x\n", fp.cwd, fp.swd, (fp.swd >> 11) & 7, fp.mxcsr);

    EXPECT_ERR("GETFPREGS with NULL data", ptrace(PTRACE_GETFPREGS, pid, NULL, NULL));
    EXPECT_ERR("SETFPREGS with NULL data", ptrace(PTRACE_SETFPREGS, pid, NULL, NULL));
    struct user_fpregs_struct bad = fp;
    bad.mxcsr |= 0x80000000u;
    EXPECT_ERR("SETFPREGS with a reserved mxcsr bit", ptrace(PTRACE_SETFPREGS, pid, NULL, &bad));
    struct user_fpregs_struct check;
    CHECK(ptrace(PTRACE_GETFPREGS, pid, NULL, &check) == 0);
    printf("unchanged after the failed SETFPREGS: %s\n", yesno(memcmp(&fp, &check, sizeof fp) == 0));

    memcpy(&fp.xmm_space[0], newpat, 16);
    fp.mxcsr = 0x1f80 | 0x6000; /* round toward zero */
    CHECK(ptrace(PTRACE_SETFPREGS, pid, NULL, &fp) == 0);
    CHECK(ptrace(PTRACE_GETFPREGS, pid, NULL, &check) == 0);
    printf("GETFPREGS after SETFPREGS: xmm0 new %s, mxcsr %#x\n",
           yesno(memcmp(&check.xmm_space[0], newpat, 16) == 0), check.mxcsr);

    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    print_status("end", status);
    kill_and_reap(pid);
    return 0;
}

#elif defined(__aarch64__)

/* arm64 has no GETFPREGS/SETFPREGS: the FP/SIMD registers are the NT_PRFPREG regset,
 * struct user_fpsimd_struct (v0..v31, fpsr, fpcr). */
static const uint32_t pattern0[4] = {0x11111111, 0x22222222, 0x33333333, 0x44444444};
static const uint32_t pattern1[4] = {0xa1a2a3a4, 0xb1b2b3b4, 0xc1c2c3c4, 0xd1d2d3d4};
static const uint32_t newpat[4] = {0xdeadbeef, 0x01234567, 0x89abcdef, 0xfeedface};

static void child(void)
{
    uint32_t out0[4], out1[4];
    unsigned long fpcr;
    __asm__ volatile("ldr q0, [%3]\n\t"
                     "ldr q1, [%4]\n\t"
                     "brk #0\n\t"
                     "str q0, [%1]\n\t"
                     "str q1, [%2]\n\t"
                     "mrs %0, fpcr"
                     : "=r"(fpcr)
                     : "r"(out0), "r"(out1), "r"(pattern0), "r"(pattern1)
                     : "v0", "v1", "memory");
    printf("child: v0 is the tracer's new value: %s\n",
           memcmp(out0, newpat, sizeof out0) == 0 ? "yes" : "no");
    printf("child: v1 unchanged: %s\n", memcmp(out1, pattern1, sizeof out1) == 0 ? "yes" : "no");
    printf("child: fpcr %#lx\n", fpcr);
}

static const char *yesno(int c)
{
    return c ? "yes" : "no";
}

static long fpregset(int req, pid_t pid, void *iov)
{
    return ptrace(req, pid, (void *)NT_PRFPREG, iov);
}

int main(void)
{
    setup();
    printf("sizeof(struct user_fpsimd_struct) = %zu\n", sizeof(struct user_fpsimd_struct));
    pid_t pid = run_to_breakpoint(child, "brk stop");
    int status;

    struct user_fpsimd_struct fp;
    memset(&fp, 0, sizeof fp);
    struct iovec iov = {&fp, sizeof fp};
    CHECK(fpregset(PTRACE_GETREGSET, pid, &iov) == 0);
    printf("GETREGSET NT_PRFPREG: iov_len %zu\n", iov.iov_len);
    printf("v0 is the child's pattern: %s\n", yesno(memcmp(&fp.vregs[0], pattern0, 16) == 0));
    printf("v1 is the child's pattern: %s\n", yesno(memcmp(&fp.vregs[1], pattern1, 16) == 0));
    printf("fpsr %#x, fpcr %#x\n", fp.fpsr, fp.fpcr);

    EXPECT_ERR("GETREGSET NT_PRFPREG with a NULL iovec", fpregset(PTRACE_GETREGSET, pid, NULL));
    EXPECT_ERR("SETREGSET NT_PRFPREG with a NULL iovec", fpregset(PTRACE_SETREGSET, pid, NULL));
    int getfpregs = 14; /* x86's PTRACE_GETFPREGS */
    EXPECT_ERR("request 14 (x86 GETFPREGS)", ptrace(getfpregs, pid, NULL, &fp));

    memcpy(&fp.vregs[0], newpat, 16);
    fp.fpcr = 0xc00000; /* RMode: round toward zero */
    CHECK(fpregset(PTRACE_SETREGSET, pid, &iov) == 0);
    struct user_fpsimd_struct check;
    struct iovec check_iov = {&check, sizeof check};
    CHECK(fpregset(PTRACE_GETREGSET, pid, &check_iov) == 0);
    printf("GETREGSET after SETREGSET: v0 new %s, fpcr %#x\n",
           yesno(memcmp(&check.vregs[0], newpat, 16) == 0), check.fpcr);

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
