/* Replays a malloc trace from libfaultline-trace.so (allocators/trace_format.h) through the
 * backend: one replay thread per traced thread, each in its own program order, waiting only
 * where a block it frees or reallocs was allocated by another thread and is not there yet. */
#define _GNU_SOURCE
#include "wl_util.h"

#include "../allocators/trace_format.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct param_def replay_params[] = {
    {"file", PARAM_STRING, NULL, 0, 0, NULL, PARAM_FILE,
     "trace file written by `faultline trace -o FILE -- CMD` (libfaultline-trace.so)"},
    {"touch", PARAM_SWITCH, "on", 0, 1, NULL, 0,
     "write one byte per page of every new block (and of the grown part of a realloc), the "
     "first touch the traced program would have made"},
    {.name = NULL},
};

/* One record, compacted: ids fit in 32 bits (TRACE_FORMAT_MAX_RECORDS). */
struct replay_op {
    uint64_t size; /* effective size (pvalloc rounded) */
    uint64_t seq;
    uint32_t addr, result, align;
    uint32_t index; /* record number in the file, for error offsets */
    uint8_t op;
};

struct replay_block {
    void *p;
    uint64_t size;
    atomic_uchar ready; /* set (release) once p is valid; the merge check borrows it as a state */
};

struct replay_shared {
    const struct backend_ops *ops;
    struct replay_block *blk;
    atomic_int abort; /* an errno value once any thread failed: the others stop waiting */
    int touch;
};

struct replay_worker {
    pthread_t tid;
    struct replay_shared *sh;
    struct replay_op *op;
    size_t n;
    int rc;
    uint64_t ops_done, requested, touched;
    int64_t live;
};

struct replay_trace {
    const char *path;
    uint64_t n; /* records */
    struct replay_op *op;
    struct replay_block *blk; /* n + 1 entries, indexed by id */
    size_t start[TRACE_FORMAT_MAX_THREADS + 1];
    unsigned nthreads;       /* highest thread index used + 1 */
    int64_t peak;            /* live requested bytes at the peak, in the traced global order */
    struct replay_worker *w; /* nthreads workers (multi-threaded traces only) */
};

#define REPLAY_CHUNK 128 /* records read at a time */

/* One line on stderr. Workloads do not print, but a bad trace is a user error the outcome code
 * alone (EINVAL) cannot explain; snprintf on the stack and write(2) never allocate. */
#define REPLAY_NO_OFFSET UINT64_MAX

static int replay_fail(const char *path, const char *what, uint64_t offset)
{
    char line[512];
    int n = offset == REPLAY_NO_OFFSET ? snprintf(line, sizeof line, "%s: %s\n", path, what)
                                       : snprintf(line, sizeof line, "%s: %s at offset %llu\n",
                                                  path, what, (unsigned long long)offset);
    if (n > (int)sizeof line - 1)
        n = (int)sizeof line - 1;
    if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0)
        return EINVAL;
    return EINVAL;
}

static uint64_t replay_offset(uint64_t index)
{
    return sizeof(struct trace_format_header) + index * sizeof(struct trace_format_record);
}

/* Reads exactly len bytes at off; returns bytes read (short only at end of file) or -1. */
static ssize_t replay_pread(int fd, void *buf, size_t len, uint64_t off)
{
    size_t got = 0;
    while (got < len) {
        ssize_t r = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

/* Walks all records with fn(ctx, record, index); stops at the first non-zero return. */
static int replay_scan(int fd, struct replay_trace *t,
                       int (*fn)(struct replay_trace *, const struct trace_format_record *,
                                 uint64_t, void *),
                       void *ctx)
{
    struct trace_format_record buf[REPLAY_CHUNK];
    for (uint64_t i = 0; i < t->n;) {
        size_t want = t->n - i < REPLAY_CHUNK ? (size_t)(t->n - i) : REPLAY_CHUNK;
        ssize_t r = replay_pread(fd, buf, want * sizeof buf[0], replay_offset(i));
        if (r != (ssize_t)(want * sizeof buf[0]))
            return replay_fail(t->path, "read error or file changed", replay_offset(i));
        for (size_t k = 0; k < want; k++, i++) {
            int rc = fn(t, &buf[k], i, ctx);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* Pass 1: field checks and per-thread counts. */
static int replay_count(struct replay_trace *t, const struct trace_format_record *r, uint64_t i,
                        void *ctx)
{
    size_t *count = ctx;
    const char *bad = trace_format_check_record(r, t->n);
    if (bad)
        return replay_fail(t->path, bad, replay_offset(i));
    count[r->thread]++;
    if (r->thread + 1 > t->nthreads)
        t->nthreads = r->thread + 1;
    return 0;
}

/* Pass 2: fill each thread's slice in file order (= the thread's program order). */
static int replay_fill(struct replay_trace *t, const struct trace_format_record *r, uint64_t i,
                       void *ctx)
{
    size_t *fill = ctx;
    size_t at = t->start[r->thread] + fill[r->thread]++;
    if (at > t->start[r->thread] && t->op[at - 1].seq >= r->seq)
        return replay_fail(t->path, "sequence number not increasing within its thread",
                           replay_offset(i));
    struct replay_op *o = &t->op[at];
    o->size = trace_format_effective_size(r);
    o->seq = r->seq;
    o->addr = (uint32_t)r->addr;
    o->result = (uint32_t)r->result;
    o->align = trace_format_replay_align(r->align);
    o->index = (uint32_t)i;
    o->op = r->op;
    return 0;
}

enum { REPLAY_NEW, REPLAY_LIVE, REPLAY_DEAD };

/* A min-heap of thread cursors keyed by the seq of each thread's next record: the k-way merge
 * of the per-thread slices into global order. */
struct replay_heap {
    unsigned n;
    unsigned thread[TRACE_FORMAT_MAX_THREADS];
    size_t cur[TRACE_FORMAT_MAX_THREADS];
};

static uint64_t replay_heap_key(const struct replay_trace *t, const struct replay_heap *h,
                                unsigned i)
{
    return t->op[h->cur[h->thread[i]]].seq;
}

static void replay_heap_down(const struct replay_trace *t, struct replay_heap *h, unsigned i)
{
    for (;;) {
        unsigned l = 2 * i + 1, m = i;
        if (l < h->n && replay_heap_key(t, h, l) < replay_heap_key(t, h, m))
            m = l;
        if (l + 1 < h->n && replay_heap_key(t, h, l + 1) < replay_heap_key(t, h, m))
            m = l + 1;
        if (m == i)
            return;
        unsigned x = h->thread[i];
        h->thread[i] = h->thread[m];
        h->thread[m] = x;
        i = m;
    }
}

/* Next record in global order (the heap is non-empty). */
static const struct replay_op *replay_heap_pop(const struct replay_trace *t, struct replay_heap *h)
{
    unsigned k = h->thread[0];
    const struct replay_op *o = &t->op[h->cur[k]++];
    if (h->cur[k] == t->start[k + 1])
        h->thread[0] = h->thread[--h->n];
    replay_heap_down(t, h, 0);
    return o;
}

/* Walks the records in global (seq) order: every block freed or realloc'ed must be live at that
 * point and every id produced once. This proves the replay cannot deadlock (seq is an order
 * that satisfies every wait) and gives the traced program's peak live bytes. */
static int replay_check_order(struct replay_trace *t)
{
    static struct replay_heap h; /* 12 KB: off the stack */
    h.n = 0;
    for (unsigned k = 0; k < t->nthreads; k++) {
        h.cur[k] = t->start[k];
        if (t->start[k] < t->start[k + 1])
            h.thread[h.n++] = k;
    }
    for (unsigned i = h.n; i-- > 0;)
        replay_heap_down(t, &h, i);
    int64_t live = 0, peak = 0;
    const struct replay_op *prev = NULL;
    for (uint64_t done = 0; done < t->n; done++) {
        const struct replay_op *o = replay_heap_pop(t, &h);
        /* seq is one global order: equal seqs in two threads leave the order undefined; name
         * the later record in the file, as `trace --dump` does */
        if (prev && prev->seq == o->seq)
            return replay_fail(t->path, "sequence number shared by two records",
                               replay_offset(prev->index > o->index ? prev->index : o->index));
        prev = o;
        struct trace_format_record r = {
            .op = o->op, .size = o->size, .addr = o->addr, .result = o->result};
        if (o->addr) {
            struct replay_block *b = &t->blk[o->addr];
            if (atomic_load(&b->ready) != REPLAY_LIVE)
                return replay_fail(t->path, "free or realloc of a block that is not live",
                                   replay_offset(o->index));
            if (o->op == TRACE_OP_FREE || o->result || trace_format_realloc_freed(&r)) {
                atomic_store(&b->ready, REPLAY_DEAD);
                live -= (int64_t)b->size;
            }
        }
        if (o->result) {
            struct replay_block *b = &t->blk[o->result];
            if (atomic_load(&b->ready) != REPLAY_NEW)
                return replay_fail(t->path, "block id produced twice", replay_offset(o->index));
            atomic_store(&b->ready, REPLAY_LIVE);
            b->size = o->size;
            live += (int64_t)o->size;
            if (live > peak)
                peak = live;
        }
    }
    for (uint64_t id = 0; id <= t->n; id++)
        atomic_store(&t->blk[id].ready, 0);
    t->peak = peak;
    return 0;
}

/* Reads and validates the whole trace into scratch memory (prepare(), outside the measured
 * phase, like every workload's bookkeeping). */
static int replay_load(struct wl_env *env, struct replay_trace *t)
{
    int fd = open(t->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        char what[128];
        snprintf(what, sizeof what, "cannot open (%s)",
                 strerrorname_np(e) ? strerrorname_np(e) : "?");
        replay_fail(t->path, what, REPLAY_NO_OFFSET);
        return e;
    }
    int rc = 0;
    struct stat st;
    struct trace_format_header h;
    uint64_t bad_at;
    const char *bad;
    if (fstat(fd, &st) != 0) {
        rc = replay_fail(t->path, "cannot stat", REPLAY_NO_OFFSET);
        goto out;
    }
    uint64_t size = (uint64_t)st.st_size;
    if (size < sizeof h || replay_pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h) {
        rc = replay_fail(t->path, "truncated header", size < sizeof h ? size : 0);
        goto out;
    }
    if ((bad = trace_format_check_header(&h, &bad_at)) != NULL) {
        rc = replay_fail(t->path, bad, bad_at);
        goto out;
    }
    uint64_t body = size - sizeof h;
    t->n = body / sizeof(struct trace_format_record);
    if (body % sizeof(struct trace_format_record)) {
        rc = replay_fail(t->path, "truncated record", replay_offset(t->n));
        goto out;
    }
    if (t->n > TRACE_FORMAT_MAX_RECORDS) {
        rc = replay_fail(t->path, "too many records", replay_offset(TRACE_FORMAT_MAX_RECORDS));
        goto out;
    }
    static size_t count[TRACE_FORMAT_MAX_THREADS]; /* 8 KB: off the stack */
    memset(count, 0, sizeof count);
    t->nthreads = 0;
    if ((rc = replay_scan(fd, t, replay_count, count)) != 0)
        goto out;
    t->op = wl_util_scratch(env, (size_t)t->n, sizeof *t->op);
    t->blk = wl_util_scratch(env, (size_t)t->n + 1, sizeof *t->blk);
    if (!t->op || !t->blk) {
        rc = ENOMEM;
        goto out;
    }
    t->start[0] = 0;
    for (unsigned k = 0; k < TRACE_FORMAT_MAX_THREADS; k++)
        t->start[k + 1] = t->start[k] + count[k];
    memset(count, 0, sizeof count);
    if ((rc = replay_scan(fd, t, replay_fill, count)) != 0)
        goto out;
    rc = replay_check_order(t);
    if (rc == 0 && t->nthreads > 1 && !(t->w = wl_util_scratch(env, t->nthreads, sizeof *t->w)))
        rc = ENOMEM;
out:
    close(fd);
    return rc;
}

static void replay_touch_raw(void *p, uint64_t from, uint64_t to, uint64_t *pages)
{
    volatile unsigned char *c = p;
    for (uint64_t off = from; off < to; off += 4096) {
        c[off] = 1;
        (*pages)++;
    }
}

/* Spins (yielding) until the block id is there; 0, or the errno another thread failed with. */
static int replay_wait(struct replay_shared *sh, uint32_t id)
{
    while (!atomic_load_explicit(&sh->blk[id].ready, memory_order_acquire)) {
        int a = atomic_load_explicit(&sh->abort, memory_order_relaxed);
        if (a)
            return a;
        sched_yield();
    }
    return 0;
}

static void replay_publish(struct replay_shared *sh, uint32_t id, void *p, uint64_t size)
{
    sh->blk[id].p = p;
    sh->blk[id].size = size;
    atomic_store_explicit(&sh->blk[id].ready, 1, memory_order_release);
}

/* Multi-threaded replay of one traced thread: raw ops, private counters (the wl_env accounting
 * is single-threaded; the sums go in after join, as in threads.c). */
static void *replay_worker_main(void *arg)
{
    struct replay_worker *w = arg;
    struct replay_shared *sh = w->sh;
    const struct backend_ops *ops = sh->ops;
    for (size_t i = 0; i < w->n && !w->rc; i++) {
        const struct replay_op *o = &w->op[i];
        void *old = NULL;
        uint64_t oldsize = 0;
        if (o->addr) {
            if ((w->rc = replay_wait(sh, o->addr)) != 0)
                break;
            old = sh->blk[o->addr].p;
            oldsize = sh->blk[o->addr].size;
        }
        void *q = NULL;
        if (o->op == TRACE_OP_FREE) {
            ops->free(old);
            w->live -= (int64_t)oldsize;
            w->ops_done++;
            continue;
        }
        if (!o->result) {
            if (o->addr && o->size == 0) { /* realloc(p, 0) that freed p */
                ops->free(old);
                w->live -= (int64_t)oldsize;
                w->ops_done++;
            }
            continue; /* a call that failed in the traced run */
        }
        if (trace_format_is_realloc_op(o->op)) {
            if (o->size == 0) {
                ops->free(old);
                q = ops->malloc(0);
            } else {
                q = ops->realloc(old, o->size);
            }
        } else if (o->op == TRACE_OP_CALLOC) {
            q = ops->calloc(1, o->size);
        } else if (trace_format_is_aligned_op(o->op)) {
            q = ops->memalign(o->align, o->size);
        } else {
            q = ops->malloc(o->size);
        }
        w->ops_done++;
        if (!q) {
            w->rc = ENOMEM;
            break;
        }
        if (sh->touch)
            replay_touch_raw(q, oldsize < o->size ? oldsize : o->size, o->size, &w->touched);
        w->requested += o->size;
        w->live += (int64_t)o->size - (int64_t)oldsize;
        replay_publish(sh, o->result, q, o->size);
    }
    if (w->rc) {
        int expect = 0;
        atomic_compare_exchange_strong(&sh->abort, &expect, w->rc);
    }
    return NULL;
}

/* Single-threaded traces run on the calling thread through the wl_ helpers, so latency
 * sampling and the timeline see every op. */
static int replay_single(struct wl_env *env, struct replay_shared *sh, struct replay_op *op,
                         size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct replay_op *o = &op[i];
        void *old = o->addr ? sh->blk[o->addr].p : NULL;
        uint64_t oldsize = o->addr ? sh->blk[o->addr].size : 0;
        if (o->op == TRACE_OP_FREE) {
            wl_free(env, old, (size_t)oldsize);
            continue;
        }
        if (!o->result) {
            if (o->addr && o->size == 0)
                wl_free(env, old, (size_t)oldsize);
            continue;
        }
        void *q;
        size_t size = (size_t)o->size;
        if (trace_format_is_realloc_op(o->op)) {
            if (size == 0) {
                wl_free(env, old, (size_t)oldsize);
                q = wl_malloc(env, 0);
            } else {
                q = wl_realloc(env, old, (size_t)oldsize, size);
            }
        } else if (o->op == TRACE_OP_CALLOC) {
            q = wl_calloc(env, 1, size);
        } else if (trace_format_is_aligned_op(o->op)) {
            q = wl_memalign(env, o->align, size);
        } else {
            q = wl_malloc(env, size);
        }
        if (!q)
            return ENOMEM;
        if (sh->touch && size > oldsize)
            wl_touch(env, (char *)q + oldsize, size - (size_t)oldsize, 4096);
        sh->blk[o->result].p = q;
        sh->blk[o->result].size = o->size;
    }
    return 0;
}

static int replay_threads(struct wl_env *env, struct replay_shared *sh, struct replay_trace *t)
{
    struct replay_worker *w = t->w;
    int rc = 0;
    unsigned started = 0;
    for (; started < t->nthreads; started++) {
        struct replay_worker *x = &w[started];
        x->sh = sh;
        x->op = t->op + t->start[started];
        x->n = t->start[started + 1] - t->start[started];
        int e = pthread_create(&x->tid, NULL, replay_worker_main, x);
        if (e != 0) {
            int expect = 0;
            atomic_compare_exchange_strong(&sh->abort, &expect, e);
            rc = e;
            break;
        }
    }
    for (unsigned k = 0; k < started; k++) {
        pthread_join(w[k].tid, NULL);
        env->ops_done += w[k].ops_done;
        env->requested_bytes += w[k].requested;
        env->touched_pages += w[k].touched;
        env->live_requested += w[k].live;
        if (rc == 0)
            rc = w[k].rc;
    }
    return rc;
}

static struct replay_trace replay_state; /* 8 KB of thread slices: kept off the stack */

static void replay_cleanup(struct wl_env *env)
{
    struct replay_trace *t = &replay_state;
    wl_util_scratch_free(env, t->w);
    wl_util_scratch_free(env, t->blk);
    wl_util_scratch_free(env, t->op);
    memset(t, 0, sizeof *t);
    env->state = NULL;
}

static int replay_prepare(struct wl_env *env)
{
    struct replay_trace *t = &replay_state;
    memset(t, 0, sizeof *t);
    env->state = t;
    t->path = param_has_value(env->params, "file") ? param_str(env->params, "file") : "";
    if (!t->path[0])
        return replay_fail("replay", "file= is required (a trace from `faultline trace`)",
                           REPLAY_NO_OFFSET);
    return replay_load(env, t);
}

static int replay_run(struct wl_env *env)
{
    struct replay_trace *t = env->state;
    int rc = 0;
    if (t->n) {
        struct replay_shared sh = {
            .ops = env->ops, .blk = t->blk, .touch = (int)wl_util_num(env, "touch")};
        const int64_t base = env->live_requested;
        wl_step(env, "loaded");
        rc = t->nthreads == 1 ? replay_single(env, &sh, t->op, (size_t)t->n)
                              : replay_threads(env, &sh, t);
        /* The ideal RSS is the traced program's own peak (its global order), which concurrent
         * replay threads need not reproduce exactly. */
        if (base + t->peak > env->peak_live_requested)
            env->peak_live_requested = base + t->peak;
        wl_step(env, "replayed");
    }
    return rc;
}

const struct workload workload_replay = {
    .name = "replay",
    .summary = "replay a malloc trace captured by `faultline trace` (per-thread order kept)",
    .params = replay_params,
    .prepare = replay_prepare,
    .run = replay_run,
    .cleanup = replay_cleanup,
};
