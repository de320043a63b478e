/* test_workloads: what test_workloads.c (the registry, suite and determinism tests, the runner)
 * shares with test_workloads_faults.c (the exact fault-count tests): the failure counter and
 * CHECK, the step-recording log, running one spec, and bringing a backend up. */
#ifndef FAULTLINE_TEST_WORKLOADS_H
#define FAULTLINE_TEST_WORKLOADS_H

#include "workload.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define TEST_WORKLOADS_SKIP 77

extern unsigned long test_workloads_failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            test_workloads_failures++;                                                             \
            printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                                 \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
            fflush(stdout);                                                                        \
        }                                                                                          \
    } while (0)

/* ---- a recorder that keeps step labels (and the minor-fault count at each step) ---- */

#define TEST_WORKLOADS_MAX_STEPS 128

struct test_workloads_log {
    unsigned n;
    char label[TEST_WORKLOADS_MAX_STEPS][64];
    long minflt[TEST_WORKLOADS_MAX_STEPS];
};

long test_workloads_minflt(void);
long test_workloads_majflt(void);
const char *test_workloads_log_find(const struct test_workloads_log *log, const char *prefix);

/* ---- running one spec ---- */

struct test_workloads_outcome {
    int rc;
    uint64_t ops_done, requested_bytes, touched_pages;
    int64_t live_end, peak;
    struct test_workloads_log log;
};

/* Scratch directory for file-backed workloads; empty means the workload's default. */
extern char test_workloads_tmpdir[4096];

/* Run spec on ops with seed; with_rec attaches the step recorder (NULL rec otherwise). */
int test_workloads_run_spec(const struct backend_ops *ops, const char *spec, uint64_t seed,
                            bool with_rec, struct test_workloads_outcome *out);
/* The named backend initialised with its defaults, or NULL (a note says why). */
const struct backend_ops *test_workloads_backend_up(const char *name);

/* The fault-count tests (test_workloads_faults.c). */
int test_workloads_faults_shm(void);
int test_workloads_faults_file_map(void);
int test_workloads_faults_first_touch(void);
int test_workloads_faults_churn(void);
int test_workloads_faults_seed_glibc(void);

#endif
