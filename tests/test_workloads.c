/* ctest for the workload suite: every workload runs with tiny parameters on the glibc and mmap
 * backends, is deterministic per seed, names its steps, rejects bad parameters, and produces the
 * page-fault counts the kernel makes exact (file-map, first-touch, churn, shm). */
#define _GNU_SOURCE
#include "test_workloads.h"
#include "workload.h"
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

unsigned long test_workloads_failures;

/* ---- a recorder that keeps step labels (and the minor-fault count at each step) ---- */

long test_workloads_minflt(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

long test_workloads_majflt(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_majflt;
}

static void test_workloads_log_step(void *ctx, const char *label)
{
    struct test_workloads_log *log = ctx;
    if (log->n < TEST_WORKLOADS_MAX_STEPS) {
        snprintf(log->label[log->n], sizeof log->label[0], "%s", label);
        log->minflt[log->n] = test_workloads_minflt();
    }
    log->n++;
}

const char *test_workloads_log_find(const struct test_workloads_log *log, const char *prefix)
{
    for (unsigned i = 0; i < log->n && i < TEST_WORKLOADS_MAX_STEPS; i++)
        if (!strncmp(log->label[i], prefix, strlen(prefix)))
            return log->label[i];
    return NULL;
}

/* ---- running one spec ---- */

char test_workloads_tmpdir[4096];

/* Run spec on ops with seed; with_rec attaches the step recorder (NULL rec otherwise). */
int test_workloads_run_spec(const struct backend_ops *ops, const char *spec, uint64_t seed,
                            bool with_rec, struct test_workloads_outcome *out)
{
    const struct workload *wl;
    struct param_values pv;
    char err[512];
    memset(out, 0, sizeof *out);
    if (workload_parse_spec(spec, &wl, &pv, err, sizeof err) != 0) {
        CHECK(0, "spec '%s' rejected: %s", spec, err);
        return out->rc = EINVAL;
    }
    struct recorder rec = {.ctx = &out->log, .step = test_workloads_log_step};
    struct wl_env env = {
        .ops = ops,
        .params = &pv,
        .seed = seed,
        .rec = with_rec ? &rec : NULL,
        .tmpdir = test_workloads_tmpdir[0] ? test_workloads_tmpdir : NULL,
        .next_tick = UINT64_MAX,
    };
    wl_seed(&env, seed);
    out->rc = workload_execute(wl, &env);
    out->ops_done = env.ops_done;
    out->requested_bytes = env.requested_bytes;
    out->touched_pages = env.touched_pages;
    out->live_end = env.live_requested;
    out->peak = env.peak_live_requested;
    return out->rc;
}

const struct backend_ops *test_workloads_backend_up(const char *name)
{
    const struct backend_ops *ops = backend_find(name);
    if (!ops) {
        printf("note: backend %s is not registered\n", name);
        return NULL;
    }
    struct param_values pv;
    param_defaults(ops->params, &pv);
    int rc = ops->init(&pv);
    if (rc == ENOSYS) {
        printf("note: backend %s is still a stub (init returns ENOSYS): its parts are skipped\n",
               name);
        return NULL;
    }
    CHECK(rc == 0, "backend %s init: %s", name, strerror(rc));
    return rc == 0 ? ops : NULL;
}

/* Tiny parameters for every workload: each runs in milliseconds. */
static const char *const tiny_specs[] = {
    "seed-sequence",
    "seed-sequence:touch=on",
    "seed-first",
    "seed-first:size=256K,touch=on",
    "churn:size=64K,count=5",
    "churn:size=64K,count=5,touch=half",
    "churn:size=64K,count=5,touch=none",
    "size-sweep:min=4K,max=64K,k=2",
    "random-mix:slots=64,count=2000",
    "random-mix:slots=64,count=2000,dist=loguniform",
    "random-mix:slots=64,count=2000,dist=pareto,max=1M",
    "sawtooth:size=4K,peak=64K,cycles=2,order=lifo",
    "sawtooth:size=4K,peak=64K,cycles=2,order=fifo",
    "sawtooth:size=4K,peak=64K,cycles=2,order=random",
    "fragment:count=64,small=64,large=1K",
    "realloc-grow:max=1M",
    "realloc-grow:mode=step,step=64K,max=1M",
    "threads:threads=3,count=2000,slots=16,queue=8",
    "first-touch:size=256K",
    "first-touch:size=256K,pattern=none",
    "first-touch:size=256K,pattern=alternate",
    "calibrate:pages=16",
    "file-map:size=64K,evict=off",
    "shm:size=64K",
    "shm:size=64K,mode=anon",
    NULL,
};

/* Every workload of the registry must appear in tiny_specs (so a new one cannot go untested). */
static void check_registry_covered(void)
{
    for (const struct workload *const *w = workload_registry; *w; w++) {
        bool found = !strcmp((*w)->name, "replay"); /* needs a trace file: tests/trace.cmake */
        size_t n = strlen((*w)->name);
        for (const char *const *s = tiny_specs; *s; s++)
            if (!strncmp(*s, (*w)->name, n) && ((*s)[n] == '\0' || (*s)[n] == ':'))
                found = true;
        CHECK(found, "workload %s has no tiny spec in this test", (*w)->name);
    }
}

static void check_suite(const struct backend_ops *ops)
{
    for (const char *const *s = tiny_specs; *s; s++) {
        struct test_workloads_outcome a, b;
        test_workloads_run_spec(ops, *s, 42, true, &a);
        CHECK(a.rc == 0, "%s on %s: rc %d (%s)", *s, ops->name, a.rc, strerror(a.rc));
        if (a.rc != 0)
            continue;
        CHECK(a.live_end == 0, "%s on %s: %lld live bytes at the end", *s, ops->name,
              (long long)a.live_end);
        test_workloads_run_spec(ops, *s, 42, false, &b);
        CHECK(b.rc == 0 && a.ops_done == b.ops_done && a.requested_bytes == b.requested_bytes &&
                  a.touched_pages == b.touched_pages,
              "%s on %s: same seed, different run: ops %llu/%llu bytes %llu/%llu pages %llu/%llu",
              *s, ops->name, (unsigned long long)a.ops_done, (unsigned long long)b.ops_done,
              (unsigned long long)a.requested_bytes, (unsigned long long)b.requested_bytes,
              (unsigned long long)a.touched_pages, (unsigned long long)b.touched_pages);
    }
}

/* Exact numbers the parameters fix, independent of the backend. */
static void check_counts(const struct backend_ops *ops)
{
    struct test_workloads_outcome o;
    test_workloads_run_spec(ops, "churn:size=64K,count=5", 1, true, &o);
    CHECK(o.ops_done == 10 && o.requested_bytes == 5 * 65536 && o.touched_pages == 5 * 16,
          "churn counts: ops %llu bytes %llu pages %llu", (unsigned long long)o.ops_done,
          (unsigned long long)o.requested_bytes, (unsigned long long)o.touched_pages);
    CHECK(o.log.n == 3 && !strcmp(o.log.label[0], "iter0") && !strcmp(o.log.label[2], "iter2"),
          "churn steps: %u", o.log.n);
    test_workloads_run_spec(ops, "churn:size=64K,count=2,touch=half", 1, false, &o);
    CHECK(o.touched_pages == 2 * 8, "churn half: %llu pages", (unsigned long long)o.touched_pages);

    /* 4K, 5792, 8K, 11584, 16K, ..., 64K: 9 sizes, labelled in bytes. */
    test_workloads_run_spec(ops, "size-sweep:min=4K,max=64K,k=2", 1, true, &o);
    static const char *const sweep[] = {"size=4096",  "size=5792",  "size=8192",
                                        "size=11584", "size=16384", "size=23168",
                                        "size=32768", "size=46336", "size=65536"};
    CHECK(o.log.n == 9, "size-sweep: %u steps", o.log.n);
    for (unsigned i = 0; i < 9 && i < o.log.n; i++)
        CHECK(!strcmp(o.log.label[i], sweep[i]), "size-sweep step %u: %s, want %s", i,
              o.log.label[i], sweep[i]);
    CHECK(o.ops_done == 9 * 2 * 2, "size-sweep ops %llu", (unsigned long long)o.ops_done);

    test_workloads_run_spec(ops, "sawtooth:size=4K,peak=64K,cycles=2", 1, true, &o);
    CHECK(o.log.n == 4 && !strcmp(o.log.label[0], "peak1") && !strcmp(o.log.label[1], "empty1") &&
              !strcmp(o.log.label[3], "empty2"),
          "sawtooth steps (%u): %s ...", o.log.n, o.log.label[0]);
    CHECK(o.ops_done == 2 * 16 * 2 && o.peak == 65536, "sawtooth ops %llu peak %lld",
          (unsigned long long)o.ops_done, (long long)o.peak);

    test_workloads_run_spec(ops, "fragment:count=64,small=64,large=1K", 1, true, &o);
    CHECK(o.ops_done == 64 + 32 + 16 + 32 + 16, "fragment ops %llu",
          (unsigned long long)o.ops_done);
    CHECK(o.log.n == 4 && !strcmp(o.log.label[0], "small") && !strcmp(o.log.label[1], "holes") &&
              !strcmp(o.log.label[2], "large") && !strcmp(o.log.label[3], "freed"),
          "fragment steps %u", o.log.n);

    /* 16 -> 1M by doubling: one malloc, 16 reallocs, one free; pages = ceil of each new range. */
    test_workloads_run_spec(ops, "realloc-grow:max=1M", 1, false, &o);
    CHECK(o.ops_done == 18, "realloc-grow double ops %llu", (unsigned long long)o.ops_done);
    test_workloads_run_spec(ops, "realloc-grow:mode=step,step=64K,max=1M", 1, false, &o);
    CHECK(o.ops_done == 1 + 16 + 1 && o.touched_pages == 1 + 15 + 16 * 15 + 1,
          "realloc-grow step ops %llu pages %llu", (unsigned long long)o.ops_done,
          (unsigned long long)o.touched_pages);

    test_workloads_run_spec(ops, "threads:threads=3,count=2000,slots=16,queue=8", 1, false, &o);
    CHECK(o.ops_done == 2 * 3 * 2000 && o.touched_pages == 3 * 2000, "threads ops %llu pages %llu",
          (unsigned long long)o.ops_done, (unsigned long long)o.touched_pages);

    test_workloads_run_spec(ops, "first-touch:size=256K,pattern=alternate", 1, false, &o);
    CHECK(o.touched_pages == 32, "first-touch alternate pages %llu",
          (unsigned long long)o.touched_pages);
    test_workloads_run_spec(ops, "calibrate:pages=16", 1, true, &o);
    CHECK(o.touched_pages == 16 && o.ops_done == 2 && o.log.n == 0, "calibrate");
}

static void check_seed_sequence(const struct backend_ops *ops)
{
    static const char *const want[] = {"A=malloc(30K)",  "B=malloc(40K)", "C=malloc(200K)",
                                       "D=malloc(100K)", "free(C)",       "free(B)",
                                       "free(D)",        "free(A)"};
    struct test_workloads_outcome o;
    test_workloads_run_spec(ops, "seed-sequence", 7, true, &o);
    CHECK(o.rc == 0 && o.log.n == 8, "seed-sequence: rc %d, %u steps", o.rc, o.log.n);
    for (unsigned i = 0; i < 8 && i < o.log.n; i++)
        CHECK(!strcmp(o.log.label[i], want[i]), "step %u is '%s', want '%s'", i, o.log.label[i],
              want[i]);
    CHECK(o.ops_done == 8 && o.touched_pages == 0 && o.peak == 370 * 1024,
          "seed-sequence: ops %llu pages %llu peak %lld", (unsigned long long)o.ops_done,
          (unsigned long long)o.touched_pages, (long long)o.peak);
    test_workloads_run_spec(ops, "seed-sequence:touch=on", 7, false, &o);
    CHECK(o.touched_pages == 8 + 10 + 50 + 25, "seed-sequence touch: %llu pages",
          (unsigned long long)o.touched_pages);

    test_workloads_run_spec(ops, "seed-first", 7, true, &o);
    CHECK(o.log.n == 4 && !strcmp(o.log.label[0], "p1=malloc(128)") &&
              !strcmp(o.log.label[1], "p2=malloc(134080)"),
          "seed-first steps: %u '%s' '%s'", o.log.n, o.log.label[0], o.log.label[1]);
}

static void check_seeds_differ(const struct backend_ops *ops)
{
    static const char *const specs[] = {"random-mix:slots=64,count=2000",
                                        "random-mix:slots=64,count=2000,dist=loguniform",
                                        "random-mix:slots=64,count=2000,dist=pareto"};
    for (unsigned i = 0; i < 3; i++) {
        struct test_workloads_outcome a, b;
        test_workloads_run_spec(ops, specs[i], 1, false, &a);
        test_workloads_run_spec(ops, specs[i], 2, false, &b);
        CHECK(a.requested_bytes != b.requested_bytes || a.ops_done != b.ops_done,
              "%s: seeds 1 and 2 gave the same run (%llu bytes)", specs[i],
              (unsigned long long)a.requested_bytes);
    }
    /* The distributions differ from each other and stay inside [min, max]. */
    struct test_workloads_outcome u, l, p;
    test_workloads_run_spec(ops, "random-mix:slots=1,count=2,min=100,max=100", 3, false, &u);
    CHECK(u.requested_bytes == 100, "min=max=100 gives %llu",
          (unsigned long long)u.requested_bytes);
    test_workloads_run_spec(ops, "random-mix:slots=64,count=4000,min=16,max=64K", 3, false, &u);
    test_workloads_run_spec(ops, "random-mix:slots=64,count=4000,min=16,max=64K,dist=loguniform", 3,
                            false, &l);
    test_workloads_run_spec(ops, "random-mix:slots=64,count=4000,min=16,max=64K,dist=pareto", 3,
                            false, &p);
    CHECK(u.requested_bytes > l.requested_bytes && l.requested_bytes > p.requested_bytes,
          "mean sizes uniform %llu > loguniform %llu > pareto %llu",
          (unsigned long long)u.requested_bytes, (unsigned long long)l.requested_bytes,
          (unsigned long long)p.requested_bytes);
}

static int test_params(void)
{
    static const struct {
        const char *spec, *key;
    } bad[] = {
        {"churn:size=12Q", "size"},           {"random-mix:dist=foo", "dist"},
        {"churn:touch=maybe", "touch"},       {"churn:count=0", "count"},
        {"churn:bogus=1", "bogus"},           {"seed-sequence:touch=2", "touch"},
        {"size-sweep:min=8", "min"},          {"sawtooth:order=stack", "order"},
        {"file-map:mode=write", "mode"},      {"shm:mode=sysv", "mode"},
        {"threads:share=101", "share"},       {"first-touch:pattern=odd", "pattern"},
        {"realloc-grow:mode=triple", "mode"}, {"calibrate:pages=-1", "pages"},
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const struct workload *wl = NULL;
        struct param_values pv;
        char err[512] = "";
        int rc = workload_parse_spec(bad[i].spec, &wl, &pv, err, sizeof err);
        CHECK(rc != 0, "'%s' was accepted", bad[i].spec);
        CHECK(strstr(err, bad[i].key) != NULL, "error for '%s' does not name '%s': %s", bad[i].spec,
              bad[i].key, err);
    }
    const struct workload *wl;
    struct param_values pv;
    char err[512];
    CHECK(workload_parse_spec("nosuch", &wl, &pv, err, sizeof err) != 0 &&
              strstr(err, "random-mix"),
          "unknown workload error lists the valid ones: %s", err);
    CHECK(workload_parse_spec("churn:size=1M,count=100,touch=all", &wl, &pv, err, sizeof err) == 0,
          "the DESIGN example spec: %s", err);
    CHECK(workload_parse_spec("seed-first:size=0x20bc0", &wl, &pv, err, sizeof err) == 0 &&
              param_num(&pv, "size") == 0x20bc0,
          "hex size: %s", err);

    /* Every plug-in has a summary and every parameter a doc string; names use dashes. */
    unsigned n = 0;
    for (const struct workload *const *w = workload_registry; *w; w++, n++) {
        CHECK((*w)->summary && strlen((*w)->summary) > 10 && !strstr((*w)->summary, "stub"),
              "%s: summary", (*w)->name);
        CHECK(!strchr((*w)->name, '_'), "%s: spec names use dashes", (*w)->name);
        CHECK((*w)->run != NULL, "%s: run", (*w)->name);
        for (const struct param_def *d = (*w)->params; d && d->name; d++)
            CHECK(d->doc && strlen(d->doc) > 5, "%s:%s has no doc", (*w)->name, d->name);
        param_defaults((*w)->params, &pv); /* asserts that every default parses */
    }
    CHECK(n == 14, "%u workloads registered", n);
    check_registry_covered();
    return test_workloads_failures ? 1 : 0;
}

static int test_glibc(void)
{
    const struct backend_ops *ops = test_workloads_backend_up("glibc");
    if (!ops)
        return 1;
    check_suite(ops);
    check_counts(ops);
    check_seed_sequence(ops);
    check_seeds_differ(ops);
    return test_workloads_failures ? 1 : 0;
}

static int test_mmap(void)
{
    const struct backend_ops *ops = test_workloads_backend_up("mmap");
    if (!ops)
        return test_workloads_failures ? 1 : TEST_WORKLOADS_SKIP;
    check_suite(ops);
    check_counts(ops);
    check_seed_sequence(ops);
    return test_workloads_failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(void);
    } tests[] = {
        {"params", test_params},
        {"glibc", test_glibc},
        {"mmap", test_mmap},
        {"shm", test_workloads_faults_shm},
        {"file-map", test_workloads_faults_file_map},
        {"first-touch", test_workloads_faults_first_touch},
        {"churn-faults", test_workloads_faults_churn},
        {"seed-glibc", test_workloads_faults_seed_glibc},
    };
    /* Before anything allocates: the glibc heap must be pristine for this one. */
    if (argc == 2 && !strcmp(argv[1], "seed-glibc")) {
        int rc = test_workloads_faults_seed_glibc();
        printf("%s: %s\n", argv[1],
               rc == 0                     ? "ok"
               : rc == TEST_WORKLOADS_SKIP ? "skipped"
                                           : "FAILED");
        return rc;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc != 2) {
        fprintf(stderr,
                "usage: %s params|glibc|mmap|shm|file-map|first-touch|churn-faults|seed-glibc\n",
                argv[0]);
        return 2;
    }
    for (unsigned i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!strcmp(argv[1], tests[i].name)) {
            int rc = tests[i].fn();
            printf("%s: %s\n", argv[1],
                   rc == 0                     ? "ok"
                   : rc == TEST_WORKLOADS_SKIP ? "skipped"
                                               : "FAILED");
            return rc;
        }
    fprintf(stderr, "unknown test %s\n", argv[1]);
    return 2;
}
