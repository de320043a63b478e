/* Repeated malloc / touch / free of one large block (the seed's "mmap vs brk faults" question,
 * reference B.4/B.5): shows whether an allocator keeps big blocks or faults them in every time. */
#include "wl_util.h"

#include <errno.h>
#include <stdio.h>

enum churn_touch { CHURN_ALL, CHURN_NONE, CHURN_HALF };

static const struct param_def churn_params[] = {
    {"size", PARAM_SIZE, "1M", 0, 1LL << 34, NULL, 0, "bytes per allocation"},
    {"count", PARAM_INT, "100", 1, 100000000, NULL, 0, "malloc/touch/free iterations"},
    {"touch", PARAM_ENUM, "all", 0, 0, "all|none|half", 0,
     "pages written per iteration: every page, none, or the first half of the pages"},
    {.name = NULL},
};

static int churn_run(struct wl_env *env)
{
    const size_t size = (size_t)wl_util_num(env, "size");
    const int64_t count = wl_util_num(env, "count");
    const enum churn_touch touch = (enum churn_touch)wl_util_num(env, "touch");
    size_t len = 0;
    if (touch == CHURN_ALL)
        len = size;
    else if (touch == CHURN_HALF)
        len = wl_util_pages(size) / 2 * WL_UTIL_PAGE;

    for (int64_t i = 0; i < count; i++) {
        void *p = wl_malloc(env, size);
        if (!p)
            return ENOMEM;
        wl_touch(env, p, len, WL_UTIL_PAGE);
        wl_free(env, p, size);
        /* A snapshot per iteration would swamp the output; the first three show the
         * allocator's transition (e.g. glibc's threshold moving after the first free). */
        if (i < 3) {
            char label[32];
            snprintf(label, sizeof label, "iter%d", (int)i);
            wl_step(env, label);
        }
    }
    return 0;
}

const struct workload workload_churn = {
    .name = "churn",
    .summary = "malloc(size), touch, free, count times: are big blocks kept or re-faulted?",
    .params = churn_params,
    .run = churn_run,
};
