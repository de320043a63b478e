/* The one reader of malloc trace files (allocators/trace_format.h): the replay workload,
 * `faultline trace` and `faultline whatif` all load a trace here, so they accept and refuse the
 * same files with the same one-line messages. It lives in workloads/, the lowest layer that
 * reads traces (the tracer in allocators/ only writes them), so the harness can use it too. */
#ifndef FAULTLINE_TRACE_FILE_H
#define FAULTLINE_TRACE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "../allocators/trace_format.h"

/* A trace read whole and validated. */
struct trace_file {
    struct trace_format_record *rec; /* the n records in file order (each thread's program order) */
    uint32_t *order;                 /* the n record indices in global order: by seq */
    uint64_t n;                      /* records */
    unsigned threads;                /* threads that have records */
    uint64_t blocks;                 /* ids produced (successful allocations) */
    uint64_t peak;     /* live requested bytes at their peak, in global order (pvalloc: pages) */
    uint64_t live_end; /* live requested bytes after the last record */
};

/* Reads path and checks all a replay relies on: a regular file (a FIFO or device is refused,
 * never waited on), the header, whole records and at most TRACE_FORMAT_MAX_RECORDS of them, the
 * whole body read (a short read is an error), every record's fields (trace_format_check_record),
 * seq strictly increasing within a thread, and in global order one seq per record, every freed
 * or realloc'ed block live and every id produced once (which proves that a replay's waits across
 * threads cannot deadlock). Where a file has several faults, the first in file order is named,
 * then the first in global order. The arrays are mmap scratch memory (wl_util_scratch), never
 * the malloc family's: the replay workload loads in the measured child before the backend's
 * heap starts. Returns 0, or an errno value (open's own, EINVAL for a bad file, ENOMEM) with one
 * line in err naming the file and what is wrong, with the byte offset where there is one:
 * "t.fltrace: truncated record at offset 4112". *t is zeroed on failure. */
int trace_file_load(const char *path, struct trace_file *t, char *err, size_t errlen);
void trace_file_free(struct trace_file *t);

/* One record as a replay uses it, compacted (ids fit in 32 bits: TRACE_FORMAT_MAX_RECORDS). */
struct trace_file_op {
    uint64_t size;   /* trace_format_effective_size: pvalloc rounded up to pages */
    uint32_t addr;   /* block id passed in, 0 for none */
    uint32_t result; /* block id returned, 0 when the call failed */
    uint32_t align;  /* trace_format_replay_align: a power of two */
    uint8_t op;      /* enum trace_format_op */
};

struct trace_file_op trace_file_compact(const struct trace_format_record *r);

#endif
