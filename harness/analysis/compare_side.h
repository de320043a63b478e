/* One side of `faultline compare` (BASE or NEW): a run.json, or a results directory's, plus
 * its callgrind counts, read as cells with their runs and fingerprint. */
#ifndef FAULTLINE_COMPARE_SIDE_H
#define FAULTLINE_COMPARE_SIDE_H

#include <stdbool.h>
#include <stddef.h>

#include "compare_tol.h"
#include "json_read.h"

struct compare_side_cell {
    char key[640];     /* backend:params workload:params, the match key */
    char backend[256]; /* spec, for display */
    char workload[384];
    const char *id;      /* cell id inside its file (not stable across files) */
    const json_t **runs; /* run objects of this cell */
    size_t nruns, cap_runs;
    size_t ok; /* runs whose outcome is "ok" */
    char bad_outcome[128];
    bool cg_have;  /* a callgrind run exists for the cell */
    bool cg_valid; /* ... and gave a count */
    double cg_ir;
    char cg_outcome[128];
};

struct compare_side {
    const char *label; /* BASE or NEW */
    char path[4096];   /* the JSON file read */
    json_t *doc;
    char fp[COMPARE_FP_COUNT][160];
    char host[128], git_sha[64], date[40];
    struct compare_side_cell *cells;
    size_t ncells;
};

struct compare_side_cell *compare_side_find_cell(struct compare_side *s, const char *key);
int compare_side_load(struct compare_side *s, const char *arg);
void compare_side_free(struct compare_side *s);
size_t compare_side_values(const struct compare_side_cell *c, const char *m, double *out,
                           size_t *nulls);

#endif
