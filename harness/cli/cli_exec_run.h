/* `faultline exec`, one measured run (see the .c file). */
#ifndef FAULTLINE_CLI_EXEC_RUN_H
#define FAULTLINE_CLI_EXEC_RUN_H

#include "cli_exec.h"

/* Run CMD once under backend b; tag names its stdout/stderr files. Warnings go to r. With cs
 * (non-NULL), call sites are sampled and this run's are added to cs. */
void cli_exec_run_one(const struct cli_exec_opts *o, const struct cli_exec_backend *b,
                      const char *tag, struct run_result *out, struct results *r,
                      struct callsites_table *cs);

#endif
