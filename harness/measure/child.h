/* The measured side of a run, executed inside the faultline-runner process: set up the
 * backend and workload, open counters, run the measured phase, and fill the shared record. */
#ifndef FAULTLINE_CHILD_H
#define FAULTLINE_CHILD_H

#include <stdbool.h>
#include <stdint.h>

#include "sample.h"

struct child_config {
    const char *backend_spec;
    const char *workload_spec;
    uint64_t seed;
    const char *events;        /* hardware events, may be NULL */
    bool no_perf;              /* open no perf counters */
    bool no_measure;           /* no latency wrappers, no timeline (overhead baseline) */
    uint64_t lat_sample_every; /* time 1 in N cheap ops; 0 = default */
    uint64_t timeline_every;   /* first timeline interval in ops; 0 = default */
    const char *tmpdir;        /* private scratch directory for the workload */
    unsigned settle_ms;        /* settle window after the phase (memview.h); 0 = none */
    bool settle_full;          /* sample the whole window (else stop after 100 ms unchanged) */
};

/* 1 in 2048 per op kind. A timed call costs ~45 ns here (two TSC reads, one fenced, and the
 * histogram), i.e. ~1.1 % of glibc churn's 4 ns ops at 1 in 1024: with the timeline's points
 * that put the cheapest cell's measured/unmeasured CPU ratio at 1.017-1.026 over 30 pairs
 * (2026-12-02), over the 2 % goal; at 2048 it read 1.014 and 1.005 (`make bench-overhead`).
 * The price: half the samples (churn of 1 M iterations still gets ~490 per kind). */
#define CHILD_LAT_SAMPLE_DEFAULT 2048
#define CHILD_TIMELINE_DEFAULT   4096
/* Requests at least this big are always timed individually: they are the ones that may make a
 * syscall (brk growth, mmap) and would be invisible in a 1-in-N sample. */
#define CHILD_BIG_REQUEST 65536

/* Runs everything; returns the process exit code: 0 ok, 3 workload error (rec->status),
 * 2 bad configuration (rec->error). */
int child_run(const struct child_config *cfg, struct run_record *rec);

#endif
