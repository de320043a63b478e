/* `--cgroup SPEC` and `--thp MODES` of run and sweep: validation (one line, exit 2, before
 * anything is created) and expansion of lists and ranges into one run_params text per
 * combination, the cell axes that runlimits.c applies around each child. */
#ifndef FAULTLINE_CLI_LIMITS_H
#define FAULTLINE_CLI_LIMITS_H

#include "results.h"

#define CLI_LIMITS_MAX 256

struct cli_limits {
    unsigned count; /* combinations; 1 (empty text) without the options */
    char params[CLI_LIMITS_MAX][RESULTS_SPEC_MAX];
    unsigned nswept;
    char swept[8][32]; /* keys with more than one value, for sweep.csv columns */
};

/* cgroup and thp may be NULL. Returns 0, or 2 after printing one line. */
int cli_limits_expand(const char *cgroup, const char *thp, struct cli_limits *out);
/* Add the cell (backend, workload) with combination i of lim (none when lim->count is 0). */
void cli_limits_cell(struct results *r, const char *backend_spec, const char *workload_spec,
                     const struct cli_limits *lim, unsigned i);

#endif
