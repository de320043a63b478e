/* The allocator contract checker behind `faultline check`: a parent that starts one child per
 * backend spec, and the child side that runs the contract checks and a seeded multithreaded
 * stress over a backend's ops (in-process) or over the process malloc family (LD_PRELOAD). */
#define _GNU_SOURCE
#include "check.h"

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "cli_opt.h"
#include "config.h"
#include "spec.h"

#define CHECK_OPS_DEFAULT     200000
#define CHECK_THREADS_DEFAULT 2
#define CHECK_THREADS_MAX     64
#define CHECK_SPECS_MAX       32
#define CHECK_PRINT_MAX       40 /* violation lines shown per child; the rest are counted */
#define CHECK_CHILD_TIMEOUT   600
#define CHECK_EXIT_SKIP       77

/* The malloc family under test: a backend's ops, or the libc symbols (which LD_PRELOAD may
 * replace). The optional POSIX/GNU entry points exist only in system mode. */
struct check_api {
    void *(*malloc)(size_t size);
    void (*free)(void *p);
    void *(*calloc)(size_t n, size_t size);
    void *(*realloc)(void *p, size_t size);
    void *(*memalign)(size_t align, size_t size);
    size_t (*usable_size)(void *p);
    bool system; /* also posix_memalign, aligned_alloc, memalign, valloc, pvalloc, reallocarray */
    bool strict; /* the faultline contract of backend.h, not only C/POSIX */
    /* System mode: entry points the preloaded library leaves to glibc. Calling one would hand
     * a glibc block to the other allocator's free, so each is reported once and not called. */
    bool foreign_posix, foreign_c11, foreign_gnu, foreign_valloc, foreign_pvalloc;
};

struct check_options {
    const char *specs[CHECK_SPECS_MAX];
    int nspecs;
    uint64_t seed;
    uint64_t ops;
    unsigned threads;
    bool preload;
    bool child;
    bool system;
    bool strict;
    const char *name; /* label of a system-mode child */
};

/* Child-wide state. Reports are formatted into stack buffers and written with write(2): while
 * a brk backend is active, the child must not call glibc malloc, and stdio would. */
static const char *check_label = "?";
static char check_label_buf[300];
static const char *check_rerun = ""; /* " --preload" when the child checks a preload library */
static atomic_ulong check_violations;
static atomic_ulong check_count;
static struct check_api check_api;
static struct check_options check_opt;

static void check_write(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w <= 0) {
            if (w < 0 && errno == EINTR)
                continue;
            return;
        }
        s += w;
        n -= (size_t)w;
    }
}

__attribute__((format(printf, 2, 3))) static void check_say(int fd, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    check_write(fd, line, (size_t)n);
}

/* One violation: "<backend>: <reproducer> -> <what went wrong>". */
__attribute__((format(printf, 1, 2))) static void check_fail(const char *fmt, ...)
{
    unsigned long n = atomic_fetch_add(&check_violations, 1) + 1;
    if (n > CHECK_PRINT_MAX)
        return;
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    check_say(STDOUT_FILENO, "%s: %s", check_label, msg);
}

static const char *check_errname(int e)
{
    const char *s = e ? strerrorname_np(e) : "0";
    return s ? s : "?";
}

static void check_ok(void)
{
    atomic_fetch_add_explicit(&check_count, 1, memory_order_relaxed);
}

/* The alignment C guarantees for an object of n bytes: the largest power of two <= n, capped at
 * the fundamental alignment (16 on x86-64). The faultline contract is 16 for every size. */
static size_t check_need_align(size_t n)
{
    if (check_api.strict)
        return BACKEND_ALIGN;
    size_t a = 1;
    while (a * 2 <= n && a < BACKEND_ALIGN)
        a *= 2;
    return a;
}

static bool check_aligned(const void *p, size_t a)
{
    return ((uintptr_t)p & (a - 1)) == 0;
}

/* Writes the first and last requested byte and the last usable one: usable_size promises all of
 * it, and a wrong size shows up as a fault or a corrupted neighbour. */
static void check_usable(const char *what, void *p, size_t n)
{
    size_t u = check_api.usable_size(p);
    if (u < n) {
        check_fail("%s -> %p; usable_size = %zu < %zu requested", what, p, u, n);
        return;
    }
    check_ok();
    unsigned char *c = p;
    if (u > 0) {
        c[0] = 0x5a;
        c[u - 1] = 0x5b;
    }
    if (n > 0)
        c[n - 1] = 0x5c;
}

static void check_free_null(void)
{
    check_api.free(NULL);
    check_ok();
}

static void check_malloc_zero(void)
{
    void *a = check_api.malloc(0), *b = check_api.malloc(0);
    if (check_api.strict && (a == NULL || b == NULL))
        check_fail("malloc(0) -> %p, malloc(0) -> %p: the contract returns a block", a, b);
    else if (a && a == b)
        check_fail("a=malloc(0); b=malloc(0) -> both %p", a);
    else
        check_ok();
    check_api.free(a);
    check_api.free(b);
    check_ok();
}

/* Every size 0..64K, keeping every 7th block live so later sizes come from partly used heaps. */
static void check_size_sweep(void)
{
    enum { KEEP = 64 };
    void *kept[KEEP] = {0};
    unsigned nk = 0;
    for (size_t n = 0; n <= 65536; n++) {
        void *p = check_api.malloc(n);
        if (!p) {
            if (n > 0 || check_api.strict)
                check_fail("malloc of sizes 0..%zu (every 7th kept): malloc(%zu) -> NULL (%s)", n,
                           n, check_errname(errno));
            continue;
        }
        size_t need = check_need_align(n);
        if (!check_aligned(p, need))
            check_fail("malloc of sizes 0..%zu (every 7th kept): malloc(%zu) -> %p not %zu-byte "
                       "aligned",
                       n, n, p, need);
        else
            check_ok();
        char what[64];
        snprintf(what, sizeof what, "malloc(%zu)", n);
        check_usable(what, p, n);
        if (n % 7 == 0) {
            unsigned slot = nk++ % KEEP;
            check_api.free(kept[slot]);
            kept[slot] = p;
        } else {
            check_api.free(p);
        }
    }
    for (unsigned i = 0; i < KEEP; i++)
        check_api.free(kept[i]);
}

/* Aligned allocation through one entry point; returns the pointer or NULL (errno set). */
enum check_align_fn { ALIGN_OPS, ALIGN_POSIX, ALIGN_C11, ALIGN_GNU, ALIGN_FN_COUNT };
static const char *const check_align_names[ALIGN_FN_COUNT] = {"memalign", "posix_memalign",
                                                              "aligned_alloc", "memalign"};

static void *check_align_call(enum check_align_fn fn, size_t a, size_t n)
{
    switch (fn) {
    case ALIGN_OPS:
        return check_api.memalign(a, n);
    case ALIGN_POSIX: {
        void *p = NULL;
        int rc = posix_memalign(&p, a, n);
        errno = rc;
        return rc ? NULL : p;
    }
    case ALIGN_C11:
        return aligned_alloc(a, n);
    case ALIGN_GNU:
        return memalign(a, n);
    default:
        return NULL;
    }
}

static void check_memalign(void)
{
    static const size_t mult[] = {0, 1, 2, 3};
    static const size_t extra[] = {1, 100, 8, 0};
    unsigned nfn = check_api.system ? ALIGN_FN_COUNT : 1;
    void *p = check_api.malloc(24); /* a live neighbour, so the heap is not pristine */
    for (unsigned f = 0; f < nfn; f++) {
        const char *fname = check_align_names[f];
        if ((f == ALIGN_POSIX && check_api.foreign_posix) ||
            (f == ALIGN_C11 && check_api.foreign_c11) || (f == ALIGN_GNU && check_api.foreign_gnu))
            continue;
        for (size_t a = 16; a <= (1u << 20); a *= 2) {
            for (unsigned k = 0; k < sizeof mult / sizeof mult[0]; k++) {
                size_t n = a * mult[k] + extra[k];
                /* C11's aligned_alloc wanted a size multiple of the alignment; peers may still
                 * insist, so they are only asked that. */
                if (f == ALIGN_C11 && !check_api.strict)
                    n = a * (mult[k] + 1);
                void *q = check_align_call(f, a, n);
                if (!q) {
                    check_fail("p=malloc(24); %s(%zu,%zu) -> NULL (%s)", fname, a, n,
                               check_errname(errno));
                    continue;
                }
                if (!check_aligned(q, a)) {
                    check_fail("p=malloc(24); %s(%zu,%zu) -> %p not aligned", fname, a, n, q);
                } else {
                    check_ok();
                    char what[96];
                    snprintf(what, sizeof what, "p=malloc(24); %s(%zu,%zu)", fname, a, n);
                    check_usable(what, q, n);
                }
                check_api.free(q);
            }
        }
    }
    /* Small and invalid alignments. */
    if (check_api.strict) {
        for (size_t a = 1; a < 16; a *= 2) {
            void *q = check_api.memalign(a, 40);
            if (!q || !check_aligned(q, BACKEND_ALIGN))
                check_fail("memalign(%zu,40) -> %p: alignments below 16 give 16", a, q);
            else
                check_ok();
            check_api.free(q);
        }
        static const size_t bad[] = {0, 3, 24, 48, 4097};
        for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            errno = 0;
            void *q = check_api.memalign(bad[i], 40);
            if (q || errno != EINVAL)
                check_fail("memalign(%zu,40) -> %p errno %s: expected NULL, EINVAL", bad[i], q,
                           check_errname(errno));
            else
                check_ok();
            check_api.free(q);
        }
    }
    if (check_api.system && !check_api.foreign_posix) {
        static const size_t bad[] = {0, 4, 3, 24, 48};
        for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            static char sentinel;
            void *q = &sentinel; /* must stay untouched on failure */
            void *before = q;
            int rc = posix_memalign(&q, bad[i], 40);
            if (rc != EINVAL || q != before)
                check_fail("posix_memalign(&q,%zu,40) -> %d, q=%p: expected EINVAL, q untouched",
                           bad[i], rc, q);
            else
                check_ok();
            if (rc == 0)
                check_api.free(q);
        }
    }
    if (check_api.system) {
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        if (!check_api.foreign_valloc) {
            void *v = valloc(100);
            if (!v || !check_aligned(v, page))
                check_fail("valloc(100) -> %p not page aligned", v);
            else
                check_ok();
            check_api.free(v);
        }
        if (!check_api.foreign_pvalloc) {
            void *pv = pvalloc(100);
            if (!pv || !check_aligned(pv, page) || check_api.usable_size(pv) < page)
                check_fail("pvalloc(100) -> %p: expected a page-aligned block of >= %zu bytes", pv,
                           page);
            else
                check_ok();
            check_api.free(pv);
        }
    }
    check_api.free(p);
}

static bool check_all_zero(const unsigned char *c, size_t n, size_t *at)
{
    for (size_t i = 0; i < n; i++)
        if (c[i]) {
            *at = i;
            return false;
        }
    return true;
}

/* Dirty blocks, free them, and calloc the same sizes: reused memory must read as zero. */
static void check_calloc_reuse(void)
{
    static const size_t sizes[] = {1,    8,     24,     100,    1000,     4096,
                                   5000, 65536, 100000, 200000, 1u << 20, 5u << 20};
    enum { N = 8 };
    for (unsigned s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        void *b[N];
        for (unsigned i = 0; i < N; i++) {
            b[i] = check_api.malloc(n);
            if (b[i])
                memset(b[i], 0xa5, check_api.usable_size(b[i]));
        }
        for (unsigned i = N; i-- > 0;)
            check_api.free(b[i]);
        for (unsigned i = 0; i < N; i++) {
            b[i] = check_api.calloc(1, n);
            size_t at;
            if (!b[i])
                check_fail("%d x (p=malloc(%zu); memset(p,0xa5,usable)); free all; calloc(1,%zu) "
                           "-> NULL",
                           N, n, n);
            else if (!check_all_zero(b[i], n, &at))
                check_fail("%d x (p=malloc(%zu); memset(p,0xa5,usable)); free all; calloc(1,%zu) "
                           "-> %p byte %zu = 0x%02x, not zero",
                           N, n, n, b[i], at, ((unsigned char *)b[i])[at]);
            else
                check_ok();
        }
        for (unsigned i = 0; i < N; i++)
            check_api.free(b[i]);
    }
    void *z = check_api.calloc(0, 16);
    if (check_api.strict && !z)
        check_fail("calloc(0,16) -> NULL: the contract returns a block");
    check_api.free(z);
    check_ok();
}

static void check_expect_enomem(const char *what, void *p)
{
    int e = errno;
    if (p != NULL || e != ENOMEM)
        check_fail("%s -> %p, errno %s: expected NULL, ENOMEM", what, p, check_errname(e));
    else
        check_ok();
    check_api.free(p);
}

static void check_overflow(void)
{
    size_t half = SIZE_MAX / 2 + 1;
    char what[96];
    errno = 0;
    snprintf(what, sizeof what, "calloc(%zu,2)", half);
    check_expect_enomem(what, check_api.calloc(half, 2));
    errno = 0;
    snprintf(what, sizeof what, "calloc(2,%zu)", half);
    check_expect_enomem(what, check_api.calloc(2, half));
    errno = 0;
    check_expect_enomem("calloc(1<<32,1<<32)", check_api.calloc((size_t)1 << 32, (size_t)1 << 32));
    errno = 0;
    snprintf(what, sizeof what, "malloc(%zu)", SIZE_MAX);
    check_expect_enomem(what, check_api.malloc(SIZE_MAX));
    errno = 0;
    snprintf(what, sizeof what, "malloc(%zu)", (size_t)PTRDIFF_MAX + 1);
    check_expect_enomem(what, check_api.malloc((size_t)PTRDIFF_MAX + 1));
    if (check_api.strict) {
        errno = 0;
        snprintf(what, sizeof what, "memalign(4096,%zu)", SIZE_MAX - 100);
        check_expect_enomem(what, check_api.memalign(4096, SIZE_MAX - 100));
    }
    /* A failed realloc leaves the block untouched. */
    unsigned char *p = check_api.malloc(64);
    if (!p)
        return;
    for (int i = 0; i < 64; i++)
        p[i] = (unsigned char)i;
    errno = 0;
    void *q = check_api.realloc(p, SIZE_MAX - 4096);
    snprintf(what, sizeof what, "p=malloc(64); realloc(p,%zu)", SIZE_MAX - 4096);
    if (q) {
        check_expect_enomem(what, q); /* q replaced p: p is gone */
        return;
    }
    check_expect_enomem(what, NULL);
    for (int i = 0; i < 64; i++)
        if (p[i] != (unsigned char)i) {
            check_fail("%s failed but changed byte %d of p", what, i);
            break;
        }
    if (check_api.system) {
        errno = 0;
        volatile size_t count = half; /* a constant would be rejected at compile time */
        q = reallocarray(p, count, 2);
        snprintf(what, sizeof what, "p=malloc(64); reallocarray(p,%zu,2)", half);
        if (q)
            p = NULL; /* q replaced p; check_expect_enomem reports and frees it */
        check_expect_enomem(what, q);
    }
    check_api.free(p);
}

static unsigned char check_pattern(size_t i)
{
    return (unsigned char)(i * 131 + 7);
}

/* Grow a block through ~x1.3 steps to 4 MiB and back, with a live neighbour allocated between
 * steps to force moves: the common prefix must survive every realloc. */
static void check_realloc_prefix(void)
{
    for (int variant = 0; variant < 2; variant++) {
        void *hold[64] = {0};
        unsigned nh = 0;
        size_t sizes[128];
        unsigned ns = 0;
        for (size_t n = 1; n <= (4u << 20) && ns < 64; n = n * 4 / 3 + 1)
            sizes[ns++] = n;
        for (unsigned i = ns - 1; i-- > 0 && ns < 128;)
            sizes[ns++] = sizes[i];
        unsigned char *p = check_api.realloc(NULL, sizes[0]);
        if (!p) {
            check_fail("realloc(NULL,%zu) -> NULL", sizes[0]);
            return;
        }
        p[0] = check_pattern(0);
        size_t cur = sizes[0];
        for (unsigned s = 1; s < ns; s++) {
            size_t n = sizes[s];
            if (variant == 1 && nh < 64)
                hold[nh++] = check_api.malloc(n / 2 + 1);
            unsigned char *q = check_api.realloc(p, n);
            if (!q) {
                check_fail("p=malloc(1); realloc(p, ...) through %zu: realloc(p,%zu) -> NULL", cur,
                           n);
                break;
            }
            size_t keep = cur < n ? cur : n;
            for (size_t i = 0; i < keep; i++)
                if (q[i] != check_pattern(i)) {
                    check_fail("p=malloc(1); realloc(p, x4/3+1 steps%s) up to 4M and back: "
                               "realloc(p,%zu) from %zu -> %p byte %zu = 0x%02x, expected 0x%02x",
                               variant ? ", a malloc(n/2+1) between steps" : "", n, cur, q, i, q[i],
                               check_pattern(i));
                    break;
                }
            for (size_t i = keep; i < n; i++)
                q[i] = check_pattern(i);
            check_ok();
            p = q;
            cur = n;
        }
        void *z = check_api.realloc(p, 0);
        if (check_api.strict && !z)
            check_fail("realloc(p,0) -> NULL: the contract returns a minimal block");
        else
            check_ok();
        check_api.free(z);
        for (unsigned i = 0; i < nh; i++)
            check_api.free(hold[i]);
    }
}

/* ---- seeded multithreaded stress ------------------------------------------------------------ */

struct check_block {
    unsigned char *p;
    size_t size;
    uint64_t id; /* thread << 48 | serial: first 8 bytes; the rest is the id's low byte */
};

#define CHECK_MAILBOX 256

struct check_mailbox {
    pthread_mutex_t lock;
    unsigned head, count;
    struct check_block b[CHECK_MAILBOX];
};

struct check_thread {
    pthread_t tid;
    unsigned index;
    uint64_t rng;
    uint64_t ops;
    uint64_t serial;
    unsigned failures;
    struct check_mailbox box;
    struct check_block slots[512];
};

static struct check_thread *check_threads;
static atomic_int check_go; /* 0 wait, 1 run, -1 abandon */

static uint64_t check_rand(uint64_t *s)
{
    /* xorshift64*: cheap, good enough to pick ops and sizes, reproducible from --seed. */
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dull;
}

static size_t check_stress_size(uint64_t *rng)
{
    uint64_t r = check_rand(rng);
    unsigned pick = (unsigned)(r % 1000);
    r >>= 10;
    if (pick < 700)
        return (size_t)(r % 256) + 1;
    if (pick < 950)
        return (size_t)(r % 8192) + 1;
    if (pick < 996)
        return (size_t)(r % (128 * 1024)) + 1;
    return (size_t)(r % (1024 * 1024)) + 1;
}

static void check_fill(struct check_block *b, size_t from)
{
    unsigned char tag = (unsigned char)(b->id | 1);
    if (from < b->size)
        memset(b->p + from, tag, b->size - from);
    if (from < 8 && b->size >= 8)
        memcpy(b->p, &b->id, 8);
}

/* Checks the block's content; big blocks are sampled (head, tail, 16 probes). Returns the first
 * bad offset or SIZE_MAX. */
static size_t check_verify(const struct check_block *b, size_t upto)
{
    unsigned char tag = (unsigned char)(b->id | 1);
    size_t n = upto < b->size ? upto : b->size;
    size_t start = 0;
    if (b->size >= 8) {
        unsigned char id[8];
        memcpy(id, &b->id, 8);
        start = n < 8 ? n : 8;
        for (size_t i = 0; i < start; i++)
            if (b->p[i] != id[i])
                return i;
    }
    if (n <= 8192) {
        for (size_t i = start; i < n; i++)
            if (b->p[i] != tag)
                return i;
        return SIZE_MAX;
    }
    for (size_t i = start; i < 4096; i++)
        if (b->p[i] != tag)
            return i;
    for (size_t i = n - 4096; i < n; i++)
        if (b->p[i] != tag)
            return i;
    for (size_t k = 1; k < 16; k++) {
        size_t i = n / 16 * k;
        if (b->p[i] != tag)
            return i;
    }
    return SIZE_MAX;
}

__attribute__((format(printf, 3, 4))) static void
check_stress_fail(struct check_thread *t, uint64_t op, const char *fmt, ...)
{
    if (t->failures++ >= 3)
        return; /* the first few tell the story; the rest are consequences */
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    check_fail("stress thread %u op %llu: %s (rerun: check --backend %s%s --seed %llu --ops %llu "
               "--threads %u)",
               t->index, (unsigned long long)op, msg, check_opt.name ? check_opt.name : check_label,
               check_rerun, (unsigned long long)check_opt.seed, (unsigned long long)check_opt.ops,
               check_opt.threads);
}

static void check_release(struct check_thread *t, uint64_t op, struct check_block *b,
                          const char *how)
{
    size_t bad = check_verify(b, b->size);
    if (bad != SIZE_MAX)
        check_stress_fail(t, op,
                          "%s of block %llx (%zu bytes at %p, by thread %u): byte %zu = 0x%02x "
                          "overwritten",
                          how, (unsigned long long)b->id, b->size, (void *)b->p,
                          (unsigned)(b->id >> 48), bad, b->p[bad]);
    else
        check_ok();
    check_api.free(b->p);
    b->p = NULL;
}

static bool check_mail_push(struct check_thread *to, const struct check_block *b)
{
    bool ok = false;
    pthread_mutex_lock(&to->box.lock);
    if (to->box.count < CHECK_MAILBOX) {
        to->box.b[(to->box.head + to->box.count++) % CHECK_MAILBOX] = *b;
        ok = true;
    }
    pthread_mutex_unlock(&to->box.lock);
    return ok;
}

static bool check_mail_pop(struct check_thread *t, struct check_block *out)
{
    bool ok = false;
    pthread_mutex_lock(&t->box.lock);
    if (t->box.count > 0) {
        *out = t->box.b[t->box.head];
        t->box.head = (t->box.head + 1) % CHECK_MAILBOX;
        t->box.count--;
        ok = true;
    }
    pthread_mutex_unlock(&t->box.lock);
    return ok;
}

static void check_stress_alloc(struct check_thread *t, uint64_t op, struct check_block *b)
{
    size_t n = check_stress_size(&t->rng);
    unsigned how = (unsigned)(check_rand(&t->rng) % 100);
    const char *name;
    unsigned char *p;
    size_t align = 0;
    if (how < 70) {
        name = "malloc";
        p = check_api.malloc(n);
    } else if (how < 85) {
        name = "calloc";
        p = check_api.calloc(n, 1);
    } else if (how < 95) {
        align = (size_t)16 << (check_rand(&t->rng) % 9); /* 16..4096 */
        name = "memalign";
        p = check_api.memalign(align, n);
    } else {
        name = "realloc(NULL)";
        p = check_api.realloc(NULL, n);
    }
    if (!p) {
        check_stress_fail(t, op, "%s(%zu) -> NULL", name, n);
        return;
    }
    size_t need = align ? align : check_need_align(n);
    if (!check_aligned(p, need))
        check_stress_fail(t, op, "%s(%zu) -> %p not %zu-byte aligned", name, n, (void *)p, need);
    if (name[0] == 'c') {
        size_t at;
        if (!check_all_zero(p, n, &at))
            check_stress_fail(t, op, "calloc(%zu,1) -> %p byte %zu not zero", n, (void *)p, at);
    }
    b->p = p;
    b->size = n;
    b->id = ((uint64_t)t->index << 48) | ++t->serial;
    check_fill(b, 0);
}

static void check_stress_step(struct check_thread *t, uint64_t op)
{
    struct check_block m;
    for (int k = 0; k < 2 && check_mail_pop(t, &m); k++)
        check_release(t, op, &m, "cross-thread free");
    struct check_block *b = &t->slots[check_rand(&t->rng) % 512];
    if (!b->p) {
        check_stress_alloc(t, op, b);
        return;
    }
    unsigned how = (unsigned)(check_rand(&t->rng) % 100);
    if (how >= 80 && check_opt.threads < 2)
        how -= 30; /* nobody to hand blocks to: free or resize instead */
    if (how < 50) {
        check_release(t, op, b, "free");
        return;
    }
    if (how < 80) {
        size_t n = check_stress_size(&t->rng);
        size_t bad = check_verify(b, b->size);
        if (bad != SIZE_MAX)
            check_stress_fail(t, op,
                              "before realloc: block %llx (%zu bytes at %p) byte %zu "
                              "overwritten",
                              (unsigned long long)b->id, b->size, (void *)b->p, bad);
        unsigned char *q = check_api.realloc(b->p, n);
        if (!q) {
            check_stress_fail(t, op, "realloc(%p,%zu) -> NULL", (void *)b->p, n);
            return;
        }
        struct check_block moved = {q, b->size, b->id}; /* old layout at the new address */
        bad = check_verify(&moved, n);
        if (bad != SIZE_MAX)
            check_stress_fail(t, op,
                              "realloc(p,%zu) of block %llx (%zu bytes) -> %p: byte %zu of the "
                              "kept prefix lost",
                              n, (unsigned long long)b->id, b->size, (void *)q, bad);
        else
            check_ok();
        if (!check_aligned(q, check_need_align(n)))
            check_stress_fail(t, op, "realloc(p,%zu) -> %p misaligned", n, (void *)q);
        size_t old = b->size;
        *b = (struct check_block){q, n, b->id};
        check_fill(b, old < 8 || n < 8 ? 0 : old); /* the id header comes and goes at 8 bytes */
        return;
    }
    struct check_thread *to = &check_threads[(t->index + 1) % check_opt.threads];
    if (check_mail_push(to, b))
        b->p = NULL;
    else
        check_release(t, op, b, "free");
}

static void *check_stress_thread(void *arg)
{
    struct check_thread *t = arg;
    int go;
    while ((go = atomic_load(&check_go)) == 0)
        sched_yield();
    if (go < 0)
        return NULL;
    for (uint64_t op = 0; op < t->ops; op++)
        check_stress_step(t, op);
    return NULL;
}

/* Threads are created before the backend starts: pthread_create allocates TLS with glibc's
 * malloc, which must not run while a brk backend owns the break. */
static int check_stress_prepare(void)
{
    static struct check_thread threads[CHECK_THREADS_MAX];
    check_threads = threads;
    for (unsigned i = 0; i < check_opt.threads; i++) {
        struct check_thread *t = &threads[i];
        t->index = i;
        t->rng = (check_opt.seed + 1) * 0x9e3779b97f4a7c15ull + i * 0xbf58476d1ce4e5b9ull;
        if (t->rng == 0)
            t->rng = 1;
        t->ops = check_opt.ops / check_opt.threads + (i < check_opt.ops % check_opt.threads);
        pthread_mutex_init(&t->box.lock, NULL);
        int rc = pthread_create(&t->tid, NULL, check_stress_thread, t);
        if (rc != 0) {
            check_say(STDERR_FILENO, "check: pthread_create: %s", strerror(rc));
            atomic_store(&check_go, -1);
            for (unsigned j = 0; j < i; j++)
                pthread_join(threads[j].tid, NULL);
            return -1;
        }
    }
    return 0;
}

static void check_stress_run(bool run)
{
    atomic_store(&check_go, run ? 1 : -1);
    for (unsigned i = 0; i < check_opt.threads; i++)
        pthread_join(check_threads[i].tid, NULL);
    if (!run)
        return;
    for (unsigned i = 0; i < check_opt.threads; i++) {
        struct check_thread *t = &check_threads[i];
        struct check_block m;
        while (check_mail_pop(t, &m))
            check_release(t, t->ops, &m, "final cross-thread free");
        for (unsigned s = 0; s < 512; s++)
            if (t->slots[s].p)
                check_release(t, t->ops, &t->slots[s], "final free");
    }
}

static void check_run_all(void)
{
    check_free_null();
    check_malloc_zero();
    check_size_sweep();
    check_memalign();
    check_calloc_reuse();
    check_overflow();
    check_realloc_prefix();
}

static int check_child_finish(void)
{
    unsigned long v = atomic_load(&check_violations);
    if (v > CHECK_PRINT_MAX)
        check_say(STDOUT_FILENO, "%s: ... %lu more violations not shown", check_label,
                  v - CHECK_PRINT_MAX);
    check_say(STDOUT_FILENO,
              "%s: %s: %lu violations in %lu checks (%s contract, %llu stress ops, "
              "%u threads, seed %llu)",
              check_label, v ? "FAIL" : "ok", v, atomic_load(&check_count),
              check_api.strict ? "faultline" : "C/POSIX", (unsigned long long)check_opt.ops,
              check_opt.threads, (unsigned long long)check_opt.seed);
    return v ? 1 : 0;
}

static size_t check_sys_usable(void *p)
{
    return malloc_usable_size(p);
}

static void *check_sys_memalign(size_t a, size_t n)
{
    return memalign(a, n);
}

/* Which object defines fn; glibc's own copy of an entry point means the preload lacks it. */
static bool check_foreign(const char *name, void *fn, const char *malloc_file)
{
    Dl_info info;
    if (!dladdr(fn, &info) || !info.dli_fname || !malloc_file)
        return false;
    if (strcmp(info.dli_fname, malloc_file) == 0)
        return false;
    check_fail("%s() comes from %s but malloc() from %s: its blocks would be freed by the wrong "
               "allocator (not called)",
               name, info.dli_fname, malloc_file);
    return true;
}

static void check_system_symbols(void)
{
    Dl_info info;
    const char *mf = dladdr((void *)malloc, &info) && info.dli_fname ? info.dli_fname : NULL;
    /* free, calloc, realloc and malloc_usable_size from elsewhere would break everything else:
     * report them too, but they are still called. reallocarray is left out: glibc's forwards
     * to realloc, whoever provides it. */
    check_foreign("free", (void *)free, mf);
    check_foreign("calloc", (void *)calloc, mf);
    check_foreign("realloc", (void *)realloc, mf);
    check_foreign("malloc_usable_size", (void *)malloc_usable_size, mf);
    check_api.foreign_posix = check_foreign("posix_memalign", (void *)posix_memalign, mf);
    check_api.foreign_c11 = check_foreign("aligned_alloc", (void *)aligned_alloc, mf);
    check_api.foreign_gnu = check_foreign("memalign", (void *)memalign, mf);
    check_api.foreign_valloc = check_foreign("valloc", (void *)valloc, mf);
    check_api.foreign_pvalloc = check_foreign("pvalloc", (void *)pvalloc, mf);
}

static int check_child(void)
{
    alarm(CHECK_CHILD_TIMEOUT);
    if (check_opt.system) {
        snprintf(check_label_buf, sizeof check_label_buf, "%s%s",
                 check_opt.name ? check_opt.name : "system", check_opt.strict ? " (preload)" : "");
        check_label = check_label_buf;
        check_rerun = check_opt.strict ? " --preload" : "";
        check_api = (struct check_api){.malloc = malloc,
                                       .free = free,
                                       .calloc = calloc,
                                       .realloc = realloc,
                                       .memalign = check_sys_memalign,
                                       .usable_size = check_sys_usable,
                                       .system = true,
                                       .strict = check_opt.strict};
        check_system_symbols();
        if (check_stress_prepare() != 0)
            return 2;
        check_run_all();
        check_stress_run(true);
        return check_child_finish();
    }
    const struct backend_ops *ops;
    static struct param_values pv; /* backends may keep pointers into it */
    char err[512];
    if (backend_parse_spec(check_opt.specs[0], &ops, &pv, err, sizeof err) != 0) {
        check_say(STDERR_FILENO, "check: %s", err);
        return 2;
    }
    check_label = check_opt.specs[0];
    if (check_stress_prepare() != 0)
        return 2;
    int rc = ops->init(&pv);
    if (rc != 0) {
        check_say(STDOUT_FILENO, "%s: init failed: %s (%s)", check_label, strerror(rc),
                  check_errname(rc));
        check_stress_run(false);
        return 2;
    }
    struct backend_stats st = {0};
    if (ops->stats)
        ops->stats(&st);
    check_api = (struct check_api){.malloc = ops->malloc,
                                   .free = ops->free,
                                   .calloc = ops->calloc,
                                   .realloc = ops->realloc,
                                   .memalign = ops->memalign,
                                   .usable_size = ops->usable_size,
                                   .strict = st.os_counts_valid};
    check_run_all();
    check_stress_run(true);
    int out = check_child_finish();
    if (ops->fini)
        ops->fini();
    return out;
}

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

/* Path of a soname from the dynamic linker cache ("ldconfig -p"), or -1 when not installed. */
static int check_find_soname(const char *soname, char *path, size_t len)
{
    FILE *f = popen("/sbin/ldconfig -p 2>/dev/null", "r");
    if (!f)
        return -1;
    char line[1024];
    int found = -1;
    size_t sl = strlen(soname);
    while (fgets(line, sizeof line, f)) {
        const char *s = line + strspn(line, " \t");
        const char *arrow = strstr(s, "=> ");
        if (found == 0 || strncmp(s, soname, sl) != 0 || (s[sl] != ' ' && s[sl] != '\t') ||
            !arrow || !strstr(s, "x86-64"))
            continue;
        snprintf(path, len, "%s", arrow + 3);
        path[strcspn(path, "\n")] = '\0';
        found = 0;
    }
    pclose(f);
    return found;
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

static int check_exe_dir(char *buf, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", buf, len - 1);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    return 0;
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
        if (check_find_soname(ops->preload, lib, sizeof lib) != 0) {
            char hint[128];
            check_package_hint(ops, hint, sizeof hint);
            printf("skip: %s not installed (%s)\n", ops->preload, hint);
            return 0;
        }
    } else if (o->preload && strcmp(ops->name, "glibc") != 0) { /* glibc is the system one */
        char dir[1024];
        if (check_exe_dir(dir, sizeof dir) != 0) {
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
        check_opt = o;
        return check_child();
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
