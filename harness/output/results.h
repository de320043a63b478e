/* The results of one invocation in memory (cells, runs, warnings, context) and the results
 * directory on disk: results_write regenerates every file atomically; during a plan each
 * finished run is appended instead (results_log.c), so the cost per run does not grow with
 * the runs already written and an interrupted plan keeps every finished run. Layout and
 * columns: results/README.md. */
#ifndef FAULTLINE_RESULTS_H
#define FAULTLINE_RESULTS_H

#include <stdbool.h>
#include <stdint.h>

#include "context.h"
#include "fingerprint.h"
#include "results_inputs.h"
#include "sample.h"
#include "stats.h"
#include "strbuf.h"

#define RESULTS_SPEC_MAX 256
#define RESULTS_WARN_MAX 32

struct cell {
    char id[16]; /* "c001" */
    char backend_spec[RESULTS_SPEC_MAX];
    char workload_spec[RESULTS_SPEC_MAX];
    char backend[32], workload[32];
    char backend_params[RESULTS_SPEC_MAX]; /* explicitly set params, "k=v;k=v" */
    char workload_params[RESULTS_SPEC_MAX];
    char
        run_params[RESULTS_SPEC_MAX]; /* run-level axes: "memory.max=64M;thp=never" (runlimits.h) */
    struct hist *hist;                /* OP_COUNT merged histograms, NULL until a run lands */
    unsigned *run_idx;                /* indices into results.runs of this cell's runs, in order */
    unsigned nrun_idx, cap_run_idx;
    bool dirty;        /* a run landed since its histogram files were last written */
    char count_id[12]; /* merge: runs pool only within one count key (fingerprint.h) */
};

struct run_result {
    unsigned cell;
    unsigned rep;
    unsigned machine; /* index into results.machines */
    uint64_t seed;
    bool ok;
    char outcome[96]; /* "ok", "crashed: SIGSEGV", "timeout", "failed: ENOMEM", "error: ..." */
    struct sample_values m;
    uint64_t timer_cost_ns;
    char timer_clock[16]; /* "tsc", "monotonic"; "" = not measured */
    unsigned step_count;
    struct step_snapshot *steps;
    unsigned hw_count; /* hardware events with time_enabled/time_running (multiplexing) */
    struct perf_hw_value hw[PERF_MAX_HW];
};

/* A seed claim checked by `faultline seed`. */
struct claim {
    char id[32];
    char claim[256];
    char measured[384];
    char verdict[16]; /* holds | differs | n/a */
};

struct results {
    char dir[4096]; /* "" = do not write files */
    char command[1024];
    struct context ctx;
    struct cell *cells;
    unsigned ncells;
    struct run_result *runs;
    unsigned nruns, cap;
    char warnings[RESULTS_WARN_MAX][256];
    unsigned nwarnings;
    struct claim *claims;
    unsigned nclaims;
    char sweep_keys[8][32]; /* swept parameters, for sweep.csv columns */
    unsigned nsweep_keys;
    char hw_events[PERF_MAX_HW][PERF_NAME_MAX];
    unsigned nhw;
    uint64_t lat_sample_every;
    struct results_log *log;      /* append-only writer during a plan (results_log.h), or NULL */
    struct fingerprint *machines; /* machines[0] is this one unless a merge replaced them */
    unsigned nmachines;
    struct results_inputs inputs; /* merge: the runs merged, with their hosts (results_inputs.h) */
};

void results_init(struct results *r, const char *dir, int argc, char **argv);
void results_free(struct results *r);
/* Add a cell for a spec pair; returns its index. */
unsigned results_add_cell(struct results *r, const char *backend_spec, const char *workload_spec);
/* Add a finished run (copies what it needs from rec, which may be NULL for a run that never
 * started) and write its timeline file. */
void results_add_run(struct results *r, const struct run_result *run, const struct run_record *rec);
/* Add a warning once (deduplicated). */
void results_warn(struct results *r, const char *text);
/* Rewrite every file of the results directory. 0 or -1 (message printed). */
int results_write(struct results *r);
/* Rewrite only the files derived from the runs (run.json, aggregates.csv, sweep.csv, seed.csv,
 * per-cell histograms of cells marked dirty), not the append-only ones; `durable` fsyncs them.
 * Returns the bytes written, or -1. */
long results_write_derived(struct results *r, bool durable);
/* Rewrite run.json only (no fsync); returns its size or -1. */
long results_write_json(struct results *r);
/* Sort runs into plan order (rep, then cell), as a -j 1 plan produces them. */
void results_sort_runs(struct results *r);
/* Index of a machine, added if new. */
unsigned results_add_machine(struct results *r, const struct fingerprint *fp);
/* Aggregate of metric `m` over ok runs of a cell; false if fewer than 1 valid value, and for
 * a timing metric whose runs come from more than one machine (timings never pool across
 * machines: see results_cell_machine_summary). */
bool results_cell_summary(const struct results *r, unsigned cell, int metric,
                          struct stats_summary *out);
/* The same over the cell's ok runs measured on one machine. */
bool results_cell_machine_summary(const struct results *r, unsigned cell, unsigned machine,
                                  int metric, struct stats_summary *out);
unsigned results_failed_runs(const struct results *r);
/* Runs of a cell: *total recorded, *ok of them finished ok. */
void results_cell_runs(const struct results *r, unsigned cell, unsigned *total, unsigned *ok);

/* Reporters: pure functions of the results (hyperfine-style exporters). */
struct reporter {
    const char *name;
    void (*render)(const struct results *r, struct strbuf *out);
};
extern const struct reporter report_json, report_csv, report_md, report_console;
extern const struct reporter report_gbench;
const struct reporter *report_find(const char *name);
/* Auxiliary renderers used by results_write. */
void report_csv_aggregates(const struct results *r, struct strbuf *out);
void report_csv_steps(const struct results *r, struct strbuf *out);
/* Single rows for the append-only writer (results_log.c). */
void report_csv_samples_header(const struct results *r, struct strbuf *out);
void report_csv_samples_row(const struct results *r, const struct run_result *run,
                            struct strbuf *out);
void report_csv_steps_header(struct strbuf *out);
void report_csv_steps_rows(const struct results *r, const struct run_result *run,
                           struct strbuf *out);
void report_csv_sweep(const struct results *r, struct strbuf *out);
void report_csv_claims(const struct results *r, struct strbuf *out);
/* machines.csv (every machine's fingerprint) and timings_by_machine.csv (timing medians of
 * each cell per machine; written when runs come from more than one machine). */
void report_csv_machines(const struct results *r, struct strbuf *out);
void report_csv_timings_by_machine(const struct results *r, struct strbuf *out);
/* Human scaling for console/md: 1234567 bytes -> "1.18 MiB", ns -> "1.2 ms". */
void report_human(double v, const char *unit, char *buf, size_t len);

#endif
