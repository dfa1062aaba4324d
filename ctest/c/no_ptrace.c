/* Run against the Redox backend where no proc: trace handle exists (a current Redox, or the
 * redox-emulator build without redox-proc-emu): every ptrace request fails at once with
 * -1/ENOSYS, and waitpid still reaps ordinary children. */
#include "helpers.h"

int main(void)
{
    setup();
    pid_t child = fork();
    CHECK(child != -1);
    if (child == 0) {
        pause();
        _exit(0);
    }
    long word = 0;
    EXPECT_ERR("TRACEME", ptrace(PTRACE_TRACEME, 0, NULL, NULL));
    EXPECT_ERR("ATTACH", ptrace(PTRACE_ATTACH, child, NULL, NULL));
    EXPECT_ERR("SEIZE", ptrace(PTRACE_SEIZE, child, NULL, NULL));
    EXPECT_ERR("PEEKDATA", ptrace(PTRACE_PEEKDATA, child, &word, NULL));
    EXPECT_ERR("CONT", ptrace(PTRACE_CONT, child, NULL, NULL));
    EXPECT_ERR("GETREGS NULL", ptrace(PTRACE_GETREGS, child, NULL, NULL));
    EXPECT_ERR("request 20", ptrace(20, child, NULL, NULL));
    EXPECT_ERR("pid -1", ptrace(PTRACE_CONT, -1, NULL, NULL));
    kill(child, SIGTERM);
    int status;
    CHECK(waitpid(child, &status, 0) == child);
    print_status("plain child", status);
    EXPECT_ERR("waitpid with no child", waitpid(-1, &status, WNOHANG));
    return 0;
}
