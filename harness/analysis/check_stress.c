/* The seeded multithreaded stress of `faultline check`: threads allocate, verify, resize and
 * hand blocks to each other (cross-thread frees) over check_child_api; reproducible from --seed. */
#define _GNU_SOURCE
#include "check_stress.h"

#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_child.h"

struct check_stress_block {
    unsigned char *p;
    size_t size;
    uint64_t id; /* thread << 48 | serial: first 8 bytes; the rest is the id's low byte */
};

#define CHECK_MAILBOX 256

struct check_stress_mailbox {
    pthread_mutex_t lock;
    unsigned head, count;
    struct check_stress_block b[CHECK_MAILBOX];
};

struct check_stress_worker {
    pthread_t tid;
    unsigned index;
    uint64_t rng;
    uint64_t ops;
    uint64_t serial;
    unsigned failures;
    struct check_stress_mailbox box;
    struct check_stress_block slots[512];
};

static struct check_stress_worker *check_stress_workers;
static atomic_int check_stress_go; /* 0 wait, 1 run, -1 abandon */

static uint64_t check_stress_rand(uint64_t *s)
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
    uint64_t r = check_stress_rand(rng);
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

static void check_stress_fill(struct check_stress_block *b, size_t from)
{
    unsigned char tag = (unsigned char)(b->id | 1);
    if (from < b->size)
        memset(b->p + from, tag, b->size - from);
    if (from < 8 && b->size >= 8)
        memcpy(b->p, &b->id, 8);
}

/* Checks the block's content; big blocks are sampled (head, tail, 16 probes). Returns the first
 * bad offset or SIZE_MAX. */
static size_t check_stress_verify(const struct check_stress_block *b, size_t upto)
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
check_stress_fail(struct check_stress_worker *t, uint64_t op, const char *fmt, ...)
{
    if (t->failures++ >= 3)
        return; /* the first few tell the story; the rest are consequences */
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    check_child_fail(
        "stress thread %u op %llu: %s (rerun: check --backend %s%s --seed %llu --ops %llu "
        "--threads %u)",
        t->index, (unsigned long long)op, msg,
        check_child_opt.name ? check_child_opt.name : check_child_label, check_child_rerun,
        (unsigned long long)check_child_opt.seed, (unsigned long long)check_child_opt.ops,
        check_child_opt.threads);
}

static void check_stress_release(struct check_stress_worker *t, uint64_t op,
                                 struct check_stress_block *b, const char *how)
{
    size_t bad = check_stress_verify(b, b->size);
    if (bad != SIZE_MAX)
        check_stress_fail(t, op,
                          "%s of block %llx (%zu bytes at %p, by thread %u): byte %zu = 0x%02x "
                          "overwritten",
                          how, (unsigned long long)b->id, b->size, (void *)b->p,
                          (unsigned)(b->id >> 48), bad, b->p[bad]);
    else
        check_child_ok();
    check_child_api.ops.free(b->p);
    b->p = NULL;
}

static bool check_stress_mail_push(struct check_stress_worker *to,
                                   const struct check_stress_block *b)
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

static bool check_stress_mail_pop(struct check_stress_worker *t, struct check_stress_block *out)
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

static void check_stress_alloc(struct check_stress_worker *t, uint64_t op,
                               struct check_stress_block *b)
{
    size_t n = check_stress_size(&t->rng);
    unsigned how = (unsigned)(check_stress_rand(&t->rng) % 100);
    const char *name;
    unsigned char *p;
    size_t align = 0;
    if (how < 70) {
        name = "malloc";
        p = check_child_api.ops.malloc(n);
    } else if (how < 85) {
        name = "calloc";
        p = check_child_api.ops.calloc(n, 1);
    } else if (how < 95) {
        align = (size_t)16 << (check_stress_rand(&t->rng) % 9); /* 16..4096 */
        name = "memalign";
        p = check_child_api.ops.memalign(align, n);
    } else {
        name = "realloc(NULL)";
        p = check_child_api.ops.realloc(NULL, n);
    }
    if (!p) {
        check_stress_fail(t, op, "%s(%zu) -> NULL", name, n);
        return;
    }
    size_t need = align ? align : check_child_need_align(n);
    if (!check_child_aligned(p, need))
        check_stress_fail(t, op, "%s(%zu) -> %p not %zu-byte aligned", name, n, (void *)p, need);
    if (name[0] == 'c') {
        size_t at;
        if (!check_child_all_zero(p, n, &at))
            check_stress_fail(t, op, "calloc(%zu,1) -> %p byte %zu not zero", n, (void *)p, at);
    }
    b->p = p;
    b->size = n;
    b->id = ((uint64_t)t->index << 48) | ++t->serial;
    check_stress_fill(b, 0);
}

static void check_stress_step(struct check_stress_worker *t, uint64_t op)
{
    struct check_stress_block m;
    for (int k = 0; k < 2 && check_stress_mail_pop(t, &m); k++)
        check_stress_release(t, op, &m, "cross-thread free");
    struct check_stress_block *b = &t->slots[check_stress_rand(&t->rng) % 512];
    if (!b->p) {
        check_stress_alloc(t, op, b);
        return;
    }
    unsigned how = (unsigned)(check_stress_rand(&t->rng) % 100);
    if (how >= 80 && check_child_opt.threads < 2)
        how -= 30; /* nobody to hand blocks to: free or resize instead */
    if (how < 50) {
        check_stress_release(t, op, b, "free");
        return;
    }
    if (how < 80) {
        size_t n = check_stress_size(&t->rng);
        size_t bad = check_stress_verify(b, b->size);
        if (bad != SIZE_MAX)
            check_stress_fail(t, op,
                              "before realloc: block %llx (%zu bytes at %p) byte %zu "
                              "overwritten",
                              (unsigned long long)b->id, b->size, (void *)b->p, bad);
        unsigned char *q = check_child_api.ops.realloc(b->p, n);
        if (!q) {
            check_stress_fail(t, op, "realloc(%p,%zu) -> NULL", (void *)b->p, n);
            return;
        }
        struct check_stress_block moved = {q, b->size, b->id}; /* old layout at the new address */
        bad = check_stress_verify(&moved, n);
        if (bad != SIZE_MAX)
            check_stress_fail(t, op,
                              "realloc(p,%zu) of block %llx (%zu bytes) -> %p: byte %zu of the "
                              "kept prefix lost",
                              n, (unsigned long long)b->id, b->size, (void *)q, bad);
        else
            check_child_ok();
        if (!check_child_aligned(q, check_child_need_align(n)))
            check_stress_fail(t, op, "realloc(p,%zu) -> %p misaligned", n, (void *)q);
        size_t old = b->size;
        *b = (struct check_stress_block){q, n, b->id};
        check_stress_fill(b,
                          old < 8 || n < 8 ? 0 : old); /* the id header comes and goes at 8 bytes */
        return;
    }
    struct check_stress_worker *to =
        &check_stress_workers[(t->index + 1) % check_child_opt.threads];
    if (check_stress_mail_push(to, b))
        b->p = NULL;
    else
        check_stress_release(t, op, b, "free");
}

static void *check_stress_thread(void *arg)
{
    struct check_stress_worker *t = arg;
    int go;
    while ((go = atomic_load(&check_stress_go)) == 0)
        sched_yield();
    if (go < 0)
        return NULL;
    for (uint64_t op = 0; op < t->ops; op++)
        check_stress_step(t, op);
    return NULL;
}

/* Threads are created before the backend starts: pthread_create allocates TLS with glibc's
 * malloc, which must not run while a brk backend owns the break. */
int check_stress_prepare(void)
{
    static struct check_stress_worker threads[CHECK_THREADS_MAX];
    check_stress_workers = threads;
    for (unsigned i = 0; i < check_child_opt.threads; i++) {
        struct check_stress_worker *t = &threads[i];
        t->index = i;
        t->rng = (check_child_opt.seed + 1) * 0x9e3779b97f4a7c15ull + i * 0xbf58476d1ce4e5b9ull;
        if (t->rng == 0)
            t->rng = 1;
        t->ops = check_child_opt.ops / check_child_opt.threads +
                 (i < check_child_opt.ops % check_child_opt.threads);
        pthread_mutex_init(&t->box.lock, NULL);
        int rc = pthread_create(&t->tid, NULL, check_stress_thread, t);
        if (rc != 0) {
            check_child_say(STDERR_FILENO, "check: pthread_create: %s", strerror(rc));
            atomic_store(&check_stress_go, -1);
            for (unsigned j = 0; j < i; j++)
                pthread_join(threads[j].tid, NULL);
            return -1;
        }
    }
    return 0;
}

void check_stress_run(bool run)
{
    atomic_store(&check_stress_go, run ? 1 : -1);
    for (unsigned i = 0; i < check_child_opt.threads; i++)
        pthread_join(check_stress_workers[i].tid, NULL);
    if (!run)
        return;
    for (unsigned i = 0; i < check_child_opt.threads; i++) {
        struct check_stress_worker *t = &check_stress_workers[i];
        struct check_stress_block m;
        while (check_stress_mail_pop(t, &m))
            check_stress_release(t, t->ops, &m, "final cross-thread free");
        for (unsigned s = 0; s < 512; s++)
            if (t->slots[s].p)
                check_stress_release(t, t->ops, &t->slots[s], "final free");
    }
}
