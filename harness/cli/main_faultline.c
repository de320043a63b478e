/* faultline: the command-line entry point. The dispatch table below is the one list of
 * commands: the top-level help, `faultline help CMD` and the unknown-command message are all
 * generated from it. Each command parses its own options from its option table (cli_opt.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "atomic_file.h"
#include "cli.h"
#include "cli_exec.h"
#include "cli_opt.h"
#include "compare.h"
#include "config.h"
#include "report_html.h"
#include "trace_cli.h"
#include "tune.h"
#include "cli_whatif.h"

struct main_command {
    const char *name;
    const char *summary;
    int (*fn)(int argc, char **argv);
};

static const struct main_command main_commands[] = {
    {"run", "run backends x workloads in fresh children, write results", cli_run_main},
    {"exec", "run any program under each backend with counters attached", cli_exec_main},
    {"sweep", "run the cartesian product of swept parameters", cli_sweep_main},
    {"seed", "check the seed notes' claims on this machine, print verdicts", cli_seed_main},
    {"merge", "join sweep shard directories into one", cli_merge_main},
    {"check", "run the allocator contract on backends (ours, glibc, peers, preload libs)",
     check_main},
    {"report", "plots + index.html/report.md for a results directory", report_html_main},
    {"list", "list backends|workloads|metrics|events with their parameters", cli_list_main},
    {"compare", "regression gate: compare two runs against ci/tolerances.conf", compare_main},
    {"trace", "capture a malloc trace of a command, or --dump one", trace_cli_main},
    {"tune", "advise GLIBC_TUNABLES for a program or workload by objective", tune_main},
    {"whatif", "predict glibc's syscalls for many settings from a trace, verify the best",
     cli_whatif_main},
    {NULL, NULL, NULL},
};

static void main_help(FILE *f)
{
    fprintf(f,
            "faultline " FAULTLINE_VERSION
            " - benchmarking and fault analysis for memory allocators\n\n"
            "usage: faultline COMMAND [options]     (faultline help COMMAND, or COMMAND --help)\n"
            "       faultline -V|--version\n\ncommands:\n");
    for (const struct main_command *c = main_commands; c->name; c++)
        fprintf(f, "  %-8s %s\n", c->name, c->summary);
    fprintf(f, "\nexamples:\n"
               "  faultline list backends\n"
               "  faultline run --backend glibc --backend hybrid --workload churn:size=1M\n"
               "  faultline sweep --backend 'hybrid:threshold=4K..32M:x2' --workload churn\n"
               "  faultline seed\n");
}

static const struct main_command *main_find(const char *name)
{
    for (const struct main_command *c = main_commands; c->name; c++)
        if (!strcmp(c->name, name))
            return c;
    return NULL;
}

static int main_unknown(const char *what)
{
    char names[256] = "";
    for (const struct main_command *c = main_commands; c->name; c++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", names[0] ? ", " : "",
                 c->name);
    fprintf(stderr, "faultline: unknown command '%s' (valid: %s; see faultline --help)\n", what,
            names);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        main_help(stderr);
        return 2;
    }
    const char *a = argv[1];
    if (!strcmp(a, "--help") || !strcmp(a, "-h") || (!strcmp(a, "help") && argc == 2)) {
        main_help(stdout);
        return 0;
    }
    if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
        cli_opt_version("faultline");
        return 0;
    }
    if (!strcmp(a, "help")) { /* faultline help CMD == faultline CMD --help */
        const struct main_command *c = main_find(argv[2]);
        if (!c)
            return main_unknown(argv[2]);
        char *sub[] = {argv[2], "--help", NULL};
        return c->fn(2, sub);
    }
    const struct main_command *c = main_find(a);
    if (!c)
        return main_unknown(a);
    int rc = c->fn(argc - 1, argv + 1);
    /* any failed write (ENOSPC...) fails the command with one line, whatever the command did
     * about it; bad input (2) has said its line already */
    if (rc != 2 && fflush(stdout) != 0)
        atomic_file_note_failure("stdout", errno);
    bool failed = rc != 2 && atomic_file_report();
    cli_finish_out(rc != 2 && !failed);
    return failed && !rc ? 1 : rc;
}
