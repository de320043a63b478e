/* Small inline helpers shared by the workloads: parameter access, rounding, bookkeeping arrays
 * and seeded size distributions. Header-only so each workload stays one self-contained file. */
#ifndef FAULTLINE_WL_UTIL_H
#define FAULTLINE_WL_UTIL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "workload.h"

#define WL_UTIL_PAGE 4096u

static inline int64_t wl_util_num(const struct wl_env *env, const char *key)
{
    return param_num(env->params, key);
}

static inline size_t wl_util_round16(uint64_t n)
{
    return (size_t)((n + 15) & ~(uint64_t)15);
}

static inline size_t wl_util_pages(size_t len)
{
    return (len + WL_UTIL_PAGE - 1) / WL_UTIL_PAGE;
}

/* Bookkeeping arrays (slot tables, queues, a loaded trace) are the harness's memory, not the
 * workload's: they come straight from mmap (never from the backend under test, whose heap must
 * start in the measured phase), populated at once (MAP_POPULATE) so using them faults nothing,
 * and workloads make them in prepare() and free them in cleanup(), outside the measured phase.
 * Zeroed; the mapping's length is kept in a 64-byte header. NULL on failure (errno set). */
void *wl_util_scratch(struct wl_env *env, size_t n, size_t size);
void wl_util_scratch_free(struct wl_env *env, void *p);

/* The common prepare()/cleanup() pair: one zeroed scratch array of n elements in env->state. */
static inline int wl_util_prepare_scratch(struct wl_env *env, size_t n, size_t size)
{
    env->state = wl_util_scratch(env, n, size);
    return env->state ? 0 : ENOMEM;
}

static inline void wl_util_cleanup_scratch(struct wl_env *env)
{
    wl_util_scratch_free(env, env->state);
    env->state = NULL;
}

/* Size distributions over [lo, hi] (lo <= hi), all integer arithmetic so a seed gives the same
 * sizes on every machine and compiler. */
enum wl_util_dist { WL_UTIL_UNIFORM, WL_UTIL_LOGUNIFORM, WL_UTIL_PARETO };
#define WL_UTIL_DIST_CHOICES "uniform|loguniform|pareto"

static inline unsigned wl_util_log2(uint64_t v)
{
    unsigned r = 0;
    while (v >>= 1)
        r++;
    return r;
}

static inline size_t wl_util_size(struct wl_env *env, enum wl_util_dist dist, size_t lo, size_t hi)
{
    uint64_t span = (uint64_t)(hi - lo) + 1;
    switch (dist) {
    case WL_UTIL_UNIFORM:
        return lo + (size_t)wl_below(env, span);
    case WL_UTIL_LOGUNIFORM: {
        /* Pick an octave [2^k, 2^(k+1)) uniformly among those that meet [lo, hi], then a size
         * uniformly inside it: piecewise log-uniform, equal mass per octave. */
        uint64_t l = lo ? lo : 1;
        unsigned klo = wl_util_log2(l), khi = wl_util_log2(hi ? hi : 1);
        unsigned k = klo + (unsigned)wl_below(env, (uint64_t)(khi - klo) + 1);
        uint64_t a = (uint64_t)1 << k, b = (a << 1) - 1;
        if (a < l)
            a = l;
        if (b > hi)
            b = hi;
        return (size_t)(a + wl_below(env, b - a + 1));
    }
    case WL_UTIL_PARETO: {
        /* Pareto with shape 1: P(size > x) = lo / x. size = lo / u with u uniform in (0, 1],
         * computed as lo * 2^32 / r with r uniform in [1, 2^32]; clamped to hi. */
        uint64_t l = lo ? lo : 1;
        uint64_t r = (wl_rand(env) >> 32) + 1;
        if (l > UINT32_MAX)
            return hi; /* lo * 2^32 would overflow; such sizes never run anyway */
        uint64_t s = (l << 32) / r;
        return (size_t)(s > hi ? hi : s);
    }
    }
    return lo;
}

#endif
