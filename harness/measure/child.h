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

#define CHILD_LAT_SAMPLE_DEFAULT 1024
#define CHILD_TIMELINE_DEFAULT   4096
/* Requests at least this big are always timed individually: they are the ones that may make a
 * syscall (brk growth, mmap) and would be invisible in a 1-in-N sample. */
#define CHILD_BIG_REQUEST 65536

/* Runs everything; returns the process exit code: 0 ok, 3 workload error (rec->status),
 * 2 bad configuration (rec->error). */
int child_run(const struct child_config *cfg, struct run_record *rec);

#endif
