/* Command-line front end: one function per subcommand, shared option parsing helpers. Every
 * input error is one line on stderr naming the argument and what would be valid, exit 2, with
 * nothing written. */
#ifndef FAULTLINE_CLI_H
#define FAULTLINE_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "cli_opt.h"
#include "plan.h"

#define CLI_MAX_SPECS 64

int cli_run_main(int argc, char **argv);
int cli_list_main(int argc, char **argv);
int cli_sweep_main(int argc, char **argv);
int cli_seed_main(int argc, char **argv);
int cli_merge_main(int argc, char **argv);
/* run and sweep share one implementation. */
int cli_plan_main(int argc, char **argv, bool sweep);

/* One-line error, exit status 2. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Parse a positive integer option value; -1 on error (message printed). */
int cli_parse_count(const char *opt, const char *text, uint64_t min, uint64_t max, uint64_t *out);
/* Default results directory results/runs/<UTC>-<sha>. */
void cli_default_out(char *buf, size_t len);
/* --out / --no-out: conflict check, the default directory, creation. 0, or 2 (message printed). */
int cli_resolve_out(char *out_dir, size_t len, bool out_none);
/* Check that dir can be created and written (creates it). When dir already holds results, the
 * new set goes to a sibling staging directory whose path replaces dir (len bytes), swapped in
 * whole by cli_finish_out. 0 or -1 (message printed). */
int cli_prepare_out(char *dir, size_t len);
/* The name to show for a results directory: the --out the user gave, not the staging path. */
const char *cli_out_name(const char *dir);
/* At the command's end: when ok, exchange the staging directory with the user's one in one step
 * and remove the old set; else keep the old set in place and say where the new files are. */
void cli_finish_out(bool ok);
/* The id of --jobs/-j (its short option), parsed by cli_common_option. */
enum { CLI_RUN_ID_JOBS = 'j' };
/* Common run options shared by run/sweep/seed: parse one option; returns 1 if consumed,
 * 0 if not ours, -1 on error (message printed). */
int cli_common_option(int opt, const char *arg, struct plan_options *po, char *out_dir,
                      size_t out_len, const char **format, bool *out_none);

#endif
