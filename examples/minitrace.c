/*
 * minitrace: a small strace-like tracer, built on ptrace-compat.
 *
 *   minitrace [-f] PROGRAM [ARGS...]
 *
 * Runs PROGRAM under ptrace and prints one line per system call to stderr (the
 * program's own stdout is left alone):
 *
 *   [p1] openat(-100, 0x7ffff7fc2e3b, 0x80000) = 3
 *   [p1] --- SIGCHLD ---
 *   [p1] +++ exited with 0 +++
 *
 * Processes are named p1, p2, ... in order of appearance rather than by pid, and
 * the tracee runs with address-space randomisation off (as under gdb), so two
 * runs of the same program can be compared line by line. -f also traces the
 * children the program forks, vforks or clones. minitrace exits with the status
 * of the program it started.
 *
 * Build: cc -I include examples/minitrace.c target/release/libptrace_compat.a -o minitrace
 * (or without -I include and the archive, against the C library alone).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* __WALL, siginfo_t */
#endif
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* System call names, indexed by number; SYS_* comes from <sys/syscall.h>. */
#define S(name) [SYS_##name] = #name
static const char *const syscall_names[] = {
    S(read), S(write), S(close), S(fstat), S(lseek), S(mmap), S(mprotect),
    S(munmap), S(brk), S(rt_sigaction), S(rt_sigprocmask), S(rt_sigreturn),
    S(ioctl), S(pread64), S(pwrite64), S(readv), S(writev), S(sched_yield),
    S(mremap), S(msync), S(madvise), S(dup), S(dup3), S(nanosleep),
    S(getpid), S(socket), S(connect), S(accept), S(sendto), S(recvfrom),
    S(sendmsg), S(recvmsg), S(shutdown), S(bind), S(listen), S(clone),
    S(execve), S(exit), S(wait4), S(kill), S(uname), S(fcntl), S(flock),
    S(fsync), S(truncate), S(ftruncate), S(getcwd), S(chdir), S(fchdir),
    S(fchmod), S(fchown), S(umask), S(getrlimit), S(getrusage), S(sysinfo),
    S(times), S(ptrace), S(getuid), S(getgid), S(setuid), S(setgid),
    S(geteuid), S(getegid), S(setpgid), S(getppid), S(setsid), S(getpgid),
    S(rt_sigsuspend), S(sigaltstack), S(statfs), S(fstatfs), S(prctl),
    S(gettid), S(tgkill), S(futex), S(getdents64), S(set_tid_address),
    S(clock_gettime), S(clock_nanosleep), S(exit_group), S(openat),
    S(mkdirat), S(newfstatat), S(unlinkat), S(renameat), S(readlinkat),
    S(faccessat), S(pselect6), S(ppoll), S(set_robust_list), S(utimensat),
    S(pipe2), S(prlimit64), S(getrandom), S(execveat), S(statx), S(rseq),
    S(clone3), S(close_range), S(faccessat2), S(waitid), S(socketpair),
#ifdef __x86_64__
    S(open), S(stat), S(lstat), S(poll), S(access), S(pipe), S(select),
    S(dup2), S(pause), S(alarm), S(fork), S(vfork), S(getdents), S(rename),
    S(mkdir), S(rmdir), S(unlink), S(readlink), S(chmod), S(getpgrp),
    S(arch_prctl), S(time), S(epoll_wait),
#endif
};
#undef S

#define E(name) [name] = #name
static const char *const errno_names[] = {
    E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG),
    E(ENOEXEC), E(EBADF), E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES),
    E(EFAULT), E(EBUSY), E(EEXIST), E(ENODEV), E(ENOTDIR), E(EISDIR),
    E(EINVAL), E(EMFILE), E(ENOTTY), E(ENOSPC), E(ESPIPE), E(EROFS),
    E(EPIPE), E(ERANGE), E(ENAMETOOLONG), E(ENOSYS), E(ENOTEMPTY),
    E(ELOOP), E(ENODATA), E(EOPNOTSUPP), E(ETIMEDOUT), E(ECONNREFUSED),
};
#undef E

static const char *const signal_names[] = {
    [SIGHUP] = "SIGHUP",   [SIGINT] = "SIGINT",     [SIGQUIT] = "SIGQUIT",
    [SIGILL] = "SIGILL",   [SIGTRAP] = "SIGTRAP",   [SIGABRT] = "SIGABRT",
    [SIGBUS] = "SIGBUS",   [SIGFPE] = "SIGFPE",     [SIGKILL] = "SIGKILL",
    [SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV",   [SIGUSR2] = "SIGUSR2",
    [SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM",   [SIGTERM] = "SIGTERM",
    [SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT",   [SIGSTOP] = "SIGSTOP",
    [SIGTSTP] = "SIGTSTP", [SIGTTIN] = "SIGTTIN",   [SIGTTOU] = "SIGTTOU",
    [SIGURG] = "SIGURG",   [SIGXCPU] = "SIGXCPU",   [SIGXFSZ] = "SIGXFSZ",
    [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF", [SIGWINCH] = "SIGWINCH",
    [SIGIO] = "SIGIO",     [SIGPWR] = "SIGPWR",     [SIGSYS] = "SIGSYS",
};

/* Looks `n` up in a table of names; NULL when the table has none. */
static const char *lookup(const char *const *table, size_t len, unsigned long n)
{
    return n < len ? table[n] : NULL;
}

static const char *signal_name(int sig)
{
    static char buf[16];
    const char *name = lookup(signal_names, ARRAY_LEN(signal_names), (unsigned long)sig);
    if (name)
        return name;
    snprintf(buf, sizeof buf, "SIG%d", sig);
    return buf;
}

/* One traced thread or process. */
struct proc {
    pid_t pid;          /* 0 once it is gone */
    int id;             /* the N of "pN" */
    int in_syscall;     /* between a syscall-entry and its syscall-exit stop */
    int fresh;          /* auto-attached, its initial SIGSTOP not seen yet */
    unsigned long nr, args[3];
};

static struct proc *procs;
static size_t nprocs;

static struct proc *find_proc(pid_t pid)
{
    for (size_t i = 0; i < nprocs; i++)
        if (procs[i].pid == pid)
            return &procs[i];
    return NULL;
}

static struct proc *add_proc(pid_t pid, int fresh)
{
    struct proc *p = realloc(procs, (nprocs + 1) * sizeof *p);
    if (!p) {
        perror("minitrace: realloc");
        exit(1);
    }
    procs = p;
    p = &procs[nprocs++];
    *p = (struct proc){ .pid = pid, .id = (int)nprocs, .fresh = fresh };
    return p;
}

/* The syscall number, first three arguments and return value in the tracee's registers. */
struct sysregs {
    unsigned long nr, args[3], ret;
};

static int get_sysregs(pid_t pid, struct sysregs *r)
{
#if defined(__x86_64__)
    struct user_regs_struct regs;
    if (ptrace(PTRACE_GETREGS, pid, 0, &regs) < 0)
        return -1;
    *r = (struct sysregs){ regs.orig_rax, { regs.rdi, regs.rsi, regs.rdx }, regs.rax };
#elif defined(__aarch64__)
    struct user_regs_struct regs;
    struct iovec iov = { .iov_base = &regs, .iov_len = sizeof regs };
    if (ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &iov) < 0)
        return -1;
    *r = (struct sysregs){ regs.regs[8], { regs.regs[0], regs.regs[1], regs.regs[2] },
                           regs.regs[0] };
#else
#error "minitrace: unsupported architecture"
#endif
    return 0;
}

/* Small values (file descriptors, flags, counts) in decimal, the rest in hex. */
static void print_value(unsigned long v)
{
    long s = (long)v;
    if (v <= 0xffffffffUL && (int)v < 0 && (int)v > -4096)
        s = (int)v; /* a negative int passed zero-extended, such as AT_FDCWD */
    if (s > -4096 && s < 4096)
        fprintf(stderr, "%ld", s);
    else
        fprintf(stderr, "%#lx", v);
}

static void print_call(const struct proc *p)
{
    const char *name = lookup(syscall_names, ARRAY_LEN(syscall_names), p->nr);
    fprintf(stderr, "[p%d] ", p->id);
    if (name)
        fprintf(stderr, "%s(", name);
    else
        fprintf(stderr, "syscall_%lu(", p->nr);
    for (int i = 0; i < 3; i++) {
        if (i)
            fputs(", ", stderr);
        print_value(p->args[i]);
    }
    fputs(") = ", stderr);
}

static void print_return(unsigned long ret)
{
    long s = (long)ret;
    if (s < 0 && s > -4096) {
        const char *name = lookup(errno_names, ARRAY_LEN(errno_names), (unsigned long)-s);
        if (name)
            fprintf(stderr, "-1 %s\n", name);
        else
            fprintf(stderr, "-1 errno %ld\n", -s);
    } else if (s < 0 || ret > 0xffffffffUL) {
        fprintf(stderr, "%#lx\n", ret); /* an address (mmap, brk) */
    } else {
        fprintf(stderr, "%ld\n", s);
    }
}

/* A syscall stop: remember the call at entry, print it at exit. */
static void syscall_stop(struct proc *p)
{
    struct sysregs r;
    if (get_sysregs(p->pid, &r) < 0)
        return; /* killed meanwhile: its exit is reported next */
    if (!p->in_syscall) {
        p->nr = r.nr;
        memcpy(p->args, r.args, sizeof p->args);
        p->in_syscall = 1;
    } else {
        print_call(p);
        print_return(r.ret);
        p->in_syscall = 0;
    }
}

/* A process ended: finish a call it never returned from (exit_group, execve of another thread). */
static void proc_gone(struct proc *p, int status)
{
    if (p->in_syscall) {
        print_call(p);
        fputs("?\n", stderr);
    }
    if (WIFEXITED(status))
        fprintf(stderr, "[p%d] +++ exited with %d +++\n", p->id, WEXITSTATUS(status));
    else
        fprintf(stderr, "[p%d] +++ killed by %s%s +++\n", p->id, signal_name(WTERMSIG(status)),
                WCOREDUMP(status) ? " (core dumped)" : "");
    p->pid = 0;
}

/* Runs in the child: become a tracee, stop so the parent can set options, run PROGRAM. */
static void start_tracee(char **argv)
{
    personality(ADDR_NO_RANDOMIZE); /* best effort: comparable addresses from run to run */
    if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0) {
        perror("minitrace: PTRACE_TRACEME");
        _exit(127);
    }
    raise(SIGSTOP);
    execvp(argv[0], argv);
    fprintf(stderr, "minitrace: %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

static void usage(const char *argv0)
{
    fprintf(stderr, "usage: %s [-f] PROGRAM [ARGS...]\n", argv0);
    exit(2);
}

int main(int argc, char **argv)
{
    int follow = 0, opt;
    while ((opt = getopt(argc, argv, "+f")) != -1) {
        if (opt != 'f')
            usage(argv[0]);
        follow = 1;
    }
    if (optind >= argc)
        usage(argv[0]);

    pid_t child = fork();
    if (child < 0) {
        perror("minitrace: fork");
        return 1;
    }
    if (child == 0)
        start_tracee(&argv[optind]);

    int status;
    if (waitpid(child, &status, 0) < 0 || !WIFSTOPPED(status)) {
        fprintf(stderr, "minitrace: the child did not stop for tracing\n");
        return 1;
    }
    long options = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
    if (follow)
        options |= PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE;
    if (ptrace(PTRACE_SETOPTIONS, child, 0, (void *)options) < 0) {
        perror("minitrace: PTRACE_SETOPTIONS");
        kill(child, SIGKILL);
        return 1;
    }
    setvbuf(stderr, NULL, _IOLBF, 0);
    add_proc(child, 0);

    int exit_code = 1;
    pid_t pid = child;
    int inject = 0; /* the signal to deliver when `pid` is resumed */
    for (;;) {
        if (ptrace(PTRACE_SYSCALL, pid, 0, (void *)(long)inject) < 0 && errno != ESRCH)
            perror("minitrace: PTRACE_SYSCALL");
        inject = 0;

        /* Wait for the next stop or exit that needs an answer. */
        struct proc *p;
        for (;;) {
            pid = waitpid(-1, &status, __WALL);
            if (pid < 0) {
                if (errno == EINTR)
                    continue;
                if (errno != ECHILD)
                    perror("minitrace: waitpid");
                free(procs);
                return exit_code;
            }
            p = find_proc(pid);
            if (!p)
                p = add_proc(pid, 1); /* a new child reported before its parent's fork event */
            if (WIFSTOPPED(status))
                break;
            if (pid == child)
                exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            proc_gone(p, status);
        }

        int sig = WSTOPSIG(status), event = status >> 16;
        if (sig == (SIGTRAP | 0x80)) {
            syscall_stop(p);
        } else if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK ||
                   event == PTRACE_EVENT_CLONE) {
            unsigned long new_pid;
            if (ptrace(PTRACE_GETEVENTMSG, pid, 0, &new_pid) == 0 && !find_proc((pid_t)new_pid))
                add_proc((pid_t)new_pid, 1);
        } else if (event != 0) {
            /* PTRACE_EVENT_EXEC: nothing to do, the syscall-exit stop of execve follows. */
        } else if (p->fresh && sig == SIGSTOP) {
            p->fresh = 0; /* the stop every auto-attached child starts with */
        } else {
            siginfo_t si;
            /* GETSIGINFO fails (EINVAL) in a group-stop, which has no signal to deliver. */
            if (ptrace(PTRACE_GETSIGINFO, pid, 0, &si) == 0) {
                fprintf(stderr, "[p%d] --- %s ---\n", p->id, signal_name(sig));
                inject = sig;
            }
        }
    }
}
