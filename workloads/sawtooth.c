/* A live set that grows to a peak and drains to empty, several times: shows whether an allocator
 * returns memory after a phase ends (trim, unmap) and what order of frees lets it. */
#include "wl_util.h"

#include <errno.h>
#include <stdio.h>

enum sawtooth_order { SAWTOOTH_LIFO, SAWTOOTH_FIFO, SAWTOOTH_RANDOM };

static const struct param_def sawtooth_params[] = {
    {"size", PARAM_SIZE, "16K", 1, 1LL << 32, NULL, 0, "bytes per block"},
    {"peak", PARAM_SIZE, "8M", 1, 1LL << 36, NULL, 0,
     "live bytes at the top of each tooth (peak/size blocks, at least one)"},
    {"order", PARAM_ENUM, "lifo", 0, 0, "lifo|fifo|random", 0,
     "free order: newest first, oldest first, or a seeded random permutation"},
    {"cycles", PARAM_INT, "4", 1, 1000000, NULL, 0, "grow/drain cycles"},
    {"touch", PARAM_SWITCH, "on", 0, 1, NULL, 0, "write one byte per page of each block"},
    {.name = NULL},
};

static size_t sawtooth_blocks(const struct wl_env *env)
{
    size_t n = (size_t)((uint64_t)wl_util_num(env, "peak") / (size_t)wl_util_num(env, "size"));
    return n ? n : 1;
}

static int sawtooth_prepare(struct wl_env *env)
{
    return wl_util_prepare_scratch(env, sawtooth_blocks(env), sizeof(void *));
}

static int sawtooth_run(struct wl_env *env)
{
    const size_t size = (size_t)wl_util_num(env, "size");
    const enum sawtooth_order order = (enum sawtooth_order)wl_util_num(env, "order");
    const int64_t cycles = wl_util_num(env, "cycles");
    const int touch = (int)wl_util_num(env, "touch");
    const size_t n = sawtooth_blocks(env);
    void **blk = env->state;
    int rc = 0;
    for (int64_t c = 1; c <= cycles && rc == 0; c++) {
        size_t live = 0;
        for (; live < n; live++) {
            blk[live] = wl_malloc(env, size);
            if (!blk[live]) {
                rc = ENOMEM;
                break;
            }
            if (touch)
                wl_touch(env, blk[live], size, WL_UTIL_PAGE);
        }
        char label[32];
        if (rc == 0) {
            snprintf(label, sizeof label, "peak%lld", (long long)c);
            wl_step(env, label);
        }
        if (order == SAWTOOTH_RANDOM) {
            /* Fisher-Yates from the seeded stream, then free front to back. */
            for (size_t i = live; i > 1; i--) {
                size_t j = (size_t)wl_below(env, i);
                void *t = blk[i - 1];
                blk[i - 1] = blk[j];
                blk[j] = t;
            }
        }
        for (size_t i = 0; i < live; i++) {
            size_t idx = order == SAWTOOTH_LIFO ? live - 1 - i : i;
            wl_free(env, blk[idx], size);
        }
        if (rc == 0) {
            snprintf(label, sizeof label, "empty%lld", (long long)c);
            wl_step(env, label);
        }
    }
    return rc;
}

const struct workload workload_sawtooth = {
    .name = "sawtooth",
    .summary = "grow the live set to a peak, free it all (lifo|fifo|random), repeat",
    .params = sawtooth_params,
    .prepare = sawtooth_prepare,
    .run = sawtooth_run,
    .cleanup = wl_util_cleanup_scratch,
};
