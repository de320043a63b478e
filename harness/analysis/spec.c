/* Splitting and validating -b/-w values (the grammar is in spec.h). */
#define _GNU_SOURCE
#include "spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "sweep.h"
#include "workload.h"

/* Does the comma item at s (up to its next comma) start a new spec? */
static bool spec_starts(enum spec_kind kind, const char *s)
{
    size_t n = strcspn(s, ",:");
    char name[64];
    if (n == 0 || n >= sizeof name || memchr(s, '=', n))
        return false;
    memcpy(name, s, n);
    name[n] = '\0';
    return kind == SPEC_BACKEND ? backend_find(name) != NULL : workload_find(name) != NULL;
}

static int spec_check(enum spec_kind kind, const char *spec, char *err, size_t errlen)
{
    struct param_values pv;
    if (kind == SPEC_BACKEND) {
        const struct backend_ops *ops;
        return backend_parse_spec(spec, &ops, &pv, err, errlen);
    }
    const struct workload *w;
    return workload_parse_spec(spec, &w, &pv, err, errlen);
}

/* One spec: in a sweep, every concrete expansion must be valid. */
static int spec_validate(enum spec_kind kind, const char *spec, bool sweep, char *err,
                         size_t errlen)
{
    if (!sweep)
        return spec_check(kind, spec, err, errlen);
    struct sweep_expansion e;
    if (sweep_expand(spec, &e, err, errlen) != 0)
        return -1;
    int rc = 0;
    for (unsigned i = 0; i < e.count && rc == 0; i++)
        rc = spec_check(kind, e.specs[i], err, errlen);
    sweep_free(&e);
    return rc;
}

int spec_add(struct spec_list *l, enum spec_kind kind, const char *value, bool sweep, char *err,
             size_t errlen)
{
    const char *opt = kind == SPEC_BACKEND ? "--backend" : "--workload";
    const char *s = value;
    if (!*s) {
        snprintf(err, errlen, "%s: expected NAME[:key=value,...] (see faultline list %s)", opt,
                 kind == SPEC_BACKEND ? "backends" : "workloads");
        return -1;
    }
    while (*s) {
        const char *e = s + strcspn(s, ",");
        while (*e == ',' && !spec_starts(kind, e + 1))
            e += 1 + strcspn(e + 1, ",");
        if (l->n == SPEC_MAX) {
            snprintf(err, errlen, "%s: too many specs (at most %d)", opt, SPEC_MAX);
            return -1;
        }
        char *spec = strndup(s, (size_t)(e - s));
        if (!spec)
            abort();
        size_t namelen = strcspn(spec, ":");
        if (spec[namelen] == '\0' && strchr(spec, ',')) { /* "glibc,nosuch": a bad list item */
            char names[512];
            const char *bad = strrchr(spec, ',') + 1;
            if (kind == SPEC_BACKEND)
                backend_list_names(names, sizeof names);
            else
                workload_list_names(names, sizeof names);
            snprintf(err, errlen, "%s %s: unknown %s '%s' (valid: %s)", opt, value,
                     kind == SPEC_BACKEND ? "backend" : "workload", bad, names);
            free(spec);
            return -1;
        }
        size_t len = strlen(spec);
        if (len && spec[len - 1] == ':') {
            snprintf(err, errlen, "%s '%s': empty parameter list (write %.*s, or %skey=value)", opt,
                     spec, (int)(len - 1), spec, spec);
            free(spec);
            return -1;
        }
        if (spec_validate(kind, spec, sweep, err, errlen) != 0) {
            free(spec);
            return -1;
        }
        l->v[l->n++] = spec;
        s = *e ? e + 1 : e;
    }
    return 0;
}

void spec_free(struct spec_list *l)
{
    for (unsigned i = 0; i < l->n; i++)
        free(l->v[i]);
    l->n = 0;
}
