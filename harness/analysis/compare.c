/* `faultline compare BASE NEW`: reads two run.json files (or results directories), matches cells
 * by backend and workload with their parameters, and gives each gated metric a verdict: counts
 * against per-metric tolerances, times (advisory) with the Mann-Whitney U test. */
#define _GNU_SOURCE
#include "compare.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_opt.h"
#include "compare_print.h"
#include "compare_side.h"
#include "compare_tol.h"
#include "compare_verdict.h"
#include "config.h"
#include "json_read.h"
#include "num.h"
#include "path.h"
#include "stats.h"

/* ---------------------------------------------------------------------------------------------
 * Tolerances: one line per gated metric, `metric tolerance needs reason...`. */
int compare_bad(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("faultline compare: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

static int compare_run(const struct compare_opts *o, struct compare_side *sb,
                       struct compare_side *sn, const struct compare_tols *tols)
{
    struct compare_verdict_rows rs = {0};
    struct compare_verdict_coverage cov;
    compare_verdict_all(o, sb, sn, tols, &rs);
    compare_verdict_cover(o, sb, &rs, &cov);
    int rc = o->format == COMPARE_JSON ? compare_print_json(sb, sn, &rs, &cov)
                                       : compare_print(o, sb, sn, tols, &rs, &cov);
    free(rs.v);
    return rc;
}

enum {
    COMPARE_ID_TOLERANCES = CLI_ID_COMMAND,
    COMPARE_ID_TIME_CHECK,
    COMPARE_ID_ALL,
    COMPARE_ID_ALLOW_MISSING,
};

static const struct cli_opt compare_opts_table[] = {
    CLI_ROW_FORMAT("console (default), md (a pull-request comment) or json"),
    {"tolerances", 0, "FILE",
     "metric tolerance needs reason per line\n(default: " FAULTLINE_SOURCE_DIR
     "/ci/tolerances.conf)",
     COMPARE_ID_TOLERANCES},
    {"time-check", 0, NULL, "compare the advisory times too (same job, same machine)",
     COMPARE_ID_TIME_CHECK},
    {"all", 0, NULL, "list ok rows too", COMPARE_ID_ALL},
    {"allow-missing", 0, NULL,
     "let baseline cells missing from NEW and gated metrics NEW could not\nanswer pass (they "
     "are still listed)",
     COMPARE_ID_ALLOW_MISSING},
    CLI_ROW_END,
};

static const struct cli_opt *const compare_tables[] = {compare_opts_table, NULL};

static const struct cli_usage compare_usage = {
    .name = "compare",
    .synopsis = "BASE NEW [--format console|md|json] [--tolerances FILE] [--time-check] [--all]\n"
                "BASE NEW --allow-missing ...",
    .about = "Compares two runs (a run.json file or a results directory each; a directory's\n"
             "callgrind.tsv is read too) cell by cell, keyed by backend and workload with their\n"
             "parameters. Each metric listed in the tolerances file gets a verdict:\n"
             "  ok, regressed (beyond tolerance: the gate fails), improved (beyond tolerance:\n"
             "  refresh the baseline, not a failure), not compared (BASE measured it, NEW has\n"
             "  null: fails), skipped (not measured in BASE, or the environment fingerprint it\n"
             "  depends on differs: listed, not a failure).\n"
             "Coverage is part of the verdict: a BASE cell that NEW lacks or never ran is\n"
             "missing and fails the gate (a changed spec is missing + new); cells only in NEW\n"
             "are listed as new and do not fail. The summary says how many baseline cells and\n"
             "gated metric values were compared. --allow-missing lets a partial NEW pass.\n"
             "Times (tolerance `time`) are advisory: compared only with --time-check, with the\n"
             "Mann-Whitney U test over >= 9 runs per side, flagged when p < 0.01 and the median\n"
             "moved > 5 %; never across machines.\n",
    .tables = compare_tables,
    .examples = "faultline compare results/baseline/ci.json results/runs/<id>\n"
                "faultline compare --format md results/baseline/ci.json results/runs/<id>\n"
                "faultline compare --format json --allow-missing results/baseline/ci.json "
                "results/runs/<id>",
    .exit_status = "1 a gated metric regressed, 3 nothing regressed but coverage is incomplete\n"
                   "(a BASE cell missing from NEW, or a gated metric not compared; not with\n"
                   "--allow-missing), 2 bad input, 0 passed",
};

int compare_main(int argc, char **argv)
{
    struct compare_opts o = {.tolerances = FAULTLINE_SOURCE_DIR "/ci/tolerances.conf"};
    const char *pos[2];
    int npos = 0;
    struct cli_parse p;
    cli_opt_init(&p, &compare_usage, argc, argv);
    int c;
    while ((c = cli_opt_next(&p)) != CLI_OPT_END) {
        switch (c) {
        case CLI_OPT_HELP:
            return 0;
        case CLI_OPT_ERROR:
            return 2;
        case CLI_ID_FORMAT:
            if (strcmp(p.arg, "md") && strcmp(p.arg, "console") && strcmp(p.arg, "json"))
                return cli_opt_error(&p, "--format %s: valid formats are console, md, json", p.arg);
            o.md = !strcmp(p.arg, "md");
            o.format = o.md ? COMPARE_MD : !strcmp(p.arg, "json") ? COMPARE_JSON : COMPARE_CONSOLE;
            break;
        case COMPARE_ID_ALLOW_MISSING:
            o.allow_missing = true;
            break;
        case COMPARE_ID_TOLERANCES:
            o.tolerances = p.arg;
            break;
        case COMPARE_ID_TIME_CHECK:
            o.time_check = true;
            break;
        case COMPARE_ID_ALL:
            o.all = true;
            break;
        case CLI_OPT_ARG:
            if (npos == 2)
                return cli_opt_error(&p, "too many arguments: want BASE NEW (see faultline "
                                         "compare --help)");
            pos[npos++] = p.arg;
            break;
        }
    }
    if (npos != 2)
        return compare_bad("want BASE NEW (run.json files or results directories; see --help)");
    struct compare_tols tols = {0};
    int rc = compare_tol_load(o.tolerances, &tols);
    struct compare_side sb, sn;
    memset(&sb, 0, sizeof sb);
    memset(&sn, 0, sizeof sn);
    sb.label = "BASE";
    sn.label = "NEW";
    if (rc == 0)
        rc = compare_side_load(&sb, pos[0]);
    if (rc == 0)
        rc = compare_side_load(&sn, pos[1]);
    if (rc == 0 && sb.ncells == 0)
        rc = compare_bad("BASE: %s has no cells", sb.path);
    if (rc == 0)
        rc = compare_run(&o, &sb, &sn, &tols);
    compare_side_free(&sb);
    compare_side_free(&sn);
    free(tols.v);
    return rc;
}
