/* Preloaded after the Redox build of libptrace_compat.so, it makes a Linux process look like a
 * Redox one to a debugger or tracer: Redox has no /proc/PID/mem, and no process_vm_readv or
 * process_vm_writev but the library's (which come first in LD_PRELOAD, so a tool gets them
 * as a Redox port would; the ones refused here are the C library's, reached when the
 * library is not loaded first, and syscall()), and no vfork (relibc exports none,
 * src/header/unistd/mod.rs @63599227 l.1401-1410: a port calls fork).
 *
 *   vfork                                                         -> fork
 *
 *   open, open64, openat, openat64 (and their _FORTIFY_SOURCE forms __open_2 & co.) of
 *   /proc/<pid>/mem, /proc/self/mem or /proc/<pid>/task/<tid>/mem   -> -1, ENOENT
 *   process_vm_readv, process_vm_writev, and syscall(SYS_process_vm_readv/writev, ...)
 *                                                                 -> -1, ENOSYS
 *
 * gdb 13 opens /proc/PID/task/TID/mem with open() and uses pread64/pwrite64 on it; strace 6.1
 * calls process_vm_readv (and libdw, for -k, opens /proc/PID/mem); both import syscall().
 * Everything else is passed on unchanged. With REDOX_SHIM_LOG set to a file name, every
 * refusal is appended to that file. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

/* relibc has no vfork: a Redox port of gdb or strace calls fork, which POSIX allows in its
 * place. A real vfork parent would sleep until its PTRACE_TRACEME child execs, and that
 * child stops until the parent's waitpid attaches it (docs/redox-gaps.md). */
pid_t vfork(void)
{
    return fork();
}

static void note(const char *what, const char *detail)
{
    const char *log = getenv("REDOX_SHIM_LOG");
    if (!log || !*log)
        return;
    int saved = errno;
    FILE *f = fopen(log, "a");
    if (f) {
        fprintf(f, "%d: refused %s %s\n", (int)getpid(), what, detail ? detail : "");
        fclose(f);
    }
    errno = saved;
}

/* Skips "<digits>/" (or "self/" when self_ok); returns NULL when it is not there. */
static const char *skip_id(const char *p, int self_ok)
{
    if (self_ok && strncmp(p, "self/", 5) == 0)
        return p + 5;
    const char *q = p;
    while (*q >= '0' && *q <= '9')
        q++;
    return q != p && *q == '/' ? q + 1 : NULL;
}

/* Whether path names a process's or a thread's memory file. */
static int is_mem_path(const char *path)
{
    if (!path || strncmp(path, "/proc/", 6) != 0)
        return 0;
    const char *p = skip_id(path + 6, 1);
    if (!p)
        return 0;
    if (strncmp(p, "task/", 5) == 0) {
        p = skip_id(p + 5, 0);
        if (!p)
            return 0;
    }
    return strcmp(p, "mem") == 0;
}

static int refuse_open(const char *path)
{
    note("open", path);
    errno = ENOENT;
    return -1;
}

#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

/* The mode argument is only read when the flags create a file. */
#define MODE_ARG(flags, mode)                                                                  \
    do {                                                                                       \
        if ((flags) & (O_CREAT | __O_TMPFILE)) {                                               \
            va_list ap;                                                                        \
            va_start(ap, flags);                                                               \
            mode = va_arg(ap, mode_t);                                                         \
            va_end(ap);                                                                        \
        }                                                                                      \
    } while (0)

int open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    MODE_ARG(flags, mode);
    return is_mem_path(path) ? refuse_open(path) : NEXT(open)(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
    mode_t mode = 0;
    MODE_ARG(flags, mode);
    return is_mem_path(path) ? refuse_open(path) : NEXT(open64)(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
    mode_t mode = 0;
    MODE_ARG(flags, mode);
    return is_mem_path(path) ? refuse_open(path) : NEXT(openat)(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
    mode_t mode = 0;
    MODE_ARG(flags, mode);
    return is_mem_path(path) ? refuse_open(path) : NEXT(openat64)(dirfd, path, flags, mode);
}

int __open_2(const char *path, int flags);
int __open_2(const char *path, int flags)
{
    return is_mem_path(path) ? refuse_open(path) : NEXT(__open_2)(path, flags);
}

int __open64_2(const char *path, int flags);
int __open64_2(const char *path, int flags)
{
    return is_mem_path(path) ? refuse_open(path) : NEXT(__open64_2)(path, flags);
}

int __openat_2(int dirfd, const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags)
{
    return is_mem_path(path) ? refuse_open(path) : NEXT(__openat_2)(dirfd, path, flags);
}

int __openat64_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags)
{
    return is_mem_path(path) ? refuse_open(path) : NEXT(__openat64_2)(dirfd, path, flags);
}

ssize_t process_vm_readv(pid_t pid, const struct iovec *local, unsigned long liovcnt,
                         const struct iovec *remote, unsigned long riovcnt, unsigned long flags)
{
    (void)pid, (void)local, (void)liovcnt, (void)remote, (void)riovcnt, (void)flags;
    note("process_vm_readv", NULL);
    errno = ENOSYS;
    return -1;
}

ssize_t process_vm_writev(pid_t pid, const struct iovec *local, unsigned long liovcnt,
                          const struct iovec *remote, unsigned long riovcnt, unsigned long flags)
{
    (void)pid, (void)local, (void)liovcnt, (void)remote, (void)riovcnt, (void)flags;
    note("process_vm_writev", NULL);
    errno = ENOSYS;
    return -1;
}

/* syscall(2) passes up to six register-sized arguments (x86_64 and aarch64 alike), so reading
 * six longs and passing them on forwards any call. */
long syscall(long number, ...)
{
    va_list ap;
    long a[6];
    va_start(ap, number);
    for (int i = 0; i < 6; i++)
        a[i] = va_arg(ap, long);
    va_end(ap);
    if (number == SYS_process_vm_readv || number == SYS_process_vm_writev) {
        note("syscall", number == SYS_process_vm_readv ? "process_vm_readv" : "process_vm_writev");
        errno = ENOSYS;
        return -1;
    }
    return NEXT(syscall)(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
