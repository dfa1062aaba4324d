/* Request arguments are whole words: bits above 31 count.
 *
 * Linux rules (ptrace(2): addr and data are void * — unsigned long in the kernel's
 * sys_ptrace; kernel/ptrace.c ptrace_attach(): SEIZE with addr != 0 or with data outside
 * PTRACE_O_MASK -> EIO; ptrace_setoptions(): data outside PTRACE_O_MASK -> EINVAL;
 * ptrace_resume(): !valid_signal(data) -> EIO, but ptrace_detach() takes data as unsigned
 * int, so there bit 32 is dropped; PTRACE_GETSIGMASK and
 * PTRACE_SETSIGMASK: addr != sizeof(sigset_t) -> EINVAL). A request that fails changes
 * nothing: the SEIZE leaves the child untraced, the tracee stays stopped, its options and
 * signal mask unchanged. Each word below is a valid one plus bit 32 (x86_64 long). */
#include <stdint.h>
#include "helpers.h"

static const long BIT32 = (long)(1UL << 32);

static void wait_forever(void)
{
    for (;;)
        pause();
}

static void test_seize(void)
{
    printf("[SEIZE]\n");
    pid_t pid = fork();
    CHECK(pid != -1);
    if (pid == 0)
        wait_forever();
    long opts = BIT32;
    EXPECT_ERR("SEIZE with data bit 32", ptrace(PTRACE_SEIZE, pid, NULL, (void *)opts));
    opts = BIT32 | PTRACE_O_TRACESYSGOOD;
    EXPECT_ERR("SEIZE with data TRACESYSGOOD | bit 32",
               ptrace(PTRACE_SEIZE, pid, NULL, (void *)opts));
    long addr = BIT32;
    EXPECT_ERR("SEIZE with addr bit 32", ptrace(PTRACE_SEIZE, pid, (void *)addr, NULL));
    EXPECT_ERR("still untraced: CONT", ptrace(PTRACE_CONT, pid, NULL, NULL));
    EXPECT_ERR("then SEIZE with data 0", ptrace(PTRACE_SEIZE, pid, NULL, NULL));
    kill_and_reap(pid);
}

static void test_stopped(void)
{
    int status;
    printf("[requests on a stopped tracee]\n");
    pid_t pid = fork_traced(wait_forever);
    long opts = BIT32;
    EXPECT_ERR("SETOPTIONS bit 32", ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts));
    opts = BIT32 | PTRACE_O_TRACESYSGOOD;
    EXPECT_ERR("SETOPTIONS TRACESYSGOOD | bit 32",
               ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts));

    uint64_t mask = 0;
    long size = BIT32 | 8;
    EXPECT_ERR("GETSIGMASK with size 8 | bit 32",
               ptrace(PTRACE_GETSIGMASK, pid, (void *)size, &mask));
    EXPECT_ERR("SETSIGMASK with size 8 | bit 32",
               ptrace(PTRACE_SETSIGMASK, pid, (void *)size, &mask));

    long sig = BIT32 | SIGUSR1;
    EXPECT_ERR("CONT with signal SIGUSR1 | bit 32", ptrace(PTRACE_CONT, pid, NULL, (void *)sig));
    EXPECT_ERR("SYSCALL with signal SIGUSR1 | bit 32",
               ptrace(PTRACE_SYSCALL, pid, NULL, (void *)sig));
    EXPECT_ERR("SINGLESTEP with signal SIGUSR1 | bit 32",
               ptrace(PTRACE_SINGLESTEP, pid, NULL, (void *)sig));
    sig = BIT32;
    EXPECT_ERR("CONT with signal bit 32", ptrace(PTRACE_CONT, pid, NULL, (void *)sig));
    usleep(20000);
    printf("still stopped, nothing to report: %s\n",
           waitpid(pid, &status, WNOHANG) == 0 ? "yes" : "no");

    /* The options were not set: a syscall stop reports plain SIGTRAP. */
    CHECK(ptrace(PTRACE_SYSCALL, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    print_status("next stop (no TRACESYSGOOD)", status);

    /* The exception: ptrace_detach(child, unsigned int data) takes the low 32 bits, so
     * bit 32 alone is signal 0, a plain DETACH. */
    EXPECT_ERR("DETACH with signal bit 32", ptrace(PTRACE_DETACH, pid, NULL, (void *)sig));
    EXPECT_ERR("then CONT (detached)", ptrace(PTRACE_CONT, pid, NULL, NULL));
    kill_and_reap(pid);
}

int main(void)
{
    setup();
    test_seize();
    test_stopped();
    return 0;
}
