/* `faultline check`: the allocator contract checker. Runs the contract checks and a seeded
 * multithreaded stress on any backend, each in a fresh child process, and prints one line per
 * violation with a minimal reproducer. */
#ifndef FAULTLINE_CHECK_H
#define FAULTLINE_CHECK_H

/* argv[0] is the subcommand name ("check"), as the CLI forwards it:
 *   check --backend SPEC... [--seed N] [--ops N] [--threads N] [--preload]
 * Children are /proc/self/exe re-executed with "check --child ...", so any program whose main
 * forwards "check" to check_main (the faultline CLI, tests/check_driver.c) can host them.
 * Returns the exit status: 0 no violation, 1 violations, 2 bad input (one line on stderr). */
int check_main(int argc, char **argv);

#endif
