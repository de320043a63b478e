/* The readings under the plots of `faultline report` (backends, latency, timeline, the
 * seed-sequence and size-sweep steps) and the dispatch from a manifest line to its reading. */
#define _GNU_SOURCE
#include "report_read.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "report_read_sweep.h"
#include "results.h"

double report_read_biggest_step(const struct report_read_pt *pts, size_t n, size_t *best)
{
    double bestd = -1;
    for (size_t i = 1; i < n; i++) {
        if (strcmp(pts[i].series, pts[i - 1].series))
            continue;
        double d = fabs(pts[i].y - pts[i - 1].y);
        if (d > bestd) {
            bestd = d;
            *best = i;
        }
    }
    return bestd;
}

int report_read_pt_cmp(const void *a, const void *b)
{
    const struct report_read_pt *p = a, *q = b;
    int c = strcmp(p->series, q->series);
    return c ? c : (p->x > q->x) - (p->x < q->x);
}

const char *report_read_metric_words(const char *m)
{
    static const struct {
        const char *metric, *words;
    } words[] = {
        {"minflt", "minor faults per run"},
        {"syscalls", "brk+mmap+munmap calls per run"},
        {"sys_brk", "brk calls per run"},
        {"ns_per_op", "time per operation"},
        {"rss_peak", "peak RSS"},
        {"rss_end", "RSS at the end"},
        {"rss_bytes", "RSS"},
        {"break_offset", "the program break (above its start)"},
        {"mapped_bytes", "mapped bytes"},
        {"faults", "minor faults per operation"},
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (!strcmp(m, words[i].metric))
            return words[i].words;
    return m;
}

static void report_read_backends(const struct report_doc *r, const char *metric, char *out,
                                 size_t len)
{
    const struct csv *c = &r->aggs;
    char col[RH_LABEL + 16];
    snprintf(col, sizeof col, "%s_median", metric);
    int cm = csv_col(c, col), cb = csv_col(c, "backend"), cbp = csv_col(c, "backend_params");
    int cw = csv_col(c, "workload"), cwp = csv_col(c, "workload_params");
    const char *unit = report_doc_unit(!strcmp(metric, "syscalls") ? "sys_brk" : metric);
    /* per workload: lowest and highest median */
    struct report_doc_val *lo = NULL, *hi = NULL;
    size_t nlo = 0, nhi = 0;
    for (size_t i = 0; i < c->nrows; i++) {
        double v;
        bool have = !strcmp(metric, "syscalls") ? report_doc_syscalls(c, i, "_median", &v)
                                                : csv_num(c, i, cm, &v);
        if (!have)
            continue;
        char wl[RH_LABEL], be[RH_LABEL];
        report_doc_label(wl, sizeof wl, csv_get(c, i, cw), csv_get(c, i, cwp));
        report_doc_label(be, sizeof be, csv_get(c, i, cb), csv_get(c, i, cbp));
        size_t k = 0;
        while (k < nlo && strcmp(lo[k].where, wl))
            k++;
        if (k == nlo) {
            report_doc_push(&lo, &nlo);
            report_doc_push(&hi, &nhi);
            snprintf(lo[k].where, sizeof lo[k].where, "%s", wl);
            snprintf(hi[k].where, sizeof hi[k].where, "%s", wl);
            lo[k].v = INFINITY;
            hi[k].v = -INFINITY;
        }
        if (v < lo[k].v) {
            lo[k].v = v;
            snprintf(lo[k].who, sizeof lo[k].who, "%s", be);
        }
        if (v > hi[k].v) {
            hi[k].v = v;
            snprintf(hi[k].who, sizeof hi[k].who, "%s", be);
        }
    }
    if (nlo == 0) {
        snprintf(out, len, "No %s medians.", metric);
        return;
    }
    size_t pick = 0;
    double pr = -1;
    for (size_t k = 0; k < nlo; k++) {
        /* max/min; counts get +1 on both sides so that 0 vs 8 (9x) is not wider than 6 vs 20502 */
        double one = !strcmp(unit, "count") ? 1 : 0;
        double ratio =
            lo[k].v + one > 0 ? (hi[k].v + one) / (lo[k].v + one) : (hi[k].v > 0 ? INFINITY : 1);
        if (ratio > pr) {
            pr = ratio;
            pick = k;
        }
    }
    char a[64], b[64], ratio[48] = "";
    report_doc_fmt(lo[pick].v, unit, a, sizeof a);
    report_doc_fmt(hi[pick].v, unit, b, sizeof b);
    if (lo[pick].v > 0 && hi[pick].v > lo[pick].v)
        snprintf(ratio, sizeof ratio, ", %.3gx as much", hi[pick].v / lo[pick].v);
    int w = snprintf(out, len,
                     "The widest spread is on %s: %s has the lowest median %s (%s) and %s the "
                     "highest (%s%s). ",
                     lo[pick].where, lo[pick].who, metric, a, hi[pick].who, b, ratio);
    /* which backend is lowest most often */
    size_t best = 0, bestn = 0;
    for (size_t k = 0; k < nlo; k++) {
        size_t cnt = 0;
        for (size_t j = 0; j < nlo; j++)
            cnt += !strcmp(lo[j].who, lo[k].who);
        if (cnt > bestn) {
            bestn = cnt;
            best = k;
        }
    }
    if (w > 0 && (size_t)w < len)
        snprintf(out + w, len - (size_t)w,
                 "Across the %zu workload%s, %s has the lowest %s in %zu.", nlo,
                 nlo == 1 ? "" : "s", lo[best].who, metric, bestn);
    free(lo);
    free(hi);
}

/* Percentile of a hist/<cell>-<op>.csv (value_ns,count,cumulative); q > 1 means the maximum. */
bool report_read_hist_q(const char *path, double q, double *out)
{
    struct csv h;
    if (csv_load(&h, path) != 0)
        return false;
    int cv = csv_col(&h, "value_ns"), cc = csv_col(&h, "count"), cu = csv_col(&h, "cumulative");
    double total = 0, x;
    for (size_t i = 0; i < h.nrows; i++)
        if (csv_num(&h, i, cu, &x) && x > total)
            total = x;
    bool ok = false;
    for (size_t i = 0; i < h.nrows && total > 0; i++) {
        double v, cnt, cum;
        if (!csv_num(&h, i, cv, &v) || !csv_num(&h, i, cc, &cnt) || !csv_num(&h, i, cu, &cum) ||
            cnt <= 0)
            continue;
        *out = v;
        ok = true;
        if (q <= 1 && cum >= q * total)
            break;
    }
    csv_free(&h);
    return ok;
}

/* Two readings per backend (median and tail, peak and end), gathered cell by cell and written
 * as two ranges: the latency and timeline readings differ only in what they read per cell. */
struct report_read_two {
    struct report_doc_val *a, *b;
    size_t na, nb;
};

static void report_read_two_add(struct report_read_two *t, const char *who, double a, double b)
{
    snprintf(report_doc_push(&t->a, &t->na)->who, RH_LABEL, "%s", who);
    t->a[t->na - 1].v = a;
    snprintf(report_doc_push(&t->b, &t->nb)->who, RH_LABEL, "%s", who);
    t->b[t->nb - 1].v = b;
}

/* The two ranges of t in unit, into ra and rb (len bytes each), and t freed; false (and nothing
 * written) when no cell gave a reading. */
static bool report_read_two_ranges(struct report_read_two *t, const char *unit, char *ra, char *rb,
                                   size_t len)
{
    if (!t->na)
        return false;
    report_doc_range(t->a, t->na, unit, ra, len);
    report_doc_range(t->b, t->nb, unit, rb, len);
    free(t->a);
    free(t->b);
    return true;
}

static void report_read_latency(const struct report_doc *r, const char *op, const char *wl,
                                char *out, size_t len)
{
    struct report_read_two two = {0};
    for (size_t i = 0; i < r->ncells; i++) {
        if (strcmp(r->cells[i].workload, wl))
            continue;
        char path[RH_PATH];
        snprintf(path, sizeof path, "%s/hist/%s-%s.csv", r->dir, r->cells[i].id, op);
        double a, b;
        if (!report_read_hist_q(path, 0.5, &a) || !report_read_hist_q(path, 0.999, &b))
            continue;
        report_read_two_add(&two, r->cells[i].backend, a, b);
    }
    char a[800], b[800];
    if (!report_read_two_ranges(&two, "ns", a, b, sizeof a)) {
        snprintf(out, len, "No %s histogram for %s.", op, wl);
        return;
    }
    snprintf(out, len, "Median %s latency on %s goes %s. The p99.9 tail goes %s.", op, wl, a, b);
}

static void report_read_timeline(const struct report_doc *r, const char *wl, const char *metric,
                                 char *out, size_t len)
{
    struct report_read_two two = {0};
    for (size_t i = 0; i < r->ncells; i++) {
        if (strcmp(r->cells[i].workload, wl))
            continue;
        struct csv t;
        bool loaded = false;
        for (int rep = 0; rep < 1000 && !loaded; rep++) {
            char path[RH_PATH];
            snprintf(path, sizeof path, "%s/timeline/%s-r%d.csv", r->dir, r->cells[i].id, rep);
            loaded = csv_load(&t, path) == 0;
            if (!loaded && errno != ENOENT)
                break;
        }
        if (!loaded)
            continue;
        int cm = csv_col(&t, metric);
        double mx = -INFINITY, last = NAN, v;
        for (size_t k = 0; k < t.nrows; k++)
            if (csv_num(&t, k, cm, &v)) {
                mx = v > mx ? v : mx;
                last = v;
            }
        csv_free(&t);
        if (!isfinite(mx))
            continue;
        report_read_two_add(&two, r->cells[i].backend, mx, last);
    }
    char a[800], b[800];
    if (!report_read_two_ranges(&two, "bytes", a, b, sizeof a)) {
        snprintf(out, len, "No %s samples for %s.", metric, wl);
        return;
    }
    snprintf(out, len, "On %s, the peak of %s goes %s. At the last sample it goes %s.", wl,
             report_read_metric_words(metric), a, b);
}

/* Rows of steps.csv for the first repetition of every cell of workload wl, in file order. */
static bool report_read_step_row(const struct report_doc *r, size_t i, const char *wl)
{
    const struct csv *c = &r->steps;
    int cw = csv_col(c, "workload"), cc = csv_col(c, "cell"), crep = csv_col(c, "rep");
    if (strcmp(csv_get(c, i, cw), wl))
        return false;
    /* the first rep seen for this cell */
    for (size_t k = 0; k < i; k++)
        if (!strcmp(csv_get(c, k, cc), csv_get(c, i, cc)))
            return !strcmp(csv_get(c, k, crep), csv_get(c, i, crep));
    return true;
}

static void report_read_seedseq(const struct report_doc *r, const char *metric, char *out,
                                size_t len)
{
    const struct csv *c = &r->steps;
    int cc = csv_col(c, "cell"), cm = csv_col(c, metric), cl = csv_col(c, "label");
    struct report_doc_val *fin = NULL;
    size_t nf = 0;
    struct report_doc_val top = {.v = -INFINITY};
    char last_label[RH_LABEL] = "";
    for (size_t i = 0; i < c->nrows; i++) {
        double v;
        if (!report_read_step_row(r, i, "seed-sequence") || !csv_num(c, i, cm, &v))
            continue;
        const struct report_doc_cell *cell = report_doc_cell(r, csv_get(c, i, cc));
        const char *be = cell ? cell->backend : csv_get(c, i, cc);
        size_t k = 0;
        while (k < nf && strcmp(fin[k].who, be))
            k++;
        if (k == nf)
            snprintf(report_doc_push(&fin, &nf)->who, RH_LABEL, "%s", be);
        fin[k].v = v;
        snprintf(last_label, sizeof last_label, "%s", csv_get(c, i, cl));
        if (v > top.v) {
            top.v = v;
            snprintf(top.who, sizeof top.who, "%s", be);
            snprintf(top.where, sizeof top.where, "%s", csv_get(c, i, cl));
        }
    }
    if (!nf) {
        snprintf(out, len, "No %s values in the seed-sequence steps.", metric);
        return;
    }
    char a[800], b[64];
    report_doc_range(fin, nf, "bytes", a, sizeof a);
    report_human(top.v, "bytes", b, sizeof b);
    snprintf(out, len,
             "After the last step (%s), %s goes %s. The largest value in the sequence is %s, "
             "reached by %s after %s.",
             last_label, report_read_metric_words(metric), a, b, top.who, top.where);
    free(fin);
}

static void report_read_sizesweep(const struct report_doc *r, const char *metric, char *out,
                                  size_t len)
{
    const struct csv *c = &r->steps;
    int cc = csv_col(c, "cell"), cl = csv_col(c, "label"), cops = csv_col(c, "ops");
    int cf = csv_col(c, "minflt"), cstep = csv_col(c, "step");
    struct report_read_pt *pts = calloc(c->nrows + 1, sizeof *pts);
    if (!pts)
        abort();
    size_t n = 0;
    double prev_y = 0, prev_ops = 0;
    bool prev_ok = false;
    for (size_t i = 0; i < c->nrows; i++) {
        if (!report_read_step_row(r, i, "size-sweep"))
            continue;
        double y, ops, step;
        bool have =
            !strcmp(metric, "faults") ? csv_num(c, i, cf, &y) : report_doc_syscalls(c, i, "", &y);
        if (csv_num(c, i, cstep, &step) && step == 0) {
            prev_y = prev_ops = 0;
            prev_ok = true;
        }
        const char *lab = csv_get(c, i, cl);
        if (have && prev_ok && csv_num(c, i, cops, &ops) && ops > prev_ops &&
            !strncmp(lab, "size=", 5)) {
            struct report_read_pt *p = &pts[n++];
            const struct report_doc_cell *cell = report_doc_cell(r, csv_get(c, i, cc));
            snprintf(p->series, sizeof p->series, "%s", cell ? cell->backend : csv_get(c, i, cc));
            p->x = strtod(lab + 5, NULL);
            p->y = (y - prev_y) / (ops - prev_ops);
        }
        prev_ok = have;
        if (have) {
            prev_y = y;
            csv_num(c, i, cops, &prev_ops);
        }
    }
    if (!n) {
        snprintf(out, len, "No size-sweep %s values.", metric);
        free(pts);
        return;
    }
    qsort(pts, n, sizeof *pts, report_read_pt_cmp);
    size_t last = 0;
    while (last + 1 < n && !strcmp(pts[last + 1].series, pts[0].series))
        last++;
    char x0[32], x1[32];
    report_human(pts[0].x, "bytes", x0, sizeof x0);
    report_human(pts[last].x, "bytes", x1, sizeof x1);
    const char *what = !strcmp(metric, "faults") ? "minor faults" : "syscalls";
    int w = snprintf(out, len, "%s makes %.3g %s per operation at %s and %.3g at %s. ",
                     pts[0].series, pts[0].y, what, x0, pts[last].y, x1);
    size_t best = 0;
    double bestd = report_read_biggest_step(pts, n, &best);
    if (w > 0 && (size_t)w < len) {
        if (bestd <= 0) {
            snprintf(out + w, len - (size_t)w, "It is the same at every size.");
        } else {
            char xa[32], xb[32];
            report_human(pts[best - 1].x, "bytes", xa, sizeof xa);
            report_human(pts[best].x, "bytes", xb, sizeof xb);
            snprintf(out + w, len - (size_t)w,
                     "The biggest jump is for %s from %s to %s: %.3g to %.3g %s per operation.",
                     pts[best].series, xa, xb, pts[best - 1].y, pts[best].y, what);
        }
    }
    free(pts);
}

/* args is "first;rest" from manifest.txt; only the rest may contain ';' (workload params). */
void report_read(const struct report_doc *r, const char *family, const char *args, char *out,
                 size_t len)
{
    char first[RH_LABEL], rest[RH_LABEL];
    const char *semi = strchr(args, ';');
    snprintf(first, sizeof first, "%.*s", semi ? (int)(semi - args) : (int)strlen(args), args);
    snprintf(rest, sizeof rest, "%s", semi ? semi + 1 : "");
    out[0] = '\0';
    if ((!strcmp(family, "threshold") || !strcmp(family, "trim")) && r->have_sweep) {
        report_read_sweep_all(r, family, first, out, len); /* args = metric */
    } else if (!strcmp(family, "tradeoff") && r->have_sweep) {
        report_read_sweep_tradeoff(r, first, rest, out, len); /* args = family;cost */
    } else if (!strcmp(family, "backends") && r->have_aggs) {
        report_read_backends(r, first, out, len);
    } else if (!strcmp(family, "latency")) {
        report_read_latency(r, first, rest, out, len);
    } else if (!strcmp(family, "timeline")) {
        /* args = workload;metric, and the workload label may hold ';' */
        const char *m = strrchr(args, ';');
        char wl[RH_LABEL];
        snprintf(wl, sizeof wl, "%.*s", m ? (int)(m - args) : 0, args);
        report_read_timeline(r, wl, m ? m + 1 : "", out, len);
    } else if (!strcmp(family, "steps") && r->have_steps) {
        report_read_seedseq(r, rest, out, len);
    } else if (!strcmp(family, "sizesweep") && r->have_steps) {
        report_read_sizesweep(r, rest, out, len);
    }
}
