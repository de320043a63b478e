/* The workload registry: every workload listed once; lookup and spec parsing by name. */
#include "workload.h"

#include <stdio.h>
#include <string.h>

#define WORKLOAD_LIST(X)                                                                           \
    X(seed_sequence)                                                                               \
    X(seed_first)                                                                                  \
    X(churn)                                                                                       \
    X(size_sweep)                                                                                  \
    X(random_mix)                                                                                  \
    X(sawtooth)                                                                                    \
    X(fragment)                                                                                    \
    X(realloc_grow)                                                                                \
    X(threads)                                                                                     \
    X(first_touch)                                                                                 \
    X(file_map)                                                                                    \
    X(shm)                                                                                         \
    X(calibrate)                                                                                   \
    X(replay)

#define WORKLOAD_DECLARE(n) extern const struct workload workload_##n;
WORKLOAD_LIST(WORKLOAD_DECLARE)

#define WORKLOAD_ENTRY(n) &workload_##n,
const struct workload *const workload_registry[] = {WORKLOAD_LIST(WORKLOAD_ENTRY) NULL};

const struct workload *workload_find(const char *name)
{
    for (const struct workload *const *w = workload_registry; *w; w++)
        if (!strcmp((*w)->name, name))
            return *w;
    return NULL;
}

int workload_execute(const struct workload *wl, struct wl_env *env)
{
    if (!env->raw)
        env->raw = env->ops; /* the helpers call raw (see wl_env) */
    int rc = wl->prepare ? wl->prepare(env) : 0;
    if (rc == 0)
        rc = wl->run(env);
    if (wl->cleanup)
        wl->cleanup(env);
    return rc;
}

void workload_list_names(char *buf, size_t len)
{
    buf[0] = '\0';
    for (const struct workload *const *w = workload_registry; *w; w++) {
        if (buf[0])
            strncat(buf, ", ", len - strlen(buf) - 1);
        strncat(buf, (*w)->name, len - strlen(buf) - 1);
    }
}

int workload_parse_spec(const char *spec, const struct workload **wl, struct param_values *pv,
                        char *err, size_t errlen)
{
    char name[64];
    const char *params;
    if (param_split_spec(spec, name, sizeof name, &params) != 0) {
        snprintf(err, errlen, "workload '%s': expected NAME[:key=value,...]", spec);
        return -1;
    }
    const struct workload *w = workload_find(name);
    if (!w) {
        char names[512];
        workload_list_names(names, sizeof names);
        snprintf(err, errlen, "unknown workload '%s' (valid: %s)", name, names);
        return -1;
    }
    char what[96];
    snprintf(what, sizeof what, "workload %s", name);
    if (param_apply(w->params, what, params, pv, err, errlen) != 0)
        return -1;
    *wl = w;
    return 0;
}
