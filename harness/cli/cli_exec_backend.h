/* `faultline exec`, backends: spec validation and the child's environment (see the .c file). */
#ifndef FAULTLINE_CLI_EXEC_BACKEND_H
#define FAULTLINE_CLI_EXEC_BACKEND_H

#include <stddef.h>

#include "cli_exec.h"

/* Validate one spec and work out how the child gets that allocator. 0, or -1 with err. */
int cli_exec_backend_prepare(const char *spec, struct cli_exec_backend *b, char *err,
                             size_t errlen);

/* environ minus the dropped variables, plus the backend's, plus stats (or NULL), plus --env
 * (later ones win). The strings are borrowed; free() only the array. */
char **cli_exec_backend_envp(const struct cli_exec_opts *o, const struct cli_exec_backend *b,
                             const char *stats);

#endif
