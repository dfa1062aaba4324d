/*
 * A minimal client of redox-proc-emu's wire protocol (redox-proc-emu/PROTOCOL.md §2-3), for
 * the benchmarks that talk to the emulator without the library: the "protocol floor" of
 * bench/stops.c, the raw `mem` reads of bench/bulk.c and the STATS counters of both.
 *
 * One request message, one response message, on an abstract SOCK_SEQPACKET socket named by
 * REDOX_PROC_EMU. A connection carries one request at a time: a thread that parks a blocking
 * read uses its own connection. Header only (static inline functions).
 */
#ifndef PTRACE_COMPAT_BENCH_EMU_CLIENT_H
#define PTRACE_COMPAT_BENCH_EMU_CLIENT_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

/* PROTOCOL.md §2.1-2.2, §3 (redox-proc-wire). */
#define EMU_REQ_HEADER 40
#define EMU_RESP_HEADER 24
#define EMU_MAX_PAYLOAD 65536
enum {
    EMU_OPEN = 1, EMU_READ = 2, EMU_WRITE = 3, EMU_SEEK = 4, EMU_CLOSE = 6, EMU_STATS = 11,
};
/* Redox flag values (redox_syscall 0.9.5 flag.rs), PROTOCOL.md §3. */
#define EMU_O_RDWR 0x00030000UL
#define EMU_O_NONBLOCK 0x00040000UL
/* `trace` write flags (PTRACE_STOP_*) and the 56-byte PtraceEvent (PROTOCOL.md §4). */
#define EMU_STOP_PRE_SYSCALL 0x1UL
#define EMU_STOP_POST_SYSCALL 0x2UL
#define EMU_PTRACE_EVENT_LEN 56
/* event: queues (PROTOCOL.md §4.1): 24-byte records, EVENT_READ = 1. */
#define EMU_EVENT_LEN 24
#define EMU_EVENT_READ 1UL
/* STATS (PROTOCOL.md §3.2): 32 counters; scope 0 = this process, 1 = every client. */
#define EMU_STATS_LEN 32
enum { EMU_SCOPE_SELF = 0, EMU_SCOPE_ALL = 1 };
enum { EMU_C_TOTAL = 0, EMU_C_MEM_READ = 24 };

static inline void emu_put(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint64_t emu_get(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* The emulator's pid, from the socket name "redox-proc-emu.<pid>[.<hex>]"; 0 if unknown. */
static inline pid_t emu_pid(void)
{
    const char *name = getenv("REDOX_PROC_EMU");
    const char *dot = name ? strchr(name, '.') : NULL;
    return dot ? (pid_t)atol(dot + 1) : 0;
}

/* A new connection to the emulator; exits when there is none. */
static inline int emu_connect(void)
{
    const char *name = getenv("REDOX_PROC_EMU");
    struct sockaddr_un addr;
    if (!name || !*name || strlen(name) + 1 > sizeof addr.sun_path) {
        fprintf(stderr, "bench: REDOX_PROC_EMU is not set: run under redox-proc-emu\n");
        exit(1);
    }
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        perror("bench: socket");
        exit(1);
    }
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path + 1, name, strlen(name)); /* abstract: leading NUL byte */
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
    if (connect(fd, (struct sockaddr *)&addr, len) != 0) {
        perror("bench: connect to the emulator");
        exit(1);
    }
    return fd;
}

/* One request: returns the result (>= 0) or -errno; copies up to `outlen` bytes of the
 * response's payload to `out`. Exits if the connection breaks. */
static inline int64_t emu_call(int fd, uint32_t op, uint32_t handle, uint64_t a, uint64_t b,
                        const void *payload, size_t plen, void *out, size_t outlen)
{
    static __thread unsigned char resp[EMU_RESP_HEADER + EMU_MAX_PAYLOAD];
    static __thread uint32_t seq;
    unsigned char head[EMU_REQ_HEADER] = { 0 };
    struct iovec iov[2];
    struct msghdr mh;
    seq++;
    emu_put(head + 0, op, 4);
    emu_put(head + 4, handle, 4);
    emu_put(head + 8, a, 8);
    emu_put(head + 16, b, 8);
    emu_put(head + 32, seq, 4);
    iov[0].iov_base = head;
    iov[0].iov_len = sizeof head;
    iov[1].iov_base = (void *)payload;
    iov[1].iov_len = payload ? plen : 0;
    memset(&mh, 0, sizeof mh);
    mh.msg_iov = iov;
    mh.msg_iovlen = 2;
    ssize_t n;
    do
        n = sendmsg(fd, &mh, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        perror("bench: send to the emulator");
        exit(1);
    }
    do
        n = recv(fd, resp, sizeof resp, 0);
    while (n < 0 && errno == EINTR);
    if (n < EMU_RESP_HEADER || emu_get(resp + 16, 4) != seq) {
        fprintf(stderr, "bench: bad answer from the emulator (%zd bytes)\n", n);
        exit(1);
    }
    size_t data = (size_t)n - EMU_RESP_HEADER;
    if (out)
        memcpy(out, resp + EMU_RESP_HEADER, data < outlen ? data : outlen);
    return (int64_t)emu_get(resp, 8);
}

/* OPEN of `path` with Redox flags; exits on failure. */
static inline uint32_t emu_open(int fd, const char *path, uint64_t flags)
{
    int64_t h = emu_call(fd, EMU_OPEN, 0, flags, 0, path, strlen(path), NULL, 0);
    if (h < 0) {
        fprintf(stderr, "bench: OPEN %s: errno %lld\n", path, (long long)-h);
        exit(1);
    }
    return (uint32_t)h;
}

typedef struct {
    uint64_t c[EMU_STATS_LEN];
} emu_stats_t;

/* The emulator's counters (STATS is never counted itself). */
static inline emu_stats_t emu_stats(int fd, int scope)
{
    unsigned char buf[8 * EMU_STATS_LEN];
    emu_stats_t s;
    int64_t r = emu_call(fd, EMU_STATS, 0, (uint64_t)scope, 0, NULL, 0, buf, sizeof buf);
    if (r < 0) {
        fprintf(stderr, "bench: STATS: errno %lld\n", (long long)-r);
        exit(1);
    }
    for (int i = 0; i < EMU_STATS_LEN; i++)
        s.c[i] = emu_get(buf + 8 * i, 8);
    return s;
}

#endif
