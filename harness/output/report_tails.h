/* The "explained tails" table of the report: per backend, workload and op kind, what the
 * latency samples above the p99 contained (OS calls, faults), from a results directory's
 * tails/ CSV files (`faultline run --explain-tails`). */
#ifndef FAULTLINE_REPORT_TAILS_H
#define FAULTLINE_REPORT_TAILS_H

#include <stdbool.h>

#include "strbuf.h"

/* Append the section as HTML (html) or Markdown. False (nothing appended) without tails/. */
bool report_tails(const char *dir, bool html, struct strbuf *sb);

#endif
