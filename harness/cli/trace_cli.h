/* `faultline trace`: capture a malloc trace of a command under libfaultline-trace.so, or dump a
 * trace file as text. */
#ifndef FAULTLINE_TRACE_CLI_H
#define FAULTLINE_TRACE_CLI_H

/* argv[0] is "trace". Returns the process exit status (2 for bad input or a bad trace file). */
int trace_cli_main(int argc, char **argv);

#endif
