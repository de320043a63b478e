/* `faultline report --front ROOT`: the front page of a bench run. ROOT/index.html links every
 * report below ROOT (ROOT/NAME/index.html) and lists its headline findings, computed from that
 * directory's CSV files: the best setting (or backend) per workload for each exact metric, the
 * seed verdicts, runs that were not ok, and the regression gate's verdict when ROOT/compare.txt
 * exists (ci/bench.sh writes it when given a baseline). */
#define _GNU_SOURCE
#include "report_front.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic_file.h"
#include "csv.h"
#include "report_esc.h"
#include "results.h"
#include "strbuf.h"

#define RF_PATH 4608

/* The metrics a front page ranks on: counts are exact; RSS at the end is a page count. */
static const char *const report_front_metrics[][3] = {
    {"syscalls", "fewest syscalls", "count"},
    {"minflt", "fewest minor faults", "count"},
    {"rss_end", "least RSS at the end", "bytes"},
};
#define RF_NMETRICS 3

static bool report_front_value(const struct csv *c, size_t row, const char *metric,
                               const char *suffix, double *out)
{
    if (strcmp(metric, "syscalls")) {
        char col[64];
        snprintf(col, sizeof col, "%s%s", metric, suffix);
        return csv_num(c, row, csv_col(c, col), out);
    }
    /* the syscall tracepoints, else the counted OS layer (the report's rule) */
    static const char *const kinds[] = {"brk", "mmap", "munmap", "mremap", "madvise"};
    static const char *const layers[] = {"sys", "os"};
    for (int l = 0; l < 2; l++) {
        double t = 0, x;
        bool ok = true;
        for (int k = 0; k < 5 && ok; k++) {
            char col[64];
            snprintf(col, sizeof col, "%s_%s%s", layers[l], kinds[k], suffix);
            ok = csv_num(c, row, csv_col(c, col), &x);
            t += x;
        }
        if (ok) {
            *out = t;
            return true;
        }
    }
    return false;
}

static void report_front_label(const struct csv *c, size_t row, const char *name,
                               const char *params, char *out, size_t len)
{
    const char *p = csv_get(c, row, csv_col(c, params));
    snprintf(out, len, "%s%s%s", csv_get(c, row, csv_col(c, name)), *p ? ":" : "", p);
}

/* One table: a row per workload, a column per metric, the best backend[:params] and its value
 * in each cell, ties named together. */
static void report_front_best(struct strbuf *sb, const struct csv *a)
{
    strbuf_puts(sb, "<table><tr><th>workload</th>");
    for (int m = 0; m < RF_NMETRICS; m++)
        strbuf_printf(sb, "<th>%s</th>", report_front_metrics[m][1]);
    strbuf_puts(sb, "</tr>\n");
    bool *done = calloc(a->nrows + 1, sizeof *done);
    if (!done)
        abort();
    for (size_t g = 0; g < a->nrows; g++) {
        if (done[g])
            continue;
        char wl[512];
        report_front_label(a, g, "workload", "workload_params", wl, sizeof wl);
        strbuf_puts(sb, "<tr><td>");
        report_esc_html(sb, wl);
        strbuf_puts(sb, "</td>");
        for (int m = 0; m < RF_NMETRICS; m++) {
            double best = INFINITY, v;
            for (size_t i = g; i < a->nrows; i++) {
                char w2[512];
                report_front_label(a, i, "workload", "workload_params", w2, sizeof w2);
                if (!strcmp(w2, wl) &&
                    report_front_value(a, i, report_front_metrics[m][0], "_median", &v) && v < best)
                    best = v;
            }
            if (!isfinite(best)) {
                strbuf_puts(sb, "<td class=\"na\">n/a</td>");
                continue;
            }
            char num[64];
            report_human(best, report_front_metrics[m][2], num, sizeof num);
            strbuf_puts(sb, "<td>");
            int named = 0;
            for (size_t i = g; i < a->nrows; i++) {
                char w2[512], be[512];
                report_front_label(a, i, "workload", "workload_params", w2, sizeof w2);
                if (strcmp(w2, wl) ||
                    !report_front_value(a, i, report_front_metrics[m][0], "_median", &v) ||
                    v != best)
                    continue;
                if (named++ == 3) {
                    strbuf_puts(sb, ", ...");
                    break;
                }
                report_front_label(a, i, "backend", "backend_params", be, sizeof be);
                strbuf_puts(sb, named > 1 ? ", " : "");
                report_esc_html(sb, be);
            }
            strbuf_puts(sb, " (");
            report_esc_html(sb, num);
            strbuf_puts(sb, ")</td>");
        }
        strbuf_puts(sb, "</tr>\n");
        for (size_t i = g; i < a->nrows; i++) {
            char w2[512];
            report_front_label(a, i, "workload", "workload_params", w2, sizeof w2);
            done[i] = done[i] || !strcmp(w2, wl);
        }
    }
    strbuf_puts(sb, "</table>\n");
    free(done);
}

static void report_front_seed(struct strbuf *sb, const struct csv *s)
{
    size_t holds = 0, differs = 0;
    int cv = csv_col(s, "verdict");
    strbuf_puts(sb, "<ul>");
    for (size_t i = 0; i < s->nrows; i++) {
        const char *v = csv_get(s, i, cv);
        holds += !strcmp(v, "holds");
        if (strcmp(v, "holds")) {
            differs++;
            strbuf_puts(sb, "<li class=\"warn\">");
            report_esc_html(sb, csv_get(s, i, csv_col(s, "id")));
            strbuf_puts(sb, ": ");
            report_esc_html(sb, v);
            strbuf_puts(sb, " (");
            report_esc_html(sb, csv_get(s, i, csv_col(s, "measured")));
            strbuf_puts(sb, ")</li>");
        }
    }
    strbuf_printf(sb, "<li>seed claims: %zu hold, %zu differ%s</li></ul>\n", holds, differs,
                  differs == 1 ? "s" : "");
}

static void report_front_notok(struct strbuf *sb, const struct csv *a)
{
    for (size_t i = 0; i < a->nrows; i++) {
        const char *ok = csv_get(a, i, csv_col(a, "ok_runs"));
        const char *runs = csv_get(a, i, csv_col(a, "runs"));
        if (!strcmp(ok, runs))
            continue;
        char be[512], wl[512];
        report_front_label(a, i, "backend", "backend_params", be, sizeof be);
        report_front_label(a, i, "workload", "workload_params", wl, sizeof wl);
        strbuf_puts(sb, "<p class=\"warn\">");
        report_esc_html(sb, be);
        strbuf_puts(sb, " x ");
        report_esc_html(sb, wl);
        strbuf_puts(sb, ": ");
        report_esc_html(sb, ok);
        strbuf_puts(sb, " of ");
        report_esc_html(sb, runs);
        strbuf_puts(sb, " runs ok</p>\n");
    }
}

static int report_front_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void report_front_section(struct strbuf *sb, const char *root, const char *name)
{
    char path[RF_PATH];
    strbuf_puts(sb, "<h2><a href=\"");
    report_esc_html(sb, name);
    strbuf_puts(sb, "/index.html\">");
    report_esc_html(sb, name);
    strbuf_puts(sb, "</a></h2>\n");
    struct csv c;
    snprintf(path, sizeof path, "%s/%s/aggregates.csv", root, name);
    if (csv_load(&c, path) == 0) {
        report_front_best(sb, &c);
        report_front_notok(sb, &c);
        csv_free(&c);
    }
    snprintf(path, sizeof path, "%s/%s/seed.csv", root, name);
    if (csv_load(&c, path) == 0) {
        report_front_seed(sb, &c);
        csv_free(&c);
    }
}

int report_front_write(const char *root)
{
    DIR *d = opendir(root);
    if (!d) {
        fprintf(stderr, "faultline report --front: %s: cannot open the directory\n", root);
        return 2;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char path[RF_PATH];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s/index.html", root, e->d_name);
        if (e->d_name[0] == '.' || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 8;
            names = realloc(names, cap * sizeof *names);
            if (!names)
                abort();
        }
        names[n] = strdup(e->d_name);
        if (!names[n++])
            abort();
    }
    closedir(d);
    if (n) /* qsort's base must not be NULL, even for no elements */
        qsort(names, n, sizeof *names, report_front_cmp);
    struct strbuf sb;
    strbuf_init(&sb);
    strbuf_puts(&sb, "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>faultline "
                     "bench</title><style>body{font-family:system-ui,sans-serif;max-width:1100px;"
                     "margin:2em auto;padding:0 1em}table{border-collapse:collapse}td,th{border:"
                     "1px solid #ccc;padding:3px 8px;text-align:left}th{background:#f0f0f0}"
                     ".warn{color:#a00}.na{color:#999}</style></head><body>\n<h1>faultline "
                     "bench: ");
    report_esc_html(&sb, root);
    strbuf_puts(&sb, "</h1>\n<p>Best per workload: the lowest median of each exact metric "
                     "(n/a = not measured). Every link opens that report with its plots.</p>\n");
    char path[RF_PATH];
    snprintf(path, sizeof path, "%s/compare.txt", root);
    FILE *f = fopen(path, "r");
    if (f) {
        char line[1024], last[1024] = "";
        while (fgets(line, sizeof line, f))
            if (line[0] != '\n')
                snprintf(last, sizeof last, "%s", line);
        fclose(f);
        last[strcspn(last, "\n")] = '\0';
        strbuf_puts(&sb, "<h2>Regression gate against the baseline</h2>\n<p>");
        report_esc_html(&sb, last);
        strbuf_puts(&sb, "</p>\n");
    }
    for (size_t i = 0; i < n; i++) {
        report_front_section(&sb, root, names[i]);
        free(names[i]);
    }
    free(names);
    strbuf_puts(&sb, "</body></html>\n");
    snprintf(path, sizeof path, "%s/index.html", root);
    int rc = atomic_file_write(path, sb.data, sb.len);
    strbuf_free(&sb);
    if (rc != 0) {
        fprintf(stderr, "faultline report --front: %s: cannot write\n", path);
        return 1;
    }
    printf("%s\n", path);
    return 0;
}
