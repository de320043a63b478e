/* `faultline exec`: run any program once per backend x repetition in a child started suspended
 * with perf counters attached, and report it in the results schema of `faultline run`. The
 * command is split over cli_exec.c (options, table, main), cli_exec_backend.c (how the child
 * gets each allocator), cli_exec_run.c (one measured run) and cli_exec_hf.c (hyperfine); the
 * types they share are declared here. */
#ifndef FAULTLINE_CLI_EXEC_H
#define FAULTLINE_CLI_EXEC_H

#include <stdbool.h>

#include "backend.h"
#include "callsites.h"
#include "results.h"
#define CLI_EXEC_MAX_ENV 32
#define CLI_EXEC_ENV_ADD 8

enum cli_exec_kind { CLI_EXEC_GLIBC, CLI_EXEC_OURS, CLI_EXEC_PEER };

struct cli_exec_backend {
    char spec[RESULTS_SPEC_MAX];
    const struct backend_ops *ops;
    enum cli_exec_kind kind;
    char skip[160];                   /* non-empty: every run of it is this outcome */
    char env[CLI_EXEC_ENV_ADD][1024]; /* KEY=VAL the backend adds to the child */
    unsigned nenv;
    unsigned cell;
    bool hf_valid; /* hyperfine numbers, seconds */
    double hf_mean, hf_stddev, hf_median, hf_min, hf_max;
    bool hf_stddev_valid;
    struct callsites_table cs; /* --callsites: summed over the measured runs */
};

struct cli_exec_opts {
    unsigned runs, warmup;
    double timeout_s;
    const char *env[CLI_EXEC_MAX_ENV];
    unsigned nenv;
    const char *events;
    bool events_given;
    bool no_perf;
    bool quiet;
    bool hyperfine;
    bool no_ptrace;
    bool callsites;           /* sample call sites (--callsites) */
    uint64_t callsite_period; /* 1 fault sample per this many faults */
    char **cmd;
    char files_dir[4352]; /* "<out>/out" or "" (outputs to /dev/null) */
};

/* argv[0] is "exec". Exit status: 0 all runs ok, 1 some runs failed, 2 bad input. */
int cli_exec_main(int argc, char **argv);

#endif
