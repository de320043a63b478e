/* The report's "Why each OS call" section: from ledger.csv (the reason faultline's own backends
 * record for every brk/mmap/munmap/mremap/madvise/mprotect they make), the seed sequence call by
 * call, and for every other cell (each sweep setting) its calls grouped by reason, most
 * frequent first. One run per cell (the first in the file): the ledger of repetitions repeats
 * it. Numbers inside a reason (sizes, thresholds) are folded to N for grouping; the first
 * reason of each group is shown whole as its example. */
#include "report_why.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "report_esc.h"

#define REPORT_WHY_CELLS  64 /* cells shown; the rest are counted in one line */
#define REPORT_WHY_GROUPS 6  /* reason groups shown per cell */
#define REPORT_WHY_SEQ    40 /* rows of a seed-sequence cell shown call by call */

struct report_why_group {
    char call[16];
    char key[512];       /* the reason with every number folded to N */
    const char *example; /* its first reason, whole */
    unsigned long long count, bytes;
};

static void report_why_fold(const char *in, char *out, size_t len)
{
    size_t o = 0;
    for (const char *p = in; *p && o + 2 < len; p++) {
        if (isdigit((unsigned char)*p)) {
            while (isdigit((unsigned char)p[1]))
                p++;
            out[o++] = 'N';
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

static void report_why_text(struct strbuf *html, struct strbuf *md, const char *s)
{
    report_esc_html(html, s);
    report_esc_md(md, s);
}

static void report_why_heading(struct strbuf *html, struct strbuf *md, const char *backend,
                               const char *workload)
{
    strbuf_puts(html, "<h3>");
    strbuf_puts(md, "### ");
    report_why_text(html, md, backend);
    strbuf_puts(html, " &times; ");
    strbuf_puts(md, " x ");
    report_why_text(html, md, workload);
    strbuf_puts(html, "</h3>\n");
    strbuf_puts(md, "\n\n");
}

/* The seed sequence: every call of the cell's first run, in order. */
static void report_why_sequence(const struct csv *c, const size_t *rows, size_t n,
                                struct strbuf *html, struct strbuf *md)
{
    int cop = csv_col(c, "op"), ccall = csv_col(c, "call"), cbytes = csv_col(c, "bytes"),
        creason = csv_col(c, "reason");
    strbuf_puts(html, "<table>\n<tr><th>op</th><th class=\"l\">call</th><th>bytes</th>"
                      "<th class=\"l\">why</th></tr>\n");
    strbuf_puts(md, "| op | call | bytes | why |\n|---:|---|---:|---|\n");
    for (size_t k = 0; k < n && k < REPORT_WHY_SEQ; k++) {
        const char *f[4] = {csv_get(c, rows[k], cop), csv_get(c, rows[k], ccall),
                            csv_get(c, rows[k], cbytes), csv_get(c, rows[k], creason)};
        strbuf_puts(html, "<tr>");
        strbuf_puts(md, "|");
        for (int i = 0; i < 4; i++) {
            strbuf_puts(html, i == 1 || i == 3 ? "<td class=\"l\">" : "<td>");
            strbuf_puts(md, " ");
            report_why_text(html, md, f[i]);
            strbuf_puts(html, "</td>");
            strbuf_puts(md, " |");
        }
        strbuf_puts(html, "</tr>\n");
        strbuf_puts(md, "\n");
    }
    strbuf_puts(html, "</table>\n");
    strbuf_puts(md, "\n");
    if (n > REPORT_WHY_SEQ) {
        strbuf_printf(html, "<p>%zu more calls in ledger.csv.</p>\n", n - REPORT_WHY_SEQ);
        strbuf_printf(md, "%zu more calls in ledger.csv.\n\n", n - REPORT_WHY_SEQ);
    }
}

static int report_why_bycount(const void *a, const void *b)
{
    const struct report_why_group *x = a, *y = b;
    return (x->count < y->count) - (x->count > y->count);
}

/* Any other cell: calls grouped by call kind and folded reason, most frequent first. */
static void report_why_groups(const struct csv *c, const size_t *rows, size_t n,
                              struct strbuf *html, struct strbuf *md)
{
    int ccall = csv_col(c, "call"), cbytes = csv_col(c, "bytes"), creason = csv_col(c, "reason");
    struct report_why_group *g = calloc(n + 1, sizeof *g);
    size_t ng = 0;
    if (!g)
        abort();
    for (size_t k = 0; k < n; k++) {
        char key[512];
        const char *call = csv_get(c, rows[k], ccall);
        report_why_fold(csv_get(c, rows[k], creason), key, sizeof key);
        size_t i = 0;
        while (i < ng && (strcmp(g[i].key, key) || strcmp(g[i].call, call)))
            i++;
        if (i == ng) {
            snprintf(g[i].call, sizeof g[i].call, "%s", call);
            snprintf(g[i].key, sizeof g[i].key, "%s", key);
            g[i].example = csv_get(c, rows[k], creason);
            ng++;
        }
        double b = 0;
        g[i].count++;
        if (csv_num(c, rows[k], cbytes, &b) && b > 0)
            g[i].bytes += (unsigned long long)b;
    }
    qsort(g, ng, sizeof *g, report_why_bycount);
    strbuf_puts(html, "<table>\n<tr><th class=\"l\">call</th><th>calls</th><th>bytes</th>"
                      "<th class=\"l\">why (first such call)</th></tr>\n");
    strbuf_puts(md, "| call | calls | bytes | why (first such call) |\n|---|---:|---:|---|\n");
    for (size_t i = 0; i < ng && i < REPORT_WHY_GROUPS; i++) {
        strbuf_puts(html, "<tr><td class=\"l\">");
        strbuf_puts(md, "| ");
        report_why_text(html, md, g[i].call);
        strbuf_printf(html, "</td><td>%llu</td><td>%llu</td><td class=\"l\">", g[i].count,
                      g[i].bytes);
        strbuf_printf(md, " | %llu | %llu | ", g[i].count, g[i].bytes);
        report_why_text(html, md, g[i].example);
        strbuf_puts(html, "</td></tr>\n");
        strbuf_puts(md, " |\n");
    }
    strbuf_puts(html, "</table>\n");
    strbuf_puts(md, "\n");
    if (ng > REPORT_WHY_GROUPS) {
        strbuf_printf(html, "<p>%zu more kinds of reason in ledger.csv.</p>\n",
                      ng - REPORT_WHY_GROUPS);
        strbuf_printf(md, "%zu more kinds of reason in ledger.csv.\n\n", ng - REPORT_WHY_GROUPS);
    }
    free(g);
}

/* The rows of the first run (pid) of the cell that row `first` starts; every row of that cell,
 * its other runs included, is marked seen. One pass over the ledger per cell. */
static size_t report_why_rows(const struct csv *c, size_t first, size_t *rows, bool *seen)
{
    int cb = csv_col(c, "backend"), cw = csv_col(c, "workload"), cp = csv_col(c, "pid");
    size_t n = 0;
    for (size_t i = first; i < c->nrows; i++)
        if (!strcmp(csv_get(c, i, cb), csv_get(c, first, cb)) &&
            !strcmp(csv_get(c, i, cw), csv_get(c, first, cw))) {
            seen[i] = true;
            if (!strcmp(csv_get(c, i, cp), csv_get(c, first, cp)))
                rows[n++] = i;
        }
    return n;
}

void report_why(const char *dir, struct strbuf *html, struct strbuf *md)
{
    char path[4200];
    struct csv c;
    snprintf(path, sizeof path, "%s/ledger.csv", dir);
    if (csv_load(&c, path) != 0)
        return; /* no ledger: no backend of this directory records reasons */
    int cb = csv_col(&c, "backend"), cw = csv_col(&c, "workload");
    bool ok = cb >= 0 && cw >= 0 && csv_col(&c, "pid") >= 0 && csv_col(&c, "call") >= 0 &&
              csv_col(&c, "reason") >= 0 && csv_col(&c, "op") >= 0 && csv_col(&c, "bytes") >= 0;
    if (!ok || c.nrows == 0) {
        csv_free(&c);
        return;
    }
    size_t *rows = calloc(c.nrows + 1, sizeof *rows);
    bool *seen = calloc(c.nrows + 1, sizeof *seen);
    if (!rows || !seen)
        abort();
    strbuf_puts(html, "<h2>Why each OS call (ledger)</h2>\n<p>Every brk, mmap, munmap, mremap, "
                      "madvise and mprotect of faultline's own backends, with the reason the "
                      "policy gave (ledger.csv; one run per cell).</p>\n");
    strbuf_puts(md, "## Why each OS call (ledger)\n\nEvery brk, mmap, munmap, mremap, madvise and "
                    "mprotect of faultline's own backends, with the reason the policy gave "
                    "(ledger.csv; one run per cell).\n\n");
    unsigned shown = 0, more = 0;
    for (size_t i = 0; i < c.nrows; i++) {
        if (seen[i])
            continue;
        size_t n = report_why_rows(&c, i, rows, seen);
        if (shown == REPORT_WHY_CELLS) {
            more++;
            continue;
        }
        shown++;
        report_why_heading(html, md, csv_get(&c, i, cb), csv_get(&c, i, cw));
        if (!strncmp(csv_get(&c, i, cw), "seed-sequence", 13))
            report_why_sequence(&c, rows, n, html, md);
        else
            report_why_groups(&c, rows, n, html, md);
    }
    if (more) {
        strbuf_printf(html, "<p>%u more cells in ledger.csv.</p>\n", more);
        strbuf_printf(md, "%u more cells in ledger.csv.\n\n", more);
    }
    free(rows);
    free(seen);
    csv_free(&c);
}
