/* The workload API: one const struct workload per file in workloads/, listed in
 * workloads/registry.c. A workload is deterministic for a given seed (fixed op counts), never
 * prints, never reads the clock, and allocates only through env->ops. It reports its steps,
 * live bytes and touched pages through the inline helpers below, which the harness's recorder
 * turns into snapshots, a timeline and latency histograms. */
#ifndef FAULTLINE_WORKLOAD_H
#define FAULTLINE_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../allocators/backend.h"

struct wl_env;

/* Operation kinds, one latency sampling countdown each (same order as the harness's op_kind). */
enum wl_kind { WL_MALLOC, WL_FREE, WL_REALLOC, WL_CALLOC, WL_MEMALIGN, WL_TOUCH, WL_KIND_COUNT };

/* Called by workloads through the helpers; every callback may be NULL (tests run without). */
struct recorder {
    void *ctx;
    /* Snapshot after a named step: program break, mapped bytes, faults, syscalls so far. */
    void (*step)(void *ctx, const char *label);
    /* A timeline point is due (env->ops_done reached env->next_tick). Sets env->next_tick. */
    void (*tick)(void *ctx, struct wl_env *env);
    /* Touch len bytes at p, one write per `stride` bytes (the recorder times it). */
    void (*touch)(void *ctx, void *p, size_t len, size_t stride);
    /* A helper call found env->lat_countdown[kind] at zero: sets the kind's next countdown, may
     * tick the timeline, and returns whether this call is timed (through env->timed, or
     * rec->touch for WL_TOUCH). The only harness work on the helpers' allocation path. */
    bool (*due)(void *ctx, struct wl_env *env, enum wl_kind kind);
};

struct wl_env {
    const struct backend_ops *ops;     /* allocate through these only (may be timed wrappers) */
    const struct param_values *params; /* the workload's own parameters */
    uint64_t seed;
    struct recorder *rec;
    const char *tmpdir; /* a private directory the workload may use; removed by the harness */
    /* Accounting, updated by the helpers (single-threaded parts; threaded workloads sum their
     * per-thread numbers into these at the end). */
    uint64_t ops_done;
    int64_t live_requested;
    int64_t peak_live_requested;
    uint64_t requested_bytes;
    uint64_t touched_pages;
    uint64_t next_tick; /* ops_done value at which rec->tick is due; UINT64_MAX = never */
    uint64_t rng;       /* xorshift state, seeded from seed by the harness */
    /* The helpers' fast path (wl_pick, wl_touch). A helper call costs one decrement of its
     * kind's countdown and one size compare, measured or not, and then calls `raw`. Only when
     * the countdown reaches zero does the harness's rec->due run (latency sampling, one
     * schedule per kind so a workload alternating malloc and free samples both, and timeline
     * ticks); requests of WL_TIMED_BYTES or more go to `timed` (always timed), or to `raw` when
     * timed is NULL. A zeroed countdown is 2^64 calls away: tests, gbench and --no-measure run
     * the same instructions and never reach rec->due. raw == NULL: workload_execute sets it to
     * ops. Code that calls env->ops directly (worker threads) gets ops' own sampling. */
    const struct backend_ops *raw;
    const struct backend_ops *timed;
    uint64_t lat_countdown[WL_KIND_COUNT];
    /* The workload's own state, made by its prepare() outside the measured phase. */
    void *state;
};

#define WL_TIMED_BYTES       65536
#define WL_TIMED_TOUCH_PAGES 16 /* touches this big are always timed; smaller ones 1 in N */

struct workload {
    const char *name;
    const char *summary;
    const struct param_def *params; /* terminated by {NULL} */
    /* Outside the measured phase, before run: files, bookkeeping arrays (wl_util_scratch), trace
     * loading; kept in env->state. Must not allocate through env->ops (that would start the
     * backend's heap before the phase). 0 or an errno value. NULL = nothing to prepare. */
    int (*prepare)(struct wl_env *env);
    /* The measured phase. 0 on success, or an errno value (ENOMEM when the backend ran out: an
     * outcome). */
    int (*run)(struct wl_env *env);
    /* After the phase, also after a failed prepare or run: releases what prepare made. NULL =
     * nothing to release. */
    void (*cleanup)(struct wl_env *env);
};

/* registry.c */
extern const struct workload *const workload_registry[];
const struct workload *workload_find(const char *name);
int workload_parse_spec(const char *spec, const struct workload **wl, struct param_values *pv,
                        char *err, size_t errlen);
void workload_list_names(char *buf, size_t len);
/* prepare + run + cleanup in one call, for callers that measure nothing (tests, gbench). */
int workload_execute(const struct workload *wl, struct wl_env *env);

/* ---- helpers used by workloads ---- */

static inline void wl_seed(struct wl_env *env, uint64_t seed)
{
    /* splitmix64 scramble so that nearby seeds give unrelated streams */
    uint64_t z = seed + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    env->rng = (z ^ (z >> 31)) | 1;
}

/* xorshift64*: fast, deterministic, good enough for size and order choices. */
static inline uint64_t wl_rand(struct wl_env *env)
{
    uint64_t x = env->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    env->rng = x;
    return x * 0x2545f4914f6cdd1dull;
}

/* Uniform in [0, n). */
static inline uint64_t wl_below(struct wl_env *env, uint64_t n)
{
    return n ? wl_rand(env) % n : 0;
}

/* An op that is not an allocator call (file-map's page touches): counted, timeline ticks. */
static inline void wl_count_op(struct wl_env *env)
{
    if (++env->ops_done >= env->next_tick && env->rec && env->rec->tick)
        env->rec->tick(env->rec->ctx, env);
}

static inline void wl_live(struct wl_env *env, int64_t delta)
{
    env->live_requested += delta;
    if (env->live_requested > env->peak_live_requested)
        env->peak_live_requested = env->live_requested;
}

static inline void wl_step(struct wl_env *env, const char *label)
{
    if (env->rec && env->rec->step)
        env->rec->step(env->rec->ctx, label);
}

/* A countdown reached zero: ask the harness (noinline: keeps the helpers' inlined fast path
 * small; the harness pre-faults all code before the phase, so its placement costs no fault). */
__attribute__((noinline, unused)) static bool wl_due(struct wl_env *env, enum wl_kind kind)
{
    if (env->rec && env->rec->due)
        return env->rec->due(env->rec->ctx, env, kind);
    env->lat_countdown[kind] = UINT64_MAX; /* nobody samples: never again */
    return false;
}

/* Which ops table a helper call goes through (see wl_env.raw/timed). */
static inline const struct backend_ops *wl_pick(struct wl_env *env, size_t size, enum wl_kind kind)
{
    if (__builtin_expect(size >= WL_TIMED_BYTES, 0))
        return env->timed ? env->timed : env->raw;
    if (__builtin_expect(--env->lat_countdown[kind] == 0, 0) && wl_due(env, kind) && env->timed)
        return env->timed;
    return env->raw;
}

static inline void *wl_malloc(struct wl_env *env, size_t size)
{
    void *p = wl_pick(env, size, WL_MALLOC)->malloc(size);
    if (p) {
        env->requested_bytes += size;
        wl_live(env, (int64_t)size);
    }
    env->ops_done++;
    return p;
}

static inline void *wl_calloc(struct wl_env *env, size_t n, size_t size)
{
    size_t total = (size && n > SIZE_MAX / size) ? SIZE_MAX : n * size;
    void *p = wl_pick(env, total, WL_CALLOC)->calloc(n, size);
    if (p) {
        env->requested_bytes += n * size;
        wl_live(env, (int64_t)(n * size));
    }
    env->ops_done++;
    return p;
}

static inline void *wl_memalign(struct wl_env *env, size_t align, size_t size)
{
    void *p = wl_pick(env, size, WL_MEMALIGN)->memalign(align, size);
    if (p) {
        env->requested_bytes += size;
        wl_live(env, (int64_t)size);
    }
    env->ops_done++;
    return p;
}

/* old_size is the size the block was requested with (for live-byte accounting). */
static inline void *wl_realloc(struct wl_env *env, void *p, size_t old_size, size_t size)
{
    void *q = wl_pick(env, size > old_size ? size : old_size, WL_REALLOC)->realloc(p, size);
    if (q) {
        env->requested_bytes += size;
        wl_live(env, (int64_t)size - (int64_t)old_size);
    }
    env->ops_done++;
    return q;
}

static inline void wl_free(struct wl_env *env, void *p, size_t size)
{
    wl_pick(env, size, WL_FREE)->free(p);
    if (p)
        wl_live(env, -(int64_t)size);
    env->ops_done++;
}

/* Write one byte every `stride` bytes of [p, p+len) (stride 4096: every page). The recorder
 * times big touches and 1 in N small ones (--lat-sample); the rest stay inline, because a call per
 * one-byte touch would cost more than the touch. */
static inline void wl_touch(struct wl_env *env, void *p, size_t len, size_t stride)
{
    if (!p || !len)
        return;
    if (stride == 0)
        stride = 4096;
    size_t pages = (len + stride - 1) / stride;
    env->touched_pages += pages;
    /* big touches always timed, small ones on the touch countdown (see wl_pick) */
    if (__builtin_expect(pages >= WL_TIMED_TOUCH_PAGES, 0) ||
        __builtin_expect(--env->lat_countdown[WL_TOUCH] == 0, 0)) {
        if (env->rec && env->rec->touch &&
            (pages >= WL_TIMED_TOUCH_PAGES || wl_due(env, WL_TOUCH))) {
            env->rec->touch(env->rec->ctx, p, len, stride);
            return;
        }
    }
    volatile unsigned char *c = p;
    for (size_t off = 0; off < len; off += stride)
        c[off] = (unsigned char)(off >> 12 | 1);
}

#endif
