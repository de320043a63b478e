/* The readings of `faultline report`: two sentences under each plot, computed from the same
 * CSV files plot.sh read (report_read_sweep.c holds the threshold/trim sweep families). */
#ifndef FAULTLINE_REPORT_READ_H
#define FAULTLINE_REPORT_READ_H

#include <stdbool.h>
#include <stddef.h>

#include "report_doc.h"

struct report_read_pt {
    char series[RH_LABEL];
    char xs[64]; /* the swept value as text: 64 KiB, or a word such as off */
    double x, y, ops;
};

/* The biggest change of y between neighbouring points of one series (pts sorted by
 * report_read_pt_cmp): returns it, -1 when no two points share a series, and sets *best to the
 * later point's index. */
double report_read_biggest_step(const struct report_read_pt *pts, size_t n, size_t *best);
/* Orders points by series, then by x. */
int report_read_pt_cmp(const void *a, const void *b);
/* A metric as words ("minor faults per run"); the name itself when it has none. */
const char *report_read_metric_words(const char *m);
/* Percentile of a hist/<cell>-<op>.csv (value_ns,count,cumulative); q > 1 means the maximum. */
bool report_read_hist_q(const char *path, double q, double *out);
/* The reading of one plot of plots/manifest.txt (family and args as written there) into out;
 * empty when there is none. */
void report_read(const struct report_doc *r, const char *family, const char *args, char *out,
                 size_t len);

#endif
