/* The sections of the `faultline report` page built from a run's CSV files: context, summary
 * table, plots with their readings, seed claims and warnings. */
#ifndef FAULTLINE_REPORT_PAGE_H
#define FAULTLINE_REPORT_PAGE_H

#include <stdbool.h>

#include "report_doc.h"

void report_page_context(struct report_doc *r);
void report_page_summary(struct report_doc *r);
/* plotted: plot.sh ran and succeeded (else a missing manifest says why there are no plots). */
void report_page_plots(struct report_doc *r, bool plotted);
void report_page_claims(struct report_doc *r);
/* Counters never measured, runs that failed, and noisy cells (cv > 10 %), as warnings. */
void report_page_collect_warnings(struct report_doc *r);
void report_page_warnings(struct report_doc *r);

#endif
