/* The mmap backend's own promises: exact OS call counts per operation, mapping sizes matching its
 * stats, MAP_POPULATE moving the page faults into malloc, /dev/zero as a source, mremap=off, and
 * the locked/noreserve flags reaching the kernel. Each case runs in a fresh forked child. */
#define _GNU_SOURCE
#include "test_util.h"

#include <fcntl.h>
#include <sys/resource.h>

#define MB_PAGE      4096u
#define MB_HDR       16u
#define MB_N         512
#define MB_BIG_PAGES 1024u /* a 4 MiB block */
#define MB_SLACK     16    /* faults allowed beyond the exact page count */

extern const struct backend_ops backend_mmap;
static const struct backend_ops *mb = &backend_mmap;
static void *mb_blocks[MB_N];

static size_t mb_round(size_t n)
{
    return (n + MB_PAGE - 1) / MB_PAGE * MB_PAGE;
}

static struct os_counts mb_counts_since(const struct os_counts *before)
{
    struct os_counts now, d;
    os_counts_read(&now);
    os_counts_diff(&now, before, &d);
    return d;
}

static struct backend_stats mb_stats(void)
{
    struct backend_stats s;
    mb->stats(&s);
    return s;
}

static long mb_minflt(void)
{
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    return ru.ru_minflt;
}

/* Writes one byte a page without ASan's shadow reads, so only the block's own faults count. */
__attribute__((no_sanitize("address"), noinline)) static void mb_touch(void *p, size_t len)
{
    volatile unsigned char *c = p;
    for (size_t i = 0; i < len; i += MB_PAGE)
        c[i] = 1;
}

static int mb_init(const char *params)
{
    return test_util_init(mb, params) == 0 ? 0 : 1;
}

/* N malloc/free pairs: exactly one mmap and one munmap each, of page-rounded size + header. */
static int mb_case_counts(void *arg)
{
    (void)arg;
    if (mb_init(""))
        return 1;
    const size_t sizes[] = {0, 1, 100, 4000, 4080, 4081, 10000, 100000, 1u << 20};
    struct os_counts before;
    os_counts_read(&before);
    size_t want_bytes = 0, usable = 0;
    for (int i = 0; i < MB_N; i++) {
        size_t n = sizes[i % (sizeof sizes / sizeof sizes[0])];
        mb_blocks[i] = mb->malloc(n);
        TEST_UTIL_CHECK(mb_blocks[i] != NULL, "malloc(%zu)", n);
        if (!mb_blocks[i])
            return 1;
        size_t u = mb->usable_size(mb_blocks[i]);
        TEST_UTIL_CHECK(u == mb_round(n + MB_HDR) - MB_HDR, "malloc(%zu): usable %zu, want %zu", n,
                        u, mb_round(n + MB_HDR) - MB_HDR);
        memset(mb_blocks[i], 0x33, u); /* all of it up to the mapping's end */
        want_bytes += mb_round(n + MB_HDR);
        usable += u;
    }
    struct os_counts d = mb_counts_since(&before);
    struct backend_stats s = mb_stats();
    TEST_UTIL_CHECK(d.calls[OS_MMAP] == MB_N, "mmap calls %llu, want %d",
                    (unsigned long long)d.calls[OS_MMAP], MB_N);
    TEST_UTIL_CHECK(d.bytes[OS_MMAP] == want_bytes, "mmap bytes %llu, want %zu",
                    (unsigned long long)d.bytes[OS_MMAP], want_bytes);
    TEST_UTIL_CHECK(d.calls[OS_MUNMAP] == 0 && d.calls[OS_MREMAP] == 0 && d.calls[OS_BRK] == 0 &&
                        d.calls[OS_MADVISE] == 0,
                    "unexpected calls: munmap %llu mremap %llu brk %llu madvise %llu",
                    (unsigned long long)d.calls[OS_MUNMAP], (unsigned long long)d.calls[OS_MREMAP],
                    (unsigned long long)d.calls[OS_BRK], (unsigned long long)d.calls[OS_MADVISE]);
    TEST_UTIL_CHECK(s.mapped_bytes == want_bytes, "stats mapped %zu, want %zu", s.mapped_bytes,
                    want_bytes);
    TEST_UTIL_CHECK(s.live_bytes == usable, "stats live %zu, want %zu", s.live_bytes, usable);
    TEST_UTIL_CHECK(s.peak_mapped_bytes == want_bytes, "stats peak %zu, want %zu",
                    s.peak_mapped_bytes, want_bytes);
    TEST_UTIL_CHECK(s.sizes_valid && s.os_counts_valid && s.heap_bytes == 0,
                    "sizes_valid %d os_counts_valid %d heap %zu", s.sizes_valid, s.os_counts_valid,
                    s.heap_bytes);

    for (int i = 0; i < MB_N; i++)
        mb->free(mb_blocks[i]);
    d = mb_counts_since(&before);
    s = mb_stats();
    TEST_UTIL_CHECK(d.calls[OS_MUNMAP] == d.calls[OS_MMAP] && d.calls[OS_MUNMAP] == MB_N,
                    "after freeing: munmap %llu, mmap %llu, want both %d",
                    (unsigned long long)d.calls[OS_MUNMAP], (unsigned long long)d.calls[OS_MMAP],
                    MB_N);
    TEST_UTIL_CHECK(d.bytes[OS_MUNMAP] == d.bytes[OS_MMAP], "munmap bytes %llu, mmap bytes %llu",
                    (unsigned long long)d.bytes[OS_MUNMAP], (unsigned long long)d.bytes[OS_MMAP]);
    TEST_UTIL_CHECK(d.failures[OS_MMAP] == 0 && d.failures[OS_MUNMAP] == 0, "failed OS calls");
    TEST_UTIL_CHECK(s.mapped_bytes == 0 && s.live_bytes == 0, "after freeing: mapped %zu live %zu",
                    s.mapped_bytes, s.live_bytes);
    TEST_UTIL_CHECK(s.peak_mapped_bytes == want_bytes, "peak %zu after frees, want %zu",
                    s.peak_mapped_bytes, want_bytes);
    TEST_UTIL_CHECK(mb->trim(0) == 0, "trim found something to release");
    mb->fini();
    return test_util_failures ? 1 : 0;
}

/* memalign: alignments up to a page cost one mapping; larger ones over-map and unmap at most a
 * head and a tail, and every byte mapped is unmapped in the end. */
static int mb_case_memalign(void *arg)
{
    (void)arg;
    if (mb_init(""))
        return 1;
    int count = 0;
    for (size_t a = 16; a <= (4u << 20); a *= 2) {
        const size_t sizes[] = {0, 1, 5000, a};
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            struct os_counts before;
            os_counts_read(&before);
            void *p = mb->memalign(a, sizes[i]);
            struct os_counts d = mb_counts_since(&before);
            TEST_UTIL_CHECK(p && (uintptr_t)p % a == 0, "memalign(%zu, %zu) = %p", a, sizes[i], p);
            if (!p)
                return 1;
            size_t u = mb->usable_size(p);
            TEST_UTIL_CHECK(u >= sizes[i], "usable %zu", u);
            memset(p, 0x44, u);
            TEST_UTIL_CHECK(d.calls[OS_MMAP] == 1, "memalign(%zu): %llu mmaps", a,
                            (unsigned long long)d.calls[OS_MMAP]);
            if (a <= MB_PAGE)
                TEST_UTIL_CHECK(d.calls[OS_MUNMAP] == 0, "memalign(%zu): %llu munmaps", a,
                                (unsigned long long)d.calls[OS_MUNMAP]);
            else
                TEST_UTIL_CHECK(d.calls[OS_MUNMAP] <= 2, "memalign(%zu): %llu munmaps", a,
                                (unsigned long long)d.calls[OS_MUNMAP]);
            mb_blocks[count++] = p;
        }
    }
    struct backend_stats s = mb_stats();
    TEST_UTIL_CHECK(s.mapped_bytes >= s.live_bytes, "mapped %zu < live %zu", s.mapped_bytes,
                    s.live_bytes);
    for (int i = 0; i < count; i++)
        mb->free(mb_blocks[i]);
    struct os_counts all;
    os_counts_read(&all);
    s = mb_stats();
    TEST_UTIL_CHECK(all.bytes[OS_MUNMAP] == all.bytes[OS_MMAP],
                    "munmap bytes %llu != mmap bytes %llu: a piece is leaked or unmapped twice",
                    (unsigned long long)all.bytes[OS_MUNMAP],
                    (unsigned long long)all.bytes[OS_MMAP]);
    TEST_UTIL_CHECK(all.calls[OS_MUNMAP] >= all.calls[OS_MMAP], "munmap %llu < mmap %llu",
                    (unsigned long long)all.calls[OS_MUNMAP],
                    (unsigned long long)all.calls[OS_MMAP]);
    TEST_UTIL_CHECK(s.mapped_bytes == 0 && s.live_bytes == 0, "after freeing: mapped %zu live %zu",
                    s.mapped_bytes, s.live_bytes);
    mb->fini();
    return test_util_failures ? 1 : 0;
}

/* A realloc chain: with mremap one call per change of page count, without it a new mapping and
 * an munmap per change; content kept either way. */
static int mb_case_realloc(void *arg)
{
    bool use_mremap = arg != NULL;
    if (mb_init(use_mremap ? "mremap=on" : "mremap=off"))
        return 1;
    const size_t chain[] = {100000, 1u << 20, 50000, 50001, 50100, 3u << 20, 10, 0, 4096};
    size_t old = 10000, changes = 0;
    struct os_counts before;
    os_counts_read(&before);
    unsigned char *p = mb->malloc(old);
    if (!p)
        return 1;
    for (size_t i = 0; i < old; i++)
        p[i] = test_util_pattern(0, i);
    for (size_t k = 0; k < sizeof chain / sizeof chain[0]; k++) {
        size_t n = chain[k];
        changes += mb_round(n + MB_HDR) != mb_round(old + MB_HDR);
        unsigned char *q = mb->realloc(p, n);
        TEST_UTIL_CHECK(q != NULL, "realloc(%zu -> %zu)", old, n);
        if (!q)
            return 1;
        size_t keep = old < n ? old : n, bad = 0;
        for (size_t i = 0; i < keep; i++)
            bad += q[i] != test_util_pattern(k, i);
        TEST_UTIL_CHECK(bad == 0, "realloc(%zu -> %zu): %zu bytes of the prefix changed", old, n,
                        bad);
        TEST_UTIL_CHECK(mb->usable_size(q) == mb_round(n + MB_HDR) - MB_HDR, "usable %zu for %zu",
                        mb->usable_size(q), n);
        for (size_t i = 0; i < n; i++)
            q[i] = test_util_pattern(k + 1, i);
        p = q;
        old = n;
    }
    mb->free(p);
    struct os_counts d = mb_counts_since(&before);
    struct backend_stats s = mb_stats();
    if (use_mremap) {
        TEST_UTIL_CHECK(
            d.calls[OS_MREMAP] == changes && d.calls[OS_MMAP] == 1 && d.calls[OS_MUNMAP] == 1,
            "mremap=on: %llu mremap (want %zu), %llu mmap, %llu munmap (want 1, 1)",
            (unsigned long long)d.calls[OS_MREMAP], changes, (unsigned long long)d.calls[OS_MMAP],
            (unsigned long long)d.calls[OS_MUNMAP]);
    } else {
        TEST_UTIL_CHECK(d.calls[OS_MREMAP] == 0 && d.calls[OS_MMAP] == 1 + changes &&
                            d.calls[OS_MUNMAP] == 1 + changes,
                        "mremap=off: %llu mremap (want 0), %llu mmap and %llu munmap (want %zu)",
                        (unsigned long long)d.calls[OS_MREMAP],
                        (unsigned long long)d.calls[OS_MMAP],
                        (unsigned long long)d.calls[OS_MUNMAP], 1 + changes);
        TEST_UTIL_CHECK(d.bytes[OS_MMAP] == d.bytes[OS_MUNMAP], "mmap bytes %llu munmap bytes %llu",
                        (unsigned long long)d.bytes[OS_MMAP],
                        (unsigned long long)d.bytes[OS_MUNMAP]);
    }
    /* 50000 -> 50001 -> 50100 and 10 -> 0 stay within their pages; the other six do not. */
    TEST_UTIL_CHECK(changes == 6, "the chain changed the page count %zu times, want 6", changes);
    TEST_UTIL_CHECK(s.mapped_bytes == 0 && s.live_bytes == 0, "after freeing: mapped %zu live %zu",
                    s.mapped_bytes, s.live_bytes);
    TEST_UTIL_CHECK(s.peak_mapped_bytes ==
                        mb_round((3u << 20) + MB_HDR) + (use_mremap ? 0 : mb_round(50100 + MB_HDR)),
                    "peak mapped %zu", s.peak_mapped_bytes);
    mb->fini();
    return test_util_failures ? 1 : 0;
}

/* populate=on: a 4 MiB malloc takes its page faults inside mmap and touching costs none;
 * populate=off: the reverse. Minor faults from getrusage include those taken by the kernel. */
static int mb_case_populate(void *arg)
{
    bool populate = arg != NULL;
    if (mb_init(populate ? "populate=on" : "populate=off"))
        return 1;
    size_t size = MB_BIG_PAGES * MB_PAGE - MB_HDR; /* exactly MB_BIG_PAGES pages mapped */
    long f0 = mb_minflt();
    void *p = mb->malloc(size);
    long f1 = mb_minflt();
    if (!p)
        return 1;
    mb_touch((char *)p - MB_HDR, size + MB_HDR);
    long f2 = mb_minflt();
    long in_malloc = f1 - f0, in_touch = f2 - f1;
    test_util_say("populate=%s: %ld minor faults in malloc, %ld touching %u pages\n",
                  populate ? "on" : "off", in_malloc, in_touch, MB_BIG_PAGES);
    if (populate) {
        TEST_UTIL_CHECK(in_malloc >= (long)MB_BIG_PAGES && in_malloc <= MB_BIG_PAGES + MB_SLACK,
                        "populate=on: %ld faults in malloc, want %u..%u", in_malloc, MB_BIG_PAGES,
                        MB_BIG_PAGES + MB_SLACK);
        TEST_UTIL_CHECK(in_touch <= MB_SLACK, "populate=on: %ld faults touching", in_touch);
    } else {
        TEST_UTIL_CHECK(in_malloc <= MB_SLACK, "populate=off: %ld faults in malloc", in_malloc);
        TEST_UTIL_CHECK(in_touch >= (long)MB_BIG_PAGES - 1 && in_touch <= MB_BIG_PAGES + MB_SLACK,
                        "populate=off: %ld faults touching, want about %u", in_touch, MB_BIG_PAGES);
    }
    mb->free(p);
    mb->fini();
    return test_util_failures ? 1 : 0;
}

/* The /proc/self/smaps entry covering addr: copies its header line and VmFlags value. */
static int mb_smaps(const void *addr, char *head, size_t headlen, char *flags, size_t flagslen)
{
    static char buf[8 << 20];
    int fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t len = 0;
    ssize_t n;
    while (len < sizeof buf - 1 && (n = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)n;
    close(fd);
    buf[len] = '\0';
    bool inside = false;
    head[0] = flags[0] = '\0';
    for (char *line = buf; *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        unsigned long lo, hi;
        char dash;
        if (sscanf(line, "%lx%c%lx", &lo, &dash, &hi) == 3 && dash == '-' &&
            strchr(line, ' ') != NULL && line[0] != 'V') {
            inside = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
            if (inside)
                snprintf(head, headlen, "%.200s", line);
        } else if (inside && !strncmp(line, "VmFlags:", 8)) {
            snprintf(flags, flagslen, "%.200s", line + 8);
            return 0;
        }
        if (!nl)
            break;
        line = nl + 1;
    }
    return -1;
}

static bool mb_has_flag(const char *flags, const char *f)
{
    char pat[8];
    snprintf(pat, sizeof pat, " %s", f);
    for (const char *s = flags; (s = strstr(s, pat)) != NULL; s++)
        if (s[3] == ' ' || s[3] == '\0')
            return true;
    return false;
}

/* locked and noreserve reach the kernel: the mapping's VmFlags show "lo" and "nr". */
static int mb_case_flags(void *arg)
{
    (void)arg;
    if (mb_init("locked=on,noreserve=on"))
        return 1;
    void *p = mb->malloc(100000);
    if (!p)
        return 1;
    char head[256], flags[256];
    TEST_UTIL_CHECK(mb_smaps(p, head, sizeof head, flags, sizeof flags) == 0,
                    "no smaps entry for %p", p);
    TEST_UTIL_CHECK(mb_has_flag(flags, "lo"), "locked=on but VmFlags:%s", flags);
    TEST_UTIL_CHECK(mb_has_flag(flags, "nr"), "noreserve=on but VmFlags:%s", flags);
    mb->free(p);
    mb->fini();

    if (mb_init(""))
        return 1;
    p = mb->malloc(100000);
    if (!p)
        return 1;
    TEST_UTIL_CHECK(mb_smaps(p, head, sizeof head, flags, sizeof flags) == 0,
                    "no smaps entry for %p", p);
    TEST_UTIL_CHECK(!mb_has_flag(flags, "lo") && !mb_has_flag(flags, "nr"),
                    "defaults but VmFlags:%s", flags);
    mb->free(p);
    mb->fini();
    return test_util_failures ? 1 : 0;
}

/* source=devzero: the blocks are private mappings of /dev/zero and behave like anonymous ones. */
static int mb_case_devzero(void *arg)
{
    (void)arg;
    if (mb_init("source=devzero"))
        return 1;
    struct os_counts before;
    os_counts_read(&before);
    unsigned char *c = mb->calloc(1000, 100);
    TEST_UTIL_CHECK(c != NULL, "calloc");
    if (!c)
        return 1;
    size_t nz = 0;
    for (size_t i = 0; i < 100000; i++)
        nz += c[i] != 0;
    TEST_UTIL_CHECK(nz == 0, "calloc from /dev/zero: %zu bytes not zero", nz);
    char head[256], flags[256];
    TEST_UTIL_CHECK(mb_smaps(c, head, sizeof head, flags, sizeof flags) == 0, "no smaps entry");
    TEST_UTIL_CHECK(strstr(head, "/dev/zero") != NULL, "source=devzero but the mapping is: %s",
                    head);
    for (size_t i = 0; i < 100000; i++)
        c[i] = test_util_pattern(9, i);
    unsigned char *g = mb->realloc(c, 3u << 20);
    TEST_UTIL_CHECK(g != NULL, "realloc grow");
    if (!g)
        return 1;
    size_t bad = 0;
    for (size_t i = 0; i < 100000; i++)
        bad += g[i] != test_util_pattern(9, i);
    nz = 0;
    for (size_t i = mb_round(100000 + MB_HDR) - MB_HDR; i < (3u << 20); i++)
        nz += g[i] != 0;
    TEST_UTIL_CHECK(bad == 0 && nz == 0,
                    "grown /dev/zero block: %zu prefix bytes changed, %zu "
                    "new bytes not zero",
                    bad, nz);
    void *a = mb->memalign(1u << 20, 5000);
    TEST_UTIL_CHECK(a && (uintptr_t)a % (1u << 20) == 0, "memalign from /dev/zero = %p", a);
    if (a)
        memset(a, 7, 5000);
    mb->free(a);
    mb->free(g);
    struct backend_stats s = mb_stats();
    TEST_UTIL_CHECK(s.mapped_bytes == 0, "mapped %zu after freeing", s.mapped_bytes);
    mb->fini();

    /* The default source is anonymous memory. */
    if (mb_init(""))
        return 1;
    void *p = mb->malloc(100000);
    TEST_UTIL_CHECK(p && mb_smaps(p, head, sizeof head, flags, sizeof flags) == 0 &&
                        strstr(head, "/dev/zero") == NULL,
                    "source=anon mapping is: %s", head);
    mb->free(p);
    mb->fini();
    return test_util_failures ? 1 : 0;
}

int main(void)
{
    static const struct {
        const char *name;
        int (*fn)(void *);
        void *arg;
    } cases[] = {
        {"call counts", mb_case_counts, NULL},
        {"memalign", mb_case_memalign, NULL},
        {"realloc mremap=on", mb_case_realloc, (void *)1},
        {"realloc mremap=off", mb_case_realloc, NULL},
        {"populate=on", mb_case_populate, (void *)1},
        {"populate=off", mb_case_populate, NULL},
        {"locked, noreserve", mb_case_flags, NULL},
        {"source=devzero", mb_case_devzero, NULL},
    };
    int failed = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = test_util_run_forked(cases[i].name, cases[i].fn, cases[i].arg);
        test_util_say("%s mmap backend: %s\n", rc == 0 ? "PASS" : "FAIL", cases[i].name);
        failed += rc != 0;
    }
    return failed ? 1 : 0;
}
