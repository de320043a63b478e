/* Tests for the log-linear histogram (harness/measure/hist.c): bucket geometry, percentile accuracy
 * against exact sorted percentiles, merge, empty behaviour and the CSV golden file. */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "test_util.h"
#include "hist.h"

#define CHECK TEST_UTIL_CHECK

static void test_buckets(void)
{
    unsigned prev = 0;
    for (uint64_t v = 0; v <= 5000000; v++) {
        unsigned i = hist_bucket_index(v);
        uint64_t lo = hist_bucket_low(i), hi = hist_bucket_high(i);
        if (lo > v || hi < v) {
            CHECK(0, "value %llu outside bucket %u [%llu, %llu]", (unsigned long long)v, i,
                  (unsigned long long)lo, (unsigned long long)hi);
            return;
        }
        if (v >= 128 && (hi - lo + 1) * 128 > v) {
            CHECK(0, "bucket %u width %llu > value %llu / 128", i,
                  (unsigned long long)(hi - lo + 1), (unsigned long long)v);
            return;
        }
        if (i < prev || i > prev + 1) {
            CHECK(0, "bucket index jumps from %u to %u at %llu", prev, i, (unsigned long long)v);
            return;
        }
        prev = i;
    }
    /* Values below 256 have a bucket each; the extremes fit the array. */
    CHECK(hist_bucket_index(255) == 255, "idx(255)=%u", hist_bucket_index(255));
    CHECK(hist_bucket_index(UINT64_MAX) == HIST_BUCKETS - 1, "idx(max)=%u",
          hist_bucket_index(UINT64_MAX));
    CHECK(hist_bucket_high(HIST_BUCKETS - 1) == UINT64_MAX, "last bucket must end at max");
    /* Every bucket's low edge maps back to the bucket (no gaps, no overlaps). */
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        if (hist_bucket_index(hist_bucket_low(i)) != i ||
            (i + 1 < HIST_BUCKETS && hist_bucket_high(i) + 1 != hist_bucket_low(i + 1))) {
            CHECK(0, "bucket %u edges inconsistent", i);
            break;
        }
    }
}

/* xorshift64*: deterministic samples without libc rand's unspecified sequence. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rng_next(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}
static double rng_unit(void)
{
    return ((double)(rng_next() >> 11) + 0.5) / 9007199254740992.0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void test_percentiles(struct hist *h)
{
    enum { N = 200000 };
    uint64_t *v = malloc(N * sizeof *v);
    hist_reset(h);
    uint64_t sum = 0;
    for (int i = 0; i < N; i++) {
        /* log-normal-ish: exp(mu + sigma * z), z from Box-Muller; median ~ e^6 ~ 400 ns */
        double z = sqrt(-2.0 * log(rng_unit())) * cos(6.283185307179586 * rng_unit());
        v[i] = (uint64_t)exp(6.0 + 1.2 * z);
        hist_record(h, v[i], 1);
        sum += v[i];
    }
    qsort(v, N, sizeof *v, cmp_u64);
    CHECK(h->count == N, "count %llu", (unsigned long long)h->count);
    CHECK(h->sum == sum, "sum");
    CHECK(h->min == v[0] && h->max == v[N - 1], "min/max");
    static const double ps[] = {0, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100};
    for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++) {
        double exact_rank = ps[k] / 100.0 * N;
        size_t rank = (size_t)ceil(exact_rank);
        if (rank == 0)
            rank = 1;
        uint64_t exact = v[rank - 1], got = hist_percentile(h, ps[k]);
        CHECK(got >= exact && (double)got <= (double)exact * 1.01,
              "p%g: histogram %llu vs exact %llu", ps[k], (unsigned long long)got,
              (unsigned long long)exact);
    }
    CHECK(hist_percentile(h, 100) == v[N - 1], "p100 must be the max");
    CHECK(fabs(hist_mean(h) - (double)sum / N) < 1e-6, "mean");
    free(v);
}

static void test_merge(struct hist *a, struct hist *b, struct hist *c)
{
    hist_reset(a);
    hist_reset(b);
    hist_reset(c);
    for (uint64_t i = 0; i < 10000; i++) {
        uint64_t x = rng_next() % 1000000, n = 1 + rng_next() % 3;
        hist_record(i % 2 ? a : b, x, n);
        hist_record(c, x, n);
    }
    hist_record(b, 7, 0); /* n = 0 records nothing */
    struct hist *m = a;
    hist_merge(m, b);
    CHECK(m->count == c->count && m->sum == c->sum && m->min == c->min && m->max == c->max,
          "merged summary differs");
    CHECK(memcmp(m->buckets, c->buckets, sizeof c->buckets) == 0, "merged buckets differ");
    /* Merging into an empty histogram copies; merging an empty one changes nothing. */
    hist_reset(b);
    hist_merge(b, c);
    CHECK(b->min == c->min && b->max == c->max && b->count == c->count, "merge into empty");
    hist_reset(a);
    hist_merge(c, a);
    CHECK(c->count == b->count && c->min == b->min, "merge of empty");
}

static void test_empty(struct hist *h)
{
    hist_reset(h);
    CHECK(h->count == 0 && h->min == 0 && h->max == 0, "empty summary");
    CHECK(hist_percentile(h, 50) == 0 && hist_percentile(h, 100) == 0, "empty percentile");
    CHECK(hist_mean(h) == 0.0, "empty mean");
    char buf[256] = {0};
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    hist_write_csv(h, f);
    fclose(f);
    CHECK(strcmp(buf, "value_ns,count,cumulative\n") == 0, "empty csv is the header: '%s'", buf);
    /* one value: every percentile is that value */
    hist_record(h, 123456, 1);
    CHECK(hist_percentile(h, 0) == 123456 && hist_percentile(h, 50) == 123456, "single value");
}

static void test_golden(struct hist *h)
{
    hist_reset(h);
    hist_record(h, 0, 1);
    hist_record(h, 1, 1);
    hist_record(h, 5, 3);
    hist_record(h, 127, 1);
    hist_record(h, 128, 1);
    hist_record(h, 255, 1);
    hist_record(h, 256, 1);
    hist_record(h, 257, 1);
    hist_record(h, 1000, 2);
    hist_record(h, 1000000, 1);
    char got[1024] = {0}, want[1024] = {0};
    FILE *f = fmemopen(got, sizeof got - 1, "w");
    hist_write_csv(h, f);
    fclose(f);
    const char *path = FAULTLINE_SOURCE_DIR "/tests/golden/hist_small.csv";
    FILE *g = fopen(path, "r");
    CHECK(g != NULL, "cannot open %s", path);
    if (g) {
        size_t n = fread(want, 1, sizeof want - 1, g);
        want[n] = '\0';
        fclose(g);
    }
    CHECK(strcmp(got, want) == 0, "csv differs from %s:\n--- got\n%s--- want\n%s", path, got, want);
    CHECK(hist_percentile(h, 50) == 128, "p50 of golden = %llu",
          (unsigned long long)hist_percentile(h, 50));
}

int main(void)
{
    /* ~58 KB each: keep them off the stack. */
    struct hist *h = calloc(3, sizeof *h);
    test_buckets();
    test_percentiles(&h[0]);
    test_merge(&h[0], &h[1], &h[2]);
    test_empty(&h[0]);
    test_golden(&h[0]);
    free(h);
    if (test_util_failures) {
        fprintf(stderr, "test_hist: %lu failure(s)\n", test_util_failures);
        return 1;
    }
    printf("test_hist: all checks passed\n");
    return 0;
}
