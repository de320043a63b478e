/* `faultline compare BASE NEW`: reads two run.json files (or results directories), matches cells
 * by backend and workload with their parameters, and gives each gated metric a verdict: counts
 * against per-metric tolerances, times (advisory) with the Mann-Whitney U test. */
#define _GNU_SOURCE
#include "compare.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_opt.h"
#include "config.h"
#include "json_read.h"
#include "num.h"
#include "path.h"
#include "stats.h"

/* ---------------------------------------------------------------------------------------------
 * Tolerances: one line per gated metric, `metric tolerance needs reason...`. */

/* The environment fingerprint: the context fields a metric may depend on. */
enum { COMPARE_FP_COUNT = 7 };
/* build_type and sanitizers are not the machine but change instruction, fault and RSS counts
 * (-O level, ASan shadow memory) just as much. */
static const char *const compare_fp_names[COMPARE_FP_COUNT] = {
    "kernel", "glibc", "cpu_model", "compiler", "pmu_usable", "build_type", "sanitizers"};

struct compare_tol {
    char metric[64];
    char text[48];  /* as written, for the report */
    bool time;      /* advisory timing metric (Mann-Whitney U), never fails the gate */
    double pct;     /* allowed relative change, percent */
    double abs;     /* allowed absolute change; the larger of the two applies */
    unsigned needs; /* bit i: compare_fp_names[i] must match for the metric to be gated */
    char reason[160];
};

struct compare_tols {
    struct compare_tol *v;
    size_t n;
};

static int compare_bad(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("faultline compare: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

static bool compare_parse_amount(const char *s, double *pct, double *abs)
{
    char *end;
    if (*s == '+')
        s++;
    double x = strtod(s, &end);
    if (end == s || x < 0 || !isfinite(x))
        return false;
    if (*end == '%') {
        *pct = x;
        end++;
    } else {
        *abs = x;
    }
    return *end == '\0';
}

/* "0", "+1", "8", "5%", "max(2%,8)", or "time". */
static bool compare_parse_tolerance(const char *s, struct compare_tol *t)
{
    t->pct = t->abs = 0;
    t->time = false;
    if (!strcmp(s, "time")) {
        t->time = true;
        return true;
    }
    size_t len = strlen(s);
    if (!strncmp(s, "max(", 4) && len > 5 && s[len - 1] == ')') {
        char in[48];
        snprintf(in, sizeof in, "%.*s", (int)(len - 5), s + 4);
        char *comma = strchr(in, ',');
        if (!comma)
            return false;
        *comma = '\0';
        double p1 = 0, a1 = 0, p2 = 0, a2 = 0;
        if (!compare_parse_amount(in, &p1, &a1) || !compare_parse_amount(comma + 1, &p2, &a2))
            return false;
        t->pct = fmax(p1, p2);
        t->abs = fmax(a1, a2);
        return true;
    }
    return compare_parse_amount(s, &t->pct, &t->abs);
}

static int compare_load_tolerances(const char *path, struct compare_tols *out)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return compare_bad("cannot open tolerances %s: %s", path, strerror(errno));
    char line[512];
    unsigned lineno = 0;
    size_t cap = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char metric[64], tol[48], needs[128];
        int used = 0;
        if (sscanf(line, " %63s %47s %127s %n", metric, tol, needs, &used) < 3) {
            if (sscanf(line, " %63s", metric) == 1) {
                fclose(f);
                return compare_bad("%s:%u: want `metric tolerance needs reason`", path, lineno);
            }
            continue;
        }
        if (out->n == cap) {
            cap = cap ? cap * 2 : 32;
            struct compare_tol *nv = realloc(out->v, cap * sizeof *nv);
            if (!nv) {
                fclose(f);
                return compare_bad("out of memory");
            }
            out->v = nv;
        }
        struct compare_tol *t = &out->v[out->n];
        memset(t, 0, sizeof *t);
        snprintf(t->metric, sizeof t->metric, "%s", metric);
        snprintf(t->text, sizeof t->text, "%s", tol);
        if (!compare_parse_tolerance(tol, t)) {
            fclose(f);
            return compare_bad("%s:%u: bad tolerance '%s' (want 0, +1, 8, 5%%, max(2%%,8) or time)",
                               path, lineno, tol);
        }
        if (strcmp(needs, "-") != 0) {
            for (char *tok = strtok(needs, ","); tok; tok = strtok(NULL, ",")) {
                int k = -1;
                for (int i = 0; i < COMPARE_FP_COUNT; i++)
                    if (!strcmp(tok, compare_fp_names[i]))
                        k = i;
                if (!strcmp(tok, "all")) {
                    t->needs = (1u << COMPARE_FP_COUNT) - 1;
                    continue;
                }
                if (k < 0) {
                    fclose(f);
                    return compare_bad(
                        "%s:%u: unknown fingerprint field '%s' (valid: kernel, glibc, "
                        "cpu_model, compiler, pmu_usable, build_type, sanitizers, all, or -)",
                        path, lineno, tok);
                }
                t->needs |= 1u << k;
            }
        }
        char *r = line + used;
        r[strcspn(r, "\r\n")] = '\0';
        snprintf(t->reason, sizeof t->reason, "%s", r);
        out->n++;
    }
    fclose(f);
    if (out->n == 0)
        return compare_bad("%s: no tolerances (want `metric tolerance needs reason` lines)", path);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * One side of the comparison: a run.json (plus callgrind counts) as cells with their runs. */

struct compare_cell {
    char key[640];     /* backend:params workload:params, the match key */
    char backend[256]; /* spec, for display */
    char workload[384];
    const char *id;      /* cell id inside its file (not stable across files) */
    const json_t **runs; /* run objects of this cell */
    size_t nruns, cap_runs;
    size_t ok; /* runs whose outcome is "ok" */
    char bad_outcome[128];
    bool cg_have;  /* a callgrind run exists for the cell */
    bool cg_valid; /* ... and gave a count */
    double cg_ir;
    char cg_outcome[128];
};

struct compare_side {
    const char *label; /* BASE or NEW */
    char path[4096];   /* the JSON file read */
    json_t *doc;
    char fp[COMPARE_FP_COUNT][160];
    char host[128], git_sha[64], date[40];
    struct compare_cell *cells;
    size_t ncells;
};

/* key = "name[:params] name[:params]" */
static void compare_make_key(char *key, size_t len, const char *b, const char *bp, const char *w,
                             const char *wp)
{
    snprintf(key, len, "%s%s%s %s%s%s", b, bp && bp[0] ? ":" : "", bp ? bp : "", w,
             wp && wp[0] ? ":" : "", wp ? wp : "");
    /* results before RFC 4180 CSV wrote parameter lists with ';' (k=v;k=v): same cell */
    for (char *p = key; *p; p++)
        if (*p == ';')
            *p = ',';
}

/* Split "name:params" (params may be empty) into a key part. */
static void compare_spec_key(char *key, size_t len, const char *bspec, const char *wspec)
{
    snprintf(key, len, "%s %s", bspec, wspec);
}

static struct compare_cell *compare_add_cell(struct compare_side *s, size_t *cap)
{
    if (s->ncells == *cap) {
        size_t nc = *cap ? *cap * 2 : 32;
        struct compare_cell *nv = realloc(s->cells, nc * sizeof *nv);
        if (!nv)
            return NULL;
        s->cells = nv;
        *cap = nc;
    }
    struct compare_cell *c = &s->cells[s->ncells++];
    memset(c, 0, sizeof *c);
    return c;
}

static struct compare_cell *compare_find_cell(struct compare_side *s, const char *key)
{
    for (size_t i = 0; i < s->ncells; i++)
        if (!strcmp(s->cells[i].key, key))
            return &s->cells[i];
    return NULL;
}

/* The callgrind counts belong to the cell with these specs (the same invocation's cells). */
static void compare_set_callgrind(struct compare_side *s, const char *bspec, const char *wspec,
                                  const char *outcome, bool valid, double ir)
{
    for (size_t i = 0; i < s->ncells; i++) {
        struct compare_cell *c = &s->cells[i];
        char k[640];
        compare_spec_key(k, sizeof k, bspec, wspec);
        char mine[640];
        compare_spec_key(mine, sizeof mine, c->backend, c->workload);
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
static int compare_load_callgrind_tsv(struct compare_side *s, const char *path)
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
        compare_set_callgrind(s, f1, f2, f3, f4[0] && !*end, ir);
    }
    fclose(f);
    return 0;
}

/* Numbers from files are checked where they enter: a metric must be finite and, except for the
 * ones that can shrink (break_growth, retained RSS, foreign calls, breakdown growths), >= 0. 1e308
 * used to print "inf" medians and a negative rss_peak counted as "improved". */
static int compare_check_metrics(const struct compare_side *s, const json_t *run, size_t i)
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

static int compare_load_side(struct compare_side *s, const char *arg)
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

    const json_t *ctx = json_read_get(s->doc, "context");
    for (int i = 0; i < COMPARE_FP_COUNT; i++) {
        const char *str = json_read_str(ctx, compare_fp_names[i]);
        double num;
        if (str)
            snprintf(s->fp[i], sizeof s->fp[i], "%s", str);
        else if (json_read_num(ctx, compare_fp_names[i], &num))
            snprintf(s->fp[i], sizeof s->fp[i], "%g", num);
        else
            snprintf(s->fp[i], sizeof s->fp[i], "?");
    }
    const char *h = json_read_str(ctx, "host"), *g = json_read_str(ctx, "git_sha");
    const char *d = json_read_str(ctx, "date_utc");
    snprintf(s->host, sizeof s->host, "%s", h ? h : "?");
    snprintf(s->git_sha, sizeof s->git_sha, "%s", g ? g : "?");
    snprintf(s->date, sizeof s->date, "%s", d ? d : "?");

    /* cells: from the "cells" table when present (names and parameters), else from the runs */
    size_t cap = 0;
    const json_t *cells = json_read_get(s->doc, "cells");
    if (json_is_array(cells)) {
        for (size_t i = 0; i < json_array_size(cells); i++) {
            const json_t *c = json_array_get(cells, i);
            const char *id = json_read_str(c, "id"), *b = json_read_str(c, "backend");
            const char *w = json_read_str(c, "workload");
            if (!id || !b || !w)
                return compare_bad("%s: %s: cells[%zu] lacks id, backend or workload", s->label,
                                   s->path, i);
            struct compare_cell *cc = compare_add_cell(s, &cap);
            if (!cc)
                return compare_bad("out of memory");
            cc->id = id;
            const char *bs = json_read_str(c, "backend_spec"),
                       *ws = json_read_str(c, "workload_spec");
            compare_make_key(cc->key, sizeof cc->key, b, json_read_str(c, "backend_params"), w,
                             json_read_str(c, "workload_params"));
            snprintf(cc->backend, sizeof cc->backend, "%s", bs ? bs : b);
            snprintf(cc->workload, sizeof cc->workload, "%s", ws ? ws : w);
        }
    }
    for (size_t i = 0; i < json_array_size(runs); i++) {
        const json_t *r = json_array_get(runs, i);
        const char *id = json_read_str(r, "cell");
        struct compare_cell *cc = NULL;
        for (size_t k = 0; id && k < s->ncells; k++)
            if (s->cells[k].id && !strcmp(s->cells[k].id, id))
                cc = &s->cells[k];
        if (!cc) {
            /* no cells table (or an unknown id): the run's own backend and workload specs */
            const char *b = json_read_str(r, "backend"), *w = json_read_str(r, "workload");
            if (!b || !w)
                return compare_bad("%s: %s: runs[%zu] names no known cell", s->label, s->path, i);
            char key[640];
            compare_spec_key(key, sizeof key, b, w);
            cc = compare_find_cell(s, key);
            if (!cc) {
                cc = compare_add_cell(s, &cap);
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
        if (compare_check_metrics(s, r, i) != 0)
            return 2;
        const char *outcome = json_read_str(r, "outcome");
        if (outcome && !strcmp(outcome, "ok"))
            cc->ok++;
        else if (!cc->bad_outcome[0])
            snprintf(cc->bad_outcome, sizeof cc->bad_outcome, "%s", outcome ? outcome : "?");
    }

    /* callgrind counts: embedded (a baseline made by ci/regress.sh) and/or callgrind.tsv */
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
            compare_set_callgrind(s, b, w, json_read_str(e, "outcome"), have_ir, ir);
        }
    }
    if (dir[0]) {
        char tsv[4200];
        snprintf(tsv, sizeof tsv, "%s/callgrind.tsv", dir);
        if (compare_load_callgrind_tsv(s, tsv) != 0)
            return 2;
    }
    return 0;
}

static void compare_free_side(struct compare_side *s)
{
    for (size_t i = 0; i < s->ncells; i++)
        free(s->cells[i].runs);
    free(s->cells);
    json_decref(s->doc);
}

/* Values of metric m over the cell's ok runs that measured it. Returns the count; *nulls gets
 * the number of ok runs where it was null or missing. */
static size_t compare_values(const struct compare_cell *c, const char *m, double *out,
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

/* ---------------------------------------------------------------------------------------------
 * Verdicts. */

/* The order is the report's: failures first. missing and uncompared fail the gate unless
 * --allow-missing; new is listed and never fails. */
enum compare_verdict {
    CV_REGRESSED,
    CV_MISSING,
    CV_UNCOMPARED,
    CV_IMPROVED,
    CV_SLOWER,
    CV_FASTER,
    CV_OK,
    CV_NEW,
    CV_SKIPPED,
};

/* verdicts as --format json spells them */
static const char *const compare_verdict_json[] = {
    "regressed", "missing", "not_compared", "improved", "slower", "faster", "ok", "new", "skipped",
};

static const char *const compare_verdict_names[] = {
    "regressed",         "missing",           "not compared", "improved — refresh the baseline",
    "slower (advisory)", "faster (advisory)", "ok",           "new (not gated)",
    "skipped",
};

struct compare_row {
    const char *backend, *workload, *metric;
    const struct compare_tol *tol;
    enum compare_verdict verdict;
    bool have_base, have_new;
    double base, neu;
    double p; /* time rows */
    char base_text[64], new_text[64];
    char reason[200];
};

struct compare_rows {
    struct compare_row *v;
    size_t n, cap;
};

static struct compare_row *compare_row_add(struct compare_rows *rs, const char *backend,
                                           const char *workload, const char *metric)
{
    if (rs->n == rs->cap) {
        size_t nc = rs->cap ? rs->cap * 2 : 256;
        struct compare_row *nv = realloc(rs->v, nc * sizeof *nv);
        if (!nv) {
            fprintf(stderr, "faultline compare: out of memory\n");
            exit(2);
        }
        rs->v = nv;
        rs->cap = nc;
    }
    struct compare_row *r = &rs->v[rs->n++];
    memset(r, 0, sizeof *r);
    r->backend = backend;
    r->workload = workload;
    r->metric = metric;
    return r;
}

static void compare_fmt_num(char *buf, size_t len, double v)
{
    if (fabs(v) < 1e15 && v == floor(v))
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "%.4g", v);
}

enum compare_format { COMPARE_CONSOLE, COMPARE_MD, COMPARE_JSON };

struct compare_opts {
    bool md; /* COMPARE_MD */
    enum compare_format format;
    bool time_check;
    bool all;
    bool allow_missing;
    const char *tolerances;
};

/* Mismatching fingerprint fields as a bit set. */
static unsigned compare_fp_diff(const struct compare_side *a, const struct compare_side *b)
{
    unsigned d = 0;
    for (int i = 0; i < COMPARE_FP_COUNT; i++)
        if (strcmp(a->fp[i], b->fp[i]) != 0)
            d |= 1u << i;
    return d;
}

static void compare_fp_list(char *buf, size_t len, unsigned bits)
{
    buf[0] = '\0';
    size_t used = 0;
    for (int i = 0; i < COMPARE_FP_COUNT; i++)
        if (bits & (1u << i))
            used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
                                     used ? ", " : "", compare_fp_names[i]);
}

/* The values of one metric on both sides (caller frees *vb and *vn) and a new row holding their
 * medians, skipped until the caller decides. */
struct compare_values_pair {
    double *vb, *vn;
    size_t nb, nn;
};

static struct compare_row *compare_row_start(struct compare_rows *rs, const struct compare_cell *cb,
                                             const struct compare_cell *cn,
                                             const struct compare_tol *t, size_t maxruns,
                                             struct compare_values_pair *v)
{
    struct compare_row *r = compare_row_add(rs, cb->backend, cb->workload, t->metric);
    r->tol = t;
    r->verdict = CV_SKIPPED;
    v->vb = malloc((maxruns + 1) * sizeof *v->vb);
    v->vn = malloc((maxruns + 1) * sizeof *v->vn);
    if (!v->vb || !v->vn) {
        fprintf(stderr, "faultline compare: out of memory\n");
        exit(2);
    }
    size_t nullb, nulln;
    v->nb = compare_values(cb, t->metric, v->vb, &nullb);
    v->nn = compare_values(cn, t->metric, v->vn, &nulln);
    r->have_base = v->nb > 0;
    r->have_new = v->nn > 0;
    if (v->nb)
        r->base = stats_median(v->vb, v->nb);
    if (v->nn)
        r->neu = stats_median(v->vn, v->nn);
    return r;
}

static void compare_count_metric(struct compare_rows *rs, const struct compare_cell *cb,
                                 const struct compare_cell *cn, const struct compare_tol *t,
                                 unsigned fpdiff, size_t maxruns)
{
    struct compare_values_pair v;
    struct compare_row *r = compare_row_start(rs, cb, cn, t, maxruns, &v);
    free(v.vb);
    free(v.vn);
    if (t->needs & fpdiff) {
        char f[160];
        compare_fp_list(f, sizeof f, t->needs & fpdiff);
        snprintf(r->reason, sizeof r->reason, "environment differs (%s)", f);
        return;
    }
    if (!strcmp(t->metric, "callgrind_ir") && (!r->have_base || !r->have_new)) {
        const struct compare_cell *c = !r->have_base ? cb : cn;
        if (!cb->cg_have && !cn->cg_have)
            snprintf(r->reason, sizeof r->reason, "no callgrind pass on either side");
        else if (!c->cg_have)
            snprintf(r->reason, sizeof r->reason, "no callgrind pass in %s",
                     c == cb ? "BASE" : "NEW");
        else
            snprintf(r->reason, sizeof r->reason, "callgrind run in %s: %s",
                     c == cb ? "BASE" : "NEW", c->cg_outcome);
        if (r->have_base) /* BASE gates it, NEW cannot answer */
            r->verdict = CV_UNCOMPARED;
        return;
    }
    if (!r->have_base && !r->have_new) {
        snprintf(r->reason, sizeof r->reason, "null on both sides (not measured)");
        return;
    }
    if (!r->have_base) { /* the baseline never measured it here: nothing to gate */
        snprintf(r->reason, sizeof r->reason, "null in BASE only");
        return;
    }
    if (!r->have_new) {
        snprintf(r->reason, sizeof r->reason, "null in NEW, measured in BASE");
        r->verdict = CV_UNCOMPARED;
        return;
    }
    double allowed = fmax(t->pct / 100.0 * fabs(r->base), t->abs);
    double d = r->neu - r->base;
    /* a hair of slack for medians of integers that average two middle values */
    if (d > allowed + 1e-9)
        r->verdict = CV_REGRESSED;
    else if (d < -allowed - 1e-9)
        r->verdict = CV_IMPROVED;
    else
        r->verdict = CV_OK;
}

static void compare_time_metric(struct compare_rows *rs, const struct compare_side *sb,
                                const struct compare_side *sn, const struct compare_cell *cb,
                                const struct compare_cell *cn, const struct compare_tol *t,
                                unsigned fpdiff, size_t maxruns)
{
    struct compare_values_pair v;
    struct compare_row *r = compare_row_start(rs, cb, cn, t, maxruns, &v);
    double *vb = v.vb, *vn = v.vn;
    size_t nb = v.nb, nn = v.nn;
    if (fpdiff || strcmp(sb->host, sn->host) != 0) {
        snprintf(r->reason, sizeof r->reason, "times from different machines are never compared");
    } else if (nb < 9 || nn < 9) {
        snprintf(r->reason, sizeof r->reason, "fewer than 9 ok runs on a side (U test needs >= 9)");
    } else {
        r->p = stats_mann_whitney_p(vb, nb, vn, nn);
        double rel = r->base > 0 ? (r->neu - r->base) / r->base : 0;
        r->verdict = CV_OK;
        if (r->p < 0.01 && fabs(rel) > 0.05)
            r->verdict = rel > 0 ? CV_SLOWER : CV_FASTER;
    }
    free(vb);
    free(vn);
}

/* ---------------------------------------------------------------------------------------------
 * Output: one table renderer for the console (aligned columns) and Markdown. */

enum { COMPARE_COLS = 8 };

static void compare_table(bool md, const char *const *head, char (*cells)[COMPARE_COLS][200],
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

static void compare_row_cells(const struct compare_row *r, bool md, char out[COMPARE_COLS][200])
{
    snprintf(out[0], 200, "%s", r->backend);
    snprintf(out[1], 200, "%s", r->workload);
    snprintf(out[2], 200, "%s", r->metric);
    if (r->base_text[0])
        snprintf(out[3], 200, "%s", r->base_text);
    else if (r->have_base)
        compare_fmt_num(out[3], 200, r->base);
    else
        snprintf(out[3], 200, "null");
    if (r->new_text[0])
        snprintf(out[4], 200, "%s", r->new_text);
    else if (r->have_new)
        compare_fmt_num(out[4], 200, r->neu);
    else
        snprintf(out[4], 200, "null");
    out[5][0] = '\0';
    if (r->have_base && r->have_new) {
        char d[64];
        double delta = r->neu - r->base;
        compare_fmt_num(d, sizeof d, fabs(delta));
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

/* Every verdict row of BASE vs NEW into rs. */
static void compare_verdicts(const struct compare_opts *o, struct compare_side *sb,
                             struct compare_side *sn, const struct compare_tols *tols,
                             struct compare_rows *rs)
{
    unsigned fpdiff = compare_fp_diff(sb, sn);
    size_t maxruns = 1;
    for (size_t i = 0; i < sb->ncells; i++)
        maxruns = sb->cells[i].nruns > maxruns ? sb->cells[i].nruns : maxruns;
    for (size_t i = 0; i < sn->ncells; i++)
        maxruns = sn->cells[i].nruns > maxruns ? sn->cells[i].nruns : maxruns;

    for (size_t i = 0; i < sb->ncells; i++) {
        const struct compare_cell *cb = &sb->cells[i];
        const struct compare_cell *cn = compare_find_cell(sn, cb->key);
        if (!cn || cn->nruns == 0) {
            /* not run, or cut short (a killed sweep lists cells it never ran) */
            struct compare_row *r = compare_row_add(rs, cb->backend, cb->workload, "cell");
            r->verdict = CV_MISSING;
            snprintf(r->base_text, sizeof r->base_text, "%zu runs", cb->nruns);
            snprintf(r->new_text, sizeof r->new_text, "%s", cn ? "0 runs" : "absent");
            snprintf(r->reason, sizeof r->reason, "%s",
                     cn ? "no runs in NEW (interrupted?)"
                        : "not in NEW (spec changed or suite cut: rerun, or refresh the "
                          "baseline)");
            continue;
        }
        if (cb->ok == 0) {
            struct compare_row *r = compare_row_add(rs, cb->backend, cb->workload, "outcome");
            r->verdict = CV_SKIPPED;
            snprintf(r->reason, sizeof r->reason, "no ok run in BASE");
            snprintf(r->base_text, sizeof r->base_text, "%.60s", cb->bad_outcome);
            snprintf(r->new_text, sizeof r->new_text, "%.60s", cn->ok ? "ok" : cn->bad_outcome);
            continue;
        }
        if ((cn->nruns - cn->ok) * cb->nruns > (cb->nruns - cb->ok) * cn->nruns) {
            /* a crash, timeout or ENOMEM that the baseline did not have (a larger failed
             * fraction of the runs) is a regression */
            struct compare_row *r = compare_row_add(rs, cb->backend, cb->workload, "outcome");
            r->verdict = CV_REGRESSED;
            snprintf(r->base_text, sizeof r->base_text, "%zu/%zu ok", cb->ok, cb->nruns);
            snprintf(r->new_text, sizeof r->new_text, "%zu/%zu ok (%.40s)", cn->ok, cn->nruns,
                     cn->nruns ? cn->bad_outcome : "no runs");
            if (cn->ok == 0)
                continue;
        }
        for (size_t k = 0; k < tols->n; k++) {
            const struct compare_tol *t = &tols->v[k];
            if (!t->time)
                compare_count_metric(rs, cb, cn, t, fpdiff, maxruns);
            else if (o->time_check)
                compare_time_metric(rs, sb, sn, cb, cn, t, fpdiff, maxruns);
        }
    }
    for (size_t i = 0; i < sn->ncells; i++) {
        const struct compare_cell *cn = &sn->cells[i];
        if (compare_find_cell(sb, cn->key))
            continue;
        struct compare_row *r = compare_row_add(rs, cn->backend, cn->workload, "cell");
        r->verdict = CV_NEW;
        snprintf(r->base_text, sizeof r->base_text, "absent");
        snprintf(r->new_text, sizeof r->new_text, "%zu runs", cn->nruns);
        snprintf(r->reason, sizeof r->reason, "not in BASE (refresh the baseline to gate it)");
    }
}

/* What the gate looked at: the coverage half of the verdict. */
struct compare_coverage {
    size_t count[CV_SKIPPED + 1]; /* rows per verdict */
    size_t base_cells, cells_compared;
    size_t gated, gated_compared; /* count-metric values BASE has, and those compared */
    bool regressed, incomplete;
};

static void compare_cover(const struct compare_opts *o, const struct compare_side *sb,
                          const struct compare_rows *rs, struct compare_coverage *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < rs->n; i++) {
        const struct compare_row *r = &rs->v[i];
        c->count[r->verdict]++;
        bool counted = r->tol && !r->tol->time && r->have_base;
        bool decided =
            r->verdict == CV_OK || r->verdict == CV_REGRESSED || r->verdict == CV_IMPROVED;
        if (counted && (decided || r->verdict == CV_UNCOMPARED)) {
            c->gated++;
            c->gated_compared += decided;
        }
    }
    c->base_cells = sb->ncells;
    c->cells_compared = sb->ncells - c->count[CV_MISSING];
    c->regressed = c->count[CV_REGRESSED] > 0;
    c->incomplete = !o->allow_missing && (c->count[CV_MISSING] || c->count[CV_UNCOMPARED]);
}

/* The console or Markdown report; returns the exit status. */
static int compare_print(const struct compare_opts *o, const struct compare_side *sb,
                         const struct compare_side *sn, const struct compare_tols *tols,
                         const struct compare_rows *rsp, const struct compare_coverage *cov)
{
    const struct compare_rows rs = *rsp;
    unsigned fpdiff = compare_fp_diff(sb, sn);
    const size_t *count = cov->count;
    bool failed = cov->regressed || cov->incomplete;

    /* header */
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
        compare_fp_list(f, sizeof f, fpdiff);
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
                       compare_fp_names[i], sb->fp[i], sn->fp[i]);
        printf(o->md ? "\n"
                     : "!!! refresh the baseline on this machine (make baseline) to gate "
                       "everything\n\n");
    }

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
                compare_row_cells(&rs.v[i], o->md, cells[n++]);
    }
    if (n)
        compare_table(o->md, head, cells, n, right);
    else
        printf(o->md ? "No gated metric moved beyond its tolerance.\n"
                     : "no gated metric moved beyond its tolerance\n");

    /* skipped rows, grouped by metric and reason: a missing counter is one line, not 24 */
    if (count[CV_SKIPPED]) {
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
        if (o->md)
            printf("\n<details><summary>%zu skipped</summary>\n\n", count[CV_SKIPPED]);
        else
            printf("\nskipped (%zu):\n", count[CV_SKIPPED]);
        compare_table(o->md, shead, cells, m, sright);
        if (o->md)
            printf("\n</details>\n");
    }
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
    free(cells);
    return cov->regressed ? 1 : cov->incomplete ? COMPARE_EXIT_INCOMPLETE : 0;
}

/* --format json: the same verdict as a document (status, coverage, every row). */
static int compare_print_json(const struct compare_side *sb, const struct compare_side *sn,
                              const struct compare_rows *rs, const struct compare_coverage *cov)
{
    int rc = cov->regressed ? 1 : cov->incomplete ? COMPARE_EXIT_INCOMPLETE : 0;
    json_t *rows = json_array();
    for (size_t i = 0; i < rs->n; i++) {
        const struct compare_row *r = &rs->v[i];
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

static int compare_run(const struct compare_opts *o, struct compare_side *sb,
                       struct compare_side *sn, const struct compare_tols *tols)
{
    struct compare_rows rs = {0};
    struct compare_coverage cov;
    compare_verdicts(o, sb, sn, tols, &rs);
    compare_cover(o, sb, &rs, &cov);
    int rc = o->format == COMPARE_JSON ? compare_print_json(sb, sn, &rs, &cov)
                                       : compare_print(o, sb, sn, tols, &rs, &cov);
    free(rs.v);
    return rc;
}

enum {
    COMPARE_ID_TOLERANCES = CLI_ID_COMMAND,
    COMPARE_ID_TIME_CHECK,
    COMPARE_ID_ALL,
    COMPARE_ID_ALLOW_MISSING,
};

static const struct cli_opt compare_opts_table[] = {
    CLI_ROW_FORMAT("console (default), md (a pull-request comment) or json"),
    {"tolerances", 0, "FILE",
     "metric tolerance needs reason per line\n(default: " FAULTLINE_SOURCE_DIR
     "/ci/tolerances.conf)",
     COMPARE_ID_TOLERANCES},
    {"time-check", 0, NULL, "compare the advisory times too (same job, same machine)",
     COMPARE_ID_TIME_CHECK},
    {"all", 0, NULL, "list ok rows too", COMPARE_ID_ALL},
    {"allow-missing", 0, NULL,
     "let baseline cells missing from NEW and gated metrics NEW could not\nanswer pass (they "
     "are still listed)",
     COMPARE_ID_ALLOW_MISSING},
    CLI_ROW_END,
};

static const struct cli_opt *const compare_tables[] = {compare_opts_table, NULL};

static const struct cli_usage compare_usage = {
    .name = "compare",
    .synopsis = "BASE NEW [--format console|md|json] [--tolerances FILE] [--time-check] [--all]\n"
                "BASE NEW --allow-missing ...",
    .about = "Compares two runs (a run.json file or a results directory each; a directory's\n"
             "callgrind.tsv is read too) cell by cell, keyed by backend and workload with their\n"
             "parameters. Each metric listed in the tolerances file gets a verdict:\n"
             "  ok, regressed (beyond tolerance: the gate fails), improved (beyond tolerance:\n"
             "  refresh the baseline, not a failure), not compared (BASE measured it, NEW has\n"
             "  null: fails), skipped (not measured in BASE, or the environment fingerprint it\n"
             "  depends on differs: listed, not a failure).\n"
             "Coverage is part of the verdict: a BASE cell that NEW lacks or never ran is\n"
             "missing and fails the gate (a changed spec is missing + new); cells only in NEW\n"
             "are listed as new and do not fail. The summary says how many baseline cells and\n"
             "gated metric values were compared. --allow-missing lets a partial NEW pass.\n"
             "Times (tolerance `time`) are advisory: compared only with --time-check, with the\n"
             "Mann-Whitney U test over >= 9 runs per side, flagged when p < 0.01 and the median\n"
             "moved > 5 %; never across machines.\n",
    .tables = compare_tables,
    .examples = "faultline compare results/baseline/ci.json results/runs/<id>\n"
                "faultline compare --format md results/baseline/ci.json results/runs/<id>\n"
                "faultline compare --format json --allow-missing results/baseline/ci.json "
                "results/runs/<id>",
    .exit_status = "1 a gated metric regressed, 3 nothing regressed but coverage is incomplete\n"
                   "(a BASE cell missing from NEW, or a gated metric not compared; not with\n"
                   "--allow-missing), 2 bad input, 0 passed",
};

int compare_main(int argc, char **argv)
{
    struct compare_opts o = {.tolerances = FAULTLINE_SOURCE_DIR "/ci/tolerances.conf"};
    const char *pos[2];
    int npos = 0;
    struct cli_parse p;
    cli_opt_init(&p, &compare_usage, argc, argv);
    int c;
    while ((c = cli_opt_next(&p)) != CLI_OPT_END) {
        switch (c) {
        case CLI_OPT_HELP:
            return 0;
        case CLI_OPT_ERROR:
            return 2;
        case CLI_ID_FORMAT:
            if (strcmp(p.arg, "md") && strcmp(p.arg, "console") && strcmp(p.arg, "json"))
                return cli_opt_error(&p, "--format %s: valid formats are console, md, json", p.arg);
            o.md = !strcmp(p.arg, "md");
            o.format = o.md ? COMPARE_MD : !strcmp(p.arg, "json") ? COMPARE_JSON : COMPARE_CONSOLE;
            break;
        case COMPARE_ID_ALLOW_MISSING:
            o.allow_missing = true;
            break;
        case COMPARE_ID_TOLERANCES:
            o.tolerances = p.arg;
            break;
        case COMPARE_ID_TIME_CHECK:
            o.time_check = true;
            break;
        case COMPARE_ID_ALL:
            o.all = true;
            break;
        case CLI_OPT_ARG:
            if (npos == 2)
                return cli_opt_error(&p, "too many arguments: want BASE NEW (see faultline "
                                         "compare --help)");
            pos[npos++] = p.arg;
            break;
        }
    }
    if (npos != 2)
        return compare_bad("want BASE NEW (run.json files or results directories; see --help)");
    struct compare_tols tols = {0};
    int rc = compare_load_tolerances(o.tolerances, &tols);
    struct compare_side sb, sn;
    memset(&sb, 0, sizeof sb);
    memset(&sn, 0, sizeof sn);
    sb.label = "BASE";
    sn.label = "NEW";
    if (rc == 0)
        rc = compare_load_side(&sb, pos[0]);
    if (rc == 0)
        rc = compare_load_side(&sn, pos[1]);
    if (rc == 0 && sb.ncells == 0)
        rc = compare_bad("BASE: %s has no cells", sb.path);
    if (rc == 0)
        rc = compare_run(&o, &sb, &sn, &tols);
    compare_free_side(&sb);
    compare_free_side(&sn);
    free(tols.v);
    return rc;
}
