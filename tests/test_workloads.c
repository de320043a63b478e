/* ctest for the workload suite: every workload runs with tiny parameters on the glibc and mmap
 * backends, is deterministic per seed, names its steps, rejects bad parameters, and produces the
 * page-fault counts the kernel makes exact (file-map, first-touch, churn, shm). */
#define _GNU_SOURCE
#include "workload.h"
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define SKIP 77

static unsigned long failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                                 \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
            fflush(stdout);                                                                        \
        }                                                                                          \
    } while (0)

/* ---- a recorder that keeps step labels (and the minor-fault count at each step) ---- */

#define MAX_STEPS 128

struct rec_log {
    unsigned n;
    char label[MAX_STEPS][64];
    long minflt[MAX_STEPS];
};

static long self_minflt(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

static long self_majflt(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_majflt;
}

static void rec_log_step(void *ctx, const char *label)
{
    struct rec_log *log = ctx;
    if (log->n < MAX_STEPS) {
        snprintf(log->label[log->n], sizeof log->label[0], "%s", label);
        log->minflt[log->n] = self_minflt();
    }
    log->n++;
}

static const char *rec_log_find(const struct rec_log *log, const char *prefix)
{
    for (unsigned i = 0; i < log->n && i < MAX_STEPS; i++)
        if (!strncmp(log->label[i], prefix, strlen(prefix)))
            return log->label[i];
    return NULL;
}

/* ---- running one spec ---- */

struct outcome {
    int rc;
    uint64_t ops_done, requested_bytes, touched_pages;
    int64_t live_end, peak;
    struct rec_log log;
};

static char tmpdir[4096];

/* Run spec on ops with seed; with_rec attaches the step recorder (NULL rec otherwise). */
static int run_spec(const struct backend_ops *ops, const char *spec, uint64_t seed, bool with_rec,
                    struct outcome *out)
{
    const struct workload *wl;
    struct param_values pv;
    char err[512];
    memset(out, 0, sizeof *out);
    if (workload_parse_spec(spec, &wl, &pv, err, sizeof err) != 0) {
        CHECK(0, "spec '%s' rejected: %s", spec, err);
        return out->rc = EINVAL;
    }
    struct recorder rec = {.ctx = &out->log, .step = rec_log_step};
    struct wl_env env = {
        .ops = ops,
        .params = &pv,
        .seed = seed,
        .rec = with_rec ? &rec : NULL,
        .tmpdir = tmpdir[0] ? tmpdir : NULL,
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

static const struct backend_ops *backend_up(const char *name)
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
        struct outcome a, b;
        run_spec(ops, *s, 42, true, &a);
        CHECK(a.rc == 0, "%s on %s: rc %d (%s)", *s, ops->name, a.rc, strerror(a.rc));
        if (a.rc != 0)
            continue;
        CHECK(a.live_end == 0, "%s on %s: %lld live bytes at the end", *s, ops->name,
              (long long)a.live_end);
        run_spec(ops, *s, 42, false, &b);
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
    struct outcome o;
    run_spec(ops, "churn:size=64K,count=5", 1, true, &o);
    CHECK(o.ops_done == 10 && o.requested_bytes == 5 * 65536 && o.touched_pages == 5 * 16,
          "churn counts: ops %llu bytes %llu pages %llu", (unsigned long long)o.ops_done,
          (unsigned long long)o.requested_bytes, (unsigned long long)o.touched_pages);
    CHECK(o.log.n == 3 && !strcmp(o.log.label[0], "iter0") && !strcmp(o.log.label[2], "iter2"),
          "churn steps: %u", o.log.n);
    run_spec(ops, "churn:size=64K,count=2,touch=half", 1, false, &o);
    CHECK(o.touched_pages == 2 * 8, "churn half: %llu pages", (unsigned long long)o.touched_pages);

    /* 4K, 5792, 8K, 11584, 16K, ..., 64K: 9 sizes, labelled in bytes. */
    run_spec(ops, "size-sweep:min=4K,max=64K,k=2", 1, true, &o);
    static const char *const sweep[] = {"size=4096",  "size=5792",  "size=8192",
                                        "size=11584", "size=16384", "size=23168",
                                        "size=32768", "size=46336", "size=65536"};
    CHECK(o.log.n == 9, "size-sweep: %u steps", o.log.n);
    for (unsigned i = 0; i < 9 && i < o.log.n; i++)
        CHECK(!strcmp(o.log.label[i], sweep[i]), "size-sweep step %u: %s, want %s", i,
              o.log.label[i], sweep[i]);
    CHECK(o.ops_done == 9 * 2 * 2, "size-sweep ops %llu", (unsigned long long)o.ops_done);

    run_spec(ops, "sawtooth:size=4K,peak=64K,cycles=2", 1, true, &o);
    CHECK(o.log.n == 4 && !strcmp(o.log.label[0], "peak1") && !strcmp(o.log.label[1], "empty1") &&
              !strcmp(o.log.label[3], "empty2"),
          "sawtooth steps (%u): %s ...", o.log.n, o.log.label[0]);
    CHECK(o.ops_done == 2 * 16 * 2 && o.peak == 65536, "sawtooth ops %llu peak %lld",
          (unsigned long long)o.ops_done, (long long)o.peak);

    run_spec(ops, "fragment:count=64,small=64,large=1K", 1, true, &o);
    CHECK(o.ops_done == 64 + 32 + 16 + 32 + 16, "fragment ops %llu",
          (unsigned long long)o.ops_done);
    CHECK(o.log.n == 4 && !strcmp(o.log.label[0], "small") && !strcmp(o.log.label[1], "holes") &&
              !strcmp(o.log.label[2], "large") && !strcmp(o.log.label[3], "freed"),
          "fragment steps %u", o.log.n);

    /* 16 -> 1M by doubling: one malloc, 16 reallocs, one free; pages = ceil of each new range. */
    run_spec(ops, "realloc-grow:max=1M", 1, false, &o);
    CHECK(o.ops_done == 18, "realloc-grow double ops %llu", (unsigned long long)o.ops_done);
    run_spec(ops, "realloc-grow:mode=step,step=64K,max=1M", 1, false, &o);
    CHECK(o.ops_done == 1 + 16 + 1 && o.touched_pages == 1 + 15 + 16 * 15 + 1,
          "realloc-grow step ops %llu pages %llu", (unsigned long long)o.ops_done,
          (unsigned long long)o.touched_pages);

    run_spec(ops, "threads:threads=3,count=2000,slots=16,queue=8", 1, false, &o);
    CHECK(o.ops_done == 2 * 3 * 2000 && o.touched_pages == 3 * 2000, "threads ops %llu pages %llu",
          (unsigned long long)o.ops_done, (unsigned long long)o.touched_pages);

    run_spec(ops, "first-touch:size=256K,pattern=alternate", 1, false, &o);
    CHECK(o.touched_pages == 32, "first-touch alternate pages %llu",
          (unsigned long long)o.touched_pages);
    run_spec(ops, "calibrate:pages=16", 1, true, &o);
    CHECK(o.touched_pages == 16 && o.ops_done == 2 && o.log.n == 0, "calibrate");
}

static void check_seed_sequence(const struct backend_ops *ops)
{
    static const char *const want[] = {"A=malloc(30K)",  "B=malloc(40K)", "C=malloc(200K)",
                                       "D=malloc(100K)", "free(C)",       "free(B)",
                                       "free(D)",        "free(A)"};
    struct outcome o;
    run_spec(ops, "seed-sequence", 7, true, &o);
    CHECK(o.rc == 0 && o.log.n == 8, "seed-sequence: rc %d, %u steps", o.rc, o.log.n);
    for (unsigned i = 0; i < 8 && i < o.log.n; i++)
        CHECK(!strcmp(o.log.label[i], want[i]), "step %u is '%s', want '%s'", i, o.log.label[i],
              want[i]);
    CHECK(o.ops_done == 8 && o.touched_pages == 0 && o.peak == 370 * 1024,
          "seed-sequence: ops %llu pages %llu peak %lld", (unsigned long long)o.ops_done,
          (unsigned long long)o.touched_pages, (long long)o.peak);
    run_spec(ops, "seed-sequence:touch=on", 7, false, &o);
    CHECK(o.touched_pages == 8 + 10 + 50 + 25, "seed-sequence touch: %llu pages",
          (unsigned long long)o.touched_pages);

    run_spec(ops, "seed-first", 7, true, &o);
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
        struct outcome a, b;
        run_spec(ops, specs[i], 1, false, &a);
        run_spec(ops, specs[i], 2, false, &b);
        CHECK(a.requested_bytes != b.requested_bytes || a.ops_done != b.ops_done,
              "%s: seeds 1 and 2 gave the same run (%llu bytes)", specs[i],
              (unsigned long long)a.requested_bytes);
    }
    /* The distributions differ from each other and stay inside [min, max]. */
    struct outcome u, l, p;
    run_spec(ops, "random-mix:slots=1,count=2,min=100,max=100", 3, false, &u);
    CHECK(u.requested_bytes == 100, "min=max=100 gives %llu",
          (unsigned long long)u.requested_bytes);
    run_spec(ops, "random-mix:slots=64,count=4000,min=16,max=64K", 3, false, &u);
    run_spec(ops, "random-mix:slots=64,count=4000,min=16,max=64K,dist=loguniform", 3, false, &l);
    run_spec(ops, "random-mix:slots=64,count=4000,min=16,max=64K,dist=pareto", 3, false, &p);
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
    return failures ? 1 : 0;
}

static int test_glibc(void)
{
    const struct backend_ops *ops = backend_up("glibc");
    if (!ops)
        return 1;
    check_suite(ops);
    check_counts(ops);
    check_seed_sequence(ops);
    check_seeds_differ(ops);
    return failures ? 1 : 0;
}

static int test_mmap(void)
{
    const struct backend_ops *ops = backend_up("mmap");
    if (!ops)
        return failures ? 1 : SKIP;
    check_suite(ops);
    check_counts(ops);
    check_seed_sequence(ops);
    return failures ? 1 : 0;
}

/* No POSIX shm object of ours may outlive a run, whatever the outcome. */
static unsigned count_shm_objects(void)
{
    unsigned n = 0;
    DIR *d = opendir("/dev/shm");
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strstr(e->d_name, "faultline"))
            n++;
    closedir(d);
    return n;
}

static int test_shm(void)
{
    const struct backend_ops *ops = backend_up("glibc");
    if (!ops)
        return 1;
    unsigned before = count_shm_objects();
    for (int anon = 0; anon < 2; anon++) {
        struct outcome o;
        const char *spec = anon ? "shm:mode=anon,size=1M" : "shm:mode=posix,size=1M";
        run_spec(ops, spec, 5, true, &o);
        CHECK(o.rc == 0, "%s: rc %d (%s)", spec, o.rc, strerror(o.rc));
        CHECK(o.log.n == 4 && !strcmp(o.log.label[0], "mapped") &&
                  !strcmp(o.log.label[1], "touched") && !strcmp(o.log.label[3], "unmapped"),
              "%s steps: %u", spec, o.log.n);
        const char *peer = rec_log_find(&o.log, "peer_minflt=");
        CHECK(peer != NULL, "%s: no peer_minflt step", spec);
        if (peer) {
            /* The peer wrote 128 fresh shared pages: one fault each, plus its own few (stack,
             * COW of the pages the fork shares). */
            long flt = atol(peer + strlen("peer_minflt="));
            printf("%s: %s\n", spec, peer);
            CHECK(flt >= 128 && flt < 128 + 512, "%s: %s", spec, peer);
        }
        CHECK(o.touched_pages == 128, "%s: %llu pages", spec, (unsigned long long)o.touched_pages);
    }
    unsigned after = count_shm_objects();
    CHECK(after == before, "/dev/shm holds %u faultline objects (was %u)", after, before);
    return failures ? 1 : 0;
}

static int test_file_map(void)
{
    const struct backend_ops *ops = backend_up("glibc");
    if (!ops)
        return 1;
    /* On the build tree's filesystem (ext4 here): tmpfs cannot evict, so no major faults. */
    snprintf(tmpdir, sizeof tmpdir, "%s/wl-file-map-XXXXXX", FAULTLINE_BINARY_DIR);
    if (!mkdtemp(tmpdir)) {
        CHECK(0, "mkdtemp %s: %s", tmpdir, strerror(errno));
        return 1;
    }
    const long pages = 256; /* 1 MiB */
    static const char *const modes[] = {"read-seq", "read-random", "private-write", "shared-write",
                                        "populate"};
    for (unsigned m = 0; m < 5; m++) {
        char spec[96];
        snprintf(spec, sizeof spec, "file-map:size=1M,mode=%s", modes[m]);
        struct outcome o;
        long min0 = self_minflt(), maj0 = self_majflt();
        run_spec(ops, spec, 11, true, &o);
        long minflt = self_minflt() - min0, majflt = self_majflt() - maj0;
        CHECK(o.rc == 0, "%s: rc %d (%s)", spec, o.rc, strerror(o.rc));
        if (o.rc != 0)
            continue;
        const char *cached = rec_log_find(&o.log, "cached=");
        long ncached = cached ? atol(cached + 7) : -1;
        printf("%s: minflt %ld majflt %ld %s\n", spec, minflt, majflt, cached ? cached : "");
        CHECK(o.log.n == 5 && !strcmp(o.log.label[0], "evicted") &&
                  !strcmp(o.log.label[1], "mapped") && cached &&
                  !strcmp(o.log.label[3], "touched") && !strcmp(o.log.label[4], "unmapped"),
              "%s: steps (%u)", spec, o.log.n);
        CHECK(o.touched_pages == (uint64_t)pages, "%s: %llu pages", spec,
              (unsigned long long)o.touched_pages);
        bool evicted = ncached == 0 || m == 4;
        if (!evicted) {
            printf("note: %s: %ld of %ld pages still cached after fsync + "
                   "posix_fadvise(DONTNEED) on %s (a filesystem that keeps its pages, e.g. "
                   "tmpfs or overlay): the fault checks are skipped\n",
                   spec, ncached, pages, tmpdir);
            continue;
        }
        if (m == 1) /* MADV_RANDOM: no readahead, so every page is read by its own fault */
            CHECK(majflt == pages, "%s: majflt %ld, want %ld", spec, majflt, pages);
        if (m == 2) /* COW: one fault per page; the first may be major (reads the page in) */
            CHECK(minflt + majflt >= pages && minflt >= pages - 1, "%s: minflt %ld majflt %ld",
                  spec, minflt, majflt);
        if (m == 4) /* populate: the faults happen inside mmap, none are major afterwards */
            CHECK(ncached == pages, "%s: %ld pages cached after MAP_POPULATE", spec, ncached);
    }
    rmdir(tmpdir);
    tmpdir[0] = '\0';
    return failures ? 1 : 0;
}

static int test_first_touch(void)
{
    if (FAULTLINE_SANITIZED) {
        printf("skip: under ASan every write also reads shadow memory, whose first read of a page "
               "is one more minor fault, so the per-page fault count cannot be exact\n");
        return SKIP;
    }
    const struct backend_ops *ops = backend_up("mmap");
    if (!ops)
        return failures ? 1 : SKIP;
    static const struct {
        const char *pattern;
        long pages;
    } cases[] = {{"all", 1024}, {"alternate", 512}, {"none", 0}};
    for (unsigned i = 0; i < 3; i++) {
        char spec[96];
        snprintf(spec, sizeof spec, "first-touch:size=4M,pattern=%s", cases[i].pattern);
        struct outcome o;
        long min0 = self_minflt();
        run_spec(ops, spec, 1, false, &o);
        long flt = self_minflt() - min0;
        printf("%s: minflt %ld, touched %llu\n", spec, flt, (unsigned long long)o.touched_pages);
        CHECK(o.rc == 0 && o.touched_pages == (uint64_t)cases[i].pages, "%s: rc %d pages %llu",
              spec, o.rc, (unsigned long long)o.touched_pages);
        long slack = cases[i].pages / 100 + 2; /* the block header's page, the odd stack page */
        CHECK(flt >= cases[i].pages - slack && flt <= cases[i].pages + slack,
              "%s: minflt %ld, want %ld +- %ld", spec, flt, cases[i].pages, slack);
    }
    return failures ? 1 : 0;
}

/* glibc with a fixed 64K mmap threshold maps and unmaps each 1 MiB block (reference B.5: 257
 * faults per iteration). mallopt is process-global, so this runs in a forked child. */
static int test_churn_faults(void)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        if (FAULTLINE_SANITIZED)
            printf("note: under ASan, 'glibc' is ASan's allocator and mallopt is a no-op\n");
        const struct backend_ops *ops = backend_up("glibc");
        if (!ops)
            _exit(1);
        mallopt(M_MMAP_THRESHOLD, 64 * 1024);
        struct outcome o;
        long min0 = self_minflt();
        run_spec(ops, "churn:size=1M,count=5", 1, true, &o);
        long flt = self_minflt() - min0;
        printf("churn size=1M count=5, mmap threshold 64K: minflt %ld\n", flt);
        CHECK(o.rc == 0 && o.log.n == 3, "churn: rc %d steps %u", o.rc, o.log.n);
        CHECK(flt >= 5 * 256, "churn: %ld faults for 5 iterations, want >= 256 each", flt);
        for (unsigned i = 1; i < o.log.n && i < 3; i++)
            CHECK(o.log.minflt[i] - o.log.minflt[i - 1] >= 256, "iteration %u: %ld faults", i,
                  o.log.minflt[i] - o.log.minflt[i - 1]);
        fflush(stdout);
        _exit(failures ? 1 : 0);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return 1;
    return WEXITSTATUS(status);
}

/* The seed note's sequence on glibc reproduces reference Table 3 step for step: the break after
 * each step (relative to the first sbrk(0)) and the mmapped bytes. Needs a pristine heap, so it
 * runs first thing in a fresh process (ctest starts one), one fork per setting, before stdio or
 * anything else has allocated. Under ASan, malloc is ASan's and the numbers do not apply. */
struct seed_glibc_log {
    char *base;
    unsigned n;
    long brk[8];
    size_t hblkhd[8];
};

static void seed_glibc_step(void *ctx, const char *label)
{
    struct seed_glibc_log *log = ctx;
    (void)label;
    if (log->n < 8) {
        log->brk[log->n] = (char *)sbrk(0) - log->base;
        log->hblkhd[log->n] = mallinfo2().hblkhd;
    }
    log->n++;
}

static int seed_glibc_child(bool fixed)
{
    const struct backend_ops *ops = backend_find("glibc");
    struct param_values bpv, pv;
    param_defaults(ops->params, &bpv);
    if (ops->init(&bpv) != 0)
        return 1;
    if (fixed)
        mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    const struct workload *wl;
    char err[256];
    if (workload_parse_spec("seed-sequence", &wl, &pv, err, sizeof err) != 0)
        return 1;
    struct seed_glibc_log log = {.base = sbrk(0)};
    struct recorder rec = {.ctx = &log, .step = seed_glibc_step};
    struct wl_env env = {.ops = ops, .params = &pv, .rec = &rec, .next_tick = UINT64_MAX};
    wl_seed(&env, 1);
    int rc = workload_execute(wl, &env);
    /* Table 3: A grows the heap by 0x21000 (top_pad 128K), C is mmapped (0x33000), D grows the
     * break to 0x4b000. With the dynamic threshold no free trims (free(C) raised the trim
     * threshold to 0x66000); with a fixed threshold free(D) and free(A) trim. */
    static const long want_brk[2][8] = {
        {0x21000, 0x21000, 0x21000, 0x4b000, 0x4b000, 0x4b000, 0x4b000, 0x4b000},
        {0x21000, 0x21000, 0x21000, 0x4b000, 0x4b000, 0x4b000, 0x28000, 0x21000},
    };
    static const size_t want_mapped[8] = {0, 0, 0x33000, 0x33000, 0, 0, 0, 0};
    CHECK(rc == 0 && log.n == 8, "rc %d steps %u", rc, log.n);
    for (unsigned i = 0; i < 8 && i < log.n; i++) {
        CHECK(log.brk[i] == want_brk[fixed][i], "%s threshold, step %u: break +%#lx, want +%#lx",
              fixed ? "fixed" : "dynamic", i, log.brk[i], want_brk[fixed][i]);
        CHECK(log.hblkhd[i] == want_mapped[i], "step %u: mmapped %#zx, want %#zx", i, log.hblkhd[i],
              want_mapped[i]);
    }
    return failures ? 1 : 0;
}

static int test_seed_glibc(void)
{
    if (FAULTLINE_SANITIZED) {
        printf("skip: under ASan, malloc is ASan's allocator, not glibc's heap\n");
        return SKIP;
    }
    int rc = 0;
    for (int fixed = 0; fixed < 2; fixed++) {
        pid_t pid = fork();
        if (pid < 0)
            return 1;
        if (pid == 0)
            _exit(seed_glibc_child(fixed));
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            rc = 1;
    }
    return rc;
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
        {"shm", test_shm},
        {"file-map", test_file_map},
        {"first-touch", test_first_touch},
        {"churn-faults", test_churn_faults},
        {"seed-glibc", test_seed_glibc},
    };
    /* Before anything allocates: the glibc heap must be pristine for this one. */
    if (argc == 2 && !strcmp(argv[1], "seed-glibc")) {
        int rc = test_seed_glibc();
        printf("%s: %s\n", argv[1], rc == 0 ? "ok" : rc == SKIP ? "skipped" : "FAILED");
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
            printf("%s: %s\n", argv[1], rc == 0 ? "ok" : rc == SKIP ? "skipped" : "FAILED");
            return rc;
        }
    fprintf(stderr, "unknown test %s\n", argv[1]);
    return 2;
}
