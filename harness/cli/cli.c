/* `faultline run` and `faultline list`, plus option helpers shared by the other subcommands. */
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

/* The measured child's RLIMIT_DATA unless --mem-limit said: 4 GiB, at most half the RAM (under
 * ASan on top of its shadow memory: runlimits.h). */
static void cli_default_mem_limit(struct runner_options *ro)
{
    if (ro->mem_limit == UINT64_MAX) {
        ro->mem_limit = 0; /* --mem-limit off */
        return;
    }
    if (ro->mem_limit)
        return;
    uint64_t lim = (uint64_t)4 << 30;
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0 && (uint64_t)pages * (uint64_t)page / 2 < lim)
        lim = (uint64_t)pages * (uint64_t)page / 2;
    ro->mem_limit = lim;
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
    static const char *const marks[] = {"run.json", "samples.csv", "tune.csv", "sweep.csv"};
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
            runner_rmtree(cli_out_stage);
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
            runner_rmtree(cli_out_stage); /* the old set */
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
        runner_rmtree(cli_out_stage); /* a leftover of an earlier process with our pid */
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
enum { CLI_RUN_ID_JOBS = 'j' };

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

/* run/sweep only: the run-level axes (issue 18), applied per cell by runlimits.c */
enum {
    CLI_ID_CGROUP = CLI_ID_COMMAND + 50,
    CLI_ID_THP,
    CLI_ID_SETTLE,
    CLI_ID_EXPLAIN_TAILS,
    CLI_ID_MEM_LIMIT,
    CLI_ID_EXPLAIN,
    CLI_ID_REF
};
static const char *cli_cgroup_arg, *cli_thp_arg;
static bool cli_explain_tails;
static bool cli_explain; /* run --explain: print ledger.csv, one line per OS call */

const struct cli_opt cli_run_opts[] = {
    CLI_ROW_RUNS("measured repetitions per cell (default 3)"),
    {"warmup", 0, "N", "unmeasured runs per cell first (default 0)", CLI_ID_WARMUP},
    CLI_ROW_TIMEOUT("kill a run after S seconds, outcome 'timeout' (default 60)"),
    {"events", 0, "LIST", "hardware events, e.g. cycles,instructions,dTLB-load-misses",
     CLI_ID_EVENTS},
    CLI_ROW_OUT("results directory (default results/runs/<UTC>-<sha>); earlier results\nthere "
                "are replaced whole, any other non-empty directory is refused"),
    CLI_ROW_NO_OUT,
    CLI_ROW_FORMAT("console|json|csv|md|gbench on stdout (default console)"),
    {"seed", 0, "N", "workload seed (default 1; the same for every repetition)", CLI_ID_SEED},
    {"no-perf", 0, NULL, "open no perf counters (also FAULTLINE_NO_PERF=1)", CLI_ID_NO_PERF},
    {"no-measure", 0, NULL, "no latency histograms and no timeline (overhead baseline)",
     CLI_ID_NO_MEASURE},
    {"no-aslr", 0, NULL, "run children with address randomization off", CLI_ID_NO_ASLR},
    {"lat-sample", 0, "N", "time 1 in N cheap operations (default 1024, per op kind; 1 = every op)",
     CLI_ID_LAT_SAMPLE},
    {"fake-measure", 0, NULL, "fixed synthetic numbers, no child processes (for tests)",
     CLI_ID_FAKE},
    {"env", 0, "KEY=VAL", "extra environment variable for the children", CLI_ID_ENV},
    {"mem-limit", 0, "SIZE",
     "data limit (RLIMIT_DATA) of each measured child, or off (default: 4G, at\nmost half the "
     "RAM; beyond it allocations fail: outcome failed: ENOMEM)",
     CLI_ID_MEM_LIMIT},
    {"cgroup", 0, "LIMITS",
     "run each child in its own leaf cgroup, e.g. memory.max=64M,memory.high=48M\n(keys "
     "memory.max, memory.high, memory.swap.max; needs root; outcome oom-killed)",
     CLI_ID_CGROUP},
    {"thp", 0, "MODE",
     "default|never|madvise-on: THP off via prctl, or the backend advises its\nmemory with "
     "MADV_HUGEPAGE (a comma list is an axis)",
     CLI_ID_THP},
    {"settle", 0, "MS",
     "after the phase keep sampling Rss for MS ms: release_ns, retained_bytes\n(default: up to "
     "1000 ms, stopping after 100 ms without change; 0 = off)",
     CLI_ID_SETTLE},
    {"explain-tails", 0, NULL,
     "record the OS calls and faults inside every latency-sampled op (two\ngetrusage calls "
     "each): tails/*.csv, the report's explained-tails table",
     CLI_ID_EXPLAIN_TAILS},
    {"explain", 0, NULL, "after the table print why each OS call happened (ledger.csv; hybrid)",
     CLI_ID_EXPLAIN},
    {"ref", 0, "BACKEND",
     "reference backend of the console table's relative column (default glibc when\nrun, "
     "else the first backend)",
     CLI_ID_REF},
    CLI_ROW_QUIET,
    {"jobs", 'j', "N",
     "N runs at once (default 1); counts are unaffected, timings are marked\n"
     "parallel when N > 1 (run.json context.timing, a warning)",
     CLI_RUN_ID_JOBS},
    CLI_ROW_END,
};

static const struct cli_opt cli_run_specs[] = {
    CLI_ROW_BACKEND("allocator backend (repeatable; a comma list of specs works too)"),
    CLI_ROW_WORKLOAD("workload (repeatable; a comma list of specs works too)"),
    CLI_ROW_END,
};

static const struct cli_opt cli_sweep_only[] = {
    {"shard", 0, "K/N",
     "run only shard K of N (cells by a stable hash of their specs; join with merge);\n"
     "auto/N: K-1 from FAULTLINE_SHARD, SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX",
     CLI_ID_SHARD},
    CLI_ROW_END,
};

static const struct cli_opt *const cli_run_tables[] = {cli_run_specs, cli_run_opts, NULL};
static const struct cli_opt *const cli_sweep_tables[] = {cli_run_specs, cli_run_opts,
                                                         cli_sweep_only, NULL};

static const struct cli_usage cli_run_usage = {
    .name = "run",
    .synopsis = "--backend SPEC... --workload SPEC... [options]",
    .about = "Runs every backend x workload pair in fresh child processes and writes\n"
             "results/runs/<UTC>-<sha>/ (run.json, samples.csv, aggregates.csv, steps.csv, "
             "hist/,\ntimeline/). " SPEC_GRAMMAR_HELP,
    .tables = cli_run_tables,
    .examples = "faultline run -b glibc -b hybrid -w churn:size=1M,count=100\n"
                "faultline run -b glibc,hybrid -w churn:size=1M,count=100,sawtooth\n"
                "faultline run -b 'hybrid:threshold=64K,dynamic=off' -w seed-sequence --runs 5 "
                "--format md\n"
                "faultline run -b mmap:populate=on -w first-touch:size=64M --events "
                "cycles,instructions",
    .exit_status = "0 all runs ok, 1 some runs failed (crash, timeout, ENOMEM), 2 bad input",
};

static const struct cli_usage cli_sweep_usage = {
    .name = "sweep",
    .synopsis = "--backend SPEC... --workload SPEC... [run options] [--shard K/N]",
    .about =
        "Like run, but parameter values may be lists or ranges, and every combination is a cell:\n"
        "  key=a,b,c          a list (a value without '=' continues the previous key)\n"
        "  key=4K..32M:x2     a geometric range\n"
        "  key=0..10:+2       a linear range\n"
        "Writes sweep.csv (one row per cell: swept parameters as columns, medians of every "
        "metric)\nbeside the usual files. --shard K/N runs a deterministic 1/N of the cells (a "
        "stable\nhash of the cell's specs, so a retried shard redoes exactly its cells); "
        "--shard auto/N\ntakes K-1 from FAULTLINE_SHARD, SLURM_ARRAY_TASK_ID or "
        "JOB_COMPLETION_INDEX.\n`faultline merge OUT DIR...` joins the shard directories "
        "(ci/slurm-sweep.sh runs them).\n",
    .tables = cli_sweep_tables,
    .examples =
        "faultline sweep -b 'hybrid:threshold=4K..32M:x2,trim=128K,1M,off' -w "
        "churn:size=1M\n"
        "faultline sweep -b 'glibc:mmap_threshold=64K,1M,trim_threshold=128K,1M' -w "
        "sawtooth\n"
        "faultline sweep -b 'hybrid:threshold=4K..32M:x2' -w churn --shard 2/4 --out shard2\n"
        "faultline sweep -b 'hybrid:threshold=4K..32M:x2' -w churn:size=1M -j 2 --no-perf\n"
        "faultline sweep -b mmap -w first-touch:size=64M --thp never,madvise-on",
    .exit_status = "0 all runs ok, 1 some runs failed, 2 bad input",
};

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
        fprintf(stderr, "results: %s\n", cli_out_name(r->dir));
}

/* Fills *po, out_dir, format, out_none and the spec lists from argv. Returns -1 to go on, or
 * the exit status (0 after --help, 2 after a message). */
static int cli_plan_parse(int argc, char **argv, bool sweep, struct plan_options *po, char *out_dir,
                          size_t out_len, const char **format, bool *out_none, struct spec_list *bs,
                          struct spec_list *ws)
{
    struct cli_parse p;
    cli_opt_init(&p, sweep ? &cli_sweep_usage : &cli_run_usage, argc, argv);
    int c;
    while ((c = cli_opt_next(&p)) != CLI_OPT_END) {
        char err[512];
        switch (c) {
        case CLI_OPT_HELP:
            return 0;
        case CLI_OPT_ERROR:
            return 2;
        case CLI_OPT_ARG:
            return cli_opt_error(&p, "unexpected argument '%s' (see faultline %s --help)", p.arg,
                                 p.u->name);
        case CLI_ID_BACKEND:
        case CLI_ID_WORKLOAD:
            if (spec_add(c == CLI_ID_BACKEND ? bs : ws,
                         c == CLI_ID_BACKEND ? SPEC_BACKEND : SPEC_WORKLOAD, p.arg, sweep, err,
                         sizeof err) != 0)
                return cli_opt_error(&p, "%s", err);
            break;
        case CLI_ID_CGROUP:
            cli_cgroup_arg = p.arg;
            break;
        case CLI_ID_THP:
            cli_thp_arg = p.arg;
            break;
        case CLI_ID_MEM_LIMIT: {
            int64_t v = 0;
            if (strcmp(p.arg, "off") && (param_parse_size(p.arg, &v) != 0 || v < (1 << 20)))
                return cli_opt_error(&p, "--mem-limit %s: expected a size >= 1M (K/M/G) or off",
                                     p.arg);
            po->ro.mem_limit = v ? (uint64_t)v : UINT64_MAX; /* UINT64_MAX: off, said */
            break;
        }
        case CLI_ID_EXPLAIN_TAILS:
            cli_explain_tails = true;
            break;
        case CLI_ID_EXPLAIN:
            cli_explain = true;
            break;
        case CLI_ID_SETTLE: {
            uint64_t v;
            if (cli_parse_count("--settle", p.arg, 0, 60000, &v) != 0)
                return 2;
            po->ro.settle_ms = (unsigned)v;
            po->ro.settle_full = true;
            break;
        }
        case CLI_ID_REF:
            if (!backend_find(p.arg)) {
                cli_usage_error("--ref %s: expected a backend name (see faultline list backends)",
                                p.arg);
                return 2;
            }
            report_table_set_ref(p.arg);
            break;
        default:
            if (cli_common_option(c, p.arg, po, out_dir, out_len, format, out_none) < 0)
                return 2;
        }
    }
    if (bs->n == 0)
        return cli_opt_error(
            &p, "--backend is required (e.g. --backend glibc; see faultline list backends)");
    if (ws->n == 0)
        return cli_opt_error(
            &p, "--workload is required (e.g. --workload churn; see faultline list workloads)");
    if (po->ro.no_perf && po->ro.events)
        return cli_opt_error(&p, "--events and --no-perf conflict: hardware events need perf");
    if (po->ro.fake && po->ro.no_measure)
        return cli_opt_error(&p, "--fake-measure and --no-measure conflict");
    return -1;
}

int cli_plan_main(int argc, char **argv, bool sweep)
{
    static struct spec_list bl, wl; /* static: reachable until exit, like argv */
    struct plan_options po;
    memset(&po, 0, sizeof po);
    po.runs = 3;
    po.seed = 1;
    po.ro.timeout_s = 60;
    po.ro.settle_ms = 1000;
    char out_dir[PATH_SIZE] = "";
    const char *format = "console";
    bool out_none = false;
    const char *env = getenv("FAULTLINE_NO_PERF");
    if (env && !strcmp(env, "1"))
        po.ro.no_perf = true;
    int prc = cli_plan_parse(argc, argv, sweep, &po, out_dir, sizeof out_dir, &format, &out_none,
                             &bl, &wl);
    if (prc >= 0)
        return prc;
    static struct cli_limits lim;
    if (cli_limits_expand(cli_cgroup_arg, cli_thp_arg, &lim) != 0)
        return 2;
    cli_default_mem_limit(&po.ro);
    if (cli_resolve_out(out_dir, sizeof out_dir, out_none) != 0)
        return 2;
    if (cli_explain_tails && tails_dir_setup(out_none ? NULL : out_dir) != 0)
        return cli_usage_error("--explain-tails: needs a results directory (drop --no-out): %s",
                               strerror(errno));
    const char *const *backends = (const char *const *)bl.v;
    const char *const *workloads = (const char *const *)wl.v;
    unsigned nb = bl.n, nw = wl.n;

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
                        for (unsigned l = 0; l < lim.count || l == 0; l++)
                            cli_limits_cell(&r, eb.specs[a], ew.specs[b], &lim, l);
                sweep_free(&ew);
            }
            sweep_free(&eb);
        }
        for (unsigned k = 0; k < lim.nswept && r.nsweep_keys < 8; k++)
            snprintf(r.sweep_keys[r.nsweep_keys++], sizeof r.sweep_keys[0], "%s", lim.swept[k]);
        if (r.nsweep_keys == 0)
            snprintf(r.sweep_keys[r.nsweep_keys++], sizeof r.sweep_keys[0], "%s", "none");
    } else {
        for (unsigned i = 0; i < nb; i++)
            for (unsigned j = 0; j < nw; j++)
                for (unsigned l = 0; l < lim.count || l == 0; l++)
                    cli_limits_cell(&r, backends[i], workloads[j], &lim, l);
    }
    if (!out_none && ledger_file_prepare(out_dir) != 0)
        fprintf(stderr, "faultline: cannot create %s/ledger.csv; runs go unexplained\n", out_dir);
    unsigned failed = plan_execute(&r, &po);
    results_write(&r);
    cli_print_results(&r, format);
    if (cli_explain && (out_none || ledger_file_print(out_dir) <= 0))
        printf("why: no OS call explained (only hybrid records reasons; --no-out keeps no "
               "ledger)\n");
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
