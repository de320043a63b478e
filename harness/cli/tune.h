/* `faultline tune`: a glibc malloc tuning advisor. It sweeps GLIBC_TUNABLES settings (mmap and
 * trim thresholds, top pad, arena count) over a real program or a synthetic workload, coarse
 * grid first and then around the best cells, and recommends a setting for an objective. */
#ifndef FAULTLINE_TUNE_H
#define FAULTLINE_TUNE_H

#include <stdbool.h>

#include "plan.h"
#include "tune_setting.h"

/* What a setting is judged on; --objective names one of them, or all (balanced). */
enum tune_metric { TUNE_TIME, TUNE_PEAK, TUNE_RETAINED, TUNE_FAULTS, TUNE_METRICS };
#define TUNE_BALANCED TUNE_METRICS

struct tune_metric_desc {
    const char *objective; /* --objective name */
    const char *unit;      /* for report_human */
    const char *csv;
    const char *what;
};
extern const struct tune_metric_desc tune_metrics[TUNE_METRICS];

/* One setting and its measurements. */
struct tune_entry {
    struct tune_setting s;
    double m[TUNE_METRICS];                    /* medians over ok runs; NAN = not measured */
    double lo[TUNE_METRICS], hi[TUNE_METRICS]; /* their smallest and largest run */
    unsigned runs, ok_runs;
    char outcome[96]; /* of the first failed run, or "ok" */
    unsigned round;
    bool pareto;
    double score; /* objective value, lower is better; INFINITY when no run was ok */
};

/* One `faultline tune`: its options and the settings evaluated so far (tune_*.c share it). */
struct tune_state {
    int objective;
    unsigned budget, runs;
    double timeout_s;
    bool verbose, quiet;
    double tie;           /* 1 + the --tie-band fraction: scores this close are a tie */
    char **cmd;           /* program mode: argv of the program */
    const char *workload; /* workload mode: the workload spec */
    struct plan_options po;
    char out_dir[4096]; /* "" = no files */
    struct tune_entry *e;
    unsigned n;
};

/* argv[0] is "tune". Exit status: 0 done, 1 the reference (default) run failed, 2 bad input. */
int tune_main(int argc, char **argv);

#endif
