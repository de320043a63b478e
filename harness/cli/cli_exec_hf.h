/* `faultline exec --timer hyperfine` (see the .c file). */
#ifndef FAULTLINE_CLI_EXEC_HF_H
#define FAULTLINE_CLI_EXEC_HF_H

#include "cli_exec.h"
#include "strbuf.h"

/* Run hyperfine over every runnable backend; fill hf_* from its JSON export. 0 or -1. */
int cli_exec_hf_run(const struct cli_exec_opts *o, struct cli_exec_backend *bs, unsigned nb,
                    const char *json_path, struct results *r);

/* "hyperfine": {...} object for run.json. */
void cli_exec_hf_json(const struct cli_exec_opts *o, const struct cli_exec_backend *bs, unsigned nb,
                      struct strbuf *sb);

/* Insert ,"hyperfine":obj before the closing brace of a JSON document. */
void cli_exec_hf_json_inject(struct strbuf *doc, const struct strbuf *obj);

#endif
