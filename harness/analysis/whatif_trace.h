/* A malloc trace (allocators/trace_format.h) read whole and validated once for `faultline
 * whatif`: the records in global (seq) order, compacted, ready to be replayed many times. */
#ifndef FAULTLINE_WHATIF_TRACE_H
#define FAULTLINE_WHATIF_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "trace_file.h"

struct whatif_trace {
    struct trace_file_op *op; /* the records in global order */
    uint64_t n;               /* records */
    unsigned nthreads;        /* threads that called the malloc family */
};

/* Reads and validates the trace at path with trace_file_load (the replay workload's rules:
 * field checks, per-thread order, one global order, every freed block live, every id produced
 * once). 0, or -1 with one line in err naming the file and what is wrong (and the byte offset). */
int whatif_trace_load(const char *path, struct whatif_trace *t, char *err, size_t errlen);
void whatif_trace_free(struct whatif_trace *t);

#endif
