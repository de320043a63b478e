/* Call-site files and tables: writes callsites.csv and the folded stacks from the tables of a
 * `faultline exec --callsites` run, and renders the "top call sites" table from callsites.csv
 * (so the report can show it from a results directory alone). */
#define _GNU_SOURCE
#include "callsites_out.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "csv.h"
#include "report_esc.h"
#include "results.h"

static void callsites_out_csv(const struct callsites_out_cell *cells, unsigned n, struct strbuf *sb)
{
    strbuf_puts(
        sb, "cell,backend,event,runs,count,samples,period,bytes,site,entry,stack,note,reason\n");
    for (unsigned c = 0; c < n; c++) {
        const struct callsites_table *t = cells[c].t;
        if (t->runs == 0) { /* nothing recorded: one row of nulls saying why */
            strbuf_printf(sb, "%s,", cells[c].id);
            csv_field(sb, cells[c].spec);
            strbuf_puts(sb, ",,0,,,,,,,,");
            csv_field(sb, t->reason[0] ? t->reason : "no successful run");
            strbuf_puts(sb, ",\n");
            continue;
        }
        /* the policy reasons are glibc's ("glibc", "glibc:PARAMS", "glibc+trace") */
        const char *sp = cells[c].spec;
        bool glibc = !strncmp(sp, "glibc", 5) && (!sp[5] || sp[5] == ':' || sp[5] == '+');
        for (size_t i = 0; i < t->n; i++) {
            const struct callsites_row *row = &t->rows[i];
            strbuf_printf(sb, "%s,", cells[c].id);
            csv_field(sb, cells[c].spec);
            strbuf_printf(
                sb, ",%s,%u,%llu,%llu,%llu,", callchain_event_name(row->event), t->runs,
                (unsigned long long)row->count, (unsigned long long)row->samples,
                (unsigned long long)(row->event == CALLCHAIN_FAULT ? t->fault_period : 1));
            if (row->bytes_valid)
                strbuf_printf(sb, "%lld", (long long)row->bytes);
            strbuf_puts(sb, ",");
            /* quoted by RFC 4180 when they need it: C++ names hold commas */
            const char *where[] = {row->site, row->entry, row->stack};
            csv_fields(sb, where, 3);
            strbuf_puts(sb, ",");
            if (t->lost)
                strbuf_printf(sb, "%llu samples lost (ring full)", (unsigned long long)t->lost);
            strbuf_puts(sb, ",");
            const char *why = glibc ? callsites_glibc_reason(row) : NULL;
            if (why)
                csv_field(sb, why);
            strbuf_puts(sb, "\n");
        }
    }
}

int callsites_out_write(const char *dir, const struct callsites_out_cell *cells, unsigned n)
{
    struct strbuf sb;
    strbuf_init(&sb);
    callsites_out_csv(cells, n, &sb);
    char path[4400];
    snprintf(path, sizeof path, "%s/callsites.csv", dir);
    int rc = atomic_file_write(path, sb.data, sb.len);
    snprintf(path, sizeof path, "%s/callsites", dir);
    if (rc == 0)
        rc = atomic_file_mkdirs(path);
    for (unsigned c = 0; c < n && rc == 0; c++) {
        for (int ev = 0; ev < CALLCHAIN_EVENT_COUNT && rc == 0; ev++) {
            const struct callsites_table *t = cells[c].t;
            strbuf_reset(&sb);
            for (size_t i = 0; i < t->n; i++)
                if (t->rows[i].event == (enum callchain_event)ev)
                    strbuf_printf(&sb, "%s %llu\n", t->rows[i].stack,
                                  (unsigned long long)t->rows[i].count);
            if (!sb.len)
                continue;
            snprintf(path, sizeof path, "%s/callsites/%s-%s.folded", dir, cells[c].id,
                     callchain_event_name((enum callchain_event)ev));
            rc = atomic_file_write(path, sb.data, sb.len);
        }
    }
    strbuf_free(&sb);
    return rc;
}

/* ---- the top table ------------------------------------------------------------------------ */

enum { CALLSITES_OUT_SYS, CALLSITES_OUT_FAULT, CALLSITES_OUT_BYTES, CALLSITES_OUT_RANKS };

/* glibc's distinct policy reasons (callsites_glibc_reason): four, a site may show each */
enum { CALLSITES_OUT_REASONS = 4 };

struct callsites_out_site {
    const char *cell, *backend, *site, *entry;
    const char *reason[CALLSITES_OUT_REASONS]; /* distinct, non-empty; NULL-terminated early */
    double sys[CALLCHAIN_SYSCALLS];            /* per run */
    double value[CALLSITES_OUT_RANKS];
};

static int callsites_out_event(const char *name)
{
    for (int e = 0; e < CALLCHAIN_EVENT_COUNT; e++)
        if (!strcmp(name, callchain_event_name((enum callchain_event)e)))
            return e;
    return -1;
}

/* Sum callsites.csv's rows per (cell, site, entry), per run. */
static size_t callsites_out_group(const struct csv *c, struct callsites_out_site **out)
{
    int ccell = csv_col(c, "cell"), cback = csv_col(c, "backend"), cev = csv_col(c, "event"),
        cruns = csv_col(c, "runs"), ccount = csv_col(c, "count"), cbytes = csv_col(c, "bytes"),
        csite = csv_col(c, "site"), centry = csv_col(c, "entry"), creason = csv_col(c, "reason");
    struct callsites_out_site *v = calloc(c->nrows + 1, sizeof *v);
    if (!v)
        abort();
    size_t n = 0;
    for (size_t r = 0; r < c->nrows; r++) {
        double runs, count, bytes = 0;
        int ev = callsites_out_event(csv_get(c, r, cev));
        if (ev < 0 || !csv_num(c, r, cruns, &runs) || runs <= 0 || !csv_num(c, r, ccount, &count))
            continue;
        csv_num(c, r, cbytes, &bytes);
        const char *cell = csv_get(c, r, ccell), *site = csv_get(c, r, csite),
                   *entry = csv_get(c, r, centry);
        size_t i = 0;
        while (i < n &&
               (strcmp(v[i].cell, cell) || strcmp(v[i].site, site) || strcmp(v[i].entry, entry)))
            i++;
        if (i == n) {
            v[n].cell = cell, v[n].backend = csv_get(c, r, cback), v[n].site = site;
            v[n].entry = entry;
            n++;
        }
        /* a site's rows differ by syscall, so one (site, entry) may carry several reasons */
        const char *why = csv_get(c, r, creason);
        for (int k = 0; *why && k < CALLSITES_OUT_REASONS; k++) {
            if (!v[i].reason[k])
                v[i].reason[k] = why;
            if (!strcmp(v[i].reason[k], why))
                break;
        }
        if (ev == CALLCHAIN_FAULT) {
            v[i].value[CALLSITES_OUT_FAULT] += count / runs;
        } else {
            v[i].sys[ev] += count / runs;
            v[i].value[CALLSITES_OUT_SYS] += count / runs;
            if ((ev == CALLCHAIN_MMAP || ev == CALLCHAIN_MREMAP || ev == CALLCHAIN_BRK) &&
                bytes > 0)
                v[i].value[CALLSITES_OUT_BYTES] += bytes / runs;
        }
    }
    *out = v;
    return n;
}

static int callsites_out_rank_key;
static int callsites_out_cmp(const void *a, const void *b)
{
    double x = ((const struct callsites_out_site *)a)->value[callsites_out_rank_key];
    double y = ((const struct callsites_out_site *)b)->value[callsites_out_rank_key];
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Text into a table cell, through report_esc (the pages' one escaping). */
static void callsites_out_cell_text(struct strbuf *sb, const char *s, enum callsites_out_fmt fmt)
{
    if (fmt == CALLSITES_OUT_HTML)
        report_esc_html(sb, s);
    else
        report_esc_md(sb, s);
}

/* The call site in a Markdown code span: backslash escapes do not work inside one, so
 * report_esc_md would show its backslashes; a pipe still ends the table cell (GFM) and a
 * backquote the span, and a line break the row. */
static void callsites_out_md_code(struct strbuf *sb, const char *s)
{
    for (; *s; s++) {
        if (*s == '|' || *s == '`' || *s == '\n' || *s == '\r')
            strbuf_puts(sb, *s == '|' ? "\\|" : *s == '`' ? "'" : " ");
        else
            strbuf_add(sb, s, 1);
    }
}

/* glibc's policy reasons of a site, "; "-separated, or an em dash where none is known. */
static void callsites_out_reasons(struct strbuf *sb, const struct callsites_out_site *s,
                                  enum callsites_out_fmt fmt)
{
    if (!s->reason[0]) {
        strbuf_puts(sb, "\u2014");
        return;
    }
    for (int k = 0; k < CALLSITES_OUT_REASONS && s->reason[k]; k++) {
        if (k)
            strbuf_puts(sb, "; ");
        callsites_out_cell_text(sb, s->reason[k], fmt);
    }
}

static void callsites_out_row(const struct callsites_out_site *s, int rank,
                              enum callsites_out_fmt fmt, struct strbuf *sb)
{
    char what[160] = "", val[48];
    size_t used = 0;
    for (int e = 0; e < CALLCHAIN_SYSCALLS && rank == CALLSITES_OUT_SYS; e++)
        if (s->sys[e] > 0 && used < sizeof what)
            used += (size_t)snprintf(what + used, sizeof what - used, "%s%s %.0f", used ? " " : "",
                                     callchain_event_name(e), s->sys[e]);
    if (rank == CALLSITES_OUT_BYTES)
        report_human(s->value[rank], "B", val, sizeof val);
    else
        snprintf(val, sizeof val, "%.0f", s->value[rank]);
    if (rank != CALLSITES_OUT_SYS)
        snprintf(what, sizeof what, "%s", val);
    const char *entry = s->entry[0] ? s->entry : "-";
    if (fmt == CALLSITES_OUT_CONSOLE) {
        strbuf_printf(sb, "    %-40s %-18s %s\n", s->site, entry, what);
        return;
    }
    bool html = fmt == CALLSITES_OUT_HTML;
    strbuf_puts(sb, html ? "<tr><td><code>" : "| `");
    if (html)
        callsites_out_cell_text(sb, s->site, fmt);
    else
        callsites_out_md_code(sb, s->site);
    strbuf_puts(sb, html ? "</code></td><td>" : "` | ");
    callsites_out_cell_text(sb, entry, fmt);
    strbuf_puts(sb, html ? "</td><td>" : " | ");
    callsites_out_reasons(sb, s, fmt);
    strbuf_puts(sb, html ? "</td><td class=\"num\">" : " | ");
    strbuf_puts(sb, what);
    strbuf_puts(sb, html ? "</td></tr>\n" : " |\n");
}

static const char *const callsites_out_titles[CALLSITES_OUT_RANKS] = {
    "by syscalls (per run)", "by faults (per run, sampled)", "by mapped bytes (per run)"};

static void callsites_out_head(enum callsites_out_fmt fmt, const char *backend, int rank,
                               struct strbuf *sb)
{
    const char *col = rank == CALLSITES_OUT_SYS     ? "syscalls"
                      : rank == CALLSITES_OUT_FAULT ? "faults"
                                                    : "mapped bytes";
    if (fmt == CALLSITES_OUT_CONSOLE) {
        strbuf_printf(sb, "  %s, %s:\n", backend, callsites_out_titles[rank]);
        return;
    }
    bool html = fmt == CALLSITES_OUT_HTML;
    strbuf_puts(sb, html ? "<h3>" : "\n");
    callsites_out_cell_text(sb, backend, fmt);
    strbuf_printf(sb,
                  html ? ", %s</h3>\n<table>\n<tr><th>call site</th><th>via</th><th>glibc "
                         "policy reason</th><th>%s</th></tr>\n"
                       : ", %s:\n\n| call site | via | glibc policy reason | %s |\n"
                         "|---|---|---|---:|\n",
                  callsites_out_titles[rank], col);
}

bool callsites_out_top(const char *dir, unsigned k, enum callsites_out_fmt fmt, struct strbuf *sb)
{
    static const char *const intro[3] = {
        "\ntop call sites (first frame outside the allocator, via the allocator function it "
        "called):\n",
        "\n## Top call sites\n\nCall site = the first frame outside the allocator (libc, the "
        "preloaded allocator, the loader); via = the allocator function it called; glibc policy "
        "reason = why glibc's malloc made that call, told from the trace (— where it cannot "
        "be told or the backend is not glibc). From `callsites.csv` (`faultline exec "
        "--callsites`).\n",
        "<h2>Top call sites</h2>\n<p>Call site = the first frame outside the allocator (libc, "
        "the preloaded allocator, the loader); via = the allocator function it called; glibc "
        "policy reason = why glibc's malloc made that call, told from the trace (— where it "
        "cannot be told or the backend is not glibc). From <code>callsites.csv</code> "
        "(<code>faultline exec --callsites</code>).</p>\n"};
    char path[4400];
    snprintf(path, sizeof path, "%s/callsites.csv", dir);
    struct csv c;
    if (csv_load(&c, path) != 0)
        return false;
    struct callsites_out_site *v;
    size_t n = callsites_out_group(&c, &v);
    strbuf_puts(sb, intro[fmt]);
    if (n == 0)
        strbuf_puts(sb, fmt == CALLSITES_OUT_HTML ? "<p>None recorded (see the warnings).</p>\n"
                                                  : "  none recorded (see the warnings)\n");
    for (size_t first = 0; first < n;) {
        size_t end = first; /* rows of one cell are contiguous */
        while (end < n && !strcmp(v[end].cell, v[first].cell))
            end++;
        for (int rank = 0; rank < CALLSITES_OUT_RANKS; rank++) {
            callsites_out_rank_key = rank;
            qsort(v + first, end - first, sizeof *v, callsites_out_cmp);
            callsites_out_head(fmt, v[first].backend, rank, sb);
            for (size_t i = first; i < end && i < first + k && v[i].value[rank] > 0; i++)
                callsites_out_row(&v[i], rank, fmt, sb);
            if (fmt == CALLSITES_OUT_HTML)
                strbuf_puts(sb, "</table>\n");
        }
        first = end;
    }
    free(v);
    csv_free(&c);
    return true;
}
