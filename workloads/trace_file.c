/* Reads and validates malloc trace files for every reader (see trace_file.h): the file checks,
 * the record checks in file order, the global order by seq and the checks in that order. It
 * never calls the malloc family (the replay workload loads in the measured child) and keeps no
 * static state. */
#define _GNU_SOURCE
#include "trace_file.h"

#include "wl_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TRACE_FILE_NO_OFFSET UINT64_MAX
#define TRACE_FILE_DEAD      UINT32_MAX /* id state: freed (0: not produced yet, i + 1: live) */

/* Per-thread bookkeeping of one load (about 30 KB): scratch memory, off the stack. */
struct trace_file_work {
    uint64_t last_seq[TRACE_FORMAT_MAX_THREADS];  /* seq of the thread's latest record */
    uint64_t start[TRACE_FORMAT_MAX_THREADS + 1]; /* thread k: bythread[start[k]..start[k+1]) */
    uint64_t cur[TRACE_FORMAT_MAX_THREADS];       /* merge: thread k's next place in bythread */
    unsigned heap[TRACE_FORMAT_MAX_THREADS];      /* merge: threads by their next record */
    unsigned nheap;
};

/* One line in err ("PATH: WHAT at offset N"); EINVAL, the errno of a bad trace. */
static int trace_file_bad(char *err, size_t errlen, const char *path, const char *what,
                          uint64_t offset)
{
    if (offset == TRACE_FILE_NO_OFFSET)
        snprintf(err, errlen, "%s: %s", path, what);
    else
        snprintf(err, errlen, "%s: %s at offset %llu", path, what, (unsigned long long)offset);
    return EINVAL;
}

/* "PATH: WHAT: No such file or directory (ENOENT)". strerrordesc_np, not strerror: no locale,
 * so nothing is allocated in the measured child. Returns e. */
static int trace_file_sys(char *err, size_t errlen, const char *path, const char *what, int e)
{
    const char *desc = strerrordesc_np(e), *name = strerrorname_np(e);
    snprintf(err, errlen, "%s: %s: %s (%s)", path, what, desc ? desc : "unknown error",
             name ? name : "?");
    return e;
}

static int trace_file_oom(char *err, size_t errlen, const char *path, uint64_t bytes)
{
    snprintf(err, errlen, "%s: out of memory (%llu bytes)", path, (unsigned long long)bytes);
    return ENOMEM;
}

static uint64_t trace_file_offset(uint64_t index)
{
    return sizeof(struct trace_format_header) + index * sizeof(struct trace_format_record);
}

/* Reads up to len bytes at off; the bytes read (fewer only at end of file or on an error). */
static uint64_t trace_file_pread(int fd, void *buf, uint64_t len, uint64_t off)
{
    uint64_t got = 0;
    while (got < len) {
        ssize_t r = pread(fd, (char *)buf + got, (size_t)(len - got), (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (uint64_t)r;
    }
    return got;
}

/* The header of the regular file fd of size bytes, and the record count it implies (*n). */
static int trace_file_header(int fd, uint64_t size, const char *path, uint64_t *n, char *err,
                             size_t errlen)
{
    struct trace_format_header h;
    if (size < sizeof h)
        return trace_file_bad(err, errlen, path, "truncated header", size);
    if (trace_file_pread(fd, &h, sizeof h, 0) != sizeof h)
        return trace_file_bad(err, errlen, path, "read error or file changed", 0);
    uint64_t bad_at;
    const char *bad = trace_format_check_header(&h, &bad_at);
    if (bad)
        return trace_file_bad(err, errlen, path, bad, bad_at);
    uint64_t body = size - sizeof h;
    *n = body / sizeof(struct trace_format_record);
    if (body % sizeof(struct trace_format_record))
        return trace_file_bad(err, errlen, path, "truncated record", trace_file_offset(*n));
    /* checked before anything is allocated: a huge file is refused, not read */
    if (*n > TRACE_FORMAT_MAX_RECORDS)
        return trace_file_bad(err, errlen, path, "too many records",
                              trace_file_offset(TRACE_FORMAT_MAX_RECORDS));
    return 0;
}

/* The t->n records after the header of fd into t->rec. */
static int trace_file_body(int fd, const char *path, struct trace_file *t, char *err, size_t errlen)
{
    uint64_t len = t->n * sizeof *t->rec;
    t->rec = wl_util_scratch(NULL, (size_t)t->n, sizeof *t->rec);
    if (!t->rec)
        return trace_file_oom(err, errlen, path, len);
    uint64_t got = trace_file_pread(fd, t->rec, len, trace_file_offset(0));
    if (got != len) /* an I/O error, or the file shrank since fstat */
        return trace_file_bad(err, errlen, path, "read error or file changed",
                              trace_file_offset(got / sizeof *t->rec));
    return 0;
}

/* Opens path, checks it is a trace and reads its records (t->rec, t->n). */
static int trace_file_read(const char *path, struct trace_file *t, char *err, size_t errlen)
{
    /* O_NONBLOCK: opening a FIFO with no writer must not wait (no effect on a regular file) */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return trace_file_sys(err, errlen, path, "cannot open", errno);
    struct stat st;
    int rc = EINVAL; /* a file that cannot be read as a trace is bad input, like a bad trace */
    if (fstat(fd, &st) != 0)
        trace_file_sys(err, errlen, path, "cannot stat", errno);
    else if (!S_ISREG(st.st_mode))
        trace_file_bad(err, errlen, path, "not a regular file", TRACE_FILE_NO_OFFSET);
    else
        rc = trace_file_header(fd, (uint64_t)st.st_size, path, &t->n, err, errlen);
    if (rc == 0)
        rc = trace_file_body(fd, path, t, err, errlen);
    close(fd);
    return rc;
}

/* In file order: every record's fields, and seq increasing within each thread; counts each
 * thread's records into w->start[thread + 1]. */
static int trace_file_check_records(const char *path, struct trace_file *t,
                                    struct trace_file_work *w, char *err, size_t errlen)
{
    for (uint64_t i = 0; i < t->n; i++) {
        const struct trace_format_record *r = &t->rec[i];
        const char *bad = trace_format_check_record(r, t->n);
        if (bad)
            return trace_file_bad(err, errlen, path, bad, trace_file_offset(i));
        uint64_t *count = &w->start[r->thread + 1];
        if (*count && w->last_seq[r->thread] >= r->seq)
            return trace_file_bad(err, errlen, path,
                                  "sequence number not increasing within its thread",
                                  trace_file_offset(i));
        if (!*count)
            t->threads++;
        ++*count;
        w->last_seq[r->thread] = r->seq;
    }
    return 0;
}

/* Whether heap entry a's next record comes before b's: by seq, then by place in the file (so
 * records sharing a seq, which the order check refuses, are met in file order). */
static int trace_file_before(const struct trace_file *t, const struct trace_file_work *w,
                             const uint32_t *bythread, unsigned a, unsigned b)
{
    uint32_t x = bythread[w->cur[w->heap[a]]], y = bythread[w->cur[w->heap[b]]];
    if (t->rec[x].seq != t->rec[y].seq)
        return t->rec[x].seq < t->rec[y].seq;
    return x < y;
}

static void trace_file_heap_down(const struct trace_file *t, struct trace_file_work *w,
                                 const uint32_t *bythread, unsigned i)
{
    for (;;) {
        unsigned l = 2 * i + 1, m = i;
        if (l < w->nheap && trace_file_before(t, w, bythread, l, m))
            m = l;
        if (l + 1 < w->nheap && trace_file_before(t, w, bythread, l + 1, m))
            m = l + 1;
        if (m == i)
            return;
        unsigned x = w->heap[i];
        w->heap[i] = w->heap[m];
        w->heap[m] = x;
        i = m;
    }
}

/* Fills t->order: the records grouped by thread (file order, which is each thread's seq order
 * once trace_file_check_records passed), then a k-way merge of the threads by seq. O(n log
 * threads) and no qsort, which would malloc its buffer in the measured child. */
static void trace_file_sort(struct trace_file *t, struct trace_file_work *w, uint32_t *bythread)
{
    for (unsigned k = 0; k < TRACE_FORMAT_MAX_THREADS; k++) {
        w->start[k + 1] += w->start[k];
        w->cur[k] = w->start[k];
    }
    for (uint64_t i = 0; i < t->n; i++)
        bythread[w->cur[t->rec[i].thread]++] = (uint32_t)i;
    w->nheap = 0;
    for (unsigned k = 0; k < TRACE_FORMAT_MAX_THREADS; k++) {
        w->cur[k] = w->start[k];
        if (w->start[k] < w->start[k + 1])
            w->heap[w->nheap++] = k;
    }
    for (unsigned i = w->nheap; i-- > 0;)
        trace_file_heap_down(t, w, bythread, i);
    for (uint64_t k = 0; k < t->n; k++) {
        unsigned th = w->heap[0];
        t->order[k] = bythread[w->cur[th]++];
        if (w->cur[th] == w->start[th + 1])
            w->heap[0] = w->heap[--w->nheap];
        trace_file_heap_down(t, w, bythread, 0);
    }
}

/* In global order: one seq per record, frees of live blocks only, ids produced once; counts
 * blocks and live bytes. state: n + 1 zeroed entries, one per id (see TRACE_FILE_DEAD). */
static int trace_file_check_order(const char *path, struct trace_file *t, uint32_t *state,
                                  char *err, size_t errlen)
{
    int64_t live = 0, peak = 0;
    for (uint64_t k = 0; k < t->n; k++) {
        uint32_t i = t->order[k];
        const struct trace_format_record *r = &t->rec[i];
        /* seq is one global order: two records (of two threads) sharing one have no replay
         * order; the later one in the file is named */
        if (k > 0 && t->rec[t->order[k - 1]].seq == r->seq)
            return trace_file_bad(err, errlen, path, "sequence number shared by two records",
                                  trace_file_offset(i));
        if (r->addr) {
            uint32_t s = state[r->addr];
            if (s == 0 || s == TRACE_FILE_DEAD)
                return trace_file_bad(err, errlen, path,
                                      "free or realloc of a block that is not live",
                                      trace_file_offset(i));
            if (r->op == TRACE_OP_FREE || r->result || trace_format_realloc_freed(r)) {
                state[r->addr] = TRACE_FILE_DEAD;
                live -= (int64_t)trace_format_effective_size(&t->rec[s - 1]);
            }
        }
        if (r->result) {
            if (state[r->result] != 0)
                return trace_file_bad(err, errlen, path, "block id produced twice",
                                      trace_file_offset(i));
            state[r->result] = i + 1;
            live += (int64_t)trace_format_effective_size(r);
            if (live > peak)
                peak = live;
            t->blocks++;
        }
    }
    t->peak = (uint64_t)peak;
    t->live_end = (uint64_t)live;
    return 0;
}

int trace_file_load(const char *path, struct trace_file *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    int rc = trace_file_read(path, t, err, errlen);
    struct trace_file_work *w = NULL;
    uint32_t *tmp = NULL; /* the records by thread, then the state of each id */
    if (rc == 0) {
        w = wl_util_scratch(NULL, 1, sizeof *w);
        tmp = wl_util_scratch(NULL, (size_t)t->n + 1, sizeof *tmp);
        t->order = wl_util_scratch(NULL, (size_t)t->n, sizeof *t->order);
        if (!w || !tmp || !t->order)
            rc = trace_file_oom(err, errlen, path, sizeof *w + (2 * t->n + 1) * sizeof *tmp);
    }
    if (rc == 0)
        rc = trace_file_check_records(path, t, w, err, errlen);
    if (rc == 0) {
        trace_file_sort(t, w, tmp);
        memset(tmp, 0, ((size_t)t->n + 1) * sizeof *tmp);
        rc = trace_file_check_order(path, t, tmp, err, errlen);
    }
    wl_util_scratch_free(NULL, tmp);
    wl_util_scratch_free(NULL, w);
    if (rc != 0)
        trace_file_free(t);
    return rc;
}

void trace_file_free(struct trace_file *t)
{
    wl_util_scratch_free(NULL, t->order);
    wl_util_scratch_free(NULL, t->rec);
    memset(t, 0, sizeof *t);
}

struct trace_file_op trace_file_compact(const struct trace_format_record *r)
{
    return (struct trace_file_op){.size = trace_format_effective_size(r),
                                  .addr = (uint32_t)r->addr,
                                  .result = (uint32_t)r->result,
                                  .align = trace_format_replay_align(r->align),
                                  .op = r->op};
}
