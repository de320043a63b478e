/* test_perf: what test_perf.c (calibration against known work: faults, tracepoints, thread
 * inheritance; the runner) shares with test_perf_paths.c (the paths around the counters). */
#ifndef FAULTLINE_TEST_PERF_H
#define FAULTLINE_TEST_PERF_H

#include "perf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern const char *const test_perf_fixed_names[PERF_FIXED_COUNT];
bool test_perf_has_warning(const struct perf_session *s, const char *needle);
unsigned test_perf_count_warnings(const struct perf_session *s, const char *needle);
void test_perf_print_warnings(const char *what, const struct perf_session *s);
/* pages fresh anonymous pages from the OS layer; exits on failure. */
char *test_perf_map_pages(size_t pages);
bool test_perf_within_pct(uint64_t got, uint64_t want, double pct);

/* test_perf_paths.c: disabled mode, event names, the group read path, the unprivileged path,
 * facts, counters on an exec'd child, tracefs not mounted. */
extern const char *test_perf_paths_exe; /* argv[0], re-executed with --touch N */
void test_perf_paths_no_perf(void);
void test_perf_paths_names(void);
void test_perf_paths_group(void);
void test_perf_paths_restricted(void);
void test_perf_paths_facts(void);
void test_perf_paths_exec_child(void);
int test_perf_paths_touch_main(const char *arg);
void test_perf_paths_tracefs_unmounted(void);
/* The failures test_util's counter saw in test_perf_paths.c. */
unsigned long test_perf_paths_failures(void);

#endif
