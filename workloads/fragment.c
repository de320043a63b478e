/* Classic fragmentation: many small blocks, every other one freed (holes the size of a small
 * block), then larger requests that cannot reuse those holes, so the footprint grows. */
#include "wl_util.h"

#include <errno.h>

static const struct param_def fragment_params[] = {
    {"count", PARAM_INT, "4096", 4, 1 << 24, NULL, 0,
     "small blocks allocated first (count/4 large ones follow)"},
    {"small", PARAM_SIZE, "256", 1, 1LL << 30, NULL, 0, "size of the small blocks"},
    {"large", PARAM_SIZE, "4K", 1, 1LL << 30, NULL, 0, "size of the large blocks"},
    {"touch", PARAM_SWITCH, "on", 0, 1, NULL, 0, "write one byte per page of each block"},
    {.name = NULL},
};

static int fragment_prepare(struct wl_env *env)
{
    const size_t count = (size_t)wl_util_num(env, "count");
    return wl_util_prepare_scratch(env, count + count / 4, sizeof(void *));
}

static int fragment_run(struct wl_env *env)
{
    const size_t count = (size_t)wl_util_num(env, "count");
    const size_t small = (size_t)wl_util_num(env, "small");
    const size_t large = (size_t)wl_util_num(env, "large");
    const int touch = (int)wl_util_num(env, "touch");
    const size_t nlarge = count / 4;

    void **sm = env->state;
    void **lg = sm + count;
    int rc = 0;
    size_t ns = 0, nl = 0;

    for (; ns < count; ns++) {
        sm[ns] = wl_malloc(env, small);
        if (!sm[ns]) {
            rc = ENOMEM;
            goto out;
        }
        if (touch)
            wl_touch(env, sm[ns], small, WL_UTIL_PAGE);
    }
    wl_step(env, "small");
    for (size_t i = 1; i < count; i += 2) {
        wl_free(env, sm[i], small);
        sm[i] = NULL;
    }
    wl_step(env, "holes");
    for (; nl < nlarge; nl++) {
        lg[nl] = wl_malloc(env, large);
        if (!lg[nl]) {
            rc = ENOMEM;
            goto out;
        }
        if (touch)
            wl_touch(env, lg[nl], large, WL_UTIL_PAGE);
    }
    wl_step(env, "large");
out:
    for (size_t i = 0; i < ns; i++)
        if (sm[i])
            wl_free(env, sm[i], small);
    for (size_t i = 0; i < nl; i++)
        wl_free(env, lg[i], large);
    if (rc == 0)
        wl_step(env, "freed");
    return rc;
}

const struct workload workload_fragment = {
    .name = "fragment",
    .summary = "small blocks, free every other, then larger blocks that cannot use the holes",
    .params = fragment_params,
    .prepare = fragment_prepare,
    .run = fragment_run,
    .cleanup = wl_util_cleanup_scratch,
};
