/* The verdicts of `faultline compare`: one row per cell and gated metric (counts against their
 * tolerance, times by Mann-Whitney U), and the coverage of the gate. */
#ifndef FAULTLINE_COMPARE_VERDICT_H
#define FAULTLINE_COMPARE_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "compare.h"
#include "compare_side.h"
#include "compare_tol.h"

/* The order is the report's: failures first. missing and uncompared fail the gate unless
 * --allow-missing; new is listed and never fails. */
enum compare_verdict {
    CV_REGRESSED,
    CV_MISSING,
    CV_UNCOMPARED,
    CV_IMPROVED,
    CV_SLOWER,
    CV_FASTER,
    CV_OK,
    CV_NEW,
    CV_SKIPPED,
};

struct compare_verdict_row {
    const char *backend, *workload, *metric;
    const struct compare_tol *tol;
    enum compare_verdict verdict;
    bool have_base, have_new;
    double base, neu;
    double p; /* time rows */
    char base_text[64], new_text[64];
    char reason[200];
};

struct compare_verdict_rows {
    struct compare_verdict_row *v;
    size_t n, cap;
};

/* verdicts as --format json spells them, and as the console and Markdown reports do */
extern const char *const compare_verdict_json[];
extern const char *const compare_verdict_names[];

/* What the gate looked at: the coverage half of the verdict. */
struct compare_verdict_coverage {
    size_t count[CV_SKIPPED + 1]; /* rows per verdict */
    size_t base_cells, cells_compared;
    size_t gated, gated_compared; /* count-metric values BASE has, and those compared */
    bool regressed, incomplete;
};

void compare_verdict_fmt_num(char *buf, size_t len, double v);
unsigned compare_verdict_fp_diff(const struct compare_side *a, const struct compare_side *b);
void compare_verdict_fp_list(char *buf, size_t len, unsigned bits);
void compare_verdict_all(const struct compare_opts *o, struct compare_side *sb,
                         struct compare_side *sn, const struct compare_tols *tols,
                         struct compare_verdict_rows *rs);
void compare_verdict_cover(const struct compare_opts *o, const struct compare_side *sb,
                           const struct compare_verdict_rows *rs,
                           struct compare_verdict_coverage *c);

#endif
