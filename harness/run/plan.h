/* Executes a plan: every cell of a results object x warmups x repetitions, interleaved
 * (rep-major, so cells alternate ABAB and slow drifts hit all cells alike), on one or more
 * workers (-j), appending every finished run to the results directory and reporting progress
 * on stderr. Also the plan's slice of a sharded sweep: cells go to shards by a stable hash of
 * their specs, so a retried shard redoes exactly its cells. */
#ifndef FAULTLINE_PLAN_H
#define FAULTLINE_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "results.h"
#include "runner.h"

#define PLAN_MAX_JOBS RUNNER_MAX_JOBS

struct plan_options {
    struct runner_options ro;
    unsigned runs;
    unsigned warmup;
    uint64_t seed;
    bool quiet;
    unsigned jobs;             /* runs in flight at once (0 or 1: one at a time) */
    unsigned shard_k, shard_n; /* run cells with plan_cell_shard() == k - 1 (n == 0: all) */
};

/* Returns the number of runs that did not finish ok. */
unsigned plan_execute(struct results *r, const struct plan_options *po);
/* 0-based shard of a cell among n: FNV-1a of "backend_spec\nworkload_spec", modulo n. */
unsigned plan_cell_shard(const struct cell *c, unsigned n);
/* Parse --shard: "K/N" (1 <= K <= N) or "auto/N" (K = 1 + the 0-based index in
 * FAULTLINE_SHARD, SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX, the first one set). 0, or -1
 * with a one-line message in err. */
int plan_parse_shard(const char *arg, unsigned *k, unsigned *n, char *err, size_t len);
/* Parse --jobs N (1..PLAN_MAX_JOBS). 0, or -1 with a message in err. */
int plan_parse_jobs(const char *arg, unsigned *jobs, char *err, size_t len);

#endif
