/* Which ptrace requests a backend supports: every request is made once at a signal stop
 * (or, for PTRACE_INTERRUPT and PTRACE_LISTEN, at the stops they need) with harmless, valid
 * arguments, and reported as "EIO" (the errno Linux gives for an unsupported request) or
 * "yes" (any other answer). ctest/tests/matrix.rs compares this with the support matrix of
 * docs/porting.md. x86_64 only, as that matrix. */
#include "helpers.h"

#include <elf.h>
#include <stddef.h>
#include <sys/uio.h>
#include <sys/user.h>

static void report(const char *name, long r)
{
    printf("%s %s\n", name, r == -1 && errno == EIO ? "EIO" : "yes");
}

#define PROBE(req, addr, data)                                                  \
    do {                                                                        \
        errno = 0;                                                              \
        long r_ = ptrace(req, pid, (void *)(addr), (void *)(data));             \
        report(#req, r_);                                                       \
    } while (0)

static void stop_self(void)
{
    raise(SIGUSR1);
    for (;;)
        pause();
}

static long scratch[64];

int main(void)
{
    setup();
    pid_t pid = fork_traced(stop_self);
    int status;
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0); /* the SIGUSR1 signal-delivery-stop */

    struct user_regs_struct regs;
    struct user_fpregs_struct fp;
    siginfo_t si;
    unsigned long msg, mask = 0;
    struct iovec iov = {&regs, sizeof regs};
    struct __ptrace_peeksiginfo_args psa = {0, 0, 1};
    struct __ptrace_syscall_info sci;

    PROBE(PTRACE_PEEKDATA, &scratch[0], 0);
    PROBE(PTRACE_POKEDATA, &scratch[0], 0);
    PROBE(PTRACE_PEEKUSER, 0, 0);
    PROBE(PTRACE_GETREGS, 0, &regs);
    PROBE(PTRACE_SETREGS, 0, &regs);
    PROBE(PTRACE_POKEUSER, offsetof(struct user, regs.rax), regs.rax);
    PROBE(PTRACE_GETFPREGS, 0, &fp);
    PROBE(PTRACE_SETFPREGS, 0, &fp);
    PROBE(PTRACE_GETREGSET, NT_PRSTATUS, &iov);
    PROBE(PTRACE_SETREGSET, NT_PRSTATUS, &iov);
    PROBE(PTRACE_GETSIGINFO, 0, &si);
    PROBE(PTRACE_SETSIGINFO, 0, &si);
    PROBE(PTRACE_PEEKSIGINFO, &psa, scratch);
    PROBE(PTRACE_GETSIGMASK, sizeof mask, &mask);
    PROBE(PTRACE_SETSIGMASK, sizeof mask, &mask);
    PROBE(PTRACE_GETEVENTMSG, 0, &msg);
    PROBE(PTRACE_SETOPTIONS, 0, 0);
    PROBE(PTRACE_GET_SYSCALL_INFO, sizeof sci, &sci);
    PROBE(PTRACE_ARCH_PRCTL, scratch, 0x1003 /* ARCH_GET_FS */);
    PROBE(PTRACE_GET_THREAD_AREA, 12, scratch);
    PROBE(PTRACE_GETFPXREGS, 0, scratch);
    PROBE(PTRACE_SECCOMP_GET_FILTER, 0, 0);
    PROBE(PTRACE_GET_RSEQ_CONFIGURATION, sizeof scratch, scratch);
    PROBE(PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG, sizeof scratch, scratch);
    kill_and_reap(pid);

    /* INTERRUPT and LISTEN: a seized tracee, running, then at its PTRACE_EVENT_STOP. */
    pid = fork();
    CHECK(pid != -1);
    if (pid == 0) {
        for (;;)
            pause();
    }
    CHECK(ptrace(PTRACE_SEIZE, pid, NULL, NULL) == 0);
    PROBE(PTRACE_INTERRUPT, 0, 0);
    wait_for(pid, &status, __WALL);
    PROBE(PTRACE_LISTEN, 0, 0);
    kill_and_reap(pid);
    return 0;
}
