/* The settle window (see settle.h). */
#define _GNU_SOURCE
#include "settle.h"

#include <string.h>
#include <time.h>

#include "breakdown.h"

static uint64_t settle_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void settle_run(unsigned window_ms, bool early_stop, struct settle_point *pts, unsigned *count,
                struct settle_result *out)
{
    memset(out, 0, sizeof *out);
    out->final_rss = -1;
    *count = 0;
    if (window_ms == 0)
        return;
    uint64_t t0 = settle_now(), window = (uint64_t)window_ms * 1000000u, stable_since = 0;
    int64_t last = -1;
    for (;;) {
        uint64_t t = settle_now() - t0;
        struct breakdown_kernel k;
        breakdown_kernel_read(&k);
        if (*count < SETTLE_MAX)
            pts[(*count)++] = (struct settle_point){t, k.rss, k.lazyfree};
        if (k.rss != last)
            stable_since = t;
        last = k.rss;
        out->window_ns = t;
        if (t >= window || *count == SETTLE_MAX ||
            (early_stop && t - stable_since >= (uint64_t)SETTLE_STABLE_US * 1000u))
            break;
        long gap = SETTLE_INTERVAL_US * 1000L;
        if (window / SETTLE_MAX > (uint64_t)gap) /* long windows: spread the points */
            gap = (long)(window / SETTLE_MAX);
        struct timespec ts = {gap / 1000000000L, gap % 1000000000L};
        nanosleep(&ts, NULL);
    }
    out->final_rss = last;
    /* the last sample that was outside +-10 % of the final value ends the release */
    for (unsigned i = 0; i < *count; i++) {
        int64_t d = pts[i].rss - last;
        if (d < 0)
            d = -d;
        if (pts[i].rss < 0 || last < 0 || d * 10 > last)
            out->release_ns = i + 1 < *count ? pts[i + 1].t_ns : pts[i].t_ns;
    }
}
