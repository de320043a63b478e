/* Seeded stress test of one backend (argv[1]): random malloc/calloc/realloc/memalign/free over a
 * bounded slot table, every block stamped with a pattern that is checked before it is freed or
 * resized; then the same with two threads that hand blocks to each other to free. */
#define _GNU_SOURCE
#include "test_util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#define STRESS_SLOTS   2048
#define STRESS_QUEUE   1024
#define STRESS_THREADS 2
#define STRESS_PAGE    4096
#define STRESS_EDGE    8 /* bytes stamped at each end of a block */

struct stress_slot {
    void *p;
    size_t size;
    uint64_t tag; /* (slot id << 32) | generation: unique per block */
};

/* Blocks one thread gives the other to free: a cross-thread free is the hard case for arenas
 * and free lists. */
struct stress_queue {
    pthread_mutex_t lock;
    struct stress_slot e[STRESS_QUEUE];
    unsigned head, count;
};

struct stress_thread {
    unsigned id;
    uint64_t ops;
    uint64_t seed;
    bool handover;
    pthread_t thread;
};

/* Static, not malloc'ed: a brk backend shares the break with the process malloc. */
static struct stress_slot stress_slots[STRESS_THREADS][STRESS_SLOTS];
static struct stress_queue stress_queues[STRESS_THREADS]; /* [t] = blocks for thread t */
static struct stress_thread stress_threads[STRESS_THREADS];
static const struct backend_ops *stress_ops;

static atomic_ulong stress_corrupt;     /* pattern bytes found changed */
static atomic_ulong stress_bad_block;   /* NULL, misaligned or short blocks */
static atomic_ulong stress_not_zero;    /* calloc bytes not zero */
static atomic_ulong stress_handed_over; /* blocks freed by the other thread */

static void stress_error(atomic_ulong *counter, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void stress_error(atomic_ulong *counter, const char *fmt, ...)
{
    if (atomic_fetch_add(counter, 1) >= 20)
        return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    test_util_say("FAIL %s\n", buf);
}

/* Calls f(off) for each stamped offset of a block of n bytes: both edges and one byte a page. */
#define STRESS_EACH_MARK(n, off, body)                                                             \
    do {                                                                                           \
        size_t n_ = (n);                                                                           \
        for (size_t off = 0; off < n_ && off < STRESS_EDGE; off++)                                 \
            body;                                                                                  \
        for (size_t off = n_ > 2 * STRESS_EDGE ? n_ - STRESS_EDGE : STRESS_EDGE; off < n_; off++)  \
            body;                                                                                  \
        for (size_t off = STRESS_PAGE; off < n_; off += STRESS_PAGE)                               \
            body;                                                                                  \
    } while (0)

static void stress_mark(const struct stress_slot *s)
{
    unsigned char *c = s->p;
    STRESS_EACH_MARK(s->size, off, c[off] = test_util_pattern(s->tag, off));
}

/* Checks the stamps of s below limit; returns the number of changed bytes. */
static size_t stress_check(const struct stress_slot *s, size_t limit, const char *when)
{
    const unsigned char *c = s->p;
    size_t bad = 0;
    STRESS_EACH_MARK(s->size, off, bad += off < limit && c[off] != test_util_pattern(s->tag, off));
    if (bad) {
        atomic_fetch_add(&stress_corrupt, bad - 1);
        stress_error(&stress_corrupt, "%s: block %p size %zu tag %#llx has %zu changed bytes", when,
                     s->p, s->size, (unsigned long long)s->tag, bad);
    }
    return bad;
}

static bool stress_accept(void *p, size_t size, size_t align, const char *how)
{
    if (!p) {
        stress_error(&stress_bad_block, "%s(%zu) returned NULL (errno %d)", how, size, errno);
        return false;
    }
    if ((uintptr_t)p % align != 0)
        stress_error(&stress_bad_block, "%s(%zu) = %p is not %zu-aligned", how, size, p, align);
    size_t u = stress_ops->usable_size(p);
    if (u < size)
        stress_error(&stress_bad_block, "%s(%zu): usable_size %zu", how, size, u);
    return true;
}

/* Mostly small sizes, a mid range, and a rare tail up to 4 MiB. */
static size_t stress_size(struct test_util_rng *r)
{
    uint64_t x = test_util_rng_range(r, 0, 9999);
    if (x < 100)
        return (size_t)test_util_rng_range(r, 1, 15);
    if (x < 9480)
        return (size_t)test_util_rng_range(r, 16, 512);
    if (x < 9980)
        return (size_t)test_util_rng_log(r, 513, 64 << 10);
    return (size_t)test_util_rng_log(r, (64 << 10) + 1, 4 << 20);
}

static void stress_alloc(struct test_util_rng *r, struct stress_slot *s)
{
    size_t size = stress_size(r);
    uint64_t kind = test_util_rng_range(r, 0, 99);
    size_t align = BACKEND_ALIGN;
    void *p;
    const char *how;
    if (kind < 60) {
        how = "malloc";
        p = stress_ops->malloc(size);
    } else if (kind < 75) {
        how = "calloc";
        if (size % 8 == 0 && (kind & 1))
            p = stress_ops->calloc(size / 8, 8);
        else
            p = stress_ops->calloc(1, size);
    } else if (kind < 90) {
        how = "memalign";
        align = (size_t)1 << test_util_rng_range(r, 4, kind < 88 ? 12 : 16);
        p = stress_ops->memalign(align, size);
    } else {
        how = "realloc(NULL)";
        p = stress_ops->realloc(NULL, size);
    }
    if (!stress_accept(p, size, align, how))
        return;
    s->p = p;
    s->size = size;
    s->tag = (s->tag & ~0xffffffffull) | ((s->tag + 1) & 0xffffffffull);
    if (kind >= 60 && kind < 75) {
        const unsigned char *c = p;
        size_t nz = 0;
        STRESS_EACH_MARK(size, off, nz += c[off] != 0);
        if (nz)
            stress_error(&stress_not_zero, "calloc(%zu) = %p: %zu stamped bytes not zero", size, p,
                         nz);
    }
    stress_mark(s);
}

static void stress_release(struct stress_slot *s)
{
    stress_check(s, s->size, "before free");
    stress_ops->free(s->p);
    s->p = NULL;
}

static void stress_resize(struct test_util_rng *r, struct stress_slot *s)
{
    size_t n = stress_size(r);
    stress_check(s, s->size, "before realloc");
    void *q = stress_ops->realloc(s->p, n);
    if (!stress_accept(q, n, BACKEND_ALIGN, "realloc"))
        return; /* the old block is untouched and still ours */
    struct stress_slot old = *s;
    old.p = q;
    stress_check(&old, n < s->size ? n : s->size, "kept prefix after realloc");
    s->p = q;
    s->size = n;
    s->tag = (s->tag & ~0xffffffffull) | ((s->tag + 1) & 0xffffffffull);
    stress_mark(s);
}

static bool stress_push(struct stress_queue *q, const struct stress_slot *s)
{
    pthread_mutex_lock(&q->lock);
    bool ok = q->count < STRESS_QUEUE;
    if (ok)
        q->e[(q->head + q->count++) % STRESS_QUEUE] = *s;
    pthread_mutex_unlock(&q->lock);
    return ok;
}

/* Frees up to max blocks handed over by the other thread; returns how many. */
static unsigned stress_drain(struct stress_queue *q, unsigned max)
{
    unsigned done = 0;
    while (done < max) {
        struct stress_slot s;
        pthread_mutex_lock(&q->lock);
        bool any = q->count > 0;
        if (any) {
            s = q->e[q->head];
            q->head = (q->head + 1) % STRESS_QUEUE;
            q->count--;
        }
        pthread_mutex_unlock(&q->lock);
        if (!any)
            break;
        stress_release(&s);
        atomic_fetch_add(&stress_handed_over, 1);
        done++;
    }
    return done;
}

static void *stress_run(void *arg)
{
    struct stress_thread *t = arg;
    struct stress_slot *slots = stress_slots[t->id];
    struct test_util_rng r;
    test_util_rng_seed(&r, t->seed);
    for (unsigned i = 0; i < STRESS_SLOTS; i++)
        slots[i].tag = (uint64_t)(t->id * STRESS_SLOTS + i + 1) << 32;
    for (uint64_t op = 0; op < t->ops; op++) {
        struct stress_slot *s = &slots[test_util_rng_range(&r, 0, STRESS_SLOTS - 1)];
        if (!s->p) {
            stress_alloc(&r, s);
        } else if (test_util_rng_range(&r, 0, 99) < 55) {
            if (t->handover && test_util_rng_range(&r, 0, 7) == 0 &&
                stress_push(&stress_queues[(t->id + 1) % STRESS_THREADS], s)) {
                s->p = NULL; /* the other thread checks and frees it */
            } else {
                stress_release(s);
            }
        } else {
            stress_resize(&r, s);
        }
        if (t->handover && op % 16 == 0)
            stress_drain(&stress_queues[t->id], 8);
    }
    for (unsigned i = 0; i < STRESS_SLOTS; i++)
        if (slots[i].p)
            stress_release(&slots[i]);
    return NULL;
}

static double stress_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static unsigned long stress_errors(void)
{
    return atomic_load(&stress_corrupt) + atomic_load(&stress_bad_block) +
           atomic_load(&stress_not_zero);
}

static int stress_child(void *arg)
{
    uint64_t ops = *(uint64_t *)arg;
    int rc = test_util_init(stress_ops, NULL);
    if (rc == ENOSYS)
        return TEST_UTIL_SKIP;
    if (rc != 0)
        return 1;
    struct backend_stats base, end;
    memset(&base, 0, sizeof base);
    stress_ops->stats(&base);

    double t0 = stress_now();
    stress_threads[0] = (struct stress_thread){.id = 0, .ops = ops, .seed = 0x5eed0001};
    stress_run(&stress_threads[0]);
    double t1 = stress_now();
    test_util_say("%s: 1 thread, %llu ops in %.2f s: %lu corrupted bytes, %lu bad blocks, %lu "
                  "calloc bytes not zero\n",
                  stress_ops->name, (unsigned long long)ops, t1 - t0, atomic_load(&stress_corrupt),
                  atomic_load(&stress_bad_block), atomic_load(&stress_not_zero));

    /* Two threads share the same number of operations and free each other's blocks. */
    for (unsigned i = 0; i < STRESS_THREADS; i++) {
        pthread_mutex_init(&stress_queues[i].lock, NULL);
        stress_threads[i] = (struct stress_thread){
            .id = i, .ops = ops / STRESS_THREADS, .seed = 0x5eed0100 + i, .handover = true};
    }
    for (unsigned i = 0; i < STRESS_THREADS; i++) {
        if (pthread_create(&stress_threads[i].thread, NULL, stress_run, &stress_threads[i])) {
            test_util_say("FAIL pthread_create\n");
            return 1;
        }
    }
    for (unsigned i = 0; i < STRESS_THREADS; i++)
        pthread_join(stress_threads[i].thread, NULL);
    for (unsigned i = 0; i < STRESS_THREADS; i++)
        stress_drain(&stress_queues[i], UINT32_MAX);
    double t2 = stress_now();
    unsigned long handed = atomic_load(&stress_handed_over);
    test_util_say("%s: %d threads, %llu ops in %.2f s, %lu blocks freed by the other thread: "
                  "%lu corrupted bytes, %lu bad blocks, %lu calloc bytes not zero\n",
                  stress_ops->name, STRESS_THREADS, (unsigned long long)ops, t2 - t1, handed,
                  atomic_load(&stress_corrupt), atomic_load(&stress_bad_block),
                  atomic_load(&stress_not_zero));
    TEST_UTIL_CHECK(handed > 0, "no block crossed threads: the hand-over path was not exercised");

    memset(&end, 0, sizeof end);
    stress_ops->stats(&end);
    if (end.sizes_valid && end.os_counts_valid)
        TEST_UTIL_CHECK(end.live_bytes == base.live_bytes,
                        "live_bytes %zu after freeing every block, %zu at start", end.live_bytes,
                        base.live_bytes);
    stress_ops->fini();
    TEST_UTIL_CHECK(stress_errors() == 0, "%lu errors", stress_errors());
    return test_util_failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        test_util_say("usage: test_stress BACKEND [OPS]\n");
        return 2;
    }
    stress_ops = test_util_backend(argv[1]);
    if (!stress_ops)
        return 1;
    if (stress_ops->preload) {
        test_util_say("SKIP peer backend %s: stressed under LD_PRELOAD, not in process\n", argv[1]);
        return TEST_UTIL_SKIP;
    }
    /* Every op of the mmap backend is a syscall plus fresh page faults. */
    uint64_t ops = strcmp(argv[1], "mmap") == 0 ? 100000 : 1000000;
#if defined(FAULTLINE_DEBUG_CHECKS)
    /* debug checks walk the whole heap on every operation: 10^6 ops would take many minutes;
     * the Release build (no debug checks) runs the full count */
    if (!strcmp(argv[1], "brk") || !strcmp(argv[1], "hybrid"))
        ops = 50000;
#endif
    if (argc > 2)
        ops = strtoull(argv[2], NULL, 0);
    char what[96];
    snprintf(what, sizeof what, "stress of backend %s", argv[1]);
    int rc = test_util_run_forked(what, stress_child, &ops);
    if (rc == 0)
        test_util_say("PASS %s\n", what);
    return rc == 0 ? 0 : rc == TEST_UTIL_SKIP ? TEST_UTIL_SKIP : 1;
}
