/*
 * minitrace: a small strace-like tracer, built on ptrace-compat.
 *
 *   minitrace [-f] PROGRAM [ARGS...]
 *
 * Runs PROGRAM under ptrace and prints one line per system call to stderr (the
 * program's own stdout is left alone), with the arguments each call takes, strings
 * and buffers read from the tracee's memory with PTRACE_PEEKDATA, as strace does
 * (execve's environment is shown as strace shows it, its address and its size):
 *
 *   [p1] execve("/bin/sh", ["/bin/sh", "-c", "echo hi"], 0x7fffffffe2b8 ...) = 0
 *   [p1] openat(-100, "/etc/ld.so.cache", 0x80000) = 3
 *   [p1] write(1, "hi\n", 3) = 3
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
#include <stdarg.h>
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

/*
 * System calls, indexed by number (SYS_* from <sys/syscall.h>): the name and one letter per
 * argument, saying how to print it (the prototypes are those of the syscalls(2) pages):
 *   d int    l long    u unsigned long    x flags, in hex    o mode, in octal    p pointer
 *   s string (a path)                     b buffer the call reads, its length the next argument
 *   r buffer the call fills, as much as it returned            R string the call fills
 *   a array of strings (argv)             e environment (its address and size)
 */
struct syscall_desc {
    const char *name, *args;
};
#define S(name, args) [SYS_##name] = { #name, args }
static const struct syscall_desc syscalls[] = {
    S(read, "dru"), S(write, "dbu"), S(close, "d"), S(fstat, "dp"), S(lseek, "dld"),
    S(mmap, "puxxdx"), S(mprotect, "pux"), S(munmap, "pu"), S(brk, "p"),
    S(rt_sigaction, "dppu"), S(rt_sigprocmask, "dppu"), S(rt_sigreturn, ""),
    S(ioctl, "dxx"), S(pread64, "drul"), S(pwrite64, "dbul"), S(readv, "dpd"),
    S(writev, "dpd"), S(sched_yield, ""), S(mremap, "puuxp"), S(msync, "pux"),
    S(madvise, "pud"), S(dup, "d"), S(dup3, "ddx"), S(nanosleep, "pp"), S(getpid, ""),
    S(socket, "ddd"), S(connect, "dpu"), S(accept, "dpp"), S(sendto, "dbuxpu"),
    S(recvfrom, "druxpp"), S(sendmsg, "dpx"), S(recvmsg, "dpx"), S(shutdown, "dd"),
    S(bind, "dpu"), S(listen, "dd"), S(clone, "xpppx"), S(execve, "sae"), S(exit, "d"),
    S(wait4, "dpxp"), S(kill, "dd"), S(uname, "p"), S(fcntl, "ddx"), S(flock, "dd"),
    S(fsync, "d"), S(truncate, "sl"), S(ftruncate, "dl"), S(getcwd, "Ru"), S(chdir, "s"),
    S(fchdir, "d"), S(fchmod, "do"), S(fchown, "ddd"), S(umask, "o"), S(getrlimit, "dp"),
    S(getrusage, "dp"), S(sysinfo, "p"), S(times, "p"), S(ptrace, "ddpp"), S(getuid, ""),
    S(getgid, ""), S(setuid, "d"), S(setgid, "d"), S(geteuid, ""), S(getegid, ""),
    S(setpgid, "dd"), S(getppid, ""), S(setsid, ""), S(getpgid, "d"),
    S(rt_sigsuspend, "pu"), S(sigaltstack, "pp"), S(statfs, "sp"), S(fstatfs, "dp"),
    S(prctl, "dxxxx"), S(gettid, ""), S(tgkill, "ddd"), S(futex, "pddppd"),
    S(getdents64, "dpu"), S(set_tid_address, "p"), S(clock_gettime, "dp"),
    S(clock_nanosleep, "ddpp"), S(exit_group, "d"), S(openat, "dsxo"), S(mkdirat, "dso"),
    S(newfstatat, "dspx"), S(unlinkat, "dsx"), S(renameat, "dsds"), S(readlinkat, "dsru"),
    S(faccessat, "dsx"), S(pselect6, "dppppp"), S(ppoll, "pupp"), S(set_robust_list, "pu"),
    S(utimensat, "dspx"), S(pipe2, "px"), S(prlimit64, "ddpp"), S(getrandom, "pux"),
    S(execveat, "dsaex"), S(statx, "dsxxp"), S(rseq, "puxx"), S(clone3, "pu"),
    S(close_range, "dux"), S(faccessat2, "dsxx"), S(waitid, "ddpxp"), S(socketpair, "dddp"),
#ifdef __x86_64__
    S(open, "sxo"), S(stat, "sp"), S(lstat, "sp"), S(poll, "pud"), S(access, "sx"),
    S(pipe, "p"), S(select, "dpppp"), S(dup2, "dd"), S(pause, ""), S(alarm, "u"),
    S(fork, ""), S(vfork, ""), S(getdents, "dpu"), S(rename, "ss"), S(mkdir, "so"),
    S(rmdir, "s"), S(unlink, "s"), S(readlink, "sru"), S(chmod, "so"), S(getpgrp, ""),
    S(arch_prctl, "xp"), S(time, "p"), S(epoll_wait, "dpdd"),
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
    unsigned long nr, args[6];
    char text[1024];    /* "name(args" as far as it can be printed at entry */
    int done;           /* how many arguments `text` holds */
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

/* The syscall number, its six arguments and the return value in the tracee's registers. */
struct sysregs {
    unsigned long nr, args[6], ret;
};

static int get_sysregs(pid_t pid, struct sysregs *r)
{
#if defined(__x86_64__)
    struct user_regs_struct regs;
    if (ptrace(PTRACE_GETREGS, pid, 0, &regs) < 0)
        return -1;
    *r = (struct sysregs){ regs.orig_rax,
                           { regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9 },
                           regs.rax };
#elif defined(__aarch64__)
    struct user_regs_struct regs;
    struct iovec iov = { .iov_base = &regs, .iov_len = sizeof regs };
    if (ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &iov) < 0)
        return -1;
    *r = (struct sysregs){ regs.regs[8],
                           { regs.regs[0], regs.regs[1], regs.regs[2], regs.regs[3],
                             regs.regs[4], regs.regs[5] },
                           regs.regs[0] };
#else
#error "minitrace: unsupported architecture"
#endif
    return 0;
}

/* A bounded string builder over a fixed buffer: text past the end is dropped. */
struct out {
    char *buf;
    size_t len, cap;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (o->len < o->cap) {
        int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
        if (n > 0)
            o->len = o->len + (size_t)n < o->cap ? o->len + (size_t)n : o->cap - 1;
    }
    va_end(ap);
}

/* Strings are cut after this many bytes, as strace's default -s 32. */
#define STRING_LIMIT 32
/* argv arrays after this many strings. */
#define ARRAY_LIMIT 8

/*
 * Copies up to `len` bytes of the tracee's memory at `addr` into `buf` with PTRACE_PEEKDATA, a
 * word at a time, stopping after a NUL when `to_nul`. Returns how many bytes it copied, or -1
 * when the first word cannot be read (a bad pointer). PEEKDATA returns the word itself, so an
 * error is told from a word of all ones by errno (ptrace(2), "C library/kernel differences").
 */
static long peek_bytes(pid_t pid, unsigned long addr, char *buf, size_t len, int to_nul)
{
    size_t got = 0;
    while (got < len) {
        errno = 0;
        long word = ptrace(PTRACE_PEEKDATA, pid, (void *)(addr + got), 0);
        if (errno != 0)
            return got ? (long)got : -1;
        for (size_t i = 0; i < sizeof word && got < len; i++) {
            buf[got++] = ((const char *)&word)[i];
            if (to_nul && buf[got - 1] == '\0')
                return (long)got;
        }
    }
    return (long)got;
}

/* Prints `n` bytes as a C string literal, then "..." when `more` (it was cut). */
static void put_quoted(struct out *o, const char *s, size_t n, int more)
{
    put(o, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int digit_next = i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7';
        if (c == '"' || c == '\\')
            put(o, "\\%c", c);
        else if (c == '\n')
            put(o, "\\n");
        else if (c == '\t')
            put(o, "\\t");
        else if (c == '\r')
            put(o, "\\r");
        else if (c >= ' ' && c < 0x7f)
            put(o, "%c", c);
        else
            put(o, digit_next ? "\\%03o" : "\\%o", c);
    }
    put(o, more ? "\"..." : "\"");
}

/* A NUL-terminated string of the tracee, cut at STRING_LIMIT bytes. */
static void put_string(struct out *o, pid_t pid, unsigned long addr)
{
    char buf[STRING_LIMIT + 1];
    long n = addr ? peek_bytes(pid, addr, buf, sizeof buf, 1) : -1;
    if (n < 0) {
        put(o, addr ? "%#lx" : "NULL", addr);
        return;
    }
    size_t len = strnlen(buf, (size_t)n);
    put_quoted(o, buf, len < STRING_LIMIT ? len : STRING_LIMIT, len >= STRING_LIMIT);
}

/* `len` bytes of the tracee's memory at `addr`, cut at STRING_LIMIT bytes. */
static void put_buffer(struct out *o, pid_t pid, unsigned long addr, unsigned long len)
{
    char buf[STRING_LIMIT];
    size_t want = len < STRING_LIMIT ? len : STRING_LIMIT;
    long n = peek_bytes(pid, addr, buf, want, 0);
    if (n < 0) {
        put(o, "%#lx", addr);
        return;
    }
    put_quoted(o, buf, (size_t)n, len > (unsigned long)n);
}

/* Reads the pointer at index `i` of the tracee's array at `addr`; 0 when it cannot. */
static unsigned long peek_pointer(pid_t pid, unsigned long addr, size_t i)
{
    unsigned long ptr = 0;
    if (peek_bytes(pid, addr + i * sizeof ptr, (char *)&ptr, sizeof ptr, 0) != sizeof ptr)
        return 0;
    return ptr;
}

/* argv: ["a", "b", ...]. */
static void put_string_array(struct out *o, pid_t pid, unsigned long addr)
{
    if (!addr) {
        put(o, "NULL");
        return;
    }
    put(o, "[");
    for (size_t i = 0;; i++) {
        unsigned long s = peek_pointer(pid, addr, i);
        if (!s)
            break;
        if (i == ARRAY_LIMIT) {
            put(o, ", ...");
            break;
        }
        put(o, i ? ", " : "");
        put_string(o, pid, s);
    }
    put(o, "]");
}

/* envp: its address and how many variables it holds, as strace prints it. */
static void put_environment(struct out *o, pid_t pid, unsigned long addr)
{
    size_t n = 0;
    while (addr && n < 4096 && peek_pointer(pid, addr, n))
        n++;
    put(o, addr ? "%#lx /* %zu vars */" : "NULL", addr, n);
}

/* Prints argument `i` of the call `p` is in, of kind `kind`; `ret` is the return value. */
static void put_arg(struct out *o, const struct proc *p, int i, char kind, unsigned long ret)
{
    unsigned long v = p->args[i];
    switch (kind) {
    case 'd': put(o, "%d", (int)v); break; /* AT_FDCWD (-100) arrives zero-extended */
    case 'l': put(o, "%ld", (long)v); break;
    case 'u': put(o, "%lu", v); break;
    case 'x': put(o, v ? "%#lx" : "0", v); break;
    case 'o': put(o, v ? "%#lo" : "0", v); break;
    case 's': put_string(o, p->pid, v); break;
    case 'R': put_string(o, p->pid, v); break;
    case 'b': put_buffer(o, p->pid, v, i + 1 < 6 ? p->args[i + 1] : 0); break;
    case 'r': /* only what the call filled in; nothing on an error */
        if ((long)ret >= 0)
            put_buffer(o, p->pid, v, ret);
        else
            put(o, "%#lx", v);
        break;
    case 'a': put_string_array(o, p->pid, v); break;
    case 'e': put_environment(o, p->pid, v); break;
    default: put(o, v ? "%#lx" : "NULL", v); break; /* 'p' */
    }
}

/* Arguments the call fills in (r, R) can only be printed at its exit. */
static int filled_by_call(char kind)
{
    return kind == 'r' || kind == 'R';
}

static const char *call_args(const struct proc *p)
{
    const struct syscall_desc *d = p->nr < ARRAY_LEN(syscalls) ? &syscalls[p->nr] : NULL;
    return d && d->name ? d->args : "xxxxxx"; /* unknown: all six, raw */
}

/* At syscall entry: "name(" and the arguments that can be printed before the call runs
   (strings a successful execve will have replaced, for one). */
static void start_call(struct proc *p)
{
    const struct syscall_desc *d = p->nr < ARRAY_LEN(syscalls) ? &syscalls[p->nr] : NULL;
    const char *args = call_args(p);
    struct out o = { p->text, 0, sizeof p->text };
    if (d && d->name)
        put(&o, "[p%d] %s(", p->id, d->name);
    else
        put(&o, "[p%d] syscall_%lu(", p->id, p->nr);
    for (p->done = 0; args[p->done] && !filled_by_call(args[p->done]); p->done++) {
        put(&o, p->done ? ", " : "");
        put_arg(&o, p, p->done, args[p->done], 0);
    }
}

/* The rest of the arguments, once the call has returned `ret` (or `have_ret` is 0: never). */
static void print_call(const struct proc *p, unsigned long ret, int have_ret)
{
    char rest[512];
    struct out o = { rest, 0, sizeof rest };
    const char *args = call_args(p);
    rest[0] = '\0';
    for (int i = p->done; have_ret && args[i]; i++) {
        put(&o, i ? ", " : "");
        put_arg(&o, p, i, args[i], ret);
    }
    fprintf(stderr, "%s%s) = ", p->text, rest);
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

/* A syscall stop: read the call's arguments at entry, print it at exit. */
static void syscall_stop(struct proc *p)
{
    struct sysregs r;
    if (get_sysregs(p->pid, &r) < 0)
        return; /* killed meanwhile: its exit is reported next */
    if (!p->in_syscall) {
        p->nr = r.nr;
        memcpy(p->args, r.args, sizeof p->args);
        start_call(p);
        p->in_syscall = 1;
    } else {
        print_call(p, r.ret, 1);
        print_return(r.ret);
        p->in_syscall = 0;
    }
}

/* A process ended: finish a call it never returned from (exit_group, execve of another thread). */
static void proc_gone(struct proc *p, int status)
{
    if (p->in_syscall) {
        print_call(p, 0, 0);
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
