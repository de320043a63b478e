/* `faultline run` and `faultline list`, plus option helpers shared by the other subcommands. */
#define _GNU_SOURCE
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "workload.h"
#include "atomic_file.h"
#include "config.h"
#include "perf.h"
#include "sweep.h"

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
    char *end;
    errno = 0;
    if (!text[0] || text[0] == '-' || text[0] == '+') {
        cli_usage_error("%s %s: expected an integer %llu..%llu", opt, text, (unsigned long long)min,
                        (unsigned long long)max);
        return -1;
    }
    unsigned long long v = strtoull(text, &end, 10);
    if (*end || errno || v < min || v > max) {
        cli_usage_error("%s %s: expected an integer %llu..%llu", opt, text, (unsigned long long)min,
                        (unsigned long long)max);
        return -1;
    }
    *out = v;
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

int cli_prepare_out(const char *dir)
{
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
    if (!out_none && cli_prepare_out(out_dir) != 0)
        return 2;
    return 0;
}

enum {
    CLI_OPT_WARMUP = 1000,
    CLI_OPT_TIMEOUT,
    CLI_OPT_EVENTS,
    CLI_OPT_FORMAT,
    CLI_OPT_SEED,
    CLI_OPT_NO_PERF,
    CLI_OPT_NO_MEASURE,
    CLI_OPT_NO_ASLR,
    CLI_OPT_LAT_SAMPLE,
    CLI_OPT_FAKE,
    CLI_OPT_QUIET,
    CLI_OPT_SHARD,
    CLI_OPT_ENV,
    CLI_OPT_NO_OUT,
    CLI_OPT_JOBS,
};

int cli_common_option(int opt, const char *arg, struct plan_options *po, char *out_dir,
                      size_t out_len, const char **format, bool *out_none)
{
    uint64_t v;
    switch (opt) {
    case 'r':
        if (cli_parse_count("--runs", arg, 1, 100000, &v) != 0)
            return -1;
        po->runs = (unsigned)v;
        return 1;
    case CLI_OPT_WARMUP:
        if (cli_parse_count("--warmup", arg, 0, 1000, &v) != 0)
            return -1;
        po->warmup = (unsigned)v;
        return 1;
    case CLI_OPT_TIMEOUT: {
        char *end;
        errno = 0;
        double t = strtod(arg, &end);
        if (*end || errno || !(t > 0) || t > 86400) {
            cli_usage_error("--timeout %s: expected seconds, 0 < S <= 86400", arg);
            return -1;
        }
        po->ro.timeout_s = t;
        return 1;
    }
    case CLI_OPT_EVENTS: {
        char err[512];
        if (perf_events_validate(arg, err, sizeof err) != 0) {
            cli_usage_error("--events %s", err);
            return -1;
        }
        po->ro.events = arg;
        return 1;
    }
    case CLI_OPT_FORMAT:
        if (!report_find(arg)) {
            cli_usage_error("--format %s: expected console|json|csv|md|gbench", arg);
            return -1;
        }
        *format = arg;
        return 1;
    case CLI_OPT_SEED:
        if (cli_parse_count("--seed", arg, 0, UINT64_MAX - 1, &v) != 0)
            return -1;
        po->seed = v;
        return 1;
    case CLI_OPT_NO_PERF:
        po->ro.no_perf = true;
        return 1;
    case CLI_OPT_NO_MEASURE:
        po->ro.no_measure = true;
        return 1;
    case CLI_OPT_NO_ASLR:
        po->ro.no_aslr = true;
        return 1;
    case CLI_OPT_LAT_SAMPLE:
        if (cli_parse_count("--lat-sample", arg, 1, 1u << 30, &v) != 0)
            return -1;
        po->ro.lat_sample_every = v;
        return 1;
    case CLI_OPT_FAKE:
        po->ro.fake = true;
        return 1;
    case CLI_OPT_QUIET:
        po->quiet = true;
        return 1;
    case CLI_OPT_ENV:
        if (!strchr(arg, '=') || arg[0] == '=') {
            cli_usage_error("--env %s: expected KEY=VALUE", arg);
            return -1;
        }
        po->ro.extra_env = arg;
        return 1;
    case CLI_OPT_NO_OUT:
        *out_none = true;
        return 1;
    case 'o':
        if (!arg[0]) {
            cli_usage_error("--out: expected a directory");
            return -1;
        }
        snprintf(out_dir, out_len, "%s", arg);
        return 1;
    case CLI_OPT_SHARD: {
        char err[512];
        if (plan_parse_shard(arg, &po->shard_k, &po->shard_n, err, sizeof err) != 0) {
            cli_usage_error("%s", err);
            return -1;
        }
        return 1;
    }
    case 'j':
    case CLI_OPT_JOBS: {
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

#define CLI_COMMON_LONGOPTS                                                                        \
    {"runs", required_argument, 0, 'r'}, {"warmup", required_argument, 0, CLI_OPT_WARMUP},         \
        {"timeout", required_argument, 0, CLI_OPT_TIMEOUT},                                        \
        {"events", required_argument, 0, CLI_OPT_EVENTS}, {"out", required_argument, 0, 'o'},      \
        {"format", required_argument, 0, CLI_OPT_FORMAT},                                          \
        {"seed", required_argument, 0, CLI_OPT_SEED},                                              \
        {"no-perf", no_argument, 0, CLI_OPT_NO_PERF},                                              \
        {"no-measure", no_argument, 0, CLI_OPT_NO_MEASURE},                                        \
        {"no-aslr", no_argument, 0, CLI_OPT_NO_ASLR},                                              \
        {"lat-sample", required_argument, 0, CLI_OPT_LAT_SAMPLE},                                  \
        {"fake-measure", no_argument, 0, CLI_OPT_FAKE}, {"quiet", no_argument, 0, CLI_OPT_QUIET},  \
        {"shard", required_argument, 0, CLI_OPT_SHARD},                                            \
        {"jobs", required_argument, 0, CLI_OPT_JOBS},                                              \
        {"env", required_argument, 0, CLI_OPT_ENV}, {"no-out", no_argument, 0, CLI_OPT_NO_OUT},    \
    {                                                                                              \
        "help", no_argument, 0, 'h'                                                                \
    }

const struct option cli_common_longopts_run[] = {
    {"backend", required_argument, 0, 'b'},
    {"workload", required_argument, 0, 'w'},
    CLI_COMMON_LONGOPTS,
    {0, 0, 0, 0},
};

static const char cli_run_help[] =
    "usage: faultline run --backend SPEC... --workload SPEC... [options]\n"
    "\n"
    "Runs every backend x workload pair in fresh child processes and writes\n"
    "results/runs/<UTC>-<sha>/ (run.json, samples.csv, aggregates.csv, steps.csv, hist/,\n"
    "timeline/). SPEC is NAME[:key=value,...]; see `faultline list backends|workloads`.\n"
    "\n"
    "  -b, --backend SPEC    allocator backend (repeatable)\n"
    "  -w, --workload SPEC   workload (repeatable)\n"
    "  -r, --runs N          measured repetitions per cell (default 3)\n"
    "      --warmup N        unmeasured runs per cell first (default 0)\n"
    "      --timeout S       kill a run after S seconds, outcome 'timeout' (default 60)\n"
    "      --events LIST     hardware events, e.g. cycles,instructions,dTLB-load-misses\n"
    "      --out DIR         results directory (default results/runs/<UTC>-<sha>)\n"
    "      --no-out          write no results directory\n"
    "      --format FMT      console|json|csv|md|gbench on stdout (default console)\n"
    "      --seed N          workload seed (default 1; the same for every repetition)\n"
    "      --no-perf         open no perf counters (also FAULTLINE_NO_PERF=1)\n"
    "      --no-measure      no latency histograms and no timeline (overhead baseline)\n"
    "      --no-aslr         run children with address randomization off\n"
    "      --lat-sample N    time 1 in N cheap operations (default 256; 1 = every op)\n"
    "      --fake-measure    fixed synthetic numbers, no child processes (for tests)\n"
    "      --env KEY=VAL     extra environment variable for the children\n"
    "      --quiet           no progress on stderr\n"
    "  -j, --jobs N          N runs at once (default 1); counts are unaffected, timings are\n"
    "                        marked parallel in run.json (context.timing) when N > 1\n"
    "\n"
    "examples:\n"
    "  faultline run -b glibc -b hybrid -w churn:size=1M,count=100\n"
    "  faultline run -b 'hybrid:threshold=64K,dynamic=off' -w seed-sequence --runs 5 --format md\n"
    "  faultline run -b mmap:populate=on -w first-touch:size=64M --events cycles,instructions\n"
    "\n"
    "exit status: 0 all runs ok, 1 some runs failed (crash, timeout, ENOMEM), 2 bad input\n";

static void cli_note_swept(struct results *r, const struct sweep_expansion *e)
{
    for (unsigned k = 0; k < e->nkeys; k++) {
        bool have = false;
        for (unsigned i = 0; i < r->nsweep_keys; i++)
            have |= !strcmp(r->sweep_keys[i], e->swept[k]);
        if (!have && r->nsweep_keys < 8)
            snprintf(r->sweep_keys[r->nsweep_keys++], sizeof r->sweep_keys[0], "%s", e->swept[k]);
    }
}

int cli_run_main(int argc, char **argv)
{
    return cli_plan_main(argc, argv, false);
}

int cli_sweep_main(int argc, char **argv)
{
    return cli_plan_main(argc, argv, true);
}

static const char cli_sweep_help[] =
    "usage: faultline sweep --backend SPEC... --workload SPEC... [run options] [--shard K/N]\n"
    "\n"
    "Like run, but parameter values may be lists or ranges, and every combination is a cell:\n"
    "  key=a,b,c          a list (a value without '=' continues the previous key)\n"
    "  key=4K..32M:x2     a geometric range\n"
    "  key=0..10:+2       a linear range\n"
    "Writes sweep.csv (one row per cell: swept parameters as columns, medians of every metric)\n"
    "beside the usual files. --shard K/N runs a deterministic 1/N of the cells (a stable hash\n"
    "of the cell's specs, so a retried shard redoes exactly its cells); --shard auto/N takes\n"
    "K-1 from FAULTLINE_SHARD, SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX (0-based).\n"
    "`faultline merge OUT DIR...` joins the shard directories (ci/slurm-sweep.sh runs them).\n"
    "\n"
    "examples:\n"
    "  faultline sweep -b 'hybrid:threshold=4K..32M:x2,trim=128K,1M,off' -w churn:size=1M\n"
    "  faultline sweep -b 'glibc:mmap_threshold=64K,1M,trim_threshold=128K,off' -w sawtooth\n"
    "  faultline sweep -b 'hybrid:threshold=4K..32M:x2' -w churn --shard 2/4 --out shard2\n"
    "  faultline sweep -b 'hybrid:threshold=4K..32M:x2' -w churn:size=1M -j 2 --no-perf\n";

void cli_print_results(const struct results *r, const char *format)
{
    const struct reporter *rep = report_find(format);
    struct strbuf sb;
    strbuf_init(&sb);
    rep->render(r, &sb);
    fwrite(sb.data ? sb.data : "", 1, sb.len, stdout);
    fflush(stdout);
    strbuf_free(&sb);
    if (r->dir[0])
        fprintf(stderr, "results: %s\n", r->dir);
}

int cli_plan_main(int argc, char **argv, bool sweep)
{
    const char *backends[CLI_MAX_SPECS], *workloads[CLI_MAX_SPECS];
    unsigned nb = 0, nw = 0;
    struct plan_options po;
    memset(&po, 0, sizeof po);
    po.runs = 3;
    po.seed = 1;
    po.ro.timeout_s = 60;
    char out_dir[4096] = "";
    const char *format = "console";
    bool out_none = false;
    const char *env = getenv("FAULTLINE_NO_PERF");
    if (env && !strcmp(env, "1"))
        po.ro.no_perf = true;
    optind = 1;
    opterr = 0; /* our own one-line messages only */
    int c;
    while ((c = getopt_long(argc, argv, "b:w:r:o:j:h", cli_common_longopts_run, NULL)) != -1) {
        char err[512];
        struct param_values pv;
        if (c == 'b' || c == 'w') {
            if ((c == 'b' ? nb : nw) == CLI_MAX_SPECS)
                return cli_usage_error("too many --%s options (at most %d)",
                                       c == 'b' ? "backend" : "workload", CLI_MAX_SPECS);
            int rc = 0;
            if (sweep) {
                struct sweep_expansion e;
                if (sweep_expand(optarg, &e, err, sizeof err) != 0)
                    return cli_usage_error("%s", err);
                for (unsigned i = 0; i < e.count && rc == 0; i++) {
                    if (c == 'b') {
                        const struct backend_ops *ops;
                        rc = backend_parse_spec(e.specs[i], &ops, &pv, err, sizeof err);
                    } else {
                        const struct workload *w;
                        rc = workload_parse_spec(e.specs[i], &w, &pv, err, sizeof err);
                    }
                }
                sweep_free(&e);
            } else if (c == 'b') {
                const struct backend_ops *ops;
                rc = backend_parse_spec(optarg, &ops, &pv, err, sizeof err);
            } else {
                const struct workload *w;
                rc = workload_parse_spec(optarg, &w, &pv, err, sizeof err);
            }
            if (rc != 0)
                return cli_usage_error("%s", err);
            if (c == 'b')
                backends[nb++] = optarg;
            else
                workloads[nw++] = optarg;
            continue;
        }
        if (c == 'h') {
            fputs(sweep ? cli_sweep_help : cli_run_help, stdout);
            return 0;
        }
        if (c == '?')
            return cli_usage_error(
                "%s: unknown option or missing value '%s' (see faultline %s --help)",
                sweep ? "sweep" : "run", argv[optind - 1], sweep ? "sweep" : "run");
        int rc = cli_common_option(c, optarg, &po, out_dir, sizeof out_dir, &format, &out_none);
        if (rc < 0)
            return 2;
        if (rc == 0)
            return cli_usage_error("run: option not valid here (see faultline run --help)");
    }
    if (optind < argc)
        return cli_usage_error("run: unexpected argument '%s' (see faultline run --help)",
                               argv[optind]);
    if (nb == 0)
        return cli_usage_error(
            "run: --backend is required (e.g. --backend glibc; see faultline list backends)");
    if (nw == 0)
        return cli_usage_error(
            "run: --workload is required (e.g. --workload churn; see faultline list workloads)");
    if (po.ro.no_perf && po.ro.events)
        return cli_usage_error("--events and --no-perf conflict: hardware events need perf");
    if (po.ro.fake && po.ro.no_measure)
        return cli_usage_error("--fake-measure and --no-measure conflict");
    if (cli_resolve_out(out_dir, sizeof out_dir, out_none) != 0)
        return 2;

    struct results r;
    results_init(&r, out_none ? "" : out_dir, argc, argv);
    if (sweep) {
        char err[512];
        for (unsigned i = 0; i < nb; i++) {
            struct sweep_expansion eb;
            sweep_expand(backends[i], &eb, err, sizeof err);
            cli_note_swept(&r, &eb);
            for (unsigned j = 0; j < nw; j++) {
                struct sweep_expansion ew;
                sweep_expand(workloads[j], &ew, err, sizeof err);
                cli_note_swept(&r, &ew);
                for (unsigned a = 0; a < eb.count; a++)
                    for (unsigned b = 0; b < ew.count; b++)
                        results_add_cell(&r, eb.specs[a], ew.specs[b]);
                sweep_free(&ew);
            }
            sweep_free(&eb);
        }
        if (r.nsweep_keys == 0)
            snprintf(r.sweep_keys[r.nsweep_keys++], sizeof r.sweep_keys[0], "%s", "none");
    } else {
        for (unsigned i = 0; i < nb; i++)
            for (unsigned j = 0; j < nw; j++)
                results_add_cell(&r, backends[i], workloads[j]);
    }
    unsigned failed = plan_execute(&r, &po);
    results_write(&r);
    cli_print_results(&r, format);
    results_free(&r);
    return failed ? 1 : 0;
}

static void cli_list_params(const struct param_def *params)
{
    for (const struct param_def *d = params; d && d->name; d++) {
        char range[128];
        param_describe_range(d, range, sizeof range);
        printf("    %-16s %-10s %s [%s]\n", d->name, d->def ? d->def : "(unset)", d->doc, range);
    }
}

int cli_list_main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
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
        return cli_usage_error("list %s: expected backends|workloads|metrics|events", what);
    }
    return 0;
}
