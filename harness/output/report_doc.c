/* The shared writing helpers of `faultline report`: one paragraph, heading or figure into both
 * index.html and report.md, number formatting, warnings, and lookups in the loaded inputs. */
#define _GNU_SOURCE
#include "report_doc.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os.h"
#include "report_esc.h"
#include "results.h"
#include "sample.h"

void report_doc_para(struct report_doc *r, const char *text, const char *cls)
{
    strbuf_printf(&r->html, "<p%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    report_esc_html(&r->html, text);
    strbuf_puts(&r->html, "</p>\n");
    report_esc_md(&r->md, text);
    strbuf_puts(&r->md, "\n\n");
}

void report_doc_heading(struct report_doc *r, int level, const char *text)
{
    strbuf_printf(&r->html, "<h%d>", level);
    report_esc_html(&r->html, text);
    strbuf_printf(&r->html, "</h%d>\n", level);
    strbuf_printf(&r->md, "%.*s ", level, "######");
    report_esc_md(&r->md, text);
    strbuf_puts(&r->md, "\n\n");
}

void report_doc_tcell(struct report_doc *r, const char *tag, const char *s, const char *cls)
{
    strbuf_printf(&r->html, "<%s%s%s%s>", tag, cls ? " class=\"" : "", cls ? cls : "",
                  cls ? "\"" : "");
    report_esc_html(&r->html, s);
    strbuf_printf(&r->html, "</%s>", tag);
    strbuf_puts(&r->md, " ");
    report_esc_md(&r->md, s);
    strbuf_puts(&r->md, " |");
}

const char *report_doc_unit(const char *metric)
{
    for (int m = 0; m < METRIC_COUNT; m++)
        if (!strcmp(sample_metrics[m].name, metric))
            return sample_metrics[m].unit;
    if (!strcmp(metric, "rss_bytes") || !strcmp(metric, "break_offset") ||
        !strcmp(metric, "mapped_bytes"))
        return "bytes";
    return "count";
}

void report_doc_fmt(double v, const char *unit, char *buf, size_t len)
{
    if (!strcmp(unit, "count") && v != floor(v))
        snprintf(buf, len, fabs(v) < 1e6 ? "%.4g" : "%.3g", v);
    else
        report_human(v, unit, buf, len);
}

void report_doc_label(char *out, size_t len, const char *name, const char *params)
{
    if (params[0])
        snprintf(out, len, "%s:%s", name, params);
    else
        snprintf(out, len, "%s", name);
}

void report_doc_warn(struct report_doc *r, const char *fmt, ...)
{
    if (r->nwarnings >= RH_WARN)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->warnings[r->nwarnings++], sizeof r->warnings[0], fmt, ap);
    va_end(ap);
}

/* "from A (who) to B (who)" over the smallest and largest value of a set. */
void report_doc_range(const struct report_doc_val *v, size_t n, const char *unit, char *out,
                      size_t len)
{
    size_t lo = 0, hi = 0;
    for (size_t i = 1; i < n; i++) {
        if (v[i].v < v[lo].v)
            lo = i;
        if (v[i].v > v[hi].v)
            hi = i;
    }
    char a[64], b[64];
    report_doc_fmt(v[lo].v, unit, a, sizeof a);
    report_doc_fmt(v[hi].v, unit, b, sizeof b);
    if (n == 1 || lo == hi || v[lo].v == v[hi].v)
        snprintf(out, len, "%s for every series (%s)", a, v[lo].who);
    else
        snprintf(out, len, "from %s (%s) to %s (%s)", a, v[lo].who, b, v[hi].who);
}

struct report_doc_val *report_doc_push(struct report_doc_val **arr, size_t *n)
{
    struct report_doc_val *nv = realloc(*arr, (*n + 1) * sizeof **arr);
    if (!nv)
        abort();
    *arr = nv;
    memset(&nv[*n], 0, sizeof nv[*n]);
    return &nv[(*n)++];
}

/* Sum of the medians/values of sys_<k> (tracepoints) or, failing that, os_<k> (OS layer), over
 * every kind of allocators/os.h. A results file written before mprotect was counted has no
 * such column: the sum leaves it out rather than becoming "not measured". */
bool report_doc_syscalls(const struct csv *c, size_t row, const char *suffix, double *out)
{
    static const char *const pre[] = {"sys", "os"};
    for (int p = 0; p < 2; p++) {
        double t = 0, x;
        bool ok = true;
        for (int k = 0; k < OS_CALL_COUNT && ok; k++) {
            char col[64];
            snprintf(col, sizeof col, "%s_%s%s", pre[p], os_call_name((enum os_call)k), suffix);
            if (csv_num(c, row, csv_col(c, col), &x))
                t += x;
            else if (k != OS_MPROTECT || csv_col(c, col) >= 0)
                ok = false;
        }
        if (ok) {
            *out = t;
            return true;
        }
    }
    return false;
}

const char *report_doc_ctx(const struct report_doc *r, const char *key)
{
    for (int i = 0; i < r->nctx; i++)
        if (!strcmp(r->ctx_key[i], key))
            return r->ctx_val[i];
    return NULL;
}

const struct report_doc_cell *report_doc_cell(const struct report_doc *r, const char *id)
{
    for (size_t i = 0; i < r->ncells; i++)
        if (!strcmp(r->cells[i].id, id))
            return &r->cells[i];
    return NULL;
}

/* Splits a manifest.txt line "name|family|args|title" in place; false for a malformed line. */
bool report_doc_manifest_fields(char *line, char *fields[4])
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

void report_doc_figure(struct report_doc *r, char *fields[4], const char *reading)
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

void report_doc_skipped(struct report_doc *r, bool tune, const char *heading)
{
    char path[RH_PATH], line[1024];
    snprintf(path, sizeof path, "%s/plots/skipped.txt", r->dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    bool first = true;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!line[0] || (strncmp(line, "tune-", 5) == 0) != tune)
            continue;
        if (first && heading)
            report_doc_heading(r, 3, heading);
        first = false;
        char text[1100];
        snprintf(text, sizeof text, "skipped %s", line);
        report_doc_para(r, text, "skip");
    }
    fclose(f);
}
