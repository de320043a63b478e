/* Console and Markdown tables of per-cell medians with their spread, units scaled for humans,
 * noisy cells marked in place, a time column relative to a reference backend, and a warning
 * about outlier runs (in the manner of hyperfine's). */
#include "report_table.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hw_events.h"
#include "os.h"
#include "results.h"

static const char *report_table_ref;

void report_table_set_ref(const char *backend)
{
    report_table_ref = backend;
}

/* A run is an outlier when its time is this far from the cell's median (factor). */
#define REPORT_TABLE_OUTLIER 1.5

/* The columns a human wants first; everything else is in the files. The syscall columns are
 * one per OS-layer kind (enum os_call): brk, mmap and munmap always, the rarer kinds (mremap,
 * madvise, mprotect) when some cell made that call, so the common table stays narrow but a
 * glibc threads run shows its arenas' mprotect traffic. */
#define REPORT_TABLE_MAXCOLS (4 + OS_CALL_COUNT)
#define REPORT_TABLE_ALWAYS  OS_MREMAP /* kinds below this always get a column */

struct report_table_cols {
    unsigned n;
    char name[REPORT_TABLE_MAXCOLS][32];
};

static bool report_table_kind_used(const struct results *r, const char *metric)
{
    int m = sample_metric_index(metric);
    struct stats_summary s;
    for (unsigned c = 0; m >= 0 && c < r->ncells; c++)
        if (results_cell_summary(r, c, m, &s) && s.max > 0)
            return true;
    return false;
}

static void report_table_columns(const struct results *r, struct report_table_cols *cols)
{
    static const char *const first[] = {"ns_per_op", "minflt", "majflt"};
    cols->n = 0;
    for (unsigned k = 0; k < 3; k++)
        snprintf(cols->name[cols->n++], sizeof cols->name[0], "%s", first[k]);
    for (int k = 0; k < OS_CALL_COUNT; k++) {
        char *name = cols->name[cols->n];
        snprintf(name, sizeof cols->name[0], "sys_%s", os_call_name((enum os_call)k));
        if (k < REPORT_TABLE_ALWAYS || report_table_kind_used(r, name))
            cols->n++;
    }
    snprintf(cols->name[cols->n++], sizeof cols->name[0], "rss_peak");
}

/* "855 us ±12%!": the median, half the min-max range of the runs relative to it (omitted when
 * the runs agree), and '!' when the cell is noisy. */
static void report_table_cell_text(const struct results *r, unsigned c, const char *col, char *buf,
                                   size_t len)
{
    int m = sample_metric_index(col);
    struct stats_summary s;
    if (m < 0 || !results_cell_summary(r, c, m, &s)) {
        snprintf(buf, len, "-");
        return;
    }
    char med[48];
    report_human(s.median, sample_metrics[m].unit, med, sizeof med);
    double half = s.median > 0 ? (s.max - s.min) / 2 / s.median * 100 : 0;
    bool noisy = s.n >= 2 && s.cv > REPORT_TABLE_NOISY_CV;
    if (s.n >= 2 && half >= 0.5)
        snprintf(buf, len, "%s ±%.0f%%%s", med, half, noisy ? "!" : "");
    else
        snprintf(buf, len, "%s%s", med, noisy ? "!" : "");
}

/* The reference backend: --ref, else glibc when it was run, else the first cell's backend. */
static const char *report_table_refname(const struct results *r)
{
    if (report_table_ref)
        return report_table_ref;
    for (unsigned c = 0; c < r->ncells; c++)
        if (!strcmp(r->cells[c].backend_spec, "glibc"))
            return "glibc";
    return r->ncells ? r->cells[0].backend_spec : "";
}

/* Median time of this cell over the reference backend's on the same workload: "1.13x". */
static void report_table_rel(const struct results *r, unsigned c, const char *ref, char *buf,
                             size_t len)
{
    int m = sample_metric_index("ns_per_op");
    struct stats_summary a, b;
    snprintf(buf, len, "-");
    if (m < 0 || !results_cell_summary(r, c, m, &a))
        return;
    for (unsigned k = 0; k < r->ncells; k++)
        if (!strcmp(r->cells[k].backend_spec, ref) &&
            !strcmp(r->cells[k].workload_spec, r->cells[c].workload_spec) &&
            results_cell_summary(r, k, m, &b) && b.median > 0) {
            snprintf(buf, len, "%.2fx", a.median / b.median);
            return;
        }
}

/* Cells with a run whose time is REPORT_TABLE_OUTLIER times off the median: a warning. */
static void report_table_outliers(const struct results *r, struct strbuf *sb, bool md)
{
    int m = sample_metric_index("ns_per_op");
    unsigned n = 0, first = 0;
    for (unsigned c = 0; m >= 0 && c < r->ncells; c++) {
        struct stats_summary s;
        if (!results_cell_summary(r, c, m, &s) || s.n < 3 || s.median <= 0)
            continue;
        if (s.max > s.median * REPORT_TABLE_OUTLIER || s.min < s.median / REPORT_TABLE_OUTLIER) {
            if (!n++)
                first = c;
        }
    }
    if (n)
        strbuf_printf(sb,
                      "%sWarning: statistical outliers in %u cell%s (a run's time %.1fx off its "
                      "median; first %s x %s). Other programs or caches may disturb the runs: "
                      "more --runs, --warmup 1 and a quieter machine help.\n",
                      md ? "\n" : "\n  ", n, n == 1 ? "" : "s", REPORT_TABLE_OUTLIER,
                      r->cells[first].backend_spec, r->cells[first].workload_spec);
}

static void report_table_outcomes(const struct results *r, unsigned c, char *buf, size_t len)
{
    unsigned total = 0, ok = 0;
    const char *bad = NULL;
    for (unsigned i = 0; i < r->nruns; i++) {
        if (r->runs[i].cell != c)
            continue;
        total++;
        if (r->runs[i].ok)
            ok++;
        else if (!bad)
            bad = r->runs[i].outcome;
    }
    if (bad)
        snprintf(buf, len, "%u/%u ok (%s)", ok, total, bad);
    else
        snprintf(buf, len, "%u/%u ok", ok, total);
}

static void report_table_render(const struct results *r, struct strbuf *sb, bool md)
{
    const char *sep = md ? " | " : "  ";
    if (md)
        strbuf_puts(sb, "| ");
    strbuf_printf(sb, md ? "%s%s%s" : "%-34s%s%-30s", "backend", sep, "workload");
    struct report_table_cols cols;
    report_table_columns(r, &cols);
    const char *ref = report_table_refname(r);
    char relh[64];
    snprintf(relh, sizeof relh, "time vs %s", ref);
    for (unsigned k = 0; k < cols.n; k++)
        strbuf_printf(sb, md ? "%s%s" : "%s%15s", sep, cols.name[k]);
    strbuf_printf(sb, md ? "%s%s" : "%s%14s", sep, relh);
    for (unsigned k = 0; k < r->nhw; k++) /* --events: one column each, medians */
        strbuf_printf(sb, md ? "%s%s" : "%s%16s", sep, r->hw_events[k]);
    strbuf_printf(sb, "%s%s%s\n", sep, "runs", md ? " |" : "");
    if (md) {
        strbuf_puts(sb, "|---|---|");
        for (unsigned k = 0; k < cols.n + 1 + r->nhw; k++)
            strbuf_puts(sb, "---:|");
        strbuf_puts(sb, "---|\n");
    }
    for (unsigned c = 0; c < r->ncells; c++) {
        const struct cell *cl = &r->cells[c];
        char out[160];
        report_table_outcomes(r, c, out, sizeof out);
        if (md)
            strbuf_puts(sb, "| ");
        strbuf_printf(sb, md ? "%s%s%s" : "%-34s%s%-30s", cl->backend_spec, sep, cl->workload_spec);
        for (unsigned k = 0; k < cols.n; k++) {
            char v[64];
            report_table_cell_text(r, c, cols.name[k], v, sizeof v);
            strbuf_printf(sb, md ? "%s%s" : "%s%15s", sep, v);
        }
        char rel[32];
        report_table_rel(r, c, ref, rel, sizeof rel);
        strbuf_printf(sb, md ? "%s%s" : "%s%14s", sep, rel);
        for (unsigned k = 0; k < r->nhw; k++) {
            char v[64] = "-";
            double med;
            if (hw_events_cell_median(r, c, k, &med))
                report_human(med, "", v, sizeof v);
            strbuf_printf(sb, md ? "%s%s" : "%s%16s", sep, v);
        }
        strbuf_printf(sb, "%s%s%s\n", sep, out, md ? " |" : "");
    }
    strbuf_printf(sb,
                  "%smedian ±: half the min-max range of the runs, relative to the median; "
                  "!: noisy (cv > %.0f%%); time vs %s: median time per op over %s's on the same "
                  "workload\n",
                  md ? "\n" : "", REPORT_TABLE_NOISY_CV * 100, ref, ref);
    report_table_outliers(r, sb, md);
    if (r->nwarnings) {
        strbuf_puts(sb, md ? "\n**Warnings**\n\n" : "\nwarnings:\n");
        for (unsigned i = 0; i < r->nwarnings; i++)
            strbuf_printf(sb, "%s%s\n", md ? "- " : "  ", r->warnings[i]);
    }
}

static void report_console_render(const struct results *r, struct strbuf *sb)
{
    report_table_render(r, sb, false);
}

static void report_md_render(const struct results *r, struct strbuf *sb)
{
    report_table_render(r, sb, true);
}

const struct reporter report_console = {"console", report_console_render};
const struct reporter report_md = {"md", report_md_render};
