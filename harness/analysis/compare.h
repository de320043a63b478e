/* `faultline compare BASE NEW`: the CI regression gate. Deterministic counts are gated against
 * per-metric tolerances (ci/tolerances.conf); times are advisory (Mann-Whitney U). */
#ifndef FAULTLINE_COMPARE_H
#define FAULTLINE_COMPARE_H

#include <stdbool.h>

/* Exit status when nothing regressed but a BASE cell is missing from NEW or a gated metric could
 * not be compared (without --allow-missing). */
#define COMPARE_EXIT_INCOMPLETE 3

/* The options of a comparison (compare_main parses them). */
enum compare_format { COMPARE_CONSOLE, COMPARE_MD, COMPARE_JSON };

struct compare_opts {
    bool md; /* COMPARE_MD */
    enum compare_format format;
    bool time_check;
    bool all;
    bool allow_missing;
    const char *tolerances;
};

/* One line "faultline compare: ..." on stderr; returns 2 (bad input). */
int compare_bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* argv[0] is "compare". Exit status: 1 when a gated metric regressed, COMPARE_EXIT_INCOMPLETE,
 * 2 on bad input, else 0. */
int compare_main(int argc, char **argv);

#endif
