/* The tolerances file of `faultline compare` (ci/tolerances.conf): parsing each `metric
 * tolerance needs reason...` line, and the names of the fingerprint fields. */
#define _GNU_SOURCE
#include "compare_tol.h"

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

/* build_type and sanitizers are not the machine but change instruction, fault and RSS counts
 * (-O level, ASan shadow memory) just as much. */
const char *const compare_tol_fp_names[COMPARE_FP_COUNT] = {
    "kernel", "glibc", "cpu_model", "compiler", "pmu_usable", "build_type", "sanitizers"};

static bool compare_tol_parse_amount(const char *s, double *pct, double *abs)
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
static bool compare_tol_parse(const char *s, struct compare_tol *t)
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
        if (!compare_tol_parse_amount(in, &p1, &a1) ||
            !compare_tol_parse_amount(comma + 1, &p2, &a2))
            return false;
        t->pct = fmax(p1, p2);
        t->abs = fmax(a1, a2);
        return true;
    }
    return compare_tol_parse_amount(s, &t->pct, &t->abs);
}

int compare_tol_load(const char *path, struct compare_tols *out)
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
        if (!compare_tol_parse(tol, t)) {
            fclose(f);
            return compare_bad("%s:%u: bad tolerance '%s' (want 0, +1, 8, 5%%, max(2%%,8) or time)",
                               path, lineno, tol);
        }
        if (strcmp(needs, "-") != 0) {
            for (char *tok = strtok(needs, ","); tok; tok = strtok(NULL, ",")) {
                int k = -1;
                for (int i = 0; i < COMPARE_FP_COUNT; i++)
                    if (!strcmp(tok, compare_tol_fp_names[i]))
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
