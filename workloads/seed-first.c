/* The seed note's first experiment: malloc(128) then malloc(0x20bc0), then free both, with a
 * snapshot after each op, to show where the heap/mmap boundary falls for the second request
 * given the heap state the first one leaves (reference B.1, B.2). */
#include "wl_util.h"

#include <errno.h>
#include <stdio.h>

static const struct param_def seed_first_params[] = {
    {"first", PARAM_SIZE, "128", 0, 1LL << 30, NULL, 0,
     "size of the first request, which sets up the heap"},
    {"size", PARAM_SIZE, "0x20bc0", 0, 1LL << 34, NULL, 0,
     "size of the second request (the seed's 0x20bc0 = 134080 bytes)"},
    {"touch", PARAM_SWITCH, "off", 0, 1, NULL, 0,
     "write one byte per page of each block right after it is allocated"},
    {.name = NULL},
};

static int seed_first_run(struct wl_env *env)
{
    const size_t first = (size_t)wl_util_num(env, "first");
    const size_t size = (size_t)wl_util_num(env, "size");
    const int touch = (int)wl_util_num(env, "touch");
    char label[64];

    void *p1 = wl_malloc(env, first);
    if (!p1)
        return ENOMEM;
    if (touch)
        wl_touch(env, p1, first, WL_UTIL_PAGE);
    snprintf(label, sizeof label, "p1=malloc(%zu)", first);
    wl_step(env, label);

    void *p2 = wl_malloc(env, size);
    if (!p2) {
        wl_free(env, p1, first);
        return ENOMEM;
    }
    if (touch)
        wl_touch(env, p2, size, WL_UTIL_PAGE);
    snprintf(label, sizeof label, "p2=malloc(%zu)", size);
    wl_step(env, label);

    wl_free(env, p1, first);
    wl_step(env, "free(p1)");
    wl_free(env, p2, size);
    wl_step(env, "free(p2)");
    return 0;
}

const struct workload workload_seed_first = {
    .name = "seed-first",
    .summary = "malloc(128) then malloc(0x20bc0), free both: where the heap/mmap boundary falls",
    .params = seed_first_params,
    .run = seed_first_run,
};
