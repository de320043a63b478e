/* The report's "Timings per machine" section. `faultline merge` never pools timings across
 * machines whose fingerprints differ, so aggregates.csv (and the summary table built from it)
 * has no timing medians for a cell whose runs came from two machines; timings_by_machine.csv
 * has them per machine. This section shows that file as one table, each machine named by its id
 * and the CPU model machines.csv gives it. Every value comes from a results file and reaches the
 * pages only through report_esc (labels) or as a number this file formatted itself. */
#include "report_machines.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "csv.h"
#include "report_esc.h"

#define REPORT_MACHINES_ROWS 256 /* table rows shown; the rest are counted in one line */
#define REPORT_MACHINES_COLS 32  /* timing columns shown */

/* DIR/name into c: false when it is missing (the normal case: a single-machine directory has
 * no timings_by_machine.csv) or unreadable, which is said among the warnings. */
static bool report_machines_load(struct report_doc *r, struct csv *c, const char *name)
{
    char path[RH_PATH];
    snprintf(path, sizeof path, "%s/%s", r->dir, name);
    if (csv_load(c, path) == 0)
        return true;
    if (errno != ENOENT)
        report_doc_warn(r, "%s", c->err);
    return false;
}

/* Whether the rows name at least two machines (the file of a merge of one machine, or a file
 * cut down by hand, has nothing to compare). */
static bool report_machines_several(const struct csv *c, int cm)
{
    for (size_t i = 1; i < c->nrows; i++)
        if (strcmp(csv_get(c, i, cm), csv_get(c, 0, cm)))
            return true;
    return false;
}

/* The timing columns: every <metric>_median column with a number in at least one row (a
 * metric no machine measured, such as cycles without a PMU, would be a column of n/a). */
static int report_machines_cols(const struct csv *c, int *cols)
{
    int n = 0;
    for (size_t k = 0; k < c->ncols && n < REPORT_MACHINES_COLS; k++) {
        size_t len = strlen(c->header[k]);
        if (len <= 7 || strcmp(c->header[k] + len - 7, "_median"))
            continue;
        double v;
        for (size_t i = 0; i < c->nrows; i++)
            if (csv_num(c, i, (int)k, &v)) {
                cols[n++] = (int)k;
                break;
            }
    }
    return n;
}

/* The CPU model machines.csv gives machine id, or NULL. */
static const char *report_machines_cpu(const struct csv *m, const char *id)
{
    int cm = csv_col(m, "machine"), cc = csv_col(m, "cpu_model");
    for (size_t i = 0; i < m->nrows; i++)
        if (cc >= 0 && !strcmp(csv_get(m, i, cm), id))
            return csv_get(m, i, cc);
    return NULL;
}

static void report_machines_head(struct report_doc *r, const struct csv *t, const int *cols, int n)
{
    strbuf_puts(&r->html, "<table>\n<tr><th class=\"l\">cell</th><th class=\"l\">workload</th>"
                          "<th class=\"l\">backend</th><th class=\"l\">machine</th>"
                          "<th class=\"l\">CPU model</th><th>ok runs</th>");
    strbuf_puts(&r->md, "| cell | workload | backend | machine | CPU model | ok runs |");
    for (int k = 0; k < n; k++) { /* "wall_ns median": the metric's name is its unit */
        char name[128];
        const char *h = t->header[cols[k]];
        snprintf(name, sizeof name, "%.*s median", (int)(strlen(h) - 7), h);
        report_doc_tcell(r, "th", name, NULL);
    }
    strbuf_puts(&r->html, "</tr>\n");
    strbuf_puts(&r->md, "\n|---|---|---|---|---|---:|");
    for (int k = 0; k < n; k++)
        strbuf_puts(&r->md, "---:|");
    strbuf_puts(&r->md, "\n");
}

/* One row: the cell, its machine and that machine's medians, written as the CSV writes them
 * (whole numbers in full, others to 12 significant digits) so a reader can find them there. */
static void report_machines_row(struct report_doc *r, const struct csv *t, size_t i,
                                const struct csv *m, const int *cols, int n)
{
    char wl[RH_LABEL], be[RH_LABEL];
    report_doc_label(wl, sizeof wl, csv_get(t, i, csv_col(t, "workload")),
                     csv_get(t, i, csv_col(t, "workload_params")));
    report_doc_label(be, sizeof be, csv_get(t, i, csv_col(t, "backend")),
                     csv_get(t, i, csv_col(t, "backend_params")));
    const char *id = csv_get(t, i, csv_col(t, "machine"));
    const char *cpu = report_machines_cpu(m, id);
    strbuf_puts(&r->html, "<tr>");
    strbuf_puts(&r->md, "|");
    report_doc_tcell(r, "td", csv_get(t, i, csv_col(t, "cell")), "l");
    report_doc_tcell(r, "td", wl, "l");
    report_doc_tcell(r, "td", be, "l");
    report_doc_tcell(r, "td", id, "l");
    report_doc_tcell(r, "td", cpu ? cpu : "unknown (not in machines.csv)", cpu ? "l" : "l na");
    report_doc_tcell(r, "td", csv_get(t, i, csv_col(t, "ok_runs")), NULL);
    for (int k = 0; k < n; k++) {
        double v;
        char txt[64];
        if (!csv_num(t, i, cols[k], &v)) {
            report_doc_tcell(r, "td", "n/a", "na");
            continue;
        }
        if (v == floor(v) && fabs(v) < 9e15)
            snprintf(txt, sizeof txt, "%.0f", v);
        else
            snprintf(txt, sizeof txt, "%.12g", v);
        report_doc_tcell(r, "td", txt, NULL);
    }
    strbuf_puts(&r->html, "</tr>\n");
    strbuf_puts(&r->md, "\n");
}

void report_machines(struct report_doc *r)
{
    struct csv t, m = {0};
    if (!report_machines_load(r, &t, "timings_by_machine.csv"))
        return;
    int cm = csv_col(&t, "machine"), cols[REPORT_MACHINES_COLS];
    if (cm < 0 || !report_machines_several(&t, cm)) {
        csv_free(&t);
        return;
    }
    report_machines_load(r, &m, "machines.csv"); /* missing: CPU models are unknown */
    int n = report_machines_cols(&t, cols);
    report_doc_heading(r, 2, "Timings per machine");
    report_doc_para(r,
                    "Timings are not pooled across machines whose fingerprints differ (each row "
                    "is one machine's median over its own ok runs of the cell, from "
                    "timings_by_machine.csv, and the summary has no timing for a cell measured on "
                    "more than one machine), while counts are pooled across machines whose count "
                    "key (kernel, glibc, THP mode, build) agrees.",
                    NULL);
    report_machines_head(r, &t, cols, n);
    for (size_t i = 0; i < t.nrows && i < REPORT_MACHINES_ROWS; i++)
        report_machines_row(r, &t, i, &m, cols, n);
    strbuf_puts(&r->html, "</table>\n");
    strbuf_puts(&r->md, "\n");
    if (t.nrows > REPORT_MACHINES_ROWS) {
        char more[96];
        snprintf(more, sizeof more, "%zu more rows in timings_by_machine.csv.",
                 t.nrows - REPORT_MACHINES_ROWS);
        report_doc_para(r, more, NULL);
    }
    csv_free(&m); /* zeroed by a failed load */
    csv_free(&t);
}
