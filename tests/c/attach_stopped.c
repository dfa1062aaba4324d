/* PTRACE_ATTACH to a child already in a job-control stop (it took SIGSTOP, its parent saw
 * it with WUNTRACED): Linux reports the attach as a group-stop (status 0x137f, and
 * PTRACE_GETSIGINFO fails with EINVAL: ptrace(2) "Group-stop", kernel/ptrace.c
 * ptrace_attach sets JOBCTL_TRAP_STOP for a stopped task); restarted, it then takes the
 * attach's own SIGSTOP (a signal-delivery-stop), and runs on from there. */
#include "helpers.h"

static void stop_then_exit(void)
{
    raise(SIGSTOP);
    _exit(6);
}

int main(void)
{
    setup();
    pid_t pid = fork();
    CHECK(pid != -1);
    if (pid == 0)
        stop_then_exit();
    int status;
    CHECK(waitpid(pid, &status, WUNTRACED) == pid);
    print_status("untraced child", status);
    CHECK(ptrace(PTRACE_ATTACH, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    print_status("after ATTACH", status);
    siginfo_t si;
    errno = 0;
    long r = ptrace(PTRACE_GETSIGINFO, pid, NULL, &si);
    printf("GETSIGINFO -> %ld %s\n", r, r ? errno_name(errno) : "");
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    print_status("after CONT", status);
    errno = 0;
    r = ptrace(PTRACE_GETSIGINFO, pid, NULL, &si);
    printf("GETSIGINFO -> %ld%s, si_signo %s\n", r, r ? errno_name(errno) : "",
           r ? "-" : sig_name(si.si_signo));
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    print_status("end", status);
    return 0;
}
