/* Fault-cost calibration: one block of N pages, every page written once, freed. With the mmap
 * backend that is N first-touch faults, so time / N is the cost of one fault on this machine. */
#include "wl_util.h"

#include <errno.h>

static const struct param_def calibrate_params[] = {
    {"pages", PARAM_INT, "4096", 1, 1 << 26, NULL, 0, "pages of 4 KiB allocated and written"},
    {.name = NULL},
};

static int calibrate_run(struct wl_env *env)
{
    const size_t len = (size_t)wl_util_num(env, "pages") * WL_UTIL_PAGE;
    void *p = wl_malloc(env, len);
    if (!p)
        return ENOMEM;
    wl_touch(env, p, len, WL_UTIL_PAGE);
    wl_free(env, p, len);
    return 0;
}

const struct workload workload_calibrate = {
    .name = "calibrate",
    .summary = "malloc N pages, write each once, free: the per-fault cost on this machine",
    .params = calibrate_params,
    .run = calibrate_run,
};
