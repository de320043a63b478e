/* The backend registry: every backend listed once; lookup and spec parsing by name. */
#include "backend.h"

#include <stdio.h>
#include <string.h>

extern const struct backend_ops backend_brk;
extern const struct backend_ops backend_mmap;
extern const struct backend_ops backend_hybrid;
extern const struct backend_ops backend_glibc;
extern const struct backend_ops backend_jemalloc;
extern const struct backend_ops backend_tcmalloc;
extern const struct backend_ops backend_mimalloc;

const struct backend_ops *const backend_registry[] = {
    &backend_brk,      &backend_mmap,     &backend_hybrid,   &backend_glibc,
    &backend_jemalloc, &backend_tcmalloc, &backend_mimalloc, NULL,
};

const struct backend_ops *backend_find(const char *name)
{
    for (const struct backend_ops *const *b = backend_registry; *b; b++)
        if (!strcmp((*b)->name, name))
            return *b;
    return NULL;
}

void backend_list_names(char *buf, size_t len)
{
    buf[0] = '\0';
    for (const struct backend_ops *const *b = backend_registry; *b; b++) {
        if (buf[0])
            strncat(buf, ", ", len - strlen(buf) - 1);
        strncat(buf, (*b)->name, len - strlen(buf) - 1);
    }
}

int backend_parse_spec(const char *spec, const struct backend_ops **ops, struct param_values *pv,
                       char *err, size_t errlen)
{
    char name[64];
    const char *params;
    if (param_split_spec(spec, name, sizeof name, &params) != 0) {
        snprintf(err, errlen, "backend '%s': expected NAME[:key=value,...]", spec);
        return -1;
    }
    const struct backend_ops *b = backend_find(name);
    if (!b) {
        char names[256];
        backend_list_names(names, sizeof names);
        snprintf(err, errlen, "unknown backend '%s' (valid: %s)", name, names);
        return -1;
    }
    char what[96];
    snprintf(what, sizeof what, "backend %s", name);
    if (param_apply(b->params, what, params, pv, err, errlen) != 0)
        return -1;
    *ops = b;
    return 0;
}
