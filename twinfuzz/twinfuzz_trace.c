/* ptrace-based syscall recorder for the differential fuzzer (see twinfuzz_trace.h). Chosen over
 * strace because the fuzzer runs thousands of short programs: no text to format and parse, and
 * the arguments arrive as numbers. x86-64 only (register layout). */
#define _GNU_SOURCE
#include "twinfuzz_trace.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#define TWINFUZZ_MARK_FD (-77)

static void twinfuzz_trace_push(struct twinfuzz_trace *t, long op, enum twinfuzz_trace_kind k,
                                long long a, long long b, long long c)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        struct twinfuzz_trace_event *ev = realloc(t->ev, cap * sizeof *ev);
        if (!ev)
            return;
        t->ev = ev;
        t->cap = cap;
    }
    t->ev[t->n++] = (struct twinfuzz_trace_event){op, k, a, b, c};
}

static void twinfuzz_trace_child(char *const argv[], const char *preload)
{
    if (preload)
        setenv("LD_PRELOAD", preload, 1);
    else
        unsetenv("LD_PRELOAD");
    /* settings come from the sequence's mallopt ops only */
    unsetenv("GLIBC_TUNABLES");
    unsetenv("MALLOC_TOP_PAD_");
    unsetenv("MALLOC_TRIM_THRESHOLD_");
    unsetenv("MALLOC_MMAP_THRESHOLD_");
    unsetenv("MALLOC_MMAP_MAX_");
    unsetenv("MALLOC_ARENA_MAX");
    unsetenv("MALLOC_PERTURB_");
    unsetenv("FAULTLINE_PARAMS");
    unsetenv("FAULTLINE_STATS");
    /* Both runs must start the heap at the same address: memalign's split and malloc_trim's
     * page rounding depend on where chunks sit, and ASLR would move the break each run. */
    personality(ADDR_NO_RANDOMIZE);
    if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
        _exit(126);
    execv(argv[0], argv);
    _exit(127);
}

/* One syscall has finished: keep it if it is a memory call after the first marker. */
static void twinfuzz_trace_exit(struct twinfuzz_trace *t, const struct user_regs_struct *in,
                                long long ret, long *op, long long *brk_now)
{
    long long nr = (long long)in->orig_rax;
    long long a0 = (long long)in->rdi, a1 = (long long)in->rsi, a2 = (long long)in->rdx;
    long long a3 = (long long)in->r10;
    if (nr == SYS_lseek && (int)a0 == TWINFUZZ_MARK_FD) {
        *op = (long)a1;
        return;
    }
    if (nr == SYS_brk) {
        long long asked = a0 ? a0 - *brk_now : 0;
        if (*op >= 0)
            twinfuzz_trace_push(t, *op, TF_BRK, asked, a0 == 0 || ret == a0, 0);
        *brk_now = ret;
        return;
    }
    if (*op < 0)
        return;
    if (nr == SYS_mmap)
        twinfuzz_trace_push(t, *op, TF_MMAP, a1, a2, a3);
    else if (nr == SYS_munmap)
        twinfuzz_trace_push(t, *op, TF_MUNMAP, a1, 0, 0);
    else if (nr == SYS_mremap)
        twinfuzz_trace_push(t, *op, TF_MREMAP, a1, a2, a3);
    else if (nr == SYS_madvise)
        twinfuzz_trace_push(t, *op, TF_MADVISE, a1, a2, 0);
    else if (nr == SYS_mprotect)
        twinfuzz_trace_push(t, *op, TF_MPROTECT, a1, a2, 0);
}

int twinfuzz_trace_run(char *const argv[], const char *preload, struct twinfuzz_trace *out)
{
    memset(out, 0, sizeof *out);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0)
        twinfuzz_trace_child(argv, preload);
    int st;
    if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st)) {
        out->status = st;
        return -1;
    }
    ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL));
    int sig = 0, in_call = 0;
    long op = -1;
    long long brk_now = 0;
    struct user_regs_struct entry;
    memset(&entry, 0, sizeof entry);
    for (;;) {
        if (ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)sig) != 0)
            break;
        sig = 0;
        if (waitpid(pid, &st, 0) != pid)
            break;
        if (WIFEXITED(st) || WIFSIGNALED(st))
            break;
        if (!WIFSTOPPED(st))
            continue;
        if (WSTOPSIG(st) != (SIGTRAP | 0x80)) {
            sig = WSTOPSIG(st) == SIGTRAP ? 0 : WSTOPSIG(st);
            continue;
        }
        struct user_regs_struct r;
        ptrace(PTRACE_GETREGS, pid, NULL, &r);
        if (!in_call) {
            entry = r;
            in_call = 1;
        } else {
            in_call = 0;
            twinfuzz_trace_exit(out, &entry, (long long)r.rax, &op, &brk_now);
        }
    }
    out->status = st;
    return 0;
}

void twinfuzz_trace_free(struct twinfuzz_trace *t)
{
    free(t->ev);
    memset(t, 0, sizeof *t);
}

void twinfuzz_trace_format(const struct twinfuzz_trace_event *e, char *buf, size_t len)
{
    switch (e->kind) {
    case TF_BRK:
        if (e->a == 0)
            snprintf(buf, len, "brk(0)");
        else
            snprintf(buf, len, "brk %s%#llx%s", e->a < 0 ? "-" : "+",
                     (unsigned long long)(e->a < 0 ? -e->a : e->a), e->b ? "" : " (failed)");
        break;
    case TF_MMAP:
        snprintf(buf, len, "mmap %lld prot %lld flags %#llx", e->a, e->b, e->c);
        break;
    case TF_MUNMAP:
        snprintf(buf, len, "munmap %lld", e->a);
        break;
    case TF_MREMAP:
        snprintf(buf, len, "mremap %lld -> %lld", e->a, e->b);
        break;
    case TF_MADVISE:
        snprintf(buf, len, "madvise %lld advice %lld", e->a, e->b);
        break;
    case TF_MPROTECT:
        snprintf(buf, len, "mprotect %lld prot %lld", e->a, e->b);
        break;
    }
}

int twinfuzz_trace_same(const struct twinfuzz_trace_event *x, const struct twinfuzz_trace_event *y)
{
    return x->op == y->op && x->kind == y->kind && x->a == y->a && x->b == y->b && x->c == y->c;
}
