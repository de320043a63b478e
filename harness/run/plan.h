/* Executes a plan: every cell of a results object x warmups x repetitions, interleaved
 * (rep-major, so cells alternate ABAB and slow drifts hit all cells alike), rewriting the
 * results directory after every finished run and reporting progress on stderr. */
#ifndef FAULTLINE_PLAN_H
#define FAULTLINE_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "results.h"
#include "runner.h"

struct plan_options {
    struct runner_options ro;
    unsigned runs;
    unsigned warmup;
    uint64_t seed;
    bool quiet;
    unsigned shard_k, shard_n; /* run cells with index % n == k - 1 (n == 0: all) */
};

/* Returns the number of runs that did not finish ok. */
unsigned plan_execute(struct results *r, const struct plan_options *po);

#endif
