/* The verdict rows of `faultline compare`: counts against per-metric tolerances, times
 * (advisory) with the Mann-Whitney U test, missing and new cells, and the gate's coverage. */
#define _GNU_SOURCE
#include "compare_verdict.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compare.h"
#include "json_read.h"
#include "num.h"
#include "path.h"
#include "stats.h"

/* verdicts as --format json spells them */
const char *const compare_verdict_json[] = {
    "regressed", "missing", "not_compared", "improved", "slower", "faster", "ok", "new", "skipped",
};

const char *const compare_verdict_names[] = {
    "regressed",         "missing",           "not compared", "improved — refresh the baseline",
    "slower (advisory)", "faster (advisory)", "ok",           "new (not gated)",
    "skipped",
};

static struct compare_verdict_row *compare_verdict_row_add(struct compare_verdict_rows *rs,
                                                           const char *backend,
                                                           const char *workload, const char *metric)
{
    if (rs->n == rs->cap) {
        size_t nc = rs->cap ? rs->cap * 2 : 256;
        struct compare_verdict_row *nv = realloc(rs->v, nc * sizeof *nv);
        if (!nv) {
            fprintf(stderr, "faultline compare: out of memory\n");
            exit(2);
        }
        rs->v = nv;
        rs->cap = nc;
    }
    struct compare_verdict_row *r = &rs->v[rs->n++];
    memset(r, 0, sizeof *r);
    r->backend = backend;
    r->workload = workload;
    r->metric = metric;
    return r;
}

void compare_verdict_fmt_num(char *buf, size_t len, double v)
{
    if (fabs(v) < 1e15 && v == floor(v))
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "%.4g", v);
}

/* Mismatching fingerprint fields as a bit set. */
unsigned compare_verdict_fp_diff(const struct compare_side *a, const struct compare_side *b)
{
    unsigned d = 0;
    for (int i = 0; i < COMPARE_FP_COUNT; i++)
        if (strcmp(a->fp[i], b->fp[i]) != 0)
            d |= 1u << i;
    return d;
}

void compare_verdict_fp_list(char *buf, size_t len, unsigned bits)
{
    buf[0] = '\0';
    size_t used = 0;
    for (int i = 0; i < COMPARE_FP_COUNT; i++)
        if (bits & (1u << i))
            used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
                                     used ? ", " : "", compare_tol_fp_names[i]);
}

/* The values of one metric on both sides (caller frees *vb and *vn) and a new row holding their
 * medians, skipped until the caller decides. */
struct compare_verdict_pair {
    double *vb, *vn;
    size_t nb, nn;
};

static struct compare_verdict_row *
compare_verdict_row_start(struct compare_verdict_rows *rs, const struct compare_side_cell *cb,
                          const struct compare_side_cell *cn, const struct compare_tol *t,
                          size_t maxruns, struct compare_verdict_pair *v)
{
    struct compare_verdict_row *r =
        compare_verdict_row_add(rs, cb->backend, cb->workload, t->metric);
    r->tol = t;
    r->verdict = CV_SKIPPED;
    v->vb = malloc((maxruns + 1) * sizeof *v->vb);
    v->vn = malloc((maxruns + 1) * sizeof *v->vn);
    if (!v->vb || !v->vn) {
        fprintf(stderr, "faultline compare: out of memory\n");
        exit(2);
    }
    size_t nullb, nulln;
    v->nb = compare_side_values(cb, t->metric, v->vb, &nullb);
    v->nn = compare_side_values(cn, t->metric, v->vn, &nulln);
    r->have_base = v->nb > 0;
    r->have_new = v->nn > 0;
    if (v->nb)
        r->base = stats_median(v->vb, v->nb);
    if (v->nn)
        r->neu = stats_median(v->vn, v->nn);
    return r;
}

static void compare_verdict_count(struct compare_verdict_rows *rs,
                                  const struct compare_side_cell *cb,
                                  const struct compare_side_cell *cn, const struct compare_tol *t,
                                  unsigned fpdiff, size_t maxruns)
{
    struct compare_verdict_pair v;
    struct compare_verdict_row *r = compare_verdict_row_start(rs, cb, cn, t, maxruns, &v);
    free(v.vb);
    free(v.vn);
    if (t->needs & fpdiff) {
        char f[160];
        compare_verdict_fp_list(f, sizeof f, t->needs & fpdiff);
        snprintf(r->reason, sizeof r->reason, "environment differs (%s)", f);
        return;
    }
    if (!strcmp(t->metric, "callgrind_ir") && (!r->have_base || !r->have_new)) {
        const struct compare_side_cell *c = !r->have_base ? cb : cn;
        if (!cb->cg_have && !cn->cg_have)
            snprintf(r->reason, sizeof r->reason, "no callgrind pass on either side");
        else if (!c->cg_have)
            snprintf(r->reason, sizeof r->reason, "no callgrind pass in %s",
                     c == cb ? "BASE" : "NEW");
        else
            snprintf(r->reason, sizeof r->reason, "callgrind run in %s: %s",
                     c == cb ? "BASE" : "NEW", c->cg_outcome);
        if (r->have_base) /* BASE gates it, NEW cannot answer */
            r->verdict = CV_UNCOMPARED;
        return;
    }
    if (!r->have_base && !r->have_new) {
        snprintf(r->reason, sizeof r->reason, "null on both sides (not measured)");
        return;
    }
    if (!r->have_base) { /* the baseline never measured it here: nothing to gate */
        snprintf(r->reason, sizeof r->reason, "null in BASE only");
        return;
    }
    if (!r->have_new) {
        snprintf(r->reason, sizeof r->reason, "null in NEW, measured in BASE");
        r->verdict = CV_UNCOMPARED;
        return;
    }
    double allowed = fmax(t->pct / 100.0 * fabs(r->base), t->abs);
    double d = r->neu - r->base;
    /* a hair of slack for medians of integers that average two middle values */
    if (d > allowed + 1e-9)
        r->verdict = CV_REGRESSED;
    else if (d < -allowed - 1e-9)
        r->verdict = CV_IMPROVED;
    else
        r->verdict = CV_OK;
}

static void compare_verdict_time(struct compare_verdict_rows *rs, const struct compare_side *sb,
                                 const struct compare_side *sn, const struct compare_side_cell *cb,
                                 const struct compare_side_cell *cn, const struct compare_tol *t,
                                 unsigned fpdiff, size_t maxruns)
{
    struct compare_verdict_pair v;
    struct compare_verdict_row *r = compare_verdict_row_start(rs, cb, cn, t, maxruns, &v);
    double *vb = v.vb, *vn = v.vn;
    size_t nb = v.nb, nn = v.nn;
    if (fpdiff || strcmp(sb->host, sn->host) != 0) {
        snprintf(r->reason, sizeof r->reason, "times from different machines are never compared");
    } else if (nb < 9 || nn < 9) {
        snprintf(r->reason, sizeof r->reason, "fewer than 9 ok runs on a side (U test needs >= 9)");
    } else {
        r->p = stats_mann_whitney_p(vb, nb, vn, nn);
        double rel = r->base > 0 ? (r->neu - r->base) / r->base : 0;
        r->verdict = CV_OK;
        if (r->p < 0.01 && fabs(rel) > 0.05)
            r->verdict = rel > 0 ? CV_SLOWER : CV_FASTER;
    }
    free(vb);
    free(vn);
}

/* Every verdict row of BASE vs NEW into rs. */
void compare_verdict_all(const struct compare_opts *o, struct compare_side *sb,
                         struct compare_side *sn, const struct compare_tols *tols,
                         struct compare_verdict_rows *rs)
{
    unsigned fpdiff = compare_verdict_fp_diff(sb, sn);
    size_t maxruns = 1;
    for (size_t i = 0; i < sb->ncells; i++)
        maxruns = sb->cells[i].nruns > maxruns ? sb->cells[i].nruns : maxruns;
    for (size_t i = 0; i < sn->ncells; i++)
        maxruns = sn->cells[i].nruns > maxruns ? sn->cells[i].nruns : maxruns;

    for (size_t i = 0; i < sb->ncells; i++) {
        const struct compare_side_cell *cb = &sb->cells[i];
        const struct compare_side_cell *cn = compare_side_find_cell(sn, cb->key);
        if (!cn || cn->nruns == 0) {
            /* not run, or cut short (a killed sweep lists cells it never ran) */
            struct compare_verdict_row *r =
                compare_verdict_row_add(rs, cb->backend, cb->workload, "cell");
            r->verdict = CV_MISSING;
            snprintf(r->base_text, sizeof r->base_text, "%zu runs", cb->nruns);
            snprintf(r->new_text, sizeof r->new_text, "%s", cn ? "0 runs" : "absent");
            snprintf(r->reason, sizeof r->reason, "%s",
                     cn ? "no runs in NEW (interrupted?)"
                        : "not in NEW (spec changed or suite cut: rerun, or refresh the "
                          "baseline)");
            continue;
        }
        if (cb->ok == 0) {
            struct compare_verdict_row *r =
                compare_verdict_row_add(rs, cb->backend, cb->workload, "outcome");
            r->verdict = CV_SKIPPED;
            snprintf(r->reason, sizeof r->reason, "no ok run in BASE");
            snprintf(r->base_text, sizeof r->base_text, "%.60s", cb->bad_outcome);
            snprintf(r->new_text, sizeof r->new_text, "%.60s", cn->ok ? "ok" : cn->bad_outcome);
            continue;
        }
        if ((cn->nruns - cn->ok) * cb->nruns > (cb->nruns - cb->ok) * cn->nruns) {
            /* a crash, timeout or ENOMEM that the baseline did not have (a larger failed
             * fraction of the runs) is a regression */
            struct compare_verdict_row *r =
                compare_verdict_row_add(rs, cb->backend, cb->workload, "outcome");
            r->verdict = CV_REGRESSED;
            snprintf(r->base_text, sizeof r->base_text, "%zu/%zu ok", cb->ok, cb->nruns);
            snprintf(r->new_text, sizeof r->new_text, "%zu/%zu ok (%.40s)", cn->ok, cn->nruns,
                     cn->nruns ? cn->bad_outcome : "no runs");
            if (cn->ok == 0)
                continue;
        }
        for (size_t k = 0; k < tols->n; k++) {
            const struct compare_tol *t = &tols->v[k];
            if (!t->time)
                compare_verdict_count(rs, cb, cn, t, fpdiff, maxruns);
            else if (o->time_check)
                compare_verdict_time(rs, sb, sn, cb, cn, t, fpdiff, maxruns);
        }
    }
    for (size_t i = 0; i < sn->ncells; i++) {
        const struct compare_side_cell *cn = &sn->cells[i];
        if (compare_side_find_cell(sb, cn->key))
            continue;
        struct compare_verdict_row *r =
            compare_verdict_row_add(rs, cn->backend, cn->workload, "cell");
        r->verdict = CV_NEW;
        snprintf(r->base_text, sizeof r->base_text, "absent");
        snprintf(r->new_text, sizeof r->new_text, "%zu runs", cn->nruns);
        snprintf(r->reason, sizeof r->reason, "not in BASE (refresh the baseline to gate it)");
    }
}

void compare_verdict_cover(const struct compare_opts *o, const struct compare_side *sb,
                           const struct compare_verdict_rows *rs,
                           struct compare_verdict_coverage *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < rs->n; i++) {
        const struct compare_verdict_row *r = &rs->v[i];
        c->count[r->verdict]++;
        bool counted = r->tol && !r->tol->time && r->have_base;
        bool decided =
            r->verdict == CV_OK || r->verdict == CV_REGRESSED || r->verdict == CV_IMPROVED;
        if (counted && (decided || r->verdict == CV_UNCOMPARED)) {
            c->gated++;
            c->gated_compared += decided;
        }
    }
    c->base_cells = sb->ncells;
    c->cells_compared = sb->ncells - c->count[CV_MISSING];
    c->regressed = c->count[CV_REGRESSED] > 0;
    c->incomplete = !o->allow_missing && (c->count[CV_MISSING] || c->count[CV_UNCOMPARED]);
}
