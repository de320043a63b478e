/* Fuzz target: the trace reader workloads/trace_file.c (with allocators/trace_format.h's
 * checks), which the replay workload, `faultline trace --dump` and `faultline whatif` share. A
 * refusal must say why in one line; an accepted trace must be what the readers rely on: every
 * record once in the global order, seq strictly increasing along it, the counts consistent. */
#include "fuzz_input.h"

#include <string.h>

#include "trace_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_trace_check(const struct trace_file *f, size_t size)
{
    if (f->n != (size - sizeof(struct trace_format_header)) / sizeof *f->rec)
        abort();
    unsigned char *seen = calloc(f->n + 1, 1);
    if (!seen)
        abort();
    for (uint64_t k = 0; k < f->n; k++) {
        uint32_t i = f->order[k];
        if (i >= f->n || seen[i]++)
            abort();
        if (k > 0 && f->rec[f->order[k - 1]].seq >= f->rec[i].seq)
            abort();
        struct trace_file_op o = trace_file_compact(&f->rec[i]);
        if (o.addr > f->n || o.result > f->n || (o.align & (o.align - 1)) != 0)
            abort();
    }
    free(seen);
    if (f->blocks > f->n || f->live_end > f->peak || f->threads > TRACE_FORMAT_MAX_THREADS ||
        (f->n > 0) != (f->threads > 0))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct trace_file f;
    char err[512] = "";
    if (trace_file_load(fuzz_input_path(data, size), &f, err, sizeof err) != 0) {
        if (!err[0] || strchr(err, '\n'))
            abort();
        return 0;
    }
    fuzz_trace_check(&f, size);
    trace_file_free(&f);
    return 0;
}
