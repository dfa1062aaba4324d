/*
 * The cost of one ptrace(PTRACE_PEEKDATA) call, three ways, on a stopped tracee:
 *
 *   ours   the `ptrace` this program is linked with (libptrace_compat.a, linked before libc)
 *   glibc  glibc's ptrace, found with dlsym(dlopen("libc.so.6"), "ptrace")
 *   raw    syscall(SYS_ptrace, PTRACE_PEEKDATA, pid, addr, &word)
 *
 *   peek time [CALLS [ROUNDS]]   median ns/call of each variant; rounds are interleaved
 *   peek count VARIANT CALLS     exactly CALLS calls of one variant (for callgrind)
 *
 * Build: cc -O2 -I include bench/peek.c target/release/libptrace_compat.a -o peek
 * (scripts/bench.sh does this and runs both modes).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { OURS, GLIBC, RAW, NVARIANTS };
static const char *const variant_names[NVARIANTS] = { "ours", "glibc", "raw" };

/* The word the tracee holds at the same address as here (it is a fork of this process). */
static const long target_word = 0x1234567890abcdefL;

static long (*glibc_ptrace)(int, ...);
static pid_t tracee;

/* `calls` PEEKDATA calls of `variant`; exits on a wrong word. */
static void peek(int variant, long calls)
{
    void *addr = (void *)&target_word;
    long word = 0;
    for (long i = 0; i < calls; i++) {
        switch (variant) {
        case OURS:
            word = ptrace(PTRACE_PEEKDATA, tracee, addr, 0);
            break;
        case GLIBC:
            word = glibc_ptrace(PTRACE_PEEKDATA, tracee, addr, 0);
            break;
        default:
            if (syscall(SYS_ptrace, PTRACE_PEEKDATA, tracee, addr, &word) != 0)
                word = -1;
            break;
        }
        if (word != target_word) {
            fprintf(stderr, "peek: %s read %#lx: %s\n", variant_names[variant], word,
                    strerror(errno));
            kill(tracee, SIGKILL);
            exit(1);
        }
    }
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void time_variants(long calls, int rounds)
{
    double *ns = calloc((size_t)rounds * NVARIANTS, sizeof *ns);
    if (!ns) {
        perror("peek: calloc");
        exit(1);
    }
    peek(OURS, calls / 10); /* warm up caches and branch predictors */
    peek(GLIBC, calls / 10);
    peek(RAW, calls / 10);
    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < NVARIANTS; k++) {
            int v = (r + k) % NVARIANTS; /* rotate the order from round to round */
            double start = now_ns();
            peek(v, calls);
            ns[v * rounds + r] = (now_ns() - start) / (double)calls;
        }
    }
    double median[NVARIANTS];
    printf("%ld calls per round, %d rounds; median of the rounds, ns/call\n", calls, rounds);
    for (int v = 0; v < NVARIANTS; v++) {
        qsort(&ns[v * rounds], (size_t)rounds, sizeof *ns, cmp_double);
        median[v] = ns[v * rounds + rounds / 2];
        printf("  %-6s %8.1f   (min %.1f, max %.1f)\n", variant_names[v], median[v],
               ns[v * rounds], ns[v * rounds + rounds - 1]);
    }
    printf("  ours/raw   %.3f\n  ours/glibc %.3f\n", median[OURS] / median[RAW],
           median[OURS] / median[GLIBC]);
    free(ns);
}

static void usage(void)
{
    fprintf(stderr, "usage: peek time [CALLS [ROUNDS]]\n"
                    "       peek count ours|glibc|raw CALLS\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int variant = -1;
    long calls = 20000;
    int rounds = 31;
    if (argc >= 2 && strcmp(argv[1], "time") == 0 && argc <= 4) {
        if (argc >= 3)
            calls = atol(argv[2]);
        if (argc >= 4)
            rounds = atoi(argv[3]);
    } else if (argc == 4 && strcmp(argv[1], "count") == 0) {
        for (int v = 0; v < NVARIANTS; v++)
            if (strcmp(argv[2], variant_names[v]) == 0)
                variant = v;
        calls = atol(argv[3]);
        if (variant < 0)
            usage();
    } else {
        usage();
    }
    if (calls <= 0 || rounds <= 0)
        usage();

    void *libc = dlopen("libc.so.6", RTLD_NOW);
    if (libc)
        *(void **)&glibc_ptrace = dlsym(libc, "ptrace"); /* POSIX's idiom for dlsym */
    if (!glibc_ptrace) {
        fprintf(stderr, "peek: glibc's ptrace: %s\n", dlerror());
        return 1;
    }
    if (glibc_ptrace == ptrace) {
        fprintf(stderr, "peek: `ptrace` is glibc's: link libptrace_compat.a before libc\n");
        return 1;
    }

    tracee = fork();
    if (tracee < 0) {
        perror("peek: fork");
        return 1;
    }
    if (tracee == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        _exit(0);
    }
    int status;
    if (waitpid(tracee, &status, 0) != tracee || !WIFSTOPPED(status)) {
        fprintf(stderr, "peek: the tracee did not stop\n");
        return 1;
    }

    if (variant < 0)
        time_variants(calls, rounds);
    else
        peek(variant, calls);

    kill(tracee, SIGKILL);
    waitpid(tracee, &status, 0);
    return 0;
}
