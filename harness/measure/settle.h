/* Time to release: after the workload's last free (the end of the measured phase) keep
 * sampling the process's Rss and LazyFree for a settle window, and derive how long Rss took to
 * come within 10 % of its final value and how much stayed resident at the end. Where decay- or
 * MADV_FREE-based allocators (jemalloc, mimalloc) differ from trimming ones (glibc, hybrid). */
#ifndef FAULTLINE_SETTLE_H
#define FAULTLINE_SETTLE_H

#include <stdbool.h>
#include <stdint.h>

#define SETTLE_MAX         256
#define SETTLE_INTERVAL_US 5000   /* one sample per 5 ms */
#define SETTLE_STABLE_US   100000 /* stop early after 100 ms without any Rss change */

struct settle_point {
    uint64_t t_ns;    /* since the end of the measured phase */
    int64_t rss;      /* smaps_rollup Rss */
    int64_t lazyfree; /* smaps_rollup LazyFree */
};

struct settle_result {
    uint64_t window_ns;  /* how long it sampled (early stop included) */
    uint64_t release_ns; /* first sample from which Rss stays within 10 % of the final Rss */
    int64_t final_rss;
};

/* Sample for up to window_ms (0 = nothing); with early_stop, stop after SETTLE_STABLE_US
 * without any change. pts gets at most SETTLE_MAX points (the interval widens to fit). */
void settle_run(unsigned window_ms, bool early_stop, struct settle_point *pts, unsigned *count,
                struct settle_result *out);

#endif
