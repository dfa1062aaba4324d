/* fork (the child waits 0.1 s, runs child_work and exits 2; the parent waits for it), then an exec of this
 * program with the argument "exec", which raises SIGUSR1 at itself (handled) and exits 4. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_usr1(int sig)
{
    got = sig;
}

static int child_work(int x)
{
    return x + 1;
}

static void after_exec(void)
{
    signal(SIGUSR1, on_usr1);
    raise(SIGUSR1);
    printf("after exec: got signal %d\n", (int)got);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "exec") == 0) {
        after_exec();
        return 4;
    }
    pid_t pid = fork();
    if (pid == 0) {
        /* Gives the parent the time to reach waitpid, where gdb then finds it. */
        usleep(100 * 1000);
        _exit(child_work(1));
    }
    int status = 0;
    waitpid(pid, &status, 0);
    printf("child exited with %d\n", WEXITSTATUS(status));
    fflush(stdout);
    execl(argv[0], argv[0], "exec", (char *)NULL);
    perror("execl");
    return 1;
}
