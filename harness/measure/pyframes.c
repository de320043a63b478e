/* Python frames of sampled syscalls (see pyframes.h). Why seccomp + ptrace rather than reading
 * the frames when perf's sample arrives: by then the thread has run on and its frames are
 * gone; a seccomp stop holds it exactly at the syscall. Only the six sampled syscalls stop
 * (a classic BPF filter on the syscall number), so a program pays two context switches per
 * brk/mmap/munmap/mremap/madvise/mprotect and nothing on any other call. */
#define _GNU_SOURCE
#include "pyframes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/user.h>
#endif

struct pyframes_q {
    uint32_t tid;
    pid_t tgid; /* tid's process, read once (pyframes_tgid) */
    enum callchain_event ev;
    int *ids;
    size_t head, n, cap;
};

static void *pyframes_grow(void *p, size_t *cap, size_t size)
{
    *cap = *cap ? 2 * *cap : 16;
    void *q = realloc(p, *cap * size);
    if (!q)
        abort();
    return q;
}

int pyframes_filter(void)
{
#if defined(__x86_64__)
    /* syscall numbers in CALLCHAIN_SYSCALLS order */
    struct sock_filter prog[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_brk, 6, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mmap, 5, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_munmap, 4, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mremap, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_madvise, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mprotect, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
    };
    struct sock_fprog fp = {.len = sizeof prog / sizeof prog[0], .filter = prog};
    return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) == 0 ? 0 : errno;
#else
    return ENOSYS;
#endif
}

static int pyframes_event(long nr)
{
    static const long nrs[CALLCHAIN_SYSCALLS] = {SYS_brk,    SYS_mmap,    SYS_munmap,
                                                 SYS_mremap, SYS_madvise, SYS_mprotect};
    for (int i = 0; i < CALLCHAIN_SYSCALLS; i++)
        if (nrs[i] == nr)
            return i;
    return -1;
}

/* The process a thread belongs to (its Tgid). */
static pid_t pyframes_tgid(pid_t tid)
{
    char path[64], line[128];
    snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
    FILE *f = fopen(path, "re");
    pid_t tgid = tid;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "Tgid: %d", &tgid) == 1)
            break;
    if (f)
        fclose(f);
    return tgid;
}

static struct pystack_proc *pyframes_proc(struct pyframes *f, pid_t pid)
{
    for (size_t i = 0; i < f->nprocs; i++)
        if (f->procs[i].pid == pid)
            return &f->procs[i];
    if (f->nprocs == f->capprocs)
        f->procs = pyframes_grow(f->procs, &f->capprocs, sizeof *f->procs);
    struct pystack_proc *p = &f->procs[f->nprocs++];
    memset(p, 0, sizeof *p);
    p->pid = pid;
    return p;
}

/* The queue of (tid, ev); a new one only when create (else NULL). */
static struct pyframes_q *pyframes_queue(struct pyframes *f, uint32_t tid, enum callchain_event ev,
                                         bool create)
{
    for (size_t i = 0; i < f->nq; i++)
        if (f->qs[i].tid == tid && f->qs[i].ev == ev)
            return &f->qs[i];
    if (!create)
        return NULL;
    if (f->nq == f->capq)
        f->qs = pyframes_grow(f->qs, &f->capq, sizeof *f->qs);
    struct pyframes_q *q = &f->qs[f->nq++];
    memset(q, 0, sizeof *q);
    q->tid = tid;
    q->ev = ev;
    return q;
}

static int pyframes_intern(struct pyframes *f, const char *stack)
{
    for (size_t i = 0; i < f->nstacks; i++)
        if (!strcmp(f->stacks[i], stack))
            return (int)i;
    if (f->nstacks == f->capstacks)
        f->stacks = pyframes_grow(f->stacks, &f->capstacks, sizeof *f->stacks);
    f->stacks[f->nstacks] = strdup(stack);
    if (!f->stacks[f->nstacks])
        abort();
    return (int)f->nstacks++;
}

/* A process whose executable is python*, in a build that cannot read its frames. */
static bool pyframes_is_python(pid_t pid)
{
    char path[64], exe[4096];
    snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
    ssize_t n = readlink(path, exe, sizeof exe - 1);
    if (n <= 0)
        return false;
    exe[n] = '\0';
    const char *b = strrchr(exe, '/');
    return !strncmp(b ? b + 1 : exe, "python", 6);
}

void pyframes_stop(struct pyframes *f, pid_t tid)
{
#if defined(__x86_64__)
    struct user_regs_struct regs;
    if (ptrace(PTRACE_GETREGS, tid, NULL, &regs) != 0)
        return;
    int ev = pyframes_event((long)regs.orig_rax);
    if (ev < 0)
        return;
    f->stops++;
    struct pyframes_q *q = pyframes_queue(f, (uint32_t)tid, (enum callchain_event)ev, true);
    if (!q->tgid)
        q->tgid = pyframes_tgid(tid);
    struct pystack_proc *p = pyframes_proc(f, q->tgid);
    if (pystack_unavailable()[0]) {
        if (!p->settled)
            f->python_unread |= pyframes_is_python(p->pid);
        p->settled = true;
    }
    pystack_find(p);
    static char buf[16384];
    int id = pystack_read(p, tid, buf, sizeof buf) > 0 ? pyframes_intern(f, buf) : -1;
    f->framed += id >= 0;
    if (q->n == q->cap)
        q->ids = pyframes_grow(q->ids, &q->cap, sizeof *q->ids);
    q->ids[q->n++] = id;
#else
    (void)f, (void)tid;
#endif
}

void pyframes_exec(struct pyframes *f, pid_t pid)
{
    struct pystack_proc *p = pyframes_proc(f, pid);
    memset(p, 0, sizeof *p);
    p->pid = pid;
}

int pyframes_take(struct pyframes *f, uint32_t tid, enum callchain_event ev)
{
    struct pyframes_q *q = ev == CALLCHAIN_FAULT ? NULL : pyframes_queue(f, tid, ev, false);
    return q && q->head < q->n ? q->ids[q->head++] : -1;
}

const char *pyframes_stack(const struct pyframes *f, int id)
{
    return id >= 0 && (size_t)id < f->nstacks ? f->stacks[id] : NULL;
}

void pyframes_free(struct pyframes *f)
{
    for (size_t i = 0; i < f->nstacks; i++)
        free(f->stacks[i]);
    for (size_t i = 0; i < f->nq; i++)
        free(f->qs[i].ids);
    free(f->stacks);
    free(f->qs);
    free(f->procs);
    memset(f, 0, sizeof *f);
}
