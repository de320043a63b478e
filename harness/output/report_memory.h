/* The per-run breakdown and settle CSV files (issue 18), written beside timeline/. */
#ifndef FAULTLINE_REPORT_MEMORY_H
#define FAULTLINE_REPORT_MEMORY_H

#include "results.h"

void report_memory_write_run(const struct results *r, const struct run_result *run,
                             const struct run_record *rec);

#endif
