/* One run of the program under `faultline tune` with a setting: a traced child, its peak and
 * retained RSS, faults and time. */
#ifndef FAULTLINE_TUNE_EXEC_H
#define FAULTLINE_TUNE_EXEC_H

#include "tune.h"

int tune_exec_once(const struct tune_state *st, const struct tune_setting *s,
                   double m[TUNE_METRICS], char *outcome, size_t outlen);

#endif
