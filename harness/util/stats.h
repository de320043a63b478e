/* Summary statistics over the repetitions of one cell: median, mean, stddev, cv, min, max,
 * and the Mann-Whitney U test used by the regression gate for advisory timing verdicts. */
#ifndef FAULTLINE_STATS_H
#define FAULTLINE_STATS_H

#include <stddef.h>

struct stats_summary {
    size_t n;
    double median, mean, stddev, cv, min, max;
};

/* Summary of n values (n >= 1; stddev/cv need n >= 2, else 0). values is not modified. */
void stats_summarize(const double *values, size_t n, struct stats_summary *out);
double stats_median(const double *values, size_t n);
/* Two-sided Mann-Whitney U p-value (normal approximation with tie correction). */
double stats_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb);

#endif
