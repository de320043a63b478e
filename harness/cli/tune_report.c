/* The verdict of `faultline tune`: scores for the objective, the Pareto front, the best
 * setting with its tie band, the console table and tune.csv. */
#define _GNU_SOURCE
#include "tune_report.h"

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

static double tune_report_score(const struct tune_state *st, const struct tune_entry *e,
                                const struct tune_entry *def)
{
    if (!e->ok_runs)
        return INFINITY;
    if (st->objective != TUNE_BALANCED)
        return isfinite(e->m[st->objective]) ? e->m[st->objective] : INFINITY;
    /* geometric mean of the ratios to the default; the offsets keep a zero from dominating */
    static const double offset[TUNE_METRICS] = {1e3, 4096, 4096, 1};
    double sum = 0;
    for (int k = 0; k < TUNE_METRICS; k++)
        if (isfinite(e->m[k]) && isfinite(def->m[k]))
            sum += log((e->m[k] + offset[k]) / (def->m[k] + offset[k]));
    return exp(sum / TUNE_METRICS);
}

static bool tune_report_dominates(const struct tune_entry *a, const struct tune_entry *b)
{
    bool better = false;
    for (int k = 0; k < TUNE_METRICS; k++) {
        double x = isfinite(a->m[k]) ? a->m[k] : INFINITY;
        double y = isfinite(b->m[k]) ? b->m[k] : INFINITY;
        if (x > y)
            return false;
        better |= x < y;
    }
    return better;
}

void tune_report_rank(struct tune_state *st)
{
    for (unsigned i = 0; i < st->n; i++)
        st->e[i].score = tune_report_score(st, &st->e[i], &st->e[0]);
    for (unsigned i = 0; i < st->n; i++) {
        st->e[i].pareto = st->e[i].ok_runs > 0;
        for (unsigned j = 0; j < st->n && st->e[i].pareto; j++)
            if (j != i && st->e[j].ok_runs && tune_report_dominates(&st->e[j], &st->e[i]))
                st->e[i].pareto = false;
    }
}

/* The lowest score; among settings within the tie band of it (--tie-band, default 5 %: run-to-run
 * noise, e.g. a few pages of RSS), the one that is best across all four metrics, so a tie is not
 * won by accident. A setting must beat the default by more than the band too, else the default
 * stays. */
static unsigned tune_report_best(const struct tune_state *st)
{
    unsigned best = 0;
    for (unsigned i = 1; i < st->n; i++)
        if (st->e[i].score < st->e[best].score)
            best = i;
    if (!isfinite(st->e[best].score) || !(st->e[best].score * st->tie < st->e[0].score))
        return 0;
    if (st->objective == TUNE_BALANCED)
        return best;
    struct tune_state bal = *st;
    bal.objective = TUNE_BALANCED;
    unsigned pick = best;
    double pick_bal = tune_report_score(&bal, &st->e[best], &st->e[0]);
    for (unsigned i = 0; i < st->n; i++) {
        if (!(st->e[i].score <= st->e[best].score * st->tie))
            continue;
        double b = tune_report_score(&bal, &st->e[i], &st->e[0]);
        if (b < pick_bal) {
            pick = i;
            pick_bal = b;
        }
    }
    return pick;
}

/* Say when the pick was a tie: how many settings scored within the band of the lowest. */
static void tune_report_explain_tie(const struct tune_state *st, const struct tune_entry *b)
{
    double low = INFINITY;
    unsigned tied = 0;
    for (unsigned i = 1; i < st->n; i++)
        low = fmin(low, st->e[i].score);
    for (unsigned i = 1; i < st->n; i++)
        tied += st->e[i].score <= low * st->tie;
    if (tied > 1)
        printf("  (%u settings within %.0f %% of the best score, the tie band (--tie-band): "
               "choosing the one best across all four metrics%s)\n",
               tied, (st->tie - 1) * 100, b->score > low ? ", not the lowest score" : "");
}

/* "time: 0.68x the default (0.61x..0.75x, 3 runs each)": the spread is the ratio of the extreme
 * runs, so a ratio from runs that overlap is visible as one. */
static void tune_report_print_ratio(const struct tune_state *st, int k, const struct tune_entry *b,
                                    const struct tune_entry *def)
{
    printf("  %s: %.2fx the default", tune_metrics[k].what, b->m[k] / def->m[k]);
    if (b->ok_runs >= 2 && def->ok_runs >= 2 && def->lo[k] > 0)
        printf(" (%.2fx..%.2fx over %u and %u runs)", b->lo[k] / def->hi[k], b->hi[k] / def->lo[k],
               b->ok_runs, def->ok_runs);
    else
        printf(" (one run each: no spread; --runs 3 or more to see one)");
    (void)st;
    printf("\n");
}

static void tune_report_csv_value(struct strbuf *sb, double v)
{
    if (isfinite(v))
        strbuf_printf(sb, v == floor(v) ? ",%.0f" : ",%.10g", v);
    else
        strbuf_puts(sb, ",");
}

void tune_report_write_csv(const struct tune_state *st)
{
    if (!st->out_dir[0])
        return;
    unsigned best = tune_report_best(st);
    struct strbuf sb;
    strbuf_init(&sb);
    strbuf_puts(&sb, "id,round");
    for (int k = 0; k < TUNE_KNOBS; k++)
        strbuf_printf(&sb, ",%s", tune_setting_knobs[k].csv);
    strbuf_puts(&sb, ",glibc_tunables,runs,ok_runs,outcome");
    for (int k = 0; k < TUNE_METRICS; k++)
        strbuf_printf(&sb, ",%s", tune_metrics[k].csv);
    strbuf_printf(&sb, ",score_%s,pareto,default,recommended\n",
                  st->objective == TUNE_BALANCED ? "balanced"
                                                 : tune_metrics[st->objective].objective);
    for (unsigned i = 0; i < st->n; i++) {
        const struct tune_entry *e = &st->e[i];
        char tunables[512];
        tune_setting_tunables(&e->s, tunables, sizeof tunables);
        strbuf_printf(&sb, "t%03u,%u", i + 1, e->round);
        for (int k = 0; k < TUNE_KNOBS; k++)
            tune_report_csv_value(&sb, e->s.v[k] == TUNE_UNSET ? NAN : (double)e->s.v[k]);
        strbuf_puts(&sb, ",");
        csv_field(&sb, tunables);
        strbuf_printf(&sb, ",%u,%u,", e->runs, e->ok_runs);
        csv_field(&sb, e->outcome); /* RFC 4180 quoting: the text stays as it was */
        for (int k = 0; k < TUNE_METRICS; k++)
            tune_report_csv_value(&sb, e->m[k]);
        tune_report_csv_value(&sb, e->score);
        strbuf_printf(&sb, ",%d,%d,%d\n", e->pareto, i == 0, i == best);
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/tune.csv", st->out_dir);
    atomic_file_write(path, sb.data ? sb.data : "", sb.len); /* a failure is reported at exit */
    strbuf_free(&sb);
}

static void tune_report_print_row(const struct tune_entry *e, const char *mark, const char *name,
                                  int w)
{
    char v[TUNE_METRICS][32];
    for (int k = 0; k < TUNE_METRICS; k++)
        report_human(e->m[k], tune_metrics[k].unit, v[k], sizeof v[k]);
    printf("%-2s%-*s %10s %11s %13s %10s\n", mark, w, name, v[0], v[1], v[2], v[3]);
}

static int tune_report_cmp_score(const void *a, const void *b)
{
    const struct tune_entry *x = *(const struct tune_entry *const *)a;
    const struct tune_entry *y = *(const struct tune_entry *const *)b;
    return x->score < y->score ? -1 : x->score > y->score;
}

void tune_report(const struct tune_state *st)
{
    unsigned best = tune_report_best(st);
    const struct tune_entry *def = &st->e[0], *b = &st->e[best];
    const char *obj =
        st->objective == TUNE_BALANCED ? "balanced" : tune_metrics[st->objective].objective;
    printf("\nPareto front of %u settings (lower is better in every column; * recommended for "
           "%s):\n",
           st->n, obj);
    const struct tune_entry **front = calloc(st->n, sizeof *front);
    if (!front)
        abort();
    unsigned nf = 0;
    char name[300];
    snprintf(name, sizeof name, "default (reference)%s", def->pareto ? "" : ", not on the front");
    int w = (int)strlen(name);
    for (unsigned i = 1; i < st->n; i++) {
        if (!st->e[i].pareto)
            continue;
        front[nf++] = &st->e[i];
        char other[300];
        tune_setting_short(&st->e[i].s, ",", other, sizeof other);
        if ((int)strlen(other) > w)
            w = (int)strlen(other);
    }
    printf("  %-*s %10s %11s %13s %10s\n", w, "setting", "time", "peak RSS", "retained RSS",
           "faults");
    tune_report_print_row(def, best == 0 ? "*" : "", name, w);
    qsort(front, nf, sizeof *front, tune_report_cmp_score);
    for (unsigned i = 0; i < nf; i++) {
        tune_setting_short(&front[i]->s, ",", name, sizeof name);
        tune_report_print_row(front[i], front[i] == b ? "*" : "", name, w);
    }
    free(front);

    unsigned failed = 0, first_failed = 0;
    for (unsigned i = st->n; i-- > 1;)
        if (!st->e[i].ok_runs) {
            failed++;
            first_failed = i;
        }
    if (failed) {
        tune_setting_short(&st->e[first_failed].s, ",", name, sizeof name);
        printf("  (%u setting%s failed and %s left out; first: %s: %s)\n", failed,
               failed == 1 ? "" : "s", failed == 1 ? "is" : "are", name,
               st->e[first_failed].outcome);
    }

    char tunables[512];
    tune_setting_tunables(&b->s, tunables, sizeof tunables);
    printf("\nrecommended for %s:\n", obj);
    if (best == 0 || !isfinite(b->score)) {
        printf("  GLIBC_TUNABLES= (keep the defaults: no setting tried beats them by more than "
               "the %.0f %% tie band, --tie-band)\n",
               (st->tie - 1) * 100);
        printf("  improvement_ratio=1.00\n");
        return;
    }
    printf("  GLIBC_TUNABLES=%s\n", tunables);
    tune_report_explain_tie(st, b);
    if (st->workload) {
        char params[256];
        tune_setting_short(&b->s, ",", params, sizeof params);
        printf("  (as a backend spec: glibc:%s)\n", params);
    }
    if (st->objective == TUNE_BALANCED) {
        double ratio = b->score > 0 ? 1 / b->score : INFINITY;
        printf("  the geometric mean of the four metrics is %.2fx lower than the default's "
               "(improvement_ratio=%.2f)\n",
               ratio, ratio);
    } else {
        int k = st->objective;
        char from[32], to[32];
        report_human(def->m[k], tune_metrics[k].unit, from, sizeof from);
        report_human(b->m[k], tune_metrics[k].unit, to, sizeof to);
        double ratio = b->m[k] > 0 ? def->m[k] / b->m[k] : INFINITY;
        printf("  %s %s -> %s: %.2fx lower than the default (improvement_ratio=%.2f)\n",
               tune_metrics[k].what, from, to, ratio, ratio);
    }
    /* what the other metrics pay for it */
    for (int k = 0; k < TUNE_METRICS; k++) {
        if (k == st->objective || !isfinite(def->m[k]) || !isfinite(b->m[k]) || def->m[k] <= 0)
            continue;
        tune_report_print_ratio(st, k, b, def);
    }
}
