/* The what-if engine (see whatif.h): per setting, a forked child replays the trace through a
 * fresh twin and writes its OS-layer counts to a pipe. A child, not the parent, because the twin
 * takes real memory from the one program break of its process: each setting needs a process
 * whose break and mappings no earlier setting has moved. */
#define _GNU_SOURCE
#include "whatif.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trace_format.h"
#include "twin.h"

#define WHATIF_MAX_JOBS 64

uint64_t whatif_total_calls(const struct whatif_result *r)
{
    uint64_t n = 0;
    for (int k = 0; k < OS_CALL_COUNT; k++)
        n += r->os.calls[k];
    return n;
}

/* The replay workload's semantics, in global order, without touching block contents: a failed
 * traced call is skipped (a realloc(p, 0) that freed p frees it), a realloc to 0 that returned a
 * block is free + malloc(0) as the workload does it. 0 or ENOMEM. */
static int whatif_replay(struct twin *tw, const struct whatif_trace *t, void **blk)
{
    for (uint64_t i = 0; i < t->n; i++) {
        const struct trace_file_op *o = &t->op[i];
        void *old = o->addr ? blk[o->addr] : NULL;
        if (o->op == TRACE_OP_FREE) {
            twin_free(tw, old);
            continue;
        }
        if (!o->result) {
            if (o->addr && o->size == 0)
                twin_free(tw, old);
            continue;
        }
        void *q;
        size_t size = (size_t)o->size;
        if (trace_format_is_realloc_op(o->op)) {
            if (size == 0) {
                twin_free(tw, old);
                q = twin_malloc(tw, 0);
            } else {
                q = twin_realloc(tw, old, size);
            }
        } else if (o->op == TRACE_OP_CALLOC) {
            q = twin_calloc(tw, 1, size);
        } else if (trace_format_is_aligned_op(o->op)) {
            q = twin_memalign(tw, o->align, size);
        } else {
            q = twin_malloc(tw, size);
        }
        if (!q)
            return ENOMEM;
        blk[o->result] = q;
    }
    return 0;
}

/* The child: one replay, its result on fd, then _exit (no atexit handlers, no stdio flush of
 * the parent's buffers). */
static void whatif_child(const struct whatif_trace *t, void **blk, const struct whatif_knobs *k,
                         int fd)
{
    static struct twin tw; /* zero in every child: the parent never uses it */
    struct twin_config cfg = {.top_pad = k->top_pad,
                              .trim_threshold = k->trim_threshold,
                              .mmap_threshold = k->mmap_threshold,
                              .mmap_max = k->mmap_max,
                              .dynamic = k->dynamic};
    struct whatif_result r;
    memset(&r, 0, sizeof r);
    struct os_counts before, after;
    os_counts_read(&before);
    twin_init(&tw, &cfg);
    r.error = whatif_replay(&tw, t, blk);
    os_counts_read(&after);
    os_counts_diff(&after, &before, &r.os);
    r.heap_bytes = tw.system_mem;
    r.mapped_bytes = tw.mmapped_mem;
    ssize_t w = write(fd, &r, sizeof r); /* < PIPE_BUF: one atomic write */
    _exit(w == (ssize_t)sizeof r ? 0 : 1);
}

struct whatif_slot {
    pid_t pid;
    int fd;
    size_t idx;
};

static int whatif_start(const struct whatif_trace *t, void **blk, const struct whatif_knobs *k,
                        struct whatif_slot *s)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        errno = e;
        return -1;
    }
    if (pid == 0) {
        close(p[0]);
        whatif_child(t, blk, k, p[1]);
    }
    close(p[1]);
    s->pid = pid;
    s->fd = p[0];
    return 0;
}

/* The slot's child has exited: its result, or EFAULT when it died without one. */
static void whatif_collect(struct whatif_slot *s, int status, struct whatif_result *res)
{
    struct whatif_result r;
    ssize_t got;
    do
        got = read(s->fd, &r, sizeof r);
    while (got < 0 && errno == EINTR);
    close(s->fd);
    if (got == (ssize_t)sizeof r && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        res[s->idx] = r;
    } else {
        memset(&res[s->idx], 0, sizeof res[s->idx]);
        res[s->idx].error = EFAULT;
    }
    s->pid = 0;
}

int whatif_predict(const struct whatif_trace *t, const struct whatif_knobs *knobs, size_t count,
                   unsigned jobs, struct whatif_result *res)
{
    if (jobs < 1)
        jobs = 1;
    if (jobs > WHATIF_MAX_JOBS)
        jobs = WHATIF_MAX_JOBS;
    /* block pointers by id: written by the children only (copy-on-write pages) */
    void **blk = calloc((size_t)t->n + 1, sizeof *blk);
    if (!blk)
        return -1;
    struct whatif_slot slot[WHATIF_MAX_JOBS];
    memset(slot, 0, sizeof slot);
    size_t next = 0, running = 0;
    int rc = 0, err = 0;
    for (size_t i = 0; i < count; i++)
        res[i].error = ECANCELED; /* until its child reports */
    while (running > 0 || (next < count && rc == 0)) {
        for (unsigned j = 0; j < jobs && next < count && rc == 0; j++) {
            if (slot[j].pid)
                continue;
            slot[j].idx = next;
            if (whatif_start(t, blk, &knobs[next], &slot[j]) != 0) {
                err = errno;
                rc = -1;
                break;
            }
            next++;
            running++;
        }
        if (running == 0)
            break;
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            err = errno;
            rc = -1;
            break;
        }
        for (unsigned j = 0; j < jobs; j++)
            if (slot[j].pid == pid) {
                whatif_collect(&slot[j], status, res);
                running--;
            }
    }
    free(blk);
    if (rc != 0)
        errno = err;
    return rc;
}
