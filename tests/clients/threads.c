/* Two threads that park in pause(); main waits until both have started, lets them reach
 * pause(), calls all_started() (where gdb stops), then cancels and joins them one after the
 * other (so they end before the process does) and exits 4, printing nothing more: gdb reports
 * the thread exits when it notices them, which output of the program would race with. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static atomic_int started;

static void *worker(void *arg)
{
    (void)arg;
    atomic_fetch_add(&started, 1);
    for (;;)
        pause();
    return NULL;
}

static void all_started(int n)
{
    printf("%d threads started\n", n);
    fflush(stdout);
}

int main(void)
{
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    while (atomic_load(&started) < 2)
        usleep(1000);
    struct timespec settle = {0, 200 * 1000 * 1000};
    nanosleep(&settle, NULL);
    all_started(atomic_load(&started));
    for (int i = 0; i < 2; i++) {
        pthread_cancel(t[i]);
        pthread_join(t[i], NULL);
    }
    return 4;
}
