/* The readings of the sweep plots of `faultline report`: per backend and key of a threshold or
 * trim sweep, and the Pareto front of a trade-off plot, from sweep.csv. */
#ifndef FAULTLINE_REPORT_READ_SWEEP_H
#define FAULTLINE_REPORT_READ_SWEEP_H

#include <stddef.h>

#include "report_doc.h"

/* One reading per backend and key of a sweep family (threshold, trim) for metric. */
void report_read_sweep_all(const struct report_doc *r, const char *family, const char *metric,
                           char *out, size_t len);
/* Per workload, the Pareto front of cost (a column, syscalls or p99) vs RSS at the end. */
void report_read_sweep_tradeoff(const struct report_doc *r, const char *family, const char *cost,
                                char *out, size_t len);

#endif
