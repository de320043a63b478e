/* Latency sampling of allocator calls inside the measured phase: the always-timed ops table
 * that the workload helpers call for the 1-in-N calls they pick (one countdown per op kind, see
 * wl_pick), and a sampling ops table for code that calls env->ops directly (worker threads).
 * Every sample is recorded once (unweighted): percentiles and the mean are those of the
 * samples, and the histogram count is the sample count. */
#ifndef FAULTLINE_LAT_H
#define FAULTLINE_LAT_H

#include <stdbool.h>
#include <stdint.h>

#include "backend.h"
#include "sample.h"
#include "workload.h"

/* Set up both tables over raw. every = N (1 = time every call). Histograms go to hist[]. */
void lat_init(const struct backend_ops *raw, uint64_t every, struct hist *hist);
/* Arms the workload helpers' countdowns (env->lat_countdown, see workload.h) for the phase:
 * every N-th call of each kind is timed, and rec->due checks the timeline's op tick at least
 * every tick_every calls of a kind. */
void lat_arm(struct wl_env *env, uint64_t tick_every);
/* rec->due: a helper's countdown reached zero. */
bool lat_due(void *ctx, struct wl_env *env, enum wl_kind kind);
/* The table whose every call is timed (env->timed). */
const struct backend_ops *lat_always_timed(void);
/* The table that times 1 in N calls of each kind and every big request (env->ops). */
const struct backend_ops *lat_sampling(void);
/* Recorder callback: times a touch; one sample of ns per touched page. */
void lat_touch(void *ctx, void *p, size_t len, size_t stride);
/* Now, in ns, on the sample clock (TSC-derived where lat_init chose it, else CLOCK_MONOTONIC):
 * only differences between two reads mean anything. */
uint64_t lat_clock_ns(void);
/* The clock's own cost in ns (min of back-to-back read pairs), subtracted from every sample. */
uint64_t lat_timer_cost(void);
/* Whether samples are timed with the invariant TSC (else CLOCK_MONOTONIC; see lat.c). */
bool lat_timer_is_tsc(void);
/* Calls every wrapper's cold path once on inputs that do nothing (free(NULL)), so its code
 * and data are resident before the phase starts. */
void lat_warm(void);

#endif
