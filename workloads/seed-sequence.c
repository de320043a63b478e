/* The seed note's heap walk-through: A=malloc(30K), B=malloc(40K), C=malloc(200K),
 * D=malloc(100K), then free C, B, D, A, with a snapshot after each op. Exactly these 8 allocator
 * ops, so the syscalls between steps can be compared one for one with glibc (reference B.3). */
#include "wl_util.h"

#include <errno.h>

static const struct param_def seed_sequence_params[] = {
    {"touch", PARAM_SWITCH, "off", 0, 1, NULL, 0,
     "write one byte per page of each block right after it is allocated (off: the seed's pure "
     "virtual allocation, no faults)"},
    {.name = NULL},
};

static int seed_sequence_run(struct wl_env *env)
{
    static const struct {
        const char *label;
        size_t size;
    } blocks[4] = {
        {"A=malloc(30K)", 30 * 1024},
        {"B=malloc(40K)", 40 * 1024},
        {"C=malloc(200K)", 200 * 1024},
        {"D=malloc(100K)", 100 * 1024},
    };
    /* Free order C, B, D, A as in the seed; labels name the block. */
    static const struct {
        const char *label;
        unsigned idx;
    } frees[4] = {{"free(C)", 2}, {"free(B)", 1}, {"free(D)", 3}, {"free(A)", 0}};
    const int touch = (int)wl_util_num(env, "touch");
    void *p[4] = {NULL, NULL, NULL, NULL};

    for (unsigned i = 0; i < 4; i++) {
        p[i] = wl_malloc(env, blocks[i].size);
        if (!p[i]) {
            while (i-- > 0)
                wl_free(env, p[i], blocks[i].size);
            return ENOMEM;
        }
        if (touch)
            wl_touch(env, p[i], blocks[i].size, WL_UTIL_PAGE);
        wl_step(env, blocks[i].label);
    }
    for (unsigned i = 0; i < 4; i++) {
        wl_free(env, p[frees[i].idx], blocks[frees[i].idx].size);
        wl_step(env, frees[i].label);
    }
    return 0;
}

const struct workload workload_seed_sequence = {
    .name = "seed-sequence",
    .summary = "A=malloc(30K) B=40K C=200K D=100K, free C B D A; a snapshot after each op",
    .params = seed_sequence_params,
    .run = seed_sequence_run,
};
