/* The reports of `faultline compare`: one table renderer for the console (aligned columns) and
 * Markdown, and the JSON report. */
#define _GNU_SOURCE
#include "compare_print.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compare.h"
#include "json_read.h"
#include "num.h"
#include "path.h"
#include "stats.h"

enum { COMPARE_COLS = 8 };

static void compare_print_table(bool md, const char *const *head, char (*cells)[COMPARE_COLS][200],
                                size_t n, const bool *right)
{
    size_t w[COMPARE_COLS] = {0};
    int ncol = 0;
    while (ncol < COMPARE_COLS && head[ncol])
        ncol++;
    for (int c = 0; c < ncol; c++) {
        w[c] = strlen(head[c]);
        for (size_t i = 0; i < n; i++) {
            /* display width: count UTF-8 lead bytes only (the em dash is 3 bytes, 1 column) */
            size_t dw = 0;
            for (const char *p = cells[i][c]; *p; p++)
                dw += ((unsigned char)*p & 0xc0) != 0x80;
            if (dw > w[c])
                w[c] = dw;
        }
    }
    if (md) {
        printf("|");
        for (int c = 0; c < ncol; c++)
            printf(" %s |", head[c]);
        printf("\n|");
        for (int c = 0; c < ncol; c++)
            printf("%s|", right[c] ? "---:" : "---");
        printf("\n");
        for (size_t i = 0; i < n; i++) {
            printf("|");
            for (int c = 0; c < ncol; c++)
                printf(" %s |", cells[i][c]);
            printf("\n");
        }
        return;
    }
    for (int c = 0; c < ncol; c++) {
        if (c == ncol - 1 && !right[c])
            printf("  %s", head[c]); /* no trailing blanks */
        else
            printf(right[c] ? (c ? "  %*s" : "%*s") : (c ? "  %-*s" : "%-*s"), (int)w[c], head[c]);
    }
    printf("\n");
    for (size_t i = 0; i < n; i++) {
        for (int c = 0; c < ncol; c++) {
            size_t dw = 0, bytes = strlen(cells[i][c]);
            for (const char *p = cells[i][c]; *p; p++)
                dw += ((unsigned char)*p & 0xc0) != 0x80;
            int pad = (int)(w[c] + bytes - dw);
            if (c == ncol - 1 && !right[c])
                printf("  %s", cells[i][c]);
            else
                printf(right[c] ? (c ? "  %*s" : "%*s") : (c ? "  %-*s" : "%-*s"), pad,
                       cells[i][c]);
        }
        printf("\n");
    }
}

static void compare_print_row_cells(const struct compare_verdict_row *r, bool md,
                                    char out[COMPARE_COLS][200])
{
    snprintf(out[0], 200, "%s", r->backend);
    snprintf(out[1], 200, "%s", r->workload);
    snprintf(out[2], 200, "%s", r->metric);
    if (r->base_text[0])
        snprintf(out[3], 200, "%s", r->base_text);
    else if (r->have_base)
        compare_verdict_fmt_num(out[3], 200, r->base);
    else
        snprintf(out[3], 200, "null");
    if (r->new_text[0])
        snprintf(out[4], 200, "%s", r->new_text);
    else if (r->have_new)
        compare_verdict_fmt_num(out[4], 200, r->neu);
    else
        snprintf(out[4], 200, "null");
    out[5][0] = '\0';
    if (r->have_base && r->have_new) {
        char d[64];
        double delta = r->neu - r->base;
        compare_verdict_fmt_num(d, sizeof d, fabs(delta));
        if (r->base != 0)
            snprintf(out[5], 200, "%s%s (%+.1f %%)", delta < 0 ? "-" : "+", d,
                     100.0 * delta / fabs(r->base));
        else
            snprintf(out[5], 200, "%s%s", delta < 0 ? "-" : "+", d);
    }
    if (r->tol && r->tol->time)
        snprintf(out[6], 200, "p=%.3g", r->p);
    else
        snprintf(out[6], 200, "%s", r->tol ? r->tol->text : "");
    const char *v = compare_verdict_names[r->verdict];
    if (md && r->verdict == CV_REGRESSED)
        snprintf(out[7], 200, "**%s**", v);
    else if (r->reason[0])
        snprintf(out[7], 200, "%s: %s", v, r->reason);
    else
        snprintf(out[7], 200, "%s", v);
}

/* The console or Markdown report; returns the exit status. */
/* The verdict line, the counts, both sides' origins, and the environment differences. */
static void compare_print_header(const struct compare_opts *o, const struct compare_side *sb,
                                 const struct compare_side *sn,
                                 const struct compare_verdict_coverage *cov)
{
    unsigned fpdiff = compare_verdict_fp_diff(sb, sn);
    const size_t *count = cov->count;
    bool failed = cov->regressed || cov->incomplete;

    const char *status = cov->regressed       ? "REGRESSED"
                         : cov->incomplete    ? "INCOMPLETE (baseline cells or gated metrics not "
                                                "compared)"
                         : count[CV_IMPROVED] ? "PASSED (improvements: refresh "
                                                "the baseline)"
                                              : "PASSED";
    char summary[256];
    snprintf(summary, sizeof summary,
             "%zu regressed, %zu improved, %zu ok, %zu skipped; compared %zu of %zu baseline "
             "cells and %zu of %zu gated metric values; %zu missing, %zu not compared, %zu new",
             count[CV_REGRESSED], count[CV_IMPROVED],
             count[CV_OK] + count[CV_SLOWER] + count[CV_FASTER], count[CV_SKIPPED],
             cov->cells_compared, cov->base_cells, cov->gated_compared, cov->gated,
             count[CV_MISSING], count[CV_UNCOMPARED], count[CV_NEW]);
    if (o->md) {
        printf("### faultline regression gate: %s%s%s\n\n", failed ? "**" : "", status,
               failed ? "**" : "");
        printf("%s. BASE git `%s`, NEW git `%s`.\n\n", summary, sb->git_sha, sn->git_sha);
    } else {
        printf("faultline compare: %s\n", status);
        printf("  BASE %s (git %s, %s)\n  NEW  %s (git %s, %s)\n", sb->path, sb->git_sha, sb->date,
               sn->path, sn->git_sha, sn->date);
        printf("  %s\n\n", summary);
    }
    if (fpdiff) {
        char f[160];
        compare_verdict_fp_list(f, sizeof f, fpdiff);
        if (o->md)
            printf("> **Environment differs** (%s): only metrics that do not depend on it are "
                   "gated.\n>\n",
                   f);
        else
            printf("!!! ENVIRONMENT DIFFERS (%s): only metrics that do not depend on it are "
                   "gated !!!\n",
                   f);
        for (int i = 0; i < COMPARE_FP_COUNT; i++)
            if (fpdiff & (1u << i))
                printf(o->md ? "> - %s: BASE `%s`, NEW `%s`\n" : "!!!   %s: BASE '%s', NEW '%s'\n",
                       compare_tol_fp_names[i], sb->fp[i], sn->fp[i]);
        printf(o->md ? "\n"
                     : "!!! refresh the baseline on this machine (make baseline) to gate "
                       "everything\n\n");
    }
}

/* Skipped rows, grouped by metric and reason: a missing counter is one line, not 24. cells has
 * room for every row. */
static void compare_print_skipped(bool md, const struct compare_verdict_rows *rsp, size_t skipped,
                                  char (*cells)[COMPARE_COLS][200])
{
    const struct compare_verdict_rows rs = *rsp;
    size_t m = 0;
    bool *done = calloc(rs.n + 1, 1);
    for (size_t i = 0; done && i < rs.n; i++) {
        if (rs.v[i].verdict != CV_SKIPPED || done[i])
            continue;
        size_t cnt = 0;
        bool one_backend = true;
        for (size_t j = i; j < rs.n; j++)
            if (!done[j] && rs.v[j].verdict == CV_SKIPPED &&
                !strcmp(rs.v[j].metric, rs.v[i].metric) &&
                !strcmp(rs.v[j].reason, rs.v[i].reason)) {
                done[j] = true;
                cnt++;
                one_backend &= !strcmp(rs.v[j].backend, rs.v[i].backend);
            }
        snprintf(cells[m][0], 200, "%s", rs.v[i].metric);
        if (cnt == 1)
            snprintf(cells[m][1], 200, "%s %s", rs.v[i].backend, rs.v[i].workload);
        else if (one_backend)
            snprintf(cells[m][1], 200, "%s: %zu cells", rs.v[i].backend, cnt);
        else
            snprintf(cells[m][1], 200, "%zu cells", cnt);
        snprintf(cells[m][2], 200, "%s", rs.v[i].reason);
        m++;
    }
    free(done);
    static const char *const shead[] = {"metric", "where", "skipped because", NULL, NULL, NULL,
                                        NULL,     NULL};
    static const bool sright[COMPARE_COLS] = {false};
    if (md)
        printf("\n<details><summary>%zu skipped</summary>\n\n", skipped);
    else
        printf("\nskipped (%zu):\n", skipped);
    compare_print_table(md, shead, cells, m, sright);
    if (md)
        printf("\n</details>\n");
}

/* The closing notes: advisory times, improvements, missing cells. */
static void compare_print_notes(const struct compare_opts *o, const struct compare_tols *tols,
                                const struct compare_verdict_coverage *cov)
{
    const size_t *count = cov->count;
    bool has_time = false;
    for (size_t k = 0; k < tols->n; k++)
        has_time |= tols->v[k].time;
    if (has_time && !o->time_check)
        printf(o->md
                   ? "\nTimes are advisory and were not compared (pass `--time-check` only for "
                     "runs made in one job on one machine).\n"
                   : "\ntimes are advisory and were not compared (pass --time-check only for runs "
                     "made in one job on one machine)\n");
    if (count[CV_IMPROVED])
        printf(o->md ? "\nImprovements beyond tolerance: refresh the baseline with `make baseline` "
                       "and commit it.\n"
                     : "\nimprovements beyond tolerance: refresh the baseline with `make baseline` "
                       "and commit results/baseline/ci.json\n");
    if (cov->incomplete)
        printf(o->md ? "\nMissing cells or metrics fail the gate: rerun the suite, or refresh the "
                       "baseline if the suite changed on purpose (`--allow-missing` accepts a "
                       "partial run).\n"
                     : "\nmissing cells or metrics fail the gate: rerun the suite, or refresh the "
                       "baseline if the suite changed on purpose (--allow-missing accepts a "
                       "partial run)\n");
}

int compare_print(const struct compare_opts *o, const struct compare_side *sb,
                  const struct compare_side *sn, const struct compare_tols *tols,
                  const struct compare_verdict_rows *rsp,
                  const struct compare_verdict_coverage *cov)
{
    const struct compare_verdict_rows rs = *rsp;
    const size_t *count = cov->count;

    compare_print_header(o, sb, sn, cov);

    static const char *const head[] = {"backend", "workload", "metric",    "base",
                                       "new",     "change",   "tolerance", "verdict"};
    static const bool right[COMPARE_COLS] = {false, false, false, true, true, true, false, false};
    char(*cells)[COMPARE_COLS][200] = malloc((rs.n + 1) * sizeof *cells);
    if (!cells) {
        return compare_bad("out of memory");
    }
    size_t n = 0;
    static const enum compare_verdict order[] = {
        CV_REGRESSED, CV_MISSING, CV_UNCOMPARED, CV_IMPROVED, CV_SLOWER, CV_FASTER, CV_NEW, CV_OK};
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        if (order[k] == CV_OK && !o->all)
            continue;
        for (size_t i = 0; i < rs.n; i++)
            if (rs.v[i].verdict == order[k])
                compare_print_row_cells(&rs.v[i], o->md, cells[n++]);
    }
    if (n)
        compare_print_table(o->md, head, cells, n, right);
    else
        printf(o->md ? "No gated metric moved beyond its tolerance.\n"
                     : "no gated metric moved beyond its tolerance\n");

    if (count[CV_SKIPPED])
        compare_print_skipped(o->md, &rs, count[CV_SKIPPED], cells);
    compare_print_notes(o, tols, cov);
    free(cells);
    return cov->regressed ? 1 : cov->incomplete ? COMPARE_EXIT_INCOMPLETE : 0;
}

/* --format json: the same verdict as a document (status, coverage, every row). */
int compare_print_json(const struct compare_side *sb, const struct compare_side *sn,
                       const struct compare_verdict_rows *rs,
                       const struct compare_verdict_coverage *cov)
{
    int rc = cov->regressed ? 1 : cov->incomplete ? COMPARE_EXIT_INCOMPLETE : 0;
    json_t *rows = json_array();
    for (size_t i = 0; i < rs->n; i++) {
        const struct compare_verdict_row *r = &rs->v[i];
        json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s}", "backend", r->backend, "workload",
                                r->workload, "metric", r->metric, "verdict",
                                compare_verdict_json[r->verdict], "reason", r->reason);
        json_object_set_new(row, "base", r->have_base ? json_real(r->base) : json_null());
        json_object_set_new(row, "new", r->have_new ? json_real(r->neu) : json_null());
        json_object_set_new(row, "tolerance", r->tol ? json_string(r->tol->text) : json_null());
        json_array_append_new(rows, row);
    }
    json_t *doc = json_pack(
        "{s:s, s:i, s:s, s:s, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:o}", "status",
        rc == 1 ? "regressed"
        : rc    ? "incomplete"
                : "passed",
        "exit_status", rc, "base", sb->path, "new", sn->path, "coverage", "baseline_cells",
        (json_int_t)cov->base_cells, "cells_compared", (json_int_t)cov->cells_compared,
        "gated_values", (json_int_t)cov->gated, "gated_values_compared",
        (json_int_t)cov->gated_compared, "missing", (json_int_t)cov->count[CV_MISSING],
        "not_compared", (json_int_t)cov->count[CV_UNCOMPARED], "new_cells",
        (json_int_t)cov->count[CV_NEW], "rows", rows);
    if (!doc || json_dumpf(doc, stdout, JSON_INDENT(1) | JSON_REAL_PRECISION(17)) != 0)
        rc = compare_bad("cannot write the JSON report");
    putchar('\n');
    json_decref(doc);
    return rc;
}
