/* Plan execution with progress and per-run result files (see plan.h). */
#define _GNU_SOURCE
#include "plan.h"

#include "atomic_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "perf.h"

static double plan_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void plan_progress(const struct plan_options *po, unsigned i, unsigned n, double t0,
                          const struct cell *c, const char *what)
{
    if (po->quiet)
        return;
    double el = plan_now() - t0;
    double eta = i > 0 ? el / i * (n - i) : 0;
    bool tty = isatty(STDERR_FILENO);
    fprintf(stderr, "%s[%u/%u] %s x %s %s  (elapsed %.0fs, ETA %.0fs)%s", tty ? "\r\033[K" : "",
            i + 1, n, c->backend_spec, c->workload_spec, what, el, eta, tty ? "" : "\n");
    fflush(stderr);
}

static bool plan_in_shard(const struct plan_options *po, unsigned cell)
{
    return po->shard_n == 0 || cell % po->shard_n == po->shard_k - 1;
}

unsigned plan_execute(struct results *r, const struct plan_options *po)
{
    unsigned ncells = 0;
    for (unsigned c = 0; c < r->ncells; c++)
        ncells += plan_in_shard(po, c);
    unsigned total = ncells * (po->runs + po->warmup), done = 0, failed = 0;
    double t0 = plan_now();
    if (!po->ro.no_perf && !po->ro.fake)
        perf_hold_tracepoints();
    results_write(r);
    for (unsigned w = 0; w < po->warmup; w++) {
        for (unsigned c = 0; c < r->ncells; c++) {
            if (!plan_in_shard(po, c))
                continue;
            plan_progress(po, done, total, t0, &r->cells[c], "warmup");
            struct run_result res;
            struct run_record *rec;
            runner_run_one(&po->ro, &r->cells[c], w, po->seed, &res, &rec);
            free(rec);
            done++;
        }
    }
    for (unsigned rep = 0; rep < po->runs; rep++) {
        for (unsigned c = 0; c < r->ncells; c++) {
            if (!plan_in_shard(po, c))
                continue;
            char what[32];
            snprintf(what, sizeof what, "run %u/%u", rep + 1, po->runs);
            plan_progress(po, done, total, t0, &r->cells[c], what);
            struct run_result res;
            struct run_record *rec;
            runner_run_one(&po->ro, &r->cells[c], rep, po->seed, &res, &rec);
            res.cell = c;
            if (!res.ok) {
                /* a peer that is not installed is a skip, not a failure */
                failed += strncmp(res.outcome, "skipped", 7) != 0;
                if (!po->quiet)
                    fprintf(stderr, "%s%s x %s run %u: %s\n",
                            isatty(STDERR_FILENO) ? "\r\033[K" : "", r->cells[c].backend_spec,
                            r->cells[c].workload_spec, rep + 1, res.outcome);
            }
            results_add_run(r, &res, rec);
            free(rec);
            done++;
            /* a failed write (disk full): stop here; what was written before stays intact */
            if (results_write(r) != 0 || atomic_file_failed())
                goto stop;
        }
    }
stop:
    if (!po->quiet && isatty(STDERR_FILENO))
        fprintf(stderr, "\r\033[K");
    if (!po->quiet)
        fprintf(stderr, "%u runs in %.1f s%s\n", done, plan_now() - t0,
                failed ? ", some runs failed" : "");
    return failed;
}
