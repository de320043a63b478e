/* One measured run as the runner child records it: metric values (null-able, from
 * metrics.def), per-step snapshots, the timeline, latency histograms and the run's warnings.
 * The struct lives in a memfd shared between the faultline parent and the runner it execs, so
 * a run that crashes half-way still leaves everything it recorded before the crash. */
#ifndef FAULTLINE_SAMPLE_H
#define FAULTLINE_SAMPLE_H

#include <stdbool.h>
#include <stdint.h>

#include "breakdown.h"
#include "hist.h"
#include "os.h"
#include "perf.h"
#include "settle.h"

enum metric_id {
#define METRIC(id, unit, source, doc) METRIC_##id,
#include "metrics.def"
#undef METRIC
    METRIC_COUNT
};

struct metric_info {
    const char *name;
    const char *unit;
    const char *source;
    const char *doc;
};
extern const struct metric_info sample_metrics[METRIC_COUNT];

/* Operation kinds with their own latency histogram. */
enum op_kind { OP_MALLOC, OP_FREE, OP_REALLOC, OP_CALLOC, OP_MEMALIGN, OP_TOUCH, OP_COUNT };
extern const char *const sample_op_names[OP_COUNT];

struct sample_values {
    double v[METRIC_COUNT];
    bool valid[METRIC_COUNT]; /* false = not measured: null in JSON, empty in CSV */
};

#define SAMPLE_STEPS_MAX    256
#define SAMPLE_TIMELINE_MAX 1000 /* even: decimation keeps every other point */
#define SAMPLE_LABEL_MAX    48

struct step_snapshot {
    char label[SAMPLE_LABEL_MAX];
    uint64_t ops;
    int64_t break_offset;    /* program break minus the break at the start of the phase */
    int64_t heap_bytes;      /* backend stats; -1 unknown */
    int64_t mapped_bytes;    /* backend stats; -1 unknown */
    uint64_t minflt, majflt; /* getrusage since the start of the phase */
    /* per syscall kind (enum os_call: brk mmap munmap mremap madvise mprotect), since the start */
    int64_t sys[OS_CALL_COUNT]; /* tracepoint counts; -1 unknown */
    int64_t os[OS_CALL_COUNT];  /* OS-layer counts; -1 unknown */
};

struct timeline_point {
    uint64_t ops;
    uint64_t rss_bytes;
    int64_t break_offset;
    int64_t mapped_bytes; /* -1 unknown */
    int64_t live_bytes;   /* live requested bytes (workload accounting) */
    uint64_t minflt;      /* cumulative since the start of the phase */
};

enum run_phase { PHASE_STARTED, PHASE_SETUP_DONE, PHASE_MEASURING, PHASE_DONE };

#define RUN_RECORD_MAGIC 0x666c7472u /* "fltr" */

struct run_record {
    uint32_t magic;
    uint32_t size;
    int phase;
    int status;      /* workload return value: 0 or errno */
    char error[256]; /* setup error text, if any */
    struct sample_values m;
    uint64_t timer_cost_ns;
    char timer_clock[16]; /* "tsc" or "monotonic": the latency samples' clock */
    uint64_t lat_sample_every;
    unsigned warning_count;
    char warnings[4][PERF_REASON_MAX];
    unsigned hw_count;
    struct perf_hw_value hw[PERF_MAX_HW];
    unsigned step_count;
    unsigned steps_dropped;
    struct step_snapshot steps[SAMPLE_STEPS_MAX];
    unsigned timeline_count;
    uint64_t timeline_every;
    struct timeline_point timeline[SAMPLE_TIMELINE_MAX];
    struct hist hist[OP_COUNT];
    unsigned bd_count; /* RSS breakdown at timeline points and steps (memview.c) */
    struct breakdown_point bd[BREAKDOWN_MAX];
    unsigned settle_count; /* settle window after the phase */
    struct settle_point settle[SETTLE_MAX];
};

/* Index of a metric by name, or -1. */
int sample_metric_index(const char *name);
void sample_values_clear(struct sample_values *s);
static inline void sample_set(struct sample_values *s, enum metric_id id, double v)
{
    s->v[id] = v;
    s->valid[id] = true;
}

#endif
