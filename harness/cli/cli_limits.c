/* --cgroup / --thp expansion (see cli_limits.h). */
#define _GNU_SOURCE
#include "cli_limits.h"

#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "cli.h"
#include "runlimits.h"
#include "sweep.h"
#include "thp.h"

static void cli_limits_note(struct cli_limits *out, const char *key)
{
    for (unsigned i = 0; i < out->nswept; i++)
        if (!strcmp(out->swept[i], key))
            return;
    if (out->nswept < 8)
        snprintf(out->swept[out->nswept++], sizeof out->swept[0], "%s", key);
}

/* The thp list "never,madvise-on" as separate validated modes. */
static int cli_limits_thp(const char *thp, char modes[][16], unsigned *n)
{
    *n = 0;
    if (!thp) {
        snprintf(modes[(*n)++], 16, "default");
        return 0;
    }
    char buf[128], err[256];
    snprintf(buf, sizeof buf, "%s", thp);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        enum thp_mode m;
        if (thp_parse(tok, &m, err, sizeof err) != 0 || *n == 3)
            return cli_usage_error("%s", *n == 3 ? "--thp: at most 3 modes" : err);
        const char *why = thp_unavailable(m);
        if (why)
            fprintf(stderr, "faultline: warning: %s; its THP numbers will be null\n", why);
        snprintf(modes[(*n)++], 16, "%s", thp_name(m));
    }
    if (*n == 0)
        return cli_usage_error("--thp '': expected default|never|madvise-on");
    return 0;
}

int cli_limits_expand(const char *cgroup, const char *thp, struct cli_limits *out)
{
    memset(out, 0, sizeof *out);
    if (!cgroup && !thp)
        return 0; /* no run-level axes: cells keep empty run_params */
    char err[512];
    struct sweep_expansion e = {0};
    if (cgroup) {
        char spec[600];
        snprintf(spec, sizeof spec, "cgroup:%s", cgroup);
        if (!cgroup[0] || sweep_expand(spec, &e, err, sizeof err) != 0)
            return cli_usage_error("--cgroup '%s': %s", cgroup,
                                   cgroup[0] ? err : "expected key=size[,key=size]");
        for (unsigned i = 0; i < e.count; i++) {
            struct cgroup_limits l;
            if (cgroup_parse(e.specs[i] + 7, &l, err, sizeof err) != 0) {
                sweep_free(&e);
                return cli_usage_error("%s", err);
            }
        }
        for (unsigned k = 0; k < e.nkeys; k++)
            cli_limits_note(out, e.swept[k]);
        struct cgroup_mounts m;
        if (cgroup_usable(&m, err, sizeof err) != 0) {
            sweep_free(&e);
            return cli_usage_error("%s", err);
        }
    }
    char modes[3][16];
    unsigned nthp;
    if (cli_limits_thp(thp, modes, &nthp) != 0) {
        sweep_free(&e);
        return 2;
    }
    if (nthp > 1)
        cli_limits_note(out, "thp");
    unsigned ncg = cgroup ? e.count : 1;
    if (ncg * nthp > CLI_LIMITS_MAX) {
        sweep_free(&e);
        return cli_usage_error("--cgroup x --thp: more than %d combinations", CLI_LIMITS_MAX);
    }
    for (unsigned i = 0; i < ncg; i++) {
        for (unsigned t = 0; t < nthp; t++) {
            char *dst = out->params[out->count++];
            if (runlimits_format(cgroup ? e.specs[i] + 7 : NULL, thp ? modes[t] : NULL, dst,
                                 RESULTS_SPEC_MAX, err, sizeof err) != 0) {
                sweep_free(&e);
                return cli_usage_error("%s", err);
            }
        }
    }
    sweep_free(&e);
    return 0;
}

void cli_limits_cell(struct results *r, const char *backend_spec, const char *workload_spec,
                     const struct cli_limits *lim, unsigned i)
{
    unsigned c = results_add_cell(r, backend_spec, workload_spec);
    if (i < lim->count)
        snprintf(r->cells[c].run_params, sizeof r->cells[c].run_params, "%s", lim->params[i]);
}
