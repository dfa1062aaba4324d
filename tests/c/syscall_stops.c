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
 *  - PTRACE_CONT from an entry stop runs to the end without further syscall-stops;
 *  - aarch64: the same with brk #0 for int3 (the tracer moves pc past it), the asm-generic
 *    numbers 173, 172, 178 and 94, x8 as the number and x0 as the result (NT_PRSTATUS). */
#include "helpers.h"

#include <sys/user.h>

#ifdef __x86_64__

static long sys1(long n, long a)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a) : "rcx", "r11", "memory");
    return r;
}

enum { NR_GETPPID = 110, NR_GETPID = 39, NR_GETTID = 186, NR_EXIT_GROUP = 231 };
#define BREAKPOINT() __asm__ volatile("int3")
#define STEP_OVER_BREAKPOINT(pid) ((void)(pid))

/* The syscall number and the return value register at a syscall stop. */
static void nr_and_ret(pid_t pid, long *nr, long *ret)
{
    struct user_regs_struct regs;
    CHECK(ptrace(PTRACE_GETREGS, pid, NULL, &regs) == 0);
    *nr = (long)regs.orig_rax;
    *ret = (long)regs.rax;
}

#elif defined(__aarch64__)

/* asm-generic numbers; the brk stop prints as the int3 stop does on x86_64. */
enum { NR_GETPPID = 173, NR_GETPID = 172, NR_GETTID = 178, NR_EXIT_GROUP = 94 };
#define BREAKPOINT() __asm__ volatile("brk #0")
#define STEP_OVER_BREAKPOINT(pid) skip_brk(pid)

/* At a syscall stop x8 holds the number and x0 the first argument, then the result. */
static void nr_and_ret(pid_t pid, long *nr, long *ret)
{
    struct user_regs_struct regs;
    get_regs(pid, &regs);
    *nr = (long)regs.regs[8];
    *ret = (long)regs.regs[0];
}
#endif

#if defined(__x86_64__) || defined(__aarch64__)

static void child(void)
{
    BREAKPOINT();
    sys1(NR_GETPPID, 0);
    sys1(NR_GETPID, 0);
    sys1(NR_GETTID, 0);
    for (;;)
        sys1(NR_EXIT_GROUP, 7);
}

static const char *result_of(long nr, long rax, pid_t pid)
{
    if (nr == NR_GETPPID)
        return rax == getpid() ? "the tracer's pid" : "unexpected";
    if (nr == NR_GETPID || nr == NR_GETTID)
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
    STEP_OVER_BREAKPOINT(pid);
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
        long nr, ret;
        nr_and_ret(pid, &nr, &ret);
        unsigned long msg = 99;
        CHECK(ptrace(PTRACE_GETEVENTMSG, pid, NULL, &msg) == 0);
        siginfo_t si;
        memset(&si, 0, sizeof si);
        CHECK(ptrace(PTRACE_GETSIGINFO, pid, NULL, &si) == 0);
        printf("stop %d: %#x WSTOPSIG %#x, %s of syscall %lld, eventmsg %lu, si_signo %s si_code %#x",
               n, (unsigned)status, WSTOPSIG(status), entry ? "entry" : "exit",
               (long long)nr, msg, sig_name(si.si_signo), (unsigned)si.si_code);
        if (!entry)
            printf(", returned %s", result_of(nr, ret, pid));
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
