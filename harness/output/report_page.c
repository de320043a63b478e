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
void report_page_summary(struct report_doc *r)
{
    static const char *const cols[RH_SUMMARY_COLS] = {"ns_per_op",  "minflt",  "majflt",
                                                      "syscalls",   "sys_brk", "sys_mmap",
                                                      "sys_munmap", "rss_peak"};
    report_doc_heading(r, 2, "Summary (medians; best per workload highlighted)");
    if (!r->have_aggs || r->aggs.nrows == 0) {
        report_doc_para(r, "No aggregates.csv: nothing to summarise.", "warn");
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
        report_doc_label(wl[i], RH_LABEL, csv_get(c, i, csv_col(c, "workload")),
                         csv_get(c, i, csv_col(c, "workload_params")));
        for (int k = 0; k < RH_SUMMARY_COLS; k++) {
            char col[64];
            snprintf(col, sizeof col, "%s_median", cols[k]);
            has[i * RH_SUMMARY_COLS + k] =
                !strcmp(cols[k], "syscalls")
                    ? report_doc_syscalls(c, i, "_median", &val[i * RH_SUMMARY_COLS + k])
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
    int ev[RH_EVENTS], nev = report_page_event_cols(r, ev);
    for (int e = 0; e < nev; e++) { /* the event's name as given to --events */
        strbuf_puts(&r->html, "<th>");
        report_esc_html(&r->html, r->samples.header[ev[e]] + 3);
        strbuf_puts(&r->html, "</th>");
        strbuf_puts(&r->md, " ");
        report_esc_md(&r->md, r->samples.header[ev[e]] + 3);
        strbuf_puts(&r->md, " |");
    }
    strbuf_puts(&r->html, "</tr>\n");
    strbuf_puts(&r->md, "\n|---|---|---:|");
    for (int k = 0; k < RH_SUMMARY_COLS + nev; k++)
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
            report_doc_label(be, sizeof be, csv_get(c, i, csv_col(c, "backend")),
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
                report_doc_fmt(val[at],
                               report_doc_unit(!strcmp(cols[k], "syscalls") ? "sys_brk" : cols[k]),
                               txt, sizeof txt);
                bool mark = nhave[k] >= 2 && val[at] == best[k];
                strbuf_printf(&r->html, "<td%s>%s</td>", mark ? " class=\"best\"" : "", txt);
                strbuf_printf(&r->md, mark ? " **%s** |" : " %s |", txt);
            }
            report_page_event_cells(r, csv_get(c, i, csv_col(c, "cell")), ev, nev);
            strbuf_puts(&r->html, "</tr>\n");
            strbuf_puts(&r->md, "\n");
        }
    }
    strbuf_puts(&r->html, "</table>\n");
    strbuf_puts(&r->md, "\n");
    report_doc_para(r,
                    "syscalls = brk+mmap+munmap+mremap+madvise (tracepoints, or the OS-layer "
                    "counts where tracepoints were unavailable); n/a = not measured, never 0.",
                    NULL);
    free(done);
    free(val);
    free(has);
    free(wl);
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
                report_doc_heading(r, 3, "Skipped plots");
            first = false;
            char text[1100];
            snprintf(text, sizeof text, "skipped %s", line);
            report_doc_para(r, text, "skip");
        }
        fclose(f);
    }
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
