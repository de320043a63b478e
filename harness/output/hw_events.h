/* The values of the events a user asked for with --events, as the reporters show them: one
 * extra column per event (console and md tables, samples.csv "hw_<event>"). A run's event is
 * null when perf could not count it (no PMU, not scheduled); a cell's median covers the ok runs
 * that counted it. */
#ifndef FAULTLINE_HW_EVENTS_H
#define FAULTLINE_HW_EVENTS_H

#include <stdbool.h>

#include "results.h"

/* Event k (r->hw_events[k]) of run into *v; false when not counted. */
bool hw_events_run_value(const struct results *r, const struct run_result *run, unsigned k,
                         double *v);
/* Median of event k over the ok runs of cell that counted it; false when none did. */
bool hw_events_cell_median(const struct results *r, unsigned cell, unsigned k, double *median);

#endif
