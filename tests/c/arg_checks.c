/* Argument checks that come before a request can do anything: each row must fail (or succeed)
 * as the kernel answers it, in the kernel's order (the pid first, then the arguments, then
 * the copy from or to the caller, then what the request does). The differential fuzzer found
 * each of them (docs/fuzzing.md); here they are run on purpose.
 *
 *  - ATTACH/SEIZE of an exited, unreaped child -> EPERM (kernel/ptrace.c `ptrace_attach`:
 *    `task->exit_state`), not ESRCH: the process still exists;
 *  - SETSIGINFO: a siginfo whose si_code has no layout the kernel knows, with anything in its
 *    last 80 bytes -> E2BIG (kernel/signal.c `post_copy_siginfo_from_user`); with them zero, or
 *    with a known si_code, it is taken; at the group-stop of a tracee not attached with SEIZE
 *    -> EINVAL (no siginfo to replace, `ptrace_setsiginfo`);
 *  - GETSIGMASK/SETSIGMASK of the right size to an unusable buffer -> EFAULT (a read-only one
 *    for GETSIGMASK), whatever the request can do after the copy;
 *  - SET_SYSCALL_INFO (Linux 6.16, `ptrace_set_syscall_info`): a size short of the structure
 *    -> EINVAL, an unreadable one -> EFAULT, the reserved byte or flags set -> EINVAL, an op
 *    other than the stop's -> EINVAL, at a stop that is no syscall stop -> EINVAL, a syscall
 *    number that is no `int` -> ERANGE; at an entry stop it changes the syscall made and at
 *    the exit stop its result, as the tracee sees. Older kernels answer EIO to all of it (the
 *    arm64 expectation shows it), so the x86_64 expectation needs a 6.16+ host;
 *  - x86_64: ARCH_PRCTL ARCH_SET_FS/GS of a base at or above TASK_SIZE_MAX -> EPERM
 *    (arch/x86/kernel/process_64.c `do_arch_prctl_64`), an unknown code -> EINVAL;
 *    SETREGSET NT_X86_XSTATE shorter than the whole set -> EFAULT (`xstateregs_set`). */
#include "helpers.h"

#include <elf.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#ifdef __x86_64__
#include <asm/prctl.h>
#endif

#ifndef PTRACE_SET_SYSCALL_INFO
#define PTRACE_SET_SYSCALL_INFO 0x4212
#endif
#ifndef NT_X86_XSTATE
#define NT_X86_XSTATE 0x202
#endif

/* EXPECT_ERR (helpers.h), but a success prints only the value. */
#define EXPECT(label, expr)                                                      \
    do {                                                                         \
        errno = 0;                                                               \
        long ret_ = (long)(expr);                                                \
        int err_ = errno;                                                        \
        if (ret_ == -1)                                                          \
            printf("%s -> -1 %s\n", (label), errno_name(err_));                  \
        else                                                                     \
            printf("%s -> %ld\n", (label), ret_);                                \
    } while (0)

/* `struct ptrace_syscall_info` (linux/ptrace.h, 6.16): 88 bytes. */
struct sc_info {
    unsigned char op, reserved;
    unsigned short flags;
    unsigned int arch;
    unsigned long long ip, sp;
    unsigned long long nr_or_rval, args[6];
    unsigned int ret_data, reserved2;
};

static void loop_forever(void)
{
    for (;;)
        pause();
}

/* getppid(), whose result the tracer replaces: exit 0 if the tracer's 42 arrived. */
static void call_getppid(void)
{
    long r = syscall(SYS_getppid);
    _exit(r == 42 ? 0 : 1);
}

/* PTRACE_SYSCALL until the entry stop of syscall `nr` (the tracee has TRACESYSGOOD). */
static void run_to_entry(pid_t pid, long nr)
{
    struct sc_info info;
    int status;
    for (int i = 0; i < 100; i++) {
        CHECK(ptrace(PTRACE_SYSCALL, pid, NULL, NULL) == 0);
        wait_for(pid, &status, 0);
        CHECK(WIFSTOPPED(status) && WSTOPSIG(status) == (SIGTRAP | 0x80));
        memset(&info, 0, sizeof info);
        CHECK(ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof info, &info) > 0);
        if (info.op == PTRACE_SYSCALL_INFO_ENTRY && (long)info.nr_or_rval == nr)
            return;
    }
    CHECK(!"syscall entry reached");
}

int main(void)
{
    setup();
    int status;

    printf("[ATTACH and SEIZE of an exited, unreaped child]\n");
    pid_t z = fork();
    CHECK(z != -1);
    if (z == 0)
        _exit(0);
    siginfo_t wi;
    CHECK(waitid(P_PID, z, &wi, WEXITED | WNOWAIT) == 0);
    EXPECT("ATTACH to the zombie", ptrace(PTRACE_ATTACH, z, NULL, NULL));
    EXPECT("SEIZE the zombie", ptrace(PTRACE_SEIZE, z, NULL, NULL));
    wait_for(z, &status, 0);
    printf("it is reaped afterwards, exit status %d\n", WEXITSTATUS(status));

    pid_t stopped = fork_traced(loop_forever);

    printf("[SETSIGINFO]\n");
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = SIGUSR1;
    si.si_code = 100; /* no layout the kernel knows */
    ((unsigned char *)&si)[100] = 1;
    EXPECT("unknown si_code, byte 100 set", ptrace(PTRACE_SETSIGINFO, stopped, NULL, &si));
    ((unsigned char *)&si)[100] = 0;
    EXPECT("unknown si_code, last 80 bytes zero", ptrace(PTRACE_SETSIGINFO, stopped, NULL, &si));
    si.si_code = SI_USER;
    ((unsigned char *)&si)[100] = 1;
    EXPECT("SI_USER, byte 100 set", ptrace(PTRACE_SETSIGINFO, stopped, NULL, &si));
    memset(&si, 0xaa, sizeof si);
    CHECK(ptrace(PTRACE_GETSIGINFO, stopped, NULL, &si) == 0);
    printf("GETSIGINFO gives it back: si_signo %s si_code %d, byte 100 %d\n",
           sig_name(si.si_signo), si.si_code, ((unsigned char *)&si)[100]);

    pid_t grp = fork_traced(loop_forever);
    CHECK(ptrace(PTRACE_CONT, grp, NULL, (void *)SIGSTOP) == 0);
    wait_for(grp, &status, 0);
    CHECK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP);
    si.si_code = SI_USER;
    ((unsigned char *)&si)[100] = 0;
    EXPECT("at a group-stop (not seized)", ptrace(PTRACE_SETSIGINFO, grp, NULL, &si));
    ((unsigned char *)&si)[100] = 1;
    si.si_code = 100;
    EXPECT("at a group-stop, unknown si_code and byte 100 set",
           ptrace(PTRACE_SETSIGINFO, grp, NULL, &si));
    kill_and_reap(grp);

    printf("[GETSIGMASK and SETSIGMASK]\n");
    static const char ro[8] = "ro mask";
    long size = 8;
    EXPECT("GETSIGMASK to NULL", ptrace(PTRACE_GETSIGMASK, stopped, (void *)size, NULL));
    EXPECT("GETSIGMASK to a read-only buffer",
           ptrace(PTRACE_GETSIGMASK, stopped, (void *)size, (void *)ro));
    EXPECT("SETSIGMASK from NULL", ptrace(PTRACE_SETSIGMASK, stopped, (void *)size, NULL));
    size = 4;
    EXPECT("GETSIGMASK size 4 to NULL", ptrace(PTRACE_GETSIGMASK, stopped, (void *)size, NULL));

    printf("[SET_SYSCALL_INFO at a signal stop]\n");
    struct sc_info info;
    memset(&info, 0, sizeof info);
    EXPECT("size 87", ptrace(PTRACE_SET_SYSCALL_INFO, stopped, (void *)87, &info));
    EXPECT("size 88 from NULL", ptrace(PTRACE_SET_SYSCALL_INFO, stopped, (void *)88, NULL));
    EXPECT("size 0 from NULL", ptrace(PTRACE_SET_SYSCALL_INFO, stopped, NULL, NULL));
    info.reserved = 1;
    EXPECT("reserved set", ptrace(PTRACE_SET_SYSCALL_INFO, stopped, (void *)88, &info));
    info.reserved = 0;
    info.flags = 1;
    EXPECT("flags set", ptrace(PTRACE_SET_SYSCALL_INFO, stopped, (void *)88, &info));
    info.flags = 0;
    EXPECT("op NONE", ptrace(PTRACE_SET_SYSCALL_INFO, stopped, (void *)88, &info));
    info.op = PTRACE_SYSCALL_INFO_ENTRY;
    EXPECT("op ENTRY", ptrace(PTRACE_SET_SYSCALL_INFO, stopped, (void *)4096, &info));

#ifdef __x86_64__
    printf("[ARCH_PRCTL]\n");
    unsigned long base = 0x7ffffffff000UL; /* TASK_SIZE_MAX */
    EXPECT("ARCH_SET_FS TASK_SIZE_MAX", ptrace(PTRACE_ARCH_PRCTL, stopped, (void *)base,
                                               (void *)ARCH_SET_FS));
    base = 0xffff800000000000UL;
    EXPECT("ARCH_SET_GS 0xffff800000000000", ptrace(PTRACE_ARCH_PRCTL, stopped, (void *)base,
                                                    (void *)ARCH_SET_GS));
    base = 0x7fffffffe000UL;
    EXPECT("ARCH_SET_GS 0x7fffffffe000", ptrace(PTRACE_ARCH_PRCTL, stopped, (void *)base,
                                                (void *)ARCH_SET_GS));
    unsigned long got = 0;
    CHECK(ptrace(PTRACE_ARCH_PRCTL, stopped, &got, (void *)ARCH_GET_GS) == 0);
    printf("ARCH_GET_GS reads it back: %s\n", got == base ? "yes" : "no");
    EXPECT("code 0x9999", ptrace(PTRACE_ARCH_PRCTL, stopped, &got, (void *)0x9999));

    printf("[SETREGSET NT_X86_XSTATE]\n");
    static unsigned char xbuf[4096];
    struct iovec iov = {xbuf, 8};
    EXPECT("8 bytes", ptrace(PTRACE_SETREGSET, stopped, (void *)NT_X86_XSTATE, &iov));
    printf("iov_len left at %zu\n", iov.iov_len);
    iov.iov_len = 0;
    EXPECT("0 bytes", ptrace(PTRACE_SETREGSET, stopped, (void *)NT_X86_XSTATE, &iov));
#endif
    kill_and_reap(stopped);

    printf("[SET_SYSCALL_INFO at syscall stops]\n");
    pid_t t = fork_traced(call_getppid);
    CHECK(ptrace(PTRACE_SETOPTIONS, t, NULL, (void *)PTRACE_O_TRACESYSGOOD) == 0);
    run_to_entry(t, SYS_getppid);
    memset(&info, 0, sizeof info);
    CHECK(ptrace(PTRACE_GET_SYSCALL_INFO, t, (void *)sizeof info, &info) > 0);
    struct sc_info orig = info;
    info.op = PTRACE_SYSCALL_INFO_EXIT;
    EXPECT("op EXIT at an entry stop", ptrace(PTRACE_SET_SYSCALL_INFO, t, (void *)88, &info));
    info = orig;
    info.nr_or_rval = 1ULL << 32;
    EXPECT("nr 2^32", ptrace(PTRACE_SET_SYSCALL_INFO, t, (void *)88, &info));
    info = orig;
    info.nr_or_rval = SYS_getpid;
    EXPECT("nr getpid", ptrace(PTRACE_SET_SYSCALL_INFO, t, (void *)88, &info));
    memset(&info, 0, sizeof info);
    CHECK(ptrace(PTRACE_GET_SYSCALL_INFO, t, (void *)sizeof info, &info) > 0);
    printf("GET_SYSCALL_INFO reads the new number: %s\n",
           (long)info.nr_or_rval == SYS_getpid ? "yes" : "no");
    CHECK(ptrace(PTRACE_SYSCALL, t, NULL, NULL) == 0);
    wait_for(t, &status, 0);
    CHECK(WIFSTOPPED(status) && WSTOPSIG(status) == (SIGTRAP | 0x80));
    memset(&info, 0, sizeof info);
    CHECK(ptrace(PTRACE_GET_SYSCALL_INFO, t, (void *)sizeof info, &info) > 0);
    printf("exit stop: op %d, the result is the tracee's pid: %s\n", info.op,
           (long long)info.nr_or_rval == t ? "yes" : "no");
    info.op = PTRACE_SYSCALL_INFO_ENTRY;
    EXPECT("op ENTRY at an exit stop", ptrace(PTRACE_SET_SYSCALL_INFO, t, (void *)88, &info));
    info.op = PTRACE_SYSCALL_INFO_EXIT;
    info.nr_or_rval = 42;
    EXPECT("rval 42", ptrace(PTRACE_SET_SYSCALL_INFO, t, (void *)88, &info));
    CHECK(ptrace(PTRACE_CONT, t, NULL, NULL) == 0);
    wait_for(t, &status, 0);
    printf("the tracee saw 42: %s\n",
           WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "yes" : "no");
    return 0;
}
