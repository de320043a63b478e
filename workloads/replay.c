/* Replays a malloc trace from libfaultline-trace.so (allocators/trace_format.h) through the
 * backend: one replay thread per traced thread, each in its own program order, waiting only
 * where a block it frees or reallocs was allocated by another thread and is not there yet. */
#define _GNU_SOURCE
#include "wl_util.h"

#include "trace_file.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static const struct param_def replay_params[] = {
    {"file", PARAM_STRING, NULL, 0, 0, NULL, PARAM_FILE,
     "trace file written by `faultline trace -o FILE -- CMD` (libfaultline-trace.so)"},
    {"touch", PARAM_SWITCH, "on", 0, 1, NULL, 0,
     "write one byte per page of every new block (and of the grown part of a realloc), the "
     "first touch the traced program would have made"},
    {.name = NULL},
};

struct replay_block {
    void *p;
    uint64_t size;
    atomic_uchar ready; /* set (release) once p is valid */
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
    struct trace_file_op *op;
    size_t n;
    int rc;
    uint64_t ops_done, requested, touched;
    int64_t live;
};

struct replay_trace {
    const char *path;
    uint64_t n; /* records */
    struct trace_file_op *op;
    struct replay_block *blk; /* n + 1 entries, indexed by id */
    size_t start[TRACE_FORMAT_MAX_THREADS + 1];
    unsigned nthreads;       /* highest thread index used + 1 */
    int64_t peak;            /* live requested bytes at the peak, in the traced global order */
    struct replay_worker *w; /* nthreads workers (multi-threaded traces only) */
};

/* One line on stderr. Workloads do not print, but a bad trace is a user error the outcome code
 * alone (EINVAL) cannot explain; write(2) never allocates. Returns rc. */
static int replay_say(const char *line, int rc)
{
    size_t len = strlen(line);
    struct iovec iov[2] = {{(void *)line, len}, {"\n", 1}};
    if (writev(STDERR_FILENO, iov, 2) < 0)
        return rc;
    return rc;
}

/* Each thread's records, compacted, into its slice of t->op in file order (= its program
 * order); t->nthreads is the highest thread index used + 1. */
static void replay_slices(struct replay_trace *t, const struct trace_file *f)
{
    static size_t fill[TRACE_FORMAT_MAX_THREADS]; /* 8 KB: off the stack */
    memset(fill, 0, sizeof fill);
    for (uint64_t i = 0; i < f->n; i++) {
        unsigned k = f->rec[i].thread;
        fill[k]++;
        if (k + 1 > t->nthreads)
            t->nthreads = k + 1;
    }
    t->start[0] = 0;
    for (unsigned k = 0; k < TRACE_FORMAT_MAX_THREADS; k++) {
        t->start[k + 1] = t->start[k] + fill[k];
        fill[k] = 0;
    }
    for (uint64_t i = 0; i < f->n; i++) {
        const struct trace_format_record *r = &f->rec[i];
        t->op[t->start[r->thread] + fill[r->thread]++] = trace_file_compact(r);
    }
}

/* Reads and validates the whole trace (trace_file.c) and lays it out for the replay threads in
 * scratch memory (prepare(), outside the measured phase, like every workload's bookkeeping). */
static int replay_load(struct wl_env *env, struct replay_trace *t)
{
    struct trace_file f;
    char err[512];
    int rc = trace_file_load(t->path, &f, err, sizeof err);
    if (rc)
        return replay_say(err, rc);
    t->n = f.n;
    t->peak = (int64_t)f.peak;
    t->op = wl_util_scratch(env, (size_t)t->n, sizeof *t->op);
    if (t->op)
        replay_slices(t, &f);
    trace_file_free(&f); /* before blk is made: records, ops and blk are never all in memory */
    t->blk = wl_util_scratch(env, (size_t)t->n + 1, sizeof *t->blk);
    if (!t->op || !t->blk)
        return ENOMEM;
    if (t->nthreads > 1 && !(t->w = wl_util_scratch(env, t->nthreads, sizeof *t->w)))
        return ENOMEM;
    return 0;
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
        const struct trace_file_op *o = &w->op[i];
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
static int replay_single(struct wl_env *env, struct replay_shared *sh, struct trace_file_op *op,
                         size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct trace_file_op *o = &op[i];
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
        return replay_say("replay: file= is required (a trace from `faultline trace`)", EINVAL);
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
