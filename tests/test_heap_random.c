/* Seeded random malloc/calloc/realloc/memalign/free sequences with content patterns on the brk
 * and hybrid backends and on a bare heap (walked by heap_check as it goes), plus the foreign
 * break rule: someone else's sbrk in the middle of the heap's life is never corrupted or freed. */
#define _GNU_SOURCE
#include "backend.h"
#include "heap.h"
#include "os.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const struct backend_ops backend_brk;
extern const struct backend_ops backend_hybrid;

#define SLOTS 2048
#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                       \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
        return 1;                                                                                  \
    } while (0)

struct alloc_if {
    const char *name;
    void *(*malloc)(size_t);
    void (*free)(void *);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    void *(*memalign)(size_t, size_t);
    size_t (*usable)(void *);
    struct heap *heap; /* non-NULL: also walk it with heap_check */
};

/* A bare heap with a small pad and trim threshold, so growth and trimming happen constantly. */
static struct heap bare;
static void *bare_malloc(size_t n)
{
    return heap_malloc(&bare, n);
}
static void bare_free(void *p)
{
    heap_free(&bare, p);
}
static void *bare_calloc(size_t n, size_t m)
{
    return heap_calloc(&bare, n, m);
}
static void *bare_realloc(void *p, size_t n)
{
    return heap_realloc(&bare, p, n);
}
static void *bare_memalign(size_t a, size_t n)
{
    return heap_memalign(&bare, a, n);
}

static uint64_t rng;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

struct slot {
    unsigned char *p;
    size_t size;
    unsigned char fill;
};
static struct slot slots[SLOTS];

static size_t pick_size(void)
{
    uint64_t r = next_rand() % 1000;
    if (r < 700)
        return next_rand() % 512;
    if (r < 950)
        return next_rand() % 8192;
    if (r < 998)
        return next_rand() % (256 * 1024);
    return next_rand() % (2u << 20); /* mmapped on hybrid */
}

/* memcmp against a reference buffer: one ASan range check per call, not one per byte. */
static unsigned char ref[64 * 1024];

static int same_bytes(const unsigned char *p, size_t n, unsigned char fill)
{
    size_t first = n < sizeof ref ? n : sizeof ref;
    if (ref[0] != fill || ref[first ? first - 1 : 0] != fill)
        memset(ref, fill, sizeof ref);
    for (size_t off = 0; off < n; off += sizeof ref) {
        size_t len = n - off < sizeof ref ? n - off : sizeof ref;
        if (memcmp(p + off, ref, len) != 0)
            return 0;
    }
    return 1;
}

static int verify(const struct slot *s, const char *what)
{
    if (!same_bytes(s->p, s->size, s->fill))
        FAIL("%s: block %p of %zu bytes lost its pattern %#x", what, (void *)s->p, s->size,
             s->fill);
    return 0;
}

static int check_block(const struct alloc_if *a, const struct slot *s)
{
    if ((uintptr_t)s->p % BACKEND_ALIGN)
        FAIL("%s: %p is not 16-aligned", a->name, (void *)s->p);
    if (a->usable(s->p) < s->size)
        FAIL("%s: usable %zu < requested %zu", a->name, a->usable(s->p), s->size);
    return 0;
}

static int random_ops(const struct alloc_if *a, uint64_t seed, long ops)
{
    rng = seed;
    memset(slots, 0, sizeof slots);
    char why[256];
    for (long op = 0; op < ops; op++) {
        struct slot *s = &slots[next_rand() % SLOTS];
        unsigned char fill = (unsigned char)(op * 131 + 7);
        if (!s->p) {
            size_t n = pick_size();
            uint64_t kind = next_rand() % 10;
            if (kind < 6) {
                s->p = a->malloc(n);
            } else if (kind < 8) {
                s->p = a->calloc(1, n);
                if (s->p && !same_bytes(s->p, n, 0))
                    FAIL("%s op %ld: calloc(1, %zu) memory is not zero", a->name, op, n);
            } else {
                size_t align = (size_t)1 << (4 + next_rand() % 9); /* 16 .. 4096 */
                s->p = a->memalign(align, n);
                if (s->p && (uintptr_t)s->p % align)
                    FAIL("%s op %ld: memalign(%zu) gave %p", a->name, op, align, (void *)s->p);
            }
            if (!s->p)
                FAIL("%s op %ld: allocation of %zu failed (errno %d)", a->name, op, n, errno);
            s->size = n;
            s->fill = fill;
            if (check_block(a, s))
                return 1;
            memset(s->p, fill, n);
        } else if (next_rand() % 3 == 0) {
            if (verify(s, a->name))
                return 1;
            size_t n = next_rand() % 4 ? s->size + next_rand() % 4096 : pick_size();
            if (next_rand() % 4 == 0)
                n = s->size / 2;
            unsigned char *q = a->realloc(s->p, n);
            if (!q)
                FAIL("%s op %ld: realloc to %zu failed", a->name, op, n);
            size_t keep = n < s->size ? n : s->size;
            if (!same_bytes(q, keep, s->fill))
                FAIL("%s op %ld: realloc from %zu to %zu lost content", a->name, op, s->size, n);
            s->p = q;
            s->size = n;
            s->fill = fill;
            if (check_block(a, s))
                return 1;
            memset(q, fill, n);
        } else {
            if (verify(s, a->name))
                return 1;
            a->free(s->p);
            s->p = NULL;
        }
        if (a->heap && op % 499 == 0 && heap_check(a->heap, why, sizeof why) != 0)
            FAIL("%s op %ld: heap_check: %s", a->name, op, why);
    }
    for (int i = 0; i < SLOTS; i++) {
        if (slots[i].p) {
            if (verify(&slots[i], a->name))
                return 1;
            a->free(slots[i].p);
            slots[i].p = NULL;
        }
    }
    if (a->heap && heap_check(a->heap, why, sizeof why) != 0)
        FAIL("%s at the end: heap_check: %s", a->name, why);
    printf("ok   %s: %ld random ops\n", a->name, ops);
    return 0;
}

static int init_backend(const struct backend_ops *b, const char *params)
{
    struct param_values pv;
    char err[256];
    if (param_apply(b->params, b->name, params, &pv, err, sizeof err) != 0 || b->init(&pv) != 0) {
        fprintf(stderr, "cannot init %s:%s: %s\n", b->name, params, err);
        return -1;
    }
    return 0;
}

static char *break_now(void)
{
    void *cur = NULL;
    os_break(&cur);
    return cur;
}

/* Foreign sbrk in the middle: glibc's sbrk(+40K) lands above our top. The heap must start a
 * new region above it, keep both regions intact and never lower the break below it. */
static int foreign_break(const struct alloc_if *a)
{
    rng = 0xf0e1d2c3b4a59687ull;
    memset(slots, 0, sizeof slots);
    char why[256];
    for (int i = 0; i < 64; i++) {
        struct slot *s = &slots[i];
        s->size = 1 + next_rand() % 16384;
        s->fill = (unsigned char)(i + 1);
        s->p = a->malloc(s->size);
        if (!s->p)
            FAIL("%s: malloc failed", a->name);
        memset(s->p, s->fill, s->size);
    }
    char *foreign = sbrk(4096 * 10);
    if (foreign == (void *)-1)
        FAIL("sbrk(40960) failed");
    char *foreign_end = foreign + 4096 * 10;
    memset(foreign, 0x5a, 4096 * 10);
    for (long op = 0; op < 40000; op++) {
        struct slot *s = &slots[next_rand() % 256];
        if (s->p) {
            if (verify(s, a->name))
                return 1;
            a->free(s->p);
            s->p = NULL;
        } else {
            s->size = next_rand() % 4 ? next_rand() % 4096 : next_rand() % (512 * 1024);
            s->fill = (unsigned char)(op | 1);
            s->p = a->malloc(s->size);
            if (!s->p)
                FAIL("%s: malloc(%zu) failed after the foreign sbrk", a->name, s->size);
            if ((unsigned char *)s->p < (unsigned char *)foreign_end &&
                (unsigned char *)s->p + s->size > (unsigned char *)foreign)
                FAIL("%s: block %p overlaps the foreign region %p", a->name, (void *)s->p,
                     (void *)foreign);
            memset(s->p, s->fill, s->size);
        }
        if (break_now() < foreign_end)
            FAIL("%s op %ld: the break %p went below the foreign region end %p", a->name, op,
                 (void *)break_now(), (void *)foreign_end);
        if (a->heap && op % 97 == 0 && heap_check(a->heap, why, sizeof why) != 0)
            FAIL("%s op %ld: heap_check: %s", a->name, op, why);
    }
    for (int i = 0; i < 256; i++) {
        if (slots[i].p) {
            if (verify(&slots[i], a->name))
                return 1;
            a->free(slots[i].p);
            slots[i].p = NULL;
        }
    }
    if (break_now() < foreign_end)
        FAIL("%s: after freeing everything the break %p is below %p", a->name, (void *)break_now(),
             (void *)foreign_end);
    if (!same_bytes((unsigned char *)foreign, 4096 * 10, 0x5a))
        FAIL("%s: the foreign region was overwritten", a->name);
    if (a->heap && heap_check(a->heap, why, sizeof why) != 0)
        FAIL("%s after foreign test: heap_check: %s", a->name, why);
    printf("ok   %s: foreign sbrk survived (break %p >= foreign end %p)\n", a->name,
           (void *)break_now(), (void *)foreign_end);
    return 0;
}

/* Two threads hammering one backend: the lock must keep every block intact. */
struct thread_arg {
    const struct backend_ops *b;
    unsigned seed;
    int bad;
};

static void *thread_body(void *argp)
{
    struct thread_arg *t = argp;
    unsigned char *mine[64] = {0};
    size_t sizes[64] = {0};
    unsigned x = t->seed;
    for (int i = 0; i < 50000; i++) {
        x = x * 1103515245u + 12345u;
        int k = (int)((x >> 8) % 64);
        if (mine[k]) {
            for (size_t j = 0; j < sizes[k]; j += 97)
                if (mine[k][j] != (unsigned char)(k + t->seed))
                    t->bad = 1;
            t->b->free(mine[k]);
            mine[k] = NULL;
        } else {
            sizes[k] = (x >> 4) % ((x & 1) ? 300000 : 2000);
            mine[k] = t->b->malloc(sizes[k]);
            if (!mine[k]) {
                t->bad = 1;
                break;
            }
            memset(mine[k], (unsigned char)(k + t->seed), sizes[k]);
        }
    }
    for (int k = 0; k < 64; k++)
        t->b->free(mine[k]);
    return NULL;
}

static int threads(const struct backend_ops *b)
{
    struct thread_arg args[2] = {{b, 11, 0}, {b, 22, 0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        if (pthread_create(&th[i], NULL, thread_body, &args[i]) != 0)
            FAIL("pthread_create");
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    if (args[0].bad || args[1].bad)
        FAIL("%s: a block was corrupted or an allocation failed under two threads", b->name);
    printf("ok   %s: two threads\n", b->name);
    return 0;
}

int main(int argc, char **argv)
{
#ifdef FAULTLINE_DEBUG_CHECKS
    /* Every operation already walks the whole heap: fewer operations, checked far harder. */
    long ops = argc > 1 ? atol(argv[1]) : 40000;
#else
    long ops = argc > 1 ? atol(argv[1]) : 200000;
#endif
    printf("heap random test, %ld ops per allocator\n", ops);
    fflush(stdout);
    struct heap_config cfg = {.top_pad = 4096, .trim_threshold = 64 * 1024};
    heap_init(&bare, &cfg);
    const struct alloc_if bare_if = {"bare heap (pad 4K, trim 64K)",
                                     bare_malloc,
                                     bare_free,
                                     bare_calloc,
                                     bare_realloc,
                                     bare_memalign,
                                     heap_usable_size,
                                     &bare};
    const struct alloc_if brk_if = {"brk",
                                    backend_brk.malloc,
                                    backend_brk.free,
                                    backend_brk.calloc,
                                    backend_brk.realloc,
                                    backend_brk.memalign,
                                    backend_brk.usable_size,
                                    NULL};
    const struct alloc_if hybrid_if = {"hybrid",
                                       backend_hybrid.malloc,
                                       backend_hybrid.free,
                                       backend_hybrid.calloc,
                                       backend_hybrid.realloc,
                                       backend_hybrid.memalign,
                                       backend_hybrid.usable_size,
                                       NULL};
    int passed = 0, failed = 0;
#define RUN(expr)                                                                                  \
    do {                                                                                           \
        if ((expr) == 0)                                                                           \
            passed++;                                                                              \
        else                                                                                       \
            failed++;                                                                              \
    } while (0)
    RUN(random_ops(&bare_if, 1, ops));
    RUN(foreign_break(&bare_if));
    if (init_backend(&backend_brk, "") != 0 || init_backend(&backend_hybrid, "") != 0)
        return 1;
    RUN(random_ops(&brk_if, 2, ops));
    RUN(random_ops(&hybrid_if, 3, ops));
    RUN(foreign_break(&brk_if));
    if (init_backend(&backend_hybrid, "threshold=64K,trim=off") != 0)
        return 1;
    RUN(random_ops(&hybrid_if, 4, ops / 2));
    RUN(threads(&backend_brk));
    RUN(threads(&backend_hybrid));
    struct backend_stats st;
    backend_brk.stats(&st);
    if (st.live_bytes != 0) {
        fprintf(stderr, "FAIL brk live bytes %zu after freeing everything\n", st.live_bytes);
        failed++;
    }
    backend_hybrid.stats(&st);
    if (st.live_bytes != 0 || st.mapped_bytes != 0) {
        fprintf(stderr, "FAIL hybrid live %zu mapped %zu after freeing everything\n", st.live_bytes,
                st.mapped_bytes);
        failed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
