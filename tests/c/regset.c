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
 *    NT_PRSTATUS and NT_PRFPREG changes r12 and xmm0 as the child then sees them. */
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
    pid_t pid = fork_traced(child);
    long opts = PTRACE_O_EXITKILL;
    CHECK(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) == 0);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    int status;
    wait_for(pid, &status, 0);
    print_status("int3 stop", status);

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

#else
int main(void)
{
    setup();
    printf("x86_64 only\n");
    return 0;
}
#endif
