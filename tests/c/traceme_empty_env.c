/* A child that re-executes itself with an empty environment (execve(path, argv, NULL)) and
 * then asks to be traced: its tracer sees it stop, continues it and sees it exit. (Under
 * redox-proc-emu the child has lost REDOX_PROC_EMU and finds the emulator among its
 * ancestors.) */
#include "helpers.h"

int main(int argc, char **argv)
{
    setup();
    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        CHECK(ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0);
        raise(SIGSTOP);
        _exit(7);
    }
    pid_t pid = fork();
    CHECK(pid != -1);
    if (pid == 0) {
        char *args[] = { argv[0], "child", NULL };
        execve("/proc/self/exe", args, NULL);
        _exit(127);
    }
    int status;
    wait_for(pid, &status, 0);
    print_status("stopped itself", status);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    print_status("end", status);
    return 0;
}
