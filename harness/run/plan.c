/* Plan execution with progress, workers and per-run appends (see plan.h). */
#define _GNU_SOURCE
#include "plan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomic_file.h"
#include "perf.h"
#include "results_log.h"
#include "scratch.h"

struct plan_item {
    unsigned cell, rep;
    bool warmup;
};

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

unsigned plan_cell_shard(const struct cell *c, unsigned n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a 64: stable across builds and machines */
    const char *parts[3] = {c->backend_spec, c->workload_spec, c->run_params};
    for (int p = 0; p < 3; p++) {
        if (p == 2 && !parts[p][0])
            break; /* no run-level axes: the hash of the two specs alone */
        for (const unsigned char *s = (const unsigned char *)parts[p]; *s; s++)
            h = (h ^ *s) * 1099511628211ull;
        h = (h ^ '\n') * 1099511628211ull;
    }
    return n ? (unsigned)(h % n) : 0;
}

static bool plan_in_shard(const struct plan_options *po, const struct cell *c)
{
    return po->shard_n == 0 || plan_cell_shard(c, po->shard_n) == po->shard_k - 1;
}

static bool plan_parse_uint(const char *s, unsigned max, unsigned *out)
{
    if (*s < '0' || *s > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || errno || v > max)
        return false;
    *out = (unsigned)v;
    return true;
}

int plan_parse_shard(const char *arg, unsigned *k, unsigned *n, char *err, size_t len)
{
    const char *slash = strchr(arg, '/');
    char kpart[32];
    if (!slash || (size_t)(slash - arg) >= sizeof kpart ||
        !plan_parse_uint(slash + 1, 1u << 20, n) || *n == 0) {
        snprintf(err, len, "--shard %s: expected K/N or auto/N with 1 <= K <= N", arg);
        return -1;
    }
    memcpy(kpart, arg, (size_t)(slash - arg));
    kpart[slash - arg] = '\0';
    if (strcmp(kpart, "auto") != 0) {
        if (!plan_parse_uint(kpart, 1u << 20, k) || *k == 0 || *k > *n) {
            snprintf(err, len, "--shard %s: expected K/N with 1 <= K <= N", arg);
            return -1;
        }
        return 0;
    }
    static const char *const vars[] = {"FAULTLINE_SHARD", "SLURM_ARRAY_TASK_ID",
                                       "JOB_COMPLETION_INDEX"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (!v || !v[0])
            continue;
        unsigned idx;
        if (!plan_parse_uint(v, 1u << 20, &idx) || idx >= *n) {
            snprintf(err, len, "--shard %s: %s=%s is not a shard index 0..%u", arg, vars[i], v,
                     *n - 1);
            return -1;
        }
        *k = idx + 1;
        return 0;
    }
    snprintf(err, len,
             "--shard %s: no shard index in the environment (set FAULTLINE_SHARD, "
             "SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX to 0..%u)",
             arg, *n - 1);
    return -1;
}

int plan_parse_jobs(const char *arg, unsigned *jobs, char *err, size_t len)
{
    if (!plan_parse_uint(arg, PLAN_MAX_JOBS, jobs) || *jobs == 0) {
        snprintf(err, len, "--jobs %s: expected an integer 1..%d", arg, PLAN_MAX_JOBS);
        return -1;
    }
    return 0;
}

/* The plan's runs in order: warmups, then rep-major measured runs, of the shard's cells. */
static struct plan_item *plan_items(const struct results *r, const struct plan_options *po,
                                    unsigned *count)
{
    unsigned ncells = 0;
    for (unsigned c = 0; c < r->ncells; c++)
        ncells += plan_in_shard(po, &r->cells[c]);
    size_t n = (size_t)ncells * (po->runs + po->warmup), i = 0;
    struct plan_item *items = calloc(n + 1, sizeof *items);
    if (!items)
        abort();
    for (unsigned pass = 0; pass < po->warmup + po->runs; pass++)
        for (unsigned c = 0; c < r->ncells; c++)
            if (plan_in_shard(po, &r->cells[c]))
                items[i++] = (struct plan_item){c, pass < po->warmup ? pass : pass - po->warmup,
                                                pass < po->warmup};
    *count = (unsigned)n;
    return items;
}

/* With several runs in flight, timings share the CPUs: say so in the context and warnings. */
static void plan_mark_parallel(struct results *r, unsigned jobs)
{
    char v[16];
    snprintf(v, sizeof v, "%u", jobs);
    context_set(&r->ctx, "jobs", v, true);
    context_set(&r->ctx, "timing", jobs > 1 ? "parallel" : "alone", false);
    if (jobs > 1)
        results_warn(r, "timings measured in parallel (-j > 1): wall_ns, user_ns, sys_ns, "
                        "ns_per_op, cycles, instructions and latency histograms are not "
                        "comparable with a -j 1 run; fault, syscall and byte counts are");
}

/* A finished run: report a failure, record it, append it to the results directory. */
static bool plan_complete(struct results *r, const struct plan_options *po,
                          const struct plan_item *it, struct runner_job *job)
{
    struct run_result res;
    struct run_record *rec;
    runner_finish(job, &res, &rec);
    if (it->warmup) {
        runner_record_free(rec);
        return true;
    }
    res.cell = it->cell;
    if (!res.ok && !po->quiet)
        fprintf(stderr, "%s%s x %s run %u: %s\n", isatty(STDERR_FILENO) ? "\r\033[K" : "",
                r->cells[it->cell].backend_spec, r->cells[it->cell].workload_spec, it->rep + 1,
                res.outcome);
    results_add_run(r, &res, rec);
    results_log_run(r, r->nruns - 1, rec);
    runner_record_free(rec);
    /* a peer that is not installed is a skip, not a failure */
    return res.ok || strncmp(res.outcome, "skipped", 7) == 0;
}

unsigned plan_execute(struct results *r, const struct plan_options *po)
{
    unsigned total, done = 0, failed = 0, next = 0, inflight = 0;
    unsigned jobs = po->jobs ? po->jobs : 1;
    struct plan_item *items = plan_items(r, po, &total);
    double t0 = plan_now();
    if (!po->ro.no_perf && !po->ro.fake)
        perf_hold_tracepoints();
    plan_mark_parallel(r, jobs);
    if (po->ro.fake && r->nmachines) /* synthetic numbers come from no machine */
        fingerprint_fake(&r->machines[0]);
    results_write(r);
    results_log_open(r);
    struct runner_job *slots = calloc(jobs, sizeof *slots);
    struct runner_job *active[PLAN_MAX_JOBS] = {0};
    unsigned slot_item[PLAN_MAX_JOBS];
    /* one scratch directory per worker for the whole plan: creating and removing one per run
     * cost more than the rest of the parent's bookkeeping */
    char scratch[PLAN_MAX_JOBS][64];
    if (!slots)
        abort();
    for (unsigned s = 0; s < jobs; s++) {
        if (po->ro.fake || scratch_make(scratch[s], sizeof scratch[s], "run") != 0)
            scratch[s][0] = '\0';
    }
    while (next < total || inflight) {
        for (unsigned s = 0; s < jobs && next < total; s++) {
            if (active[s])
                continue;
            const struct plan_item *it = &items[next];
            char what[32];
            if (it->warmup)
                snprintf(what, sizeof what, "warmup");
            else
                snprintf(what, sizeof what, "run %u/%u", it->rep + 1, po->runs);
            plan_progress(po, done, total, t0, &r->cells[it->cell], what);
            runner_start(&po->ro, &r->cells[it->cell], it->rep, po->seed,
                         scratch[s][0] ? scratch[s] : NULL, &slots[s]);
            active[s] = &slots[s];
            slot_item[s] = next++;
            inflight++;
            if (!slots[s].running)
                break; /* a result without a child (fake, skipped): take it now */
        }
        int s = runner_wait_any(active, jobs);
        if (s < 0)
            break;
        failed += !plan_complete(r, po, &items[slot_item[s]], &slots[s]);
        active[s] = NULL;
        inflight--;
        done++;
        /* a failed write (disk full): start nothing new; what was written stays intact */
        if (atomic_file_failed())
            total = next;
    }
    for (unsigned s = 0; s < jobs; s++)
        if (scratch[s][0])
            scratch_remove(scratch[s]);
    free(slots);
    free(items);
    results_log_close(r);
    if (jobs > 1)
        results_sort_runs(r);
    if (!po->quiet && isatty(STDERR_FILENO))
        fprintf(stderr, "\r\033[K");
    if (!po->quiet)
        fprintf(stderr, "%u runs in %.1f s%s\n", done, plan_now() - t0,
                failed ? ", some runs failed" : "");
    return failed;
}
