/* The tolerances of `faultline compare`: one line per gated metric (`metric tolerance needs
 * reason...`, ci/tolerances.conf) and the fingerprint fields a metric's gate needs to match. */
#ifndef FAULTLINE_COMPARE_TOL_H
#define FAULTLINE_COMPARE_TOL_H

#include <stdbool.h>
#include <stddef.h>

/* The environment fingerprint: the context fields a metric may depend on. */
enum { COMPARE_FP_COUNT = 7 };
/* build_type and sanitizers are not the machine but change counts just as much. */
extern const char *const compare_tol_fp_names[COMPARE_FP_COUNT];

struct compare_tol {
    char metric[64];
    char text[48];  /* as written, for the report */
    bool time;      /* advisory timing metric (Mann-Whitney U), never fails the gate */
    double pct;     /* allowed relative change, percent */
    double abs;     /* allowed absolute change; the larger of the two applies */
    unsigned needs; /* bit i: compare_tol_fp_names[i] must match for the metric to be gated */
    char reason[160];
};

struct compare_tols {
    struct compare_tol *v;
    size_t n;
};

int compare_tol_load(const char *path, struct compare_tols *out);

#endif
