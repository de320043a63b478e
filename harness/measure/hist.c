/* The log-linear latency histogram declared in hist.h: bucket arithmetic, recording, merging,
 * percentiles and the CSV form. Fixed size and allocation-free by design. */
#include "hist.h"

#include <inttypes.h>
#include <string.h>

/* Bucket layout: values below 2^(S+1) get one bucket each (exact). Above that, the power of two
 * [2^m, 2^(m+1)) is split into 2^S equal sub-buckets of width 2^(m-S), so a bucket is never
 * wider than 1/2^S of the values it holds. Index = (shift << S) + (v >> shift). */
unsigned hist_bucket_index(uint64_t v)
{
    unsigned msb = v ? 63u - (unsigned)__builtin_clzll(v) : 0u;
    unsigned shift = msb > HIST_SUB_BITS ? msb - HIST_SUB_BITS : 0u;
    return (shift << HIST_SUB_BITS) + (unsigned)(v >> shift);
}

uint64_t hist_bucket_low(unsigned i)
{
    unsigned shift = (i >> HIST_SUB_BITS) ? (i >> HIST_SUB_BITS) - 1u : 0u;
    return (uint64_t)(i - (shift << HIST_SUB_BITS)) << shift;
}

uint64_t hist_bucket_high(unsigned i)
{
    /* The last bucket ends at UINT64_MAX; every other one just below the next bucket's low. */
    return i + 1u >= HIST_BUCKETS ? UINT64_MAX : hist_bucket_low(i + 1u) - 1u;
}

void hist_reset(struct hist *h)
{
    memset(h, 0, sizeof *h);
}

void hist_record(struct hist *h, uint64_t v, uint64_t n)
{
    if (n == 0)
        return;
    if (h->count == 0 || v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
    h->count += n;
    h->sum += v * n;
    h->buckets[hist_bucket_index(v)] += n;
}

void hist_merge(struct hist *into, const struct hist *from)
{
    if (from->count == 0)
        return;
    if (into->count == 0 || from->min < into->min)
        into->min = from->min;
    if (from->max > into->max)
        into->max = from->max;
    into->count += from->count;
    into->sum += from->sum;
    for (unsigned i = 0; i < HIST_BUCKETS; i++)
        into->buckets[i] += from->buckets[i];
}

/* The highest value a bucket can hold, clamped to the largest value actually recorded, so
 * p100 is the true max and small exact buckets report their exact value. */
static uint64_t hist_report_value(const struct hist *h, unsigned i)
{
    uint64_t hi = hist_bucket_high(i);
    return hi > h->max ? h->max : hi;
}

uint64_t hist_percentile(const struct hist *h, double p)
{
    if (h->count == 0)
        return 0;
    if (p < 0)
        p = 0;
    if (p > 100)
        p = 100;
    /* rank = ceil(p% of count), at least 1: the same rule as taking sorted[rank - 1]. */
    double exact = p / 100.0 * (double)h->count;
    uint64_t rank = (uint64_t)exact;
    if ((double)rank < exact)
        rank++;
    if (rank == 0)
        rank = 1;
    if (rank > h->count)
        rank = h->count;
    uint64_t seen = 0;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        seen += h->buckets[i];
        if (seen >= rank)
            return hist_report_value(h, i);
    }
    return h->max; /* unreachable when count matches the buckets */
}

double hist_mean(const struct hist *h)
{
    return h->count ? (double)h->sum / (double)h->count : 0.0;
}

void hist_write_csv(const struct hist *h, FILE *out)
{
    fputs("value_ns,count,cumulative\n", out);
    uint64_t cum = 0;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        if (h->buckets[i] == 0)
            continue;
        cum += h->buckets[i];
        fprintf(out, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n", hist_report_value(h, i),
                h->buckets[i], cum);
    }
}
