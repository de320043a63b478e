/* Allocation sizes from min to max in x sqrt(2) steps, each allocated, touched and freed k times:
 * maps where an allocator switches strategy (heap vs mmap, thresholds that move). */
#include "wl_util.h"

#include <errno.h>
#include <stdio.h>

static const struct param_def size_sweep_params[] = {
    {"min", PARAM_SIZE, "4K", 16, 1LL << 32, NULL, 0, "first size"},
    {"max", PARAM_SIZE, "32M", 16, 1LL << 32, NULL, 0, "largest size (sizes above it stop)"},
    {"k", PARAM_INT, "2", 1, 1000000, NULL, 0,
     "alloc/touch/free repetitions per size (2 shows a threshold that moves after the first "
     "free; the default keeps a run near 0.1 s)"},
    {"touch", PARAM_SWITCH, "on", 0, 1, NULL, 0, "write one byte per page of each block"},
    {.name = NULL},
};

/* Integer square root (floor). */
static uint64_t size_sweep_isqrt(uint64_t v)
{
    uint64_t r = 0;
    for (uint64_t bit = (uint64_t)1 << 62; bit; bit >>= 2) {
        if (v >= r + bit) {
            v -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
    }
    return r;
}

/* To the nearest multiple of 16 (at least 16). */
static uint64_t size_sweep_round(uint64_t v)
{
    v = (v + 8) & ~(uint64_t)15;
    return v ? v : 16;
}

/* Size i of the sweep: min * sqrt(2)^i rounded to the nearest 16 bytes (4K, 5792, 8K, 11584, ...).
 * Even steps are min times a power of two; odd ones are floor(sqrt(2 * even^2)), so no floating
 * point decides a size. */
static uint64_t size_sweep_size(uint64_t min, unsigned i)
{
    uint64_t even = min << (i / 2);
    if (i % 2 == 0)
        return size_sweep_round(even);
    if (even < ((uint64_t)1 << 31))
        return size_sweep_round(size_sweep_isqrt(2 * even * even));
    /* 2 * even^2 would overflow: work in 64 KiB units (the error is far below one step). */
    uint64_t u = even >> 16;
    return size_sweep_round(size_sweep_isqrt(2 * u * u) << 16);
}

static int size_sweep_run(struct wl_env *env)
{
    const uint64_t min = (uint64_t)wl_util_num(env, "min");
    const uint64_t max = (uint64_t)wl_util_num(env, "max");
    const int64_t k = wl_util_num(env, "k");
    const int touch = (int)wl_util_num(env, "touch");
    if (min > max)
        return EINVAL;

    /* min >= 16 and max <= 2^32 end the loop by i = 58, long before min << (i / 2) overflows. */
    for (unsigned i = 0;; i++) {
        uint64_t size = size_sweep_size(min, i);
        if (size > max)
            break;
        for (int64_t r = 0; r < k; r++) {
            void *p = wl_malloc(env, (size_t)size);
            if (!p)
                return ENOMEM;
            if (touch)
                wl_touch(env, p, (size_t)size, WL_UTIL_PAGE);
            wl_free(env, p, (size_t)size);
        }
        char label[48];
        snprintf(label, sizeof label, "size=%llu", (unsigned long long)size);
        wl_step(env, label);
    }
    return 0;
}

const struct workload workload_size_sweep = {
    .name = "size-sweep",
    .summary = "sizes min..max in x sqrt(2) steps, each malloc/touch/free k times",
    .params = size_sweep_params,
    .run = size_sweep_run,
};
