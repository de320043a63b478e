/* `faultline compare BASE NEW`: the CI regression gate. Deterministic counts are gated against
 * per-metric tolerances (ci/tolerances.conf); times are advisory (Mann-Whitney U). */
#ifndef FAULTLINE_COMPARE_H
#define FAULTLINE_COMPARE_H

/* Exit status when nothing regressed but a BASE cell is missing from NEW or a gated metric could
 * not be compared (without --allow-missing). */
#define COMPARE_EXIT_INCOMPLETE 3

/* argv[0] is "compare". Exit status: 1 when a gated metric regressed, COMPARE_EXIT_INCOMPLETE,
 * 2 on bad input, else 0. */
int compare_main(int argc, char **argv);

#endif
