/* Reading one side of `faultline compare`: a run.json (or a results directory's) and its
 * callgrind counts into cells matched by backend and workload with their parameters. */
#define _GNU_SOURCE
#include "compare_side.h"

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

/* key = "name[:params] name[:params]" */
static void compare_side_make_key(char *key, size_t len, const char *b, const char *bp,
                                  const char *w, const char *wp)
{
    snprintf(key, len, "%s%s%s %s%s%s", b, bp && bp[0] ? ":" : "", bp ? bp : "", w,
             wp && wp[0] ? ":" : "", wp ? wp : "");
    /* results before RFC 4180 CSV wrote parameter lists with ';' (k=v;k=v): same cell */
    for (char *p = key; *p; p++)
        if (*p == ';')
            *p = ',';
}

/* Split "name:params" (params may be empty) into a key part. */
static void compare_side_spec_key(char *key, size_t len, const char *bspec, const char *wspec)
{
    snprintf(key, len, "%s %s", bspec, wspec);
}

static struct compare_side_cell *compare_side_add_cell(struct compare_side *s, size_t *cap)
{
    if (s->ncells == *cap) {
        size_t nc = *cap ? *cap * 2 : 32;
        struct compare_side_cell *nv = realloc(s->cells, nc * sizeof *nv);
        if (!nv)
            return NULL;
        s->cells = nv;
        *cap = nc;
    }
    struct compare_side_cell *c = &s->cells[s->ncells++];
    memset(c, 0, sizeof *c);
    return c;
}

struct compare_side_cell *compare_side_find_cell(struct compare_side *s, const char *key)
{
    for (size_t i = 0; i < s->ncells; i++)
        if (!strcmp(s->cells[i].key, key))
            return &s->cells[i];
    return NULL;
}

/* The callgrind counts belong to the cell with these specs (the same invocation's cells). */
static void compare_side_set_callgrind(struct compare_side *s, const char *bspec, const char *wspec,
                                       const char *outcome, bool valid, double ir)
{
    for (size_t i = 0; i < s->ncells; i++) {
        struct compare_side_cell *c = &s->cells[i];
        char k[640];
        compare_side_spec_key(k, sizeof k, bspec, wspec);
        char mine[640];
        compare_side_spec_key(mine, sizeof mine, c->backend, c->workload);
        if (strcmp(k, mine) != 0)
            continue;
        c->cg_have = true;
        c->cg_valid = valid && outcome && !strcmp(outcome, "ok");
        c->cg_ir = ir;
        snprintf(c->cg_outcome, sizeof c->cg_outcome, "%s", outcome ? outcome : "?");
    }
}

/* callgrind.tsv: header, then `backend_spec TAB workload_spec TAB outcome TAB ir` (ir may be
 * empty). Written by ci/regress.sh next to run.json. */
static int compare_side_load_callgrind_tsv(struct compare_side *s, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT
                   ? 0
                   : compare_bad("%s: cannot open %s: %s", s->label, path, strerror(errno));
    char line[2048];
    unsigned lineno = 0;
    while (fgets(line, sizeof line, f)) {
        if (lineno++ == 0)
            continue;
        line[strcspn(line, "\r\n")] = '\0';
        char *f1 = line, *f2 = strchr(f1, '\t'), *f3 = f2 ? strchr(f2 + 1, '\t') : NULL;
        char *f4 = f3 ? strchr(f3 + 1, '\t') : NULL;
        if (!f4) {
            fclose(f);
            return compare_bad("%s: %s:%u: want 4 tab-separated fields", s->label, path, lineno);
        }
        *f2++ = *f3++ = *f4++ = '\0';
        char *end;
        double ir = strtod(f4, &end);
        compare_side_set_callgrind(s, f1, f2, f3, f4[0] && !*end, ir);
    }
    fclose(f);
    return 0;
}

/* Numbers from files are checked where they enter: a metric must be finite and, except for the
 * ones that can shrink (break_growth, retained RSS, foreign calls, breakdown growths), >= 0. 1e308
 * used to print "inf" medians and a negative rss_peak counted as "improved". */
static int compare_side_check_metrics(const struct compare_side *s, const json_t *run, size_t i)
{
    const json_t *metrics = json_read_get(run, "metrics");
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)metrics, key, v)
    {
        if (!json_is_number(v))
            continue;
        /* differences of two readings: can be negative */
        bool may_shrink = !strcmp(key, "break_growth") || !strcmp(key, "cgroup_headroom") ||
                          !strcmp(key, "rss_retained") || !strcmp(key, "retained_bytes") ||
                          !strncmp(key, "foreign_", 8) || !strncmp(key, "bd_", 3);
        double x = json_number_value(v);
        if (!num_metric_ok(x, may_shrink))
            return compare_bad("%s: %s: runs[%zu].metrics.%s = %g: expected a finite number%s "
                               "below 2^63",
                               s->label, s->path, i, key, x, may_shrink ? "" : " >= 0");
    }
    return 0;
}

/* The context's fingerprint fields, host, git sha and date. */
static void compare_side_context(struct compare_side *s)
{
    const json_t *ctx = json_read_get(s->doc, "context");
    for (int i = 0; i < COMPARE_FP_COUNT; i++) {
        const char *str = json_read_str(ctx, compare_tol_fp_names[i]);
        double num;
        if (str)
            snprintf(s->fp[i], sizeof s->fp[i], "%s", str);
        else if (json_read_num(ctx, compare_tol_fp_names[i], &num))
            snprintf(s->fp[i], sizeof s->fp[i], "%g", num);
        else
            snprintf(s->fp[i], sizeof s->fp[i], "?");
    }
    const char *h = json_read_str(ctx, "host"), *g = json_read_str(ctx, "git_sha");
    const char *d = json_read_str(ctx, "date_utc");
    snprintf(s->host, sizeof s->host, "%s", h ? h : "?");
    snprintf(s->git_sha, sizeof s->git_sha, "%s", g ? g : "?");
    snprintf(s->date, sizeof s->date, "%s", d ? d : "?");
}

/* Cells from the "cells" table when present (names and parameters). */
static int compare_side_cells(struct compare_side *s, size_t *cap)
{
    const json_t *cells = json_read_get(s->doc, "cells");
    if (!json_is_array(cells))
        return 0;
    for (size_t i = 0; i < json_array_size(cells); i++) {
        const json_t *c = json_array_get(cells, i);
        const char *id = json_read_str(c, "id"), *b = json_read_str(c, "backend");
        const char *w = json_read_str(c, "workload");
        if (!id || !b || !w)
            return compare_bad("%s: %s: cells[%zu] lacks id, backend or workload", s->label,
                               s->path, i);
        struct compare_side_cell *cc = compare_side_add_cell(s, cap);
        if (!cc)
            return compare_bad("out of memory");
        cc->id = id;
        const char *bs = json_read_str(c, "backend_spec"), *ws = json_read_str(c, "workload_spec");
        compare_side_make_key(cc->key, sizeof cc->key, b, json_read_str(c, "backend_params"), w,
                              json_read_str(c, "workload_params"));
        snprintf(cc->backend, sizeof cc->backend, "%s", bs ? bs : b);
        snprintf(cc->workload, sizeof cc->workload, "%s", ws ? ws : w);
    }
    return 0;
}

/* Each run, into its cell; a run of no known cell makes one from its own specs. */
static int compare_side_runs(struct compare_side *s, const json_t *runs, size_t *cap)
{
    for (size_t i = 0; i < json_array_size(runs); i++) {
        const json_t *r = json_array_get(runs, i);
        const char *id = json_read_str(r, "cell");
        struct compare_side_cell *cc = NULL;
        for (size_t k = 0; id && k < s->ncells; k++)
            if (s->cells[k].id && !strcmp(s->cells[k].id, id))
                cc = &s->cells[k];
        if (!cc) {
            /* no cells table (or an unknown id): the run's own backend and workload specs */
            const char *b = json_read_str(r, "backend"), *w = json_read_str(r, "workload");
            if (!b || !w)
                return compare_bad("%s: %s: runs[%zu] names no known cell", s->label, s->path, i);
            char key[640];
            compare_side_spec_key(key, sizeof key, b, w);
            cc = compare_side_find_cell(s, key);
            if (!cc) {
                cc = compare_side_add_cell(s, cap);
                if (!cc)
                    return compare_bad("out of memory");
                snprintf(cc->key, sizeof cc->key, "%s", key);
                snprintf(cc->backend, sizeof cc->backend, "%s", b);
                snprintf(cc->workload, sizeof cc->workload, "%s", w);
            }
        }
        if (cc->nruns == cc->cap_runs) {
            size_t nc = cc->cap_runs ? cc->cap_runs * 2 : 4;
            const json_t **nr = realloc(cc->runs, nc * sizeof *nr);
            if (!nr)
                return compare_bad("out of memory");
            cc->runs = nr;
            cc->cap_runs = nc;
        }
        cc->runs[cc->nruns++] = r;
        if (compare_side_check_metrics(s, r, i) != 0)
            return 2;
        const char *outcome = json_read_str(r, "outcome");
        if (outcome && !strcmp(outcome, "ok"))
            cc->ok++;
        else if (!cc->bad_outcome[0])
            snprintf(cc->bad_outcome, sizeof cc->bad_outcome, "%s", outcome ? outcome : "?");
    }
    return 0;
}

/* Callgrind counts: embedded (a baseline made by ci/regress.sh) and/or DIR's callgrind.tsv. */
static int compare_side_callgrind(struct compare_side *s, const char *dir)
{
    const json_t *cg = json_read_get(s->doc, "callgrind");
    if (json_is_array(cg)) {
        for (size_t i = 0; i < json_array_size(cg); i++) {
            const json_t *e = json_array_get(cg, i);
            const char *b = json_read_str(e, "backend_spec"),
                       *w = json_read_str(e, "workload_spec");
            double ir = 0;
            bool have_ir = json_read_num(e, "ir", &ir);
            if (!b || !w)
                return compare_bad("%s: %s: callgrind[%zu] lacks backend_spec or workload_spec",
                                   s->label, s->path, i);
            compare_side_set_callgrind(s, b, w, json_read_str(e, "outcome"), have_ir, ir);
        }
    }
    if (dir[0]) {
        char tsv[4200];
        snprintf(tsv, sizeof tsv, "%s/callgrind.tsv", dir);
        if (compare_side_load_callgrind_tsv(s, tsv) != 0)
            return 2;
    }
    return 0;
}

int compare_side_load(struct compare_side *s, const char *arg)
{
    struct stat st;
    char dir[4096] = "";
    if (stat(arg, &st) != 0)
        return compare_bad("%s: cannot open %s: %s", s->label, arg, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        snprintf(dir, sizeof dir, "%s", arg);
        if (snprintf(s->path, sizeof s->path, "%s/run.json", arg) >= (int)sizeof s->path)
            return compare_bad("%s: path too long", s->label);
    } else {
        snprintf(s->path, sizeof s->path, "%s", arg);
        const char *slash = strrchr(arg, '/');
        if (slash && !strcmp(slash + 1, "run.json"))
            snprintf(dir, sizeof dir, "%.*s", (int)(slash - arg), arg);
        else if (!strcmp(arg, "run.json"))
            snprintf(dir, sizeof dir, ".");
    }
    char err[PATH_SIZE + 200];
    s->doc = json_read_file(s->path, err, sizeof err);
    if (!s->doc)
        return compare_bad("%s: %s", s->label, err);
    const json_t *runs = json_read_get(s->doc, "runs");
    if (!json_is_array(runs))
        return compare_bad("%s: %s has no \"runs\" array (want a faultline run.json or results "
                           "directory)",
                           s->label, s->path);

    compare_side_context(s);

    /* cells: from the "cells" table when present (names and parameters), else from the runs */
    size_t cap = 0;
    int rc = compare_side_cells(s, &cap);
    if (rc == 0)
        rc = compare_side_runs(s, runs, &cap);
    if (rc == 0)
        rc = compare_side_callgrind(s, dir);
    return rc;
}

void compare_side_free(struct compare_side *s)
{
    for (size_t i = 0; i < s->ncells; i++)
        free(s->cells[i].runs);
    free(s->cells);
    json_decref(s->doc);
}

/* Values of metric m over the cell's ok runs that measured it. Returns the count; *nulls gets
 * the number of ok runs where it was null or missing. */
size_t compare_side_values(const struct compare_side_cell *c, const char *m, double *out,
                           size_t *nulls)
{
    size_t n = 0;
    *nulls = 0;
    if (!strcmp(m, "callgrind_ir")) {
        if (c->cg_valid)
            out[n++] = c->cg_ir;
        else
            (*nulls)++;
        return n;
    }
    for (size_t i = 0; i < c->nruns; i++) {
        const char *outcome = json_read_str(c->runs[i], "outcome");
        if (!outcome || strcmp(outcome, "ok") != 0)
            continue;
        double v;
        if (json_read_num(json_read_get(c->runs[i], "metrics"), m, &v))
            out[n++] = v;
        else
            (*nulls)++;
    }
    return n;
}
