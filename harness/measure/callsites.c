/* Call sites of one measured process tree: copies the rings while the child runs; afterwards
 * replays the records in time order, keeping one symbolize_space per process image from the
 * mmap/exec/fork records, unwinds each sample, counts distinct (image, event, pcs) in a hash, pairs
 * brk entries with sys_exit_brk to know by how much the break moved, and at the end turns every
 * distinct stack into names and merges it into the backend's table. */
#define _GNU_SOURCE
#include "callsites.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyframes.h"
#include "strbuf.h"
#include "symbolize.h"

struct callsites_proc {
    uint32_t pid;
    struct symbolize_space *sp;
    bool have_break;
    uint64_t brk_now;          /* the break after the last brk call */
    uint32_t brk_tid;          /* a brk entry waits for its result on this thread */
    struct callsites_raw *brk; /* ... and is counted here (NULL: none waiting) */
};

struct callsites_raw {
    struct symbolize_space *sp; /* NULL: free slot */
    enum callchain_event event;
    unsigned n;
    uint64_t pcs[SYMBOLIZE_MAX_FRAMES];
    int py; /* the Python stack of its syscalls (pyframes id), -1: none */
    uint64_t count, samples;
    int64_t bytes;
    bool grew, shrank; /* brk: the directions the break moved */
};

static struct callsites_proc *callsites_proc_get(struct callsites_run *r, uint32_t pid, bool create)
{
    for (size_t i = 0; i < r->nprocs; i++)
        if (r->procs[i].pid == pid)
            return &r->procs[i];
    if (!create)
        return NULL;
    if (r->nprocs == r->capprocs) {
        r->capprocs = r->capprocs ? 2 * r->capprocs : 8;
        r->procs = realloc(r->procs, r->capprocs * sizeof *r->procs);
        if (!r->procs)
            abort();
    }
    struct callsites_proc *p = &r->procs[r->nprocs++];
    memset(p, 0, sizeof *p);
    p->pid = pid;
    p->sp = symbolize_space_new(pid);
    return p;
}

static void callsites_retire(struct callsites_run *r, struct symbolize_space *sp)
{
    if (r->ndead == r->capdead) {
        r->capdead = r->capdead ? 2 * r->capdead : 8;
        r->dead = realloc(r->dead, r->capdead * sizeof *r->dead);
        if (!r->dead)
            abort();
    }
    r->dead[r->ndead++] = sp;
}

/* ---- sink callbacks ----------------------------------------------------------------------- */

static void callsites_on_mmap(void *arg, uint32_t pid, uint64_t addr, uint64_t len, uint64_t pgoff,
                              const char *file)
{
    (void)len;
    struct callsites_proc *p = callsites_proc_get(arg, pid, true);
    symbolize_space_map(p->sp, addr, pgoff, file);
}

static void callsites_on_exec(void *arg, uint32_t pid)
{
    struct callsites_run *r = arg;
    struct callsites_proc *p = callsites_proc_get(r, pid, true);
    callsites_retire(r, p->sp);
    p->sp = symbolize_space_new(pid);
    p->have_break = false;
    p->brk = NULL;
}

static void callsites_on_fork(void *arg, uint32_t pid, uint32_t ppid)
{
    struct callsites_run *r = arg;
    struct callsites_proc *parent = callsites_proc_get(r, ppid, false);
    struct symbolize_space *copy = symbolize_space_fork(parent ? parent->sp : NULL, pid);
    bool have = parent && parent->have_break;
    uint64_t now = parent ? parent->brk_now : 0;
    /* the child's entry (a recycled pid's old image is retired, a fresh one freed) */
    struct callsites_proc *p = callsites_proc_get(r, pid, false);
    if (p) {
        callsites_retire(r, p->sp);
    } else {
        p = callsites_proc_get(r, pid, true);
        symbolize_space_free(p->sp);
    }
    p->sp = copy;
    p->have_break = have;
    p->brk_now = now;
    p->brk = NULL;
}

static uint64_t callsites_hash(const struct callsites_raw *k)
{
    uint64_t h = 1469598103934665603ull ^ (uintptr_t)k->sp ^ ((uint64_t)k->event << 56) ^
                 ((uint64_t)(k->py + 1) << 32);
    for (unsigned i = 0; i < k->n; i++)
        h = (h ^ k->pcs[i]) * 1099511628211ull;
    return h;
}

static bool callsites_same(const struct callsites_raw *a, const struct callsites_raw *b)
{
    return a->sp == b->sp && a->event == b->event && a->py == b->py && a->n == b->n &&
           !memcmp(a->pcs, b->pcs, a->n * sizeof a->pcs[0]);
}

static void callsites_grow(struct callsites_run *r)
{
    size_t cap = r->capraw ? 2 * r->capraw : 1024;
    struct callsites_raw *old = r->raw;
    size_t oldcap = r->capraw;
    r->raw = calloc(cap, sizeof *r->raw);
    if (!r->raw)
        abort();
    r->capraw = cap;
    for (size_t i = 0; i < oldcap; i++) {
        if (!old[i].sp)
            continue;
        size_t j = callsites_hash(&old[i]) & (cap - 1);
        while (r->raw[j].sp)
            j = (j + 1) & (cap - 1);
        r->raw[j] = old[i];
        for (size_t k = 0; k < r->nprocs; k++) /* a brk waiting for its result moves along */
            if (r->procs[k].brk == &old[i])
                r->procs[k].brk = &r->raw[j];
    }
    free(old);
}

static struct callsites_raw *callsites_find(struct callsites_run *r, const struct callsites_raw *k)
{
    if (2 * (r->nraw + 1) > r->capraw)
        callsites_grow(r);
    size_t j = callsites_hash(k) & (r->capraw - 1);
    while (r->raw[j].sp && !callsites_same(&r->raw[j], k))
        j = (j + 1) & (r->capraw - 1);
    if (!r->raw[j].sp) {
        r->raw[j] = *k;
        r->raw[j].count = r->raw[j].samples = 0;
        r->raw[j].bytes = 0;
        r->raw[j].grew = r->raw[j].shrank = false;
        r->nraw++;
    }
    return &r->raw[j];
}

static void callsites_on_sample(void *arg, const struct callchain_sample *s)
{
    struct callsites_run *r = arg;
    struct callsites_proc *p = callsites_proc_get(r, s->pid, true);
    struct callsites_raw k;
    k.sp = p->sp;
    k.event = s->event;
    k.n = symbolize_unwind(p->sp, s, k.pcs, SYMBOLIZE_MAX_FRAMES);
    k.py = pyframes_take(&r->py, s->tid, s->event);
    struct callsites_raw *e = callsites_find(r, &k);
    r->threaded |= s->tid != s->pid;
    e->count += s->period ? s->period : 1;
    e->samples++;
    if (s->event == CALLCHAIN_BRK) {
        p->brk = e; /* bytes come with sys_exit_brk */
        p->brk_tid = s->tid;
    } else if (s->event != CALLCHAIN_FAULT) {
        e->bytes += (int64_t)s->arg;
    }
}

static void callsites_on_brk_result(void *arg, uint32_t pid, uint32_t tid, int64_t ret)
{
    struct callsites_proc *p = callsites_proc_get(arg, pid, true);
    if (ret <= 0)
        return;
    if (p->brk && p->brk_tid == tid && p->have_break) {
        int64_t d = ret - (int64_t)p->brk_now;
        p->brk->bytes += d;
        p->brk->grew |= d > 0;
        p->brk->shrank |= d < 0;
    }
    p->brk = NULL;
    p->brk_now = (uint64_t)ret;
    p->have_break = true;
}

static const struct callchain_sink callsites_sink_template = {
    .sample = callsites_on_sample,
    .brk_result = callsites_on_brk_result,
    .mmap = callsites_on_mmap,
    .exec = callsites_on_exec,
    .fork = callsites_on_fork,
};

int callsites_run_open(struct callsites_run *r, pid_t pid, uint64_t fault_period)
{
    memset(r, 0, sizeof *r);
    return callchain_open(&r->cc, pid, fault_period, CALLCHAIN_STACK_BYTES);
}

void callsites_run_drain(struct callsites_run *r)
{
    callchain_drain(&r->cc, &r->log);
}

/* ---- naming and merging ------------------------------------------------------------------- */

/* Frames of the allocator: libc (glibc's malloc, and every backend's syscall wrappers), the
 * preloaded library, and C++ operator new. The dynamic loader is skipped the same way, so
 * that dlopen is charged to its caller and start-up (nothing else on the stack) to the loader. */
static bool callsites_is_alloc(const char *func, const char *module, const char *preload)
{
    /* symbolize.c demangles; "operator new[]" starts the same */
    return !strncmp(module, "libc.so", 7) || (preload[0] && !strcmp(module, preload)) ||
           !strncmp(module, "ld-linux", 8) || !strncmp(func, "operator new", 12);
}

static struct callsites_row *callsites_table_row(struct callsites_table *t, enum callchain_event ev,
                                                 const char *stack)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->rows[i].event == ev && !strcmp(t->rows[i].stack, stack))
            return &t->rows[i];
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 64;
        t->rows = realloc(t->rows, t->cap * sizeof *t->rows);
        if (!t->rows)
            abort();
    }
    struct callsites_row *row = &t->rows[t->n++];
    memset(row, 0, sizeof *row);
    row->event = ev;
    row->stack = strdup(stack);
    if (!row->stack)
        abort();
    row->bytes_valid = ev != CALLCHAIN_FAULT;
    return row;
}

/* Where a syscall's Python frames go in its native stack (frames[0] is the leaf): outside
 * the innermost frame of CPython's evaluation loop, which ran them; outermost when the loop is
 * not on the stack (no symbols). */
static unsigned callsites_py_at(char (*funcs)[256], unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (!strcmp(funcs[i], "_PyEval_EvalFrameDefault"))
            return i;
    return n;
}

static void callsites_name(const struct callsites_raw *e, struct callsites_table *t,
                           const char *preload, bool threaded, const char *py)
{
    char funcs[SYMBOLIZE_MAX_FRAMES][256], mods[SYMBOLIZE_MAX_FRAMES][96];
    int site = -1;
    for (unsigned i = 0; i < e->n; i++) {
        symbolize_frame(e->sp, e->pcs[i], funcs[i], sizeof funcs[i], mods[i], sizeof mods[i]);
        /* the folded format splits frames on ';' and the count off at the last space, so the
         * spaces and commas of C++ names stay (callsites.csv quotes its cells) */
        for (char *c = funcs[i]; *c; c++)
            if (*c == ';' || *c == '\n' || *c == '\r' || *c == '\t')
                *c = '_';
        if (site < 0 && !callsites_is_alloc(funcs[i], mods[i], preload))
            site = (int)i;
    }
    struct strbuf sb;
    strbuf_init(&sb);
    unsigned eval_at = callsites_py_at(funcs, e->n);
    unsigned py_at = py ? eval_at : e->n + 1;
    if (!py && e->event != CALLCHAIN_FAULT && eval_at < e->n)
        t->py_native += e->count; /* Python code made it, but no stop read its frames */
    if (py_at == e->n)
        strbuf_puts(&sb, py);
    for (unsigned i = e->n; i-- > 0;) {
        strbuf_printf(&sb, "%s%s", sb.len ? ";" : "", funcs[i]);
        if (i == py_at)
            strbuf_printf(&sb, ";%s", py);
    }
    if (e->n == 0 && !py)
        strbuf_puts(&sb, "[no user stack]");
    struct callsites_row *row = callsites_table_row(t, e->event, sb.data);
    strbuf_free(&sb);
    if (!row->site) {
        bool loader = e->n && !strncmp(mods[e->n - 1], "ld-linux", 8);
        const char *py_site = py ? strrchr(py, ';') : NULL; /* the innermost Python frame */
        py_site = py_site ? py_site + 1 : py;
        row->site = strdup(py_site     ? py_site
                           : site >= 0 ? funcs[site]
                           : loader    ? "[dynamic loader]"
                           : e->n      ? "[allocator only]"
                                       : "[no user stack]");
        row->entry = strdup(site > 0 ? funcs[site - 1] : "");
        if (!row->site || !row->entry)
            abort();
    }
    row->count += e->count;
    row->samples += e->samples;
    row->bytes += e->bytes;
    row->grew |= e->grew;
    row->shrank |= e->shrank;
    row->threaded |= threaded;
}

void callsites_run_finish(struct callsites_run *r, struct callsites_table *t, const char *preload)
{
    if (r->cc.active) {
        callsites_run_drain(r);
        callchain_close(&r->cc);
        struct callchain_sink sink = callsites_sink_template;
        sink.arg = r;
        callchain_replay(&r->cc, &r->log, &sink);
        callchain_log_free(&r->log);
        t->lost += r->cc.lost;
        t->fault_period = r->cc.fault_period;
        t->runs++;
        for (size_t i = 0; i < r->capraw; i++)
            if (r->raw[i].sp)
                callsites_name(&r->raw[i], t, preload ? preload : "", r->threaded,
                               pyframes_stack(&r->py, r->raw[i].py));
        t->py_stops += r->py.stops;
        t->py_framed += r->py.framed;
        t->python_unread |= r->py.python_unread;
    } else {
        t->runs_null++;
        if (!t->reason[0])
            snprintf(t->reason, sizeof t->reason, "%s", r->cc.reason);
    }
    for (size_t i = 0; i < r->nprocs; i++)
        symbolize_space_free(r->procs[i].sp);
    for (size_t i = 0; i < r->ndead; i++)
        symbolize_space_free(r->dead[i]);
    free(r->procs);
    free(r->dead);
    free(r->raw);
    pyframes_free(&r->py);
    memset(r, 0, sizeof *r);
}

void callsites_table_free(struct callsites_table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->rows[i].stack);
        free(t->rows[i].site);
        free(t->rows[i].entry);
    }
    free(t->rows);
    memset(t, 0, sizeof *t);
}

/* ---- glibc's policy reasons --------------------------------------------------------------- */

static bool callsites_in(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(name, *list))
            return true;
    return false;
}

/* The allocator functions a site calls, as libc's .dynsym names them (aliases included). */
static bool callsites_allocates(const char *entry)
{
    static const char *const fns[] = {
        "malloc",          "__libc_malloc",  "calloc",         "__libc_calloc",
        "realloc",         "__libc_realloc", "reallocarray",   "memalign",
        "__libc_memalign", "aligned_alloc",  "posix_memalign", "valloc",
        "__libc_valloc",   "pvalloc",        "__libc_pvalloc", NULL};
    return callsites_in(entry, fns) || !strncmp(entry, "operator new", 12);
}

static bool callsites_frees(const char *entry)
{
    static const char *const fns[] = {"free",           "__libc_free",  "cfree", "realloc",
                                      "__libc_realloc", "reallocarray", NULL};
    return callsites_in(entry, fns) || !strncmp(entry, "operator delete", 15);
}

/* What glibc 2.36's malloc.c does, told apart by the syscall and the function the site called:
 * only the main arena moves the break (sysmalloc grows it by the request + top_pad when top is
 * too small; free trims it when top reaches the trim threshold); a malloc's mmap is a chunk of
 * its own (size >= the mmap threshold) and a free's munmap releases one, unless threads exist:
 * then an mmap may be a new arena heap and a munmap a heap's deletion, so no reason is given. */
const char *callsites_glibc_reason(const struct callsites_row *row)
{
    const char *entry = row->entry ? row->entry : "";
    switch (row->event) {
    case CALLCHAIN_BRK:
        if (row->grew && !row->shrank && callsites_allocates(entry))
            return "top too small: grow by request + top_pad";
        if (row->shrank && !row->grew && callsites_frees(entry))
            return "top >= trim threshold: trim";
        return NULL;
    case CALLCHAIN_MMAP:
        return !row->threaded && callsites_allocates(entry) ? "size >= mmap threshold" : NULL;
    case CALLCHAIN_MUNMAP:
        return !row->threaded && callsites_frees(entry) ? "free of mmapped chunk" : NULL;
    default:
        return NULL;
    }
}
