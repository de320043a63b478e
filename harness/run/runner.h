/* The parent side of one measured run: exec faultline-runner in a fresh child (its own process
 * group, ASLR optionally off, peers preloaded), enforce the timeout, reap it with wait4, and turn
 * its shared record and exit status into a run_result with an outcome. */
#ifndef FAULTLINE_RUNNER_H
#define FAULTLINE_RUNNER_H

#include <stdbool.h>
#include <stdint.h>

#include "results.h"

struct runner_options {
    const char *events;
    bool no_perf;
    bool no_measure;
    bool no_aslr;
    bool fake; /* fake-measure: fixed synthetic numbers, no child at all */
    uint64_t lat_sample_every;
    uint64_t timeline_every;
    double timeout_s;
    uint64_t mem_limit;    /* RLIMIT_DATA of the measured child in bytes; 0 = none */
    unsigned settle_ms;    /* settle window after the phase (--settle), 0 = none */
    bool settle_full;      /* --settle given: sample all of it, no early stop */
    const char *extra_env; /* "KEY=VAL" for the child, or NULL (tests inject faults with it) */
};

/* Run cell c once. *rec_out receives a malloc'd copy of the child's record (NULL if none);
 * the caller frees it. Returns 0 (the outcome says how the run went). */
int runner_run_one(const struct runner_options *o, const struct cell *c, unsigned rep,
                   uint64_t seed, struct run_result *out, struct run_record **rec_out);
/* CLOCK_MONOTONIC in ns. */
uint64_t runner_now_ns(void);
/* rm -r of a scratch directory (best effort). */
void runner_rmtree(const char *dir);
/* Path of a binary that sits next to the running faultline executable. */
int runner_sibling_path(const char *name, char *buf, size_t len);

#endif
