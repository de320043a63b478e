/* The contract checks of `faultline check` (alignment, malloc(0), sizes 0..64K, memalign and
 * friends, calloc of reused memory, overflow and errno, realloc keeping its prefix), run in the
 * child over check_child_api. */
#define _GNU_SOURCE
#include "check_contract.h"

#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "check_child.h"

/* Writes the first and last requested byte and the last usable one: usable_size promises all of
 * it, and a wrong size shows up as a fault or a corrupted neighbour. */
static void check_contract_usable(const char *what, void *p, size_t n)
{
    size_t u = check_child_api.ops.usable_size(p);
    if (u < n) {
        check_child_fail("%s -> %p; usable_size = %zu < %zu requested", what, p, u, n);
        return;
    }
    check_child_ok();
    unsigned char *c = p;
    if (u > 0) {
        c[0] = 0x5a;
        c[u - 1] = 0x5b;
    }
    if (n > 0)
        c[n - 1] = 0x5c;
}

static void check_contract_free_null(void)
{
    check_child_api.ops.free(NULL);
    check_child_ok();
}

static void check_contract_malloc_zero(void)
{
    void *a = check_child_api.ops.malloc(0), *b = check_child_api.ops.malloc(0);
    if (check_child_api.strict && (a == NULL || b == NULL))
        check_child_fail("malloc(0) -> %p, malloc(0) -> %p: the contract returns a block", a, b);
    else if (a && a == b)
        check_child_fail("a=malloc(0); b=malloc(0) -> both %p", a);
    else
        check_child_ok();
    check_child_api.ops.free(a);
    check_child_api.ops.free(b);
    check_child_ok();
}

/* Every size 0..64K, keeping every 7th block live so later sizes come from partly used heaps. */
static void check_contract_size_sweep(void)
{
    enum { KEEP = 64 };
    void *kept[KEEP] = {0};
    unsigned nk = 0;
    for (size_t n = 0; n <= 65536; n++) {
        void *p = check_child_api.ops.malloc(n);
        if (!p) {
            if (n > 0 || check_child_api.strict)
                check_child_fail(
                    "malloc of sizes 0..%zu (every 7th kept): malloc(%zu) -> NULL (%s)", n, n,
                    check_child_errname(errno));
            continue;
        }
        size_t need = check_child_need_align(n);
        if (!check_child_aligned(p, need))
            check_child_fail(
                "malloc of sizes 0..%zu (every 7th kept): malloc(%zu) -> %p not %zu-byte "
                "aligned",
                n, n, p, need);
        else
            check_child_ok();
        char what[64];
        snprintf(what, sizeof what, "malloc(%zu)", n);
        check_contract_usable(what, p, n);
        if (n % 7 == 0) {
            unsigned slot = nk++ % KEEP;
            check_child_api.ops.free(kept[slot]);
            kept[slot] = p;
        } else {
            check_child_api.ops.free(p);
        }
    }
    for (unsigned i = 0; i < KEEP; i++)
        check_child_api.ops.free(kept[i]);
}

/* Aligned allocation through one entry point; returns the pointer or NULL (errno set). */
enum check_contract_align_fn { ALIGN_OPS, ALIGN_POSIX, ALIGN_C11, ALIGN_GNU, ALIGN_FN_COUNT };
static const char *const check_contract_align_names[ALIGN_FN_COUNT] = {"memalign", "posix_memalign",
                                                                       "aligned_alloc", "memalign"};

static void *check_contract_align_call(enum check_contract_align_fn fn, size_t a, size_t n)
{
    switch (fn) {
    case ALIGN_OPS:
        return check_child_api.ops.memalign(a, n);
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

static void check_contract_memalign(void)
{
    static const size_t mult[] = {0, 1, 2, 3};
    static const size_t extra[] = {1, 100, 8, 0};
    unsigned nfn = check_child_api.system ? ALIGN_FN_COUNT : 1;
    void *p = check_child_api.ops.malloc(24); /* a live neighbour, so the heap is not pristine */
    for (unsigned f = 0; f < nfn; f++) {
        const char *fname = check_contract_align_names[f];
        if ((f == ALIGN_POSIX && check_child_api.foreign_posix) ||
            (f == ALIGN_C11 && check_child_api.foreign_c11) ||
            (f == ALIGN_GNU && check_child_api.foreign_gnu))
            continue;
        for (size_t a = 16; a <= (1u << 20); a *= 2) {
            for (unsigned k = 0; k < sizeof mult / sizeof mult[0]; k++) {
                size_t n = a * mult[k] + extra[k];
                /* C11's aligned_alloc wanted a size multiple of the alignment; peers may still
                 * insist, so they are only asked that. */
                if (f == ALIGN_C11 && !check_child_api.strict)
                    n = a * (mult[k] + 1);
                void *q = check_contract_align_call(f, a, n);
                if (!q) {
                    check_child_fail("p=malloc(24); %s(%zu,%zu) -> NULL (%s)", fname, a, n,
                                     check_child_errname(errno));
                    continue;
                }
                if (!check_child_aligned(q, a)) {
                    check_child_fail("p=malloc(24); %s(%zu,%zu) -> %p not aligned", fname, a, n, q);
                } else {
                    check_child_ok();
                    char what[96];
                    snprintf(what, sizeof what, "p=malloc(24); %s(%zu,%zu)", fname, a, n);
                    check_contract_usable(what, q, n);
                }
                check_child_api.ops.free(q);
            }
        }
    }
    /* Small and invalid alignments. */
    if (check_child_api.strict) {
        for (size_t a = 1; a < 16; a *= 2) {
            void *q = check_child_api.ops.memalign(a, 40);
            if (!q || !check_child_aligned(q, BACKEND_ALIGN))
                check_child_fail("memalign(%zu,40) -> %p: alignments below 16 give 16", a, q);
            else
                check_child_ok();
            check_child_api.ops.free(q);
        }
        static const size_t bad[] = {0, 3, 24, 48, 4097};
        for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            errno = 0;
            void *q = check_child_api.ops.memalign(bad[i], 40);
            if (q || errno != EINVAL)
                check_child_fail("memalign(%zu,40) -> %p errno %s: expected NULL, EINVAL", bad[i],
                                 q, check_child_errname(errno));
            else
                check_child_ok();
            check_child_api.ops.free(q);
        }
    }
    if (check_child_api.system && !check_child_api.foreign_posix) {
        static const size_t bad[] = {0, 4, 3, 24, 48};
        for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            static char sentinel;
            void *q = &sentinel; /* must stay untouched on failure */
            void *before = q;
            int rc = posix_memalign(&q, bad[i], 40);
            if (rc != EINVAL || q != before)
                check_child_fail(
                    "posix_memalign(&q,%zu,40) -> %d, q=%p: expected EINVAL, q untouched", bad[i],
                    rc, q);
            else
                check_child_ok();
            if (rc == 0)
                check_child_api.ops.free(q);
        }
    }
    if (check_child_api.system) {
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        if (!check_child_api.foreign_valloc) {
            void *v = valloc(100);
            if (!v || !check_child_aligned(v, page))
                check_child_fail("valloc(100) -> %p not page aligned", v);
            else
                check_child_ok();
            check_child_api.ops.free(v);
        }
        if (!check_child_api.foreign_pvalloc) {
            void *pv = pvalloc(100);
            if (!pv || !check_child_aligned(pv, page) || check_child_api.ops.usable_size(pv) < page)
                check_child_fail(
                    "pvalloc(100) -> %p: expected a page-aligned block of >= %zu bytes", pv, page);
            else
                check_child_ok();
            check_child_api.ops.free(pv);
        }
    }
    check_child_api.ops.free(p);
}

/* Dirty blocks, free them, and calloc the same sizes: reused memory must read as zero. */
static void check_contract_calloc_reuse(void)
{
    static const size_t sizes[] = {1,    8,     24,     100,    1000,     4096,
                                   5000, 65536, 100000, 200000, 1u << 20, 5u << 20};
    enum { N = 8 };
    for (unsigned s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        void *b[N];
        for (unsigned i = 0; i < N; i++) {
            b[i] = check_child_api.ops.malloc(n);
            if (b[i])
                memset(b[i], 0xa5, check_child_api.ops.usable_size(b[i]));
        }
        for (unsigned i = N; i-- > 0;)
            check_child_api.ops.free(b[i]);
        for (unsigned i = 0; i < N; i++) {
            b[i] = check_child_api.ops.calloc(1, n);
            size_t at;
            if (!b[i])
                check_child_fail(
                    "%d x (p=malloc(%zu); memset(p,0xa5,usable)); free all; calloc(1,%zu) "
                    "-> NULL",
                    N, n, n);
            else if (!check_child_all_zero(b[i], n, &at))
                check_child_fail(
                    "%d x (p=malloc(%zu); memset(p,0xa5,usable)); free all; calloc(1,%zu) "
                    "-> %p byte %zu = 0x%02x, not zero",
                    N, n, n, b[i], at, ((unsigned char *)b[i])[at]);
            else
                check_child_ok();
        }
        for (unsigned i = 0; i < N; i++)
            check_child_api.ops.free(b[i]);
    }
    void *z = check_child_api.ops.calloc(0, 16);
    if (check_child_api.strict && !z)
        check_child_fail("calloc(0,16) -> NULL: the contract returns a block");
    check_child_api.ops.free(z);
    check_child_ok();
}

static void check_contract_expect_enomem(const char *what, void *p)
{
    int e = errno;
    if (p != NULL || e != ENOMEM)
        check_child_fail("%s -> %p, errno %s: expected NULL, ENOMEM", what, p,
                         check_child_errname(e));
    else
        check_child_ok();
    check_child_api.ops.free(p);
}

static void check_contract_overflow(void)
{
    size_t half = SIZE_MAX / 2 + 1;
    char what[96];
    errno = 0;
    snprintf(what, sizeof what, "calloc(%zu,2)", half);
    check_contract_expect_enomem(what, check_child_api.ops.calloc(half, 2));
    errno = 0;
    snprintf(what, sizeof what, "calloc(2,%zu)", half);
    check_contract_expect_enomem(what, check_child_api.ops.calloc(2, half));
    errno = 0;
    check_contract_expect_enomem("calloc(1<<32,1<<32)",
                                 check_child_api.ops.calloc((size_t)1 << 32, (size_t)1 << 32));
    errno = 0;
    snprintf(what, sizeof what, "malloc(%zu)", SIZE_MAX);
    check_contract_expect_enomem(what, check_child_api.ops.malloc(SIZE_MAX));
    errno = 0;
    snprintf(what, sizeof what, "malloc(%zu)", (size_t)PTRDIFF_MAX + 1);
    check_contract_expect_enomem(what, check_child_api.ops.malloc((size_t)PTRDIFF_MAX + 1));
    if (check_child_api.strict) {
        errno = 0;
        snprintf(what, sizeof what, "memalign(4096,%zu)", SIZE_MAX - 100);
        check_contract_expect_enomem(what, check_child_api.ops.memalign(4096, SIZE_MAX - 100));
    }
    /* A failed realloc leaves the block untouched. */
    unsigned char *p = check_child_api.ops.malloc(64);
    if (!p)
        return;
    for (int i = 0; i < 64; i++)
        p[i] = (unsigned char)i;
    errno = 0;
    void *q = check_child_api.ops.realloc(p, SIZE_MAX - 4096);
    snprintf(what, sizeof what, "p=malloc(64); realloc(p,%zu)", SIZE_MAX - 4096);
    if (q) {
        check_contract_expect_enomem(what, q); /* q replaced p: p is gone */
        return;
    }
    check_contract_expect_enomem(what, NULL);
    for (int i = 0; i < 64; i++)
        if (p[i] != (unsigned char)i) {
            check_child_fail("%s failed but changed byte %d of p", what, i);
            break;
        }
    if (check_child_api.system) {
        errno = 0;
        volatile size_t count = half; /* a constant would be rejected at compile time */
        q = reallocarray(p, count, 2);
        snprintf(what, sizeof what, "p=malloc(64); reallocarray(p,%zu,2)", half);
        if (q)
            p = NULL; /* q replaced p; check_contract_expect_enomem reports and frees it */
        check_contract_expect_enomem(what, q);
    }
    check_child_api.ops.free(p);
}

static unsigned char check_contract_pattern(size_t i)
{
    return (unsigned char)(i * 131 + 7);
}

/* Grow a block through ~x1.3 steps to 4 MiB and back, with a live neighbour allocated between
 * steps to force moves: the common prefix must survive every realloc. */
static void check_contract_realloc_prefix(void)
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
        unsigned char *p = check_child_api.ops.realloc(NULL, sizes[0]);
        if (!p) {
            check_child_fail("realloc(NULL,%zu) -> NULL", sizes[0]);
            return;
        }
        p[0] = check_contract_pattern(0);
        size_t cur = sizes[0];
        for (unsigned s = 1; s < ns; s++) {
            size_t n = sizes[s];
            if (variant == 1 && nh < 64)
                hold[nh++] = check_child_api.ops.malloc(n / 2 + 1);
            unsigned char *q = check_child_api.ops.realloc(p, n);
            if (!q) {
                check_child_fail("p=malloc(1); realloc(p, ...) through %zu: realloc(p,%zu) -> NULL",
                                 cur, n);
                break;
            }
            size_t keep = cur < n ? cur : n;
            for (size_t i = 0; i < keep; i++)
                if (q[i] != check_contract_pattern(i)) {
                    check_child_fail(
                        "p=malloc(1); realloc(p, x4/3+1 steps%s) up to 4M and back: "
                        "realloc(p,%zu) from %zu -> %p byte %zu = 0x%02x, expected 0x%02x",
                        variant ? ", a malloc(n/2+1) between steps" : "", n, cur, q, i, q[i],
                        check_contract_pattern(i));
                    break;
                }
            for (size_t i = keep; i < n; i++)
                q[i] = check_contract_pattern(i);
            check_child_ok();
            p = q;
            cur = n;
        }
        void *z = check_child_api.ops.realloc(p, 0);
        if (check_child_api.strict && !z)
            check_child_fail("realloc(p,0) -> NULL: the contract returns a minimal block");
        else
            check_child_ok();
        check_child_api.ops.free(z);
        for (unsigned i = 0; i < nh; i++)
            check_child_api.ops.free(hold[i]);
    }
}

void check_contract_run_all(void)
{
    check_contract_free_null();
    check_contract_malloc_zero();
    check_contract_size_sweep();
    check_contract_memalign();
    check_contract_calloc_reuse();
    check_contract_overflow();
    check_contract_realloc_prefix();
}
