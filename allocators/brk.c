/* The "brk" backend: every block, large or small, comes from one sbrk-grown heap (heap.c) with
 * a tunable growth pad and trim threshold; never mmap. One lock serialises all operations. */
#include "backend.h"
#include "heap.h"
#include "lock.h"

#include <stdint.h>

static const struct param_def brk_params[] = {
    {"grow", PARAM_SIZE, "128K", 0, 1LL << 30, NULL, 0,
     "top pad: extra bytes asked of sbrk on each growth and kept on each trim"},
    {"trim", PARAM_SIZE, "128K", 0, 1LL << 40, NULL, PARAM_ALLOW_OFF,
     "free top at or above this is returned with sbrk(-n) (off: the break never goes down)"},
    {.name = NULL},
};

static struct heap brk_heap;
static struct lock brk_lock = LOCK_INIT;

static void brk_configure(size_t grow, int64_t trim)
{
    struct heap_config cfg = {
        .top_pad = grow,
        .trim_threshold = trim == PARAM_OFF ? HEAP_TRIM_OFF : (size_t)trim,
    };
    heap_init(&brk_heap, &cfg);
}

/* Calls before init (a preload library's constructor order) get the defaults. */
static inline void brk_ready(void)
{
    if (!brk_heap.ready)
        brk_configure(128 * 1024, 128 * 1024);
}

static int brk_init(const struct param_values *pv)
{
    lock_acquire(&brk_lock);
    brk_configure((size_t)param_num(pv, "grow"), param_num(pv, "trim"));
    lock_release(&brk_lock);
    return 0;
}

static void brk_fini(void)
{
    /* Nothing to do: live blocks stay valid, and a later init only reconfigures the heap (one
     * break per process, so the memory is kept rather than forgotten). */
}

static void *brk_malloc(size_t size)
{
    lock_acquire(&brk_lock);
    brk_ready();
    void *p = heap_malloc(&brk_heap, size);
    lock_release(&brk_lock);
    return p;
}

static void brk_free(void *p)
{
    if (!p)
        return;
    lock_acquire(&brk_lock);
    heap_free(&brk_heap, p);
    lock_release(&brk_lock);
}

static void *brk_calloc(size_t n, size_t size)
{
    lock_acquire(&brk_lock);
    brk_ready();
    void *p = heap_calloc(&brk_heap, n, size);
    lock_release(&brk_lock);
    return p;
}

static void *brk_realloc(void *p, size_t size)
{
    lock_acquire(&brk_lock);
    brk_ready();
    void *q = heap_realloc(&brk_heap, p, size);
    lock_release(&brk_lock);
    return q;
}

static void *brk_memalign(size_t align, size_t size)
{
    lock_acquire(&brk_lock);
    brk_ready();
    void *p = heap_memalign(&brk_heap, align, size);
    lock_release(&brk_lock);
    return p;
}

static size_t brk_usable_size(void *p)
{
    return heap_usable_size(p); /* reads only the block's own header */
}

static int brk_trim(size_t pad)
{
    lock_acquire(&brk_lock);
    int rc = brk_heap.ready ? heap_trim(&brk_heap, pad) : 0;
    lock_release(&brk_lock);
    return rc;
}

static void brk_stats(struct backend_stats *out)
{
    lock_acquire(&brk_lock);
    heap_stats(&brk_heap, out);
    lock_release(&brk_lock);
}

static void brk_atfork_prepare(void)
{
    lock_acquire(&brk_lock);
}

static void brk_atfork_parent(void)
{
    lock_release(&brk_lock);
}

static void brk_atfork_child(void)
{
    lock_reset(&brk_lock);
}

const struct backend_ops backend_brk = {
    .name = "brk",
    .summary = "one sbrk heap for every size (glibc-style bins and top), never mmap",
    .params = brk_params,
    .preload = NULL,
    .init = brk_init,
    .fini = brk_fini,
    .malloc = brk_malloc,
    .free = brk_free,
    .calloc = brk_calloc,
    .realloc = brk_realloc,
    .memalign = brk_memalign,
    .usable_size = brk_usable_size,
    .trim = brk_trim,
    .stats = brk_stats,
    .atfork_prepare = brk_atfork_prepare,
    .atfork_parent = brk_atfork_parent,
    .atfork_child = brk_atfork_child,
};
