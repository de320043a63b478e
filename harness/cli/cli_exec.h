/* `faultline exec`: run any program once per backend x repetition in a child started suspended
 * with perf counters attached, and report it in the results schema of `faultline run`. */
#ifndef FAULTLINE_CLI_EXEC_H
#define FAULTLINE_CLI_EXEC_H

/* argv[0] is "exec". Exit status: 0 all runs ok, 1 some runs failed, 2 bad input. */
int cli_exec_main(int argc, char **argv);

#endif
