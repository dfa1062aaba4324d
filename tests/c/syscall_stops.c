/* Syscall-stops: PTRACE_SYSCALL with and without PTRACE_O_TRACESYSGOOD.
 *
 * Checks (ptrace(2) "Syscall-stops", PTRACE_O_TRACESYSGOOD, PTRACE_GETEVENTMSG (syscall
 * stops since Linux 5.3); parity spec §2 rows "syscall-stop", §1.6 GETEVENTMSG):
 *  - the child stops at an int3, then makes raw syscalls getppid (110), getpid (39),
 *    gettid (186) and exit_group(7); the tracer resumes with PTRACE_SYSCALL and sees an
 *    entry and an exit stop for each, in order, and only an entry stop for exit_group;
 *  - the status is 0x57f (plain SIGTRAP, siginfo si_code 5) without TRACESYSGOOD and
 *    0x857f (WSTOPSIG 0x85, si_code 0x85) with it;
 *  - GETEVENTMSG is 1 at entry stops and 2 at exit stops; orig_rax is the syscall number
 *    at both, rax at exit is the result;
 *  - PTRACE_CONT from an entry stop runs to the end without further syscall-stops. */
#include "helpers.h"

#include <sys/user.h>

#ifdef __x86_64__

static long sys1(long n, long a)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a) : "rcx", "r11", "memory");
    return r;
}

static void child(void)
{
    __asm__ volatile("int3");
    sys1(110, 0);
    sys1(39, 0);
    sys1(186, 0);
    for (;;)
        sys1(231, 7);
}

static const char *result_of(long nr, long rax, pid_t pid)
{
    if (nr == 110)
        return rax == getpid() ? "the tracer's pid" : "unexpected";
    if (nr == 39 || nr == 186)
        return rax == pid ? "the child's pid" : "unexpected";
    return "?";
}

/* Starts a child, runs it to its int3 stop and returns it there. */
static pid_t start(long opts)
{
    pid_t pid = fork_traced(child);
    CHECK(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) == 0);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    int status;
    wait_for(pid, &status, 0);
    print_status("int3 stop", status);
    return pid;
}

static void run(int sysgood)
{
    printf("--- PTRACE_SYSCALL %s TRACESYSGOOD\n", sysgood ? "with" : "without");
    long opts = PTRACE_O_EXITKILL | (sysgood ? PTRACE_O_TRACESYSGOOD : 0);
    pid_t pid = start(opts);
    int status;
    int entry = 1;
    for (int n = 1; n <= 10; n++) {
        CHECK(ptrace(PTRACE_SYSCALL, pid, NULL, NULL) == 0);
        wait_for(pid, &status, 0);
        if (!WIFSTOPPED(status)) {
            print_status("end", status);
            break;
        }
        struct user_regs_struct regs;
        CHECK(ptrace(PTRACE_GETREGS, pid, NULL, &regs) == 0);
        unsigned long msg = 99;
        CHECK(ptrace(PTRACE_GETEVENTMSG, pid, NULL, &msg) == 0);
        siginfo_t si;
        memset(&si, 0, sizeof si);
        CHECK(ptrace(PTRACE_GETSIGINFO, pid, NULL, &si) == 0);
        printf("stop %d: %#x WSTOPSIG %#x, %s of syscall %lld, eventmsg %lu, si_signo %s si_code %#x",
               n, (unsigned)status, WSTOPSIG(status), entry ? "entry" : "exit",
               (long long)regs.orig_rax, msg, sig_name(si.si_signo), (unsigned)si.si_code);
        if (!entry)
            printf(", returned %s", result_of((long)regs.orig_rax, (long)regs.rax, pid));
        printf("\n");
        entry = !entry;
    }
    kill_and_reap(pid);
}

int main(void)
{
    setup();
    run(0);
    run(1);

    printf("--- PTRACE_CONT from an entry stop\n");
    long opts = PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD;
    pid_t pid = start(opts);
    int status;
    CHECK(ptrace(PTRACE_SYSCALL, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    print_status("entry stop", status);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    print_status("next", status);
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
