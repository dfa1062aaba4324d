/* System call emulation: PTRACE_SYSEMU and PTRACE_SYSEMU_SINGLESTEP.
 *
 * Checks (ptrace(2) PTRACE_SYSEMU, PTRACE_SYSEMU_SINGLESTEP: "stop at the next entry to a
 * system call, which will not be executed"; parity spec §1.5 row SYSEMU/SYSEMU_SINGLESTEP):
 *  - SYSEMU stops at the entry of the child's raw write(pipe, "x", 1): status 0x57f without
 *    TRACESYSGOOD (0x857f with it), orig_rax 1, GETEVENTMSG 1; the write is never executed
 *    (the pipe stays empty), and the child sees the return value the tracer put in rax;
 *  - the next SYSEMU stop is the entry of the following syscall (getppid), with no exit
 *    stop in between; the child sees the tracer's rax instead of its parent's pid;
 *  - SYSEMU_SINGLESTEP over "nop; syscall; nop": a single-step stop after the nop
 *    (si_code TRAP_TRACE), an emulated-syscall entry stop at the syscall, then single-steps
 *    again; the syscall is not executed and the child sees the tracer's value;
 *  - aarch64 (SYSEMU since Linux 5.3): the same with brk, svc, x0, pc and NT_ARM_SYSTEM_CALL,
 *    the write and getppid by their asm-generic numbers 64 and 173. */
#include "helpers.h"

#include <fcntl.h>
#include <sys/user.h>

#ifdef __x86_64__

extern const char se_l0[], se_l1[], se_l2[], se_l3[];
static int pipe_w;
static const char byte = 'x';

static long sys3(long n, long a, long b, long c)
{
    long r;
    __asm__ volatile("syscall"
                     : "=a"(r)
                     : "a"(n), "D"(a), "S"(b), "d"(c)
                     : "rcx", "r11", "memory");
    return r;
}

static void __attribute__((noinline)) stepped(void)
{
    long r;
    __asm__ volatile("int3\n"
                     ".globl se_l0\n"
                     "se_l0: nop\n"
                     ".globl se_l1\n"
                     "se_l1: syscall\n"
                     ".globl se_l2\n"
                     "se_l2: nop\n"
                     ".globl se_l3\n"
                     "se_l3:"
                     : "=a"(r)
                     : "a"(110L)
                     : "rcx", "r11", "memory");
    printf("child: getppid under SYSEMU_SINGLESTEP returned %ld\n", r);
}

enum { NR_WRITE = 1, NR_GETPPID = 110 };
#define BREAKPOINT() __asm__ volatile("int3")
#define STEP_OVER_BREAKPOINT(pid) ((void)(pid))
#define NR_NAME "orig_rax"
#define RET_NAME "rax"
#define PC_NAME "rip"
#define R_NR(r) ((long long)(r)->orig_rax)
#define R_RET(r) ((r)->rax)
#define R_PC(r) ((r)->rip)
#define get_regs(pid, r) CHECK(ptrace(PTRACE_GETREGS, (pid), NULL, (r)) == 0)
#define set_regs(pid, r) CHECK(ptrace(PTRACE_SETREGS, (pid), NULL, (r)) == 0)

#elif defined(__aarch64__)

/* The same with brk #0 for int3 (the tracer moves pc past it), svc #0 for syscall, x0 for
 * rax, and the kernel's syscall number (NT_ARM_SYSTEM_CALL, -1 outside a syscall) for
 * orig_rax. */
extern const char se_l0[], se_l1[], se_l2[], se_l3[];
static int pipe_w;
static const char byte = 'x';

static void __attribute__((noinline)) stepped(void)
{
    register long x8 __asm__("x8") = 173;
    register long x0 __asm__("x0") = 0;
    __asm__ volatile("brk #0\n"
                     ".globl se_l0\n"
                     "se_l0: nop\n"
                     ".globl se_l1\n"
                     "se_l1: svc #0\n"
                     ".globl se_l2\n"
                     "se_l2: nop\n"
                     ".globl se_l3\n"
                     "se_l3:"
                     : "+r"(x0)
                     : "r"(x8)
                     : "memory");
    printf("child: getppid under SYSEMU_SINGLESTEP returned %ld\n", x0);
}

enum { NR_WRITE = 64, NR_GETPPID = 173 };
#define BREAKPOINT() __asm__ volatile("brk #0")
#define STEP_OVER_BREAKPOINT(pid) skip_brk(pid)
#define NR_NAME "syscallno"
#define RET_NAME "x0"
#define PC_NAME "pc"
#define R_NR(r) ((long long)get_syscallno(pid))
#define R_RET(r) ((r)->regs[0])
#define R_PC(r) ((r)->pc)
#endif

#if defined(__x86_64__) || defined(__aarch64__)

static void child(void)
{
    BREAKPOINT();
    long w = sys3(NR_WRITE, pipe_w, (long)&byte, 1);
    long p = sys3(NR_GETPPID, 0, 0, 0);
    printf("child: write returned %ld, getppid returned %ld\n", w, p);
    stepped();
}

static const char *where(unsigned long long rip)
{
    if (rip == (unsigned long)se_l0)
        return "before the nop";
    if (rip == (unsigned long)se_l1)
        return "at the syscall";
    if (rip == (unsigned long)se_l2)
        return "after the syscall";
    if (rip == (unsigned long)se_l3)
        return "after the second nop";
    return "elsewhere";
}

static void show_stop(pid_t pid, int status, struct user_regs_struct *regs)
{
    CHECK(WIFSTOPPED(status));
    get_regs(pid, regs);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK(ptrace(PTRACE_GETSIGINFO, pid, NULL, &si) == 0);
    unsigned long msg = 99;
    CHECK(ptrace(PTRACE_GETEVENTMSG, pid, NULL, &msg) == 0);
    printf("  status %#x si_code %#x " NR_NAME " %lld " RET_NAME " %lld", (unsigned)status,
           (unsigned)si.si_code, R_NR(regs), (long long)R_RET(regs));
    /* GETEVENTMSG is specified for syscall-stops only (1 = entry). */
    if (si.si_code == SIGTRAP || si.si_code == (SIGTRAP | 0x80))
        printf(" eventmsg %lu", msg);
    printf("\n");
}

int main(void)
{
    setup();
    int fds[2];
    CHECK(pipe(fds) == 0);
    CHECK(fcntl(fds[0], F_SETFL, O_NONBLOCK) == 0);
    pipe_w = fds[1];

    pid_t pid = run_to_breakpoint(child, "int3 stop");
    long opts = PTRACE_O_EXITKILL;
    int status;

    struct user_regs_struct regs;
    char c;
    printf("SYSEMU (no TRACESYSGOOD)\n");
    CHECK(ptrace(PTRACE_SYSEMU, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    show_stop(pid, status, &regs);
    EXPECT_ERR("  pipe read at the write's entry stop", read(fds[0], &c, 1));
    R_RET(&regs) = 1;
    set_regs(pid, &regs);

    opts |= PTRACE_O_TRACESYSGOOD;
    CHECK(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) == 0);
    printf("SYSEMU (TRACESYSGOOD)\n");
    CHECK(ptrace(PTRACE_SYSEMU, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    show_stop(pid, status, &regs);
    EXPECT_ERR("  pipe read at the next entry stop", read(fds[0], &c, 1));
    R_RET(&regs) = 4321;
    set_regs(pid, &regs);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    print_status("second int3 stop", status);
    STEP_OVER_BREAKPOINT(pid);
    EXPECT_ERR("pipe read after the child's write was emulated", read(fds[0], &c, 1));

    printf("SYSEMU_SINGLESTEP\n");
    for (int n = 0; n < 6; n++) {
        CHECK(ptrace(PTRACE_SYSEMU_SINGLESTEP, pid, NULL, NULL) == 0);
        wait_for(pid, &status, 0);
        show_stop(pid, status, &regs);
        printf("  " PC_NAME " %s\n", where(R_PC(&regs)));
        if (R_NR(&regs) == NR_GETPPID && R_PC(&regs) == (unsigned long)se_l2 &&
            WSTOPSIG(status) == (SIGTRAP | 0x80)) {
            R_RET(&regs) = 8765;
            set_regs(pid, &regs);
        }
        if (R_PC(&regs) == (unsigned long)se_l3)
            break;
    }
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    print_status("end", status);
    kill_and_reap(pid);
    close(fds[0]);
    close(fds[1]);
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
