/* The append-only writer of a results directory while a plan runs. Each finished run is
 * appended to samples.csv, steps.csv and hist/runs.csv (one write per file, no rewrite), so the
 * cost of a run does not depend on how many runs came before it. The files derived from all
 * runs (run.json, aggregates.csv, sweep.csv, per-cell histograms) are refreshed after a run only
 * while that stays cheap (small, or within 5 % of the plan's time); results_write regenerates
 * them all at the end. Durability: a group commit fdatasyncs the appended files at most every
 * 100 ms, and closing the log syncs the filesystem once (timeline files). A killed plan keeps
 * every run whose samples.csv row was written: that row is written last. */
#ifndef FAULTLINE_RESULTS_LOG_H
#define FAULTLINE_RESULTS_LOG_H

#include "results.h"

/* Start appending (after results_write created the files with their headers). 0 or -1. */
int results_log_open(struct results *r);
/* Re-open the appended files (results_write replaced them). 0 or -1. */
int results_log_reopen(struct results *r);
/* Append run r->runs[index] (with the record it came from, or NULL). */
void results_log_run(struct results *r, unsigned index, const struct run_record *rec);
/* Sync and stop appending. */
void results_log_close(struct results *r);

#endif
