/* The inputs of a merged results directory (faultline merge): for every input, the run id, host,
 * machine and context block of the run that made it, read from its run.json (an input that is
 * itself a merged directory contributes the inputs it lists), and their rendering as the merged
 * run.json's "hosts" and "inputs". Duplicates are recognised by run id. */
#ifndef FAULTLINE_RESULTS_INPUTS_H
#define FAULTLINE_RESULTS_INPUTS_H

#include <stdbool.h>
#include <stddef.h>

#include "context.h"
#include "strbuf.h"

struct results_input {
    char dir[4096];   /* the directory given to merge (of the merge that listed it, if nested) */
    char run_id[40];  /* "" when the run predates run ids */
    char host[256];   /* "" when its run.json names none */
    char machine[12]; /* fingerprint id (fingerprint.h) */
    unsigned runs;    /* runs merged from it */
    unsigned skipped; /* runs skipped: already merged from an earlier input */
    struct context ctx;
};

struct results_inputs {
    struct results_input *v;
    unsigned n;
};

/* The runs that made DIR (one, or the inputs a merged run.json lists) appended to *out, and
 * DIR's own context block into *top (may be NULL). Returns how many were appended, or -1 with
 * err when DIR/run.json is missing, unreadable or has no context block (nothing appended). */
int results_inputs_read(const char *dir, struct results_inputs *out, struct context *top, char *err,
                        size_t errlen);
/* Index of the input with this run id, or -1 ("" never matches). */
int results_inputs_find(const struct results_inputs *in, const char *run_id);
void results_inputs_free(struct results_inputs *in);
/* The merged run.json's members `"hosts":[...],` and `"inputs":[...],` (nothing when empty). */
void results_inputs_render(const struct results_inputs *in, struct strbuf *sb);

#endif
