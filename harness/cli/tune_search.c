/* The search of `faultline tune`: evaluating a batch of settings (program runs or the workload
 * runner) and choosing the next batch (coarse grid, then neighbours of the best). */
#define _GNU_SOURCE
#include "tune_search.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "param.h"
#include "workload.h"
#include "atomic_file.h"
#include "csv.h"
#include "num.h"
#include "cli.h"
#include "spec.h"
#include "config.h"
#include "plan.h"
#include "procfs.h"
#include "stats.h"
#include "strbuf.h"

#include "tune_exec.h"
#include "tune_report.h"
#include "tune_search.h"
#include "tune_setting.h"

/* Median, smallest and largest of metric k over n runs. */
static void tune_search_spread(struct tune_entry *e, int k, const double *v, size_t n)
{
    e->m[k] = e->lo[k] = e->hi[k] = NAN;
    if (!n)
        return;
    e->m[k] = stats_median(v, n);
    e->lo[k] = e->hi[k] = v[0];
    for (size_t i = 1; i < n; i++) {
        e->lo[k] = fmin(e->lo[k], v[i]);
        e->hi[k] = fmax(e->hi[k], v[i]);
    }
}

static void tune_search_progress(const struct tune_state *st, const struct tune_entry *e)
{
    if (st->quiet)
        return;
    char name[256], v[TUNE_METRICS][32];
    tune_setting_short(&e->s, ",", name, sizeof name);
    for (int k = 0; k < TUNE_METRICS; k++)
        report_human(e->m[k], tune_metrics[k].unit, v[k], sizeof v[k]);
    if (e->ok_runs)
        fprintf(stderr, "[%u/%u] %-48s time %s, peak %s, retained %s, faults %s\n",
                (unsigned)(e - st->e) + 1, st->budget, name, v[0], v[1], v[2], v[3]);
    else
        fprintf(stderr, "[%u/%u] %-48s failed: %s\n", (unsigned)(e - st->e) + 1, st->budget, name,
                e->outcome);
}

static void tune_search_eval_program(struct tune_state *st, unsigned first)
{
    unsigned count = st->n - first;
    double *vals = calloc((size_t)count * st->runs * TUNE_METRICS, sizeof *vals);
    if (!vals)
        abort();
    /* rep-major: settings alternate, so a slow drift of the machine hits all of them */
    for (unsigned rep = 0; rep < st->runs; rep++) {
        for (unsigned i = 0; i < count; i++) {
            struct tune_entry *e = &st->e[first + i];
            double m[TUNE_METRICS];
            char outcome[96];
            e->runs++;
            if (tune_exec_once(st, &e->s, m, outcome, sizeof outcome) == 0) {
                for (int k = 0; k < TUNE_METRICS; k++)
                    vals[((size_t)i * TUNE_METRICS + (size_t)k) * st->runs + e->ok_runs] = m[k];
                e->ok_runs++;
            } else if (!strcmp(e->outcome, "ok")) {
                snprintf(e->outcome, sizeof e->outcome, "%s", outcome);
            }
        }
    }
    for (unsigned i = 0; i < count; i++) {
        struct tune_entry *e = &st->e[first + i];
        for (int k = 0; k < TUNE_METRICS; k++) {
            double *v = &vals[((size_t)i * TUNE_METRICS + (size_t)k) * st->runs];
            size_t n = 0;
            for (unsigned j = 0; j < e->ok_runs; j++)
                if (isfinite(v[j]))
                    v[n++] = v[j];
            tune_search_spread(e, k, v, n);
        }
        tune_search_progress(st, e);
    }
    free(vals);
}

/* Workload mode: one cell per setting on the glibc backend through the normal plan runner
 * (mallopt in the runner child is what GLIBC_TUNABLES does at start-up). */
static void tune_search_eval_workload(struct tune_state *st, unsigned first, unsigned round)
{
    struct results r;
    char dir[4200] = "";
    if (st->out_dir[0])
        snprintf(dir, sizeof dir, "%s/round%u", st->out_dir, round);
    char *argv0[] = {"tune", NULL};
    results_init(&r, dir, 1, argv0);
    for (unsigned i = first; i < st->n; i++) {
        char spec[512], params[256];
        tune_setting_short(&st->e[i].s, ",", params, sizeof params);
        if (tune_setting_is_default(&st->e[i].s))
            snprintf(spec, sizeof spec, "glibc");
        else
            snprintf(spec, sizeof spec, "glibc:%s", params);
        results_add_cell(&r, spec, st->workload);
    }
    struct plan_options po = st->po;
    po.runs = st->runs;
    plan_execute(&r, &po);
    results_write(&r);
    double *v = malloc((r.nruns + 1) * sizeof *v);
    if (!v)
        abort();
    for (unsigned c = 0; c < r.ncells; c++) {
        struct tune_entry *e = &st->e[first + c];
        /* per-run values, so faults are the median of minflt + majflt of the same run */
        static const int metric_of[TUNE_METRICS] = {METRIC_wall_ns, METRIC_hwm_rss, METRIC_rss_end,
                                                    METRIC_minflt};
        for (int k = 0; k < TUNE_METRICS; k++) {
            size_t n = 0;
            for (unsigned i = 0; i < r.nruns; i++) {
                const struct run_result *run = &r.runs[i];
                if (run->cell != c || !run->ok || !run->m.valid[metric_of[k]])
                    continue;
                double x = run->m.v[metric_of[k]];
                if (k == TUNE_FAULTS && run->m.valid[METRIC_majflt])
                    x += run->m.v[METRIC_majflt];
                v[n++] = x;
            }
            tune_search_spread(e, k, v, n);
        }
        for (unsigned i = 0; i < r.nruns; i++) {
            if (r.runs[i].cell != c)
                continue;
            e->runs++;
            if (r.runs[i].ok)
                e->ok_runs++;
            else if (!strcmp(e->outcome, "ok"))
                snprintf(e->outcome, sizeof e->outcome, "%s", r.runs[i].outcome);
        }
        tune_search_progress(st, e);
    }
    free(v);
    results_free(&r);
}

static bool tune_search_add(struct tune_state *st, const struct tune_setting *s, unsigned round)
{
    if (st->n >= st->budget)
        return false;
    for (unsigned i = 0; i < st->n; i++)
        if (tune_setting_equal(&st->e[i].s, s))
            return false;
    struct tune_entry *e = &st->e[st->n++];
    memset(e, 0, sizeof *e);
    e->s = *s;
    e->round = round;
    snprintf(e->outcome, sizeof e->outcome, "ok");
    for (int k = 0; k < TUNE_METRICS; k++)
        e->m[k] = NAN;
    e->score = INFINITY;
    return true;
}

/* The coarse grid, ordered so that a small budget still covers both sides of every knob. */
static void tune_search_coarse(struct tune_state *st)
{
    static const int64_t mmap[3] = {1LL << 20, TUNE_MMAP_MAX, 64LL << 10};
    static const int64_t trim[2] = {128LL << 10, 1LL << 30};
    static const int64_t arena[2] = {TUNE_UNSET, 1};
    for (int a = 0; a < 2; a++)
        for (int i = 0; i < 6; i++) {
            struct tune_setting s;
            tune_setting_default(&s);
            s.v[TUNE_MMAP] = mmap[i % 3];
            s.v[TUNE_TRIM] = trim[(i % 3 + i / 3) % 2];
            s.v[TUNE_ARENA] = arena[a];
            tune_search_add(st, &s, 1);
        }
}

/* One-knob steps from s: sizes x4 and /4 (or the two sides when unset), arenas halved/doubled,
 * and every knob back to unset. */
static unsigned tune_search_neighbours(const struct tune_setting *s, struct tune_setting *out)
{
    unsigned n = 0;
    for (int k = 0; k < TUNE_KNOBS; k++) {
        int64_t v = s->v[k], cand[3];
        int nc = 0;
        if (v == TUNE_UNSET) {
            static const int64_t first[TUNE_KNOBS][2] = {
                {128LL << 10, 4LL << 20}, {128LL << 10, 64LL << 20}, {0, 1LL << 20}, {1, 2}};
            cand[nc++] = first[k][0];
            cand[nc++] = first[k][1];
        } else {
            int64_t lo = tune_setting_knobs[k].size ? v / 4 : v / 2;
            int64_t hi = tune_setting_knobs[k].size ? (v ? v * 4 : 64LL << 10) : v * 2;
            if (lo < tune_setting_knobs[k].min)
                lo = tune_setting_knobs[k].min;
            if (hi > tune_setting_knobs[k].max)
                hi = tune_setting_knobs[k].max;
            if (lo != v)
                cand[nc++] = lo;
            if (hi != v)
                cand[nc++] = hi;
            cand[nc++] = TUNE_UNSET;
        }
        for (int c = 0; c < nc; c++) {
            out[n] = *s;
            out[n].v[k] = cand[c];
            n++;
        }
    }
    return n;
}

static void tune_search_eval(struct tune_state *st, unsigned first, unsigned round)
{
    if (first >= st->n)
        return;
    if (st->cmd)
        tune_search_eval_program(st, first);
    else
        tune_search_eval_workload(st, first, round);
    tune_report_rank(st);
    tune_report_write_csv(st);
}

void tune_search(struct tune_state *st)
{
    struct tune_setting def;
    tune_setting_default(&def);
    tune_search_add(st, &def, 0);
    tune_search_eval(st, 0, 0);
    if (!st->e[0].ok_runs)
        return;
    tune_search_coarse(st);
    tune_search_eval(st, 1, 1);
    for (unsigned round = 2; st->n < st->budget; round++) {
        unsigned first = st->n;
        /* the two best settings so far, by objective */
        unsigned order[2] = {0, 0}, no = 0;
        for (unsigned pick = 0; pick < 2; pick++) {
            unsigned best = UINT32_MAX;
            for (unsigned i = 0; i < first; i++) {
                if (!isfinite(st->e[i].score) || (pick == 1 && order[0] == i))
                    continue;
                if (best == UINT32_MAX || st->e[i].score < st->e[best].score)
                    best = i;
            }
            if (best != UINT32_MAX)
                order[no++] = best;
        }
        struct tune_setting nb[3 * TUNE_KNOBS];
        for (unsigned p = 0; p < no; p++) {
            unsigned cnt = tune_search_neighbours(&st->e[order[p]].s, nb);
            for (unsigned i = 0; i < cnt; i++)
                tune_search_add(st, &nb[i], round);
        }
        if (st->n == first)
            break; /* nothing new near the best cells */
        tune_search_eval(st, first, round);
    }
}
