/* The allocator contract checker behind `faultline check`: the command line and the parent that
 * starts one child per backend spec (check_child.c runs the checks) and reads its verdict. */
#define _GNU_SOURCE
#include "check.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "check_child.h"
#include "cli_opt.h"
#include "config.h"
#include "peers.h"
#include "runner.h"
#include "spec.h"

/* ---- parent: one child per spec ------------------------------------------------------------- */

enum {
    CHECK_ID_SEED = CLI_ID_COMMAND,
    CHECK_ID_OPS,
    CHECK_ID_THREADS,
    CHECK_ID_NAME,
    CHECK_ID_PRELOAD,
    CHECK_ID_CHILD,
    CHECK_ID_SYSTEM,
    CHECK_ID_STRICT,
};

static const struct cli_opt check_opts_table[] = {
    CLI_ROW_BACKEND("backend to check (repeatable; a comma list of specs works too)"),
    {"seed", 0, "N", "seed of the random operation mix (default 0)", CHECK_ID_SEED},
    {"ops", 0, "N", "operations in the stress part (default 200000)", CHECK_ID_OPS},
    {"threads", 0, "N", "threads in the stress part, 1..64 (default 2)", CHECK_ID_THREADS},
    {"preload", 0, NULL, "also check each backend's libfaultline-NAME.so through LD_PRELOAD",
     CHECK_ID_PRELOAD},
    {"strict", 0, NULL, "count documented deviations as failures", CHECK_ID_STRICT},
    {"system", 0, NULL, "(internal) check the malloc of this process", CHECK_ID_SYSTEM},
    {"child", 0, NULL, "(internal) run one check in this process", CHECK_ID_CHILD},
    {"name", 0, "NAME", "(internal) label for --system results", CHECK_ID_NAME},
    CLI_ROW_END,
};

static const struct cli_opt *const check_tables[] = {check_opts_table, NULL};

static const struct cli_usage check_usage = {
    .name = "check",
    .synopsis = "--backend SPEC... [--seed N] [--ops N] [--threads N] [--preload] [--strict]",
    .about = "Runs the allocator contract (alignment, malloc(0), calloc overflow, realloc,\n"
             "memalign, errno on failure, a threaded stress mix) on each backend in a child\n"
             "process: ours in-process, glibc and peers through the system malloc.\n",
    .tables = check_tables,
    .examples =
        "faultline check -b hybrid -b mimalloc\nfaultline check -b glibc,hybrid --ops 10000",
    .exit_status = "0 contract holds, 1 a check failed, 2 bad input",
};

static int check_parse_one(struct cli_parse *p, int c, struct check_options *o)
{
    uint64_t v;
    char err[512];
    switch (c) {
    case CLI_ID_BACKEND: {
        static struct spec_list l; /* static: kept until exit, like argv */
        unsigned first = l.n;
        if (spec_add(&l, SPEC_BACKEND, p->arg, false, err, sizeof err) != 0)
            return cli_opt_error(p, "%s", err);
        for (unsigned i = first; i < l.n; i++) {
            if (o->nspecs == CHECK_SPECS_MAX)
                return cli_opt_error(p, "too many backends (at most %d)", CHECK_SPECS_MAX);
            o->specs[o->nspecs++] = l.v[i];
        }
        return 0;
    }
    case CHECK_ID_SEED:
        return cli_opt_u64(p, &o->seed, 0, UINT64_MAX);
    case CHECK_ID_OPS:
        return cli_opt_u64(p, &o->ops, 0, (uint64_t)1 << 40);
    case CHECK_ID_THREADS:
        if (cli_opt_u64(p, &v, 1, CHECK_THREADS_MAX) != 0)
            return 2;
        o->threads = (unsigned)v;
        return 0;
    case CHECK_ID_NAME:
        o->name = p->arg;
        return 0;
    case CHECK_ID_PRELOAD:
        o->preload = true;
        return 0;
    case CHECK_ID_CHILD:
        o->child = true;
        return 0;
    case CHECK_ID_SYSTEM:
        o->system = true;
        return 0;
    case CHECK_ID_STRICT:
        o->strict = true;
        return 0;
    case CLI_OPT_ARG:
        return cli_opt_error(p, "unexpected argument '%s' (see faultline check --help)", p->arg);
    }
    return 2;
}

/* 0, or the exit status (-1 after --help means exit 0). */
static int check_parse(int argc, char **argv, struct check_options *o)
{
    memset(o, 0, sizeof *o);
    o->ops = CHECK_OPS_DEFAULT;
    o->threads = CHECK_THREADS_DEFAULT;
    struct cli_parse p;
    cli_opt_init(&p, &check_usage, argc, argv);
    int c;
    while ((c = cli_opt_next(&p)) != CLI_OPT_END) {
        if (c == CLI_OPT_HELP)
            return -1;
        if (c == CLI_OPT_ERROR || check_parse_one(&p, c, o) != 0)
            return 2;
    }
    if (o->child && !o->system && o->nspecs != 1)
        return cli_opt_error(&p, "--child needs --system or exactly one --backend");
    if (!o->child && o->nspecs == 0)
        return cli_opt_error(&p, "no --backend given (e.g. -b hybrid; see faultline list "
                                 "backends)");
    return 0;
}

/* The Debian package named in a peer's summary ("... (libjemalloc2) ..."), for the skip hint. */
static void check_package_hint(const struct backend_ops *ops, char *buf, size_t len)
{
    const char *s = ops->summary ? strstr(ops->summary, "(lib") : NULL;
    const char *e = s ? strchr(s, ')') : NULL;
    if (s && e && strcspn(s + 1, " ,)") == (size_t)(e - s - 1))
        snprintf(buf, len, "apt-get install %.*s", (int)(e - s - 1), s + 1);
    else
        snprintf(buf, len, "install the package that ships %s", ops->preload);
}

static const char *check_signal_name(int sig)
{
    const char *s = sigabbrev_np(sig);
    return s ? s : "?";
}

/* Runs one child: /proc/self/exe check --child ARGS with the given preload and params; returns
 * its exit status (0, 1, 2) and reports a crash or a timeout as a violation. */
static int check_spawn(const char *label, const char *const *extra, const char *preload,
                       const char *params, const struct check_options *o)
{
    char seed[32], ops[32], threads[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
    snprintf(ops, sizeof ops, "%llu", (unsigned long long)o->ops);
    snprintf(threads, sizeof threads, "%u", o->threads);
    const char *args[24] = {"/proc/self/exe", "check", "--child",   "--seed", seed,
                            "--ops",          ops,     "--threads", threads};
    int na = 9;
    for (int i = 0; extra[i] && na < 22; i++)
        args[na++] = extra[i];
    args[na] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "check: fork: %s\n", strerror(errno));
        return 2;
    }
    if (pid == 0) {
        unsetenv("LD_PRELOAD");
        unsetenv("FAULTLINE_PARAMS");
        unsetenv("FAULTLINE_STATS");
        if (preload)
            setenv("LD_PRELOAD", preload, 1);
        if (params && *params)
            setenv("FAULTLINE_PARAMS", params, 1);
        if (FAULTLINE_SANITIZED) {
            /* The contract wants NULL + ENOMEM/EINVAL where ASan would abort the child. */
            char asan[512];
            const char *old = getenv("ASAN_OPTIONS");
            snprintf(asan, sizeof asan, "%s%sallocator_may_return_null=1", old ? old : "",
                     old && *old ? ":" : "");
            setenv("ASAN_OPTIONS", asan, 1);
        }
        execv("/proc/self/exe", (char *const *)args);
        fprintf(stderr, "check: exec /proc/self/exe: %s\n", strerror(errno));
        _exit(2);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 2;
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        printf("%s: FAIL: killed by SIG%s%s (rerun: check --backend %s%s --seed %llu --ops %llu "
               "--threads %u)\n",
               label, check_signal_name(sig), sig == SIGALRM ? " (timeout)" : "", label,
               preload && params ? " --preload" : "", (unsigned long long)o->seed,
               (unsigned long long)o->ops, o->threads);
        return 1;
    }
    int rc = WEXITSTATUS(status);
    if (rc == CHECK_EXIT_SKIP)
        return 0;
    return rc == 0 || rc == 1 ? rc : 2;
}

static int check_one(const char *spec, const struct check_options *o)
{
    const struct backend_ops *ops;
    struct param_values pv;
    char err[512];
    if (backend_parse_spec(spec, &ops, &pv, err, sizeof err) != 0) {
        fprintf(stderr, "check: %s\n", err);
        return 2;
    }
    char name[64];
    const char *params;
    param_split_spec(spec, name, sizeof name, &params);
    char lib[1200];
    const char *strict = NULL;
    if (ops->preload) {
        if (peers_resolve(ops->preload, lib, sizeof lib) != 0) {
            char hint[128];
            check_package_hint(ops, hint, sizeof hint);
            printf("skip: %s not installed (%s)\n", ops->preload, hint);
            return 0;
        }
    } else if (o->preload && strcmp(ops->name, "glibc") != 0) { /* glibc is the system one */
        char dir[1024];
        if (runner_exe_dir(dir, sizeof dir) != 0) {
            fprintf(stderr, "check: cannot read /proc/self/exe\n");
            return 2;
        }
        snprintf(lib, sizeof lib, "%s/libfaultline-%s.so", dir, name);
        struct stat sb;
        if (stat(lib, &sb) != 0) {
            fprintf(stderr, "check: %s: no %s (build the faultline-%s target)\n", spec, lib, name);
            return 2;
        }
        /* libfaultline-hybrid.so is glibc's twin: where backend.h's contract and glibc differ
         * (realloc(p, 0) frees; memalign rounds odd alignments up), it does what glibc does, so it
         * is held to C/POSIX like the system malloc. The other libraries keep the contract. */
        strict = strcmp(name, "hybrid") == 0 ? NULL : "--strict";
    } else {
        const char *extra[] = {"--backend", spec, NULL};
        return check_spawn(spec, extra, NULL, NULL, o);
    }
    if (FAULTLINE_SANITIZED) {
        printf("skip: %s: LD_PRELOAD checks need a build without FAULTLINE_SANITIZE (ASan owns "
               "malloc in this one)\n",
               spec);
        return 0;
    }
    const char *extra[] = {"--system", "--name", spec, strict, NULL};
    return check_spawn(spec, extra, lib, ops->preload ? NULL : params, o);
}

int check_main(int argc, char **argv)
{
    struct check_options o;
    int rc = check_parse(argc, argv, &o);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    if (o.child) {
        return check_child(&o);
    }
    /* Every spec is validated before anything runs: a typo fails fast with exit status 2. */
    for (int i = 0; i < o.nspecs; i++) {
        const struct backend_ops *ops;
        struct param_values pv;
        char err[512];
        if (backend_parse_spec(o.specs[i], &ops, &pv, err, sizeof err) != 0) {
            fprintf(stderr, "check: %s\n", err);
            return 2;
        }
    }
    int worst = 0;
    for (int i = 0; i < o.nspecs; i++) {
        int r = check_one(o.specs[i], &o);
        fflush(stdout);
        if (r == 2 || (r == 1 && worst == 0))
            worst = r;
    }
    return worst;
}
