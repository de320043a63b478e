/* One buffer grown by realloc from 16 bytes to max, doubling or in fixed steps, with the new
 * bytes touched: shows copy vs in-place growth vs mremap, and the faults each costs. */
#include "wl_util.h"

#include <errno.h>

enum realloc_grow_mode { REALLOC_GROW_DOUBLE, REALLOC_GROW_STEP };

static const struct param_def realloc_grow_params[] = {
    {"mode", PARAM_ENUM, "double", 0, 0, "double|step", 0,
     "growth: double the size each time, or add `step` bytes each time"},
    {"step", PARAM_SIZE, "64K", 16, 1LL << 32, NULL, 0, "bytes added per realloc in mode=step"},
    {"start", PARAM_SIZE, "16", 1, 1LL << 32, NULL, 0, "initial malloc size"},
    {"max", PARAM_SIZE, "32M", 16, 1LL << 36, NULL, 0,
     "final size (the last realloc is clamped to it)"},
    {"touch", PARAM_SWITCH, "on", 0, 1, NULL, 0,
     "write one byte per page of the bytes each realloc adds"},
    {.name = NULL},
};

static int realloc_grow_run(struct wl_env *env)
{
    const enum realloc_grow_mode mode = (enum realloc_grow_mode)wl_util_num(env, "mode");
    const size_t step = (size_t)wl_util_num(env, "step");
    const size_t max = (size_t)wl_util_num(env, "max");
    const int touch = (int)wl_util_num(env, "touch");
    size_t size = (size_t)wl_util_num(env, "start");
    if (size > max)
        size = max;

    unsigned char *p = wl_malloc(env, size);
    if (!p)
        return ENOMEM;
    if (touch)
        wl_touch(env, p, size, WL_UTIL_PAGE);
    while (size < max) {
        size_t next = mode == REALLOC_GROW_DOUBLE ? size * 2 : size + step;
        if (next > max || next < size)
            next = max;
        unsigned char *q = wl_realloc(env, p, size, next);
        if (!q) {
            wl_free(env, p, size);
            return ENOMEM;
        }
        p = q;
        if (touch)
            wl_touch(env, p + size, next - size, WL_UTIL_PAGE);
        size = next;
    }
    wl_step(env, "grown");
    wl_free(env, p, size);
    wl_step(env, "freed");
    return 0;
}

const struct workload workload_realloc_grow = {
    .name = "realloc-grow",
    .summary = "grow one buffer by realloc from 16 bytes to max (double|step), touching new bytes",
    .params = realloc_grow_params,
    .run = realloc_grow_run,
};
