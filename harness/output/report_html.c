/* `faultline report DIR`: runs plots/plot.sh on a results directory, then writes index.html
 * (inline CSS, no scripts, no network) and report.md: context, a summary table with the best
 * value per column marked, every plot with a reading computed from the CSVs, claims, warnings. */
#define _GNU_SOURCE
#include "report_html.h"

#include "cli_opt.h"
#include "json_read.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomic_file.h"
#include "callsites_out.h"
#include "config.h"
#include "csv.h"
#include "infile.h"
#include "report_esc.h"
#include "report_front.h"
#include "report_tails.h"
#include "results.h"
#include "sample.h"
#include "strbuf.h"

#define RH_PATH  4864
#define RH_LABEL 320
#define RH_CTX   48
#define RH_WARN  64

struct report_html_cell {
    char id[16];
    char backend[RH_LABEL];  /* backend[:params], as plot.sh labels it */
    char workload[RH_LABEL]; /* workload[:params] */
};

struct report_html_val {
    char who[RH_LABEL];
    char where[RH_LABEL];
    double v;
};

struct report_html {
    char dir[4096];
    struct csv samples, aggs, sweep, steps, seed, tune;
    bool have_samples, have_aggs, have_sweep, have_steps, have_seed, have_tune;
    struct report_html_cell *cells;
    size_t ncells;
    char ctx_key[RH_CTX][48];
    char ctx_val[RH_CTX][256];
    int nctx;
    char warnings[RH_WARN][512];
    int nwarnings;
    char command[1024];
    struct strbuf html, md;
    char load_err[512]; /* the first input file that exists but cannot be read */
};

/* ---- small helpers ------------------------------------------------------------------------ */

static void report_html_para(struct report_html *r, const char *text, const char *cls)
{
    strbuf_printf(&r->html, "<p%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    report_esc_html(&r->html, text);
    strbuf_puts(&r->html, "</p>\n");
    report_esc_md(&r->md, text);
    strbuf_puts(&r->md, "\n\n");
}

static void report_html_heading(struct report_html *r, int level, const char *text)
{
    strbuf_printf(&r->html, "<h%d>", level);
    report_esc_html(&r->html, text);
    strbuf_printf(&r->html, "</h%d>\n", level);
    strbuf_printf(&r->md, "%.*s ", level, "######");
    report_esc_md(&r->md, text);
    strbuf_puts(&r->md, "\n\n");
}

static const char *report_html_unit(const char *metric)
{
    for (int m = 0; m < METRIC_COUNT; m++)
        if (!strcmp(sample_metrics[m].name, metric))
            return sample_metrics[m].unit;
    if (!strcmp(metric, "rss_bytes") || !strcmp(metric, "break_offset") ||
        !strcmp(metric, "mapped_bytes"))
        return "bytes";
    return "count";
}

static void report_html_fmt(double v, const char *unit, char *buf, size_t len)
{
    if (!strcmp(unit, "count") && v != floor(v))
        snprintf(buf, len, fabs(v) < 1e6 ? "%.4g" : "%.3g", v);
    else
        report_human(v, unit, buf, len);
}

static void report_html_label(char *out, size_t len, const char *name, const char *params)
{
    if (params[0])
        snprintf(out, len, "%s:%s", name, params);
    else
        snprintf(out, len, "%s", name);
}

static void report_html_warn(struct report_html *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void report_html_warn(struct report_html *r, const char *fmt, ...)
{
    if (r->nwarnings >= RH_WARN)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->warnings[r->nwarnings++], sizeof r->warnings[0], fmt, ap);
    va_end(ap);
}

/* "from A (who) to B (who)" over the smallest and largest value of a set. */
static void report_html_range(const struct report_html_val *v, size_t n, const char *unit,
                              char *out, size_t len)
{
    size_t lo = 0, hi = 0;
    for (size_t i = 1; i < n; i++) {
        if (v[i].v < v[lo].v)
            lo = i;
        if (v[i].v > v[hi].v)
            hi = i;
    }
    char a[64], b[64];
    report_html_fmt(v[lo].v, unit, a, sizeof a);
    report_html_fmt(v[hi].v, unit, b, sizeof b);
    if (n == 1 || lo == hi || v[lo].v == v[hi].v)
        snprintf(out, len, "%s for every series (%s)", a, v[lo].who);
    else
        snprintf(out, len, "from %s (%s) to %s (%s)", a, v[lo].who, b, v[hi].who);
}

static struct report_html_val *report_html_push(struct report_html_val **arr, size_t *n)
{
    struct report_html_val *nv = realloc(*arr, (*n + 1) * sizeof **arr);
    if (!nv)
        abort();
    *arr = nv;
    memset(&nv[*n], 0, sizeof nv[*n]);
    return &nv[(*n)++];
}

/* Sum of the medians/values of sys_<k> (tracepoints) or, failing that, os_<k> (OS layer). */
static bool report_html_syscalls(const struct csv *c, size_t row, const char *suffix, double *out)
{
    static const char *const kinds[] = {"brk", "mmap", "munmap", "mremap", "madvise"};
    static const char *const pre[] = {"sys", "os"};
    for (int p = 0; p < 2; p++) {
        double t = 0, x;
        bool ok = true;
        for (int k = 0; k < 5 && ok; k++) {
            char col[64];
            snprintf(col, sizeof col, "%s_%s%s", pre[p], kinds[k], suffix);
            if (csv_num(c, row, csv_col(c, col), &x))
                t += x;
            else
                ok = false;
        }
        if (ok) {
            *out = t;
            return true;
        }
    }
    return false;
}

/* ---- run.json: the flat context object and the warnings array ---------------------------- */

static void report_html_read_json(struct report_html *r)
{
    char path[RH_PATH];
    snprintf(path, sizeof path, "%s/run.json", r->dir);
    char err[512];
    size_t n = 0;
    char *js = infile_read(path, INFILE_MAX_BYTES, &n, err, sizeof err);
    if (!js && errno == ENOENT) {
        report_html_warn(r, "run.json is missing: no context block and no run warnings");
        return;
    }
    if (!js) { /* a FIFO, a device or an oversized file: read nothing from it */
        report_html_warn(r, "%s", err);
        return;
    }
    if (n == 0) {
        free(js);
        report_html_warn(r, "run.json is empty");
        return;
    }
    /* through the one JSON reader (util/json_read, libjansson) */
    json_t *doc = json_read_buf(js, n, err, sizeof err);
    free(js);
    if (!doc) {
        report_html_warn(r, "run.json: %s", err);
        return;
    }
    const char *key;
    json_t *v;
    json_object_foreach(json_object_get(doc, "context"), key, v)
    {
        if (r->nctx >= RH_CTX)
            break;
        snprintf(r->ctx_key[r->nctx], sizeof r->ctx_key[0], "%s", key);
        json_read_text(v, r->ctx_val[r->nctx], sizeof r->ctx_val[0]);
        r->nctx++;
    }
    const char *cmd = json_read_str(doc, "command");
    snprintf(r->command, sizeof r->command, "%s", cmd ? cmd : "");
    size_t i;
    json_array_foreach(json_read_get(doc, "warnings"), i, v)
    {
        if (r->nwarnings >= RH_WARN)
            break;
        if (json_is_string(v))
            snprintf(r->warnings[r->nwarnings++], sizeof r->warnings[0], "%s",
                     json_string_value(v));
    }
    json_decref(doc);
}

static const char *report_html_ctx(const struct report_html *r, const char *key)
{
    for (int i = 0; i < r->nctx; i++)
        if (!strcmp(r->ctx_key[i], key))
            return r->ctx_val[i];
    return NULL;
}

/* ---- loading ------------------------------------------------------------------------------ */

/* A missing file is normal (not every command writes every file); any other failure (FIFO,
 * device, oversized, malformed) is kept in r->load_err and stops the report. */
static bool report_html_load(struct report_html *r, struct csv *c, const char *name)
{
    char path[RH_PATH];
    snprintf(path, sizeof path, "%s/%s", r->dir, name);
    if (csv_load(c, path) == 0)
        return true;
    if (errno != ENOENT && !r->load_err[0])
        snprintf(r->load_err, sizeof r->load_err, "%s", c->err);
    return false;
}

static const struct report_html_cell *report_html_cell(const struct report_html *r, const char *id)
{
    for (size_t i = 0; i < r->ncells; i++)
        if (!strcmp(r->cells[i].id, id))
            return &r->cells[i];
    return NULL;
}

static void report_html_index_cells(struct report_html *r)
{
    const struct csv *s = &r->samples;
    int cc = csv_col(s, "cell"), cb = csv_col(s, "backend"), cbp = csv_col(s, "backend_params");
    int cw = csv_col(s, "workload"), cwp = csv_col(s, "workload_params");
    r->cells = calloc(s->nrows + 1, sizeof *r->cells);
    if (!r->cells)
        abort();
    for (size_t i = 0; i < s->nrows; i++) {
        const char *id = csv_get(s, i, cc);
        if (!*id || report_html_cell(r, id))
            continue;
        struct report_html_cell *c = &r->cells[r->ncells++];
        snprintf(c->id, sizeof c->id, "%s", id);
        report_html_label(c->backend, sizeof c->backend, csv_get(s, i, cb), csv_get(s, i, cbp));
        report_html_label(c->workload, sizeof c->workload, csv_get(s, i, cw), csv_get(s, i, cwp));
    }
}

/* ---- readings: two sentences per plot, computed from the same CSVs plot.sh read ------------ */

struct report_html_pt {
    char series[RH_LABEL];
    char xs[64]; /* the swept value as text: 64 KiB, or a word such as off */
    double x, y, ops;
};

static int report_html_pt_cmp(const void *a, const void *b)
{
    const struct report_html_pt *p = a, *q = b;
    int c = strcmp(p->series, q->series);
    return c ? c : (p->x > q->x) - (p->x < q->x);
}

static const char *report_html_metric_words(const char *m)
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

static void report_html_read_sweep(const struct report_html *r, const char *be, const char *key,
                                   const char *metric, char *out, size_t len)
{
    const struct csv *c = &r->sweep;
    int kx = csv_col(c, key), cw = csv_col(c, "workload"), cr = csv_col(c, "runs");
    int cb = csv_col(c, "backend"), cops = csv_col(c, "ops");
    struct report_html_pt *pts = calloc(c->nrows + 1, sizeof *pts);
    if (!pts)
        abort();
    size_t n = 0;
    for (size_t i = 0; i < c->nrows; i++) {
        struct report_html_pt *p = &pts[n];
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
    if (n == 0) {
        snprintf(out, len, "No %s values for %s.", metric, be);
        free(pts);
        return;
    }
    qsort(pts, n, sizeof *pts, report_html_pt_cmp);
    const char *unit = report_html_unit(!strcmp(metric, "syscalls") ? "sys_brk" : metric);
    size_t last = 0;
    while (last + 1 < n && !strcmp(pts[last + 1].series, pts[0].series))
        last++;
    char y0[64], y1[64], per0[64] = "", per1[64] = "";
    const char *x0 = pts[0].xs, *x1 = pts[last].xs;
    report_html_fmt(pts[0].y, unit, y0, sizeof y0);
    report_html_fmt(pts[last].y, unit, y1, sizeof y1);
    if (!strcmp(unit, "count") && pts[0].ops > 0 && pts[last].ops > 0) {
        snprintf(per0, sizeof per0, " (%.3g per op)", pts[0].y / pts[0].ops);
        snprintf(per1, sizeof per1, " (%.3g per op)", pts[last].y / pts[last].ops);
    }
    int w =
        snprintf(out, len, "For %s, %s's %s is %s%s at %s %s and %s%s at %s %s. ", pts[0].series,
                 be, report_html_metric_words(metric), y0, per0, key, x0, y1, per1, key, x1);
    if (w < 0 || (size_t)w >= len) {
        free(pts);
        return;
    }
    /* the biggest change between neighbouring swept values, over every series */
    size_t best = 0;
    double bestd = -1;
    for (size_t i = 1; i < n; i++) {
        if (strcmp(pts[i].series, pts[i - 1].series))
            continue;
        double d = fabs(pts[i].y - pts[i - 1].y);
        if (d > bestd) {
            bestd = d;
            best = i;
        }
    }
    if (bestd <= 0) {
        snprintf(out + w, len - (size_t)w, "It does not change across the swept %s values.", key);
    } else {
        char ya[64], yb[64];
        const char *xa = pts[best - 1].xs, *xb = pts[best].xs;
        report_html_fmt(pts[best - 1].y, unit, ya, sizeof ya);
        report_html_fmt(pts[best].y, unit, yb, sizeof yb);
        snprintf(out + w, len - (size_t)w,
                 "The biggest step is for %s between %s %s and %s, where it goes from %s to %s.",
                 pts[best].series, key, xa, xb, ya, yb);
    }
    free(pts);
}

static bool report_html_hist_q(const char *path, double q, double *out);

/* num/den as "12.5x"; a zero den reads "all of it (to 0)" rather than inf */
static void report_html_ratio(double num, double den, char *out, size_t len)
{
    if (den > 0)
        snprintf(out, len, "%.3gx", num / den);
    else
        snprintf(out, len, "all of it (to 0)");
}

/* The keys of a plot family as plot.sh groups them (sweep.awk, tradeoff.awk). */
static const char *const report_html_family_keys[][4] = {
    {"threshold", "threshold", "mmap_threshold", NULL},
    {"trim", "trim", "trim_threshold", "top_pad"},
};

static const char *const *report_html_keys_of(const char *family)
{
    for (size_t f = 0; f < 2; f++)
        if (!strcmp(report_html_family_keys[f][0], family))
            return &report_html_family_keys[f][1];
    return NULL;
}

/* A sweep plot holds every backend and key of its family: one reading per backend and key. */
static void report_html_read_sweeps(const struct report_html *r, const char *family,
                                    const char *metric, char *out, size_t len)
{
    const char *const *keys = report_html_keys_of(family);
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
            report_html_read_sweep(r, be, keys[k], metric, out + w, len - w);
            w += strlen(out + w);
        }
    }
}

/* "key=value" in the user's spelling (backend_params of aggregates.csv) for a sweep row. */
static void report_html_setting(const struct report_html *r, size_t row, char *out, size_t len)
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

struct report_html_tp {
    char wl[RH_LABEL], setting[RH_LABEL];
    double x, y;
};

static int report_html_tp_cmp(const void *a, const void *b)
{
    const struct report_html_tp *p = a, *q = b;
    int c = strcmp(p->wl, q->wl);
    if (c)
        return c;
    if (p->x != q->x)
        return (p->x > q->x) - (p->x < q->x);
    return (p->y > q->y) - (p->y < q->y);
}

/* The trade-off plot's reading, per workload: the Pareto front (no other setting lower on both
 * the cost and the RSS at the end), and the two ends of it with their ratio. */
static void report_html_read_tradeoff(const struct report_html *r, const char *family,
                                      const char *cost, char *out, size_t len)
{
    const struct csv *c = &r->sweep;
    const char *const *keys = report_html_keys_of(family);
    int cx = csv_col(c, "retained_rss") >= 0 ? csv_col(c, "retained_rss") : csv_col(c, "rss_end");
    struct report_html_tp *pts = calloc(c->nrows + 1, sizeof *pts);
    if (!pts)
        abort();
    size_t n = 0;
    for (size_t i = 0; i < c->nrows; i++) {
        bool in = false;
        for (int k = 0; keys && k < 3 && keys[k]; k++)
            in = in || *csv_get(c, i, csv_col(c, keys[k]));
        struct report_html_tp *p = &pts[n];
        if (!in || !csv_num(c, i, cx, &p->x))
            continue;
        bool have;
        if (!strcmp(cost, "syscalls")) {
            have = report_html_syscalls(c, i, "", &p->y);
        } else if (!strcmp(cost, "p99")) {
            char path[RH_PATH];
            snprintf(path, sizeof path, "%s/hist/%s-malloc.csv", r->dir,
                     csv_get(c, i, csv_col(c, "cell")));
            have = report_html_hist_q(path, 0.99, &p->y);
        } else {
            have = csv_num(c, i, csv_col(c, cost), &p->y);
        }
        if (!have)
            continue;
        snprintf(p->wl, sizeof p->wl, "%s", csv_get(c, i, csv_col(c, "workload")));
        report_html_setting(r, i, p->setting, sizeof p->setting);
        n++;
    }
    out[0] = '\0';
    qsort(pts, n, sizeof *pts, report_html_tp_cmp);
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
            report_html_fmt(pts[front[f]].y, unit, ys, sizeof ys);
            report_human(pts[front[f]].x, "bytes", xs, sizeof xs);
            w += (size_t)snprintf(out + w, len - w, "%s %s (%s, %s)", f ? "," : "",
                                  pts[front[f]].setting, ys, xs);
        }
        const struct report_html_tp *lo = &pts[a], *cheap = &pts[front[nf - 1]];
        if (w < len && nf > 1) {
            char ratio[64], rss[64];
            report_html_ratio(lo->y, cheap->y, ratio, sizeof ratio);
            report_html_ratio(cheap->x, lo->x, rss, sizeof rss);
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

static void report_html_read_backends(const struct report_html *r, const char *metric, char *out,
                                      size_t len)
{
    const struct csv *c = &r->aggs;
    char col[RH_LABEL + 16];
    snprintf(col, sizeof col, "%s_median", metric);
    int cm = csv_col(c, col), cb = csv_col(c, "backend"), cbp = csv_col(c, "backend_params");
    int cw = csv_col(c, "workload"), cwp = csv_col(c, "workload_params");
    const char *unit = report_html_unit(!strcmp(metric, "syscalls") ? "sys_brk" : metric);
    /* per workload: lowest and highest median */
    struct report_html_val *lo = NULL, *hi = NULL;
    size_t nlo = 0, nhi = 0;
    for (size_t i = 0; i < c->nrows; i++) {
        double v;
        bool have = !strcmp(metric, "syscalls") ? report_html_syscalls(c, i, "_median", &v)
                                                : csv_num(c, i, cm, &v);
        if (!have)
            continue;
        char wl[RH_LABEL], be[RH_LABEL];
        report_html_label(wl, sizeof wl, csv_get(c, i, cw), csv_get(c, i, cwp));
        report_html_label(be, sizeof be, csv_get(c, i, cb), csv_get(c, i, cbp));
        size_t k = 0;
        while (k < nlo && strcmp(lo[k].where, wl))
            k++;
        if (k == nlo) {
            report_html_push(&lo, &nlo);
            report_html_push(&hi, &nhi);
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
    report_html_fmt(lo[pick].v, unit, a, sizeof a);
    report_html_fmt(hi[pick].v, unit, b, sizeof b);
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
static bool report_html_hist_q(const char *path, double q, double *out)
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

static void report_html_read_latency(const struct report_html *r, const char *op, const char *wl,
                                     char *out, size_t len)
{
    struct report_html_val *p50 = NULL, *tail = NULL;
    size_t n50 = 0, ntail = 0;
    for (size_t i = 0; i < r->ncells; i++) {
        if (strcmp(r->cells[i].workload, wl))
            continue;
        char path[RH_PATH];
        snprintf(path, sizeof path, "%s/hist/%s-%s.csv", r->dir, r->cells[i].id, op);
        double a, b;
        if (!report_html_hist_q(path, 0.5, &a) || !report_html_hist_q(path, 0.999, &b))
            continue;
        snprintf(report_html_push(&p50, &n50)->who, RH_LABEL, "%s", r->cells[i].backend);
        p50[n50 - 1].v = a;
        snprintf(report_html_push(&tail, &ntail)->who, RH_LABEL, "%s", r->cells[i].backend);
        tail[ntail - 1].v = b;
    }
    if (!n50) {
        snprintf(out, len, "No %s histogram for %s.", op, wl);
        return;
    }
    char a[800], b[800];
    report_html_range(p50, n50, "ns", a, sizeof a);
    report_html_range(tail, ntail, "ns", b, sizeof b);
    snprintf(out, len, "Median %s latency on %s goes %s. The p99.9 tail goes %s.", op, wl, a, b);
    free(p50);
    free(tail);
}

static void report_html_read_timeline(const struct report_html *r, const char *wl,
                                      const char *metric, char *out, size_t len)
{
    struct report_html_val *peak = NULL, *end = NULL;
    size_t np = 0, ne = 0;
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
        snprintf(report_html_push(&peak, &np)->who, RH_LABEL, "%s", r->cells[i].backend);
        peak[np - 1].v = mx;
        snprintf(report_html_push(&end, &ne)->who, RH_LABEL, "%s", r->cells[i].backend);
        end[ne - 1].v = last;
    }
    if (!np) {
        snprintf(out, len, "No %s samples for %s.", metric, wl);
        return;
    }
    char a[800], b[800];
    report_html_range(peak, np, "bytes", a, sizeof a);
    report_html_range(end, ne, "bytes", b, sizeof b);
    snprintf(out, len, "On %s, the peak of %s goes %s. At the last sample it goes %s.", wl,
             report_html_metric_words(metric), a, b);
    free(peak);
    free(end);
}

/* Rows of steps.csv for the first repetition of every cell of workload wl, in file order. */
static bool report_html_step_row(const struct report_html *r, size_t i, const char *wl)
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

static void report_html_read_seedseq(const struct report_html *r, const char *metric, char *out,
                                     size_t len)
{
    const struct csv *c = &r->steps;
    int cc = csv_col(c, "cell"), cm = csv_col(c, metric), cl = csv_col(c, "label");
    struct report_html_val *fin = NULL;
    size_t nf = 0;
    struct report_html_val top = {.v = -INFINITY};
    char last_label[RH_LABEL] = "";
    for (size_t i = 0; i < c->nrows; i++) {
        double v;
        if (!report_html_step_row(r, i, "seed-sequence") || !csv_num(c, i, cm, &v))
            continue;
        const struct report_html_cell *cell = report_html_cell(r, csv_get(c, i, cc));
        const char *be = cell ? cell->backend : csv_get(c, i, cc);
        size_t k = 0;
        while (k < nf && strcmp(fin[k].who, be))
            k++;
        if (k == nf)
            snprintf(report_html_push(&fin, &nf)->who, RH_LABEL, "%s", be);
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
    report_html_range(fin, nf, "bytes", a, sizeof a);
    report_human(top.v, "bytes", b, sizeof b);
    snprintf(out, len,
             "After the last step (%s), %s goes %s. The largest value in the sequence is %s, "
             "reached by %s after %s.",
             last_label, report_html_metric_words(metric), a, b, top.who, top.where);
    free(fin);
}

static void report_html_read_sizesweep(const struct report_html *r, const char *metric, char *out,
                                       size_t len)
{
    const struct csv *c = &r->steps;
    int cc = csv_col(c, "cell"), cl = csv_col(c, "label"), cops = csv_col(c, "ops");
    int cf = csv_col(c, "minflt"), cstep = csv_col(c, "step");
    struct report_html_pt *pts = calloc(c->nrows + 1, sizeof *pts);
    if (!pts)
        abort();
    size_t n = 0;
    double prev_y = 0, prev_ops = 0;
    bool prev_ok = false;
    for (size_t i = 0; i < c->nrows; i++) {
        if (!report_html_step_row(r, i, "size-sweep"))
            continue;
        double y, ops, step;
        bool have =
            !strcmp(metric, "faults") ? csv_num(c, i, cf, &y) : report_html_syscalls(c, i, "", &y);
        if (csv_num(c, i, cstep, &step) && step == 0) {
            prev_y = prev_ops = 0;
            prev_ok = true;
        }
        const char *lab = csv_get(c, i, cl);
        if (have && prev_ok && csv_num(c, i, cops, &ops) && ops > prev_ops &&
            !strncmp(lab, "size=", 5)) {
            struct report_html_pt *p = &pts[n++];
            const struct report_html_cell *cell = report_html_cell(r, csv_get(c, i, cc));
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
    qsort(pts, n, sizeof *pts, report_html_pt_cmp);
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
    double bestd = -1;
    for (size_t i = 1; i < n; i++) {
        if (strcmp(pts[i].series, pts[i - 1].series))
            continue;
        double d = fabs(pts[i].y - pts[i - 1].y);
        if (d > bestd) {
            bestd = d;
            best = i;
        }
    }
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
static void report_html_reading(const struct report_html *r, const char *family, const char *args,
                                char *out, size_t len)
{
    char first[RH_LABEL], rest[RH_LABEL];
    const char *semi = strchr(args, ';');
    snprintf(first, sizeof first, "%.*s", semi ? (int)(semi - args) : (int)strlen(args), args);
    snprintf(rest, sizeof rest, "%s", semi ? semi + 1 : "");
    out[0] = '\0';
    if ((!strcmp(family, "threshold") || !strcmp(family, "trim")) && r->have_sweep) {
        report_html_read_sweeps(r, family, first, out, len); /* args = metric */
    } else if (!strcmp(family, "tradeoff") && r->have_sweep) {
        report_html_read_tradeoff(r, first, rest, out, len); /* args = family;cost */
    } else if (!strcmp(family, "backends") && r->have_aggs) {
        report_html_read_backends(r, first, out, len);
    } else if (!strcmp(family, "latency")) {
        report_html_read_latency(r, first, rest, out, len);
    } else if (!strcmp(family, "timeline")) {
        /* args = workload;metric, and the workload label may hold ';' */
        const char *m = strrchr(args, ';');
        char wl[RH_LABEL];
        snprintf(wl, sizeof wl, "%.*s", m ? (int)(m - args) : 0, args);
        report_html_read_timeline(r, wl, m ? m + 1 : "", out, len);
    } else if (!strcmp(family, "steps") && r->have_steps) {
        report_html_read_seedseq(r, rest, out, len);
    } else if (!strcmp(family, "sizesweep") && r->have_steps) {
        report_html_read_sizesweep(r, rest, out, len);
    }
}

/* ---- sections ----------------------------------------------------------------------------- */

static const char report_html_css[] =
    "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;"
    "color:#222}\n"
    "table{border-collapse:collapse;margin:1em 0;font-size:0.9em;display:block;overflow-x:auto}\n"
    "th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}\n"
    "th{background:#f0f0f0}td.l,th.l{text-align:left}\n"
    "td.best{background:#d8f5d0;font-weight:bold}\n"
    "td.na{color:#999}\n"
    "figure{margin:1.5em 0}figure img{max-width:100%;border:1px solid #ddd}\n"
    "figcaption{margin-top:0.4em}\n"
    ".skip{color:#8a5a00}.warn{color:#a00}\n"
    ".holds{color:#070;font-weight:bold}.differs{color:#a00;font-weight:bold}\n"
    "code{background:#f4f4f4;padding:0 3px}\n"
    "tr.rec td{background:#d8f5d0;font-weight:bold}tr.ref td{font-style:italic}\n";

static void report_html_context(struct report_html *r)
{
    static const char *const keys[][2] = {
        {"host", "machine"},
        {"cpu_model", "CPU"},
        {"cpus", "CPUs"},
        {"kernel", "kernel"},
        {"glibc", "glibc"},
        {"thp", "transparent huge pages"},
        {"perf_event_paranoid", "perf_event_paranoid"},
        {"pmu_usable", "hardware PMU usable"},
        {"tracefs", "tracefs"},
        {"git_sha", "git sha"},
        {"build_type", "build"},
        {"compiler", "compiler"},
        {"date_utc", "date (UTC)"},
    };
    report_html_heading(r, 2, "Context");
    strbuf_puts(&r->html, "<table>\n");
    strbuf_puts(&r->md, "| | |\n|---|---|\n");
    char counters[512];
    /* which counter families produced values in at least one run */
    static const char *const fam[][2] = {
        {"minflt", "getrusage faults"},     {"perf_minflt", "perf software faults"},
        {"sys_brk", "syscall tracepoints"}, {"os_brk", "OS-layer counts"},
        {"cycles", "hardware counters"},    {"rss_peak", "procfs RSS"}};
    size_t w = 0;
    counters[0] = '\0';
    for (size_t f = 0; f < sizeof fam / sizeof fam[0]; f++) {
        int col = csv_col(&r->samples, fam[f][0]);
        bool have = false;
        for (size_t i = 0; i < r->samples.nrows && !have; i++)
            have = *csv_get(&r->samples, i, col);
        int k = snprintf(counters + w, sizeof counters - w, "%s%s %s", w ? ", " : "", fam[f][1],
                         have ? "yes" : "no");
        if (k > 0 && (size_t)k < sizeof counters - w)
            w += (size_t)k;
    }
    for (size_t k = 0; k < sizeof keys / sizeof keys[0] + 2; k++) {
        const char *name, *val;
        if (k < sizeof keys / sizeof keys[0]) {
            name = keys[k][1];
            val = report_html_ctx(r, keys[k][0]);
        } else if (k == sizeof keys / sizeof keys[0]) {
            name = "counters available";
            val = counters;
        } else {
            name = "command";
            val = r->command[0] ? r->command : NULL;
        }
        if (!val)
            continue;
        strbuf_puts(&r->html, "<tr><th class=\"l\">");
        report_esc_html(&r->html, name);
        strbuf_puts(&r->html, "</th><td class=\"l\">");
        report_esc_html(&r->html, val);
        strbuf_puts(&r->html, "</td></tr>\n");
        strbuf_printf(&r->md, "| %s | ", name);
        report_esc_md(&r->md, val);
        strbuf_puts(&r->md, " |\n");
    }
    strbuf_puts(&r->html, "</table>\n");
    strbuf_puts(&r->md, "\n");
}

#define RH_SUMMARY_COLS 8
static void report_html_summary(struct report_html *r)
{
    static const char *const cols[RH_SUMMARY_COLS] = {"ns_per_op",  "minflt",  "majflt",
                                                      "syscalls",   "sys_brk", "sys_mmap",
                                                      "sys_munmap", "rss_peak"};
    report_html_heading(r, 2, "Summary (medians; best per workload highlighted)");
    if (!r->have_aggs || r->aggs.nrows == 0) {
        report_html_para(r, "No aggregates.csv: nothing to summarise.", "warn");
        return;
    }
    const struct csv *c = &r->aggs;
    size_t n = c->nrows;
    double *val = calloc(n * RH_SUMMARY_COLS + 1, sizeof *val);
    bool *has = calloc(n * RH_SUMMARY_COLS + 1, sizeof *has);
    char(*wl)[RH_LABEL] = calloc(n + 1, sizeof *wl);
    if (!val || !has || !wl)
        abort();
    for (size_t i = 0; i < n; i++) {
        report_html_label(wl[i], RH_LABEL, csv_get(c, i, csv_col(c, "workload")),
                          csv_get(c, i, csv_col(c, "workload_params")));
        for (int k = 0; k < RH_SUMMARY_COLS; k++) {
            char col[64];
            snprintf(col, sizeof col, "%s_median", cols[k]);
            has[i * RH_SUMMARY_COLS + k] =
                !strcmp(cols[k], "syscalls")
                    ? report_html_syscalls(c, i, "_median", &val[i * RH_SUMMARY_COLS + k])
                    : csv_num(c, i, csv_col(c, col), &val[i * RH_SUMMARY_COLS + k]);
        }
    }
    strbuf_puts(&r->html, "<table>\n<tr><th class=\"l\">workload</th><th class=\"l\">backend</th>"
                          "<th>ok runs</th>");
    strbuf_puts(&r->md, "| workload | backend | ok runs |");
    for (int k = 0; k < RH_SUMMARY_COLS; k++) {
        strbuf_printf(&r->html, "<th>%s</th>", cols[k]);
        strbuf_printf(&r->md, " %s |", cols[k]);
    }
    strbuf_puts(&r->html, "</tr>\n");
    strbuf_puts(&r->md, "\n|---|---|---:|");
    for (int k = 0; k < RH_SUMMARY_COLS; k++)
        strbuf_puts(&r->md, "---:|");
    strbuf_puts(&r->md, "\n");
    bool *done = calloc(n + 1, sizeof *done);
    if (!done)
        abort();
    /* rows grouped by workload in order of first appearance */
    for (size_t g = 0; g < n; g++) {
        if (done[g])
            continue;
        double best[RH_SUMMARY_COLS];
        int nhave[RH_SUMMARY_COLS] = {0};
        for (int k = 0; k < RH_SUMMARY_COLS; k++)
            best[k] = INFINITY;
        for (size_t i = g; i < n; i++)
            if (!strcmp(wl[i], wl[g]))
                for (int k = 0; k < RH_SUMMARY_COLS; k++)
                    if (has[i * RH_SUMMARY_COLS + k]) {
                        nhave[k]++;
                        if (val[i * RH_SUMMARY_COLS + k] < best[k])
                            best[k] = val[i * RH_SUMMARY_COLS + k];
                    }
        for (size_t i = g; i < n; i++) {
            if (strcmp(wl[i], wl[g]))
                continue;
            done[i] = true;
            char be[RH_LABEL];
            report_html_label(be, sizeof be, csv_get(c, i, csv_col(c, "backend")),
                              csv_get(c, i, csv_col(c, "backend_params")));
            const char *ok = csv_get(c, i, csv_col(c, "ok_runs"));
            const char *runs = csv_get(c, i, csv_col(c, "runs"));
            strbuf_puts(&r->html, "<tr><td class=\"l\">");
            report_esc_html(&r->html, wl[i]);
            strbuf_puts(&r->html, "</td><td class=\"l\">");
            report_esc_html(&r->html, be);
            strbuf_puts(&r->html, "</td><td>");
            report_esc_html(&r->html, ok);
            strbuf_puts(&r->html, "/");
            report_esc_html(&r->html, runs);
            strbuf_puts(&r->html, "</td>");
            strbuf_puts(&r->md, "| ");
            report_esc_md(&r->md, wl[i]);
            strbuf_puts(&r->md, " | ");
            report_esc_md(&r->md, be);
            strbuf_puts(&r->md, " | ");
            report_esc_md(&r->md, ok);
            strbuf_puts(&r->md, "/");
            report_esc_md(&r->md, runs);
            strbuf_puts(&r->md, " |");
            for (int k = 0; k < RH_SUMMARY_COLS; k++) {
                size_t at = i * RH_SUMMARY_COLS + k;
                if (!has[at]) {
                    strbuf_puts(&r->html, "<td class=\"na\">n/a</td>");
                    strbuf_puts(&r->md, " n/a |");
                    continue;
                }
                char txt[64];
                report_html_fmt(
                    val[at], report_html_unit(!strcmp(cols[k], "syscalls") ? "sys_brk" : cols[k]),
                    txt, sizeof txt);
                bool mark = nhave[k] >= 2 && val[at] == best[k];
                strbuf_printf(&r->html, "<td%s>%s</td>", mark ? " class=\"best\"" : "", txt);
                strbuf_printf(&r->md, mark ? " **%s** |" : " %s |", txt);
            }
            strbuf_puts(&r->html, "</tr>\n");
            strbuf_puts(&r->md, "\n");
        }
    }
    strbuf_puts(&r->html, "</table>\n");
    strbuf_puts(&r->md, "\n");
    report_html_para(r,
                     "syscalls = brk+mmap+munmap+mremap+madvise (tracepoints, or the OS-layer "
                     "counts where tracepoints were unavailable); n/a = not measured, never 0.",
                     NULL);
    free(done);
    free(val);
    free(has);
    free(wl);
}

/* Splits a manifest.txt line "name|family|args|title" in place; false for a malformed line. */
static bool report_html_manifest_fields(char *line, char *fields[4])
{
    line[strcspn(line, "\n")] = '\0';
    char *s = line;
    for (int k = 0; k < 4; k++) {
        fields[k] = s;
        if (!s)
            continue;
        s = k < 3 ? strchr(s, '|') : NULL;
        if (s)
            *s++ = '\0';
    }
    return fields[3] != NULL;
}

static void report_html_figure(struct report_html *r, char *fields[4], const char *reading)
{
    /* plot.sh names plots with [A-Za-z0-9._-] only; anything else is not one of its plots */
    if (!fields[0][0] ||
        fields[0][strspn(fields[0],
                         "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")])
        return;
    strbuf_printf(&r->html, "<figure id=\"%s\"><img src=\"plots/%s.svg\" alt=\"", fields[0],
                  fields[0]);
    report_esc_html(&r->html, fields[3]);
    strbuf_puts(&r->html, "\" width=\"960\"><figcaption>");
    report_esc_html(&r->html, reading);
    strbuf_puts(&r->html, "</figcaption></figure>\n");
    strbuf_puts(&r->md, "![");
    report_esc_md(&r->md, fields[3]);
    strbuf_printf(&r->md, "](plots/%s.png)\n\n", fields[0]);
    report_esc_md(&r->md, reading);
    strbuf_puts(&r->md, "\n\n");
}

static void report_html_plots(struct report_html *r, bool plotted)
{
    report_html_heading(r, 2, "Plots");
    char path[RH_PATH];
    snprintf(path, sizeof path, "%s/plots/manifest.txt", r->dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        report_html_para(r,
                         plotted ? "plots/plot.sh produced no manifest: no plots."
                                 : "No plots: plots/plot.sh did not run (see warnings).",
                         "warn");
    } else {
        char *line = NULL;
        size_t cap = 0;
        char family_prev[64] = "";
        while (getline(&line, &cap, f) > 0) {
            char *fields[4];
            /* the tuning plots belong to the "Tuning advisor" section, the latency CDFs by
             * cause to "Explained tails" (report_tails.c) */
            if (!report_html_manifest_fields(line, fields) || !strcmp(fields[1], "tune") ||
                !strcmp(fields[1], "tailscdf"))
                continue;
            if (strcmp(family_prev, fields[1])) {
                snprintf(family_prev, sizeof family_prev, "%s", fields[1]);
                static const char *const titles[][2] = {
                    {"threshold", "Threshold sweep"},   {"trim", "Trim sweep"},
                    {"backends", "Backend comparison"}, {"latency", "Latency percentiles"},
                    {"timeline", "Timeline"},           {"steps", "seed-sequence steps"},
                    {"sizesweep", "Size sweep"}};
                const char *t = fields[1];
                for (size_t k = 0; k < sizeof titles / sizeof titles[0]; k++)
                    if (!strcmp(titles[k][0], fields[1]))
                        t = titles[k][1];
                report_html_heading(r, 3, t);
            }
            char reading[4096];
            report_html_reading(r, fields[1], fields[2], reading, sizeof reading);
            report_html_figure(r, fields, reading);
        }
        free(line);
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/plots/skipped.txt", r->dir);
    f = fopen(path, "r");
    if (f) {
        char line[1024];
        bool first = true;
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\n")] = '\0';
            if (!line[0] || !strncmp(line, "tune-", 5))
                continue;
            if (first)
                report_html_heading(r, 3, "Skipped plots");
            first = false;
            char text[1100];
            snprintf(text, sizeof text, "skipped %s", line);
            report_html_para(r, text, "skip");
        }
        fclose(f);
    }
}

static void report_html_claims(struct report_html *r)
{
    if (!r->have_seed)
        return;
    const struct csv *c = &r->seed;
    report_html_heading(r, 2, "Seed claims");
    strbuf_puts(&r->html, "<table>\n<tr><th class=\"l\">id</th><th class=\"l\">verdict</th>"
                          "<th class=\"l\">claim</th><th class=\"l\">measured</th></tr>\n");
    strbuf_puts(&r->md, "| id | verdict | claim | measured |\n|---|---|---|---|\n");
    for (size_t i = 0; i < c->nrows; i++) {
        const char *f[4] = {csv_get(c, i, csv_col(c, "id")), csv_get(c, i, csv_col(c, "verdict")),
                            csv_get(c, i, csv_col(c, "claim")),
                            csv_get(c, i, csv_col(c, "measured"))};
        strbuf_puts(&r->html, "<tr>");
        strbuf_puts(&r->md, "|");
        for (int k = 0; k < 4; k++) {
            const char *cls = k != 1                     ? "l"
                              : !strcmp(f[1], "holds")   ? "l holds"
                              : !strcmp(f[1], "differs") ? "l differs"
                                                         : "l";
            strbuf_printf(&r->html, "<td class=\"%s\">", cls);
            report_esc_html(&r->html, f[k]);
            strbuf_puts(&r->html, "</td>");
            strbuf_puts(&r->md, " ");
            report_esc_md(&r->md, f[k]);
            strbuf_puts(&r->md, " |");
        }
        strbuf_puts(&r->html, "</tr>\n");
        strbuf_puts(&r->md, "\n");
    }
    strbuf_puts(&r->html, "</table>\n");
    strbuf_puts(&r->md, "\n");
}

/* Counters never measured, runs that failed, and noisy cells (cv > 10 %). */
static void report_html_collect_warnings(struct report_html *r)
{
    const struct csv *s = &r->samples;
    int co = csv_col(s, "outcome");
    int first_metric = co + 1;
    char missing[1024] = "";
    size_t w = 0;
    bool any_ok = false;
    for (size_t i = 0; i < s->nrows; i++)
        any_ok |= !strcmp(csv_get(s, i, co), "ok");
    for (int col = first_metric; any_ok && co >= 0 && (size_t)col < s->ncols; col++) {
        bool have = false;
        for (size_t i = 0; i < s->nrows && !have; i++)
            have = !strcmp(csv_get(s, i, co), "ok") && *csv_get(s, i, col);
        if (!have) {
            int k =
                snprintf(missing + w, sizeof missing - w, "%s%s", w ? ", " : "", s->header[col]);
            if (k > 0 && (size_t)k < sizeof missing - w)
                w += (size_t)k;
        }
    }
    if (w)
        report_html_warn(r, "counters not measured in any run (empty cells, not zeros): %s",
                         missing);
    for (size_t i = 0; i < s->nrows; i++) {
        const char *outcome = csv_get(s, i, co);
        if (!strcmp(outcome, "ok"))
            continue;
        const struct report_html_cell *c = report_html_cell(r, csv_get(s, i, csv_col(s, "cell")));
        report_html_warn(r, "run %s rep %s (%s x %s): %s", csv_get(s, i, csv_col(s, "cell")),
                         csv_get(s, i, csv_col(s, "rep")), c ? c->backend : "?",
                         c ? c->workload : "?", outcome);
    }
    if (!r->have_aggs)
        return;
    static const char *const noisy[] = {"ns_per_op", "minflt",     "sys_brk",
                                        "sys_mmap",  "sys_munmap", "rss_peak"};
    const struct csv *a = &r->aggs;
    for (size_t i = 0; i < a->nrows; i++) {
        char list[512] = "";
        size_t lw = 0;
        for (size_t k = 0; k < sizeof noisy / sizeof noisy[0]; k++) {
            char col[64];
            double cv;
            snprintf(col, sizeof col, "%s_cv", noisy[k]);
            if (csv_num(a, i, csv_col(a, col), &cv) && cv > 0.10) {
                int n = snprintf(list + lw, sizeof list - lw, "%s%s cv %.1f %%", lw ? ", " : "",
                                 noisy[k], cv * 100);
                if (n > 0 && (size_t)n < sizeof list - lw)
                    lw += (size_t)n;
            }
        }
        if (lw) {
            const struct report_html_cell *c =
                report_html_cell(r, csv_get(a, i, csv_col(a, "cell")));
            report_html_warn(r, "noisy cell %s (%s x %s): %s", csv_get(a, i, csv_col(a, "cell")),
                             c ? c->backend : "?", c ? c->workload : "?", list);
        }
    }
}

static void report_html_warnings(struct report_html *r)
{
    report_html_heading(r, 2, "Warnings");
    if (r->nwarnings == 0) {
        report_html_para(r, "None.", NULL);
        return;
    }
    strbuf_puts(&r->html, "<ul>\n");
    for (int i = 0; i < r->nwarnings; i++) {
        strbuf_puts(&r->html, "<li class=\"warn\">");
        report_esc_html(&r->html, r->warnings[i]);
        strbuf_puts(&r->html, "</li>\n");
        strbuf_puts(&r->md, "- ");
        report_esc_md(&r->md, r->warnings[i]);
        strbuf_puts(&r->md, "\n");
    }
    strbuf_puts(&r->html, "</ul>\n");
    strbuf_puts(&r->md, "\n");
}

/* ---- tuning advisor (tune.csv of `faultline tune --out DIR`) ------------------------------ */

/* The metric columns of tune.csv, in the order of the table. */
static const char *const report_html_tune_cols[][3] = {
    {"time_ns", "ns", "time"},
    {"peak_rss_bytes", "bytes", "peak RSS"},
    {"retained_rss_bytes", "bytes", "retained RSS"},
    {"faults", "count", "faults"},
};
#define RH_TUNE_COLS 4

/* "mmap_threshold=64K,arena_max=1" from the knob columns; "glibc defaults" when none is set. */
static void report_html_tune_setting(const struct csv *c, size_t row, char *out, size_t len)
{
    static const char *const knobs[] = {"mmap_threshold", "trim_threshold", "top_pad", "arena_max"};
    static const char *const units[] = {"", "K", "M", "G"};
    size_t w = 0;
    out[0] = '\0';
    for (size_t k = 0; k < sizeof knobs / sizeof knobs[0]; k++) {
        double v;
        if (!csv_num(c, row, csv_col(c, knobs[k]), &v))
            continue;
        int e = 0; /* sizes (all but arena_max) as 64K, 1M, 1G when exact */
        while (k < 3 && e < 3 && v >= 1024 && fmod(v, 1024) == 0) {
            v /= 1024;
            e++;
        }
        int n = snprintf(out + w, len - w, "%s%s=%.0f%s", w ? "," : "", knobs[k], v, units[e]);
        if (n > 0 && (size_t)n < len - w)
            w += (size_t)n;
    }
    if (!w)
        snprintf(out, len, "glibc defaults");
}

/* Two sentences for the plot of time against metric col (peak or retained RSS). */
static void report_html_tune_reading(const struct report_html *r, const char *col, char *out,
                                     size_t len)
{
    const struct csv *c = &r->tune;
    int cx = csv_col(c, col), ct = csv_col(c, "time_ns"), cp = csv_col(c, "pareto");
    int cd = csv_col(c, "default"), cr = csv_col(c, "recommended");
    const char *what = !strcmp(col, "peak_rss_bytes") ? "peak RSS" : "retained RSS";
    double dx = NAN, dt = NAN, rx = NAN, rt = NAN;
    long def = -1, rec = -1, fast = -1, lean = -1;
    size_t nfront = 0;
    for (size_t i = 0; i < c->nrows; i++) {
        double x, t;
        bool ok = csv_num(c, i, cx, &x) && csv_num(c, i, ct, &t);
        if (!strcmp(csv_get(c, i, cd), "1") && ok) {
            def = (long)i;
            dx = x;
            dt = t;
        }
        if (!strcmp(csv_get(c, i, cr), "1") && ok) {
            rec = (long)i;
            rx = x;
            rt = t;
        }
        if (!strcmp(csv_get(c, i, cp), "1") && ok) {
            double fx, ft;
            nfront++;
            if (fast < 0 || (csv_num(c, (size_t)fast, ct, &ft) && t < ft))
                fast = (long)i;
            if (lean < 0 || (csv_num(c, (size_t)lean, cx, &fx) && x < fx))
                lean = (long)i;
        }
    }
    char a[64], b[64], s1[512], s2[512];
    if (def >= 0 && rec >= 0 && def == rec) {
        report_html_fmt(dx, "bytes", a, sizeof a);
        report_html_fmt(dt, "ns", b, sizeof b);
        snprintf(s1, sizeof s1, "The recommended setting is glibc's default (%s %s in %s).", what,
                 a, b);
    } else if (def >= 0 && rec >= 0 && dx > 0 && rx > 0 && dt > 0) {
        report_html_fmt(dx, "bytes", a, sizeof a);
        report_html_fmt(rx, "bytes", b, sizeof b);
        char ta[64], tb[64];
        report_html_fmt(rt, "ns", ta, sizeof ta);
        report_html_fmt(dt, "ns", tb, sizeof tb);
        snprintf(s1, sizeof s1,
                 "The recommended setting %s %s from %s to %s (%.3gx %s) at %.3gx the default's "
                 "time (%s vs %s).",
                 rx < dx   ? "cuts"
                 : rx > dx ? "raises"
                           : "keeps",
                 what, a, b, rx <= dx ? dx / rx : rx / dx, rx <= dx ? "lower" : "higher", rt / dt,
                 ta, tb);
    } else {
        snprintf(s1, sizeof s1,
                 "The default or the recommended setting has no measured %s and time, so there "
                 "is nothing to compare.",
                 what);
    }
    if (nfront > 0) {
        double fx = 0, ft = 0, lx = 0, lt = 0;
        csv_num(c, (size_t)fast, cx, &fx);
        csv_num(c, (size_t)fast, ct, &ft);
        csv_num(c, (size_t)lean, cx, &lx);
        csv_num(c, (size_t)lean, ct, &lt);
        char fxs[64], fts[64], lxs[64], lts[64];
        report_html_fmt(fx, "bytes", fxs, sizeof fxs);
        report_html_fmt(ft, "ns", fts, sizeof fts);
        report_html_fmt(lx, "bytes", lxs, sizeof lxs);
        report_html_fmt(lt, "ns", lts, sizeof lts);
        if (fast == lean)
            snprintf(s2, sizeof s2,
                     "The Pareto front holds %zu of %zu settings; its fastest, %s at %s %s, also "
                     "has the least %s.",
                     nfront, c->nrows, fts, fxs, what, what);
        else
            snprintf(s2, sizeof s2,
                     "The Pareto front holds %zu of %zu settings: the fastest takes %s at %s %s, "
                     "the one with the least %s has %s at %s.",
                     nfront, c->nrows, fts, fxs, what, what, lxs, lts);
    } else {
        snprintf(s2, sizeof s2, "No setting on the Pareto front has a measured %s.", what);
    }
    snprintf(out, len, "%s %s", s1, s2);
}

static void report_html_tune_row(struct report_html *r, size_t i, const char *cls, const char *mark)
{
    const struct csv *c = &r->tune;
    char setting[RH_LABEL];
    report_html_tune_setting(c, i, setting, sizeof setting);
    strbuf_printf(&r->html, "<tr%s%s%s><td class=\"l\">", cls ? " class=\"" : "", cls ? cls : "",
                  cls ? "\"" : "");
    report_esc_html(&r->html, setting);
    strbuf_printf(&r->html, "</td><td class=\"l\">%s</td>", mark);
    strbuf_puts(&r->md, "| ");
    report_esc_md(&r->md, setting);
    strbuf_printf(&r->md, " | %s |", mark);
    bool bold = cls && !strcmp(cls, "rec");
    for (int k = 0; k < RH_TUNE_COLS; k++) {
        double v;
        if (!csv_num(c, i, csv_col(c, report_html_tune_cols[k][0]), &v)) {
            strbuf_puts(&r->html, "<td class=\"na\">n/a</td>");
            strbuf_puts(&r->md, " n/a |");
            continue;
        }
        char txt[64];
        report_html_fmt(v, report_html_tune_cols[k][1], txt, sizeof txt);
        strbuf_printf(&r->html, "<td>%s</td>", txt);
        strbuf_printf(&r->md, bold ? " **%s** |" : " %s |", txt);
    }
    strbuf_puts(&r->html, "</tr>\n");
    strbuf_puts(&r->md, "\n");
}

/* The recommended GLIBC_TUNABLES line, the Pareto front with the default as reference, and the
 * time-vs-RSS plots of plot.sh with a reading each. */
static void report_html_tune(struct report_html *r)
{
    if (!r->have_tune)
        return;
    const struct csv *c = &r->tune;
    report_html_heading(r, 2, "Tuning advisor");
    const char *objective = "?";
    for (size_t k = 0; k < c->ncols; k++)
        if (!strncmp(c->header[k], "score_", 6))
            objective = c->header[k] + 6;
    int cp = csv_col(c, "pareto"), cd = csv_col(c, "default"), cr = csv_col(c, "recommended");
    long def = -1, rec = -1;
    size_t nfront = 0;
    for (size_t i = 0; i < c->nrows; i++) {
        if (!strcmp(csv_get(c, i, cd), "1"))
            def = (long)i;
        if (!strcmp(csv_get(c, i, cr), "1"))
            rec = (long)i;
        nfront += !strcmp(csv_get(c, i, cp), "1");
    }
    char text[1024];
    snprintf(text, sizeof text,
             "faultline tune tried %zu GLIBC_TUNABLES settings for the objective %s; %zu are on "
             "the Pareto front (no other setting is at least as good in time, peak RSS, retained "
             "RSS and faults).",
             c->nrows, objective, nfront);
    report_html_para(r, text, NULL);
    if (rec < 0) {
        report_html_para(r, "tune.csv marks no recommended setting (no run succeeded).", "warn");
    } else {
        const char *line = csv_get(c, (size_t)rec, csv_col(c, "glibc_tunables"));
        snprintf(text, sizeof text, "Recommended for %s%s:", objective,
                 *line ? "" : " (glibc's defaults: leave GLIBC_TUNABLES unset)");
        report_html_para(r, text, NULL);
        strbuf_puts(&r->html, "<pre><code>GLIBC_TUNABLES=");
        report_esc_html(&r->html, line);
        strbuf_puts(&r->html, "</code></pre>\n");
        /* a code block shows its text raw: a value that could end it is not shown there */
        if (strpbrk(line, "`\n\r")) {
            strbuf_puts(&r->md, "GLIBC\\_TUNABLES=");
            report_esc_md(&r->md, line);
            strbuf_puts(&r->md, "\n\n");
        } else {
            strbuf_printf(&r->md, "```\nGLIBC_TUNABLES=%s\n```\n\n", line);
        }
    }
    /* the front, default first as the reference, then by the objective's score */
    size_t *rows = calloc(c->nrows + 1, sizeof *rows);
    if (!rows)
        abort();
    size_t n = 0;
    int cs = csv_col(c, c->ncols ? c->header[0] : "");
    for (size_t k = 0; k < c->ncols; k++)
        if (!strncmp(c->header[k], "score_", 6))
            cs = (int)k;
    for (size_t i = 0; i < c->nrows; i++)
        if ((long)i != def && !strcmp(csv_get(c, i, cp), "1"))
            rows[n++] = i;
    for (size_t a = 1; a < n; a++) { /* insertion sort: a front has a handful of rows */
        size_t t = rows[a], b = a;
        double vt = INFINITY, vb;
        csv_num(c, t, cs, &vt);
        while (b > 0 && (vb = INFINITY, csv_num(c, rows[b - 1], cs, &vb), vb > vt)) {
            rows[b] = rows[b - 1];
            b--;
        }
        rows[b] = t;
    }
    strbuf_puts(&r->html, "<table>\n<tr><th class=\"l\">setting</th><th class=\"l\">role</th>");
    strbuf_puts(&r->md, "| setting | role |");
    for (int k = 0; k < RH_TUNE_COLS; k++) {
        strbuf_printf(&r->html, "<th>%s</th>", report_html_tune_cols[k][2]);
        strbuf_printf(&r->md, " %s |", report_html_tune_cols[k][2]);
    }
    strbuf_puts(&r->html, "</tr>\n");
    strbuf_puts(&r->md, "\n|---|---|---:|---:|---:|---:|\n");
    if (def >= 0) {
        bool on = !strcmp(csv_get(c, (size_t)def, cp), "1");
        const char *mark =
            def == rec ? (on ? "default (reference), recommended"
                             : "default (reference), recommended, not on the front")
                       : (on ? "default (reference)" : "default (reference), not on the front");
        report_html_tune_row(r, (size_t)def, def == rec ? "rec" : "ref", mark);
    }
    for (size_t k = 0; k < n; k++)
        report_html_tune_row(r, rows[k], (long)rows[k] == rec ? "rec" : NULL,
                             (long)rows[k] == rec ? "recommended" : "Pareto front");
    strbuf_puts(&r->html, "</table>\n");
    strbuf_puts(&r->md, "\n");
    free(rows);
    report_html_para(r,
                     "Medians over the runs of each setting; lower is better in every column; "
                     "n/a = not measured, never 0.",
                     NULL);

    char path[RH_PATH];
    snprintf(path, sizeof path, "%s/plots/manifest.txt", r->dir);
    FILE *f = fopen(path, "r");
    if (f) {
        char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, f) > 0) {
            char *fields[4];
            if (!report_html_manifest_fields(line, fields) || strcmp(fields[1], "tune"))
                continue;
            char reading[1200];
            report_html_tune_reading(r, fields[2], reading, sizeof reading);
            report_html_figure(r, fields, reading);
        }
        free(line);
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/plots/skipped.txt", r->dir);
    f = fopen(path, "r");
    if (f) {
        char line[1024];
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\n")] = '\0';
            if (strncmp(line, "tune-", 5))
                continue;
            char note[1100];
            snprintf(note, sizeof note, "skipped %s", line);
            report_html_para(r, note, "skip");
        }
        fclose(f);
    }
}

/* ---- plot.sh ------------------------------------------------------------------------------ */

/* 0 ok, -1 could not run or failed (a warning says why). */
static int report_html_run_plots(struct report_html *r)
{
    const char *pdir = getenv("FAULTLINE_PLOTS_DIR");
    char script[RH_PATH];
    snprintf(script, sizeof script, "%s/plot.sh",
             pdir && *pdir ? pdir : FAULTLINE_SOURCE_DIR "/plots");
    if (access(script, X_OK) != 0) {
        report_html_warn(r,
                         "%s not found or not executable: set FAULTLINE_PLOTS_DIR to the plots/ "
                         "directory of the faultline sources",
                         script);
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        report_html_warn(r, "cannot fork plots/plot.sh: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        /* plot.sh's progress line goes to stderr: stdout stays free for the report's path */
        dup2(2, 1);
        execl(script, script, r->dir, (char *)NULL);
        fprintf(stderr, "faultline report: cannot run %s: %s\n", script, strerror(errno));
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        report_html_warn(r, "plots/plot.sh failed (status %d): plots are missing or stale",
                         WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
        return -1;
    }
    return 0;
}

enum { REPORT_HTML_ID_NO_PLOTS = CLI_ID_COMMAND, REPORT_HTML_ID_FRONT };

static const struct cli_opt report_html_opts[] = {
    {"no-plots", 0, NULL, "keep DIR/plots as it is (do not run gnuplot)", REPORT_HTML_ID_NO_PLOTS},
    {"front", 0, NULL,
     "DIR holds reports (a `make bench` run): write DIR/index.html linking each with its "
     "headline findings",
     REPORT_HTML_ID_FRONT},
    CLI_ROW_END,
};

static const struct cli_opt *const report_html_tables[] = {report_html_opts, NULL};

static const struct cli_usage report_html_usage = {
    .name = "report",
    .synopsis = "[--no-plots] DIR | --front DIR",
    .about = "Renders the plots of a results directory (plots/plot.sh; set FAULTLINE_PLOTS_DIR to "
             "use\nanother plots/ directory) and writes DIR/index.html and DIR/report.md.\n",
    .tables = report_html_tables,
    .examples = "faultline report results/runs/<id>\n"
                "faultline report --front results/runs/<bench-id>",
    .exit_status = "0 report written, 1 report written but plotting failed, 2 bad input",
};

static int report_html_write(const struct report_html *r, const char *name, const struct strbuf *sb)
{
    char path[RH_PATH];
    snprintf(path, sizeof path, "%s/%s", r->dir, name);
    return atomic_file_write(path, sb->data ? sb->data : "", sb->len); /* reported at exit */
}

static void report_html_free(struct report_html *r)
{
    strbuf_free(&r->html);
    strbuf_free(&r->md);
    csv_free(&r->samples);
    csv_free(&r->aggs);
    csv_free(&r->sweep);
    csv_free(&r->steps);
    csv_free(&r->seed);
    csv_free(&r->tune);
    free(r->cells);
    free(r);
}

int report_html_main(int argc, char **argv)
{
    bool no_plots = false, front = false;
    const char *dir = NULL;
    struct cli_parse p;
    cli_opt_init(&p, &report_html_usage, argc, argv);
    int c;
    while ((c = cli_opt_next(&p)) != CLI_OPT_END) {
        if (c == CLI_OPT_HELP)
            return 0;
        if (c == CLI_OPT_ERROR)
            return 2;
        if (c == REPORT_HTML_ID_NO_PLOTS)
            no_plots = true;
        else if (c == REPORT_HTML_ID_FRONT)
            front = true;
        else if (dir)
            return cli_opt_error(&p, "unexpected argument '%s' (see faultline report --help)",
                                 p.arg);
        else
            dir = p.arg;
    }
    if (!dir) {
        fprintf(stderr,
                "faultline report: missing results directory (see faultline report --help)\n");
        return 2;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "faultline report: %s: %s\n", dir,
                stat(dir, &st) != 0 ? strerror(errno) : "not a directory");
        return 2;
    }
    if (front)
        return report_front_write(dir);
    struct report_html *r = calloc(1, sizeof *r);
    if (!r)
        abort();
    snprintf(r->dir, sizeof r->dir, "%s", dir);
    r->have_samples = report_html_load(r, &r->samples, "samples.csv");
    int samples_errno = errno;
    /* a `faultline tune --out DIR` directory holds only tune.csv */
    r->have_tune = report_html_load(r, &r->tune, "tune.csv");
    if (!r->have_samples && !r->have_tune) {
        if (r->load_err[0])
            fprintf(stderr, "faultline report: %s\n", r->load_err);
        else
            fprintf(stderr,
                    "faultline report: %s/samples.csv: %s (not a faultline results directory)\n",
                    dir, strerror(samples_errno));
        report_html_free(r);
        return 2;
    }
    r->have_aggs = report_html_load(r, &r->aggs, "aggregates.csv");
    r->have_sweep = report_html_load(r, &r->sweep, "sweep.csv");
    r->have_steps = report_html_load(r, &r->steps, "steps.csv");
    r->have_seed = report_html_load(r, &r->seed, "seed.csv");
    if (r->load_err[0]) {
        fprintf(stderr, "faultline report: %s\n", r->load_err);
        report_html_free(r);
        return 2;
    }
    report_html_index_cells(r);
    int plot_rc = no_plots ? 0 : report_html_run_plots(r);
    if (r->have_samples) /* a tune directory has no run.json to miss */
        report_html_read_json(r);
    report_html_collect_warnings(r);

    strbuf_init(&r->html);
    strbuf_init(&r->md);
    strbuf_printf(&r->html,
                  "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<title>faultline report</title>\n<style>\n%s</style>\n</head>\n<body>\n",
                  report_html_css);
    report_html_heading(r, 1, "faultline report");
    if (r->have_samples) {
        report_html_context(r);
        report_html_summary(r);
    }
    report_html_tune(r);
    callsites_out_top(r->dir, 5, CALLSITES_OUT_HTML, &r->html); /* exec --callsites only */
    callsites_out_top(r->dir, 5, CALLSITES_OUT_MD, &r->md);
    report_tails(r->dir, true, &r->html); /* run --explain-tails only */
    report_tails(r->dir, false, &r->md);
    if (r->have_samples)
        report_html_plots(r, plot_rc == 0 && !no_plots);
    report_html_claims(r);
    report_html_warnings(r);
    strbuf_puts(&r->html, "</body>\n</html>\n");

    int rc =
        report_html_write(r, "index.html", &r->html) | report_html_write(r, "report.md", &r->md);
    if (rc == 0)
        printf("report: %s/index.html\n", r->dir);
    report_html_free(r);
    return rc ? 1 : plot_rc ? 1 : 0;
}
