/* The readings of the threshold, trim and trade-off plots of `faultline report`, computed from
 * sweep.csv as plot.sh groups it (sweep.awk, tradeoff.awk). */
#define _GNU_SOURCE
#include "report_read_sweep.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "report_read.h"
#include "results.h"

/* The rows of backend be that have metric, as points over the swept key, into pts (room for
 * every row). Returns how many. */
static size_t report_read_sweep_points(const struct csv *c, const char *be, const char *key,
                                       const char *metric, struct report_read_pt *pts)
{
    int kx = csv_col(c, key), cw = csv_col(c, "workload"), cr = csv_col(c, "runs");
    int cb = csv_col(c, "backend"), cops = csv_col(c, "ops");
    size_t n = 0;
    for (size_t i = 0; i < c->nrows; i++) {
        struct report_read_pt *p = &pts[n];
        const char *xt = csv_get(c, i, kx);
        if (strcmp(csv_get(c, i, cb), be) || !*xt)
            continue;
        /* a word (off, default) is a setting too: it sorts after every number */
        if (!csv_num(c, i, kx, &p->x)) {
            p->x = INFINITY;
            snprintf(p->xs, sizeof p->xs, "%s", xt);
        } else {
            report_human(p->x, "bytes", p->xs, sizeof p->xs);
        }
        bool have;
        if (!strcmp(metric, "syscalls")) {
            double b, m, u;
            have = (csv_num(c, i, csv_col(c, "sys_brk"), &b) &&
                    csv_num(c, i, csv_col(c, "sys_mmap"), &m) &&
                    csv_num(c, i, csv_col(c, "sys_munmap"), &u)) ||
                   (csv_num(c, i, csv_col(c, "os_brk"), &b) &&
                    csv_num(c, i, csv_col(c, "os_mmap"), &m) &&
                    csv_num(c, i, csv_col(c, "os_munmap"), &u));
            p->y = have ? b + m + u : 0;
        } else if (!strcmp(metric, "sys_brk")) {
            have = csv_num(c, i, csv_col(c, "sys_brk"), &p->y) ||
                   csv_num(c, i, csv_col(c, "os_brk"), &p->y);
        } else {
            have = csv_num(c, i, csv_col(c, metric), &p->y);
        }
        if (!have)
            continue;
        if (!csv_num(c, i, cops, &p->ops))
            p->ops = 0;
        /* the series: workload plus the other swept keys, as in plot.sh */
        snprintf(p->series, sizeof p->series, "%s", csv_get(c, i, cw));
        for (int k = cw + 1; k < cr; k++) {
            if (k == kx || !*csv_get(c, i, k))
                continue;
            size_t l = strlen(p->series);
            snprintf(p->series + l, sizeof p->series - l, ";%s=%s", c->header[k], csv_get(c, i, k));
        }
        n++;
    }
    return n;
}

static void report_read_sweep_one(const struct report_doc *r, const char *be, const char *key,
                                  const char *metric, char *out, size_t len)
{
    const struct csv *c = &r->sweep;
    struct report_read_pt *pts = calloc(c->nrows + 1, sizeof *pts);
    if (!pts)
        abort();
    size_t n = report_read_sweep_points(c, be, key, metric, pts);
    if (n == 0) {
        snprintf(out, len, "No %s values for %s.", metric, be);
        free(pts);
        return;
    }
    qsort(pts, n, sizeof *pts, report_read_pt_cmp);
    const char *unit = report_doc_unit(!strcmp(metric, "syscalls") ? "sys_brk" : metric);
    size_t last = 0;
    while (last + 1 < n && !strcmp(pts[last + 1].series, pts[0].series))
        last++;
    char y0[64], y1[64], per0[64] = "", per1[64] = "";
    const char *x0 = pts[0].xs, *x1 = pts[last].xs;
    report_doc_fmt(pts[0].y, unit, y0, sizeof y0);
    report_doc_fmt(pts[last].y, unit, y1, sizeof y1);
    if (!strcmp(unit, "count") && pts[0].ops > 0 && pts[last].ops > 0) {
        snprintf(per0, sizeof per0, " (%.3g per op)", pts[0].y / pts[0].ops);
        snprintf(per1, sizeof per1, " (%.3g per op)", pts[last].y / pts[last].ops);
    }
    int w =
        snprintf(out, len, "For %s, %s's %s is %s%s at %s %s and %s%s at %s %s. ", pts[0].series,
                 be, report_read_metric_words(metric), y0, per0, key, x0, y1, per1, key, x1);
    if (w < 0 || (size_t)w >= len) {
        free(pts);
        return;
    }
    /* the biggest change between neighbouring swept values, over every series */
    size_t best = 0;
    double bestd = report_read_biggest_step(pts, n, &best);
    if (bestd <= 0) {
        snprintf(out + w, len - (size_t)w, "It does not change across the swept %s values.", key);
    } else {
        char ya[64], yb[64];
        const char *xa = pts[best - 1].xs, *xb = pts[best].xs;
        report_doc_fmt(pts[best - 1].y, unit, ya, sizeof ya);
        report_doc_fmt(pts[best].y, unit, yb, sizeof yb);
        snprintf(out + w, len - (size_t)w,
                 "The biggest step is for %s between %s %s and %s, where it goes from %s to %s.",
                 pts[best].series, key, xa, xb, ya, yb);
    }
    free(pts);
}

/* num/den as "12.5x"; a zero den reads "all of it (to 0)" rather than inf */
static void report_read_sweep_ratio(double num, double den, char *out, size_t len)
{
    if (den > 0)
        snprintf(out, len, "%.3gx", num / den);
    else
        snprintf(out, len, "all of it (to 0)");
}

/* The keys of a plot family as plot.sh groups them (sweep.awk, tradeoff.awk). */
static const char *const report_read_sweep_family_keys[][4] = {
    {"threshold", "threshold", "mmap_threshold", NULL},
    {"trim", "trim", "trim_threshold", "top_pad"},
};

static const char *const *report_read_sweep_keys_of(const char *family)
{
    for (size_t f = 0; f < 2; f++)
        if (!strcmp(report_read_sweep_family_keys[f][0], family))
            return &report_read_sweep_family_keys[f][1];
    return NULL;
}

/* A sweep plot holds every backend and key of its family: one reading per backend and key. */
void report_read_sweep_all(const struct report_doc *r, const char *family, const char *metric,
                           char *out, size_t len)
{
    const char *const *keys = report_read_sweep_keys_of(family);
    const struct csv *c = &r->sweep;
    int cb = csv_col(c, "backend");
    size_t w = 0;
    out[0] = '\0';
    for (int k = 0; keys && k < 3 && keys[k]; k++) {
        int kx = csv_col(c, keys[k]);
        if (kx < 0)
            continue;
        for (size_t i = 0; i < c->nrows; i++) {
            const char *be = csv_get(c, i, cb);
            if (!*csv_get(c, i, kx))
                continue;
            bool seen = false; /* one reading per backend and key */
            for (size_t j = 0; j < i && !seen; j++)
                seen = *csv_get(c, j, kx) && !strcmp(csv_get(c, j, cb), be);
            if (seen || w + 2 >= len)
                continue;
            if (w)
                out[w++] = ' ';
            report_read_sweep_one(r, be, keys[k], metric, out + w, len - w);
            w += strlen(out + w);
        }
    }
}

/* "key=value" in the user's spelling (backend_params of aggregates.csv) for a sweep row. */
static void report_read_sweep_setting(const struct report_doc *r, size_t row, char *out, size_t len)
{
    const struct csv *c = &r->sweep;
    const char *cell = csv_get(c, row, csv_col(c, "cell"));
    size_t w = (size_t)snprintf(out, len, "%s:", csv_get(c, row, csv_col(c, "backend")));
    for (size_t i = 0; r->have_aggs && i < r->aggs.nrows && w < len; i++)
        if (!strcmp(csv_get(&r->aggs, i, csv_col(&r->aggs, "cell")), cell)) {
            snprintf(out + w, len - w, "%s",
                     csv_get(&r->aggs, i, csv_col(&r->aggs, "backend_params")));
            return;
        }
    for (int k = csv_col(c, "workload") + 1; k < csv_col(c, "runs") && w < len; k++)
        if (*csv_get(c, row, k))
            w += (size_t)snprintf(out + w, len - w, "%s%s=%s", out[w - 1] != ':' ? ";" : "",
                                  c->header[k], csv_get(c, row, k));
}

struct report_read_sweep_tp {
    char wl[RH_LABEL], setting[RH_LABEL];
    double x, y;
};

static int report_read_sweep_tp_cmp(const void *a, const void *b)
{
    const struct report_read_sweep_tp *p = a, *q = b;
    int c = strcmp(p->wl, q->wl);
    if (c)
        return c;
    if (p->x != q->x)
        return (p->x > q->x) - (p->x < q->x);
    return (p->y > q->y) - (p->y < q->y);
}

/* The trade-off plot's reading, per workload: the Pareto front (no other setting lower on both
 * the cost and the RSS at the end), and the two ends of it with their ratio. */
void report_read_sweep_tradeoff(const struct report_doc *r, const char *family, const char *cost,
                                char *out, size_t len)
{
    const struct csv *c = &r->sweep;
    const char *const *keys = report_read_sweep_keys_of(family);
    int cx = csv_col(c, "retained_rss") >= 0 ? csv_col(c, "retained_rss") : csv_col(c, "rss_end");
    struct report_read_sweep_tp *pts = calloc(c->nrows + 1, sizeof *pts);
    if (!pts)
        abort();
    size_t n = 0;
    for (size_t i = 0; i < c->nrows; i++) {
        bool in = false;
        for (int k = 0; keys && k < 3 && keys[k]; k++)
            in = in || *csv_get(c, i, csv_col(c, keys[k]));
        struct report_read_sweep_tp *p = &pts[n];
        if (!in || !csv_num(c, i, cx, &p->x))
            continue;
        bool have;
        if (!strcmp(cost, "syscalls")) {
            have = report_doc_syscalls(c, i, "", &p->y);
        } else if (!strcmp(cost, "p99")) {
            char path[RH_PATH];
            snprintf(path, sizeof path, "%s/hist/%s-malloc.csv", r->dir,
                     csv_get(c, i, csv_col(c, "cell")));
            have = report_read_hist_q(path, 0.99, &p->y);
        } else {
            have = csv_num(c, i, csv_col(c, cost), &p->y);
        }
        if (!have)
            continue;
        snprintf(p->wl, sizeof p->wl, "%s", csv_get(c, i, csv_col(c, "workload")));
        report_read_sweep_setting(r, i, p->setting, sizeof p->setting);
        n++;
    }
    out[0] = '\0';
    qsort(pts, n, sizeof *pts, report_read_sweep_tp_cmp);
    const char *unit = !strcmp(cost, "p99") ? "ns" : "count";
    const char *what = !strcmp(cost, "syscalls") ? "syscalls"
                       : !strcmp(cost, "p99")    ? "malloc p99"
                                                 : "minor faults";
    size_t w = 0;
    for (size_t a = 0; a < n;) {
        size_t b = a;
        while (b < n && !strcmp(pts[b].wl, pts[a].wl))
            b++;
        /* sorted by RSS: a point is on the front when its cost is below every point before it */
        size_t front[64], nf = 0;
        for (size_t i = a; i < b && nf < 64; i++)
            if (!nf || pts[i].y < pts[front[nf - 1]].y)
                front[nf++] = i;
        w += (size_t)snprintf(out + w, w < len ? len - w : 0,
                              "%sFor %s, %zu of %zu settings are on the Pareto front of %s vs "
                              "RSS at the end:",
                              w ? " " : "", pts[a].wl, nf, b - a, what);
        for (size_t f = 0; f < nf && w < len; f++) {
            char ys[64], xs[64];
            report_doc_fmt(pts[front[f]].y, unit, ys, sizeof ys);
            report_human(pts[front[f]].x, "bytes", xs, sizeof xs);
            w += (size_t)snprintf(out + w, len - w, "%s %s (%s, %s)", f ? "," : "",
                                  pts[front[f]].setting, ys, xs);
        }
        const struct report_read_sweep_tp *lo = &pts[a], *cheap = &pts[front[nf - 1]];
        if (w < len && nf > 1) {
            char ratio[64], rss[64];
            report_read_sweep_ratio(lo->y, cheap->y, ratio, sizeof ratio);
            report_read_sweep_ratio(cheap->x, lo->x, rss, sizeof rss);
            w += (size_t)snprintf(out + w, len - w,
                                  ". Going from %s to %s cuts %s by %s and costs %s the RSS.",
                                  lo->setting, cheap->setting, what, ratio, rss);
        } else if (w < len) {
            w += (size_t)snprintf(out + w, len - w, ": it is best on both axes.");
        }
        a = b;
    }
    if (n == 0)
        snprintf(out, len, "No setting has both %s and RSS at the end measured.", what);
    free(pts);
}
