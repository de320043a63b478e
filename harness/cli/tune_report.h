/* The verdict of `faultline tune`: scores, the Pareto front, the recommended setting, the console
 * table and tune.csv. */
#ifndef FAULTLINE_TUNE_REPORT_H
#define FAULTLINE_TUNE_REPORT_H

#include "tune.h"

void tune_report_rank(struct tune_state *st);
void tune_report_write_csv(const struct tune_state *st);
void tune_report(const struct tune_state *st);

#endif
