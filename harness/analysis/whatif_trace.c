/* Loads a malloc trace for `faultline whatif` (see whatif_trace.h): the whole file is read and
 * checked here, in the parent, so every forked replay can trust it and do nothing but replay. */
#define _GNU_SOURCE
#include "whatif_trace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace_format.h"

static uint64_t whatif_trace_offset(uint64_t index)
{
    return sizeof(struct trace_format_header) + index * sizeof(struct trace_format_record);
}

static int whatif_trace_bad(char *err, size_t errlen, const char *path, const char *what,
                            uint64_t offset)
{
    snprintf(err, errlen, "%s: %s at offset %llu", path, what, (unsigned long long)offset);
    return -1;
}

/* Reads the whole file into *buf (*len bytes). 0, or -1 with err set. */
static int whatif_trace_read(const char *path, char **buf, uint64_t *len, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = fd < 0 ? errno : EINVAL;
        snprintf(err, errlen, "%s: cannot open as a trace file (%s)", path,
                 fd < 0 ? strerror(e) : "not a regular file");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    uint64_t size = (uint64_t)st.st_size;
    uint64_t cap = sizeof(struct trace_format_header) +
                   (uint64_t)TRACE_FORMAT_MAX_RECORDS * sizeof(struct trace_format_record);
    *buf = size > cap ? NULL : malloc(size ? size : 1);
    if (!*buf) {
        close(fd);
        snprintf(err, errlen, "%s: %s", path, size > cap ? "too many records" : "out of memory");
        return -1;
    }
    uint64_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, *buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (uint64_t)r;
    }
    close(fd);
    *len = got;
    if (got != size) {
        free(*buf);
        *buf = NULL;
        snprintf(err, errlen, "%s: read error or file changed", path);
        return -1;
    }
    return 0;
}

static const struct trace_format_record *whatif_trace_sort_base;

static int whatif_trace_by_seq(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    uint64_t sx = whatif_trace_sort_base[x].seq, sy = whatif_trace_sort_base[y].seq;
    if (sx != sy)
        return sx < sy ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* Field checks and per-thread order, in file order. */
static int whatif_trace_check_fields(const char *path, const struct trace_format_record *rec,
                                     struct whatif_trace *t, char *err, size_t errlen)
{
    static uint64_t last_seq[TRACE_FORMAT_MAX_THREADS];
    static unsigned char seen[TRACE_FORMAT_MAX_THREADS];
    memset(seen, 0, sizeof seen);
    for (uint64_t i = 0; i < t->n; i++) {
        const struct trace_format_record *r = &rec[i];
        const char *bad = trace_format_check_record(r, t->n);
        if (bad)
            return whatif_trace_bad(err, errlen, path, bad, whatif_trace_offset(i));
        if (seen[r->thread] && last_seq[r->thread] >= r->seq)
            return whatif_trace_bad(err, errlen, path,
                                    "sequence number not increasing within its thread",
                                    whatif_trace_offset(i));
        if (!seen[r->thread])
            t->nthreads++;
        seen[r->thread] = 1;
        last_seq[r->thread] = r->seq;
    }
    return 0;
}

/* In global order: one seq per record, frees of live blocks only, ids produced once; fills
 * t->op. state: n + 1 bytes, zeroed. */
static int whatif_trace_order(const char *path, const struct trace_format_record *rec,
                              const uint32_t *order, unsigned char *state, struct whatif_trace *t,
                              char *err, size_t errlen)
{
    for (uint64_t k = 0; k < t->n; k++) {
        const struct trace_format_record *r = &rec[order[k]];
        if (k > 0 && rec[order[k - 1]].seq == r->seq)
            return whatif_trace_bad(err, errlen, path, "sequence number shared by two records",
                                    whatif_trace_offset(order[k]));
        if (r->addr) {
            if (state[r->addr] != 1)
                return whatif_trace_bad(err, errlen, path,
                                        "free or realloc of a block that is not live",
                                        whatif_trace_offset(order[k]));
            if (r->op == TRACE_OP_FREE || r->result || trace_format_realloc_freed(r))
                state[r->addr] = 2;
        }
        if (r->result) {
            if (state[r->result] != 0)
                return whatif_trace_bad(err, errlen, path, "block id produced twice",
                                        whatif_trace_offset(order[k]));
            state[r->result] = 1;
        }
        t->op[k] = (struct whatif_op){.size = trace_format_effective_size(r),
                                      .addr = (uint32_t)r->addr,
                                      .result = (uint32_t)r->result,
                                      .align = trace_format_replay_align(r->align),
                                      .op = r->op};
    }
    return 0;
}

/* Header and record count; sets t->n. */
static int whatif_trace_check_header(const char *path, const char *buf, uint64_t len,
                                     struct whatif_trace *t, char *err, size_t errlen)
{
    struct trace_format_header h;
    if (len < sizeof h)
        return whatif_trace_bad(err, errlen, path, "truncated header", len);
    memcpy(&h, buf, sizeof h);
    uint64_t bad_at;
    const char *bad = trace_format_check_header(&h, &bad_at);
    if (bad)
        return whatif_trace_bad(err, errlen, path, bad, bad_at);
    uint64_t body = len - sizeof h;
    t->n = body / sizeof(struct trace_format_record);
    if (body % sizeof(struct trace_format_record))
        return whatif_trace_bad(err, errlen, path, "truncated record", whatif_trace_offset(t->n));
    if (t->n > TRACE_FORMAT_MAX_RECORDS)
        return whatif_trace_bad(err, errlen, path, "too many records",
                                whatif_trace_offset(TRACE_FORMAT_MAX_RECORDS));
    return 0;
}

int whatif_trace_load(const char *path, struct whatif_trace *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    char *buf;
    uint64_t len;
    if (whatif_trace_read(path, &buf, &len, err, errlen) != 0)
        return -1;
    int rc = whatif_trace_check_header(path, buf, len, t, err, errlen);
    struct trace_format_record *rec = NULL;
    uint32_t *order = NULL;
    unsigned char *state = NULL;
    if (rc == 0) {
        size_t n = (size_t)t->n;
        rec = malloc((n ? n : 1) * sizeof *rec); /* aligned copy of the records */
        order = malloc((n ? n : 1) * sizeof *order);
        state = calloc(n + 1, 1);
        t->op = malloc((n ? n : 1) * sizeof *t->op);
        if (!rec || !order || !state || !t->op) {
            snprintf(err, errlen, "%s: out of memory", path);
            rc = -1;
        }
    }
    if (rc == 0) {
        memcpy(rec, buf + sizeof(struct trace_format_header), (size_t)t->n * sizeof *rec);
        rc = whatif_trace_check_fields(path, rec, t, err, errlen);
    }
    if (rc == 0) {
        for (uint64_t i = 0; i < t->n; i++)
            order[i] = (uint32_t)i;
        whatif_trace_sort_base = rec;
        qsort(order, (size_t)t->n, sizeof *order, whatif_trace_by_seq);
        rc = whatif_trace_order(path, rec, order, state, t, err, errlen);
    }
    free(buf);
    free(rec);
    free(order);
    free(state);
    if (rc != 0)
        whatif_trace_free(t);
    return rc;
}

void whatif_trace_free(struct whatif_trace *t)
{
    free(t->op);
    memset(t, 0, sizeof *t);
}
