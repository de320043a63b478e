/* The seeded multithreaded stress of `faultline check` (check_child_opt: seed, ops, threads). */
#ifndef FAULTLINE_CHECK_STRESS_H
#define FAULTLINE_CHECK_STRESS_H

#include <stdbool.h>

/* Creates the threads (before a backend starts: pthread_create uses glibc malloc); -1 failed. */
int check_stress_prepare(void);
/* Lets the threads run (run) or abandons them, joins them and frees what they left. */
void check_stress_run(bool run);

#endif
