/* A long-running program to attach to: writes its pid to the file argv[1] once it is about to
 * wait, then waits in pause() inside wait_here() until killed. */
#include <stdio.h>
#include <unistd.h>

static void wait_here(void)
{
    for (;;)
        pause();
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    FILE *f = fopen(argv[1], "w");
    if (!f)
        return 1;
    fprintf(f, "%d\n", (int)getpid());
    fclose(f);
    wait_here();
}
