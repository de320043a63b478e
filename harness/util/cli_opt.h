/* Declarative command line: every command describes its options as a table of rows
 * {long, short, arg, help, id}; the same table drives parsing, the generated --help, and the
 * one-line messages for unknown options and missing values. A command is {name, summary, fn}
 * in the dispatch table (main_faultline.c) plus one struct cli_usage.
 *
 * Adding an option to a command: add a row to its table (reuse a CLI_ROW_* macro when the
 * option is one of the shared ones, so it is spelled the same everywhere) and a case for its id
 * in the command's loop. Nothing else: --help and the error messages follow from the row. */
#ifndef FAULTLINE_CLI_OPT_H
#define FAULTLINE_CLI_OPT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Option ids. A row's id is what cli_opt_next returns for it; shared options have fixed ids
 * (their short letter, or a value from this enum), command-specific ones start at
 * CLI_ID_COMMAND. */
enum {
    CLI_ID_BACKEND = 'b',
    CLI_ID_WORKLOAD = 'w',
    CLI_ID_RUNS = 'r',
    CLI_ID_OUT = 'o',
    CLI_ID_QUIET = 'q',
    CLI_ID_FORMAT = 1000,
    CLI_ID_TIMEOUT,
    CLI_ID_NO_OUT,
    CLI_ID_WARMUP,
    CLI_ID_EVENTS,
    CLI_ID_SEED,
    CLI_ID_NO_PERF,
    CLI_ID_NO_MEASURE,
    CLI_ID_NO_ASLR,
    CLI_ID_LAT_SAMPLE,
    CLI_ID_FAKE,
    CLI_ID_SHARD,
    CLI_ID_ENV,
    CLI_ID_COMMAND = 2000, /* first id free for command-specific options */
};

/* What cli_opt_next returns besides a row's id. */
enum {
    CLI_OPT_END = -1,   /* no more options; positionals left start at p->ind */
    CLI_OPT_ARG = -2,   /* a positional argument, in p->arg (commands without CLI_STOP_AT_ARG) */
    CLI_OPT_HELP = -3,  /* --help or --version was answered on stdout: exit 0 */
    CLI_OPT_ERROR = -4, /* a one-line message is on stderr: exit 2 */
};

struct cli_opt {
    const char *name; /* long name without "--"; NULL ends a table */
    char short_name;  /* 0: none */
    const char *arg;  /* metavariable shown in --help ("N", "DIR"); NULL: a flag */
    const char *help; /* one line; '\n' starts an indented continuation line */
    int id;
};

/* One row, in struct cli_opt's field order. */
#define CLI_ROW(name, short_name, arg, help, id)                                                   \
    {                                                                                              \
        name, short_name, arg, help, id                                                            \
    }

/* The rows every command spells the same way (issue 15: one grammar). */
#define CLI_ROW_BACKEND(help)  CLI_ROW("backend", 'b', "SPEC", help, CLI_ID_BACKEND)
#define CLI_ROW_WORKLOAD(help) CLI_ROW("workload", 'w', "SPEC", help, CLI_ID_WORKLOAD)
#define CLI_ROW_RUNS(help)     CLI_ROW("runs", 'r', "N", help, CLI_ID_RUNS)
#define CLI_ROW_OUT(help)      CLI_ROW("out", 'o', "DIR", help, CLI_ID_OUT)
#define CLI_ROW_NO_OUT         CLI_ROW("no-out", 0, NULL, "write no results directory", CLI_ID_NO_OUT)
#define CLI_ROW_FORMAT(help)   CLI_ROW("format", 0, "FMT", help, CLI_ID_FORMAT)
#define CLI_ROW_TIMEOUT(help)  CLI_ROW("timeout", 0, "S", help, CLI_ID_TIMEOUT)
#define CLI_ROW_QUIET          CLI_ROW("quiet", 'q', NULL, "no progress on stderr", CLI_ID_QUIET)
#define CLI_ROW_END            CLI_ROW(NULL, 0, NULL, NULL, 0)

#define CLI_STOP_AT_ARG 1u /* the first non-option ends the options (a command line follows) */

struct cli_usage {
    const char *name;     /* "run", or "faultline-gbench" style for whole programs */
    const char *synopsis; /* after "usage: faultline NAME "; '\n' starts another usage line */
    const char *about;    /* paragraphs, plain text */
    /* option tables, each ended by CLI_ROW_END; the list ends with NULL */
    const struct cli_opt *const *tables;
    const char *examples; /* one command per line, each starting with "faultline " */
    const char *exit_status;
    unsigned flags; /* CLI_STOP_AT_ARG */
};

/* Parser state; the fields after argv are read by callers. */
struct cli_parse {
    const struct cli_usage *u;
    int argc;
    char **argv;
    int ind;                   /* next argv index; after CLI_OPT_END the first positional */
    const char *arg;           /* the option's value or the positional */
    const struct cli_opt *opt; /* the row matched */
    const char *bundle;        /* rest of a short-option bundle ("-qr5") */
};

void cli_opt_init(struct cli_parse *p, const struct cli_usage *u, int argc, char **argv);
/* Next option: a row's id, or CLI_OPT_END / ARG / HELP / ERROR (see above). argv[0] is the
 * command name. --help/-h and --version/-V are implicit in every command. */
int cli_opt_next(struct cli_parse *p);
/* cli_opt_next for a command's option loop: --help/--version and a parse error end the loop
 * (CLI_OPT_END) with *exit_code set to the command's exit status for them (0 and 2); otherwise
 * *exit_code is left alone, so a caller starting it at -1 knows whether to return. */
int cli_opt_step(struct cli_parse *p, int *exit_code);
/* The generated help text on f. */
void cli_opt_help(const struct cli_usage *u, FILE *f);
/* "faultline NAME: MESSAGE\n" on stderr; returns 2 (the exit status for bad input). */
int cli_opt_error(const struct cli_parse *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The current option's value as an integer min..max into *out: 0, or 2 after a one-line
 * message naming the option and the valid range. */
int cli_opt_u64(const struct cli_parse *p, uint64_t *out, uint64_t min, uint64_t max);
/* The version line every binary prints for -V/--version. */
void cli_opt_version(const char *program);

#endif
