/* Explained tails: per sampled op, the OS-layer call deltas (free to read: process-wide relaxed
 * counters the backends bump) and the thread's page-fault delta (getrusage(RUSAGE_THREAD), two
 * syscalls per sampled op, which is why this is opt-in), kept in a store mapped before the
 * measured phase; afterwards, per op kind, the samples above the kind's p99 grouped by cause,
 * and every sample's latency CDF split by cause (bucketed, for the plot).
 * glibc's own syscalls bypass the OS layer, so under the glibc backend a cause is faults only;
 * in threaded workloads another thread's calls can land in a sample (the counters are
 * per process). */
#define _GNU_SOURCE
#include "tails.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "atomic_file.h"
#include "hist.h"
#include "lock.h"

#define TAILS_CAP (1u << 15) /* samples kept per op kind; later ones are dropped (counted) */

struct tails_sample {
    uint64_t lat_ns;
    uint32_t faults;
    uint16_t calls[OS_CALL_COUNT];
};

bool tails_on;
static const char *tails_dir;
static struct tails_sample *tails_store; /* OP_COUNT x TAILS_CAP */
static uint32_t tails_n[OP_COUNT];
static uint64_t tails_dropped[OP_COUNT];
static struct lock tails_lock = LOCK_INIT;

int tails_dir_setup(const char *results_dir)
{
    if (!results_dir || !results_dir[0]) {
        errno = EINVAL;
        return -1;
    }
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/tails", results_dir);
    if (atomic_file_mkdirs(dir) != 0)
        return -1;
    return setenv("FAULTLINE_TAILS_DIR", dir, 1);
}

void tails_init(void)
{
    const char *dir = getenv("FAULTLINE_TAILS_DIR");
    if (!dir || !dir[0])
        return;
    size_t len = (size_t)OP_COUNT * TAILS_CAP * sizeof *tails_store;
    void *p =
        mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED)
        return;
    tails_store = p;
    tails_dir = dir;
    tails_on = true;
}

static long tails_faults(void)
{
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    return ru.ru_minflt + ru.ru_majflt;
}

void tails_begin_slow(struct tails_mark *m)
{
    struct os_counts c;
    os_counts_read(&c);
    memcpy(m->calls, c.calls, sizeof m->calls);
    m->faults = tails_faults();
}

void tails_end_slow(const struct tails_mark *m, enum op_kind kind, uint64_t lat_ns)
{
    long faults = tails_faults();
    struct os_counts c;
    os_counts_read(&c);
    lock_acquire(&tails_lock);
    if (tails_n[kind] < TAILS_CAP) {
        struct tails_sample *s = &tails_store[(size_t)kind * TAILS_CAP + tails_n[kind]++];
        s->lat_ns = lat_ns;
        s->faults = (uint32_t)(faults - m->faults);
        for (int k = 0; k < OS_CALL_COUNT; k++) {
            uint64_t d = c.calls[k] - m->calls[k];
            s->calls[k] = (uint16_t)(d > UINT16_MAX ? UINT16_MAX : d);
        }
    } else {
        tails_dropped[kind]++;
    }
    lock_release(&tails_lock);
}

void tails_cause(const uint16_t calls[OS_CALL_COUNT], uint32_t faults, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < OS_CALL_COUNT; k++)
        if (calls[k] && used < len)
            used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "+" : "",
                                     os_call_name((enum os_call)k));
    if (used && faults && used < len)
        snprintf(buf + used, len - used, "+faults");
    else if (!used)
        snprintf(buf, len, "%s", faults ? "faults only" : "no syscall or fault");
}

static int tails_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

#define TAILS_MAX_CAUSES 32

struct tails_cause_row {
    char cause[64];
    uint64_t n, faults, lat;
};

/* One kind's rows: samples above the p99 latency (at least one: the slowest) by cause. */
static void tails_kind(FILE *f, const char *prefix, enum op_kind kind)
{
    uint32_t n = tails_n[kind];
    if (n == 0)
        return;
    const struct tails_sample *s = &tails_store[(size_t)kind * TAILS_CAP];
    uint64_t *lat = malloc(n * sizeof *lat);
    if (!lat)
        return;
    for (uint32_t i = 0; i < n; i++)
        lat[i] = s[i].lat_ns;
    qsort(lat, n, sizeof *lat, tails_cmp);
    uint64_t p99 = lat[(size_t)((n - 1) * 0.99)];
    bool strict = lat[n - 1] > p99; /* "above p99"; all equal: the p99 samples themselves */
    free(lat);
    struct tails_cause_row rows[TAILS_MAX_CAUSES];
    unsigned nrows = 0;
    uint64_t tail = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (strict ? s[i].lat_ns <= p99 : s[i].lat_ns < p99)
            continue;
        char cause[64];
        tails_cause(s[i].calls, s[i].faults, cause, sizeof cause);
        unsigned r = 0;
        while (r < nrows && strcmp(rows[r].cause, cause))
            r++;
        if (r == nrows) {
            if (nrows == TAILS_MAX_CAUSES)
                r = nrows - 1; /* more kinds of cause than fit: the last row takes the rest */
            else
                memset(&rows[nrows++], 0, sizeof rows[0]);
            snprintf(rows[r].cause, sizeof rows[r].cause, "%s",
                     r == nrows - 1 && nrows == TAILS_MAX_CAUSES ? "other" : cause);
        }
        rows[r].n++;
        rows[r].faults += s[i].faults;
        rows[r].lat += s[i].lat_ns;
        tail++;
    }
    for (unsigned r = 0; r < nrows; r++)
        fprintf(f, "%s,%s,%u,%llu,%llu,%llu,%s,%llu,%.0f,%.0f\n", prefix, sample_op_names[kind], n,
                (unsigned long long)tails_dropped[kind], (unsigned long long)p99,
                (unsigned long long)tail, rows[r].cause, (unsigned long long)rows[r].n,
                (double)rows[r].faults / (double)rows[r].n,
                (double)rows[r].lat / (double)rows[r].n);
}

/* CDF buckets: 16 of hist.c's buckets each, i.e. 8 per octave above 256 ns (16 ns wide below) */
#define TAILS_CDF_SHIFT   4
#define TAILS_CDF_BUCKETS (HIST_BUCKETS >> TAILS_CDF_SHIFT)

static uint64_t tails_cdf_edge(unsigned b)
{
    return hist_bucket_high(((b + 1u) << TAILS_CDF_SHIFT) - 1u);
}

/* One kind's CDF rows: every sample (not only the tail) by cause, in latency buckets; a row's
 * le_ns is the bucket's upper edge and cum_fraction the share of the cause's samples <= it. */
static void tails_cdf_kind(FILE *f, const char *prefix, enum op_kind kind, uint32_t *count)
{
    uint32_t n = tails_n[kind];
    const struct tails_sample *s = &tails_store[(size_t)kind * TAILS_CAP];
    char causes[TAILS_MAX_CAUSES][64];
    unsigned ncause = 0;
    uint8_t *id = malloc(n ? n : 1);
    if (!id)
        return;
    for (uint32_t i = 0; i < n; i++) {
        char cause[64];
        tails_cause(s[i].calls, s[i].faults, cause, sizeof cause);
        unsigned c = 0;
        while (c < ncause && strcmp(causes[c], cause))
            c++;
        if (c == ncause) {
            if (ncause == TAILS_MAX_CAUSES)
                c = ncause - 1; /* the same "other" rule as the tail rows */
            else
                ncause++;
            snprintf(causes[c], sizeof causes[c], "%s",
                     ncause == TAILS_MAX_CAUSES && c == ncause - 1 ? "other" : cause);
        }
        id[i] = (uint8_t)c;
    }
    for (unsigned c = 0; c < ncause; c++) {
        memset(count, 0, TAILS_CDF_BUCKETS * sizeof *count);
        uint64_t total = 0, cum = 0;
        for (uint32_t i = 0; i < n; i++)
            if (id[i] == c) {
                count[hist_bucket_index(s[i].lat_ns) >> TAILS_CDF_SHIFT]++;
                total++;
            }
        for (unsigned b = 0; b < TAILS_CDF_BUCKETS; b++) {
            if (!count[b])
                continue;
            cum += count[b];
            fprintf(f, "%s,%s,%s,%llu,%u,%.6f\n", prefix, sample_op_names[kind], causes[c],
                    (unsigned long long)tails_cdf_edge(b), count[b], (double)cum / (double)total);
        }
    }
    free(id);
}

/* <dir>/tails_cdf-<pid>.csv: the latency CDF of every kind split by cause, for plots/plot.sh */
static void tails_write_cdf(const char *prefix)
{
    char path[4200], tmp[4300];
    snprintf(path, sizeof path, "%s/tails_cdf-%ld.csv", tails_dir, (long)getpid());
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    uint32_t *count = malloc(TAILS_CDF_BUCKETS * sizeof *count);
    FILE *f = count ? fopen(tmp, "w") : NULL;
    if (!f) {
        free(count);
        return;
    }
    fputs("backend,workload,seed,op,cause,le_ns,samples,cum_fraction\n", f);
    for (int k = 0; k < OP_COUNT; k++)
        tails_cdf_kind(f, prefix, (enum op_kind)k, count);
    free(count);
    if (fclose(f) == 0)
        rename(tmp, path);
}

void tails_write(const char *backend, const char *workload, uint64_t seed)
{
    if (!tails_on)
        return;
    char path[4200], tmp[4300], prefix[1200];
    snprintf(path, sizeof path, "%s/tails-%ld.csv", tails_dir, (long)getpid());
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    /* the CSV convention: no commas inside cells */
    char b[512], w[512];
    snprintf(b, sizeof b, "%s", backend);
    snprintf(w, sizeof w, "%s", workload);
    for (char *c = b; *c; c++)
        *c = *c == ',' ? ';' : *c;
    for (char *c = w; *c; c++)
        *c = *c == ',' ? ';' : *c;
    snprintf(prefix, sizeof prefix, "%s,%s,%llu", b, w, (unsigned long long)seed);
    fputs("backend,workload,seed,op,samples,dropped,p99_ns,tail_samples,cause,cause_samples,"
          "mean_faults,mean_ns\n",
          f);
    for (int k = 0; k < OP_COUNT; k++)
        tails_kind(f, prefix, (enum op_kind)k);
    if (fclose(f) == 0)
        rename(tmp, path);
    tails_write_cdf(prefix);
}
