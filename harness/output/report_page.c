/* The sections of the `faultline report` page that come from a run's CSV files: context,
 * summary table (best value per column marked; requested --events as extra columns), plots with
 * readings, seed claims, warnings. */
#define _GNU_SOURCE
#include "report_page.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "report_esc.h"
#include "report_read.h"
#include "report_table.h"
#include "strbuf.h"

void report_page_context(struct report_doc *r)
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
    report_doc_heading(r, 2, "Context");
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
            val = report_doc_ctx(r, keys[k][0]);
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

/* Requested --events: samples.csv's hw_<event> columns (aggregates.csv has none), as extra summary
 * columns holding the median over a cell's ok runs. Up to RH_EVENTS columns, by index. */
#define RH_EVENTS 16
static int report_page_event_cols(const struct report_doc *r, int *cols)
{
    int n = 0;
    for (size_t k = 0; k < r->samples.ncols && n < RH_EVENTS; k++)
        if (!strncmp(r->samples.header[k], "hw_", 3) && r->samples.header[k][3])
            cols[n++] = (int)k;
    return n;
}

static int report_page_dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static bool report_page_event_median(const struct report_doc *r, const char *cell, int col,
                                     double *out)
{
    const struct csv *s = &r->samples;
    int cc = csv_col(s, "cell"), co = csv_col(s, "outcome");
    double *v = malloc((s->nrows + 1) * sizeof *v);
    if (!v)
        abort();
    size_t n = 0;
    for (size_t i = 0; i < s->nrows; i++)
        if (!strcmp(csv_get(s, i, cc), cell) && !strcmp(csv_get(s, i, co), "ok") &&
            csv_num(s, i, col, &v[n]))
            n++;
    qsort(v, n, sizeof *v, report_page_dbl_cmp);
    if (n)
        *out = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    free(v);
    return n > 0;
}

/* The event cells of one summary row (n/a: not counted in any ok run of the cell). */
static void report_page_event_cells(struct report_doc *r, const char *cell, const int *ev, int nev)
{
    for (int e = 0; e < nev; e++) {
        double v;
        char txt[64];
        if (!report_page_event_median(r, cell, ev[e], &v)) {
            strbuf_puts(&r->html, "<td class=\"na\">n/a</td>");
            strbuf_puts(&r->md, " n/a |");
            continue;
        }
        report_doc_fmt(v, "count", txt, sizeof txt);
        strbuf_printf(&r->html, "<td>%s</td>", txt);
        strbuf_printf(&r->md, " %s |", txt);
    }
}

#define RH_SUMMARY_COLS 8
/* " ±6%" (half the min-max range of the cell's runs over its median, as the console prints
 * it) and whether the cell is noisy (cv above REPORT_TABLE_NOISY_CV): the spread where the eye
 * is, not in a list at the bottom. Nothing for one run or for columns without min/max. */
static bool report_page_spread(const struct csv *c, size_t row, const char *col, double median,
                               char *buf, size_t len)
{
    char name[80];
    double lo, hi, cv, runs;
    buf[0] = '\0';
    if (!csv_num(c, row, csv_col(c, "ok_runs"), &runs) || runs < 2)
        return false;
    snprintf(name, sizeof name, "%s_min", col);
    bool have = csv_num(c, row, csv_col(c, name), &lo);
    snprintf(name, sizeof name, "%s_max", col);
    have = have && csv_num(c, row, csv_col(c, name), &hi);
    double half = have && median > 0 ? (hi - lo) / 2 / median * 100 : 0;
    if (half >= 0.5)
        snprintf(buf, len, " ±%.0f%%", half);
    snprintf(name, sizeof name, "%s_cv", col);
    return csv_num(c, row, csv_col(c, name), &cv) && cv > REPORT_TABLE_NOISY_CV;
}

/* The reference of the relative time column: glibc when it was run (no parameters), else the
 * first row's backend; the same rule as the console's default. */
static void report_page_refname(const struct csv *c, char *ref, size_t len)
{
    ref[0] = '\0';
    for (size_t i = 0; i < c->nrows; i++) {
        const char *b = csv_get(c, i, csv_col(c, "backend"));
        const char *bp = csv_get(c, i, csv_col(c, "backend_params"));
        if (!strcmp(b, "glibc") && !*bp) {
            snprintf(ref, len, "glibc");
            return;
        }
    }
    if (c->nrows)
        report_doc_label(ref, len, csv_get(c, 0, csv_col(c, "backend")),
                         csv_get(c, 0, csv_col(c, "backend_params")));
}

/* "1.13x": this row's median ns_per_op over the reference backend's on the same workload. */
static void report_page_rel(const struct csv *c, size_t row, const char *ref, char (*wl)[RH_LABEL],
                            char *buf, size_t len)
{
    double a, b;
    snprintf(buf, len, "-");
    if (!csv_num(c, row, csv_col(c, "ns_per_op_median"), &a))
        return;
    for (size_t k = 0; k < c->nrows; k++) {
        char be[RH_LABEL];
        report_doc_label(be, sizeof be, csv_get(c, k, csv_col(c, "backend")),
                         csv_get(c, k, csv_col(c, "backend_params")));
        if (!strcmp(be, ref) && !strcmp(wl[k], wl[row]) &&
            csv_num(c, k, csv_col(c, "ns_per_op_median"), &b) && b > 0) {
            snprintf(buf, len, "%.2fx", a / b);
            return;
        }
    }
}

/* The summary being written: aggregates.csv's medians per row and column, workload labels,
 * the reference backend and the requested event columns. */
static const char *const report_page_cols[RH_SUMMARY_COLS] = {
    "ns_per_op", "minflt", "majflt", "syscalls", "sys_brk", "sys_mmap", "sys_munmap", "rss_peak"};
struct report_page_sum {
    const struct csv *c;
    double *val;
    bool *has;
    char (*wl)[RH_LABEL];
    char ref[RH_LABEL];
    int ev[RH_EVENTS], nev;
};

static void report_page_sum_load(struct report_doc *r, struct report_page_sum *s)
{
    const struct csv *c = s->c = &r->aggs;
    size_t n = c->nrows;
    s->val = calloc(n * RH_SUMMARY_COLS + 1, sizeof *s->val);
    s->has = calloc(n * RH_SUMMARY_COLS + 1, sizeof *s->has);
    s->wl = calloc(n + 1, sizeof *s->wl);
    if (!s->val || !s->has || !s->wl)
        abort();
    for (size_t i = 0; i < n; i++) {
        report_doc_label(s->wl[i], RH_LABEL, csv_get(c, i, csv_col(c, "workload")),
                         csv_get(c, i, csv_col(c, "workload_params")));
        for (int k = 0; k < RH_SUMMARY_COLS; k++) {
            char col[64];
            double *v = &s->val[i * RH_SUMMARY_COLS + k];
            snprintf(col, sizeof col, "%s_median", report_page_cols[k]);
            s->has[i * RH_SUMMARY_COLS + k] = !strcmp(report_page_cols[k], "syscalls")
                                                  ? report_doc_syscalls(c, i, "_median", v)
                                                  : csv_num(c, i, csv_col(c, col), v);
        }
    }
    report_page_refname(c, s->ref, sizeof s->ref);
    s->nev = report_page_event_cols(r, s->ev);
}

static void report_page_sum_head(struct report_doc *r, const struct report_page_sum *s)
{
    strbuf_puts(&r->html, "<table>\n<tr><th class=\"l\">workload</th><th class=\"l\">backend</th>"
                          "<th>ok runs</th>");
    strbuf_puts(&r->md, "| workload | backend | ok runs |");
    for (int k = 0; k < RH_SUMMARY_COLS; k++) {
        strbuf_printf(&r->html, "<th>%s</th>", report_page_cols[k]);
        strbuf_printf(&r->md, " %s |", report_page_cols[k]);
    }
    strbuf_puts(&r->html, "<th>time vs ");
    report_esc_html(&r->html, s->ref);
    strbuf_puts(&r->html, "</th>");
    strbuf_puts(&r->md, " time vs ");
    report_esc_md(&r->md, s->ref);
    strbuf_puts(&r->md, " |");
    for (int e = 0; e < s->nev; e++) { /* the event's name as given to --events */
        strbuf_puts(&r->html, "<th>");
        report_esc_html(&r->html, r->samples.header[s->ev[e]] + 3);
        strbuf_puts(&r->html, "</th>");
        strbuf_puts(&r->md, " ");
        report_esc_md(&r->md, r->samples.header[s->ev[e]] + 3);
        strbuf_puts(&r->md, " |");
    }
    strbuf_puts(&r->html, "</tr>\n");
    strbuf_puts(&r->md, "\n|---|---|---:|");
    for (int k = 0; k < RH_SUMMARY_COLS + 1 + s->nev; k++)
        strbuf_puts(&r->md, "---:|");
    strbuf_puts(&r->md, "\n");
}

/* One value cell: the median, its spread and noisy mark, bold/highlighted when best. */
static void report_page_sum_cell(struct report_doc *r, const struct report_page_sum *s, size_t i,
                                 int k, bool best)
{
    size_t at = i * RH_SUMMARY_COLS + k;
    const char *col = report_page_cols[k];
    if (!s->has[at]) {
        strbuf_puts(&r->html, "<td class=\"na\">n/a</td>");
        strbuf_puts(&r->md, " n/a |");
        return;
    }
    char txt[64], spread[32] = "";
    report_doc_fmt(s->val[at], report_doc_unit(!strcmp(col, "syscalls") ? "sys_brk" : col), txt,
                   sizeof txt);
    bool noisy = strcmp(col, "syscalls") &&
                 report_page_spread(s->c, i, col, s->val[at], spread, sizeof spread);
    strbuf_printf(&r->html, "<td%s%s>%s%s%s</td>", best ? " class=\"best\"" : "",
                  noisy ? " title=\"noisy: cv > 10 %\"" : "", txt, spread,
                  noisy ? "<span class=\"noisy\">!</span>" : "");
    strbuf_printf(&r->md, best ? " **%s**%s%s |" : " %s%s%s |", txt, spread, noisy ? "!" : "");
}

static void report_page_sum_row(struct report_doc *r, const struct report_page_sum *s, size_t i,
                                const double *best, const int *nhave)
{
    const struct csv *c = s->c;
    char be[RH_LABEL], rel[32];
    report_doc_label(be, sizeof be, csv_get(c, i, csv_col(c, "backend")),
                     csv_get(c, i, csv_col(c, "backend_params")));
    const char *ok = csv_get(c, i, csv_col(c, "ok_runs"));
    const char *runs = csv_get(c, i, csv_col(c, "runs"));
    const char *text[3] = {s->wl[i], be, NULL};
    strbuf_puts(&r->html, "<tr>");
    strbuf_puts(&r->md, "|");
    for (int t = 0; text[t]; t++)
        report_doc_tcell(r, "td", text[t], "l");
    strbuf_puts(&r->html, "<td>");
    report_esc_html(&r->html, ok);
    strbuf_puts(&r->html, "/");
    report_esc_html(&r->html, runs);
    strbuf_puts(&r->html, "</td>");
    strbuf_puts(&r->md, " ");
    report_esc_md(&r->md, ok);
    strbuf_puts(&r->md, "/");
    report_esc_md(&r->md, runs);
    strbuf_puts(&r->md, " |");
    for (int k = 0; k < RH_SUMMARY_COLS; k++)
        report_page_sum_cell(r, s, i, k,
                             nhave[k] >= 2 && s->val[i * RH_SUMMARY_COLS + k] == best[k]);
    report_page_rel(c, i, s->ref, s->wl, rel, sizeof rel);
    strbuf_printf(&r->html, "<td>%s</td>", rel);
    strbuf_printf(&r->md, " %s |", rel);
    report_page_event_cells(r, csv_get(c, i, csv_col(c, "cell")), s->ev, s->nev);
    strbuf_puts(&r->html, "</tr>\n");
    strbuf_puts(&r->md, "\n");
}

void report_page_summary(struct report_doc *r)
{
    report_doc_heading(r, 2,
                       "Summary (medians ± half their runs' range; best per workload highlighted)");
    if (!r->have_aggs || r->aggs.nrows == 0) {
        report_doc_para(r, "No aggregates.csv: nothing to summarise.", "warn");
        return;
    }
    struct report_page_sum s;
    report_page_sum_load(r, &s);
    report_page_sum_head(r, &s);
    size_t n = s.c->nrows;
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
            for (int k = 0; k < RH_SUMMARY_COLS && !strcmp(s.wl[i], s.wl[g]); k++)
                if (s.has[i * RH_SUMMARY_COLS + k]) {
                    nhave[k]++;
                    best[k] = fmin(best[k], s.val[i * RH_SUMMARY_COLS + k]);
                }
        for (size_t i = g; i < n; i++)
            if (!strcmp(s.wl[i], s.wl[g])) {
                done[i] = true;
                report_page_sum_row(r, &s, i, best, nhave);
            }
    }
    strbuf_puts(&r->html, "</table>\n");
    strbuf_puts(&r->md, "\n");
    report_doc_para(r,
                    "syscalls = brk+mmap+munmap+mremap+madvise+mprotect (tracepoints, or the "
                    "OS-layer counts where tracepoints were unavailable); n/a = not measured, "
                    "never 0; ±: half the min-max range of the runs over the median; !: noisy "
                    "(cv > 10 %); time vs: median time per op over the reference backend's on "
                    "the same workload.",
                    NULL);
    free(done);
    free(s.val);
    free(s.has);
    free(s.wl);
}

void report_page_plots(struct report_doc *r, bool plotted)
{
    report_doc_heading(r, 2, "Plots");
    char path[RH_PATH];
    snprintf(path, sizeof path, "%s/plots/manifest.txt", r->dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        report_doc_para(r,
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
            if (!report_doc_manifest_fields(line, fields) || !strcmp(fields[1], "tune") ||
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
                report_doc_heading(r, 3, t);
            }
            char reading[4096];
            report_read(r, fields[1], fields[2], reading, sizeof reading);
            report_doc_figure(r, fields, reading);
        }
        free(line);
        fclose(f);
    }
    report_doc_skipped(r, false, "Skipped plots");
}

void report_page_claims(struct report_doc *r)
{
    if (!r->have_seed)
        return;
    const struct csv *c = &r->seed;
    report_doc_heading(r, 2, "Seed claims");
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
void report_page_collect_warnings(struct report_doc *r)
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
        report_doc_warn(r, "counters not measured in any run (empty cells, not zeros): %s",
                        missing);
    for (size_t i = 0; i < s->nrows; i++) {
        const char *outcome = csv_get(s, i, co);
        if (!strcmp(outcome, "ok"))
            continue;
        const struct report_doc_cell *c = report_doc_cell(r, csv_get(s, i, csv_col(s, "cell")));
        report_doc_warn(r, "run %s rep %s (%s x %s): %s", csv_get(s, i, csv_col(s, "cell")),
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
            const struct report_doc_cell *c = report_doc_cell(r, csv_get(a, i, csv_col(a, "cell")));
            report_doc_warn(r, "noisy cell %s (%s x %s): %s", csv_get(a, i, csv_col(a, "cell")),
                            c ? c->backend : "?", c ? c->workload : "?", list);
        }
    }
}

void report_page_warnings(struct report_doc *r)
{
    report_doc_heading(r, 2, "Warnings");
    if (r->nwarnings == 0) {
        report_doc_para(r, "None.", NULL);
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
