/* The glibc tuning advisor (see tune.h): evaluates GLIBC_TUNABLES settings on a program (one
 * traced child per run) or a workload (the normal runner), keeps the Pareto front of time, peak
 * RSS, retained RSS and faults, and recommends the best setting for one objective. */
#define _GNU_SOURCE
#include "tune.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "param.h"
#include "workload.h"
#include "atomic_file.h"
#include "csv.h"
#include "num.h"
#include "cli.h"
#include "spec.h"
#include "config.h"
#include "plan.h"
#include "procfs.h"
#include "stats.h"
#include "strbuf.h"
#include "tune_exec.h"
#include "tune_report.h"
#include "tune_search.h"
#include "tune_setting.h"

const struct tune_metric_desc tune_metrics[TUNE_METRICS] = {
    {"time", "ns", "time_ns", "time"},
    {"peak-rss", "bytes", "peak_rss_bytes", "peak RSS"},
    {"retained-rss", "bytes", "retained_rss_bytes", "retained RSS"},
    {"faults", "count", "faults", "faults"},
};

/* ---- command line ---- */

enum { TUNE_ID_OBJECTIVE = CLI_ID_COMMAND, TUNE_ID_BUDGET, TUNE_ID_VERBOSE, TUNE_ID_TIE_BAND };

static const struct cli_opt tune_opts[] = {
    {"objective", 0, "OBJ",
     "time|peak-rss|retained-rss|faults|balanced (default balanced: the\ngeometric mean of the "
     "four ratios to the default)",
     TUNE_ID_OBJECTIVE},
    {"budget", 0, "N", "settings to try, the default included (default 40, at least 2)",
     TUNE_ID_BUDGET},
    CLI_ROW_RUNS("runs per setting (default 3: time and its spread need them)"),
    {"tie-band", 0, "P",
     "scores within P % of the best are a tie, won by the setting best\nacross all four metrics; "
     "a setting must beat the default by more (default 5)",
     TUNE_ID_TIE_BAND},
    CLI_ROW_WORKLOAD("tune for a synthetic workload instead of a program"),
    CLI_ROW_TIMEOUT("kill a run after S seconds (default 60)"),
    CLI_ROW_OUT("results directory (default results/runs/<UTC>-<sha>)"),
    CLI_ROW_NO_OUT,
    {"verbose", 0, NULL, "let the program's stderr through", TUNE_ID_VERBOSE},
    CLI_ROW_QUIET,
    CLI_ROW_END,
};

static const struct cli_opt *const tune_tables[] = {tune_opts, NULL};

static const struct cli_usage tune_usage = {
    .name = "tune",
    .synopsis = "[options] -- CMD [ARGS...]\n[options] --workload SPEC",
    .about =
        "Searches glibc malloc settings (GLIBC_TUNABLES: mmap_threshold, trim_threshold, top_pad,\n"
        "arena_max) for a real program or a synthetic workload: the default first (the "
        "reference),\nthen a coarse grid, then one-knob steps around the two best settings, at "
        "most --budget\nsettings. For each: wall time, peak RSS (VmHWM), retained RSS and page "
        "faults (minor +\nmajor); the median over --runs runs. Prints the Pareto front and the "
        "recommended\nGLIBC_TUNABLES line for the objective, and writes DIR/tune.csv "
        "(pareto=0/1 per setting).\n\n"
        "Retained RSS of a program is the last line `retained_rss_kb=N` it prints on stdout, "
        "else\nits VmRSS at exit (read at the ptrace exit stop; polled every 1 ms if ptrace is "
        "refused).\nThe program's stdout is consumed; its stderr is discarded unless --verbose. "
        "Peak and\nretained RSS are those of the process started (not of programs it starts in "
        "turn).\nWith --workload, each setting is a glibc backend cell run by the normal runner "
        "(results\nof every round in DIR/roundN/); retained RSS is rss_end, peak RSS hwm_rss.\n",
    .tables = tune_tables,
    .examples = "faultline tune --objective retained-rss -- ./server --requests 1000\n"
                "faultline tune --objective time --budget 20 --runs 3 -- python3 script.py\n"
                "faultline tune --workload churn:size=1M,count=200 --objective faults",
    .exit_status = "0 done, 1 the program fails under the default settings, 2 bad input",
    .flags = CLI_STOP_AT_ARG,
};

/* One option into st: 0, or 2 after a message. */
static int tune_option(struct cli_parse *p, int c, struct tune_state *st, bool *no_out,
                       bool *runs_given)
{
    uint64_t v;
    char err[512];
    switch (c) {
    case TUNE_ID_OBJECTIVE: {
        int found = -1;
        for (int k = 0; k < TUNE_METRICS; k++)
            if (!strcmp(p->arg, tune_metrics[k].objective))
                found = k;
        if (!strcmp(p->arg, "balanced"))
            found = TUNE_BALANCED;
        if (found < 0)
            return cli_opt_error(
                p, "--objective %s: expected time|peak-rss|retained-rss|faults|balanced", p->arg);
        st->objective = found;
        return 0;
    }
    case TUNE_ID_TIE_BAND: {
        char *end;
        errno = 0;
        double pct = strtod(p->arg, &end);
        if (*end || errno || !(pct >= 0) || pct > 50)
            return cli_opt_error(p, "--tie-band %s: expected a percentage 0..50", p->arg);
        st->tie = 1 + pct / 100;
        return 0;
    }
    case TUNE_ID_BUDGET:
        if (cli_opt_u64(p, &v, 2, 10000) != 0)
            return 2;
        st->budget = (unsigned)v;
        return 0;
    case CLI_ID_RUNS:
        if (cli_opt_u64(p, &v, 1, 1000) != 0)
            return 2;
        st->runs = (unsigned)v;
        *runs_given = true;
        return 0;
    case CLI_ID_WORKLOAD: {
        static struct spec_list l; /* static: kept until exit, like argv */
        if (spec_add(&l, SPEC_WORKLOAD, p->arg, false, err, sizeof err) != 0)
            return cli_opt_error(p, "%s", err);
        if (l.n != 1)
            return cli_opt_error(p, "--workload: tune takes one workload (got %u)", l.n);
        st->workload = l.v[0];
        return 0;
    }
    case CLI_ID_TIMEOUT: {
        char *end;
        errno = 0;
        double t = strtod(p->arg, &end);
        if (*end || errno || !(t > 0) || t > 86400)
            return cli_opt_error(p, "--timeout %s: expected seconds, 0 < S <= 86400", p->arg);
        st->timeout_s = t;
        return 0;
    }
    case CLI_ID_OUT:
        if (!p->arg[0])
            return cli_opt_error(p, "--out: expected a directory");
        snprintf(st->out_dir, sizeof st->out_dir, "%s", p->arg);
        return 0;
    case CLI_ID_NO_OUT:
        *no_out = true;
        return 0;
    case TUNE_ID_VERBOSE:
        st->verbose = true;
        return 0;
    case CLI_ID_QUIET:
        st->quiet = true;
        return 0;
    }
    return 2;
}

int tune_main(int argc, char **argv)
{
    struct tune_state st;
    memset(&st, 0, sizeof st);
    st.objective = TUNE_BALANCED;
    st.budget = 40;
    st.timeout_s = 60;
    st.tie = 1.05;
    bool no_out = false, runs_given = false;
    struct cli_parse p;
    cli_opt_init(&p, &tune_usage, argc, argv);
    int c;
    while ((c = cli_opt_next(&p)) != CLI_OPT_END) {
        if (c == CLI_OPT_HELP)
            return 0;
        if (c == CLI_OPT_ERROR || tune_option(&p, c, &st, &no_out, &runs_given) != 0)
            return 2;
    }
    if (p.ind < argc)
        st.cmd = argv + p.ind;
    if (st.cmd && st.workload)
        return cli_usage_error("tune: give either --workload SPEC or -- CMD, not both");
    if (!st.cmd && !st.workload)
        return cli_usage_error("tune: nothing to tune: give -- CMD [ARGS] or --workload SPEC "
                               "(see faultline tune --help)");
    if (no_out && st.out_dir[0])
        return cli_usage_error("tune: --out and --no-out conflict");
    if (st.workload && FAULTLINE_SANITIZED)
        return cli_usage_error("tune --workload: this faultline is built with ASan, whose "
                               "allocator replaces glibc malloc in the runner, so no glibc setting "
                               "can apply; use a build without FAULTLINE_SANITIZE");
    if (!runs_given)
        st.runs = 3;
    if (!no_out && !st.out_dir[0])
        cli_default_out(st.out_dir, sizeof st.out_dir);
    if (!no_out && cli_prepare_out(st.out_dir, sizeof st.out_dir) != 0)
        return 2;
    st.po.runs = st.runs;
    st.po.seed = 1;
    st.po.quiet = true;
    st.po.ro.timeout_s = st.timeout_s;
    st.po.ro.no_perf = true; /* tuning needs rusage and procfs only */
    st.e = calloc(st.budget, sizeof *st.e);
    if (!st.e)
        abort();
    if (!st.quiet)
        fprintf(stderr, "faultline tune: up to %u settings x %u run%s of %s (objective %s)\n",
                st.budget, st.runs, st.runs == 1 ? "" : "s", st.cmd ? st.cmd[0] : st.workload,
                st.objective == TUNE_BALANCED ? "balanced" : tune_metrics[st.objective].objective);
    tune_search(&st);
    int rc = 0;
    if (!st.e[0].ok_runs) {
        fprintf(stderr,
                "faultline tune: the reference run with the default settings failed (%s); "
                "check the command with --verbose\n",
                st.e[0].outcome);
        rc = 1;
    } else {
        tune_report(&st);
    }
    if (st.out_dir[0])
        fprintf(stderr, "results: %s/tune.csv\n", cli_out_name(st.out_dir));
    free(st.e);
    return rc;
}
