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
#include "stats.h"

/* ---------------------------------------------------------------------------------------------
 * A small JSON reader: the whole document as a tree. run.json files are tens of KiB, so a tree
 * is simpler than streaming and costs nothing worth measuring. */

enum compare_jtype { CJ_NULL, CJ_BOOL, CJ_NUM, CJ_STR, CJ_ARR, CJ_OBJ };

struct compare_json {
    enum compare_jtype type;
    bool boolean;
    double num;
    char *str;                  /* CJ_STR, decoded */
    size_t n;                   /* CJ_ARR / CJ_OBJ members */
    struct compare_json *items; /* n values */
    char **keys;                /* CJ_OBJ: n keys */
};

struct compare_parser {
    const char *p, *end, *start;
    char err[160];
    int depth;
};

static void compare_json_free(struct compare_json *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n; i++) {
        compare_json_free(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
    memset(v, 0, sizeof *v);
}

static bool compare_perr(struct compare_parser *ps, const char *what)
{
    if (!ps->err[0])
        snprintf(ps->err, sizeof ps->err, "%s at byte %td", what, ps->p - ps->start);
    return false;
}

static void compare_ws(struct compare_parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static void compare_put_utf8(char *out, size_t *len, unsigned cp)
{
    if (cp < 0x80) {
        out[(*len)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*len)++] = (char)(0xc0 | cp >> 6);
        out[(*len)++] = (char)(0x80 | (cp & 0x3f));
    } else {
        out[(*len)++] = (char)(0xe0 | cp >> 12);
        out[(*len)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*len)++] = (char)(0x80 | (cp & 0x3f));
    }
}

static bool compare_parse_string(struct compare_parser *ps, char **out)
{
    if (ps->p >= ps->end || *ps->p != '"')
        return compare_perr(ps, "expected a string");
    ps->p++;
    const char *s = ps->p;
    while (ps->p < ps->end && *ps->p != '"') {
        if (*ps->p == '\\')
            ps->p++;
        ps->p++;
    }
    if (ps->p >= ps->end)
        return compare_perr(ps, "unterminated string");
    /* decoded text is never longer than the escaped text */
    char *buf = malloc((size_t)(ps->p - s) + 1);
    if (!buf)
        return compare_perr(ps, "out of memory");
    size_t len = 0;
    for (const char *q = s; q < ps->p; q++) {
        if (*q != '\\') {
            buf[len++] = *q;
            continue;
        }
        q++;
        switch (*q) {
        case 'n':
            buf[len++] = '\n';
            break;
        case 't':
            buf[len++] = '\t';
            break;
        case 'r':
            buf[len++] = '\r';
            break;
        case 'b':
            buf[len++] = '\b';
            break;
        case 'f':
            buf[len++] = '\f';
            break;
        case '"':
        case '\\':
        case '/':
            buf[len++] = *q;
            break;
        case 'u': {
            unsigned cp = 0;
            for (int i = 1; i <= 4; i++) {
                char c = q + i < ps->p ? q[i] : 0;
                int d = c >= '0' && c <= '9'   ? c - '0'
                        : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                               : -1;
                if (d < 0) {
                    free(buf);
                    return compare_perr(ps, "bad \\u escape");
                }
                cp = cp * 16 + (unsigned)d;
            }
            q += 4;
            /* a \uXXXX escape is 6 bytes; its UTF-8 is at most 3 */
            compare_put_utf8(buf, &len, cp);
            break;
        }
        default:
            free(buf);
            return compare_perr(ps, "bad escape in string");
        }
    }
    buf[len] = '\0';
    ps->p++;
    *out = buf;
    return true;
}

static bool compare_parse_value(struct compare_parser *ps, struct compare_json *v);

static bool compare_push(struct compare_parser *ps, struct compare_json *v, size_t *cap,
                         struct compare_json *item, char *key)
{
    if (v->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        struct compare_json *ni = realloc(v->items, nc * sizeof *ni);
        if (!ni)
            return compare_perr(ps, "out of memory");
        v->items = ni;
        if (v->type == CJ_OBJ) {
            char **nk = realloc(v->keys, nc * sizeof *nk);
            if (!nk)
                return compare_perr(ps, "out of memory");
            v->keys = nk;
        }
        *cap = nc;
    }
    v->items[v->n] = *item;
    if (v->type == CJ_OBJ)
        v->keys[v->n] = key;
    v->n++;
    return true;
}

static bool compare_parse_container(struct compare_parser *ps, struct compare_json *v, bool obj)
{
    char close = obj ? '}' : ']';
    v->type = obj ? CJ_OBJ : CJ_ARR;
    size_t cap = 0;
    ps->p++;
    compare_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return true;
    }
    for (;;) {
        char *key = NULL;
        compare_ws(ps);
        if (obj) {
            if (!compare_parse_string(ps, &key))
                return false;
            compare_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                free(key);
                return compare_perr(ps, "expected ':'");
            }
            ps->p++;
        }
        struct compare_json item;
        memset(&item, 0, sizeof item);
        if (!compare_parse_value(ps, &item) || !compare_push(ps, v, &cap, &item, key)) {
            compare_json_free(&item);
            free(key);
            return false;
        }
        compare_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return true;
        }
        return compare_perr(ps, obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static bool compare_parse_value(struct compare_parser *ps, struct compare_json *v)
{
    compare_ws(ps);
    if (ps->p >= ps->end)
        return compare_perr(ps, "unexpected end of input");
    if (++ps->depth > 64)
        return compare_perr(ps, "nested too deeply");
    bool ok = true;
    char c = *ps->p;
    size_t rest = (size_t)(ps->end - ps->p);
    if (c == '{' || c == '[') {
        ok = compare_parse_container(ps, v, c == '{');
    } else if (c == '"') {
        v->type = CJ_STR;
        ok = compare_parse_string(ps, &v->str);
    } else if (rest >= 4 && !strncmp(ps->p, "null", 4)) {
        v->type = CJ_NULL;
        ps->p += 4;
    } else if (rest >= 4 && !strncmp(ps->p, "true", 4)) {
        v->type = CJ_BOOL;
        v->boolean = true;
        ps->p += 4;
    } else if (rest >= 5 && !strncmp(ps->p, "false", 5)) {
        v->type = CJ_BOOL;
        ps->p += 5;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        char num[64];
        size_t k = 0;
        while (ps->p < ps->end && k < sizeof num - 1 && strchr("+-0123456789.eE", *ps->p))
            num[k++] = *ps->p++;
        num[k] = '\0';
        char *endp;
        errno = 0;
        v->type = CJ_NUM;
        v->num = strtod(num, &endp);
        if (*endp || errno)
            ok = compare_perr(ps, "bad number");
    } else {
        ok = compare_perr(ps, "unexpected character");
    }
    ps->depth--;
    return ok;
}

static const struct compare_json *compare_get(const struct compare_json *obj, const char *key)
{
    if (!obj || obj->type != CJ_OBJ)
        return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (!strcmp(obj->keys[i], key))
            return &obj->items[i];
    return NULL;
}

static const char *compare_get_str(const struct compare_json *obj, const char *key)
{
    const struct compare_json *v = compare_get(obj, key);
    return v && v->type == CJ_STR ? v->str : NULL;
}

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
    const char *id;                   /* cell id inside its file (not stable across files) */
    const struct compare_json **runs; /* run objects of this cell */
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
    struct compare_json doc;
    char fp[COMPARE_FP_COUNT][160];
    char host[128], git_sha[64], date[40];
    struct compare_cell *cells;
    size_t ncells;
};

static char *compare_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    bool failed = ferror(f);
    fclose(f);
    if (!buf || failed) {
        free(buf);
        snprintf(err, errlen, "cannot read %s", path);
        return NULL;
    }
    *len = n;
    return buf;
}

/* key = "name[:params] name[:params]" */
static void compare_make_key(char *key, size_t len, const char *b, const char *bp, const char *w,
                             const char *wp)
{
    snprintf(key, len, "%s%s%s %s%s%s", b, bp && bp[0] ? ":" : "", bp ? bp : "", w,
             wp && wp[0] ? ":" : "", wp ? wp : "");
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
    char err[4400];
    size_t len = 0;
    char *text = compare_read_file(s->path, &len, err, sizeof err);
    if (!text)
        return compare_bad("%s: %s", s->label, err);
    struct compare_parser ps = {.p = text, .end = text + len, .start = text};
    bool ok = compare_parse_value(&ps, &s->doc);
    if (ok) {
        compare_ws(&ps);
        if (ps.p != ps.end)
            ok = compare_perr(&ps, "trailing characters");
    }
    free(text);
    if (!ok)
        return compare_bad("%s: %s is not valid JSON: %s", s->label, s->path, ps.err);
    const struct compare_json *runs = compare_get(&s->doc, "runs");
    if (s->doc.type != CJ_OBJ || !runs || runs->type != CJ_ARR)
        return compare_bad("%s: %s has no \"runs\" array (want a faultline run.json or results "
                           "directory)",
                           s->label, s->path);

    const struct compare_json *ctx = compare_get(&s->doc, "context");
    for (int i = 0; i < COMPARE_FP_COUNT; i++) {
        const struct compare_json *v = compare_get(ctx, compare_fp_names[i]);
        if (v && v->type == CJ_STR)
            snprintf(s->fp[i], sizeof s->fp[i], "%s", v->str);
        else if (v && v->type == CJ_NUM)
            snprintf(s->fp[i], sizeof s->fp[i], "%g", v->num);
        else
            snprintf(s->fp[i], sizeof s->fp[i], "?");
    }
    const char *h = compare_get_str(ctx, "host"), *g = compare_get_str(ctx, "git_sha");
    const char *d = compare_get_str(ctx, "date_utc");
    snprintf(s->host, sizeof s->host, "%s", h ? h : "?");
    snprintf(s->git_sha, sizeof s->git_sha, "%s", g ? g : "?");
    snprintf(s->date, sizeof s->date, "%s", d ? d : "?");

    /* cells: from the "cells" table when present (names and parameters), else from the runs */
    size_t cap = 0;
    const struct compare_json *cells = compare_get(&s->doc, "cells");
    if (cells && cells->type == CJ_ARR) {
        for (size_t i = 0; i < cells->n; i++) {
            const struct compare_json *c = &cells->items[i];
            const char *id = compare_get_str(c, "id"), *b = compare_get_str(c, "backend");
            const char *w = compare_get_str(c, "workload");
            if (!id || !b || !w)
                return compare_bad("%s: %s: cells[%zu] lacks id, backend or workload", s->label,
                                   s->path, i);
            struct compare_cell *cc = compare_add_cell(s, &cap);
            if (!cc)
                return compare_bad("out of memory");
            cc->id = id;
            const char *bs = compare_get_str(c, "backend_spec"),
                       *ws = compare_get_str(c, "workload_spec");
            compare_make_key(cc->key, sizeof cc->key, b, compare_get_str(c, "backend_params"), w,
                             compare_get_str(c, "workload_params"));
            snprintf(cc->backend, sizeof cc->backend, "%s", bs ? bs : b);
            snprintf(cc->workload, sizeof cc->workload, "%s", ws ? ws : w);
        }
    }
    for (size_t i = 0; i < runs->n; i++) {
        const struct compare_json *r = &runs->items[i];
        const char *id = compare_get_str(r, "cell");
        struct compare_cell *cc = NULL;
        for (size_t k = 0; id && k < s->ncells; k++)
            if (s->cells[k].id && !strcmp(s->cells[k].id, id))
                cc = &s->cells[k];
        if (!cc) {
            /* no cells table (or an unknown id): the run's own backend and workload specs */
            const char *b = compare_get_str(r, "backend"), *w = compare_get_str(r, "workload");
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
            const struct compare_json **nr = realloc(cc->runs, nc * sizeof *nr);
            if (!nr)
                return compare_bad("out of memory");
            cc->runs = nr;
            cc->cap_runs = nc;
        }
        cc->runs[cc->nruns++] = r;
        const char *outcome = compare_get_str(r, "outcome");
        if (outcome && !strcmp(outcome, "ok"))
            cc->ok++;
        else if (!cc->bad_outcome[0])
            snprintf(cc->bad_outcome, sizeof cc->bad_outcome, "%s", outcome ? outcome : "?");
    }

    /* callgrind counts: embedded (a baseline made by ci/regress.sh) and/or callgrind.tsv */
    const struct compare_json *cg = compare_get(&s->doc, "callgrind");
    if (cg && cg->type == CJ_ARR) {
        for (size_t i = 0; i < cg->n; i++) {
            const struct compare_json *e = &cg->items[i];
            const char *b = compare_get_str(e, "backend_spec"),
                       *w = compare_get_str(e, "workload_spec");
            const struct compare_json *ir = compare_get(e, "ir");
            if (!b || !w)
                return compare_bad("%s: %s: callgrind[%zu] lacks backend_spec or workload_spec",
                                   s->label, s->path, i);
            compare_set_callgrind(s, b, w, compare_get_str(e, "outcome"), ir && ir->type == CJ_NUM,
                                  ir && ir->type == CJ_NUM ? ir->num : 0);
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
    compare_json_free(&s->doc);
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
        const char *outcome = compare_get_str(c->runs[i], "outcome");
        if (!outcome || strcmp(outcome, "ok") != 0)
            continue;
        const struct compare_json *v = compare_get(compare_get(c->runs[i], "metrics"), m);
        if (v && v->type == CJ_NUM)
            out[n++] = v->num;
        else
            (*nulls)++;
    }
    return n;
}

/* ---------------------------------------------------------------------------------------------
 * Verdicts. */

enum compare_verdict { CV_REGRESSED, CV_IMPROVED, CV_SLOWER, CV_FASTER, CV_OK, CV_SKIPPED };

static const char *const compare_verdict_names[] = {
    "regressed", "improved — refresh the baseline", "slower (advisory)", "faster (advisory)", "ok",
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

struct compare_opts {
    bool md;
    bool time_check;
    bool all;
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
        return;
    }
    if (!r->have_base && !r->have_new) {
        snprintf(r->reason, sizeof r->reason, "null on both sides (not measured)");
        return;
    }
    if (!r->have_base || !r->have_new) {
        snprintf(r->reason, sizeof r->reason, "null in %s only", r->have_base ? "NEW" : "BASE");
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

static int compare_run(const struct compare_opts *o, struct compare_side *sb,
                       struct compare_side *sn, const struct compare_tols *tols)
{
    struct compare_rows rs = {0};
    unsigned fpdiff = compare_fp_diff(sb, sn);
    size_t maxruns = 1;
    for (size_t i = 0; i < sb->ncells; i++)
        maxruns = sb->cells[i].nruns > maxruns ? sb->cells[i].nruns : maxruns;
    for (size_t i = 0; i < sn->ncells; i++)
        maxruns = sn->cells[i].nruns > maxruns ? sn->cells[i].nruns : maxruns;

    for (size_t i = 0; i < sb->ncells; i++) {
        const struct compare_cell *cb = &sb->cells[i];
        const struct compare_cell *cn = compare_find_cell(sn, cb->key);
        if (!cn) {
            struct compare_row *r = compare_row_add(&rs, cb->backend, cb->workload, "cell");
            r->verdict = CV_SKIPPED;
            snprintf(r->reason, sizeof r->reason,
                     "not in NEW (suite changed: refresh the baseline)");
            continue;
        }
        if (cb->ok == 0) {
            struct compare_row *r = compare_row_add(&rs, cb->backend, cb->workload, "outcome");
            r->verdict = CV_SKIPPED;
            snprintf(r->reason, sizeof r->reason, "no ok run in BASE");
            snprintf(r->base_text, sizeof r->base_text, "%.60s", cb->bad_outcome);
            snprintf(r->new_text, sizeof r->new_text, "%.60s", cn->ok ? "ok" : cn->bad_outcome);
            continue;
        }
        if (cn->nruns == 0 || (cn->nruns - cn->ok) * cb->nruns > (cb->nruns - cb->ok) * cn->nruns) {
            /* a crash, timeout or ENOMEM that the baseline did not have (a larger failed
             * fraction of the runs) is a regression */
            struct compare_row *r = compare_row_add(&rs, cb->backend, cb->workload, "outcome");
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
                compare_count_metric(&rs, cb, cn, t, fpdiff, maxruns);
            else if (o->time_check)
                compare_time_metric(&rs, sb, sn, cb, cn, t, fpdiff, maxruns);
        }
    }
    for (size_t i = 0; i < sn->ncells; i++) {
        const struct compare_cell *cn = &sn->cells[i];
        if (compare_find_cell(sb, cn->key))
            continue;
        struct compare_row *r = compare_row_add(&rs, cn->backend, cn->workload, "cell");
        r->verdict = CV_SKIPPED;
        snprintf(r->reason, sizeof r->reason, "not in BASE (new cell: refresh the baseline)");
    }

    size_t count[CV_SKIPPED + 1] = {0};
    for (size_t i = 0; i < rs.n; i++)
        count[rs.v[i].verdict]++;
    bool failed = count[CV_REGRESSED] > 0;

    /* header */
    const char *status = failed               ? "REGRESSED"
                         : count[CV_IMPROVED] ? "PASSED (improvements: refresh "
                                                "the baseline)"
                                              : "PASSED";
    char summary[256];
    snprintf(summary, sizeof summary, "%zu regressed, %zu improved, %zu ok, %zu skipped",
             count[CV_REGRESSED], count[CV_IMPROVED],
             count[CV_OK] + count[CV_SLOWER] + count[CV_FASTER], count[CV_SKIPPED]);
    if (o->md) {
        printf("### faultline regression gate: %s%s%s\n\n", failed ? "**" : "", status,
               failed ? "**" : "");
        printf("%s; %zu cells. BASE git `%s`, NEW git `%s`.\n\n", summary, sb->ncells, sb->git_sha,
               sn->git_sha);
    } else {
        printf("faultline compare: %s\n", status);
        printf("  BASE %s (git %s, %s)\n  NEW  %s (git %s, %s)\n", sb->path, sb->git_sha, sb->date,
               sn->path, sn->git_sha, sn->date);
        printf("  %s; %zu cells\n\n", summary, sb->ncells);
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
        free(rs.v);
        return compare_bad("out of memory");
    }
    size_t n = 0;
    static const enum compare_verdict order[] = {CV_REGRESSED, CV_IMPROVED, CV_SLOWER, CV_FASTER,
                                                 CV_OK};
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
    free(cells);
    free(rs.v);
    return failed ? 1 : 0;
}

enum { COMPARE_ID_TOLERANCES = CLI_ID_COMMAND, COMPARE_ID_TIME_CHECK, COMPARE_ID_ALL };

static const struct cli_opt compare_opts_table[] = {
    CLI_ROW_FORMAT("console (default) or md (a PR-comment table)"),
    {"tolerances", 0, "FILE",
     "metric tolerance needs reason per line\n(default: " FAULTLINE_SOURCE_DIR
     "/ci/tolerances.conf)",
     COMPARE_ID_TOLERANCES},
    {"time-check", 0, NULL, "compare the advisory times too (same job, same machine)",
     COMPARE_ID_TIME_CHECK},
    {"all", 0, NULL, "list ok rows too", COMPARE_ID_ALL},
    CLI_ROW_END,
};

static const struct cli_opt *const compare_tables[] = {compare_opts_table, NULL};

static const struct cli_usage compare_usage = {
    .name = "compare",
    .synopsis = "BASE NEW [--format console|md] [--tolerances FILE] [--time-check] [--all]",
    .about = "Compares two runs (a run.json file or a results directory each; a directory's\n"
             "callgrind.tsv is read too) cell by cell, keyed by backend and workload with their\n"
             "parameters. Each metric listed in the tolerances file gets a verdict:\n"
             "  ok, regressed (beyond tolerance: the gate fails), improved (beyond tolerance:\n"
             "  refresh the baseline, not a failure), skipped (null on a side, or the environment\n"
             "  fingerprint it depends on differs).\n"
             "Times (tolerance `time`) are advisory: compared only with --time-check, with the\n"
             "Mann-Whitney U test over >= 9 runs per side, flagged when p < 0.01 and the median\n"
             "moved > 5 %; never across machines.\n",
    .tables = compare_tables,
    .examples = "faultline compare results/baseline/ci.json results/runs/<id>\n"
                "faultline compare --format md results/baseline/ci.json results/runs/<id>",
    .exit_status = "1 a gated metric regressed, 2 bad input, 0 otherwise",
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
            if (strcmp(p.arg, "md") && strcmp(p.arg, "console"))
                return cli_opt_error(&p, "--format %s: valid formats are console, md", p.arg);
            o.md = !strcmp(p.arg, "md");
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
