/* The "Tuning advisor" section of `faultline report`, from tune.csv of `faultline tune --out DIR`:
 * the recommended GLIBC_TUNABLES line, the Pareto front with the default as reference, and the
 * time-vs-RSS plots with a reading each. */
#define _GNU_SOURCE
#include "report_tune.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "report_esc.h"

/* The metric columns of tune.csv, in the order of the table. */
static const char *const report_tune_cols[][3] = {
    {"time_ns", "ns", "time"},
    {"peak_rss_bytes", "bytes", "peak RSS"},
    {"retained_rss_bytes", "bytes", "retained RSS"},
    {"faults", "count", "faults"},
};
#define RH_TUNE_COLS 4

/* "mmap_threshold=64K,arena_max=1" from the knob columns; "glibc defaults" when none is set. */
static void report_tune_setting(const struct csv *c, size_t row, char *out, size_t len)
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
static void report_tune_reading(const struct report_doc *r, const char *col, char *out, size_t len)
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
        report_doc_fmt(dx, "bytes", a, sizeof a);
        report_doc_fmt(dt, "ns", b, sizeof b);
        snprintf(s1, sizeof s1, "The recommended setting is glibc's default (%s %s in %s).", what,
                 a, b);
    } else if (def >= 0 && rec >= 0 && dx > 0 && rx > 0 && dt > 0) {
        report_doc_fmt(dx, "bytes", a, sizeof a);
        report_doc_fmt(rx, "bytes", b, sizeof b);
        char ta[64], tb[64];
        report_doc_fmt(rt, "ns", ta, sizeof ta);
        report_doc_fmt(dt, "ns", tb, sizeof tb);
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
        report_doc_fmt(fx, "bytes", fxs, sizeof fxs);
        report_doc_fmt(ft, "ns", fts, sizeof fts);
        report_doc_fmt(lx, "bytes", lxs, sizeof lxs);
        report_doc_fmt(lt, "ns", lts, sizeof lts);
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

static void report_tune_row(struct report_doc *r, size_t i, const char *cls, const char *mark)
{
    const struct csv *c = &r->tune;
    char setting[RH_LABEL];
    report_tune_setting(c, i, setting, sizeof setting);
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
        if (!csv_num(c, i, csv_col(c, report_tune_cols[k][0]), &v)) {
            strbuf_puts(&r->html, "<td class=\"na\">n/a</td>");
            strbuf_puts(&r->md, " n/a |");
            continue;
        }
        char txt[64];
        report_doc_fmt(v, report_tune_cols[k][1], txt, sizeof txt);
        strbuf_printf(&r->html, "<td>%s</td>", txt);
        strbuf_printf(&r->md, bold ? " **%s** |" : " %s |", txt);
    }
    strbuf_puts(&r->html, "</tr>\n");
    strbuf_puts(&r->md, "\n");
}

/* The recommended GLIBC_TUNABLES line, the Pareto front with the default as reference, and the
 * time-vs-RSS plots of plot.sh with a reading each. */
/* The recommended setting as a GLIBC_TUNABLES line, or a warning when tune.csv has none. */
static void report_tune_recommended(struct report_doc *r, const char *objective, long rec)
{
    const struct csv *c = &r->tune;
    char text[1024];
    if (rec < 0) {
        report_doc_para(r, "tune.csv marks no recommended setting (no run succeeded).", "warn");
    } else {
        const char *line = csv_get(c, (size_t)rec, csv_col(c, "glibc_tunables"));
        snprintf(text, sizeof text, "Recommended for %s%s:", objective,
                 *line ? "" : " (glibc's defaults: leave GLIBC_TUNABLES unset)");
        report_doc_para(r, text, NULL);
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
}

/* The Pareto front as a table: the default first as the reference, then by the objective's
 * score. */
static void report_tune_front(struct report_doc *r, long def, long rec)
{
    const struct csv *c = &r->tune;
    int cp = csv_col(c, "pareto");
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
        strbuf_printf(&r->html, "<th>%s</th>", report_tune_cols[k][2]);
        strbuf_printf(&r->md, " %s |", report_tune_cols[k][2]);
    }
    strbuf_puts(&r->html, "</tr>\n");
    strbuf_puts(&r->md, "\n|---|---|---:|---:|---:|---:|\n");
    if (def >= 0) {
        bool on = !strcmp(csv_get(c, (size_t)def, cp), "1");
        const char *mark =
            def == rec ? (on ? "default (reference), recommended"
                             : "default (reference), recommended, not on the front")
                       : (on ? "default (reference)" : "default (reference), not on the front");
        report_tune_row(r, (size_t)def, def == rec ? "rec" : "ref", mark);
    }
    for (size_t k = 0; k < n; k++)
        report_tune_row(r, rows[k], (long)rows[k] == rec ? "rec" : NULL,
                        (long)rows[k] == rec ? "recommended" : "Pareto front");
    strbuf_puts(&r->html, "</table>\n");
    strbuf_puts(&r->md, "\n");
    free(rows);
    report_doc_para(r,
                    "Medians over the runs of each setting; lower is better in every column; "
                    "n/a = not measured, never 0.",
                    NULL);
}

/* The tune plots from plots/manifest.txt and the ones plots/skipped.txt says were skipped. */
static void report_tune_plots(struct report_doc *r)
{
    char path[RH_PATH];
    snprintf(path, sizeof path, "%s/plots/manifest.txt", r->dir);
    FILE *f = fopen(path, "r");
    if (f) {
        char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, f) > 0) {
            char *fields[4];
            if (!report_doc_manifest_fields(line, fields) || strcmp(fields[1], "tune"))
                continue;
            char reading[1200];
            report_tune_reading(r, fields[2], reading, sizeof reading);
            report_doc_figure(r, fields, reading);
        }
        free(line);
        fclose(f);
    }
    report_doc_skipped(r, true, NULL);
}

void report_tune(struct report_doc *r)
{
    if (!r->have_tune)
        return;
    const struct csv *c = &r->tune;
    report_doc_heading(r, 2, "Tuning advisor");
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
    report_doc_para(r, text, NULL);
    report_tune_recommended(r, objective, rec);
    report_tune_front(r, def, rec);
    report_tune_plots(r);
}
