/* The report's explained-tails table: reads every tails/ CSV files of a results directory (one per
 * measured run, written by the child; see harness/measure/tails.c), sums the tail samples of
 * each (backend, workload, op) over the runs by cause, and renders one row per op kind with
 * each cause's share of the tail, its mean faults and mean latency. The shares of a row add up
 * to 100 % of its tail samples (every tail sample has exactly one cause). */
#define _GNU_SOURCE
#include "report_tails.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "report_esc.h"
#include "results.h"

#define REPORT_TAILS_CAUSES 16

struct report_tails_row {
    char backend[256], workload[256], op[16];
    unsigned runs;
    double samples, tail, p99_min, p99_max;
    unsigned ncause;
    char cause[REPORT_TAILS_CAUSES][64];
    double n[REPORT_TAILS_CAUSES], faults[REPORT_TAILS_CAUSES], ns[REPORT_TAILS_CAUSES];
};

struct report_tails_set {
    struct report_tails_row *v;
    size_t n, cap;
};

static struct report_tails_row *report_tails_row(struct report_tails_set *set, const char *b,
                                                 const char *w, const char *op)
{
    for (size_t i = 0; i < set->n; i++)
        if (!strcmp(set->v[i].backend, b) && !strcmp(set->v[i].workload, w) &&
            !strcmp(set->v[i].op, op))
            return &set->v[i];
    if (set->n == set->cap) {
        set->cap = set->cap ? 2 * set->cap : 16;
        set->v = realloc(set->v, set->cap * sizeof *set->v);
        if (!set->v)
            abort();
    }
    struct report_tails_row *r = &set->v[set->n++];
    memset(r, 0, sizeof *r);
    snprintf(r->backend, sizeof r->backend, "%s", b);
    snprintf(r->workload, sizeof r->workload, "%s", w);
    snprintf(r->op, sizeof r->op, "%s", op);
    return r;
}

/* One run's file: its rows, one per (op, cause), with the op's totals repeated. */
static void report_tails_file(struct report_tails_set *set, const struct csv *c)
{
    int cb = csv_col(c, "backend"), cw = csv_col(c, "workload"), cop = csv_col(c, "op"),
        cs = csv_col(c, "samples"), cp = csv_col(c, "p99_ns"), ct = csv_col(c, "tail_samples"),
        cc = csv_col(c, "cause"), cn = csv_col(c, "cause_samples"), cf = csv_col(c, "mean_faults"),
        cm = csv_col(c, "mean_ns");
    const char *last_op = "";
    for (size_t i = 0; i < c->nrows; i++) {
        double samples, p99, tail, n, faults, ns;
        if (!csv_num(c, i, cs, &samples) || !csv_num(c, i, cp, &p99) || !csv_num(c, i, ct, &tail) ||
            !csv_num(c, i, cn, &n) || !csv_num(c, i, cf, &faults) || !csv_num(c, i, cm, &ns))
            continue;
        struct report_tails_row *r =
            report_tails_row(set, csv_get(c, i, cb), csv_get(c, i, cw), csv_get(c, i, cop));
        if (strcmp(last_op, r->op) != 0) { /* the first row of this op in this run */
            r->p99_min = r->runs == 0 || p99 < r->p99_min ? p99 : r->p99_min;
            r->p99_max = r->runs == 0 || p99 > r->p99_max ? p99 : r->p99_max;
            r->runs++;
            r->samples += samples;
            r->tail += tail;
            last_op = r->op;
        }
        const char *cause = csv_get(c, i, cc);
        unsigned k = 0;
        while (k < r->ncause && strcmp(r->cause[k], cause))
            k++;
        if (k == r->ncause) {
            if (r->ncause == REPORT_TAILS_CAUSES)
                k = REPORT_TAILS_CAUSES - 1; /* the last slot takes what does not fit */
            else
                snprintf(r->cause[r->ncause++], sizeof r->cause[0], "%s", cause);
        }
        r->n[k] += n;
        r->faults[k] += faults * n;
        r->ns[k] += ns * n;
    }
}

static void report_tails_text(struct strbuf *sb, const char *s, bool html)
{
    for (; *s; s++) {
        if (html && strchr("&<>\"", *s))
            strbuf_puts(sb, *s == '&'   ? "&amp;"
                            : *s == '<' ? "&lt;"
                            : *s == '>' ? "&gt;"
                                        : "&quot;");
        else if (!html && *s == '|')
            strbuf_puts(sb, "\\|");
        else
            strbuf_add(sb, s, 1);
    }
}

static void report_tails_render(const struct report_tails_row *r, bool html, struct strbuf *sb)
{
    char p99a[32], p99b[32];
    report_human(r->p99_min, "ns", p99a, sizeof p99a);
    report_human(r->p99_max, "ns", p99b, sizeof p99b);
    const char *sep = html ? "</td><td>" : " | ";
    strbuf_puts(sb, html ? "<tr><td>" : "| ");
    report_tails_text(sb, r->backend, html);
    strbuf_puts(sb, sep);
    report_tails_text(sb, r->workload, html);
    strbuf_printf(sb, "%s%s above p99%s%s%s%s%s%.0f of %.0f%s", sep, r->op, sep, p99a,
                  strcmp(p99a, p99b) ? " - " : "", strcmp(p99a, p99b) ? p99b : "", sep, r->tail,
                  r->samples, sep);
    for (unsigned k = 0; k < r->ncause; k++) {
        char lat[32];
        report_human(r->ns[k] / r->n[k], "ns", lat, sizeof lat);
        strbuf_printf(sb, "%s%.1f %% %s (mean %.1f faults, %s)", k ? "; " : "",
                      100.0 * r->n[k] / r->tail, r->cause[k], r->faults[k] / r->n[k], lat);
    }
    strbuf_puts(sb, html ? "</td></tr>\n" : " |\n");
}

/* The latency CDF plots by cause (plots/plot.sh family "tailscdf", from tails_cdf-*.csv), listed
 * in plots/manifest.txt as "name|family|args|title"; shown here, under the table they explain. */
static void report_tails_figures(const char *dir, bool html, struct strbuf *sb)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/plots/manifest.txt", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[2048];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *fam = strchr(line, '|');
        char *args = fam ? strchr(fam + 1, '|') : NULL;
        char *title = args ? strchr(args + 1, '|') : NULL;
        if (!title)
            continue;
        *fam++ = *args = *title++ = '\0';
        /* plot.sh names plots with [A-Za-z0-9._-] only; anything else is not one of its plots */
        if (strcmp(fam, "tailscdf") || !line[0] ||
            line[strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")])
            continue;
        static const char reading[] =
            "One line per cause: the share of that cause's samples at or below each latency "
            "(x: upper edges of buckets 8 per octave wide, log scale); black: all samples.";
        if (html) {
            strbuf_printf(sb, "<figure id=\"%s\"><img src=\"plots/%s.svg\" alt=\"", line, line);
            report_esc_html(sb, title);
            strbuf_printf(sb, "\" width=\"960\"><figcaption>%s</figcaption></figure>\n", reading);
        } else {
            strbuf_puts(sb, "\n![");
            report_esc_md(sb, title);
            strbuf_printf(sb, "](plots/%s.png)\n\n%s\n", line, reading);
        }
    }
    fclose(f);
}

bool report_tails(const char *dir, bool html, struct strbuf *sb)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/tails", dir);
    DIR *d = opendir(path);
    if (!d)
        return false;
    struct report_tails_set set = {0};
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        /* tails-<pid>.csv; tails_cdf-<pid>.csv are the plot's data */
        if (len < 10 || strncmp(de->d_name, "tails-", 6) || strcmp(de->d_name + len - 4, ".csv"))
            continue;
        char file[4700];
        snprintf(file, sizeof file, "%s/%s", path, de->d_name);
        struct csv c;
        if (csv_load(&c, file) != 0)
            continue;
        report_tails_file(&set, &c);
        csv_free(&c);
    }
    closedir(d);
    strbuf_puts(sb, html ? "<h2>Explained tails</h2>\n<p>Latency samples above each op kind's p99 "
                           "(per run, summed over runs) by what happened inside them: the OS "
                           "calls the backend made (its OS layer; glibc's own calls are not "
                           "seen) and the page faults of the thread. Shares add up to 100 % of "
                           "the tail samples.</p>\n<table>\n<tr><th>backend</th><th>workload</th>"
                           "<th>op</th><th>p99 (runs)</th><th>tail samples</th><th>what the "
                           "tail contains</th></tr>\n"
                         : "\n## Explained tails\n\nLatency samples above each op kind's p99 (per "
                           "run, summed over runs) by what happened inside them: the OS calls "
                           "the backend made (its OS layer; glibc's own calls are not seen) and "
                           "the page faults of the thread. Shares add up to 100 % of the tail "
                           "samples.\n\n| backend | workload | op | p99 (runs) | tail samples | "
                           "what the tail contains |\n|---|---|---|---:|---:|---|\n");
    for (size_t i = 0; i < set.n; i++)
        if (set.v[i].tail > 0)
            report_tails_render(&set.v[i], html, sb);
    if (html)
        strbuf_puts(sb, "</table>\n");
    free(set.v);
    report_tails_figures(dir, html, sb);
    return true;
}
