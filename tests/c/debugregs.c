/* The debug-register writes a debugger makes without setting a hardware breakpoint: gdb
 * writes DR7 = 0 and DR6 = 0 into every new fork child and thread it traces
 * (x86-linux-dregs.c), and stores addresses in DR0..DR3 before it enables them in DR7.
 * Linux accepts each, and PEEKUSER reads the values back (arch/x86/kernel/ptrace.c
 * ptrace_set_debugreg / ptrace_get_debugreg: DR6 as written, DR4/DR5 refused with EIO).
 * Enabling a breakpoint in DR7 is left out: a system without debug registers refuses it.
 * On aarch64 the same through a watchpoint slot of NT_ARM_HW_WATCH. */
#include "helpers.h"

#include <stddef.h>
#include <sys/user.h>

static long watched;

static void stop_here(void)
{
    raise(SIGSTOP);
    watched = 1;
    _exit(0);
}

#if defined(__x86_64__)
#define DR(i) ((void *)(offsetof(struct user, u_debugreg) + (i) * sizeof(long)))

static void poke_peek(pid_t pid, int i, unsigned long value)
{
    errno = 0;
    long r = ptrace(PTRACE_POKEUSER, pid, DR(i), (void *)value);
    printf("POKEUSER DR%d = %s -> %ld%s%s", i, value ? "an address" : "0", r, r ? " " : "",
           r ? errno_name(errno) : "");
    errno = 0;
    long v = ptrace(PTRACE_PEEKUSER, pid, DR(i), NULL);
    printf(", reads back: %s\n", errno == 0 && (unsigned long)v == value ? "yes" : "no");
}
#elif defined(__aarch64__)
#include <asm/ptrace.h>

/* arm64 has no debug-register USER area: gdb (aarch64-linux-hw-point.c) writes watchpoint
 * slots through the NT_ARM_HW_WATCH regset, an address with a disabled control word first. */
static void set_watch(pid_t pid, unsigned long addr)
{
    struct user_hwdebug_state st;
    memset(&st, 0, sizeof st);
    struct iovec iov = {&st, sizeof st};
    CHECK(ptrace(PTRACE_GETREGSET, pid, (void *)NT_ARM_HW_WATCH, &iov) == 0);
    st.dbg_regs[0].addr = addr;
    st.dbg_regs[0].ctrl = 0;
    iov.iov_len = offsetof(struct user_hwdebug_state, dbg_regs[1]);
    errno = 0;
    long r = ptrace(PTRACE_SETREGSET, pid, (void *)NT_ARM_HW_WATCH, &iov);
    printf("SETREGSET NT_ARM_HW_WATCH slot 0 = %s, disabled -> %ld%s%s", addr ? "an address" : "0",
           r, r ? " " : "", r ? errno_name(errno) : "");
    memset(&st, 0xee, sizeof st);
    iov.iov_len = sizeof st;
    CHECK(ptrace(PTRACE_GETREGSET, pid, (void *)NT_ARM_HW_WATCH, &iov) == 0);
    printf(", address reads back: %s, enabled: %u\n", st.dbg_regs[0].addr == addr ? "yes" : "no",
           st.dbg_regs[0].ctrl & 1);
}
#endif

int main(void)
{
    setup();
    pid_t pid = fork_traced(stop_here);
    int status;
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    print_status("stopped", status);
#if defined(__x86_64__)
    poke_peek(pid, 7, 0);
    poke_peek(pid, 6, 0);
    poke_peek(pid, 0, (unsigned long)&watched);
    poke_peek(pid, 3, (unsigned long)&watched);
    poke_peek(pid, 0, 0);
    poke_peek(pid, 3, 0);
    EXPECT_ERR("POKEUSER DR5", ptrace(PTRACE_POKEUSER, pid, DR(5), NULL));
#elif defined(__aarch64__)
    set_watch(pid, (unsigned long)&watched);
    set_watch(pid, 0);
#else
    printf("x86 debug registers: not on this architecture\n");
#endif
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    print_status("end", status);
    return 0;
}
