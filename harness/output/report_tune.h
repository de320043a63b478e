/* The "Tuning advisor" section of `faultline report` for a `faultline tune --out DIR` directory
 * (tune.csv): the recommended GLIBC_TUNABLES line, the Pareto front, the tuning plots. */
#ifndef FAULTLINE_REPORT_TUNE_H
#define FAULTLINE_REPORT_TUNE_H

#include "report_doc.h"

/* Appends the section; nothing without tune.csv. */
void report_tune(struct report_doc *r);

#endif
