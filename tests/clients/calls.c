/* A call chain and a loop over a global, for gdb's break/bt/finish/next/step/stepi and
 * watchpoints, and for strace's single-process scenarios. Prints one line, exits with 4. */
#include <stdio.h>

int total;

static int square(int x)
{
    int r = x * x;
    return r;
}

static int sum_squares(int n)
{
    int s = 0;
    for (int i = 1; i <= n; i++) {
        s += square(i);
        total = s;
    }
    return s;
}

int main(void)
{
    int n = 3;
    int s = sum_squares(n);
    printf("sum of squares to %d: %d\n", n, s);
    return s == 14 ? 4 : 1;
}
