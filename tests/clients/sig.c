/* Raises SIGUSR1 at itself, which its handler records. Exits 3 when the handler ran, 4 when the
 * signal was not delivered (gdb's `signal 0`). */
#include <signal.h>
#include <stdio.h>

static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
    (void)sig;
    handled = 1;
}

int main(void)
{
    signal(SIGUSR1, on_usr1);
    raise(SIGUSR1);
    printf("handled: %d\n", (int)handled);
    return handled ? 3 : 4;
}
