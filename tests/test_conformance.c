/* Contract test: runs the checks of allocators/backend.h against every in-process backend of the
 * registry (or the one named in argv[1]), each in its own forked child so a crash names the
 * backend. Peers (ops->preload set) are checked elsewhere, under LD_PRELOAD. */
#define _GNU_SOURCE
#include "test_util.h"

#include <stdbool.h>
#include <stdint.h>

#if FAULTLINE_SANITIZED
/* The glibc backend is ASan's allocator here; by default ASan aborts on an impossible request
 * where the contract wants NULL with errno ENOMEM. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}
#endif

#define CONF_SMALL_MAX 4096
#define CONF_MAX_BIG   (1u << 20)
#define CONF_ZERO_N    64

/* Static, not malloc'ed: a brk backend shares the break with the process malloc. */
static void *conf_small[CONF_SMALL_MAX + 1];
static void *conf_big[256];
static size_t conf_big_size[256];

static const struct backend_ops *conf_ops;

static bool conf_aligned(const void *p, size_t align)
{
    return ((uintptr_t)p & (align - 1)) == 0;
}

/* Fill all usable bytes of p with the pattern of tag, which also proves they are writable. */
static void conf_fill(void *p, size_t n, uint64_t tag)
{
    unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        c[i] = test_util_pattern(tag, i);
}

/* Number of bytes in p[0..n) that differ from the pattern of tag. */
static size_t conf_verify(const void *p, size_t n, uint64_t tag)
{
    const unsigned char *c = p;
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += c[i] != test_util_pattern(tag, i);
    return bad;
}

static size_t conf_nonzero(const void *p, size_t n)
{
    const unsigned char *c = p;
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += c[i] != 0;
    return bad;
}

/* Checks every returned block must pass; returns its usable size (0 if p is NULL). */
static size_t conf_block(void *p, size_t size, size_t align, const char *how)
{
    TEST_UTIL_CHECK(p != NULL, "%s(%zu) returned NULL (errno %d)", how, size, errno);
    if (!p)
        return 0;
    if (align < BACKEND_ALIGN)
        align = BACKEND_ALIGN;
    TEST_UTIL_CHECK(conf_aligned(p, align), "%s(%zu) = %p not %zu-aligned", how, size, p, align);
    size_t usable = conf_ops->usable_size(p);
    TEST_UTIL_CHECK(usable >= size, "%s(%zu): usable_size %zu < request", how, size, usable);
    return usable;
}

static void conf_stats(struct backend_stats *s)
{
    memset(s, 0, sizeof *s);
    conf_ops->stats(s);
}

static void conf_check_stats_sane(const char *when, size_t held_usable,
                                  const struct backend_stats *base)
{
    struct backend_stats s;
    conf_stats(&s);
    if (!s.os_counts_valid || !s.sizes_valid)
        return; /* the system malloc's numbers describe a different allocator (ASan's, or glibc) */
    TEST_UTIL_CHECK(s.live_bytes - base->live_bytes >= held_usable,
                    "%s: live_bytes grew by %zu, less than the %zu usable bytes held", when,
                    s.live_bytes - base->live_bytes, held_usable);
    TEST_UTIL_CHECK(s.heap_bytes + s.mapped_bytes >= s.live_bytes,
                    "%s: heap %zu + mapped %zu < live %zu", when, s.heap_bytes, s.mapped_bytes,
                    s.live_bytes);
    TEST_UTIL_CHECK(s.peak_heap_bytes >= s.heap_bytes, "%s: peak_heap %zu < heap %zu", when,
                    s.peak_heap_bytes, s.heap_bytes);
    TEST_UTIL_CHECK(s.peak_mapped_bytes >= s.mapped_bytes, "%s: peak_mapped %zu < mapped %zu", when,
                    s.peak_mapped_bytes, s.mapped_bytes);
}

static void conf_check_live_back(const char *when, const struct backend_stats *base)
{
    struct backend_stats s;
    conf_stats(&s);
    if (!s.os_counts_valid || !s.sizes_valid)
        return;
    TEST_UTIL_CHECK(s.live_bytes == base->live_bytes,
                    "%s: live_bytes %zu after freeing everything, %zu before", when, s.live_bytes,
                    base->live_bytes);
}

static void conf_ops_complete(const struct backend_ops *o)
{
    TEST_UTIL_CHECK(o->summary && o->summary[0], "missing summary");
    TEST_UTIL_CHECK(o->params != NULL, "params table missing (use {{NULL}})");
    TEST_UTIL_CHECK(o->init && o->fini && o->malloc && o->free && o->calloc && o->realloc &&
                        o->memalign && o->usable_size && o->trim && o->stats,
                    "an allocation entry point is NULL");
    TEST_UTIL_CHECK(o->atfork_prepare && o->atfork_parent && o->atfork_child,
                    "an atfork hook is NULL");
}

/* Every size 0..4096 live at once (so overlaps show), then a geometric set up to 1 MiB. */
static void conf_sizes(const struct backend_stats *base)
{
    size_t held = 0;
    for (size_t n = 0; n <= CONF_SMALL_MAX; n++) {
        conf_small[n] = conf_ops->malloc(n);
        size_t u = conf_block(conf_small[n], n, BACKEND_ALIGN, "malloc");
        if (conf_small[n])
            conf_fill(conf_small[n], u, n);
        held += u;
    }
    conf_check_stats_sane("4097 small blocks live", held, base);
    for (size_t n = 0; n <= CONF_SMALL_MAX; n++) {
        if (!conf_small[n])
            continue;
        size_t u = conf_ops->usable_size(conf_small[n]);
        size_t bad = conf_verify(conf_small[n], u, n);
        TEST_UTIL_CHECK(bad == 0, "malloc(%zu): %zu bytes overwritten while others were live", n,
                        bad);
        conf_ops->free(conf_small[n]);
    }
    conf_check_live_back("small sizes freed", base);

    unsigned k = 0;
    for (size_t n = CONF_SMALL_MAX + 1; n <= CONF_MAX_BIG && k < 200; n += n / 5 + 1)
        conf_big_size[k++] = n;
    for (unsigned b = 12; b <= 20; b++) {
        conf_big_size[k++] = ((size_t)1 << b) - 1;
        conf_big_size[k++] = (size_t)1 << b;
        conf_big_size[k++] = ((size_t)1 << b) + 1;
    }
    held = 0;
    for (unsigned i = 0; i < k; i++) {
        conf_big[i] = conf_ops->malloc(conf_big_size[i]);
        size_t u = conf_block(conf_big[i], conf_big_size[i], BACKEND_ALIGN, "malloc");
        if (conf_big[i])
            conf_fill(conf_big[i], u, 100000 + i);
        held += u;
    }
    conf_check_stats_sane("large blocks live", held, base);
    for (unsigned i = 0; i < k; i++) {
        if (!conf_big[i])
            continue;
        size_t u = conf_ops->usable_size(conf_big[i]);
        size_t bad = conf_verify(conf_big[i], u, 100000 + i);
        TEST_UTIL_CHECK(bad == 0, "malloc(%zu): %zu bytes overwritten", conf_big_size[i], bad);
        conf_ops->free(conf_big[i]);
    }
    conf_check_live_back("large sizes freed", base);
}

static void conf_malloc_zero(void)
{
    void *z[CONF_ZERO_N];
    for (int i = 0; i < CONF_ZERO_N; i++) {
        z[i] = conf_ops->malloc(0);
        conf_block(z[i], 0, BACKEND_ALIGN, "malloc");
        for (int j = 0; j < i; j++)
            TEST_UTIL_CHECK(!z[i] || z[i] != z[j], "malloc(0) #%d returned the same %p as #%d", i,
                            z[i], j);
    }
    for (int i = 0; i < CONF_ZERO_N; i++)
        conf_ops->free(z[i]);
    conf_ops->free(NULL); /* must be a no-op */
}

static void conf_memalign(void)
{
    for (size_t a = 1; a <= CONF_MAX_BIG; a *= 2) {
        const size_t sizes[] = {0, 1, 24, 4096, a, a + 8, 3 * a / 2};
        void *p[sizeof sizes / sizeof sizes[0]];
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            p[i] = conf_ops->memalign(a, sizes[i]);
            size_t u = conf_block(p[i], sizes[i], a, "memalign");
            if (p[i])
                conf_fill(p[i], u, a * 16 + i);
        }
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            if (!p[i])
                continue;
            size_t bad = conf_verify(p[i], conf_ops->usable_size(p[i]), a * 16 + i);
            TEST_UTIL_CHECK(bad == 0, "memalign(%zu, %zu): %zu bytes overwritten", a, sizes[i],
                            bad);
            conf_ops->free(p[i]);
        }
    }
    const size_t bad_align[] = {0, 3, 24, 48, 100, 4097, ((size_t)1 << 20) + 16};
    for (size_t i = 0; i < sizeof bad_align / sizeof bad_align[0]; i++) {
        errno = 0;
        void *p = conf_ops->memalign(bad_align[i], 64);
        TEST_UTIL_CHECK(p == NULL && errno == EINVAL,
                        "memalign(%zu, 64) = %p errno %d: want NULL with EINVAL", bad_align[i], p,
                        errno);
        if (p)
            conf_ops->free(p);
    }
    errno = 0;
    void *p = conf_ops->memalign(4096, SIZE_MAX - 100);
    TEST_UTIL_CHECK(p == NULL && errno == ENOMEM,
                    "memalign(4096, SIZE_MAX-100) = %p errno %d: want NULL with ENOMEM", p, errno);
}

static void conf_calloc(void)
{
    const size_t counts[] = {1, 3, 16, 1000};
    const size_t sizes[] = {1, 8, 24, 100, 4096, 40000};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        for (size_t j = 0; j < sizeof sizes / sizeof sizes[0]; j++) {
            size_t n = counts[i] * sizes[j];
            void *p = conf_ops->calloc(counts[i], sizes[j]);
            conf_block(p, n, BACKEND_ALIGN, "calloc");
            if (!p)
                continue;
            size_t bad = conf_nonzero(p, n);
            TEST_UTIL_CHECK(bad == 0, "calloc(%zu, %zu): %zu bytes not zero", counts[i], sizes[j],
                            bad);
            conf_ops->free(p);
        }
    }

    /* Dirty reuse: blocks filled and freed are likely handed back by calloc. */
    const size_t reuse[] = {1, 16, 24, 100, 1000, 4000, 40000, 200000, 1u << 20};
    enum { K = 32 };
    void *blk[K];
    for (size_t r = 0; r < sizeof reuse / sizeof reuse[0]; r++) {
        size_t s = reuse[r];
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < K; i++) {
                blk[i] = conf_ops->malloc(s);
                size_t u = conf_block(blk[i], s, BACKEND_ALIGN, "malloc");
                if (blk[i])
                    memset(blk[i], 0xA5, u);
            }
            for (int i = K - 1; i >= 0; i--)
                conf_ops->free(blk[i]);
            for (int i = 0; i < K; i++) {
                blk[i] = round == 1 ? conf_ops->calloc(s, 1) : conf_ops->calloc(1, s);
                conf_block(blk[i], s, BACKEND_ALIGN, "calloc");
                if (!blk[i])
                    continue;
                size_t bad = conf_nonzero(blk[i], s);
                TEST_UTIL_CHECK(bad == 0,
                                "calloc(%zu) after free of dirty blocks: %zu bytes not"
                                " zero",
                                s, bad);
            }
            for (int i = 0; i < K; i++)
                conf_ops->free(blk[i]);
        }
    }

    const size_t ov[][2] = {
        {SIZE_MAX / 2 + 1, 2},
        {2, SIZE_MAX / 2 + 1},
        {SIZE_MAX, SIZE_MAX},
        {(size_t)1 << 32, (size_t)1 << 32},
    };
    for (size_t i = 0; i < sizeof ov / sizeof ov[0]; i++) {
        errno = 0;
        void *p = conf_ops->calloc(ov[i][0], ov[i][1]);
        TEST_UTIL_CHECK(p == NULL && errno == ENOMEM,
                        "calloc(%zu, %zu) overflows: got %p errno %d, want NULL with ENOMEM",
                        ov[i][0], ov[i][1], p, errno);
    }
}

static void conf_impossible(void)
{
    const size_t huge[] = {SIZE_MAX, SIZE_MAX - 4096, SIZE_MAX / 2 + 1, (size_t)PTRDIFF_MAX};
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        errno = 0;
        void *p = conf_ops->malloc(huge[i]);
        TEST_UTIL_CHECK(p == NULL && errno == ENOMEM,
                        "malloc(%zu) = %p errno %d: want NULL with ENOMEM", huge[i], p, errno);
    }
}

static void conf_realloc(const struct backend_stats *base)
{
    const size_t fresh[] = {0, 1, 100, 5000, 300000};
    for (size_t i = 0; i < sizeof fresh / sizeof fresh[0]; i++) {
        void *p = conf_ops->realloc(NULL, fresh[i]);
        size_t u = conf_block(p, fresh[i], BACKEND_ALIGN, "realloc(NULL)");
        if (p)
            conf_fill(p, u, 7);
        conf_ops->free(p);
    }

    /* One block through a chain of sizes: the common prefix survives every step. */
    const size_t chain[] = {24,   100, 4000, 5000, 70000, 1u << 20,   3u << 20, 200000,
                            4096, 100, 17,   1,    300,   129 * 1024, 64,       1u << 20};
    size_t old = 8;
    uint64_t tag = 1000;
    void *p = conf_ops->malloc(old);
    conf_block(p, old, BACKEND_ALIGN, "malloc");
    if (!p)
        return;
    conf_fill(p, old, tag);
    for (size_t i = 0; i < sizeof chain / sizeof chain[0]; i++) {
        size_t n = chain[i];
        void *q = conf_ops->realloc(p, n);
        conf_block(q, n, BACKEND_ALIGN, "realloc");
        if (!q)
            return;
        size_t keep = old < n ? old : n;
        size_t bad = conf_verify(q, keep, tag);
        TEST_UTIL_CHECK(bad == 0, "realloc(%zu -> %zu): %zu of the first %zu bytes changed", old, n,
                        bad, keep);
        p = q;
        old = n;
        conf_fill(p, n, ++tag);
    }

    /* Two blocks growing in turn, so neither can always grow in place. */
    void *a = conf_ops->malloc(16), *b = conf_ops->malloc(16);
    size_t an = 16;
    if (a && b) {
        conf_fill(a, 16, 1), conf_fill(b, 16, 2);
        for (size_t n = 32; n <= (256u << 10); n *= 2) {
            void *na = conf_ops->realloc(a, n);
            conf_block(na, n, BACKEND_ALIGN, "realloc");
            if (!na)
                break;
            TEST_UTIL_CHECK(conf_verify(na, an, 1) == 0, "realloc(a, %zu) lost its prefix", n);
            a = na;
            conf_fill(a, n, 1);
            void *nb = conf_ops->realloc(b, n);
            conf_block(nb, n, BACKEND_ALIGN, "realloc");
            if (!nb)
                break;
            TEST_UTIL_CHECK(conf_verify(nb, an, 2) == 0, "realloc(b, %zu) lost its prefix", n);
            b = nb;
            conf_fill(b, n, 2);
            an = n;
        }
    }
    conf_ops->free(a);
    conf_ops->free(b);

    /* A failed realloc leaves the block alone. */
    const size_t huge[] = {SIZE_MAX, SIZE_MAX / 2 + 1, (size_t)PTRDIFF_MAX};
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        errno = 0;
        void *q = conf_ops->realloc(p, huge[i]);
        TEST_UTIL_CHECK(q == NULL && errno == ENOMEM,
                        "realloc(p, %zu) = %p errno %d: want NULL with ENOMEM", huge[i], q, errno);
        if (q) {
            p = q; /* cannot happen honestly; keep ownership straight */
            continue;
        }
        TEST_UTIL_CHECK(conf_verify(p, old, tag) == 0, "failed realloc(p, %zu) changed p", huge[i]);
    }

    /* realloc(p, 0) frees p and hands back a minimal block that can be freed. */
    errno = 0;
    void *z = conf_ops->realloc(p, 0);
    TEST_UTIL_CHECK(z != NULL,
                    "realloc(p, 0) returned NULL (errno %d): the contract wants a "
                    "malloc(0) block",
                    errno);
    if (z) {
        TEST_UTIL_CHECK(conf_aligned(z, BACKEND_ALIGN), "realloc(p, 0) = %p not aligned", z);
        conf_ops->free(z);
    }
    conf_check_live_back("realloc blocks freed", base);
}

static void conf_fork(void)
{
    void *before = conf_ops->malloc(1000);
    conf_ops->atfork_prepare();
    pid_t pid = fork();
    if (pid == 0) {
        conf_ops->atfork_child();
        void *p = conf_ops->malloc(5000);
        int ok = p && conf_aligned(p, BACKEND_ALIGN);
        if (p)
            memset(p, 1, 5000);
        conf_ops->free(p);
        conf_ops->free(before);
        _exit(ok ? 0 : 1);
    }
    conf_ops->atfork_parent();
    TEST_UTIL_CHECK(pid > 0, "fork failed: %s", strerror(errno));
    if (pid > 0) {
        int status = 0;
        waitpid(pid, &status, 0);
        TEST_UTIL_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                        "malloc in a forked child failed (status 0x%x)", status);
    }
    void *p = conf_ops->malloc(5000);
    conf_block(p, 5000, BACKEND_ALIGN, "malloc after fork");
    conf_ops->free(p);
    conf_ops->free(before);
}

/* The whole contract for one backend, in a forked child: 0 pass, 1 fail, 77 stub. */
static int conf_child(void *arg)
{
    conf_ops = arg;
    TEST_UTIL_CHECK(conf_ops->init != NULL, "backend %s has no init", conf_ops->name);
    if (!conf_ops->init)
        return 1;
    int rc = test_util_init(conf_ops, NULL);
    if (rc == ENOSYS)
        return TEST_UTIL_SKIP; /* a stub still being written: its other entries may be NULL */
    if (rc != 0)
        return 1;
    conf_ops_complete(conf_ops);
    if (test_util_failures)
        return 1;
    struct backend_stats base;
    conf_stats(&base);
    conf_sizes(&base);
    conf_malloc_zero();
    conf_memalign();
    conf_calloc();
    conf_impossible();
    conf_realloc(&base);
    conf_fork();
    int t = conf_ops->trim(0);
    TEST_UTIL_CHECK(t == 0 || t == 1, "trim(0) returned %d, want 0 or 1", t);
    conf_check_live_back("end", &base);
    conf_ops->fini();
    return test_util_failures ? 1 : 0;
}

static int conf_run(const struct backend_ops *ops, unsigned *checked)
{
    if (ops->preload) {
        test_util_say("SKIP peer backend %s: checked under LD_PRELOAD, not in process\n",
                      ops->name);
        return TEST_UTIL_SKIP;
    }
    char what[96];
    snprintf(what, sizeof what, "conformance of backend %s", ops->name);
    int rc = test_util_run_forked(what, conf_child, (void *)ops);
    if (rc == 0) {
        (*checked)++;
        test_util_say("PASS %s\n", what);
    } else if (rc != TEST_UTIL_SKIP) {
        (*checked)++;
        test_util_say("FAIL %s (exit %d)\n", what, rc);
    }
    return rc;
}

int main(int argc, char **argv)
{
    unsigned checked = 0;
    if (argc > 1) {
        const struct backend_ops *ops = test_util_backend(argv[1]);
        if (!ops)
            return 1;
        int rc = conf_run(ops, &checked);
        return rc == 0 ? 0 : rc == TEST_UTIL_SKIP ? TEST_UTIL_SKIP : 1;
    }
    int failed = 0;
    for (const struct backend_ops *const *b = backend_registry; *b; b++) {
        int rc = conf_run(*b, &checked);
        if (rc != 0 && rc != TEST_UTIL_SKIP)
            failed++;
    }
    if (checked == 0) {
        test_util_say("FAIL no backend was checked: all are stubs or peers\n");
        return 1;
    }
    test_util_say("%u backends checked, %d failed\n", checked, failed);
    return failed ? 1 : 0;
}
