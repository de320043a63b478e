/* Log-linear latency histogram (HDR-style): 2^HIST_SUB_BITS sub-buckets per power of two, so
 * any recorded value is reported within 1/128 (0.78 %) relative error. Fixed size, no malloc:
 * safe to use while a brk backend owns the program break. Merge = bucket-wise addition. */
#ifndef FAULTLINE_HIST_H
#define FAULTLINE_HIST_H

#include <stdint.h>
#include <stdio.h>

#define HIST_SUB_BITS 7
#define HIST_BUCKETS  ((64 - HIST_SUB_BITS + 1) << HIST_SUB_BITS)

struct hist {
    uint64_t count;
    uint64_t sum;
    uint64_t min, max;
    uint64_t buckets[HIST_BUCKETS];
};

void hist_reset(struct hist *h);
/* Record n occurrences of value v (n > 1 for batch-averaged timings). */
void hist_record(struct hist *h, uint64_t v, uint64_t n);
void hist_merge(struct hist *into, const struct hist *from);
/* Value at percentile p (0..100): the upper edge of the bucket holding that rank, clamped to
 * max; 0 for an empty histogram. */
uint64_t hist_percentile(const struct hist *h, double p);
double hist_mean(const struct hist *h);
/* Lower edge of bucket i, and the bucket of value v. */
uint64_t hist_bucket_low(unsigned i);
unsigned hist_bucket_index(uint64_t v);
/* Highest value bucket i holds (hist_bucket_low(i + 1) - 1; UINT64_MAX for the last). */
uint64_t hist_bucket_high(unsigned i);
/* CSV rows "value_ns,count,cumulative" for non-empty buckets (value = bucket upper edge
 * clamped to max), preceded by the header line. cumulative is the running count (integer);
 * divide by the last row's cumulative for a CDF fraction. */
void hist_write_csv(const struct hist *h, FILE *out);

#endif
