/* A seeded random mix of mallocs and frees over a bounded live set: each op picks a random slot
 * and frees its block if it holds one, else allocates a new one, so blocks die in random order. */
#include "wl_util.h"

#include <errno.h>

static const struct param_def random_mix_params[] = {
    {"slots", PARAM_INT, "1024", 1, 1 << 24, NULL, 0,
     "live-set bound: at most this many blocks are live at once"},
    {"count", PARAM_INT, "200000", 1, 1000000000, NULL, 0,
     "ops (a malloc or a free each); the blocks still live at the end are freed afterwards"},
    {"dist", PARAM_ENUM, "uniform", 0, 0, WL_UTIL_DIST_CHOICES, 0,
     "size distribution between min and max (loguniform: equal mass per octave; pareto: shape "
     "1, P(size > x) = min/x, clamped to max)"},
    {"min", PARAM_SIZE, "16", 0, 1LL << 32, NULL, 0, "smallest request"},
    {"max", PARAM_SIZE, "64K", 1, 1LL << 32, NULL, 0, "largest request"},
    {"touch", PARAM_SWITCH, "on", 0, 1, NULL, 0, "write the first byte of each new block"},
    {.name = NULL},
};

struct random_mix_slot {
    void *p;
    size_t size;
};

static int random_mix_prepare(struct wl_env *env)
{
    return wl_util_prepare_scratch(env, (size_t)wl_util_num(env, "slots"),
                                   sizeof(struct random_mix_slot));
}

static int random_mix_run(struct wl_env *env)
{
    const size_t slots = (size_t)wl_util_num(env, "slots");
    const int64_t count = wl_util_num(env, "count");
    const enum wl_util_dist dist = (enum wl_util_dist)wl_util_num(env, "dist");
    const size_t min = (size_t)wl_util_num(env, "min");
    const size_t max = (size_t)wl_util_num(env, "max");
    const int touch = (int)wl_util_num(env, "touch");
    if (min > max)
        return EINVAL;

    struct random_mix_slot *slot = env->state;
    int rc = 0;
    for (int64_t i = 0; i < count; i++) {
        struct random_mix_slot *s = &slot[wl_below(env, slots)];
        if (s->p) {
            wl_free(env, s->p, s->size);
            s->p = NULL;
            continue;
        }
        s->size = wl_util_size(env, dist, min, max);
        s->p = wl_malloc(env, s->size);
        if (!s->p) {
            rc = ENOMEM;
            break;
        }
        if (touch)
            wl_touch(env, s->p, 1, WL_UTIL_PAGE);
    }
    for (size_t i = 0; i < slots; i++)
        if (slot[i].p)
            wl_free(env, slot[i].p, slot[i].size);
    return rc;
}

const struct workload workload_random_mix = {
    .name = "random-mix",
    .summary = "seeded random malloc/free over a bounded live set, sizes from a distribution",
    .params = random_mix_params,
    .prepare = random_mix_prepare,
    .run = random_mix_run,
    .cleanup = wl_util_cleanup_scratch,
};
