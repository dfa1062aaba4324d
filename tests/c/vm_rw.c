/* process_vm_readv / process_vm_writev on a stopped tracee, as a tracer uses them for bulk
 * memory (process_vm_readv(2)): remote ranges scattered into local buffers and back across a
 * page boundary, a partial read that stops at an unmapped remote range, and the errors
 * (EFAULT for a first remote range that is not mapped, EINVAL for flags or too many
 * elements). */
#include "helpers.h"

#include <sys/mman.h>
#include <sys/uio.h>

static char *area;

static void tracee(void)
{
    raise(SIGSTOP);
    _exit(0);
}

int main(void)
{
    setup();
    /* Two pages with a recognisable pattern, then an unmapped page (same in the fork). */
    area = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(area != MAP_FAILED);
    CHECK(munmap(area + 2 * 4096, 4096) == 0);
    for (int i = 0; i < 2 * 4096; i++)
        area[i] = (char)(i * 7 + 3);
    pid_t pid = fork_traced(tracee);
    int status;
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    wait_for(pid, &status, 0);
    print_status("tracee", status);
    for (int i = 0; i < 2 * 4096; i++)
        area[i] = 0; /* only the tracee's copy keeps the pattern */

    char a[100], b[3000];
    struct iovec local[2] = {{a, sizeof a}, {b, sizeof b}};
    struct iovec remote[1] = {{area + 4000, sizeof a + sizeof b}};
    ssize_t n = process_vm_readv(pid, local, 2, remote, 1, 0);
    int same = 1;
    for (size_t i = 0; i < sizeof a + sizeof b; i++) {
        char want = (char)((4000 + i) * 7 + 3);
        if ((i < sizeof a ? a[i] : b[i - sizeof a]) != want)
            same = 0;
    }
    printf("readv across a page into two buffers: %zd, right bytes: %s\n", n, same ? "yes" : "no");

    struct iovec two[2] = {{area + 100, 50}, {area + 2 * 4096, 50}};
    struct iovec one[1] = {{b, 100}};
    printf("readv whose second range is unmapped: %zd\n", process_vm_readv(pid, one, 1, two, 2, 0));
    struct iovec unmapped[1] = {{area + 2 * 4096, 8}};
    errno = 0;
    n = process_vm_readv(pid, one, 1, unmapped, 1, 0);
    printf("readv of an unmapped range: %zd %s\n", n, n < 0 ? errno_name(errno) : "");
    errno = 0;
    n = process_vm_readv(pid, one, 1, remote, 1, 1);
    printf("readv with flags 1: %zd %s\n", n, n < 0 ? errno_name(errno) : "");
    errno = 0;
    n = process_vm_readv(pid, one, 1, remote, 1025, 0);
    printf("readv with 1025 remote ranges: %zd %s\n", n, n < 0 ? errno_name(errno) : "");

    memcpy(a, "written by process_vm_writev", 29);
    struct iovec src[1] = {{a, 29}};
    struct iovec dst[1] = {{area + 4090, 29}};
    n = process_vm_writev(pid, src, 1, dst, 1, 0);
    printf("writev across a page: %zd\n", n);
    char back[32] = {0};
    for (int i = 0; i < 4; i++) {
        errno = 0;
        long w = ptrace(PTRACE_PEEKDATA, pid, area + 4090 + 8 * i, NULL);
        memcpy(back + 8 * i, &w, i == 3 ? 5 : 8);
    }
    printf("read back with PEEKDATA: %s\n", back);
    kill_and_reap(pid);
    return 0;
}
