/* The trace for `faultline whatif` (see whatif_trace.h): read and checked once by
 * workloads/trace_file.c, here in the parent, then compacted into global order so every forked
 * replay can trust it and do nothing but replay. */
#include "whatif_trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_file.h"

int whatif_trace_load(const char *path, struct whatif_trace *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    struct trace_file f;
    if (trace_file_load(path, &f, err, errlen) != 0)
        return -1;
    t->op = malloc((f.n ? (size_t)f.n : 1) * sizeof *t->op);
    if (!t->op) {
        snprintf(err, errlen, "%s: out of memory", path);
        trace_file_free(&f);
        return -1;
    }
    for (uint64_t k = 0; k < f.n; k++)
        t->op[k] = trace_file_compact(&f.rec[f.order[k]]);
    t->n = f.n;
    t->nthreads = f.threads;
    trace_file_free(&f);
    return 0;
}

void whatif_trace_free(struct whatif_trace *t)
{
    free(t->op);
    memset(t, 0, sizeof *t);
}
