/* faultline: the command-line entry point; dispatches to one function per subcommand. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "cli.h"
#include "cli_exec.h"
#include "compare.h"
#include "config.h"
#include "report_html.h"
#include "trace_cli.h"
#include "tune.h"

static const char main_help[] =
    "faultline " FAULTLINE_VERSION " - benchmarking and fault analysis for memory allocators\n"
    "\n"
    "usage: faultline COMMAND [options]\n"
    "\n"
    "commands:\n"
    "  run      run backends x workloads in fresh children, write results (run --help)\n"
    "  exec     run any program under each backend with counters attached (exec --help)\n"
    "  sweep    run the cartesian product of swept parameters (sweep --help)\n"
    "  seed     check the seed notes' claims on this machine, print verdicts\n"
    "  merge    join sweep shard directories into one\n"
    "  check    run the allocator contract on backends (ours, glibc, peers, preload libs)\n"
    "  report   plots + index.html/report.md for a results directory (report --help)\n"
    "  list     list backends|workloads|metrics|events with their parameters\n"
    "  compare  regression gate: compare two runs against ci/tolerances.conf (compare --help)\n"
    "  trace    capture a malloc trace of a command, or --dump one (trace --help)\n"
    "  tune     advise GLIBC_TUNABLES for a program or workload by objective (tune --help)\n"
    "\n"
    "examples:\n"
    "  faultline list backends\n"
    "  faultline run --backend glibc --backend hybrid --workload churn:size=1M\n"
    "  faultline sweep --backend 'hybrid:threshold=4K..32M:x2' --workload churn\n"
    "  faultline seed\n";

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        fputs(main_help, stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("faultline %s (%s, %s)\n", FAULTLINE_VERSION, FAULTLINE_GIT_SHA,
               FAULTLINE_BUILD_TYPE);
        return 0;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "run"))
        return cli_run_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "exec"))
        return cli_exec_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "list"))
        return cli_list_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "sweep"))
        return cli_sweep_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "seed"))
        return cli_seed_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "compare"))
        return compare_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "report"))
        return report_html_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "check"))
        return check_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "trace"))
        return trace_cli_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "tune"))
        return tune_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "merge"))
        return cli_merge_main(argc - 1, argv + 1);
    fprintf(stderr,
            "faultline: unknown command '%s' (valid: run, sweep, seed, merge, list; see faultline "
            "--help)\n",
            cmd);
    return 2;
}
