/* The what-if engine: a malloc trace loaded and validated once, then replayed through the
 * hybrid twin (glibc 2.36's main-arena policy) under many settings, each in a forked child that
 * only calls the twin (no measurement, no writes to block contents) and hands its OS-layer
 * counts back through a pipe. Up to `jobs` children run at once. */
#ifndef FAULTLINE_WHATIF_H
#define FAULTLINE_WHATIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "os.h"
#include "whatif_trace.h"

/* The twin's knobs for one setting (hybrid_init's mapping, repeated: the engine does not go
 * through the backend, whose lock and stats it has no use for). */
struct whatif_knobs {
    size_t top_pad, trim_threshold, mmap_threshold;
    int mmap_max;
    bool dynamic;
};

/* What one replay predicts. */
struct whatif_result {
    struct os_counts os;   /* calls per kind during the replay */
    uint64_t heap_bytes;   /* break-based heap held at the end (break - heap start) */
    uint64_t mapped_bytes; /* mmapped chunks still held at the end */
    int error;             /* 0, or the errno the replay stopped with (ENOMEM, a crash: EFAULT) */
};

/* Replays t once per knobs[i] into res[i], at most jobs children at a time. 0, or -1 with errno
 * when a child could not be started (res[i].error says which settings did not run). */
int whatif_predict(const struct whatif_trace *t, const struct whatif_knobs *knobs, size_t count,
                   unsigned jobs, struct whatif_result *res);

/* Total OS calls of a result (every kind). */
uint64_t whatif_total_calls(const struct whatif_result *r);

#endif
