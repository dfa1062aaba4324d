/*
 * fuzz.c: differential fuzzer for ptrace-compat (issue #11, item 1).
 *
 *   fuzz run [--raw] [--seed S] [--calls N] [--start K] [--batch B] [--timeout-ms T]
 *            [--traceme-wait-ms W] [--wrap PROG] -o LOG
 *   fuzz compare [--strict] [--known FILE] EXPECTED.log GOT.log
 *
 * `run` makes the calls start .. start+N-1 of the sequence of seed S and writes one line per
 * call: `index request pid-kind addr-kind data-kind result`. Call i is drawn from (S, i) alone,
 * so any range of the sequence can be replayed. With --raw every ptrace goes to the kernel
 * (`syscall(SYS_ptrace)`, with glibc's PEEK convention: the word is returned and errno
 * cleared) and wait to `wait4`; without it, to the `ptrace` and `waitpid` this program is
 * linked with: our library (Linux backend natively, Redox backend under redox-proc-emu).
 * `compare` matches two logs call by call; the first is the kernel's answer.
 *
 * Reproducible states. Every call's target is in a state that depends on its kind alone: a
 * target is created when a call needs it (fork, PTRACE_TRACEME, raise(SIGSTOP), then driven to
 * its stop), and a call whose request may change the target's state (anything but the reading
 * requests and unknown numbers, decided by the request, never by the result) marks it used,
 * so the next call on that kind gets a fresh one. Requests without a pid (TRACEME) run in a
 * child of their own. So each run, natively or under the emulator, and a run restarted after
 * a crash, sees the same state at every call.
 *
 * Workers. The parent forks a worker per batch of calls and records its death: killed by a
 * signal during a call = crash, no progress for the time limit (a per-call timer, and the
 * parent's own watchdog) = hang; the parent logs the call and starts the next worker after it.
 * The parent itself never calls the library (wait4 is made by syscall). With --wrap PROG each
 * worker is `PROG -- fuzz worker ...` instead: the Redox run starts a redox-proc-emu per
 * worker, so that tracees a crashed worker leaves are released with its emulator (under one
 * long-lived emulator they stay in their stops: later tracees inherit the dead worker's
 * connection to it, see docs/fuzzing.md).
 *
 * What is compared: the return value (the word for PEEK requests when it is deterministic),
 * errno (also after a success: glibc leaves it alone, or clears it for PEEK), and what was
 * written through pointers. Every tracer-side buffer is inside an arena filled with a canary
 * pattern before each call; the log holds, per arena, the word-rounded range of bytes that
 * changed, and a hash of their content when the content is a deterministic fact (event
 * message, signal mask, siginfo signo/errno/code, syscall info op/arch), and the iovec's
 * iov_len, never register values. So writing one byte more than the kernel, or where it does
 * not write, is a mismatch.
 *
 * The Redox gap table below maps mismatch patterns to rows of docs/redox-gaps.md.
 * Build like the C suite: $CC -D_GNU_SOURCE -I tests/c -I include tests/fuzz/fuzz.c
 * libptrace_compat.a -lpthread. Driven by scripts/fuzz.sh; method and results in
 * docs/fuzzing.md.
 */
#include "helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>

#ifndef NT_PRSTATUS
#define NT_PRSTATUS 1
#define NT_PRFPREG 2
#endif
#define NT_X86_XSTATE_ 0x202

/* ---------------------------------------------------------------------------------------- */
/* Requests                                                                                  */

enum cls {
    C_TRACEME, C_PEEK, C_PEEKUSER, C_POKE, C_POKEUSER, C_RESUME, C_KILL, C_ATTACH, C_SEIZE,
    C_INTERRUPT, C_LISTEN, C_GETOUT, C_SETIN, C_SETOPTIONS, C_REGSET_GET, C_REGSET_SET,
    C_PEEKSIGINFO, C_SIGMASK_GET, C_SIGMASK_SET, C_SYSINFO_GET, C_SYSINFO_SET, C_SECCOMP_FILTER,
    C_SECCOMP_META, C_SIZED_GET, C_SIZED_SET, C_ARCH_PRCTL, C_THREAD_AREA_GET,
    C_THREAD_AREA_SET, C_UNKNOWN,
};

struct req {
    long num;
    const char *name;
    enum cls cls;
    long size; /* natural size of the output or input, for C_GETOUT / C_SETIN */
};

static const struct req REQS[] = {
    {PTRACE_TRACEME, "TRACEME", C_TRACEME, 0},
    {PTRACE_PEEKTEXT, "PEEKTEXT", C_PEEK, 0},
    {PTRACE_PEEKDATA, "PEEKDATA", C_PEEK, 0},
    {PTRACE_PEEKUSER, "PEEKUSER", C_PEEKUSER, 0},
    {PTRACE_POKETEXT, "POKETEXT", C_POKE, 0},
    {PTRACE_POKEDATA, "POKEDATA", C_POKE, 0},
    {PTRACE_POKEUSER, "POKEUSER", C_POKEUSER, 0},
    {PTRACE_CONT, "CONT", C_RESUME, 0},
    {PTRACE_KILL, "KILL", C_KILL, 0},
    {PTRACE_SINGLESTEP, "SINGLESTEP", C_RESUME, 0},
    {PTRACE_GETREGS, "GETREGS", C_GETOUT, sizeof(struct user_regs_struct)},
    {PTRACE_SETREGS, "SETREGS", C_SETIN, sizeof(struct user_regs_struct)},
    {PTRACE_GETFPREGS, "GETFPREGS", C_GETOUT, sizeof(struct user_fpregs_struct)},
    {PTRACE_SETFPREGS, "SETFPREGS", C_SETIN, sizeof(struct user_fpregs_struct)},
    {PTRACE_ATTACH, "ATTACH", C_ATTACH, 0},
    {PTRACE_DETACH, "DETACH", C_RESUME, 0},
    {PTRACE_GETFPXREGS, "GETFPXREGS", C_GETOUT, 512},
    {PTRACE_SETFPXREGS, "SETFPXREGS", C_SETIN, 512},
    {PTRACE_OLDSETOPTIONS, "OLDSETOPTIONS", C_SETOPTIONS, 0},
    {PTRACE_SYSCALL, "SYSCALL", C_RESUME, 0},
    {PTRACE_GET_THREAD_AREA, "GET_THREAD_AREA", C_THREAD_AREA_GET, 16},
    {PTRACE_SET_THREAD_AREA, "SET_THREAD_AREA", C_THREAD_AREA_SET, 16},
    {PTRACE_ARCH_PRCTL, "ARCH_PRCTL", C_ARCH_PRCTL, 0},
    {PTRACE_SYSEMU, "SYSEMU", C_RESUME, 0},
    {PTRACE_SYSEMU_SINGLESTEP, "SYSEMU_SINGLESTEP", C_RESUME, 0},
    {PTRACE_SINGLEBLOCK, "SINGLEBLOCK", C_RESUME, 0},
    {34, "POKEMTETAGS", C_UNKNOWN, 0}, /* aarch64 only: unknown on x86_64 */
    {PTRACE_SETOPTIONS, "SETOPTIONS", C_SETOPTIONS, 0},
    {PTRACE_GETEVENTMSG, "GETEVENTMSG", C_GETOUT, sizeof(unsigned long)},
    {PTRACE_GETSIGINFO, "GETSIGINFO", C_GETOUT, sizeof(siginfo_t)},
    {PTRACE_SETSIGINFO, "SETSIGINFO", C_SETIN, sizeof(siginfo_t)},
    {PTRACE_GETREGSET, "GETREGSET", C_REGSET_GET, 0},
    {PTRACE_SETREGSET, "SETREGSET", C_REGSET_SET, 0},
    {PTRACE_SEIZE, "SEIZE", C_SEIZE, 0},
    {PTRACE_INTERRUPT, "INTERRUPT", C_INTERRUPT, 0},
    {PTRACE_LISTEN, "LISTEN", C_LISTEN, 0},
    {PTRACE_PEEKSIGINFO, "PEEKSIGINFO", C_PEEKSIGINFO, 0},
    {PTRACE_GETSIGMASK, "GETSIGMASK", C_SIGMASK_GET, 0},
    {PTRACE_SETSIGMASK, "SETSIGMASK", C_SIGMASK_SET, 0},
    {PTRACE_SECCOMP_GET_FILTER, "SECCOMP_GET_FILTER", C_SECCOMP_FILTER, 0},
    {PTRACE_SECCOMP_GET_METADATA, "SECCOMP_GET_METADATA", C_SECCOMP_META, 0},
    {PTRACE_GET_SYSCALL_INFO, "GET_SYSCALL_INFO", C_SYSINFO_GET, 0},
    {PTRACE_GET_RSEQ_CONFIGURATION, "GET_RSEQ_CONFIGURATION", C_SIZED_GET, 0},
    {PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG, "SET_SYSCALL_USER_DISPATCH_CONFIG", C_SIZED_SET, 0},
    {PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG, "GET_SYSCALL_USER_DISPATCH_CONFIG", C_SIZED_GET, 0},
    {PTRACE_SET_SYSCALL_INFO, "SET_SYSCALL_INFO", C_SYSINFO_SET, 0},
};
#define NREQS ((int)(sizeof REQS / sizeof REQS[0]))

/* Numbers no architecture's header defines for x86_64, and int boundaries. */
static const long UNKNOWN_REQS[] = {10, 11, 20, 22, 23, 27, 28, 29, 35, 0x41ff, 0x4215, 0x4299,
                                    -1, INT_MAX, INT_MIN, 0x10000, 1000};
#define NUNKNOWN ((int)(sizeof UNKNOWN_REQS / sizeof UNKNOWN_REQS[0]))

/* Whether a request cannot change the state of its target (these share targets). */
static int reads_only(enum cls c)
{
    switch (c) {
    case C_PEEK: case C_PEEKUSER: case C_GETOUT: case C_REGSET_GET: case C_PEEKSIGINFO:
    case C_SIGMASK_GET: case C_SYSINFO_GET: case C_SECCOMP_FILTER: case C_SECCOMP_META:
    case C_SIZED_GET: case C_THREAD_AREA_GET: case C_UNKNOWN:
        return 1;
    default:
        return 0;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Pid kinds                                                                                 */

enum pidk {
    K_SYSCALL, K_SIGNAL, K_GROUP, K_EVENT, K_RUNNING, K_SEIZED, /* tracees of ours */
    K_UNTRACED, K_ZOMBIE, K_PID1, K_MISSING, K_ZERO, K_MINUS1, K_INTMIN, K_SELF, NPIDK
};
/* syscall-stop: at a syscall entry (TRACESYSGOOD); signal-stop: SIGUSR1 it raised; group-stop:
 * SIGSTOP given back at the restart; event-stop: PTRACE_EVENT_EXIT; running: in pause(), all
 * TRACEME children. seized-signal-stop: PTRACE_SEIZEd untraced child, at a SIGUSR1 we sent. */
static const char *PIDK_NAMES[NPIDK] = {"syscall-stop", "signal-stop", "group-stop",
                                        "event-stop", "running", "seized-signal-stop",
                                        "untraced", "zombie", "pid1", "missing", "0", "-1",
                                        "INT_MIN", "self"};
#define NTRACEE_KINDS 6
#define NCHILD_KINDS 8 /* kinds that are children of the worker */

/* ---------------------------------------------------------------------------------------- */
/* Deterministic randomness: call i of seed S is drawn from splitmix64(S, i) alone.          */

static uint64_t rng_state;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static unsigned pick(unsigned n) { return (unsigned)(rnd() % n); }

/* ---------------------------------------------------------------------------------------- */
/* Memory: canaried arenas on the tracer side, a pattern region for tracee addresses.        */

#define PAD 64
#define ARENA_BUF 16384
#define ARENA_SIZE (PAD + ARENA_BUF + PAD)
#define EDGE_WATCH 512 /* the last bytes of the edge page that are checked */

static unsigned char canary(size_t i) { return (unsigned char)(0xa5 ^ (i * 0x3b) ^ (i >> 8)); }

struct arena {
    const char *name;
    unsigned char *base; /* watched bytes */
    size_t size;
    size_t buf_off;      /* where offsets in the log start */
};

static unsigned char *heap_arena, *stack_arena, *iov_arena, *args_arena, *edge_page;
static unsigned char *pattern; /* 2 pages: pattern, then PROT_NONE */
static struct arena arenas[5];
#define NARENAS 5
static size_t page;

static void fill_arenas(void)
{
    for (int a = 0; a < NARENAS; a++)
        for (size_t i = 0; i < arenas[a].size; i++)
            arenas[a].base[i] = canary(i);
}

/* Fixed addresses nobody maps: below mmap_min_addr, a hole in the middle of the user half,
 * the kernel half, non-canonical. */
#define A_LOW 0x1000L
#define A_UNMAPPED 0x100000000000L
#define A_KHALF ((long)0xffff800000000000UL)
#define A_NONCANON 0x800000000000L

/* ---------------------------------------------------------------------------------------- */
/* The call                                                                                  */

struct call {
    long index;
    const struct req *req;
    long reqnum;
    char reqname[48];
    enum pidk pidk;
    long addr, data;
    char addrk[40], datak[40];
    int content_det;      /* hash the written bytes */
    int peek_det;         /* the PEEK word is deterministic */
    int hash_prefix;      /* hash only this many leading bytes of a write (0 = all) */
    int roundtrip;        /* SET* input: fill from the matching GET first */
    long rt_req, rt_addr; /* that GET */
    int has_iov;
};

/* Tracer-side pointer kinds. */
static const char *OUTP[] = {"null", "one", "low", "unmapped", "khalf", "noncanon", "minus1",
                             "stack", "heap", "heap+3", "edge-8", "edge-4"};
#define NOUTP 12
static long outp_value(int k)
{
    switch (k) {
    case 0: return 0;
    case 1: return 1;
    case 2: return A_LOW;
    case 3: return A_UNMAPPED;
    case 4: return A_KHALF;
    case 5: return A_NONCANON;
    case 6: return -1;
    case 7: return (long)(stack_arena + PAD);
    case 8: return (long)(heap_arena + PAD);
    case 9: return (long)(heap_arena + PAD + 3);
    case 10: return (long)(edge_page + page - 8);
    default: return (long)(edge_page + page - 4);
    }
}
static int outp_valid(int k) { return k >= 7; }

/* Values for ignored or unchecked arguments. */
static const char *GEN[] = {"0", "1", "-1", "khalf", "0xdeadbeef"};
static const long GENV[] = {0, 1, -1, A_KHALF, 0xdeadbeefL};
#define NGEN 5

static void set_gen(char *name, long *v)
{
    unsigned k = pick(NGEN);
    strcpy(name, GEN[k]);
    *v = GENV[k];
}

static void set_outp(char *name, long *v)
{
    unsigned k = pick(NOUTP);
    strcpy(name, OUTP[k]);
    *v = outp_value((int)k);
}

/* An input pointer: the kinds of OUTP; a valid one holds zeros, the canary or (when `rt`) what
 * the matching GET returned. */
static int set_inp(struct call *c, char *name, long *v, int rt_possible)
{
    unsigned k = pick(NOUTP);
    *v = outp_value((int)k);
    if (!outp_valid((int)k)) {
        strcpy(name, OUTP[k]);
        return 0;
    }
    unsigned content = pick(rt_possible && k <= 9 ? 3 : 2); /* rt only into whole buffers */
    snprintf(name, 40, "%s:%s", OUTP[k], content == 0 ? "zero" : content == 1 ? "canary" : "rt");
    (void)c;
    return content == 0 ? 1 : content == 1 ? 0 : 2;
}

struct named {
    const char *name;
    long v;
};
#define N(a) ((unsigned)(sizeof(a) / sizeof((a)[0])))

/* One of table t, its name into `name` and its value into `v`. */
static void set_named(char *name, long *v, const struct named *t, unsigned n)
{
    unsigned k = pick(n);
    strcpy(name, t[k].name);
    *v = t[k].v;
}

static const struct named SIGS[] = {
    {"0", 0}, {"SIGUSR1", SIGUSR1}, {"SIGSTOP", SIGSTOP}, {"SIGKILL", SIGKILL},
    {"SIGCONT", SIGCONT}, {"SIGTRAP", SIGTRAP}, {"32", 32}, {"64", 64}, {"65", 65}, {"-1", -1},
    {"1000", 1000}, {"2^32+SIGUSR1", (1L << 32) + SIGUSR1},
};
static const struct named OPTS[] = {
    {"0", 0}, {"SYSGOOD", PTRACE_O_TRACESYSGOOD}, {"EXITKILL", PTRACE_O_EXITKILL},
    {"all-events", 0x7f}, {"TRACESECCOMP", PTRACE_O_TRACESECCOMP},
    {"SUSPEND_SECCOMP", PTRACE_O_SUSPEND_SECCOMP}, {"0x100", 0x100}, {"1<<22", 1L << 22},
    {"0x80000000", 0x80000000L}, {"2^32|SYSGOOD", (1L << 32) | 1}, {"-1", -1},
};
static const struct named USEROFF[] = {
    {"r15", 0}, {"rax", 80}, {"orig_rax", 120}, {"rip", 128}, {"cs", 136}, {"eflags", 144},
    {"fs_base", 168}, {"ds", 184}, {"u_fpvalid", 216}, {"i387", 224},
    {"debugreg0", offsetof(struct user, u_debugreg)},
    {"debugreg7", offsetof(struct user, u_debugreg) + 7 * 8}, {"+3", 3},
    {"sizeof-user", sizeof(struct user)}, {"-8", -8}, {"2^40", 1L << 40},
};
static const struct named WORDS[] = {
    {"0", 0}, {"0x4141414141414141", 0x4141414141414141L}, {"-1", -1}, {"khalf", A_KHALF},
    {"0x33", 0x33},
};
static const struct named SIZES[] = {
    {"0", 0}, {"1", 1}, {"4", 4}, {"8", 8}, {"16", 16}, {"24", 24}, {"32", 32}, {"88", 88},
    {"4096", 4096}, {"-1", -1},
};
/* Tracee addresses: the pattern page is deterministic; stack and text are mapped but their
 * content differs between builds. */
static const char *TADDR[] = {"null", "low", "unmapped", "khalf", "noncanon", "minus1",
                              "pattern", "pattern+3", "pattern-end-4", "stack", "text"};
#define NTADDR 11
static long taddr_value(int k, long stack_addr)
{
    switch (k) {
    case 0: return 0;
    case 1: return A_LOW;
    case 2: return A_UNMAPPED;
    case 3: return A_KHALF;
    case 4: return A_NONCANON;
    case 5: return -1;
    case 6: return (long)pattern + 64;
    case 7: return (long)pattern + 67;
    case 8: return (long)pattern + (long)page - 4;
    case 9: return stack_addr;
    default: return (long)(void *)&rnd;
    }
}

/* data of PEEK (ignored) and POKE (the word written). */
static void set_value(struct call *c, int peek)
{
    if (peek)
        set_gen(c->datak, &c->data);
    else
        set_named(c->datak, &c->data, WORDS, N(WORDS));
}

static void draw_call(uint64_t seed, long i, struct call *c, long stack_addr)
{
    memset(c, 0, sizeof *c);
    rng_state = seed ^ ((uint64_t)i * 0xd1342543de82ef95ULL);
    rnd();
    c->index = i;
    if (pick(10) == 0) {
        c->req = NULL;
        c->reqnum = UNKNOWN_REQS[pick(NUNKNOWN)];
        snprintf(c->reqname, sizeof c->reqname, "req=%ld", c->reqnum);
    } else {
        c->req = &REQS[pick(NREQS)];
        c->reqnum = c->req->num;
        snprintf(c->reqname, sizeof c->reqname, "%s", c->req->name);
    }
    /* Tracees 70% of the time, the other kinds 30%. */
    c->pidk = pick(10) < 7 ? (enum pidk)pick(NTRACEE_KINDS)
                           : (enum pidk)(NTRACEE_KINDS + pick(NPIDK - NTRACEE_KINDS));
    enum cls cls = c->req ? c->req->cls : C_UNKNOWN;
    /* Never attach to pid 1 (it may succeed as root). */
    if ((cls == C_ATTACH || cls == C_SEIZE) && c->pidk == K_PID1)
        c->pidk = K_MISSING;
    unsigned k;
    switch (cls) {
    case C_PEEK:
    case C_POKE:
        k = pick(NTADDR);
        strcpy(c->addrk, TADDR[k]);
        c->addr = taddr_value((int)k, stack_addr);
        c->peek_det = k <= 8;
        set_value(c, cls == C_PEEK);
        break;
    case C_PEEKUSER:
    case C_POKEUSER:
        set_named(c->addrk, &c->addr, USEROFF, N(USEROFF));
        /* Registers differ between runs; the rest of struct user reads as constants. */
        c->peek_det = c->addr < 0 || c->addr >= (long)sizeof(struct user_regs_struct);
        set_value(c, cls == C_PEEKUSER);
        break;
    case C_RESUME:
        set_gen(c->addrk, &c->addr);
        set_named(c->datak, &c->data, SIGS, N(SIGS));
        break;
    case C_SETOPTIONS:
    case C_SEIZE:
        if (cls == C_SEIZE && pick(2))
            strcpy(c->addrk, "0"), c->addr = 0;
        else
            set_gen(c->addrk, &c->addr);
        set_named(c->datak, &c->data, OPTS, N(OPTS));
        break;
    case C_GETOUT:
        set_gen(c->addrk, &c->addr);
        set_outp(c->datak, &c->data);
        c->content_det = c->req->num == PTRACE_GETEVENTMSG || c->req->num == PTRACE_GETSIGINFO;
        if (c->req->num == PTRACE_GETSIGINFO)
            c->hash_prefix = 12; /* si_signo, si_errno, si_code */
        break;
    case C_SETIN: {
        set_gen(c->addrk, &c->addr);
        int content = set_inp(c, c->datak, &c->data, 1);
        c->roundtrip = content == 2;
        c->rt_req = c->req->num - 1; /* SETREGS-1 = GETREGS, ..., SETSIGINFO-1 = GETSIGINFO */
        break;
    }
    case C_THREAD_AREA_GET:
    case C_THREAD_AREA_SET: {
        static const long idx[] = {12, 13, 0, -1, 6};
        k = pick(5);
        snprintf(c->addrk, sizeof c->addrk, "%ld", idx[k]);
        c->addr = idx[k];
        if (cls == C_THREAD_AREA_GET)
            set_outp(c->datak, &c->data);
        else
            set_inp(c, c->datak, &c->data, 0);
        c->content_det = 1;
        break;
    }
    case C_ARCH_PRCTL: {
        static const struct named codes[] = {
            {"ARCH_SET_GS", 0x1001}, {"ARCH_SET_FS", 0x1002}, {"ARCH_GET_FS", 0x1003},
            {"ARCH_GET_GS", 0x1004}, {"0", 0}, {"0x9999", 0x9999}, {"ARCH_GET_CPUID", 0x1011},
        };
        set_named(c->datak, &c->data, codes, N(codes));
        set_outp(c->addrk, &c->addr);
        break;
    }
    case C_REGSET_GET:
    case C_REGSET_SET: {
        static const struct named nts[] = {
            {"NT_PRSTATUS", NT_PRSTATUS}, {"NT_PRFPREG", NT_PRFPREG},
            {"NT_X86_XSTATE", NT_X86_XSTATE_}, {"NT_PRPSINFO", 3}, {"0x999", 0x999}, {"0", 0},
        };
        static const long natural[] = {sizeof(struct user_regs_struct),
                                       sizeof(struct user_fpregs_struct), 4096, 136, 64, 64};
        unsigned nt = pick(N(nts));
        strcpy(c->addrk, nts[nt].name);
        c->addr = nts[nt].v;
        static const char *IOV[] = {"null", "unmapped", "khalf", "iov-edge", "len0", "len8",
                                    "len-exact", "len-huge", "base-null", "base-unmapped",
                                    "base-khalf", "base-edge"};
        k = pick(N(IOV));
        struct iovec *iov = (struct iovec *)(iov_arena + PAD);
        if (k == 0 || k == 1 || k == 2 || k == 3) {
            c->data = k == 0 ? 0 : k == 1 ? A_UNMAPPED : k == 2 ? A_KHALF
                                                              : (long)(edge_page + page - 8);
            strcpy(c->datak, IOV[k]);
        } else {
            c->data = (long)iov;
            c->has_iov = 1;
            long len = natural[nt];
            void *base = heap_arena + PAD;
            if (k == 4) len = 0;
            if (k == 5) len = 8;
            if (k == 7) len = 1L << 20;
            if (k == 8) base = NULL;
            if (k == 9) base = (void *)A_UNMAPPED;
            if (k == 10) base = (void *)A_KHALF;
            if (k == 11) base = edge_page + page - 8;
            /* Written after fill_arenas(): see prepare_inputs(). */
            c->rt_addr = (long)base;
            c->rt_req = len;
            snprintf(c->datak, sizeof c->datak, "%s", IOV[k]);
            if (cls == C_REGSET_SET && k >= 5 && k <= 7) {
                unsigned content = pick(2);
                c->roundtrip = content == 1;
                strcat(c->datak, content ? ":rt" : ":canary");
            }
        }
        break;
    }
    case C_PEEKSIGINFO: {
        static const char *ARGS[] = {"null", "unmapped", "khalf", "args-edge", "0/0/1",
                                     "0/0/0", "0/SHARED/1", "0/2/1", "2^40/0/1",
                                     "0/0/0x7fffffff", "0/0/-1", "1/0/4"};
        k = pick(N(ARGS));
        strcpy(c->addrk, ARGS[k]);
        c->addr = k == 0 ? 0 : k == 1 ? A_UNMAPPED : k == 2 ? A_KHALF
                  : k == 3 ? (long)(edge_page + page - 8) : (long)(args_arena + PAD);
        c->rt_req = (long)k; /* the args, written by prepare_inputs() */
        set_outp(c->datak, &c->data);
        c->content_det = 1;
        break;
    }
    case C_SIGMASK_GET:
    case C_SIGMASK_SET:
    case C_SYSINFO_GET:
    case C_SYSINFO_SET:
    case C_SIZED_GET:
    case C_SIZED_SET:
    case C_SECCOMP_META:
        set_named(c->addrk, &c->addr, SIZES, N(SIZES));
        if (cls == C_SIGMASK_GET || cls == C_SYSINFO_GET || cls == C_SIZED_GET) {
            set_outp(c->datak, &c->data);
        } else {
            int content = set_inp(c, c->datak, &c->data, cls == C_SYSINFO_SET);
            c->roundtrip = content == 2;
            c->rt_req = PTRACE_GET_SYSCALL_INFO;
        }
        c->content_det = cls == C_SIGMASK_GET || cls == C_SYSINFO_GET;
        if (cls == C_SYSINFO_GET)
            c->hash_prefix = 8; /* op, pad, arch */
        break;
    case C_SECCOMP_FILTER: {
        static const long idx[] = {0, 1, -1};
        k = pick(3);
        snprintf(c->addrk, sizeof c->addrk, "%ld", idx[k]);
        c->addr = idx[k];
        set_outp(c->datak, &c->data);
        break;
    }
    default: /* TRACEME, KILL, ATTACH, INTERRUPT, LISTEN, unknown */
        set_gen(c->addrk, &c->addr);
        set_gen(c->datak, &c->data);
        break;
    }
}

/* Inputs that live in arenas are written after the canary fill. */
static void prepare_inputs(struct call *c)
{
    enum cls cls = c->req ? c->req->cls : C_UNKNOWN;
    if (c->has_iov) {
        struct iovec *iov = (struct iovec *)(iov_arena + PAD);
        iov->iov_base = (void *)c->rt_addr;
        iov->iov_len = (size_t)c->rt_req;
    }
    if (cls == C_PEEKSIGINFO && c->rt_req >= 3) {
        static const uint64_t off[] = {0, 0, 0, 0, 0, 0, 0, 0, 1ULL << 40, 0, 0, 1};
        static const uint32_t flags[] = {0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0};
        static const int32_t nr[] = {1, 1, 1, 1, 1, 0, 1, 1, 1, 0x7fffffff, -1, 4};
        int k = (int)c->rt_req;
        struct __ptrace_peeksiginfo_args a = {off[k], flags[k], nr[k]};
        if (k == 3)
            memcpy(edge_page + page - 8, &a, 8); /* the first 8 bytes fit */
        else
            memcpy(args_arena + PAD, &a, sizeof a);
    }
    if (strstr(c->datak, ":zero")) {
        size_t n = 1024;
        if ((unsigned char *)c->data >= edge_page && (unsigned char *)c->data < edge_page + page)
            n = (size_t)(edge_page + page - (unsigned char *)c->data);
        memset((void *)c->data, 0, n);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* ptrace and wait, through the library or raw                                                */

static int g_raw;

static long do_ptrace(long req, long pid, long addr, long data)
{
    if (!g_raw)
        return ptrace((int)req, (pid_t)pid, (void *)addr, (void *)data);
    int r = (int)req;
    if (r == PTRACE_PEEKTEXT || r == PTRACE_PEEKDATA || r == PTRACE_PEEKUSER) {
        long word;
        long ret = syscall(SYS_ptrace, (long)r, (long)(pid_t)pid, addr, &word);
        if (ret == 0) {
            errno = 0;
            return word;
        }
        return ret;
    }
    return syscall(SYS_ptrace, (long)r, (long)(pid_t)pid, addr, data);
}

static pid_t do_wait(pid_t pid, int *status, int options)
{
    pid_t r;
    do
        r = g_raw ? (pid_t)syscall(SYS_wait4, (long)pid, status, (long)options, 0L)
                  : waitpid(pid, status, options);
    while (r == -1 && errno == EINTR);
    return r;
}

/* The parent's own wait: never the library (it must not open a session). */
static pid_t raw_wait(pid_t pid, int *status, int options)
{
    return (pid_t)syscall(SYS_wait4, (long)pid, status, (long)options, 0L);
}

/* ---------------------------------------------------------------------------------------- */
/* Targets                                                                                   */

static pid_t targets[NPIDK];
static int child_kind;

static void child_body(void)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (child_kind == K_ZOMBIE)
        _exit(3);
    if (child_kind != K_UNTRACED && child_kind != K_SEIZED) {
        if (do_ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
            _exit(120);
        raise(SIGSTOP);
        if (child_kind == K_SIGNAL)
            raise(SIGUSR1);
        if (child_kind == K_EVENT)
            _exit(7);
    }
    for (;;)
        pause();
}

static char setup_err[64];

/* Creates the target of kind k; returns its pid or 0 (setup_err says why). */
static pid_t create_target(enum pidk k)
{
    int st;
    child_kind = k;
    pid_t p = fork();
    if (p == -1) {
        snprintf(setup_err, sizeof setup_err, "fork-errno-%d", errno);
        return 0;
    }
    if (p == 0)
        child_body();
    if (k == K_UNTRACED)
        return p;
    if (k == K_ZOMBIE) {
        siginfo_t si;
        while (waitid(P_PID, (id_t)p, &si, WEXITED | WNOWAIT) == -1 && errno == EINTR)
            ;
        return p;
    }
#define STEP(cond, what)                                                                    \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            snprintf(setup_err, sizeof setup_err, "%s-%#x-errno-%d", what, (unsigned)st,    \
                     errno);                                                                \
            kill(p, SIGKILL);                                                               \
            do_wait(p, &st, __WALL);                                                        \
            return 0;                                                                       \
        }                                                                                   \
    } while (0)
    st = 0;
    if (k == K_SEIZED) {
        STEP(do_ptrace(PTRACE_SEIZE, p, 0, 0) == 0, "seize");
        STEP(kill(p, SIGUSR1) == 0, "kill");
        STEP(do_wait(p, &st, 0) == p && WIFSTOPPED(st) && WSTOPSIG(st) == SIGUSR1,
             "signal-stop");
        return p;
    }
    STEP(do_wait(p, &st, 0) == p && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP, "sigstop");
    switch (k) {
    case K_SYSCALL:
        STEP(do_ptrace(PTRACE_SETOPTIONS, p, 0, PTRACE_O_TRACESYSGOOD) == 0, "setoptions");
        STEP(do_ptrace(PTRACE_SYSCALL, p, 0, 0) == 0, "syscall");
        STEP(do_wait(p, &st, 0) == p && WIFSTOPPED(st) && WSTOPSIG(st) == (SIGTRAP | 0x80),
             "syscall-stop");
        break;
    case K_SIGNAL:
        STEP(do_ptrace(PTRACE_CONT, p, 0, 0) == 0, "cont");
        STEP(do_wait(p, &st, 0) == p && WIFSTOPPED(st) && WSTOPSIG(st) == SIGUSR1,
             "signal-stop");
        break;
    case K_GROUP:
        STEP(do_ptrace(PTRACE_CONT, p, 0, SIGSTOP) == 0, "cont-sigstop");
        STEP(do_wait(p, &st, 0) == p && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP,
             "group-stop");
        break;
    case K_EVENT:
        STEP(do_ptrace(PTRACE_SETOPTIONS, p, 0, PTRACE_O_TRACEEXIT) == 0, "setoptions");
        STEP(do_ptrace(PTRACE_CONT, p, 0, 0) == 0, "cont");
        STEP(do_wait(p, &st, 0) == p && st >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8)),
             "exit-event");
        break;
    case K_RUNNING:
        STEP(do_ptrace(PTRACE_CONT, p, 0, 0) == 0, "cont");
        break;
    default:
        break;
    }
    return p;
#undef STEP
}

static void destroy_target(enum pidk k)
{
    if (targets[k] > 0) {
        int st;
        kill(targets[k], SIGKILL);
        /* SIGKILL does not end a PTRACE_EVENT_EXIT stop (Linux 6.x): resume it too. */
        if (k < NTRACEE_KINDS)
            do_ptrace(PTRACE_CONT, targets[k], 0, 0);
        do_wait(targets[k], &st, __WALL);
    }
    targets[k] = 0;
}

static pid_t target_pid(enum pidk k)
{
    switch (k) {
    case K_PID1: return 1;
    case K_MISSING: return 4194305; /* above PID_MAX_LIMIT: never a process */
    case K_ZERO: return 0;
    case K_MINUS1: return -1;
    case K_INTMIN: return INT_MIN;
    case K_SELF: return getpid();
    default: return targets[k];
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Results                                                                                   */

/* helpers.h's names, and the ones it lacks. */
static const char *err_name(int e)
{
    static char buf[16];
    const char *n = errno_name(e);
    if (strcmp(n, "E?") != 0)
        return n;
    switch (e) {
    case EDOM: return "unchanged"; /* the sentinel */
    case ENOMEM: return "ENOMEM";
    case E2BIG: return "E2BIG";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EMEDIUMTYPE: return "EMEDIUMTYPE";
    case ENODEV: return "ENODEV";
    default: snprintf(buf, sizeof buf, "E#%d", e); return buf;
    }
}

static uint32_t fnv(const unsigned char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* Appends, per arena that changed, " w:NAME=LO..HI" (word-rounded, relative to the arena's
 * buffer) and "#hash" when the content is deterministic. */
static void describe_writes(const struct call *c, const struct iovec *iov, char *out, size_t cap)
{
    for (int a = 0; a < NARENAS; a++) {
        const struct arena *ar = &arenas[a];
        long lo = -1, hi = -1;
        for (size_t i = 0; i < ar->size; i++) {
            if (ar->base[i] != canary(i)) {
                if (lo < 0)
                    lo = (long)i;
                hi = (long)i;
            }
        }
        /* The iovec's base is an address: only iov_len is compared, below. */
        if (lo < 0 || (ar->base == iov_arena && c->has_iov))
            continue;
        long rlo = (lo - (long)ar->buf_off), rhi = (hi - (long)ar->buf_off) + 1;
        rlo = rlo >= 0 ? rlo / 8 * 8 : -((-rlo + 7) / 8 * 8);
        rhi = rhi >= 0 ? (rhi + 7) / 8 * 8 : -((-rhi) / 8 * 8);
        size_t len = strlen(out);
        snprintf(out + len, cap - len, " w:%s=%ld..%ld", ar->name, rlo, rhi);
        if (c->content_det) {
            size_t n = (size_t)(hi - lo + 1);
            if (c->hash_prefix && n > (size_t)c->hash_prefix)
                n = (size_t)c->hash_prefix;
            len = strlen(out);
            snprintf(out + len, cap - len, "#%08x", fnv(ar->base + lo, n));
        }
    }
    if (c->has_iov) {
        size_t len = strlen(out);
        snprintf(out + len, cap - len, " iov_len=%ld", (long)iov->iov_len);
        if (iov->iov_base != (void *)c->rt_addr)
            snprintf(out + strlen(out), cap - strlen(out), " iov_base-changed");
    }
}

/* ---------------------------------------------------------------------------------------- */
/* The worker                                                                                */

struct progress {
    volatile long cur;   /* the call being made */
    volatile int phase;  /* 0 setup, 1 call, 2 logged */
    volatile long beats; /* bumped at every phase change */
};
static struct progress *prog;
static long *shm_res; /* the TRACEME child's result */
static int logfd;
static long timeout_ms = 2000;
static long traceme_wait_ms = 1000; /* how long a TRACEME child may take to run on */

static void logline(const char *s) { (void)!write(logfd, s, strlen(s)); }

static void arm(long ms)
{
    struct itimerval t = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
    setitimer(ITIMER_REAL, &t, NULL);
}

static void run_call(uint64_t seed, long i)
{
    char stack_marker;
    struct call c;
    prog->cur = i;
    prog->phase = 0;
    prog->beats++;
    arm(timeout_ms);
    draw_call(seed, i, &c, (long)&stack_marker);
    enum cls cls = c.req ? c.req->cls : C_UNKNOWN;
    char line[1024];
    int n = snprintf(line, sizeof line, "%ld\t%s\t%s\t%s\t%s\t", i, c.reqname,
                     PIDK_NAMES[c.pidk], c.addrk, c.datak);

    pid_t pid;
    if (cls == C_TRACEME) {
        pid = 0;
    } else {
        if (c.pidk < NCHILD_KINDS && targets[c.pidk] == 0) {
            targets[c.pidk] = create_target(c.pidk);
            if (targets[c.pidk] == 0) {
                snprintf(line + n, sizeof line - (size_t)n, "SETUPFAIL %s\n", setup_err);
                logline(line);
                prog->phase = 2;
                return;
            }
        }
        pid = target_pid(c.pidk);
    }
    fill_arenas();
    prepare_inputs(&c);
    if (c.roundtrip) {
        long rt_data = c.data;
        if (cls == C_REGSET_SET)
            do_ptrace(PTRACE_GETREGSET, pid, c.addr, rt_data);
        else if (cls == C_SYSINFO_SET)
            do_ptrace(PTRACE_GET_SYSCALL_INFO, pid, 128, rt_data);
        else
            do_ptrace(c.rt_req, pid, 0, rt_data);
        /* What the GET wrote is the input now (the snapshot below makes it so). */
        if (c.has_iov) {
            struct iovec *iov = (struct iovec *)(iov_arena + PAD);
            iov->iov_base = (void *)c.rt_addr;
            iov->iov_len = (size_t)c.rt_req;
        }
    }
    /* Snapshot the input buffer so that only changes made by the call count. */
    static unsigned char before[NARENAS][ARENA_SIZE];
    for (int a = 0; a < NARENAS; a++)
        memcpy(before[a], arenas[a].base, arenas[a].size);

    long ret;
    int err;
    prog->phase = 1;
    prog->beats++;
    const char *after = "";
    if (cls == C_TRACEME) {
        /* In a child of its own: the result through shared memory (no system call), then a
         * write to a pipe, which must arrive without the tracer waiting (on Linux a TRACEME
         * child runs freely until it execs). */
        volatile long *res = shm_res;
        res[0] = -2, res[1] = 0, res[2] = 0;
        int fds[2] = {-1, -1};
        pid_t p = pipe(fds) == 0 ? fork() : -1;
        if (p == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            errno = EDOM;
            long r = do_ptrace(PTRACE_TRACEME, 0, c.addr, c.data);
            res[1] = errno;
            res[0] = r;
            res[2] = 1;
            char b = 1;
            (void)!write(fds[1], &b, 1);
            for (;;)
                pause();
        }
        if (fds[1] != -1)
            close(fds[1]);
        if (p > 0) {
            struct pollfd pf = {fds[0], POLLIN, 0};
            while (poll(&pf, 1, (int)traceme_wait_ms) == -1 && errno == EINTR)
                ;
            if (!(pf.revents & POLLIN))
                after = res[2] ? " after=blocked-until-waitpid" : " after=blocked-in-traceme";
            int st;
            kill(p, SIGKILL);
            do_wait(p, &st, __WALL);
        }
        if (fds[0] != -1)
            close(fds[0]);
        ret = res[2] ? res[0] : -2;
        err = (int)res[1];
    } else {
        errno = EDOM;
        ret = do_ptrace(c.reqnum, pid, c.addr, c.data);
        err = errno;
    }
    struct iovec iov_after = *(struct iovec *)(iov_arena + PAD);
    /* Changes relative to the snapshot become changes relative to the canary. */
    for (int a = 0; a < NARENAS; a++)
        for (size_t b = 0; b < arenas[a].size; b++)
            if (arenas[a].base[b] == before[a][b])
                arenas[a].base[b] = canary(b);
            else if (arenas[a].base[b] == canary(b))
                arenas[a].base[b] ^= 0xff; /* written with the canary's value: still a write */

    int peek = cls == C_PEEK || cls == C_PEEKUSER;
    if (cls == C_TRACEME && ret == -2)
        n += snprintf(line + n, sizeof line - (size_t)n, "HANG");
    else if (ret == -1 && !(peek && err == 0)) /* a PEEK word of -1 clears errno */
        n += snprintf(line + n, sizeof line - (size_t)n, "%s", err_name(err));
    else if (peek && !c.peek_det)
        n += snprintf(line + n, sizeof line - (size_t)n, "ok ret=word errno=%s",
                      err_name(err));
    else
        n += snprintf(line + n, sizeof line - (size_t)n, "ok ret=%#lx errno=%s", ret,
                      err_name(err));
    describe_writes(&c, &iov_after, line + n, sizeof line - (size_t)n);
    strcat(line, after);
    strcat(line, "\n");
    logline(line);
    prog->phase = 2;
    prog->beats++;
    if (!reads_only(cls) && c.pidk < NCHILD_KINDS && cls != C_TRACEME)
        destroy_target(c.pidk);
    arm(0);
}

/* A worker: calls from..to-1 of the seed, then exit 0. `own_group`: in a process group of its
 * own (the parent kills it, tracees included); not when it runs under a wrapper, whose group
 * the parent kills. */
static int worker_main(uint64_t seed, long from, long to, int own_group)
{
    unsigned char stack_buf[ARENA_SIZE]; /* the stack arena */
    stack_arena = stack_buf;
    arenas[1] = (struct arena){"stack", stack_arena, ARENA_SIZE, PAD};
    shm_res = mmap(NULL, 64, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shm_res == MAP_FAILED)
        return 2;
    if (own_group)
        setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGALRM, SIG_DFL);
    for (long i = from; i < to; i++)
        run_call(seed, i);
    for (int k = 0; k < NCHILD_KINDS; k++)
        destroy_target((enum pidk)k);
    return 0;
}

/* The progress page, shared by the parent and its workers (also across exec). */
static struct progress *map_progress(const char *path, int create)
{
    int fd = open(path, O_RDWR | (create ? O_CREAT | O_TRUNC : 0), 0600);
    if (fd == -1 || (create && ftruncate(fd, 4096) != 0)) {
        perror(path);
        exit(2);
    }
    void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED) {
        perror("fuzz: mmap");
        exit(2);
    }
    return m;
}

static void init_memory(void)
{
    page = (size_t)sysconf(_SC_PAGESIZE);
    static unsigned char stack_like[ARENA_SIZE]; /* replaced by a real stack arena below */
    (void)stack_like;
    heap_arena = malloc(ARENA_SIZE);
    iov_arena = malloc(PAD + sizeof(struct iovec) + PAD);
    args_arena = malloc(PAD + 64 + PAD);
    edge_page = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    pattern = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!heap_arena || !iov_arena || !args_arena || edge_page == MAP_FAILED ||
        pattern == MAP_FAILED) {
        perror("fuzz: memory");
        exit(2);
    }
    mprotect(edge_page + page, page, PROT_NONE);
    for (size_t i = 0; i < page; i++)
        pattern[i] = (unsigned char)(i * 7 + 1);
    mprotect(pattern + page, page, PROT_NONE);
    arenas[0] = (struct arena){"heap", heap_arena, ARENA_SIZE, PAD};
    arenas[2] = (struct arena){"iov", iov_arena, PAD + sizeof(struct iovec) + PAD, PAD};
    arenas[3] = (struct arena){"args", args_arena, PAD + 64 + PAD, PAD};
    arenas[4] = (struct arena){"edge", edge_page + page - EDGE_WATCH, EDGE_WATCH, EDGE_WATCH};
}

static int open_log(const char *path, int truncate)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | (truncate ? O_TRUNC : 0), 0644);
    if (fd == -1) {
        perror(path);
        exit(2);
    }
    return fd;
}

static const char *strsignal_name(int s)
{
    static char buf[16];
    switch (s) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGABRT: return "SIGABRT";
    case SIGILL: return "SIGILL";
    case SIGFPE: return "SIGFPE";
    case SIGKILL: return "SIGKILL";
    case SIGTRAP: return "SIGTRAP";
    case SIGSYS: return "SIGSYS";
    case SIGPIPE: return "SIGPIPE";
    case SIGUSR1: return "SIGUSR1";
    case SIGTERM: return "SIGTERM";
    default: snprintf(buf, sizeof buf, "SIG%d", s); return buf;
    }
}

/* The parent: forks (or, with `wrap`, starts `wrap -- fuzz worker ...`, e.g. under a fresh
 * redox-proc-emu for each worker, so that nothing a dead worker left behind outlives it)
 * a worker per batch and records the crashes and hangs. */
static int run_main(uint64_t seed, long start, long calls, long batch, const char *out,
                    const char *wrap)
{
    logfd = open_log(out, 1);
    char progress_path[4096];
    snprintf(progress_path, sizeof progress_path, "%s.progress", out);
    prog = map_progress(progress_path, 1);
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    char meta[128];
    snprintf(meta, sizeof meta, "# seed %llu start %ld calls %ld %s\n", (unsigned long long)seed,
             start, calls, g_raw ? "raw" : "library");
    logline(meta);
    long i = start, end = start + calls, crashes = 0, hangs = 0, failed_workers = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (i < end) {
        long to = i + batch < end ? i + batch : end;
        prog->cur = i;
        prog->phase = 0;
        pid_t w = fork();
        if (w == -1) {
            perror("fuzz: fork");
            return 2;
        }
        if (w == 0 && !wrap)
            _exit(worker_main(seed, i, to, 1));
        if (w == 0) {
            setpgid(0, 0);
            char self[4096], a[6][32];
            ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
            if (n <= 0)
                _exit(2);
            self[n] = 0;
            snprintf(a[0], 32, "%llu", (unsigned long long)seed);
            snprintf(a[1], 32, "%ld", i);
            snprintf(a[2], 32, "%ld", to);
            snprintf(a[3], 32, "%ld", timeout_ms);
            snprintf(a[4], 32, "%ld", traceme_wait_ms);
            snprintf(a[5], 32, "%d", g_raw);
            execl(wrap, wrap, "--", self, "worker", a[0], a[1], a[2], a[3], a[4], a[5], out,
                  progress_path, (char *)NULL);
            _exit(127);
        }
        int st = 0;
        long last_beats = -1;
        struct timespec quiet;
        clock_gettime(CLOCK_MONOTONIC, &quiet);
        int killed = 0;
        for (;;) {
            pid_t r = raw_wait(w, &st, WNOHANG);
            if (r == w)
                break;
            if (r == -1 && errno != EINTR) {
                perror("fuzz: wait4");
                return 2;
            }
            struct timespec now, nap = {0, 1000000};
            nanosleep(&nap, NULL);
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (prog->beats != last_beats) {
                last_beats = prog->beats;
                quiet = now;
            } else if ((now.tv_sec - quiet.tv_sec) * 1000 +
                           (now.tv_nsec - quiet.tv_nsec) / 1000000 >
                       timeout_ms + 2000) {
                kill(-w, SIGKILL);
                kill(w, SIGKILL);
                killed = 1;
            }
        }
        kill(-w, SIGKILL); /* the tracees it left */
        int zst;
        while (raw_wait(-1, &zst, WNOHANG | __WALL) > 0) /* orphans reparented to us */
            ;
        long cur = prog->cur;
        int phase = prog->phase;
        /* Under a wrapper (redox-proc-emu) a worker killed by signal S is exit 128+S. */
        if (wrap && WIFEXITED(st) && WEXITSTATUS(st) > 128)
            st = WEXITSTATUS(st) - 128; /* a wait status "killed by that signal" */
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && !killed) {
            i = to;
            continue;
        }
        const char *what;
        char sig[24] = "";
        if (killed || (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)) {
            what = "HANG";
            hangs++;
        } else {
            what = "CRASH";
            crashes++;
            if (WIFSIGNALED(st))
                snprintf(sig, sizeof sig, ":%s", strsignal_name(WTERMSIG(st)));
            else
                snprintf(sig, sizeof sig, ":exit%d", WEXITSTATUS(st));
            /* A worker that exits with an error is the harness failing, not the library. */
            if (!WIFSIGNALED(st) && ++failed_workers == 10) {
                fprintf(stderr, "fuzz: 10 workers failed (exit %d); giving up\n",
                        WEXITSTATUS(st));
                return 2;
            }
        }
        struct call c;
        char marker;
        draw_call(seed, cur, &c, (long)&marker);
        char line[512];
        if (phase == 2) {
            /* Died between calls: after the log line of cur. */
            snprintf(line, sizeof line, "# %s%s after call %ld\n", what, sig, cur);
        } else {
            snprintf(line, sizeof line, "%ld\t%s\t%s\t%s\t%s\t%s%s%s\n", cur, c.reqname,
                     PIDK_NAMES[c.pidk], c.addrk, c.datak, phase == 0 ? "SETUP-" : "", what,
                     sig);
        }
        logline(line);
        i = cur + 1;
    }
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    snprintf(meta, sizeof meta, "# done: %ld calls, %ld crashes, %ld hangs, %.1f s\n", calls,
             crashes, hangs, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    logline(meta);
    unlink(progress_path);
    fprintf(stderr, "%s", meta + 2);
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Comparing two logs                                                                        */

/* Mismatch patterns that docs/redox-gaps.md documents: (request, pid kind, addr kind,
 * expected result, got result), NULL = any; a result is the first word of the log's result
 * ("ok", an errno name, CRASH:SIG, HANG) or, when both agree on it, that word and the field
 * that differs ("ok:out", "ok:ret", "ok:errno"). Each names its row of the gap list. */
struct gap {
    const char *req, *pidk, *addrk, *exp, *got, *row;
};
static const struct gap GAPS[] = {
    /* "Requests answered with EIO". For these three Linux's EFAULT and EINVAL come first. */
    {"PEEKSIGINFO", NULL, NULL, "ok", "EIO", "EIO: PTRACE_PEEKSIGINFO"},
    {"GETSIGMASK", NULL, NULL, "ok", "EIO", "EIO: PTRACE_GETSIGMASK, PTRACE_SETSIGMASK"},
    {"SETSIGMASK", NULL, NULL, "ok", "EIO", "EIO: PTRACE_GETSIGMASK, PTRACE_SETSIGMASK"},
    /* A GETSIGMASK buffer cut short by a guard page: the kernel writes the mask's bytes up to
     * it before its EFAULT; the mask is unknown on Redox, so nothing is written. */
    {"GETSIGMASK", NULL, NULL, "EFAULT", "EFAULT:out", "EIO: PTRACE_GETSIGMASK, PTRACE_SETSIGMASK"},
    {"SECCOMP_GET_FILTER", NULL, NULL, NULL, "EIO", "EIO: PTRACE_SECCOMP_GET_*"},
    {"SECCOMP_GET_METADATA", NULL, NULL, NULL, "EIO", "EIO: PTRACE_SECCOMP_GET_*"},
    {"GET_RSEQ_CONFIGURATION", NULL, NULL, NULL, "EIO", "EIO: rseq, syscall user dispatch"},
    {"SET_SYSCALL_USER_DISPATCH_CONFIG", NULL, NULL, NULL, "EIO",
     "EIO: rseq, syscall user dispatch"},
    {"GET_SYSCALL_USER_DISPATCH_CONFIG", NULL, NULL, NULL, "EIO",
     "EIO: rseq, syscall user dispatch"},
    {"GET_THREAD_AREA", NULL, NULL, NULL, "EIO", "EIO: PTRACE_{GET,SET}_THREAD_AREA"},
    {"SET_THREAD_AREA", NULL, NULL, NULL, "EIO", "EIO: PTRACE_{GET,SET}_THREAD_AREA"},
    {"SINGLEBLOCK", NULL, NULL, NULL, "EIO", "EIO: PTRACE_SINGLEBLOCK"},
    {"POKEUSER", NULL, "debugreg7", NULL, "EIO", "EIO: PTRACE_POKEUSER enabling a breakpoint in DR7"},
    /* NT_X86_XSTATE is answered with its x87 and SSE part only (576 bytes). */
    {"GETREGSET", NULL, "NT_X86_XSTATE", "ok", "ok:out", "GETREGSET: NT_X86_XSTATE x87 and SSE only"},
    {"GETREGSET", NULL, "NT_X86_XSTATE", "ok", "ok:iov_len",
     "GETREGSET: NT_X86_XSTATE x87 and SSE only"},
    {"SETREGSET", NULL, "NT_X86_XSTATE", "ok", "ok:iov_len",
     "GETREGSET: NT_X86_XSTATE x87 and SSE only"},
    /* "Behaviours that differ". */
    {"GETSIGINFO", "signal-stop", NULL, "ok", "ok:out",
     "GETSIGINFO: si_code SI_USER and sender 0 at signal stops"},
    /* Crashes and hangs are never matched here: each must be in the known list. */
};
#define NGAPS ((int)(sizeof GAPS / sizeof GAPS[0]))

struct entry {
    char *desc;   /* request \t pid \t addr \t data */
    char *result;
};
struct log {
    long start, n;
    struct entry *e;
    long teardown; /* "# CRASH/HANG after call" lines */
};

static void read_log(const char *path, struct log *lg)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(2);
    }
    memset(lg, 0, sizeof *lg);
    long cap = 0;
    lg->start = -1;
    char *line = NULL;
    size_t lcap = 0;
    while (getline(&line, &lcap, f) != -1) {
        line[strcspn(line, "\n")] = 0;
        if (line[0] == '#') {
            if (strstr(line, " after call "))
                lg->teardown++;
            continue;
        }
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        long i = strtol(line, NULL, 10);
        char *res = tab;
        for (int k = 0; k < 4 && res; k++)
            res = strchr(res + 1, '\t');
        if (!res)
            continue;
        *res = 0;
        if (lg->start < 0)
            lg->start = i;
        long at = i - lg->start;
        if (at < 0)
            continue;
        if (at >= cap) {
            long ncap = cap ? cap * 2 : 4096;
            while (ncap <= at)
                ncap *= 2;
            lg->e = realloc(lg->e, (size_t)ncap * sizeof *lg->e);
            memset(lg->e + cap, 0, (size_t)(ncap - cap) * sizeof *lg->e);
            cap = ncap;
        }
        free(lg->e[at].desc);
        free(lg->e[at].result);
        lg->e[at].desc = strdup(tab + 1);
        lg->e[at].result = strdup(res + 1);
        if (at + 1 > lg->n)
            lg->n = at + 1;
    }
    free(line);
    fclose(f);
}

static void first_word(const char *s, char *out, size_t cap)
{
    size_t n = strcspn(s, " ");
    if (n >= cap)
        n = cap - 1;
    memcpy(out, s, n);
    out[n] = 0;
}

/* The value of field `key=` (or the list of w: fields when key is "w:") in a result. */
static void field(const char *s, const char *key, char *out, size_t cap)
{
    out[0] = 0;
    size_t klen = strlen(key);
    for (const char *p = s; (p = strstr(p, key)); p += klen) {
        if (p != s && p[-1] != ' ')
            continue;
        size_t n = strcspn(p, " ");
        if (strlen(out) + n + 2 < cap) {
            strncat(out, p, n);
            strcat(out, " ");
        }
    }
}

struct cls_count {
    char name[256];
    long count;
    long first;
    const char *row;
    int allowed;
};

static int compare_main(int argc, char **argv)
{
    int strict = 0;
    const char *known = NULL, *paths[2] = {NULL, NULL};
    int np = 0;
    for (int a = 0; a < argc; a++) {
        if (!strcmp(argv[a], "--strict"))
            strict = 1;
        else if (!strcmp(argv[a], "--known") && a + 1 < argc)
            known = argv[++a];
        else if (np < 2)
            paths[np++] = argv[a];
    }
    if (np != 2) {
        fprintf(stderr, "usage: fuzz compare [--strict] [--known FILE] EXPECTED.log GOT.log\n");
        return 2;
    }
    char known_cls[256][256];
    int nknown = 0, known_seen[256] = {0};
    if (known) {
        FILE *f = fopen(known, "r");
        if (!f) {
            perror(known);
            return 2;
        }
        char buf[256];
        while (fgets(buf, sizeof buf, f) && nknown < 256) {
            buf[strcspn(buf, "\n")] = 0;
            char *p = buf;
            while (*p == ' ')
                p++;
            size_t n = strlen(p);
            while (n && p[n - 1] == ' ')
                p[--n] = 0;
            if (*p && *p != '#')
                snprintf(known_cls[nknown++], 256, "%s", p);
        }
        fclose(f);
    }
    struct log ex, got;
    read_log(paths[0], &ex);
    read_log(paths[1], &got);
    if (ex.start != got.start) {
        fprintf(stderr, "fuzz compare: the logs start at different calls (%ld, %ld)\n",
                ex.start, got.start);
        return 2;
    }
    static struct cls_count classes[4096];
    int ncls = 0;
    long compared = 0, matched = 0, crashes = 0, hangs = 0, mismatches = 0, missing = 0;
    long ref_bad = 0;
    for (long at = 0; at < ex.n; at++) {
        struct entry *e = &ex.e[at], *g = at < got.n ? &got.e[at] : NULL;
        if (!e->desc)
            continue;
        if (!g || !g->desc) {
            missing++;
            continue;
        }
        if (strcmp(e->desc, g->desc) != 0) {
            fprintf(stderr, "fuzz compare: call %ld differs in the logs (%s | %s): not the "
                    "same sequence\n", ex.start + at, e->desc, g->desc);
            return 2;
        }
        compared++;
        char et[64], gt[64];
        first_word(e->result, et, sizeof et);
        first_word(g->result, gt, sizeof gt);
        if (strstr(et, "CRASH") || strstr(et, "HANG") || strstr(et, "SETUP"))
            ref_bad++;
        if (strstr(gt, "CRASH"))
            crashes++;
        if (strstr(gt, "HANG"))
            hangs++;
        if (!strcmp(e->result, g->result)) {
            matched++;
            continue;
        }
        mismatches++;
        char req[64], pidk[32], addrk[48];
        sscanf(e->desc, "%63[^\t]\t%31[^\t]\t%47[^\t]", req, pidk, addrk);
        char gotk[96];
        if (strcmp(et, gt) != 0) {
            snprintf(gotk, sizeof gotk, "%s", gt);
        } else {
            static const char *keys[] = {"ret=", "errno=", "w:", "iov_len=", "iov_base",
                                         "after="};
            const char *which = "other";
            static const char *names[] = {"ret", "errno", "out", "iov_len", "out", "after"};
            for (int k = 0; k < 6; k++) {
                char a[512], b[512];
                field(e->result, keys[k], a, sizeof a);
                field(g->result, keys[k], b, sizeof b);
                if (strcmp(a, b)) {
                    which = names[k];
                    break;
                }
            }
            snprintf(gotk, sizeof gotk, "%s:%s", gt, which);
        }
        char name[256];
        snprintf(name, sizeof name, "%s %s->%s", req, et, gotk);
        int c;
        for (c = 0; c < ncls; c++)
            if (!strcmp(classes[c].name, name))
                break;
        if (c == ncls) {
            if (ncls == 4096)
                continue;
            ncls++;
            snprintf(classes[c].name, sizeof classes[c].name, "%s", name);
            classes[c].first = at;
            classes[c].row = NULL;
            int fatal = strstr(gotk, "CRASH") || strstr(gotk, "HANG");
            for (int k = 0; k < NGAPS && !strict && !fatal; k++) {
                const struct gap *gp = &GAPS[k];
                if ((!gp->req || !strcmp(gp->req, req)) &&
                    (!gp->pidk || !strcmp(gp->pidk, pidk)) &&
                    (!gp->addrk || !strncmp(gp->addrk, addrk, strlen(gp->addrk))) &&
                    (!gp->exp || !strcmp(gp->exp, et)) && (!gp->got || !strcmp(gp->got, gotk))) {
                    classes[c].row = gp->row;
                    break;
                }
            }
        }
        /* A class is documented only if every one of its calls matches a gap row. */
        classes[c].count++;
    }
    for (int c = 0; c < ncls; c++)
        for (int k = 0; k < nknown; k++)
            if (!strcmp(classes[c].name, known_cls[k])) {
                classes[c].allowed = 1;
                known_seen[k] = 1;
            }

    printf("calls: %ld compared, %ld identical, %ld missing from %s\n", compared, matched,
           missing, paths[1]);
    printf("crashes: %ld (+%ld between calls), hangs: %ld, mismatches: %ld in %d classes\n",
           crashes, got.teardown, hangs, mismatches, ncls);
    int bad = 0;
    for (int pass = 0; pass < 3; pass++) {
        static const char *title[] = {"documented in docs/redox-gaps.md",
                                      "undocumented, allowed by the known list",
                                      "UNDOCUMENTED (not in the known list)"};
        int any = 0;
        for (int c = 0; c < ncls; c++) {
            int p = classes[c].row ? 0 : classes[c].allowed ? 1 : 2;
            if (p != pass)
                continue;
            if (!any)
                printf("%s:\n", title[pass]);
            any = 1;
            printf("  %-60s %6ld", classes[c].name, classes[c].count);
            if (pass == 0) {
                printf("  [%s]\n", classes[c].row);
                continue;
            }
            struct entry *e = &ex.e[classes[c].first], *g = &got.e[classes[c].first];
            printf("\n      e.g. call %ld: %s\n        expected: %s\n        got:      %s\n",
                   ex.start + classes[c].first, e->desc, e->result, g->result);
            if (pass == 2)
                bad = 1;
        }
    }
    for (int k = 0; k < nknown; k++)
        if (!known_seen[k])
            printf("listed class not seen in this run: %s\n", known_cls[k]);
    if (ref_bad)
        printf("the reference log has %ld crashed, hung or failed calls\n", ref_bad);
    if (strict && (mismatches || crashes || hangs || got.teardown))
        bad = 1;
    if (missing || ref_bad)
        bad = 1;
    if (!strict && got.teardown && !known)
        bad = 1;
    printf("result: %s\n", bad ? "FAIL" : "pass");
    return bad ? 1 : 0;
}

/* ---------------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "compare"))
        return compare_main(argc - 2, argv + 2);
    if (argc == 10 && !strcmp(argv[1], "worker")) {
        /* worker SEED FROM TO TIMEOUT_MS TRACEME_WAIT_MS RAW LOG PROGRESS (from a --wrap run) */
        timeout_ms = atol(argv[5]);
        traceme_wait_ms = atol(argv[6]);
        g_raw = atoi(argv[7]);
        logfd = open_log(argv[8], 0);
        prog = map_progress(argv[9], 0);
        init_memory();
        return worker_main(strtoull(argv[2], NULL, 0), atol(argv[3]), atol(argv[4]), 0);
    }
    if (argc < 2 || strcmp(argv[1], "run") != 0) {
        fprintf(stderr, "usage: fuzz run [--raw] [--seed S] [--calls N] [--start K] "
                        "[--batch B] [--timeout-ms T] [--traceme-wait-ms W] [--wrap PROG] -o LOG\n"
                        "       fuzz compare [--strict] [--known FILE] EXPECTED.log GOT.log\n");
        return 2;
    }
    long seed = 1, calls = 1000, start = 0, batch = 200;
    const char *out = NULL, *wrap = NULL;
    const struct {
        const char *name;
        long *v;
    } opts[] = {{"--seed", &seed},          {"--calls", &calls},
                {"--start", &start},        {"--batch", &batch},
                {"--timeout-ms", &timeout_ms}, {"--traceme-wait-ms", &traceme_wait_ms}};
    for (int a = 2; a < argc; a++) {
        const char *v = a + 1 < argc ? argv[a + 1] : "";
        unsigned o = 0;
        while (o < N(opts) && strcmp(argv[a], opts[o].name) != 0)
            o++;
        if (o < N(opts))
            *opts[o].v = (long)strtoull(v, NULL, 0), a++;
        else if (!strcmp(argv[a], "--raw"))
            g_raw = 1;
        else if (!strcmp(argv[a], "-o"))
            out = v, a++;
        else if (!strcmp(argv[a], "--wrap"))
            wrap = v, a++;
        else {
            fprintf(stderr, "fuzz: unknown argument %s\n", argv[a]);
            return 2;
        }
    }
    if (!out || calls < 0 || batch < 1) {
        fprintf(stderr, "fuzz run: -o LOG is required\n");
        return 2;
    }
    init_memory();
    return run_main((uint64_t)seed, start, calls, batch, out, wrap);
}
