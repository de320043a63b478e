/* FAULTLINE_INJECT: deliberate, exactly countable regressions wrapped around a backend's ops
 * table in the measured child, so the CI gate's tests can prove it catches them. */
#define _GNU_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE */
#include "inject.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* The touch pool: reserved at init, each injected touch writes the next untouched page, so
 * every injection is one new minor fault no matter what the backend does. Refilled (a counted
 * os_mmap) when used up; MAP_NORESERVE keeps the reservation free until pages are written. */
#define INJECT_POOL_BYTES (64u << 20)

static bool inject_ready;
static enum inject_kind inject_active;
static const struct backend_ops *inject_inner;
static struct backend_ops inject_ops;
static _Atomic unsigned long inject_allocs;
static _Atomic unsigned long inject_ops_done;
static unsigned char *inject_pool;
static _Atomic size_t inject_pool_next;

static void inject_pool_map(void)
{
    void *p = NULL;
    if (os_mmap(NULL, INJECT_POOL_BYTES, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0, &p) != 0)
        p = NULL;
    inject_pool = p;
    atomic_store(&inject_pool_next, 0);
}

static void inject_touch_page(void)
{
    size_t page = os_page_size();
    size_t off = atomic_fetch_add(&inject_pool_next, page);
    if (off + page > INJECT_POOL_BYTES) {
        /* single-threaded suite workloads only get here; a race merely skips one touch */
        inject_pool_map();
        off = atomic_fetch_add(&inject_pool_next, page);
    }
    if (inject_pool && off + page <= INJECT_POOL_BYTES)
        ((volatile unsigned char *)inject_pool)[off] = 1;
}

static void inject_mmap_pair(void)
{
    void *p = NULL;
    size_t page = os_page_size();
    if (os_mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, &p) == 0)
        os_munmap(p, page);
}

/* Called once per allocator op; alloc says whether the op allocates (malloc family). */
static inline void inject_on_op(bool alloc)
{
    if (inject_active == INJECT_TOUCH64) {
        if (alloc && (atomic_fetch_add_explicit(&inject_allocs, 1, memory_order_relaxed) + 1) %
                             INJECT_TOUCH_EVERY ==
                         0)
            inject_touch_page();
    } else if (inject_active == INJECT_MMAP1000) {
        if ((atomic_fetch_add_explicit(&inject_ops_done, 1, memory_order_relaxed) + 1) %
                INJECT_MMAP_EVERY ==
            0)
            inject_mmap_pair();
    }
}

static void *inject_malloc(size_t n)
{
    inject_on_op(true);
    return inject_inner->malloc(n);
}

static void inject_free(void *p)
{
    inject_on_op(false);
    inject_inner->free(p);
}

static void *inject_calloc(size_t n, size_t m)
{
    inject_on_op(true);
    return inject_inner->calloc(n, m);
}

static void *inject_realloc(void *p, size_t n)
{
    inject_on_op(true);
    return inject_inner->realloc(p, n);
}

static void *inject_memalign(size_t a, size_t n)
{
    inject_on_op(true);
    return inject_inner->memalign(a, n);
}

/* The wrappers as a malloc family, for backend_wrap. */
static const struct backend_ops inject_family = {.malloc = inject_malloc,
                                                 .free = inject_free,
                                                 .calloc = inject_calloc,
                                                 .realloc = inject_realloc,
                                                 .memalign = inject_memalign};

void inject_init(void)
{
    if (inject_ready)
        return;
    inject_ready = true;
    const char *v = getenv("FAULTLINE_INJECT");
    if (!v || !v[0])
        return;
    if (!strcmp(v, "touch64")) {
        inject_active = INJECT_TOUCH64;
        inject_pool_map();
        if (!inject_pool)
            fprintf(stderr, "faultline: FAULTLINE_INJECT=touch64: cannot map the touch pool\n");
    } else if (!strcmp(v, "mmap1000")) {
        inject_active = INJECT_MMAP1000;
    } else {
        fprintf(stderr,
                "faultline: FAULTLINE_INJECT=%s is unknown (valid: touch64, mmap1000); "
                "injecting nothing\n",
                v);
    }
}

enum inject_kind inject_kind(void)
{
    return inject_active;
}

const struct backend_ops *inject_wrap(const struct backend_ops *ops)
{
    inject_init();
    if (inject_active == INJECT_NONE)
        return ops;
    inject_inner = ops;
    inject_ops = backend_wrap(ops, &inject_family);
    return &inject_ops;
}
