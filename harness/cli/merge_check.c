/* Checks of merge inputs (see merge_check.h), kept apart from the merging itself. */
#define _GNU_SOURCE
#include "merge_check.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "csv.h"
#include "num.h"

bool merge_check_cell_id(const char *id)
{
    size_t n = strlen(id);
    if (n < 2 || n > 10 || id[0] != 'c')
        return false;
    for (size_t i = 1; i < n; i++)
        if (id[i] < '0' || id[i] > '9')
            return false;
    return true;
}

static int merge_check_rows(const char *dir)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/samples.csv", dir);
    struct csv s;
    if (csv_load(&s, path) != 0)
        return cli_usage_error("merge: %s", s.err);
    int ccell = csv_col(&s, "cell"), crep = csv_col(&s, "rep"), cseed = csv_col(&s, "seed");
    int rc = 0;
    if (ccell < 0 || crep < 0 || csv_col(&s, "backend") < 0 || csv_col(&s, "workload") < 0 ||
        csv_col(&s, "outcome") < 0)
        rc = cli_usage_error("merge %s: samples.csv lacks the faultline columns", dir);
    for (size_t row = 0; rc == 0 && row < s.nrows; row++) {
        const char *id = csv_get(&s, row, ccell), *seed = csv_get(&s, row, cseed);
        uint64_t v;
        if (!merge_check_cell_id(id))
            rc = cli_usage_error("merge %s: samples.csv row %zu: cell id '%.40s' is not c<digits> "
                                 "(it names files; no paths)",
                                 dir, row + 1, id);
        else if (num_parse_u64(csv_get(&s, row, crep), 0, 1000000, &v) != 0)
            rc = cli_usage_error("merge %s: samples.csv row %zu: rep '%.40s' is not an integer "
                                 "0..1000000",
                                 dir, row + 1, csv_get(&s, row, crep));
        else if (*seed && num_parse_u64(seed, 0, UINT64_MAX, &v) != 0)
            rc = cli_usage_error("merge %s: samples.csv row %zu: seed '%.40s' is not an integer",
                                 dir, row + 1, seed);
    }
    csv_free(&s);
    return rc;
}

int merge_check_inputs(const char *out, int ndirs, char *const *dirs)
{
    char(*real)[PATH_MAX] = calloc((size_t)ndirs + 1, sizeof *real);
    if (!real)
        abort();
    int rc = 0;
    for (int i = 0; rc == 0 && i < ndirs; i++) {
        if (!realpath(dirs[i], real[i]))
            rc = cli_usage_error("merge %s: %s", dirs[i], strerror(errno));
        for (int k = 0; rc == 0 && k < i; k++)
            if (!strcmp(real[i], real[k]))
                rc = cli_usage_error("merge: %s and %s are the same directory: its runs would "
                                     "count twice",
                                     dirs[k], dirs[i]);
        char out_real[PATH_MAX];
        if (rc == 0 && realpath(out, out_real) && !strcmp(out_real, real[i]))
            rc = cli_usage_error("merge: OUT %s is also an input", out);
        if (rc == 0)
            rc = merge_check_rows(dirs[i]);
    }
    free(real);
    return rc;
}
