/* Appending finished runs to the results directory during a plan (see results_log.h). */
#define _GNU_SOURCE
#include "results_log.h"

#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Group commit interval: one fdatasync round per 100 ms at most, however short the runs. */
#define RESULTS_LOG_SYNC_NS 100000000ull
/* run.json is rewritten after every run while it is this small (a kill -9 a few runs in leaves
 * it complete); every derived file is refreshed while that costs <= 5 % of the elapsed time. */
#define RESULTS_LOG_SMALL_BYTES 65536
#define RESULTS_LOG_BUDGET      0.05

struct results_log {
    int fd_samples, fd_steps, fd_hist;
    bool dirty_steps, dirty_hist; /* appended to since the last group commit */
    unsigned nhw_header;          /* --events columns in samples.csv's header */
    uint64_t t0_ns, last_sync_ns, derived_ns;
    long json_bytes;
    struct strbuf sb;
};

static uint64_t results_log_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int results_log_append(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

static int results_log_open_file(const struct results *r, const char *name, const char *header)
{
    char path[4352];
    snprintf(path, sizeof path, "%s/%s", r->dir, name);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        atomic_file_note_failure(path, errno);
        return -1;
    }
    struct stat st;
    if (header && fstat(fd, &st) == 0 && st.st_size == 0)
        results_log_append(fd, header, strlen(header));
    return fd;
}

static void results_log_close_fds(struct results_log *l)
{
    int *fds[3] = {&l->fd_samples, &l->fd_steps, &l->fd_hist};
    for (int i = 0; i < 3; i++) {
        if (*fds[i] >= 0)
            close(*fds[i]);
        *fds[i] = -1;
    }
}

int results_log_reopen(struct results *r)
{
    struct results_log *l = r->log;
    results_log_close_fds(l);
    char path[4352];
    snprintf(path, sizeof path, "%s/hist", r->dir);
    mkdir(path, 0755);
    l->fd_samples = results_log_open_file(r, "samples.csv", NULL);
    l->fd_steps = results_log_open_file(r, "steps.csv", NULL);
    l->fd_hist = results_log_open_file(r, "hist/runs.csv", "cell,rep,op,value_ns,count\n");
    l->nhw_header = r->nhw;
    return l->fd_samples < 0 || l->fd_steps < 0 || l->fd_hist < 0 ? -1 : 0;
}

int results_log_open(struct results *r)
{
    if (!r->dir[0])
        return 0;
    struct results_log *l = calloc(1, sizeof *l);
    if (!l)
        abort();
    l->fd_samples = l->fd_steps = l->fd_hist = -1;
    l->t0_ns = l->last_sync_ns = results_log_now();
    strbuf_init(&l->sb);
    r->log = l;
    return results_log_reopen(r);
}

static void results_log_u64(struct strbuf *sb, uint64_t v)
{
    char buf[24], *p = buf + sizeof buf;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    strbuf_add(sb, p, (size_t)(buf + sizeof buf - p));
}

/* The run's own histograms, one row per non-empty bucket (value_ns = the bucket's lower edge,
 * so re-recording a row lands in the same bucket). */
static void results_log_hist_rows(const struct results *r, const struct run_result *run,
                                  const struct run_record *rec, struct strbuf *sb)
{
    const char *id = r->cells[run->cell].id;
    for (int k = 0; k < OP_COUNT; k++) {
        const struct hist *h = &rec->hist[k];
        for (unsigned i = 0; h->count && i < HIST_BUCKETS; i++) {
            if (!h->buckets[i])
                continue;
            strbuf_puts(sb, id);
            strbuf_puts(sb, ",");
            results_log_u64(sb, run->rep);
            strbuf_puts(sb, ",");
            strbuf_puts(sb, sample_op_names[k]);
            strbuf_puts(sb, ",");
            results_log_u64(sb, hist_bucket_low(i));
            strbuf_puts(sb, ",");
            results_log_u64(sb, h->buckets[i]);
            strbuf_puts(sb, "\n");
        }
    }
}

static void results_log_write(const struct results *r, int fd, struct strbuf *sb, const char *name)
{
    if (sb->len && results_log_append(fd, sb->data, sb->len) != 0)
        fprintf(stderr, "faultline: cannot append to %s/%s: %s\n", r->dir, name, strerror(errno));
    strbuf_reset(sb);
}

/* Group commit: the appended files reach the disk (samples.csv last, as it was written last). */
static void results_log_commit(struct results_log *l, uint64_t now)
{
    if (l->dirty_steps)
        fdatasync(l->fd_steps);
    if (l->dirty_hist)
        fdatasync(l->fd_hist);
    fdatasync(l->fd_samples);
    l->dirty_steps = l->dirty_hist = false;
    l->last_sync_ns = now;
}

void results_log_run(struct results *r, unsigned index, const struct run_record *rec)
{
    struct results_log *l = r->log;
    if (!l || l->fd_samples < 0)
        return;
    const struct run_result *run = &r->runs[index];
    if (rec && run->ok)
        results_log_hist_rows(r, run, rec, &l->sb);
    l->dirty_hist |= l->sb.len > 0;
    results_log_write(r, l->fd_hist, &l->sb, "hist/runs.csv");
    if (r->nhw != l->nhw_header) {
        /* the first run with --events named the hw_* columns: samples.csv's header changes,
         * so the set is written whole once (this run included) */
        results_write(r);
        return;
    }
    report_csv_steps_rows(r, run, &l->sb);
    l->dirty_steps |= l->sb.len > 0;
    results_log_write(r, l->fd_steps, &l->sb, "steps.csv");
    uint64_t now = results_log_now();
    if ((double)l->derived_ns <= RESULTS_LOG_BUDGET * (double)(now - l->t0_ns)) {
        long n = results_write_derived(r, false);
        l->json_bytes = n < 0 ? 0 : n;
    } else if (l->json_bytes < RESULTS_LOG_SMALL_BYTES) {
        l->json_bytes = results_write_json(r);
    }
    uint64_t after = results_log_now();
    l->derived_ns += after - now;
    now = after;
    /* the samples row last: once it is there, everything else of the run is too */
    report_csv_samples_row(r, run, &l->sb);
    results_log_write(r, l->fd_samples, &l->sb, "samples.csv");
    if (now - l->last_sync_ns >= RESULTS_LOG_SYNC_NS)
        results_log_commit(l, now);
}

void results_log_close(struct results *r)
{
    struct results_log *l = r->log;
    if (!l)
        return;
    if (l->fd_samples >= 0) {
        results_log_commit(l, results_log_now());
        syncfs(l->fd_samples); /* the per-run timeline files, written without fsync */
    }
    results_log_close_fds(l);
    strbuf_free(&l->sb);
    free(l);
    r->log = NULL;
}
