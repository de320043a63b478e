/* `faultline exec`: options, the per-backend table and the driver loop over backends x
 * repetitions; one run is cli_exec_run.c, the child's environment cli_exec_backend.c, hyperfine
 * cli_exec_hf.c. */
#define _GNU_SOURCE
#include "cli_exec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "callsites_out.h"
#include "cli.h"
#include "spec.h"
#include "cli_exec_backend.h"
#include "cli_exec_hf.h"
#include "cli_exec_run.h"
#include "perf.h"
#include "runner.h"
#include "scratch.h"

/* ---- reporting ------------------------------------------------------------------------------ */

static void cli_exec_median_text(const struct results *r, unsigned cell, enum metric_id m,
                                 char *buf, size_t len)
{
    struct stats_summary s;
    if (!results_cell_summary(r, cell, m, &s))
        snprintf(buf, len, "-");
    else
        report_human(s.median, sample_metrics[m].unit, buf, len);
}

/* Per backend medians of what exec measures (the run table's ns_per_op has no meaning here). */
static void cli_exec_table(const struct results *r, const struct cli_exec_backend *bs, unsigned nb,
                           bool md, bool hf, struct strbuf *sb)
{
    static const enum metric_id cols[] = {METRIC_wall_ns,    METRIC_user_ns, METRIC_sys_ns,
                                          METRIC_minflt,     METRIC_sys_brk, METRIC_sys_mmap,
                                          METRIC_sys_munmap, METRIC_hwm_rss};
    const size_t ncols = sizeof cols / sizeof cols[0];
    const char *sep = md ? " | " : "  ";
    strbuf_puts(sb, md ? "\n**exec** (medians)\n\n| " : "\nexec (medians):\n");
    strbuf_printf(sb, md ? "%s" : "%-34s", "backend");
    for (size_t k = 0; k < ncols; k++)
        strbuf_printf(sb, md ? "%s%s" : "%s%10s", sep, sample_metrics[cols[k]].name);
    if (hf)
        strbuf_printf(sb, md ? "%s%s" : "%s%22s", sep, "hyperfine mean+-sd");
    strbuf_puts(sb, md ? " |\n|---|" : "\n");
    if (md) {
        for (size_t k = 0; k < ncols + (hf ? 1 : 0); k++)
            strbuf_puts(sb, "---:|");
        strbuf_puts(sb, "\n");
    }
    for (unsigned i = 0; i < nb; i++) {
        strbuf_printf(sb, md ? "| %s" : "%-34s", bs[i].spec);
        for (size_t k = 0; k < ncols; k++) {
            char v[64];
            cli_exec_median_text(r, bs[i].cell, cols[k], v, sizeof v);
            strbuf_printf(sb, md ? "%s%s" : "%s%10s", sep, v);
        }
        if (hf) {
            char v[96] = "-";
            if (bs[i].hf_valid) {
                char mean[32], sd[32] = "-";
                report_human(bs[i].hf_mean * 1e9, "ns", mean, sizeof mean);
                if (bs[i].hf_stddev_valid)
                    report_human(bs[i].hf_stddev * 1e9, "ns", sd, sizeof sd);
                snprintf(v, sizeof v, "%s +- %s", mean, sd);
            }
            strbuf_printf(sb, md ? "%s%s" : "%s%22s", sep, v);
        }
        strbuf_puts(sb, md ? " |\n" : "\n");
    }
}

/* ---- command line --------------------------------------------------------------------------- */

enum {
    CLI_EXEC_ID_TIMER = CLI_ID_COMMAND,
    CLI_EXEC_ID_NO_PTRACE,
    CLI_EXEC_ID_CALLSITES,
    CLI_EXEC_ID_CALLSITE_PERIOD
};

static const struct cli_opt cli_exec_opts[] = {
    CLI_ROW_BACKEND("backend spec (repeatable; a comma list of specs works too:\n"
                    "brk,mmap,glibc or glibc,hybrid:threshold=64K,trim=1M)"),
    CLI_ROW_RUNS("measured repetitions per backend (default 3)"),
    {"warmup", 0, "N", "unmeasured runs per backend first (default 0)", CLI_ID_WARMUP},
    {"env", 0, "KEY=VAL", "extra environment variable for CMD (repeatable)", CLI_ID_ENV},
    CLI_ROW_TIMEOUT("kill the process group after S seconds (default 600)"),
    {"events", 0, "LIST", "hardware events (default cycles,instructions when a PMU works)",
     CLI_ID_EVENTS},
    {"no-perf", 0, NULL, "open no perf counters", CLI_ID_NO_PERF},
    {"no-ptrace", 0, NULL,
     "do not trace CMD (for programs that ptrace themselves); peak RSS\nis then polled on the "
     "top process only",
     CLI_EXEC_ID_NO_PTRACE},
    CLI_ROW_OUT("results directory (default results/runs/<UTC>-<sha>)"),
    {"no-out", 0, NULL, "write no results directory (outputs go to /dev/null)", CLI_ID_NO_OUT},
    CLI_ROW_FORMAT("console|json|csv|md on stdout (default console)"),
    {"timer", 0, "hyperfine", "also time every backend with hyperfine -N (merged as \"hyperfine\")",
     CLI_EXEC_ID_TIMER},
    CLI_ROW_QUIET,
    {"callsites", 0, NULL,
     "also sample where brk/mmap/munmap/mremap/madvise/mprotect and page\nfaults come from (user "
     "stack copies unwound with libdwfl; Python\n3.11/3.12 functions too): writes callsites.csv "
     "and callsites/<cell>-<event>.folded,\nprints the top call sites; needs root or "
     "perf_event_paranoid <= -1",
     CLI_EXEC_ID_CALLSITES},
    {"callsite-period", 0, "N",
     "one fault sample per N faults (default 16); syscalls are\nsampled "
     "every time",
     CLI_EXEC_ID_CALLSITE_PERIOD},
    CLI_ROW_END,
};

static const struct cli_opt *const cli_exec_tables[] = {cli_exec_opts, NULL};

static const struct cli_usage cli_exec_usage = {
    .name = "exec",
    .synopsis = "--backend SPEC... [options] -- CMD [ARGS...]",
    .about =
        "Runs CMD once per backend x repetition in a fresh child started suspended: the parent\n"
        "attaches perf counters that start at exec (faults, brk/mmap/munmap/mremap/madvise\n"
        "tracepoints, cycles/instructions when a PMU is usable), then lets it run. Records wall\n"
        "time, user/sys time and faults of the child tree (wait4), peak RSS (largest VmHWM of "
        "its\nprocesses, read at each one's exit through ptrace) and, for the faultline "
        "backends,\ntheir own OS-call counts; same files as `faultline run`.\n"
        "The child gets LD_PRELOAD of libfaultline-<name>.so (params in FAULTLINE_PARAMS) or of "
        "the\npeer library; glibc parameters become GLIBC_TUNABLES glibc.malloc.*. Inherited "
        "LD_PRELOAD,\nGLIBC_TUNABLES, MALLOC_* and FAULTLINE_* variables are removed (use --env "
        "to set them).\nstdin is /dev/null; stdout/stderr go to <out>/out/<cell>-r<rep>."
        "stdout|.stderr.\n",
    .tables = cli_exec_tables,
    .examples = "faultline exec -b glibc,hybrid,jemalloc --runs 5 -- sort big.txt\n"
                "faultline exec -b glibc:mmap_threshold=64K -b 'hybrid:threshold=64K' -- python3 "
                "x.py\n"
                "faultline exec -b brk,mmap,hybrid,glibc --timer hyperfine -- gzip -k -f data.bin\n"
                "faultline exec --callsites -b glibc,hybrid -r 1 -- sort big.txt",
    .exit_status = "0 all runs ok, 1 some runs failed (non-zero exit, crash, timeout), 2 bad input",
    .flags = CLI_STOP_AT_ARG,
};

/* One --backend value (grammar in spec.h): validated, then prepared per backend. */
static int cli_exec_add_backends(const char *arg, struct cli_exec_backend *bs, unsigned *nb)
{
    static struct spec_list l; /* static: kept until exit, like argv */
    char err[512];
    unsigned first = l.n;
    if (spec_add(&l, SPEC_BACKEND, arg, false, err, sizeof err) != 0) {
        cli_usage_error("exec: %s", err);
        return -1;
    }
    for (unsigned i = first; i < l.n; i++) {
        if (*nb == CLI_MAX_SPECS) {
            cli_usage_error("too many backends (at most %d)", CLI_MAX_SPECS);
            return -1;
        }
        if (cli_exec_backend_prepare(l.v[i], &bs[*nb], err, sizeof err) != 0) {
            cli_usage_error("--backend %s", err);
            return -1;
        }
        (*nb)++;
    }
    return 0;
}

/* CMD must be runnable: a bad name is an input error (exit 2), not one failed run each. */
static bool cli_exec_findable(const char *cmd)
{
    if (strchr(cmd, '/'))
        return access(cmd, X_OK) == 0;
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    char buf[4096];
    while (*path) {
        size_t n = strcspn(path, ":");
        snprintf(buf, sizeof buf, "%.*s/%s", (int)n, n ? path : ".", cmd);
        struct stat st;
        if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
            return true;
        path += n;
        if (*path == ':')
            path++;
    }
    return false;
}

static void cli_exec_progress(const struct cli_exec_opts *o, unsigned i, unsigned n,
                              const char *spec, const char *what)
{
    if (o->quiet)
        return;
    bool tty = isatty(STDERR_FILENO);
    fprintf(stderr, "%s[%u/%u] %s %s%s", tty ? "\r\033[K" : "", i + 1, n, spec, what,
            tty ? "" : "\n");
    fflush(stderr);
}

/* What the command line decided. */
struct cli_exec_args {
    struct cli_exec_opts o;
    struct cli_exec_backend bs[CLI_MAX_SPECS];
    unsigned nb;
    char out_dir[4096];
    bool out_none;
    const char *format;
    int cmd_ind; /* argv index of CMD */
};

/* The option loop: -1 to go on, else the exit status (0 after --help, 2 for bad input). */
static int cli_exec_parse(int argc, char **argv, struct cli_exec_args *a)
{
    struct cli_parse p;
    cli_opt_init(&p, &cli_exec_usage, argc, argv); /* stops at CMD: its options stay its own */
    int c;
    while ((c = cli_opt_next(&p)) != CLI_OPT_END) {
        uint64_t v;
        const char *optarg = p.arg;
        switch (c) {
        case CLI_OPT_HELP:
            return 0;
        case CLI_OPT_ERROR:
            return 2;
        case CLI_ID_BACKEND:
            if (cli_exec_add_backends(optarg, a->bs, &a->nb) != 0)
                return 2;
            break;
        case CLI_ID_RUNS:
            if (cli_parse_count("--runs", optarg, 1, 100000, &v) != 0)
                return 2;
            a->o.runs = (unsigned)v;
            break;
        case CLI_ID_WARMUP:
            if (cli_parse_count("--warmup", optarg, 0, 1000, &v) != 0)
                return 2;
            a->o.warmup = (unsigned)v;
            break;
        case CLI_ID_ENV:
            if (!strchr(optarg, '=') || optarg[0] == '=')
                return cli_usage_error("--env %s: expected KEY=VALUE", optarg);
            if (a->o.nenv == CLI_EXEC_MAX_ENV)
                return cli_usage_error("too many --env options (at most %d)", CLI_EXEC_MAX_ENV);
            a->o.env[a->o.nenv++] = optarg;
            break;
        case CLI_ID_TIMEOUT: {
            char *end;
            errno = 0;
            double t = strtod(optarg, &end);
            if (*end || errno || !(t > 0) || t > 86400)
                return cli_usage_error("--timeout %s: expected seconds, 0 < S <= 86400", optarg);
            a->o.timeout_s = t;
            break;
        }
        case CLI_ID_OUT:
            if (!optarg[0])
                return cli_usage_error("--out: expected a directory");
            snprintf(a->out_dir, sizeof a->out_dir, "%s", optarg);
            break;
        case CLI_ID_NO_OUT:
            a->out_none = true;
            break;
        case CLI_ID_FORMAT:
            if (!report_find(optarg))
                return cli_usage_error("--format %s: expected console|json|csv|md", optarg);
            a->format = optarg;
            break;
        case CLI_EXEC_ID_CALLSITES:
            a->o.callsites = true;
            break;
        case CLI_EXEC_ID_CALLSITE_PERIOD:
            if (cli_parse_count("--callsite-period", optarg, 1, 1000000, &v) != 0)
                return 2;
            a->o.callsite_period = v;
            break;
        case CLI_EXEC_ID_TIMER:
            if (strcmp(optarg, "hyperfine") != 0)
                return cli_usage_error("--timer %s: expected hyperfine", optarg);
            a->o.hyperfine = true;
            break;
        case CLI_ID_EVENTS: {
            char err[512];
            if (perf_events_validate(optarg, err, sizeof err) != 0)
                return cli_usage_error("--events %s", err);
            a->o.events = optarg;
            a->o.events_given = true;
            break;
        }
        case CLI_ID_NO_PERF:
            a->o.no_perf = true;
            break;
        case CLI_ID_QUIET:
            a->o.quiet = true;
            break;
        case CLI_EXEC_ID_NO_PTRACE:
            a->o.no_ptrace = true;
            break;
        }
    }
    a->cmd_ind = p.ind;
    return -1;
}

/* Checks that need all options; creates the output directory. -1 to go on, else 2. */
static int cli_exec_check(int argc, char **argv, struct cli_exec_args *a)
{
    if (a->nb == 0)
        return cli_usage_error("exec: --backend is required (e.g. --backend glibc,hybrid; see "
                               "faultline list backends)");
    if (a->cmd_ind >= argc)
        return cli_usage_error("exec: no command given (usage: faultline exec --backend glibc "
                               "-- CMD ARGS...)");
    a->o.cmd = argv + a->cmd_ind;
    if (!cli_exec_findable(a->o.cmd[0]))
        return cli_usage_error("exec: %s: command not found or not executable", a->o.cmd[0]);
    if (a->o.no_perf && a->o.events_given)
        return cli_usage_error("--events and --no-perf conflict: hardware events need perf");
    if (cli_resolve_out(a->out_dir, sizeof a->out_dir, a->out_none) != 0)
        return 2;
    if (!a->out_none) {
        snprintf(a->o.files_dir, sizeof a->o.files_dir, "%s/out", a->out_dir);
        if (atomic_file_mkdirs(a->o.files_dir) != 0)
            return cli_usage_error("--out %s: cannot create %s (%s)", a->out_dir, a->o.files_dir,
                                   strerror(errno));
    }
    return -1;
}

/* Hardware events, then one results cell per backend named by the command line. */
static void cli_exec_cells(struct cli_exec_args *a, struct results *r)
{
    if (!a->o.events_given && !a->o.no_perf) {
        if (perf_pmu_usable())
            a->o.events = "cycles,instructions";
        else
            results_warn(r, "cycles/instructions: no usable PMU here (a VM without a vPMU?); "
                            "they stay null");
    }
    /* the command line, as the workload column shows it */
    char cmdline[RESULTS_SPEC_MAX] = "";
    size_t used = 0;
    for (char **w = a->o.cmd; *w && used + 1 < sizeof cmdline; w++) {
        int n =
            snprintf(cmdline + used, sizeof cmdline - used, "%s%s", w == a->o.cmd ? "" : " ", *w);
        if (n < 0)
            break;
        used += (size_t)n;
        if (used >= sizeof cmdline)
            used = sizeof cmdline - 1;
    }
    for (unsigned i = 0; i < a->nb; i++) {
        a->bs[i].cell = results_add_cell(r, a->bs[i].spec, "exec");
        struct cell *cl = &r->cells[a->bs[i].cell];
        snprintf(cl->workload, sizeof cl->workload, "exec");
        snprintf(cl->workload_spec, sizeof cl->workload_spec, "%s", cmdline);
        snprintf(cl->workload_params, sizeof cl->workload_params, "%s", cmdline);
    }
}

/* Warmups, then repetitions interleaved over backends; results written after each run. Returns
 * the number of failed runs. */
static unsigned cli_exec_runs(struct cli_exec_args *a, struct results *r)
{
    unsigned total = a->nb * (a->o.runs + a->o.warmup), done = 0, failed = 0;
    results_write(r);
    for (unsigned w = 0; w < a->o.warmup; w++) {
        for (unsigned i = 0; i < a->nb; i++) {
            cli_exec_progress(&a->o, done++, total, a->bs[i].spec, "warmup");
            char tag[48];
            snprintf(tag, sizeof tag, "%s-w%u", r->cells[a->bs[i].cell].id, w);
            struct run_result res;
            cli_exec_run_one(&a->o, &a->bs[i], tag, &res, r, NULL);
        }
    }
    for (unsigned rep = 0; rep < a->o.runs; rep++) {
        for (unsigned i = 0; i < a->nb; i++) {
            char what[32], tag[48];
            snprintf(what, sizeof what, "run %u/%u", rep + 1, a->o.runs);
            cli_exec_progress(&a->o, done++, total, a->bs[i].spec, what);
            snprintf(tag, sizeof tag, "%s-r%u", r->cells[a->bs[i].cell].id, rep);
            struct run_result res;
            cli_exec_run_one(&a->o, &a->bs[i], tag, &res, r, a->o.callsites ? &a->bs[i].cs : NULL);
            res.cell = a->bs[i].cell;
            res.rep = rep;
            if (!res.ok) {
                failed += strncmp(res.outcome, "skipped", 7) != 0;
                if (!a->o.quiet)
                    fprintf(stderr, "%s%s run %u: %s\n", isatty(STDERR_FILENO) ? "\r\033[K" : "",
                            a->bs[i].spec, rep + 1, res.outcome);
            }
            results_add_run(r, &res, NULL);
            results_write(r);
        }
    }
    if (!a->o.quiet && isatty(STDERR_FILENO))
        fprintf(stderr, "\r\033[K");
    return failed;
}

/* --timer hyperfine: timings into the backends, the "hyperfine" object into hf and run.json. */
static void cli_exec_hf_finish(struct cli_exec_args *a, struct results *r, struct strbuf *hf)
{
    if (a->o.hyperfine) {
        char json_path[4400];
        char tmpdir[96] = "";
        bool tmp = a->out_none;
        if (tmp && scratch_make(tmpdir, sizeof tmpdir, "hf") != 0)
            tmp = false;
        if (a->out_none && !tmp)
            results_warn(r, "--timer hyperfine: cannot create a temporary directory");
        else {
            snprintf(json_path, sizeof json_path, "%s/hyperfine.json", tmp ? tmpdir : a->out_dir);
            cli_exec_hf_run(&a->o, a->bs, a->nb, json_path, r);
            cli_exec_hf_json(&a->o, a->bs, a->nb, hf);
        }
        if (tmp)
            scratch_remove(tmpdir);
    }
    results_write(r);
    if (hf->len && r->dir[0]) {
        struct strbuf doc;
        strbuf_init(&doc);
        report_json.render(r, &doc);
        cli_exec_hf_json_inject(&doc, hf);
        char path[4352];
        snprintf(path, sizeof path, "%s/run.json", r->dir);
        if (atomic_file_write(path, doc.data, doc.len) != 0)
            fprintf(stderr, "faultline: cannot write %s: %s\n", path, strerror(errno));
        strbuf_free(&doc);
    }
}

/* --callsites: callsites.csv and the folded stacks into the results directory, the top table
 * onto the console/md output. */
static void cli_exec_callsites(struct cli_exec_args *a, struct results *r, bool table,
                               struct strbuf *sb)
{
    struct callsites_out_cell cells[CLI_MAX_SPECS];
    for (unsigned i = 0; i < a->nb; i++) {
        cells[i].id = r->cells[a->bs[i].cell].id;
        cells[i].spec = a->bs[i].spec;
        cells[i].t = &a->bs[i].cs;
    }
    if (!r->dir[0]) {
        if (table)
            strbuf_puts(sb, "\n(call sites are written only with a results directory: drop "
                            "--no-out)\n");
    } else if (callsites_out_write(r->dir, cells, a->nb) != 0) {
        fprintf(stderr, "faultline: cannot write %s/callsites.csv: %s\n", r->dir, strerror(errno));
    } else if (table) {
        callsites_out_top(r->dir, 5,
                          !strcmp(a->format, "md") ? CALLSITES_OUT_MD : CALLSITES_OUT_CONSOLE, sb);
    }
    for (unsigned i = 0; i < a->nb; i++)
        callsites_table_free(&a->bs[i].cs);
}

int cli_exec_main(int argc, char **argv)
{
    static struct cli_exec_args args;
    struct cli_exec_args *a = &args;
    memset(a, 0, sizeof *a);
    a->o.runs = 3;
    a->o.timeout_s = 600;
    a->o.callsite_period = CALLCHAIN_FAULT_PERIOD;
    a->format = "console";
    const char *env = getenv("FAULTLINE_NO_PERF");
    if (env && !strcmp(env, "1"))
        a->o.no_perf = true;
    int rc = cli_exec_parse(argc, argv, a);
    if (rc < 0)
        rc = cli_exec_check(argc, argv, a);
    if (rc >= 0)
        return rc;

    struct results r;
    results_init(&r, a->out_none ? "" : a->out_dir, argc, argv);
    cli_exec_cells(a, &r);
    unsigned failed = cli_exec_runs(a, &r);
    struct strbuf hf;
    strbuf_init(&hf);
    cli_exec_hf_finish(a, &r, &hf);

    const struct reporter *rep = report_find(a->format);
    struct strbuf sb;
    strbuf_init(&sb);
    rep->render(&r, &sb);
    bool md = !strcmp(a->format, "md");
    if (!strcmp(a->format, "json") && hf.len)
        cli_exec_hf_json_inject(&sb, &hf);
    else if (md || !strcmp(a->format, "console"))
        cli_exec_table(&r, a->bs, a->nb, md, a->o.hyperfine, &sb);
    if (a->o.callsites)
        cli_exec_callsites(a, &r, md || !strcmp(a->format, "console"), &sb);
    fwrite(sb.data ? sb.data : "", 1, sb.len, stdout);
    fflush(stdout);
    strbuf_free(&sb);
    strbuf_free(&hf);
    if (r.dir[0])
        fprintf(stderr, "results: %s\n", cli_out_name(r.dir));
    results_free(&r);
    return failed ? 1 : 0;
}
