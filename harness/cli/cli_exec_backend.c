/* `faultline exec`, backends: validate each --backend spec and work out how the child gets that
 * allocator (LD_PRELOAD of ours or a peer's library, GLIBC_TUNABLES for glibc), and build the
 * child's environment from ours minus the variables that would change which malloc runs. */
#define _GNU_SOURCE
#include "cli_exec_backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peers.h"
#include "runner.h"

extern char **environ;

static void cli_exec_backend_add_env(struct cli_exec_backend *b, const char *key, const char *val)
{
    int n = -1;
    if (b->nenv < CLI_EXEC_ENV_ADD)
        n = snprintf(b->env[b->nenv], sizeof b->env[0], "%s=%s", key, val);
    if (n < 0 || (size_t)n >= sizeof b->env[0])
        snprintf(b->skip, sizeof b->skip, "error: %s is too long for the environment", key);
    else
        b->nenv++;
}

/* Validate one spec and work out how the child gets that allocator. 0, or -1 with err. */
int cli_exec_backend_prepare(const char *spec, struct cli_exec_backend *b, char *err, size_t errlen)
{
    memset(b, 0, sizeof *b);
    struct param_values pv;
    if (backend_parse_spec(spec, &b->ops, &pv, err, errlen) != 0)
        return -1;
    snprintf(b->spec, sizeof b->spec, "%s", spec);
    if (b->ops->preload) {
        b->kind = CLI_EXEC_PEER;
        char path[4096];
        if (peers_resolve(b->ops->preload, path, sizeof path) != 0)
            snprintf(b->skip, sizeof b->skip, "skipped: %s not installed (apt-get install %s)",
                     b->ops->preload, peers_package(b->ops->preload));
        else
            cli_exec_backend_add_env(b, "LD_PRELOAD", path);
        return 0;
    }
    if (!strcmp(b->ops->name, "glibc")) {
        /* glibc reads its malloc parameters from GLIBC_TUNABLES at start-up, before main:
         * the same knobs mallopt sets in the in-process glibc backend. */
        b->kind = CLI_EXEC_GLIBC;
        char tun[1024] = "";
        size_t used = 0;
        for (unsigned i = 0; i < pv.count; i++) {
            if (!pv.v[i].set)
                continue;
            int n = snprintf(tun + used, sizeof tun - used, "%sglibc.malloc.%s=%lld",
                             used ? ":" : "", pv.v[i].def->name, (long long)pv.v[i].num);
            if (n > 0 && (size_t)n < sizeof tun - used)
                used += (size_t)n;
        }
        if (used)
            cli_exec_backend_add_env(b, "GLIBC_TUNABLES", tun);
        return 0;
    }
    b->kind = CLI_EXEC_OURS;
    char lib[64], path[4096];
    snprintf(lib, sizeof lib, "libfaultline-%s.so", b->ops->name);
    if (runner_sibling_path(lib, path, sizeof path) != 0)
        snprintf(b->skip, sizeof b->skip, "error: %s not found next to faultline (build it)", lib);
    else
        cli_exec_backend_add_env(b, "LD_PRELOAD", path);
    char params[1024];
    param_format_set(&pv, params, sizeof params);
    if (params[0])
        cli_exec_backend_add_env(b, "FAULTLINE_PARAMS", params);
    return 0;
}

/* Variables that change which malloc runs or how: each backend sets its own. */
static bool cli_exec_backend_env_dropped(const char *kv)
{
    return !strncmp(kv, "LD_PRELOAD=", 11) || !strncmp(kv, "GLIBC_TUNABLES=", 15) ||
           !strncmp(kv, "MALLOC_", 7) || !strncmp(kv, "FAULTLINE_PARAMS=", 17) ||
           !strncmp(kv, "FAULTLINE_STATS=", 16);
}

static bool cli_exec_backend_same_key(const char *a, const char *b)
{
    size_t ka = strcspn(a, "="), kb = strcspn(b, "=");
    return ka == kb && !strncmp(a, b, ka);
}

/* environ minus the dropped variables, plus the backend's, plus --env (later ones win). The
 * strings are borrowed; only the array is allocated. */
char **cli_exec_backend_envp(const struct cli_exec_opts *o, const struct cli_exec_backend *b,
                             const char *stats)
{
    size_t n = 0;
    for (char **e = environ; *e; e++)
        n++;
    char **envp = calloc(n + CLI_EXEC_ENV_ADD + CLI_EXEC_MAX_ENV + 2, sizeof *envp);
    if (!envp)
        abort();
    const char *add[CLI_EXEC_ENV_ADD + CLI_EXEC_MAX_ENV + 1];
    size_t na = 0;
    for (unsigned i = 0; i < b->nenv; i++)
        add[na++] = b->env[i];
    if (stats)
        add[na++] = stats;
    for (unsigned i = 0; i < o->nenv; i++)
        add[na++] = o->env[i];
    size_t k = 0;
    for (char **e = environ; *e; e++) {
        bool skip = cli_exec_backend_env_dropped(*e);
        for (size_t i = 0; i < na && !skip; i++)
            skip = cli_exec_backend_same_key(*e, add[i]);
        if (!skip)
            envp[k++] = *e;
    }
    for (size_t i = 0; i < na; i++) {
        bool later = false;
        for (size_t j = i + 1; j < na; j++)
            later |= cli_exec_backend_same_key(add[i], add[j]);
        if (!later)
            envp[k++] = (char *)add[i];
    }
    envp[k] = NULL;
    return envp;
}
