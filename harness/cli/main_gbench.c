/* faultline-gbench: every in-process backend x workload pair as a Google Benchmark benchmark.
 * One backend per process still holds: each batch runs in a fresh forked child that sets up the
 * backend, runs the workload `iters` times and sends time, faults and syscalls back on a pipe. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "workload.h"
#include "config.h"
#include "spec.h"
#include "gbench.h"
#include "perf.h"
#include "scratch.h"

#define MAIN_GBENCH_SPECS 32
#define MAIN_GBENCH_SPEC  256

/* Backends that run inside the benchmark process (the peers need LD_PRELOAD at exec). */
static const char *const main_gbench_default_backends[] = {"brk", "mmap", "hybrid", "glibc"};

/* Small instances, so one iteration takes well under a millisecond to a few milliseconds and the
 * library can repeat it. A registered workload missing here runs with its defaults. */
static const char *const main_gbench_small[] = {
    "seed-sequence:touch=on",
    "seed-first:touch=on",
    "churn:size=256K,count=16",
    "size-sweep:min=4K,max=1M,k=1",
    "random-mix:slots=128,count=2000,max=16K",
    "sawtooth:peak=512K,cycles=2",
    "fragment:count=512",
    "realloc-grow:max=1M",
    "threads:count=1000,slots=64",
    "first-touch:size=1M",
    "file-map:size=256K",
    "shm:mode=anon,size=64K",
    "calibrate:pages=64",
    /* replay needs a trace: the small one shipped with the sources */
    "replay:file=" FAULTLINE_SOURCE_DIR "/results/traces/sort.fltrace",
};

struct main_gbench_pair {
    char backend[MAIN_GBENCH_SPEC];
    char workload[MAIN_GBENCH_SPEC];
    char name[2 * MAIN_GBENCH_SPEC];
};

/* What a batch child sends back: fixed size, written with one write(2). */
struct main_gbench_result {
    int status; /* 0, or an errno value from setup or the workload */
    char error[200];
    uint64_t ns;
    uint64_t cpu_ns; /* user + sys of the child over the batch: the CPU column */
    uint64_t ops;
    uint64_t minflt, majflt;
    bool sys_valid[5], os_valid;
    uint64_t sys[5], os[5];
};

static bool main_gbench_no_perf;
static uint64_t main_gbench_seed = 1;

static uint64_t main_gbench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t main_gbench_tv_ns(const struct timeval *tv)
{
    return (uint64_t)tv->tv_sec * 1000000000u + (uint64_t)tv->tv_usec * 1000u;
}

static int main_gbench_fail(struct main_gbench_result *res, int status, const char *what)
{
    res->status = status ? status : EINVAL;
    snprintf(res->error, sizeof res->error, "%s", what);
    return -1;
}

/* The child side: set up, run the batch, fill res. Between ops->init and the end nothing here
 * calls the libc allocator, because a brk backend owns the program break. */
static int main_gbench_child(const struct main_gbench_pair *p, uint64_t iters, const char *tmpdir,
                             struct main_gbench_result *res)
{
    char err[256];
    const struct backend_ops *ops;
    const struct workload *wl;
    static struct param_values bpv, wpv;
    if (backend_parse_spec(p->backend, &ops, &bpv, err, sizeof err) != 0 ||
        workload_parse_spec(p->workload, &wl, &wpv, err, sizeof err) != 0)
        return main_gbench_fail(res, EINVAL, err);
    void *brk0;
    if (os_break(&brk0) != 0)
        return main_gbench_fail(res, EIO, "cannot read the program break");
    static struct perf_session ps;
    if (perf_session_open(&ps, 0, NULL, main_gbench_no_perf, false, err, sizeof err) != 0)
        return main_gbench_fail(res, EINVAL, err);
    int rc = ops->init(&bpv);
    if (rc != 0) {
        snprintf(err, sizeof err, "backend %s: init failed: %s", ops->name, strerror(rc));
        return main_gbench_fail(res, rc, err);
    }
    struct backend_stats st;
    ops->stats(&st);

    static struct wl_env env;
    static struct perf_reading pr0, pr1, prd;
    struct os_counts os0, os1, osd;
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    os_counts_read(&os0);
    perf_session_read(&ps, &pr0);
    perf_session_enable(&ps);
    uint64_t t0 = main_gbench_now();
    for (uint64_t i = 0; i < iters && rc == 0; i++) {
        memset(&env, 0, sizeof env);
        env.ops = ops;
        env.params = &wpv;
        env.seed = main_gbench_seed;
        env.tmpdir = tmpdir;
        env.next_tick = UINT64_MAX;
        wl_seed(&env, main_gbench_seed);
        rc = workload_execute(wl, &env);
        res->ops += env.ops_done;
    }
    uint64_t t1 = main_gbench_now();
    perf_session_disable(&ps);
    getrusage(RUSAGE_SELF, &ru1);
    os_counts_read(&os1);
    perf_session_read(&ps, &pr1);
    if (rc != 0) {
        snprintf(err, sizeof err, "workload %s failed: %s", wl->name, strerror(rc));
        return main_gbench_fail(res, rc, err);
    }
    res->ns = t1 - t0;
    res->cpu_ns = main_gbench_tv_ns(&ru1.ru_utime) + main_gbench_tv_ns(&ru1.ru_stime) -
                  main_gbench_tv_ns(&ru0.ru_utime) - main_gbench_tv_ns(&ru0.ru_stime);
    res->minflt = (uint64_t)(ru1.ru_minflt - ru0.ru_minflt);
    res->majflt = (uint64_t)(ru1.ru_majflt - ru0.ru_majflt);
    perf_reading_diff(&pr1, &pr0, &prd);
    for (int k = 0; k < 5; k++) {
        res->sys_valid[k] = prd.fixed[PERF_SYS_BRK + k].available;
        res->sys[k] = prd.fixed[PERF_SYS_BRK + k].value;
    }
    res->os_valid = st.os_counts_valid;
    os_counts_diff(&os1, &os0, &osd);
    for (int k = 0; k < OS_CALL_COUNT && k < 5; k++)
        res->os[k] = osd.calls[k];
    return 0;
}

static void main_gbench_batch(void *ctx, uint64_t iters)
{
    const struct main_gbench_pair *p = ctx;
    char tmpdir[96];
    if (scratch_make(tmpdir, sizeof tmpdir, "gbench") != 0) {
        gbench_error("cannot create a scratch directory in /tmp");
        return;
    }
    int fds[2];
    if (pipe(fds) != 0) {
        gbench_error("pipe failed");
        rmdir(tmpdir);
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        gbench_error("fork failed");
        close(fds[0]);
        close(fds[1]);
        rmdir(tmpdir);
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        static struct main_gbench_result res;
        main_gbench_child(p, iters, tmpdir, &res);
        ssize_t n = write(fds[1], &res, sizeof res);
        _exit(n == (ssize_t)sizeof res ? 0 : 1);
    }
    close(fds[1]);
    struct main_gbench_result res;
    size_t got = 0;
    while (got < sizeof res) {
        ssize_t n = read(fds[0], (char *)&res + got, sizeof res - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fds[0]);
    int wstatus = 0;
    while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
        ;
    scratch_remove(tmpdir);
    char msg[640];
    if (WIFSIGNALED(wstatus)) {
        snprintf(msg, sizeof msg, "%s: child killed by signal %d", p->name, WTERMSIG(wstatus));
        gbench_error(msg);
        return;
    }
    if (got != sizeof res) {
        snprintf(msg, sizeof msg, "%s: child sent no result (exit %d)", p->name,
                 WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
        gbench_error(msg);
        return;
    }
    if (res.status != 0) {
        res.error[sizeof res.error - 1] = '\0';
        gbench_error(res.error);
        return;
    }
    gbench_set_iteration_time((double)res.ns / 1e9);
    gbench_set_cpu_time((double)res.cpu_ns / 1e9);
    gbench_counter("ops", (double)res.ops, GBENCH_PER_ITERATION);
    /* seconds per op, printed with its unit ("1.2us"); a bare ns number would print as "345k" */
    if (res.ops)
        gbench_counter("op_time", (double)res.ops, GBENCH_TIME_PER);
    gbench_counter("minflt", (double)res.minflt, GBENCH_PER_ITERATION);
    gbench_counter("majflt", (double)res.majflt, GBENCH_PER_ITERATION);
    static const char *const kinds[5] = {"brk", "mmap", "munmap", "mremap", "madvise"};
    for (int k = 0; k < 5; k++) {
        char name[32];
        /* a counter that could not be measured is left out, never reported as 0 */
        if (res.sys_valid[k]) {
            snprintf(name, sizeof name, "sys_%s", kinds[k]);
            gbench_counter(name, (double)res.sys[k], GBENCH_PER_ITERATION);
        }
        if (res.os_valid) {
            snprintf(name, sizeof name, "os_%s", kinds[k]);
            gbench_counter(name, (double)res.os[k], GBENCH_PER_ITERATION);
        }
    }
    gbench_label(p->workload);
}

static const char main_gbench_help[] =
    "usage: faultline-gbench [--backend SPEC]... [--workload SPEC]... [--seed N] [--no-perf]\n"
    "                        [Google Benchmark flags]\n"
    "\n"
    "Registers every backend x workload pair as the benchmark \"BACKEND/WORKLOAD\" (the name\n"
    "--benchmark_filter matches; one that matches nothing exits 1). Each batch runs in a\n"
    "fresh forked child (one backend per process), which runs the workload ITERS times.\n"
    "Time is the child's wall time (manual time), CPU the child's user + sys time. Counters\n"
    "per iteration, as counts: ops, minflt, majflt, sys_<call> (tracepoints, when permitted),\n"
    "os_<call> (faultline backends); op_time is the time per op, with its unit. A counter\n"
    "that is not a number (the cv of an all-zero count) is left out.\n"
    "Defaults: backends brk, mmap, hybrid, glibc; every workload at a small size.\n"
    "\n"
    "examples:\n"
    "  faultline-gbench --benchmark_filter='^hybrid/churn$'\n"
    "  faultline-gbench --backend glibc --workload churn:size=1M --benchmark_repetitions=9 \\\n"
    "      --benchmark_out=a.json --benchmark_out_format=json\n"
    "\n"
    "Google Benchmark's own flags follow (--benchmark_filter, --benchmark_min_time, ...):\n";

/* The small default spec of a registered workload. */
static const char *main_gbench_small_spec(const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof main_gbench_small / sizeof main_gbench_small[0]; i++)
        if (!strncmp(main_gbench_small[i], name, n) &&
            (main_gbench_small[i][n] == ':' || main_gbench_small[i][n] == '\0'))
            return main_gbench_small[i];
    return name;
}

/* "hybrid:threshold=64K" -> the benchmark name part "hybrid:threshold=64K"; a workload spec
 * contributes only its name (the full spec is the label). */
static void main_gbench_workload_name(const char *spec, char *out, size_t len)
{
    size_t n = strcspn(spec, ":");
    snprintf(out, len, "%.*s", (int)n, spec);
}

/* The -b and -w specs of the command line, in order. */
struct main_gbench_specs {
    const char *backends[MAIN_GBENCH_SPECS], *workloads[MAIN_GBENCH_SPECS];
    unsigned nb, nw;
};

/* Adds the -b (is_b) or -w list val to sp. Returns 0, or 2 after saying why not. */
static int main_gbench_add_specs(struct main_gbench_specs *sp, bool is_b, const char *val)
{
    char err[512];
    struct param_values pv;
    bool is_w = !is_b;
    static struct spec_list lists[2]; /* static: kept until exit, like argv */
    struct spec_list *l = &lists[is_w];
    unsigned first = l->n;
    if (spec_add(l, is_b ? SPEC_BACKEND : SPEC_WORKLOAD, val, false, err, sizeof err) != 0) {
        fprintf(stderr, "faultline-gbench: %s\n", err);
        return 2;
    }
    for (unsigned k = first; k < l->n; k++) {
        const struct backend_ops *ops;
        if (is_b && backend_parse_spec(l->v[k], &ops, &pv, err, sizeof err) == 0 && ops->preload) {
            fprintf(stderr,
                    "faultline-gbench: --backend %s: a peer needs LD_PRELOAD at exec; use "
                    "faultline run for it\n",
                    l->v[k]);
            return 2;
        }
        if ((is_b ? sp->nb : sp->nw) == MAIN_GBENCH_SPECS) {
            fprintf(stderr, "faultline-gbench: too many specs (at most %d)\n", MAIN_GBENCH_SPECS);
            return 2;
        }
        if (is_b)
            sp->backends[sp->nb++] = l->v[k];
        else
            sp->workloads[sp->nw++] = l->v[k];
    }
    return 0;
}

/* Takes our options out of argv (argc shrinks); everything else goes to Google Benchmark.
 * Returns -1 to go on, or the exit code (--version, a bad option). */
static int main_gbench_args(int *argc, char **argv, struct main_gbench_specs *sp, bool *help)
{
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
            printf("faultline-gbench %s (%s, %s)\n", FAULTLINE_VERSION, FAULTLINE_GIT_SHA,
                   FAULTLINE_BUILD_TYPE);
            return 0;
        }
        bool is_b = !strcmp(a, "--backend") || !strcmp(a, "-b") || !strncmp(a, "--backend=", 10);
        bool is_w = !strcmp(a, "--workload") || !strcmp(a, "-w") || !strncmp(a, "--workload=", 11);
        bool is_s = !strcmp(a, "--seed") || !strncmp(a, "--seed=", 7);
        if (is_b || is_w || is_s) {
            const char *eq = strchr(a, '=');
            if (eq) {
                val = eq + 1;
            } else if (i + 1 < *argc) {
                val = argv[++i];
            } else {
                fprintf(stderr, "faultline-gbench: %s needs a value\n", a);
                return 2;
            }
        }
        if (is_b || is_w) { /* the -b/-w grammar of every faultline command (spec.h) */
            int rc = main_gbench_add_specs(sp, is_b, val);
            if (rc)
                return rc;
        } else if (is_s) {
            char *end;
            errno = 0;
            unsigned long long s = strtoull(val, &end, 10);
            if (!val[0] || *end || errno) {
                fprintf(stderr, "faultline-gbench: --seed %s: expected an integer\n", val);
                return 2;
            }
            main_gbench_seed = s;
        } else if (!strcmp(a, "--no-perf")) {
            main_gbench_no_perf = true;
        } else {
            if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
                *help = true;
                a = "--help";
            }
            argv[out++] = (char *)a;
        }
    }
    argv[out] = NULL;
    *argc = out;
    return -1;
}

/* Fills in the default backends and workloads, registers one benchmark per pair and the
 * context Google Benchmark prints. */
static void main_gbench_register(struct main_gbench_specs *sp)
{
    if (sp->nb == 0)
        for (size_t i = 0; i < sizeof main_gbench_default_backends / sizeof(char *); i++)
            sp->backends[sp->nb++] = main_gbench_default_backends[i];
    if (sp->nw == 0)
        for (const struct workload *const *w = workload_registry; *w && sp->nw < MAIN_GBENCH_SPECS;
             w++)
            sp->workloads[sp->nw++] = main_gbench_small_spec((*w)->name);

    static struct main_gbench_pair pairs[MAIN_GBENCH_SPECS * MAIN_GBENCH_SPECS];
    unsigned np = 0;
    for (unsigned b = 0; b < sp->nb; b++) {
        for (unsigned w = 0; w < sp->nw; w++) {
            struct main_gbench_pair *p = &pairs[np++];
            snprintf(p->backend, sizeof p->backend, "%s", sp->backends[b]);
            snprintf(p->workload, sizeof p->workload, "%s", sp->workloads[w]);
            char wname[MAIN_GBENCH_SPEC];
            main_gbench_workload_name(sp->workloads[w], wname, sizeof wname);
            snprintf(p->name, sizeof p->name, "%s/%s", sp->backends[b], wname);
            struct gbench_bench *gb = gbench_register(p->name, main_gbench_batch, p);
            gbench_use_manual_time(gb);
        }
    }
    gbench_context("faultline_version", FAULTLINE_VERSION);
    gbench_context("faultline_git_sha", FAULTLINE_GIT_SHA);
    gbench_context("faultline_build_type", FAULTLINE_BUILD_TYPE);
    gbench_context("faultline_time",
                   "manual: CLOCK_MONOTONIC around the batch in a forked child per batch");
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)main_gbench_seed);
    gbench_context("faultline_seed", seed);
}

int main(int argc, char **argv)
{
    static struct main_gbench_specs sp;
    bool help = false;
    int rc = main_gbench_args(&argc, argv, &sp, &help);
    if (rc >= 0)
        return rc;
    if (help)
        fputs(main_gbench_help, stdout);
    fflush(stdout);

    main_gbench_register(&sp);
    return gbench_main(&argc, argv);
}
