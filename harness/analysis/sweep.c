/* Sweep expansion (see sweep.h). */
#define _GNU_SOURCE
#include "sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "param.h"

#define SWEEP_MAX_VALUES 256

struct sweep_key {
    char name[32];
    unsigned nvalues;
    char values[SWEEP_MAX_VALUES][48];
};

static int sweep_add_value(struct sweep_key *k, const char *v, char *err, size_t errlen)
{
    if (k->nvalues == SWEEP_MAX_VALUES) {
        snprintf(err, errlen, "%s: more than %d values", k->name, SWEEP_MAX_VALUES);
        return -1;
    }
    snprintf(k->values[k->nvalues++], sizeof k->values[0], "%s", v);
    return 0;
}

/* "4K..32M:x2" or "0..10:+2" (sizes or integers); plain values are added as they are. */
static int sweep_add_token(struct sweep_key *k, const char *tok, char *err, size_t errlen)
{
    const char *dots = strstr(tok, "..");
    if (!dots)
        return sweep_add_value(k, tok, err, errlen);
    char lo_s[48], hi_s[48];
    const char *colon = strchr(dots, ':');
    size_t ll = (size_t)(dots - tok);
    size_t hl = colon ? (size_t)(colon - dots - 2) : strlen(dots + 2);
    if (ll == 0 || ll >= sizeof lo_s || hl == 0 || hl >= sizeof hi_s) {
        snprintf(err, errlen, "%s=%s: expected LO..HI:xF or LO..HI:+S", k->name, tok);
        return -1;
    }
    memcpy(lo_s, tok, ll);
    lo_s[ll] = '\0';
    memcpy(hi_s, dots + 2, hl);
    hi_s[hl] = '\0';
    int64_t lo, hi;
    if (param_parse_size(lo_s, &lo) != 0 || param_parse_size(hi_s, &hi) != 0 || hi < lo) {
        snprintf(err, errlen, "%s=%s: range bounds must be sizes or integers with LO <= HI",
                 k->name, tok);
        return -1;
    }
    char op = colon ? colon[1] : '+';
    const char *step_s = colon ? colon + 2 : "1";
    int64_t step;
    if ((op != 'x' && op != '+') || param_parse_size(step_s, &step) != 0 ||
        (op == 'x' && step < 2) || (op == '+' && step < 1)) {
        snprintf(err, errlen, "%s=%s: step must be xF (F >= 2) or +S (S >= 1)", k->name, tok);
        return -1;
    }
    if (op == 'x' && lo == 0) {
        snprintf(err, errlen, "%s=%s: a geometric range cannot start at 0", k->name, tok);
        return -1;
    }
    for (int64_t v = lo; v <= hi;) {
        char buf[48];
        param_format_size(v, buf, sizeof buf);
        if (sweep_add_value(k, buf, err, errlen) != 0)
            return -1;
        /* the next value past INT64_MAX ends the range (it would be above HI anyway) */
        if (!(op == 'x' ? num_mul_i64(v, step, &v) : num_add_i64(v, step, &v)))
            break;
    }
    return 0;
}

int sweep_expand(const char *spec, struct sweep_expansion *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    static struct sweep_key keys[SWEEP_MAX_KEYS];
    unsigned nkeys = 0;
    char name[64];
    const char *params;
    if (param_split_spec(spec, name, sizeof name, &params) != 0) {
        snprintf(err, errlen, "'%s': expected NAME[:key=values,...]", spec);
        return -1;
    }
    char buf[1024];
    if (strlen(params) >= sizeof buf) {
        snprintf(err, errlen, "'%s': too long", spec);
        return -1;
    }
    snprintf(buf, sizeof buf, "%s", params);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (eq) {
            if (nkeys == SWEEP_MAX_KEYS) {
                snprintf(err, errlen, "'%s': at most %d keys", spec, SWEEP_MAX_KEYS);
                return -1;
            }
            *eq = '\0';
            struct sweep_key *k = &keys[nkeys++];
            memset(k, 0, sizeof *k);
            snprintf(k->name, sizeof k->name, "%.31s", tok);
            if (sweep_add_token(k, eq + 1, err, errlen) != 0)
                return -1;
        } else {
            if (nkeys == 0) {
                snprintf(err, errlen, "'%s': value '%s' has no key", spec, tok);
                return -1;
            }
            if (sweep_add_token(&keys[nkeys - 1], tok, err, errlen) != 0)
                return -1;
        }
    }
    unsigned total = 1;
    for (unsigned i = 0; i < nkeys; i++) {
        if (keys[i].nvalues == 0) {
            snprintf(err, errlen, "%s: no values", keys[i].name);
            return -1;
        }
        total *= keys[i].nvalues;
        if (total > SWEEP_MAX_SPECS) {
            snprintf(err, errlen, "'%s': more than %d combinations", spec, SWEEP_MAX_SPECS);
            return -1;
        }
        if (keys[i].nvalues > 1 && out->nkeys < SWEEP_MAX_KEYS)
            snprintf(out->swept[out->nkeys++], sizeof out->swept[0], "%.31s", keys[i].name);
    }
    out->specs = calloc(total, sizeof *out->specs);
    if (!out->specs)
        abort();
    for (unsigned n = 0; n < total; n++) {
        char s[1024];
        int used = snprintf(s, sizeof s, "%s", name);
        unsigned rem = n, div = total;
        for (unsigned i = 0; i < nkeys; i++) {
            div /= keys[i].nvalues;
            unsigned idx = rem / div;
            rem %= div;
            used += snprintf(s + used, sizeof s - (size_t)used, "%c%s=%s", i ? ',' : ':',
                             keys[i].name, keys[i].values[idx]);
        }
        out->specs[n] = strdup(s);
        if (!out->specs[n])
            abort();
    }
    out->count = total;
    return 0;
}

void sweep_free(struct sweep_expansion *e)
{
    for (unsigned i = 0; i < e->count; i++)
        free(e->specs[i]);
    free(e->specs);
    memset(e, 0, sizeof *e);
}
