/* Call sites of one measured process tree: copies the sampling rings (callchain.c) while it
 * runs, then unwinds every sample (symbolize.c) into a table of distinct stacks per event with
 * their counts and bytes, and at the end names the frames and finds each stack's call site, the
 * first frame outside the allocator (libc and the preloaded allocator library). */
#ifndef FAULTLINE_CALLSITES_H
#define FAULTLINE_CALLSITES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "callchain.h"
#include "pyframes.h"

/* One (event, stack) of a backend, summed over its measured runs. */
struct callsites_row {
    enum callchain_event event;
    char *stack;       /* folded: outermost;...;leaf (flame-graph order) */
    char *site;        /* first frame outside the allocator: "grow_heap" */
    char *entry;       /* the allocator function the site called: "malloc", or "" */
    uint64_t count;    /* events (samples x period) */
    uint64_t samples;  /* samples taken */
    int64_t bytes;     /* mmap/munmap/madvise/mprotect len, mremap new_len, brk break change */
    bool bytes_valid;  /* false for faults: a sample does not say how much it mapped */
    bool grew, shrank; /* brk: some call moved the break up / down */
    bool threaded;     /* a run of it had a thread other than a process's first (arenas) */
};

struct callsites_table {
    struct callsites_row *rows;
    size_t n, cap;
    unsigned runs;      /* runs whose call sites were recorded */
    unsigned runs_null; /* runs without (not permitted, ...) */
    uint64_t lost;      /* samples the kernel dropped (ring full) */
    uint64_t fault_period;
    char reason[CALLCHAIN_REASON_MAX]; /* why runs_null > 0 */
    uint64_t py_stops, py_framed;      /* syscalls stopped for Python frames, and those with some */
    bool python_unread;                /* Python ran but this build cannot read its frames */
    uint64_t py_native; /* syscall stacks through CPython's eval loop that got no Python frames */
};

struct callsites_proc;
struct callsites_raw;
struct symbolize_space;

/* The recording of one run. */
struct callsites_run {
    struct callchain_session cc;
    struct callchain_log log; /* what the rings held, parsed at the end */
    struct callsites_proc *procs;
    size_t nprocs, capprocs;
    struct symbolize_space **dead; /* images replaced by exec: still needed for names */
    size_t ndead, capdead;
    struct callsites_raw *raw; /* open-addressing hash of distinct (image, event, pcs) */
    size_t nraw, capraw;
    bool threaded;      /* a sample came from a thread other than its process's first */
    struct pyframes py; /* Python frames of the syscalls, from seccomp stops (pyframes.h) */
};

/* Open the sampling for pid's next exec. 0, or -1 with r->cc.reason (one line). */
int callsites_run_open(struct callsites_run *r, pid_t pid, uint64_t fault_period);
/* Take what the rings hold now (call it every few ms while the child runs, and at the end). */
void callsites_run_drain(struct callsites_run *r);
/* Close the events, name the frames and add this run to t. preload: the base name of the
 * allocator library the child had preloaded ("" for glibc); its frames count as allocator. */
void callsites_run_finish(struct callsites_run *r, struct callsites_table *t, const char *preload);

void callsites_table_free(struct callsites_table *t);

/* glibc's policy reason for a row's syscalls, from the syscall, the allocator function the site
 * called and the break's direction ("size >= mmap threshold", ...), or NULL where the trace
 * cannot tell. Only meaningful for a glibc backend. */
const char *callsites_glibc_reason(const struct callsites_row *row);

#endif
