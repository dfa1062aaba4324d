/*
 * helpers.h: shared by the programs of the C suite.
 *
 * Rules (the suite's expectations come from running each program against the system libc,
 * then our library must print the same):
 *  - Print only deterministic facts: no pids, addresses, timings or strerror() text. Print
 *    relations ("rip advanced by 1"), and names from the tables below.
 *  - CHECK(expr) is for calls that must succeed; a failure is a harness error: it reports
 *    file:line and errno on stderr and exits with 2.
 *  - EXPECT_ERR(label, expr) prints "label -> -1 ENAME" (or the unexpected result) so that
 *    errno parity is part of the expected output.
 *  - Every program calls setup() first (alarm guard, unbuffered stdout), kills and reaps
 *    its children before exiting, and feeds request values through variables.
 *  - Build: $CC -D_GNU_SOURCE -I tests/c [-I include] prog.c [libptrace_compat.a] -lpthread
 */
#ifndef PTRACE_COMPAT_TEST_HELPERS_H
#define PTRACE_COMPAT_TEST_HELPERS_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>

#define CHECK(expr)                                                              \
    do {                                                                         \
        if (!(expr)) {                                                           \
            fprintf(stderr, "%s:%d: CHECK(%s) failed, errno %d\n", __FILE__,     \
                    __LINE__, #expr, errno);                                     \
            exit(2);                                                             \
        }                                                                        \
    } while (0)

static inline const char *errno_name(int e)
{
    switch (e) {
    case 0: return "0";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case E2BIG: return "E2BIG";
    case ECHILD: return "ECHILD";
    case EAGAIN: return "EAGAIN";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EINVAL: return "EINVAL";
    case ERANGE: return "ERANGE";
    case ENOSYS: return "ENOSYS";
    case EACCES: return "EACCES";
    case ENODATA: return "ENODATA";
    default: return "E?";
    }
}

static inline const char *sig_name(int s)
{
    switch (s) {
    case 0: return "0";
    case SIGHUP: return "SIGHUP";
    case SIGINT: return "SIGINT";
    case SIGQUIT: return "SIGQUIT";
    case SIGILL: return "SIGILL";
    case SIGTRAP: return "SIGTRAP";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGKILL: return "SIGKILL";
    case SIGUSR1: return "SIGUSR1";
    case SIGSEGV: return "SIGSEGV";
    case SIGUSR2: return "SIGUSR2";
    case SIGPIPE: return "SIGPIPE";
    case SIGALRM: return "SIGALRM";
    case SIGTERM: return "SIGTERM";
    case SIGCHLD: return "SIGCHLD";
    case SIGCONT: return "SIGCONT";
    case SIGSTOP: return "SIGSTOP";
    case SIGTSTP: return "SIGTSTP";
    case SIGTRAP | 0x80: return "SIGTRAP|0x80";
    default: return "SIG?";
    }
}

static inline const char *event_name(int e)
{
    switch (e) {
    case 0: return "none";
    case PTRACE_EVENT_FORK: return "FORK";
    case PTRACE_EVENT_VFORK: return "VFORK";
    case PTRACE_EVENT_CLONE: return "CLONE";
    case PTRACE_EVENT_EXEC: return "EXEC";
    case PTRACE_EVENT_VFORK_DONE: return "VFORK_DONE";
    case PTRACE_EVENT_EXIT: return "EXIT";
    case PTRACE_EVENT_SECCOMP: return "SECCOMP";
    case PTRACE_EVENT_STOP: return "STOP";
    default: return "?";
    }
}

/* "exited 3", "killed SIGKILL", "stopped SIGTRAP event EXEC (0x4057f)", "continued". */
static inline void print_status(const char *label, int status)
{
    if (WIFEXITED(status))
        printf("%s: exited %d\n", label, WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        printf("%s: killed %s%s\n", label, sig_name(WTERMSIG(status)),
               WCOREDUMP(status) ? " (core)" : "");
    else if (WIFSTOPPED(status))
        printf("%s: stopped %s event %s (%#x)\n", label, sig_name(WSTOPSIG(status)),
               event_name((unsigned)status >> 16), (unsigned)status);
    else if (WIFCONTINUED(status))
        printf("%s: continued\n", label);
    else
        printf("%s: status %#x\n", label, (unsigned)status);
}

/* Prints "label -> -1 ENAME" for a call expected to fail, or what it returned instead. */
#define EXPECT_ERR(label, expr)                                                  \
    do {                                                                         \
        errno = 0;                                                               \
        long ret_ = (long)(expr);                                                \
        int err_ = errno;                                                        \
        if (ret_ == -1)                                                          \
            printf("%s -> -1 %s\n", (label), errno_name(err_));                 \
        else                                                                     \
            printf("%s -> %ld (errno %s)\n", (label), ret_, errno_name(err_));   \
    } while (0)

/* waitpid() that retries on EINTR and must succeed. */
static inline pid_t wait_for(pid_t pid, int *status, int options)
{
    pid_t r;
    do
        r = waitpid(pid, status, options);
    while (r == -1 && errno == EINTR);
    CHECK(r != -1);
    return r;
}

/* Every program calls this first: a hung tracer dies by SIGALRM instead of hanging CI. */
static inline void setup(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    alarm(10);
}

/* fork() a child that calls PTRACE_TRACEME and stops itself with SIGSTOP, then runs fn().
 * Returns in the parent once the child is in its SIGSTOP signal-delivery-stop. */
static inline pid_t fork_traced(void (*fn)(void))
{
    pid_t pid = fork();
    CHECK(pid != -1);
    if (pid == 0) {
        if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
            _exit(120);
        raise(SIGSTOP);
        fn();
        _exit(0);
    }
    int status;
    wait_for(pid, &status, 0);
    CHECK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP);
    return pid;
}

/* Kill and reap a child, whatever state it is in. */
static inline void kill_and_reap(pid_t pid)
{
    int status;
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, __WALL) == -1 && errno == EINTR)
        ;
}

#ifdef __aarch64__
/* aarch64 has no GETREGS/SETREGS/PEEKUSER: the general registers (struct user_regs_struct:
 * x0..x30, sp, pc, pstate) go through GETREGSET/SETREGSET NT_PRSTATUS, which must succeed. */
#include <elf.h>
#include <sys/uio.h>
#include <sys/user.h>

static inline void get_regs(pid_t pid, struct user_regs_struct *r)
{
    struct iovec iov = {r, sizeof *r};
    CHECK(ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &iov) == 0);
}

static inline void set_regs(pid_t pid, struct user_regs_struct *r)
{
    struct iovec iov = {r, sizeof *r};
    CHECK(ptrace(PTRACE_SETREGSET, pid, (void *)NT_PRSTATUS, &iov) == 0);
}

/* The kernel's own copy of the syscall number (NT_ARM_SYSTEM_CALL; -1 outside a syscall):
 * writing it at a syscall-entry stop changes or (with -1) skips the call, x8 does not. */
static inline int get_syscallno(pid_t pid)
{
    int nr = 0;
    struct iovec iov = {&nr, sizeof nr};
    CHECK(ptrace(PTRACE_GETREGSET, pid, (void *)NT_ARM_SYSTEM_CALL, &iov) == 0);
    return nr;
}

static inline void set_syscallno(pid_t pid, int nr)
{
    struct iovec iov = {&nr, sizeof nr};
    CHECK(ptrace(PTRACE_SETREGSET, pid, (void *)NT_ARM_SYSTEM_CALL, &iov) == 0);
}

/* A raw system call (svc #0: number in x8, result in x0), with no libc wrapper around it. */
static inline long sys3(long n, long a, long b, long c)
{
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
    return x0;
}

static inline long sys1(long n, long a)
{
    return sys3(n, a, 0, 0);
}

/* A breakpoint stops at the brk itself (pc is not advanced, unlike x86's int3): a tracer
 * steps over it by moving pc past it. */
static inline void skip_brk(pid_t pid)
{
    struct user_regs_struct r;
    get_regs(pid, &r);
    r.pc += 4;
    set_regs(pid, &r);
}
#endif

/* fork_traced(fn) with PTRACE_O_EXITKILL, resumed into fn's first breakpoint (int3; on aarch64
 * brk #0, which this then steps over); prints that stop as `label`. */
static inline pid_t run_to_breakpoint(void (*fn)(void), const char *label)
{
    pid_t pid = fork_traced(fn);
    long opts = PTRACE_O_EXITKILL;
    CHECK(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) == 0);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    int status;
    wait_for(pid, &status, 0);
    print_status(label, status);
#ifdef __aarch64__
    skip_brk(pid);
#endif
    return pid;
}

#endif
