/* Memory and USER-area words: PEEKTEXT/PEEKDATA/PEEKUSER, POKETEXT/POKEDATA/POKEUSER.
 *
 * Checks (ptrace(2) PTRACE_PEEKTEXT/PEEKDATA, PEEKUSER, POKETEXT/POKEDATA, POKEUSER and
 * "C library/kernel differences"; parity spec §1.3 (the wrapper returns the word and sets
 * errno to 0), §1.5 rows PEEK and POKE, §1.7 "struct user offsets", §4 checklist):
 *  - PEEKTEXT and PEEKDATA return known words of the child, a word holding -1 comes back as
 *    -1 with errno 0, and a successful PEEK clears a stale errno;
 *  - unaligned addresses work on x86, a word straddling the end of a mapping and address 8
 *    fail with EIO for PEEK and POKE;
 *  - POKEDATA changes what the child reads; POKETEXT writes through read-only text: a
 *    changed immediate changes a function's return value, an int3 stops the child with
 *    SIGTRAP and rip one past it; the tracer's own copy of the text is unchanged;
 *  - PEEKUSER at struct user offsets: registers, debug registers (0, except DR6 which reads
 *    its reserved bits 0xffff0ff0 on current kernels), offsets past glibc's
 *    struct user up to the kernel's 928 read 0; misaligned or too large -> EIO;
 *  - POKEUSER writes rax, rip and DR0 (read back); DR4, cs = 0, non-canonical fs_base,
 *    misaligned and out-of-range offsets -> EIO;
 *  - PEEKDATA on a running tracee -> ESRCH;
 *  - aarch64: the same data words; POKETEXT patches a movz immediate and puts a brk #0
 *    (which stops with pc at the brk) over pp_bp; PEEKUSER/POKEUSER -> EIO (no USER area). */
#include "helpers.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/user.h>

#ifdef __x86_64__

/* Two tiny functions with known bytes: "movl $imm, %eax; ret" = b8 imm32 c3. */
__asm__(".text\n"
        ".p2align 4\n"
        ".globl pp_imm\n"
        ".type pp_imm, @function\n"
        "pp_imm:\n"
        "    movl $7, %eax\n"
        "    ret\n"
        ".size pp_imm, .-pp_imm\n"
        ".p2align 4\n"
        ".globl pp_bp\n"
        ".type pp_bp, @function\n"
        "pp_bp:\n"
        "    movl $5, %eax\n"
        "    ret\n"
        ".size pp_bp, .-pp_bp\n");

#elif defined(__aarch64__)

/* The same on arm64: "mov w0, #imm; ret" = movz (0x52800000 | imm << 5) then 0xd65f03c0. */
__asm__(".text\n"
        ".p2align 4\n"
        ".globl pp_imm\n"
        ".type pp_imm, %function\n"
        "pp_imm:\n"
        "    mov w0, #7\n"
        "    ret\n"
        ".size pp_imm, .-pp_imm\n"
        ".p2align 4\n"
        ".globl pp_bp\n"
        ".type pp_bp, %function\n"
        "pp_bp:\n"
        "    mov w0, #5\n"
        "    ret\n"
        ".size pp_bp, .-pp_bp\n");
#endif

#if defined(__x86_64__) || defined(__aarch64__)

extern int pp_imm(void);
extern int pp_bp(void);

static volatile unsigned long words[4] = {0x1122334455667788UL, (unsigned long)-1L,
                                          0x0102030405060708UL, 0xa5a5a5a5a5a5a5a5UL};
static volatile unsigned long seen_poke;
static volatile int ret_imm;
static unsigned char *edge_page; /* 1 page mapped, the next one unmapped */
static const unsigned long newval = 0xdeadbeefcafef00dUL;

static void child(void)
{
    int (*volatile f_imm)(void) = pp_imm;
    int (*volatile f_bp)(void) = pp_bp;
    seen_poke = words[2];
    ret_imm = f_imm();
    _exit(f_bp());
}

/* PEEK with a stale errno; prints nothing, returns the value and errno. */
static long peek(int req, pid_t pid, unsigned long addr, int *err)
{
    errno = EINTR;
    long v = ptrace(req, pid, (void *)addr, NULL);
    *err = errno;
    return v;
}

static const char *yesno(int c)
{
    return c ? "yes" : "no";
}

/* Maps the edge page and starts the child (stopped). */
static pid_t start(long *page)
{
    *page = sysconf(_SC_PAGESIZE);
    edge_page = mmap(NULL, 2 * *page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(edge_page != MAP_FAILED);
    CHECK(munmap(edge_page + *page, *page) == 0);
    memset(edge_page, 0x5a, *page);
    return fork_traced(child);
}

/* At the breakpoint in pp_bp: what the child saw of the POKEs. */
static void after_breakpoint(pid_t pid)
{
    int err;
    long v = peek(PTRACE_PEEKDATA, pid, (unsigned long)&seen_poke, &err);
    printf("child read the POKEDATA value: %s\n", yesno((unsigned long)v == newval));
    v = peek(PTRACE_PEEKDATA, pid, (unsigned long)&ret_imm, &err);
    printf("patched pp_imm returned in the child: %d\n", (int)v);
    printf("pp_imm in the tracer still returns: %d\n", pp_imm());
}

/* Resumes the child past the breakpoint to its end (exit code: pp_bp's return value). */
static void run_to_end(pid_t pid)
{
    int status;
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    EXPECT_ERR("PEEKDATA on a running tracee", ptrace(PTRACE_PEEKDATA, pid, (void *)&words[0], NULL));
    wait_for(pid, &status, 0);
    print_status("end (pp_bp's return value)", status);
    kill_and_reap(pid);
}

/* The data words: PEEKTEXT/PEEKDATA/POKEDATA, the same on every arch. */
static void data_words(pid_t pid, long page)
{
    int err;
    long v;

    /* --- PEEKTEXT / PEEKDATA --- */
    v = peek(PTRACE_PEEKDATA, pid, (unsigned long)&words[0], &err);
    printf("PEEKDATA word 0 is the known value: %s, errno %s\n",
           yesno((unsigned long)v == 0x1122334455667788UL), errno_name(err));
    v = peek(PTRACE_PEEKTEXT, pid, (unsigned long)&words[0], &err);
    printf("PEEKTEXT of the same word: %s, errno %s\n", yesno((unsigned long)v == 0x1122334455667788UL),
           errno_name(err));
    v = peek(PTRACE_PEEKDATA, pid, (unsigned long)&words[1], &err);
    printf("PEEKDATA of a word holding -1: returns %ld, errno %s\n", v, errno_name(err));
    v = peek(PTRACE_PEEKDATA, pid, (unsigned long)&words[0] + 1, &err);
    printf("PEEKDATA one byte into word 0: %#lx, errno %s\n", (unsigned long)v, errno_name(err));
    v = peek(PTRACE_PEEKDATA, pid, (unsigned long)(edge_page + page - 8), &err);
    printf("last full word of a mapping: %#lx, errno %s\n", (unsigned long)v, errno_name(err));
    EXPECT_ERR("PEEKDATA straddling the end of a mapping",
               ptrace(PTRACE_PEEKDATA, pid, (void *)(edge_page + page - 4), NULL));
    EXPECT_ERR("PEEKDATA at address 8", ptrace(PTRACE_PEEKDATA, pid, (void *)8, NULL));
    EXPECT_ERR("PEEKTEXT at address 8", ptrace(PTRACE_PEEKTEXT, pid, (void *)8, NULL));

    /* --- POKEDATA --- */
    CHECK(ptrace(PTRACE_POKEDATA, pid, (void *)&words[2], (void *)newval) == 0);
    v = peek(PTRACE_PEEKDATA, pid, (unsigned long)&words[2], &err);
    printf("POKEDATA then PEEKDATA reads the new word: %s\n", yesno((unsigned long)v == newval));
    printf("tracer's own copy unchanged: %s\n", yesno(words[2] == 0x0102030405060708UL));
    unsigned long neg = (unsigned long)-1L;
    CHECK(ptrace(PTRACE_POKEDATA, pid, (void *)&words[3], (void *)neg) == 0);
    v = peek(PTRACE_PEEKDATA, pid, (unsigned long)&words[3], &err);
    printf("POKEDATA -1 reads back as %ld, errno %s\n", v, errno_name(err));
    EXPECT_ERR("POKEDATA at address 8", ptrace(PTRACE_POKEDATA, pid, (void *)8, (void *)newval));
    EXPECT_ERR("POKETEXT at address 8", ptrace(PTRACE_POKETEXT, pid, (void *)8, (void *)newval));
    EXPECT_ERR("POKEDATA straddling the end of a mapping",
               ptrace(PTRACE_POKEDATA, pid, (void *)(edge_page + page - 4), (void *)newval));
}

#endif

#ifdef __x86_64__

#define OFF(field) ((unsigned long)offsetof(struct user, field))

int main(void)
{
    setup();
    long page;
    pid_t pid = start(&page);
    int err;
    long v;
    data_words(pid, page);

    /* --- POKETEXT into read-only text --- */
    unsigned long imm_addr = (unsigned long)pp_imm;
    unsigned long text = (unsigned long)peek(PTRACE_PEEKTEXT, pid, imm_addr, &err);
    printf("PEEKTEXT of pp_imm: movl opcode %s, immediate %lu, ret %s\n",
           yesno((text & 0xff) == 0xb8), (text >> 8) & 0xffffffffUL, yesno(((text >> 40) & 0xff) == 0xc3));
    unsigned long patched = (text & ~0xff00UL) | (42UL << 8);
    CHECK(ptrace(PTRACE_POKETEXT, pid, (void *)imm_addr, (void *)patched) == 0);
    v = peek(PTRACE_PEEKTEXT, pid, imm_addr, &err);
    printf("POKETEXT into read-only text reads back: %s\n", yesno((unsigned long)v == patched));

    unsigned long bp_addr = (unsigned long)pp_bp;
    unsigned long bp_orig = (unsigned long)peek(PTRACE_PEEKTEXT, pid, bp_addr, &err);
    CHECK(err == 0);
    unsigned long bp_word = (bp_orig & ~0xffUL) | 0xcc;
    CHECK(ptrace(PTRACE_POKETEXT, pid, (void *)bp_addr, (void *)bp_word) == 0);

    /* --- PEEKUSER --- */
    struct user_regs_struct regs;
    CHECK(ptrace(PTRACE_GETREGS, pid, NULL, &regs) == 0);
    int all_match = 1;
    for (unsigned long off = 0; off < sizeof regs; off += 8) {
        v = peek(PTRACE_PEEKUSER, pid, off, &err);
        if (err != 0 || (unsigned long)v != ((unsigned long *)&regs)[off / 8])
            all_match = 0;
    }
    printf("PEEKUSER of the 27 regs words equals GETREGS: %s\n", yesno(all_match));
    v = peek(PTRACE_PEEKUSER, pid, OFF(regs.rip), &err);
    printf("PEEKUSER regs.rip (%#lx) equals GETREGS rip: %s\n", OFF(regs.rip),
           yesno((unsigned long)v == regs.rip));
    v = peek(PTRACE_PEEKUSER, pid, OFF(regs.orig_rax), &err);
    printf("PEEKUSER regs.orig_rax (%#lx) equals GETREGS orig_rax: %s\n", OFF(regs.orig_rax),
           yesno((unsigned long)v == regs.orig_rax));
    v = peek(PTRACE_PEEKUSER, pid, OFF(regs.cs), &err);
    printf("PEEKUSER regs.cs (%#lx): %#lx\n", OFF(regs.cs), (unsigned long)v);
    v = peek(PTRACE_PEEKUSER, pid, OFF(regs.ss), &err);
    printf("PEEKUSER regs.ss (%#lx): %#lx\n", OFF(regs.ss), (unsigned long)v);
    for (int i = 0; i < 8; i++) {
        v = peek(PTRACE_PEEKUSER, pid, OFF(u_debugreg[i]), &err);
        printf("PEEKUSER u_debugreg[%d] (%#lx): %#lx, errno %s\n", i, OFF(u_debugreg[i]),
               (unsigned long)v, errno_name(err));
    }
    v = peek(PTRACE_PEEKUSER, pid, OFF(u_fpvalid), &err);
    printf("PEEKUSER u_fpvalid (%#lx): %ld, errno %s\n", OFF(u_fpvalid), v, errno_name(err));
    printf("sizeof(struct user) = %zu\n", sizeof(struct user));
    v = peek(PTRACE_PEEKUSER, pid, sizeof(struct user), &err);
    printf("PEEKUSER at sizeof(struct user): %ld, errno %s\n", v, errno_name(err));
    v = peek(PTRACE_PEEKUSER, pid, 920, &err);
    printf("PEEKUSER at 920: %ld, errno %s\n", v, errno_name(err));
    EXPECT_ERR("PEEKUSER at 928", ptrace(PTRACE_PEEKUSER, pid, (void *)928, NULL));
    EXPECT_ERR("PEEKUSER at 4096", ptrace(PTRACE_PEEKUSER, pid, (void *)4096, NULL));
    EXPECT_ERR("PEEKUSER at 3 (misaligned)", ptrace(PTRACE_PEEKUSER, pid, (void *)3, NULL));
    EXPECT_ERR("PEEKUSER at regs.rip + 4", ptrace(PTRACE_PEEKUSER, pid, (void *)(OFF(regs.rip) + 4), NULL));
    EXPECT_ERR("PEEKUSER at -8", ptrace(PTRACE_PEEKUSER, pid, (void *)-8L, NULL));

    /* --- POKEUSER --- */
    unsigned long val = 0x1234;
    CHECK(ptrace(PTRACE_POKEUSER, pid, (void *)OFF(regs.rax), (void *)val) == 0);
    v = peek(PTRACE_PEEKUSER, pid, OFF(regs.rax), &err);
    printf("POKEUSER regs.rax then PEEKUSER: %#lx\n", (unsigned long)v);
    CHECK(ptrace(PTRACE_POKEUSER, pid, (void *)OFF(regs.rax), (void *)regs.rax) == 0);
    unsigned long dr0 = (unsigned long)&words[0];
    unsigned long zero = 0;
    /* A system without debug registers refuses this; the rest of the program still runs. */
    errno = 0;
    if (ptrace(PTRACE_POKEUSER, pid, (void *)OFF(u_debugreg[0]), (void *)dr0) == 0) {
        v = peek(PTRACE_PEEKUSER, pid, OFF(u_debugreg[0]), &err);
        printf("POKEUSER DR0 = &words[0] reads back: %s\n", yesno((unsigned long)v == dr0));
        CHECK(ptrace(PTRACE_POKEUSER, pid, (void *)OFF(u_debugreg[0]), (void *)zero) == 0);
    } else {
        printf("POKEUSER DR0 = &words[0] -> -1 %s\n", errno_name(errno));
    }
    EXPECT_ERR("POKEUSER DR4", ptrace(PTRACE_POKEUSER, pid, (void *)OFF(u_debugreg[4]), (void *)zero));
    EXPECT_ERR("POKEUSER cs = 0", ptrace(PTRACE_POKEUSER, pid, (void *)OFF(regs.cs), (void *)zero));
    unsigned long noncanon = 0x8000000000000000UL;
    EXPECT_ERR("POKEUSER fs_base non-canonical",
               ptrace(PTRACE_POKEUSER, pid, (void *)OFF(regs.fs_base), (void *)noncanon));
    EXPECT_ERR("POKEUSER at 3 (misaligned)", ptrace(PTRACE_POKEUSER, pid, (void *)3, (void *)zero));
    EXPECT_ERR("POKEUSER at u_fpvalid", ptrace(PTRACE_POKEUSER, pid, (void *)OFF(u_fpvalid), (void *)zero));
    EXPECT_ERR("POKEUSER at 928", ptrace(PTRACE_POKEUSER, pid, (void *)928, (void *)zero));
    v = peek(PTRACE_PEEKUSER, pid, OFF(regs.cs), &err);
    printf("cs unchanged after the failed POKEUSER: %#lx\n", (unsigned long)v);

    /* --- run into the int3 --- */
    long opts = PTRACE_O_EXITKILL;
    CHECK(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) == 0);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    int status;
    wait_for(pid, &status, 0);
    print_status("after POKETEXT int3", status);
    v = peek(PTRACE_PEEKUSER, pid, OFF(regs.rip), &err);
    printf("rip is one past the int3: %s\n", yesno((unsigned long)v == bp_addr + 1));
    after_breakpoint(pid);
    /* Restore the original byte and rewind rip, as a debugger does. */
    CHECK(ptrace(PTRACE_POKETEXT, pid, (void *)bp_addr, (void *)bp_orig) == 0);
    CHECK(ptrace(PTRACE_POKEUSER, pid, (void *)OFF(regs.rip), (void *)bp_addr) == 0);
    v = peek(PTRACE_PEEKUSER, pid, OFF(regs.rip), &err);
    printf("POKEUSER regs.rip rewound it: %s\n", yesno((unsigned long)v == bp_addr));
    run_to_end(pid);
    return 0;
}

#elif defined(__aarch64__)

int main(void)
{
    setup();
    long page;
    pid_t pid = start(&page);
    int err;
    long v;
    data_words(pid, page);

    /* --- POKETEXT into read-only text --- */
    unsigned long imm_addr = (unsigned long)pp_imm;
    unsigned long text = (unsigned long)peek(PTRACE_PEEKTEXT, pid, imm_addr, &err);
    printf("PEEKTEXT of pp_imm: movz w0 opcode %s, immediate %lu, ret %s\n",
           yesno((text & 0xffe0001fUL) == 0x52800000UL), (text >> 5) & 0xffffUL,
           yesno((text >> 32) == 0xd65f03c0UL));
    unsigned long patched = (text & ~(0xffffUL << 5)) | (42UL << 5);
    CHECK(ptrace(PTRACE_POKETEXT, pid, (void *)imm_addr, (void *)patched) == 0);
    v = peek(PTRACE_PEEKTEXT, pid, imm_addr, &err);
    printf("POKETEXT into read-only text reads back: %s\n", yesno((unsigned long)v == patched));

    /* A brk #0 (0xd4200000) over pp_bp's first instruction. */
    unsigned long bp_addr = (unsigned long)pp_bp;
    unsigned long bp_orig = (unsigned long)peek(PTRACE_PEEKTEXT, pid, bp_addr, &err);
    CHECK(err == 0);
    unsigned long bp_word = (bp_orig & ~0xffffffffUL) | 0xd4200000UL;
    CHECK(ptrace(PTRACE_POKETEXT, pid, (void *)bp_addr, (void *)bp_word) == 0);

    /* --- no USER area on arm64: PEEKUSER and POKEUSER are unknown requests there --- */
    unsigned long zero = 0;
    EXPECT_ERR("PEEKUSER at 0", ptrace(PTRACE_PEEKUSER, pid, (void *)zero, NULL));
    EXPECT_ERR("PEEKUSER at 256 (pc in user_pt_regs)", ptrace(PTRACE_PEEKUSER, pid, (void *)256, NULL));
    EXPECT_ERR("POKEUSER at 0", ptrace(PTRACE_POKEUSER, pid, (void *)zero, (void *)zero));

    /* --- run into the brk --- */
    long opts = PTRACE_O_EXITKILL;
    CHECK(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) == 0);
    CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
    int status;
    wait_for(pid, &status, 0);
    print_status("after POKETEXT brk", status);
    struct user_regs_struct regs;
    get_regs(pid, &regs);
    printf("pc is at the brk: %s\n", yesno(regs.pc == bp_addr));
    after_breakpoint(pid);
    /* Restore the original instruction; pc already points at it. */
    CHECK(ptrace(PTRACE_POKETEXT, pid, (void *)bp_addr, (void *)bp_orig) == 0);
    run_to_end(pid);
    return 0;
}

#else
int main(void)
{
    setup();
    printf("x86_64 only\n");
    return 0;
}
#endif
