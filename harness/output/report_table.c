/* Console and Markdown tables of per-cell medians, units scaled for humans. */
#include <stdio.h>
#include <string.h>

#include "hw_events.h"
#include "results.h"

/* The columns a human wants first; everything else is in the files. */
static const char *const report_table_cols[] = {
    "ns_per_op", "minflt", "majflt", "sys_brk", "sys_mmap", "sys_munmap", "rss_peak",
};
#define REPORT_TABLE_NCOLS (sizeof report_table_cols / sizeof report_table_cols[0])

static void report_table_cell_text(const struct results *r, unsigned c, unsigned col, char *buf,
                                   size_t len)
{
    int m = sample_metric_index(report_table_cols[col]);
    struct stats_summary s;
    if (m < 0 || !results_cell_summary(r, c, m, &s)) {
        snprintf(buf, len, "-");
        return;
    }
    report_human(s.median, sample_metrics[m].unit, buf, len);
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
    for (unsigned k = 0; k < REPORT_TABLE_NCOLS; k++)
        strbuf_printf(sb, md ? "%s%s" : "%s%11s", sep, report_table_cols[k]);
    for (unsigned k = 0; k < r->nhw; k++) /* --events: one column each, medians */
        strbuf_printf(sb, md ? "%s%s" : "%s%16s", sep, r->hw_events[k]);
    strbuf_printf(sb, "%s%s%s\n", sep, "runs", md ? " |" : "");
    if (md) {
        strbuf_puts(sb, "|---|---|");
        for (unsigned k = 0; k < REPORT_TABLE_NCOLS + r->nhw; k++)
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
        for (unsigned k = 0; k < REPORT_TABLE_NCOLS; k++) {
            char v[64];
            report_table_cell_text(r, c, k, v, sizeof v);
            strbuf_printf(sb, md ? "%s%s" : "%s%11s", sep, v);
        }
        for (unsigned k = 0; k < r->nhw; k++) {
            char v[64] = "-";
            double med;
            if (hw_events_cell_median(r, c, k, &med))
                report_human(med, "", v, sizeof v);
            strbuf_printf(sb, md ? "%s%s" : "%s%16s", sep, v);
        }
        strbuf_printf(sb, "%s%s%s\n", sep, out, md ? " |" : "");
    }
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
