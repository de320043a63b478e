/* `faultline run` and `faultline sweep`: their options, one plan of backend x workload cells
 * (swept values expanded for sweep), its run, and the results printed and written. */
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

/* The measured child's RLIMIT_DATA unless --mem-limit said: 4 GiB, at most half the RAM (under
 * ASan on top of its shadow memory: runlimits.h). */
static void cli_plan_default_mem_limit(struct runner_options *ro)
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
static const char *cli_plan_cgroup_arg, *cli_plan_thp_arg;
static bool cli_plan_explain_tails;
static bool cli_plan_explain; /* run --explain: print ledger.csv, one line per OS call */

static const struct cli_opt cli_plan_opts[] = {
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
    {"lat-sample", 0, "N", "time 1 in N cheap operations (default 2048, per op kind; 1 = every op)",
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

static const struct cli_opt cli_plan_specs[] = {
    CLI_ROW_BACKEND("allocator backend (repeatable; a comma list of specs works too)"),
    CLI_ROW_WORKLOAD("workload (repeatable; a comma list of specs works too)"),
    CLI_ROW_END,
};

static const struct cli_opt cli_plan_sweep_only[] = {
    {"shard", 0, "K/N",
     "run only shard K of N (cells by a stable hash of their specs; join with merge);\n"
     "auto/N: K-1 from FAULTLINE_SHARD, SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX",
     CLI_ID_SHARD},
    CLI_ROW_END,
};

static const struct cli_opt *const cli_plan_run_tables[] = {cli_plan_specs, cli_plan_opts, NULL};
static const struct cli_opt *const cli_plan_sweep_tables[] = {cli_plan_specs, cli_plan_opts,
                                                              cli_plan_sweep_only, NULL};

static const struct cli_usage cli_plan_run_usage = {
    .name = "run",
    .synopsis = "--backend SPEC... --workload SPEC... [options]",
    .about = "Runs every backend x workload pair in fresh child processes and writes\n"
             "results/runs/<UTC>-<sha>/ (run.json, samples.csv, aggregates.csv, steps.csv, "
             "hist/,\ntimeline/). " SPEC_GRAMMAR_HELP,
    .tables = cli_plan_run_tables,
    .examples = "faultline run -b glibc -b hybrid -w churn:size=1M,count=100\n"
                "faultline run -b glibc,hybrid -w churn:size=1M,count=100,sawtooth\n"
                "faultline run -b 'hybrid:threshold=64K,dynamic=off' -w seed-sequence --runs 5 "
                "--format md\n"
                "faultline run -b mmap:populate=on -w first-touch:size=64M --events "
                "cycles,instructions",
    .exit_status = "0 all runs ok, 1 some runs failed (crash, timeout, ENOMEM), 2 bad input",
};

static const struct cli_usage cli_plan_sweep_usage = {
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
    .tables = cli_plan_sweep_tables,
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

static void cli_plan_note_swept(struct results *r, const struct sweep_expansion *e)
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

/* Print the chosen format to stdout and the results directory to stderr. */
static void cli_plan_print_results(const struct results *r, const char *format)
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
    cli_opt_init(&p, sweep ? &cli_plan_sweep_usage : &cli_plan_run_usage, argc, argv);
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
            cli_plan_cgroup_arg = p.arg;
            break;
        case CLI_ID_THP:
            cli_plan_thp_arg = p.arg;
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
            cli_plan_explain_tails = true;
            break;
        case CLI_ID_EXPLAIN:
            cli_plan_explain = true;
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
    if (cli_limits_expand(cli_plan_cgroup_arg, cli_plan_thp_arg, &lim) != 0)
        return 2;
    cli_plan_default_mem_limit(&po.ro);
    if (cli_resolve_out(out_dir, sizeof out_dir, out_none) != 0)
        return 2;
    if (cli_plan_explain_tails && tails_dir_setup(out_none ? NULL : out_dir) != 0)
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
            cli_plan_note_swept(&r, &eb);
            for (unsigned j = 0; j < nw; j++) {
                struct sweep_expansion ew;
                sweep_expand(workloads[j], &ew, err, sizeof err);
                cli_plan_note_swept(&r, &ew);
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
    cli_plan_print_results(&r, format);
    if (cli_plan_explain && (out_none || ledger_file_print(out_dir) <= 0))
        printf("why: no OS call explained (only hybrid records reasons; --no-out keeps no "
               "ledger)\n");
    results_free(&r);
    return failed ? 1 : 0;
}
