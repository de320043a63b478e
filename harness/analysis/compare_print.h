/* The reports of `faultline compare`: console (aligned columns), Markdown and JSON. */
#ifndef FAULTLINE_COMPARE_PRINT_H
#define FAULTLINE_COMPARE_PRINT_H

#include "compare.h"
#include "compare_side.h"
#include "compare_tol.h"
#include "compare_verdict.h"

int compare_print(const struct compare_opts *o, const struct compare_side *sb,
                  const struct compare_side *sn, const struct compare_tols *tols,
                  const struct compare_verdict_rows *rsp,
                  const struct compare_verdict_coverage *cov);
int compare_print_json(const struct compare_side *sb, const struct compare_side *sn,
                       const struct compare_verdict_rows *rs,
                       const struct compare_verdict_coverage *cov);

#endif
