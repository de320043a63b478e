/* The helpers the subcommands share (one-line errors, counts, the results directory, the common
 * run options) and `faultline list`; run and sweep are in cli_plan.c. */
#define _GNU_SOURCE
#include "cli.h"
#include "ledger_file.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "workload.h"
#include "atomic_file.h"
#include "config.h"
#include "num.h"
#include "perf.h"
#include "runner.h"
#include "cli_limits.h"
#include "cli_opt.h"
#include "path.h"
#include "report_table.h"
#include "spec.h"
#include "sweep.h"
#include "tails.h"
#include "scratch.h"

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("faultline: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 2;
}

int cli_parse_count(const char *opt, const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
    if (num_parse_u64(text, min, max, out) != 0) {
        cli_usage_error("%s %s: expected an integer %llu..%llu", opt, text, (unsigned long long)min,
                        (unsigned long long)max);
        return -1;
    }
    return 0;
}

void cli_default_out(char *buf, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(buf, len, "results/runs/%s-%s", stamp, FAULTLINE_GIT_SHA);
}

/* --out into a directory that holds earlier results: the new set is written into a sibling
 * staging directory, DIR.new-<pid>, and swapped in whole at the command's end with one
 * renameat2(RENAME_EXCHANGE); the old set, now at DIR.new-<pid>, is then removed. At every
 * instant DIR holds the complete old set or the complete new one, never a mix: a kill -9 before
 * the swap leaves the old set in DIR and the runs finished so far, readable, in DIR.new-<pid>. */
static char cli_out_final[4200], cli_out_real[4200], cli_out_stage[4200];

static bool cli_out_nonempty(const char *dir, bool *results)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool any = false;
    *results = false;
    static const char *const marks[] = {"run.json", "samples.csv", "tune.csv", "sweep.csv",
                                        "whatif.csv"};
    for (struct dirent *e; (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        any = true;
        for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
            *results |= !strcmp(e->d_name, marks[i]);
    }
    closedir(d);
    return any;
}

const char *cli_out_name(const char *dir)
{
    return cli_out_stage[0] && !strcmp(dir, cli_out_stage) ? cli_out_final : dir;
}

void cli_finish_out(bool ok)
{
    if (!cli_out_stage[0])
        return;
    bool results = false;
    if (!ok) {
        if (cli_out_nonempty(cli_out_stage, &results) && results)
            fprintf(stderr, "faultline: %s keeps the earlier results; this command's are in %s\n",
                    cli_out_final, cli_out_stage);
        else
            scratch_remove(cli_out_stage);
    } else {
        bool atomic;
        if (atomic_file_swap_dirs(cli_out_stage, cli_out_real, &atomic) != 0) {
            fprintf(stderr,
                    "faultline: cannot put %s in place of %s: %s (the new results stay in "
                    "%s)\n",
                    cli_out_stage, cli_out_final, strerror(errno), cli_out_stage);
            atomic_file_note_failure(cli_out_final, errno);
        } else {
            if (!atomic)
                fprintf(stderr,
                        "faultline: note: this filesystem cannot exchange directories; "
                        "%s was replaced with two renames\n",
                        cli_out_final);
            scratch_remove(cli_out_stage); /* the old set */
        }
    }
    cli_out_stage[0] = '\0';
}

int cli_prepare_out(char *dir, size_t len)
{
    bool results = false;
    if (cli_out_nonempty(dir, &results)) {
        if (!results) {
            cli_usage_error("--out %s: not empty and not a faultline results directory (use a new "
                            "directory)",
                            dir);
            return -1;
        }
        if (!realpath(dir, cli_out_real)) {
            cli_usage_error("--out %s: %s", dir, strerror(errno));
            return -1;
        }
        /* a sibling of the real directory: same filesystem, so the exchange is one rename */
        int n = snprintf(cli_out_stage, sizeof cli_out_stage, "%s.new-%ld", cli_out_real,
                         (long)getpid());
        if (n < 0 || (size_t)n >= len || (size_t)n >= sizeof cli_out_stage) {
            cli_out_stage[0] = '\0';
            cli_usage_error("--out %s: path too long", dir);
            return -1;
        }
        scratch_remove(cli_out_stage); /* a leftover of an earlier process with our pid */
        if (mkdir(cli_out_stage, 0777) != 0) {
            cli_usage_error("--out %s: cannot create %s (%s)", dir, cli_out_stage, strerror(errno));
            cli_out_stage[0] = '\0';
            return -1;
        }
        snprintf(cli_out_final, sizeof cli_out_final, "%s", dir);
        snprintf(dir, len, "%s", cli_out_stage);
        return 0;
    }
    if (atomic_file_mkdirs(dir) != 0 || access(dir, W_OK) != 0) {
        cli_usage_error("--out %s: cannot create or write that directory (%s)", dir,
                        strerror(errno));
        return -1;
    }
    return 0;
}

int cli_resolve_out(char *out_dir, size_t len, bool out_none)
{
    if (out_none && out_dir[0])
        return cli_usage_error("--out and --no-out conflict");
    if (!out_none && !out_dir[0])
        cli_default_out(out_dir, len);
    if (!out_none && cli_prepare_out(out_dir, len) != 0)
        return 2;
    return 0;
}

/* -j/--jobs: run and sweep only (the short letter is its id, as for the shared rows). */
int cli_common_option(int opt, const char *arg, struct plan_options *po, char *out_dir,
                      size_t out_len, const char **format, bool *out_none)
{
    uint64_t v;
    switch (opt) {
    case CLI_ID_RUNS:
        if (cli_parse_count("--runs", arg, 1, 100000, &v) != 0)
            return -1;
        po->runs = (unsigned)v;
        return 1;
    case CLI_ID_WARMUP:
        if (cli_parse_count("--warmup", arg, 0, 1000, &v) != 0)
            return -1;
        po->warmup = (unsigned)v;
        return 1;
    case CLI_ID_TIMEOUT: {
        double t;
        if (num_parse_double(arg, 0, 86400, &t) != 0 || !(t > 0)) {
            cli_usage_error("--timeout %s: expected seconds, 0 < S <= 86400", arg);
            return -1;
        }
        po->ro.timeout_s = t;
        return 1;
    }
    case CLI_ID_EVENTS: {
        char err[512];
        if (perf_events_validate(arg, err, sizeof err) != 0) {
            cli_usage_error("--events %s", err);
            return -1;
        }
        po->ro.events = arg;
        return 1;
    }
    case CLI_ID_FORMAT:
        if (!report_find(arg)) {
            cli_usage_error("--format %s: expected console|json|csv|md|gbench", arg);
            return -1;
        }
        *format = arg;
        return 1;
    case CLI_ID_SEED:
        if (cli_parse_count("--seed", arg, 0, UINT64_MAX - 1, &v) != 0)
            return -1;
        po->seed = v;
        return 1;
    case CLI_ID_NO_PERF:
        po->ro.no_perf = true;
        return 1;
    case CLI_ID_NO_MEASURE:
        po->ro.no_measure = true;
        return 1;
    case CLI_ID_NO_ASLR:
        po->ro.no_aslr = true;
        return 1;
    case CLI_ID_LAT_SAMPLE:
        if (cli_parse_count("--lat-sample", arg, 1, 1u << 30, &v) != 0)
            return -1;
        po->ro.lat_sample_every = v;
        return 1;
    case CLI_ID_FAKE:
        po->ro.fake = true;
        return 1;
    case CLI_ID_QUIET:
        po->quiet = true;
        return 1;
    case CLI_ID_ENV:
        if (!strchr(arg, '=') || arg[0] == '=') {
            cli_usage_error("--env %s: expected KEY=VALUE", arg);
            return -1;
        }
        po->ro.extra_env = arg;
        return 1;
    case CLI_ID_NO_OUT:
        *out_none = true;
        return 1;
    case CLI_ID_OUT:
        if (!arg[0]) {
            cli_usage_error("--out: expected a directory");
            return -1;
        }
        snprintf(out_dir, out_len, "%s", arg);
        return 1;
    case CLI_ID_SHARD: {
        char err[512];
        if (plan_parse_shard(arg, &po->shard_k, &po->shard_n, err, sizeof err) != 0) {
            cli_usage_error("%s", err);
            return -1;
        }
        return 1;
    }
    case CLI_RUN_ID_JOBS: {
        char err[256];
        if (plan_parse_jobs(arg, &po->jobs, err, sizeof err) != 0) {
            cli_usage_error("%s", err);
            return -1;
        }
        return 1;
    }
    }
    return 0;
}

static void cli_list_params(const struct param_def *params)
{
    for (const struct param_def *d = params; d && d->name; d++) {
        char range[128];
        param_describe_range(d, range, sizeof range);
        printf("    %-16s %-10s %s [%s]\n", d->name, d->def ? d->def : "(unset)", d->doc, range);
    }
}

static const struct cli_usage cli_list_usage = {
    .name = "list",
    .synopsis = "backends|workloads|metrics|events",
    .about = "Prints the plug-ins with their parameters (name, default, meaning, valid range), "
             "the\nmetrics of metrics.def, or the hardware events perf can open here.\n",
    .examples = "faultline list backends\nfaultline list workloads\nfaultline list metrics\n"
                "faultline list events",
    .exit_status = "0 listed, 2 bad input",
};

int cli_list_main(int argc, char **argv)
{
    struct cli_parse p;
    cli_opt_init(&p, &cli_list_usage, argc, argv);
    const char *what = NULL;
    int c;
    while ((c = cli_opt_next(&p)) != CLI_OPT_END) {
        if (c == CLI_OPT_HELP)
            return 0;
        if (c != CLI_OPT_ARG || what)
            return c == CLI_OPT_ERROR ? 2
                                      : cli_opt_error(&p, "expected one of "
                                                          "backends|workloads|metrics|events");
        what = p.arg;
    }
    if (!what)
        what = "";
    if (!strcmp(what, "backends")) {
        for (const struct backend_ops *const *b = backend_registry; *b; b++) {
            printf("%-10s %s\n", (*b)->name, (*b)->summary);
            cli_list_params((*b)->params);
        }
    } else if (!strcmp(what, "workloads")) {
        for (const struct workload *const *w = workload_registry; *w; w++) {
            printf("%-14s %s\n", (*w)->name, (*w)->summary);
            cli_list_params((*w)->params);
        }
    } else if (!strcmp(what, "metrics")) {
        for (int m = 0; m < METRIC_COUNT; m++)
            printf("%-18s %-6s %-11s %s\n", sample_metrics[m].name, sample_metrics[m].unit,
                   sample_metrics[m].source, sample_metrics[m].doc);
    } else if (!strcmp(what, "events")) {
        perf_list_events(stdout);
    } else {
        return cli_opt_error(&p, "'%s': expected backends|workloads|metrics|events", what);
    }
    return 0;
}
