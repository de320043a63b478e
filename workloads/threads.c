/* Threads that allocate and hand blocks to the next thread, which frees them (larson/xmalloc
 * style): cross-thread frees, arena contention and remote-free handling under a seeded load. */
#include "wl_util.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

static const struct param_def threads_params[] = {
    {"threads", PARAM_INT, "2", 1, 256, NULL, 0,
     "worker threads, in a ring: worker i hands blocks to worker i+1"},
    {"count", PARAM_INT, "100000", 1, 1000000000, NULL, 0,
     "mallocs per thread (every block is freed once, so ops = 2 x threads x count)"},
    {"slots", PARAM_INT, "256", 1, 1 << 20, NULL, 0,
     "blocks each worker keeps live; a new block replaces a random one"},
    {"share", PARAM_INT, "50", 0, 100, NULL, 0,
     "percent of replaced blocks passed to the next worker to free (the rest are freed "
     "locally)"},
    {"queue", PARAM_INT, "1024", 1, 1 << 20, NULL, 0,
     "capacity of each worker's incoming queue; a block that finds it full is freed locally"},
    {"min", PARAM_SIZE, "16", 0, 1LL << 30, NULL, 0, "smallest request (uniform sizes)"},
    {"max", PARAM_SIZE, "4K", 1, 1LL << 30, NULL, 0, "largest request"},
    {.name = NULL},
};

struct threads_item {
    void *p;
    size_t size;
};

/* A bounded ring protected by a mutex; the consumer takes everything at once. */
struct threads_queue {
    pthread_mutex_t mu;
    struct threads_item *item;
    size_t head, len, cap;
};

/* Per-thread state. Counters are private to the thread and summed into the wl_env after join,
 * because the wl_env accounting (and the recorder behind it) is single-threaded. */
struct threads_worker {
    pthread_t tid;
    const struct backend_ops *ops;
    struct wl_env rng; /* only .rng is used: a per-thread seeded stream */
    struct threads_queue *in, *out;
    struct threads_item *slot;
    size_t nslots, min, max;
    int64_t count;
    unsigned share;
    int rc;
    uint64_t ops_done, requested, touched;
    int64_t live, peak; /* bytes this thread allocated minus bytes it freed */
};

static bool threads_push(struct threads_queue *q, struct threads_item it)
{
    bool ok = false;
    pthread_mutex_lock(&q->mu);
    if (q->len < q->cap) {
        q->item[(q->head + q->len) % q->cap] = it;
        q->len++;
        ok = true;
    }
    pthread_mutex_unlock(&q->mu);
    return ok;
}

static void threads_free(struct threads_worker *w, struct threads_item it)
{
    w->ops->free(it.p);
    w->ops_done++;
    w->live -= (int64_t)it.size;
}

/* Free everything waiting in the worker's queue, a batch at a time outside the lock. */
static void threads_drain(struct threads_worker *w)
{
    struct threads_item batch[64];
    for (;;) {
        size_t n = 0;
        pthread_mutex_lock(&w->in->mu);
        while (n < 64 && w->in->len) {
            batch[n++] = w->in->item[w->in->head];
            w->in->head = (w->in->head + 1) % w->in->cap;
            w->in->len--;
        }
        pthread_mutex_unlock(&w->in->mu);
        if (n == 0)
            return;
        for (size_t i = 0; i < n; i++)
            threads_free(w, batch[i]);
    }
}

static void *threads_main(void *arg)
{
    struct threads_worker *w = arg;
    for (int64_t i = 0; i < w->count; i++) {
        threads_drain(w);
        struct threads_item *s = &w->slot[wl_below(&w->rng, w->nslots)];
        if (s->p) {
            bool hand = wl_below(&w->rng, 100) < w->share;
            if (!hand || !threads_push(w->out, *s))
                threads_free(w, *s);
        }
        s->size = w->min + (size_t)wl_below(&w->rng, (uint64_t)(w->max - w->min) + 1);
        s->p = w->ops->malloc(s->size);
        w->ops_done++;
        if (!s->p) {
            w->rc = ENOMEM;
            break;
        }
        *(volatile unsigned char *)s->p = (unsigned char)i;
        w->touched++;
        w->requested += s->size;
        w->live += (int64_t)s->size;
        if (w->live > w->peak)
            w->peak = w->live;
    }
    for (size_t i = 0; i < w->nslots; i++)
        if (w->slot[i].p) {
            threads_free(w, w->slot[i]);
            w->slot[i].p = NULL;
        }
    threads_drain(w);
    return NULL;
}

/* The bookkeeping, made in prepare() outside the measured phase. */
static struct threads_state {
    struct threads_worker *w;
    struct threads_queue *q;
    struct threads_item *slots, *items;
} threads_state;

static void threads_cleanup(struct wl_env *env)
{
    struct threads_state *s = &threads_state;
    wl_util_scratch_free(env, s->w);
    wl_util_scratch_free(env, s->q);
    wl_util_scratch_free(env, s->slots);
    wl_util_scratch_free(env, s->items);
    memset(s, 0, sizeof *s);
    env->state = NULL;
}

static int threads_prepare(struct wl_env *env)
{
    const size_t n = (size_t)wl_util_num(env, "threads");
    const size_t nslots = (size_t)wl_util_num(env, "slots");
    const size_t cap = (size_t)wl_util_num(env, "queue");
    struct threads_state *s = &threads_state;
    s->w = wl_util_scratch(env, n, sizeof *s->w);
    s->q = wl_util_scratch(env, n, sizeof *s->q);
    s->slots = wl_util_scratch(env, n * nslots, sizeof *s->slots);
    s->items = wl_util_scratch(env, n * cap, sizeof *s->items);
    env->state = s;
    if (!s->w || !s->q || !s->slots || !s->items) {
        threads_cleanup(env);
        return ENOMEM;
    }
    return 0;
}

static int threads_run(struct wl_env *env)
{
    const size_t n = (size_t)wl_util_num(env, "threads");
    const size_t nslots = (size_t)wl_util_num(env, "slots");
    const size_t cap = (size_t)wl_util_num(env, "queue");
    const size_t min = (size_t)wl_util_num(env, "min");
    const size_t max = (size_t)wl_util_num(env, "max");
    if (min > max)
        return EINVAL;

    const struct threads_state *s = env->state;
    struct threads_worker *w = s->w;
    struct threads_queue *q = s->q;
    struct threads_item *slots = s->slots, *items = s->items;
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_init(&q[i].mu, NULL);
        q[i].item = items + i * cap;
        q[i].cap = cap;
    }
    for (size_t i = 0; i < n; i++) {
        w[i].ops = env->ops;
        w[i].rng.rng = wl_rand(env) | 1; /* per-thread streams drawn from the run's seed */
        w[i].in = &q[i];
        w[i].out = &q[(i + 1) % n];
        w[i].slot = slots + i * nslots;
        w[i].nslots = nslots;
        w[i].min = min;
        w[i].max = max;
        w[i].count = wl_util_num(env, "count");
        w[i].share = (unsigned)wl_util_num(env, "share");
    }

    int rc = 0;
    size_t started = 0;
    for (; started < n; started++) {
        int e = pthread_create(&w[started].tid, NULL, threads_main, &w[started]);
        if (e != 0) {
            rc = e;
            break;
        }
    }
    const int64_t base = env->live_requested;
    int64_t peak_sum = 0;
    for (size_t i = 0; i < started; i++) {
        pthread_join(w[i].tid, NULL);
        env->ops_done += w[i].ops_done;
        env->requested_bytes += w[i].requested;
        env->touched_pages += w[i].touched;
        env->live_requested += w[i].live;
        peak_sum += w[i].peak;
        if (rc == 0)
            rc = w[i].rc;
    }
    /* Live peak: an upper bound, the sum of each thread's own peak (threads peak at different
     * moments, and a thread's count drops only for the blocks it frees itself). */
    if (base + peak_sum > env->peak_live_requested)
        env->peak_live_requested = base + peak_sum;
    /* One snapshot once every worker is done: the threads' syscalls so far (glibc's non-main
     * arenas grow with mprotect) in steps.csv. */
    wl_step(env, "joined");
    /* Blocks handed over after their receiver had finished are freed here, single-threaded. */
    for (size_t i = 0; i < n; i++) {
        while (q[i].len) {
            struct threads_item it = q[i].item[q[i].head];
            q[i].head = (q[i].head + 1) % q[i].cap;
            q[i].len--;
            wl_free(env, it.p, it.size);
        }
        pthread_mutex_destroy(&q[i].mu);
    }
    return rc;
}

const struct workload workload_threads = {
    .name = "threads",
    .summary = "worker ring: each thread allocates and hands blocks to the next one to free",
    .params = threads_params,
    .prepare = threads_prepare,
    .run = threads_run,
    .cleanup = threads_cleanup,
};
