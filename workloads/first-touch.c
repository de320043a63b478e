/* One large block and a chosen page-touch pattern: the cost of first-touch page faults, which
 * for a fresh mapping is exactly one minor fault per page written. */
#include "wl_util.h"

#include <errno.h>

enum first_touch_pattern { FIRST_TOUCH_ALL, FIRST_TOUCH_NONE, FIRST_TOUCH_ALTERNATE };

static const struct param_def first_touch_params[] = {
    {"size", PARAM_SIZE, "16M", 1, 1LL << 36, NULL, 0, "bytes allocated"},
    {"pattern", PARAM_ENUM, "all", 0, 0, "all|none|alternate", 0,
     "pages written: every page, none, or every other page (pages 0, 2, 4, ...)"},
    {.name = NULL},
};

static int first_touch_run(struct wl_env *env)
{
    const size_t size = (size_t)wl_util_num(env, "size");
    const enum first_touch_pattern pattern = (enum first_touch_pattern)wl_util_num(env, "pattern");

    void *p = wl_malloc(env, size);
    if (!p)
        return ENOMEM;
    wl_step(env, "allocated");
    if (pattern == FIRST_TOUCH_ALL)
        wl_touch(env, p, size, WL_UTIL_PAGE);
    else if (pattern == FIRST_TOUCH_ALTERNATE)
        wl_touch(env, p, size, 2 * WL_UTIL_PAGE);
    wl_step(env, "touched");
    wl_free(env, p, size);
    wl_step(env, "freed");
    return 0;
}

const struct workload workload_first_touch = {
    .name = "first-touch",
    .summary = "allocate one block, write every page / none / every other page, free",
    .params = first_touch_params,
    .run = first_touch_run,
};
