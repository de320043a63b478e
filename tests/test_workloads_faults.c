/* test_workloads_faults: the workload tests whose page-fault counts the kernel makes exact
 * (shm, file-map, first-touch, churn) and the seed note's glibc sequence, step for step; run by
 * test_workloads.c's main. */
#define _GNU_SOURCE
#include "test_workloads.h"
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* No POSIX shm object of ours may outlive a run, whatever the outcome. */
static unsigned test_workloads_faults_shm_objects(void)
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

int test_workloads_faults_shm(void)
{
    const struct backend_ops *ops = test_workloads_backend_up("glibc");
    if (!ops)
        return 1;
    unsigned before = test_workloads_faults_shm_objects();
    for (int anon = 0; anon < 2; anon++) {
        struct test_workloads_outcome o;
        const char *spec = anon ? "shm:mode=anon,size=1M" : "shm:mode=posix,size=1M";
        test_workloads_run_spec(ops, spec, 5, true, &o);
        CHECK(o.rc == 0, "%s: rc %d (%s)", spec, o.rc, strerror(o.rc));
        CHECK(o.log.n == 4 && !strcmp(o.log.label[0], "mapped") &&
                  !strcmp(o.log.label[1], "touched") && !strcmp(o.log.label[3], "unmapped"),
              "%s steps: %u", spec, o.log.n);
        const char *peer = test_workloads_log_find(&o.log, "peer_minflt=");
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
    unsigned after = test_workloads_faults_shm_objects();
    CHECK(after == before, "/dev/shm holds %u faultline objects (was %u)", after, before);
    return test_workloads_failures ? 1 : 0;
}

int test_workloads_faults_file_map(void)
{
    const struct backend_ops *ops = test_workloads_backend_up("glibc");
    if (!ops)
        return 1;
    /* On the build tree's filesystem (ext4 here): tmpfs cannot evict, so no major faults. */
    snprintf(test_workloads_tmpdir, sizeof test_workloads_tmpdir, "%s/wl-file-map-XXXXXX",
             FAULTLINE_BINARY_DIR);
    if (!mkdtemp(test_workloads_tmpdir)) {
        CHECK(0, "mkdtemp %s: %s", test_workloads_tmpdir, strerror(errno));
        return 1;
    }
    const long pages = 256; /* 1 MiB */
    static const char *const modes[] = {"read-seq", "read-random", "private-write", "shared-write",
                                        "populate"};
    for (unsigned m = 0; m < 5; m++) {
        char spec[96];
        snprintf(spec, sizeof spec, "file-map:size=1M,mode=%s", modes[m]);
        struct test_workloads_outcome o;
        long min0 = test_workloads_minflt(), maj0 = test_workloads_majflt();
        test_workloads_run_spec(ops, spec, 11, true, &o);
        long minflt = test_workloads_minflt() - min0, majflt = test_workloads_majflt() - maj0;
        CHECK(o.rc == 0, "%s: rc %d (%s)", spec, o.rc, strerror(o.rc));
        if (o.rc != 0)
            continue;
        const char *cached = test_workloads_log_find(&o.log, "cached=");
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
                   spec, ncached, pages, test_workloads_tmpdir);
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
    rmdir(test_workloads_tmpdir);
    test_workloads_tmpdir[0] = '\0';
    return test_workloads_failures ? 1 : 0;
}

int test_workloads_faults_first_touch(void)
{
    if (FAULTLINE_SANITIZED) {
        printf("skip: under ASan every write also reads shadow memory, whose first read of a page "
               "is one more minor fault, so the per-page fault count cannot be exact\n");
        return TEST_WORKLOADS_SKIP;
    }
    const struct backend_ops *ops = test_workloads_backend_up("mmap");
    if (!ops)
        return test_workloads_failures ? 1 : TEST_WORKLOADS_SKIP;
    static const struct {
        const char *pattern;
        long pages;
    } cases[] = {{"all", 1024}, {"alternate", 512}, {"none", 0}};
    for (unsigned i = 0; i < 3; i++) {
        char spec[96];
        snprintf(spec, sizeof spec, "first-touch:size=4M,pattern=%s", cases[i].pattern);
        struct test_workloads_outcome o;
        long min0 = test_workloads_minflt();
        test_workloads_run_spec(ops, spec, 1, false, &o);
        long flt = test_workloads_minflt() - min0;
        printf("%s: minflt %ld, touched %llu\n", spec, flt, (unsigned long long)o.touched_pages);
        CHECK(o.rc == 0 && o.touched_pages == (uint64_t)cases[i].pages, "%s: rc %d pages %llu",
              spec, o.rc, (unsigned long long)o.touched_pages);
        long slack = cases[i].pages / 100 + 2; /* the block header's page, the odd stack page */
        CHECK(flt >= cases[i].pages - slack && flt <= cases[i].pages + slack,
              "%s: minflt %ld, want %ld +- %ld", spec, flt, cases[i].pages, slack);
    }
    return test_workloads_failures ? 1 : 0;
}

/* glibc with a fixed 64K mmap threshold maps and unmaps each 1 MiB block (reference B.5: 257
 * faults per iteration). mallopt is process-global, so this runs in a forked child. */
int test_workloads_faults_churn(void)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        if (FAULTLINE_SANITIZED)
            printf("note: under ASan, 'glibc' is ASan's allocator and mallopt is a no-op\n");
        const struct backend_ops *ops = test_workloads_backend_up("glibc");
        if (!ops)
            _exit(1);
        mallopt(M_MMAP_THRESHOLD, 64 * 1024);
        struct test_workloads_outcome o;
        long min0 = test_workloads_minflt();
        test_workloads_run_spec(ops, "churn:size=1M,count=5", 1, true, &o);
        long flt = test_workloads_minflt() - min0;
        printf("churn size=1M count=5, mmap threshold 64K: minflt %ld\n", flt);
        CHECK(o.rc == 0 && o.log.n == 3, "churn: rc %d steps %u", o.rc, o.log.n);
        CHECK(flt >= 5 * 256, "churn: %ld faults for 5 iterations, want >= 256 each", flt);
        for (unsigned i = 1; i < o.log.n && i < 3; i++)
            CHECK(o.log.minflt[i] - o.log.minflt[i - 1] >= 256, "iteration %u: %ld faults", i,
                  o.log.minflt[i] - o.log.minflt[i - 1]);
        fflush(stdout);
        _exit(test_workloads_failures ? 1 : 0);
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
struct test_workloads_faults_seed_log {
    char *base;
    unsigned n;
    long brk[8];
    size_t hblkhd[8];
};

static void test_workloads_faults_seed_step(void *ctx, const char *label)
{
    struct test_workloads_faults_seed_log *log = ctx;
    (void)label;
    if (log->n < 8) {
        log->brk[log->n] = (char *)sbrk(0) - log->base;
        log->hblkhd[log->n] = mallinfo2().hblkhd;
    }
    log->n++;
}

static int test_workloads_faults_seed_child(bool fixed)
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
    struct test_workloads_faults_seed_log log = {.base = sbrk(0)};
    struct recorder rec = {.ctx = &log, .step = test_workloads_faults_seed_step};
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
    return test_workloads_failures ? 1 : 0;
}

int test_workloads_faults_seed_glibc(void)
{
    if (FAULTLINE_SANITIZED) {
        printf("skip: under ASan, malloc is ASan's allocator, not glibc's heap\n");
        return TEST_WORKLOADS_SKIP;
    }
    int rc = 0;
    for (int fixed = 0; fixed < 2; fixed++) {
        pid_t pid = fork();
        if (pid < 0)
            return 1;
        if (pid == 0)
            _exit(test_workloads_faults_seed_child(fixed));
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            rc = 1;
    }
    return rc;
}
