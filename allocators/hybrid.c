/* The "hybrid" backend: glibc 2.36's main-arena policy made explicit and tunable. Bins, then
 * top, then mmap for chunks >= threshold, else sbrk growth; sliding threshold on free of a
 * mapping; trim with sbrk(-n); mmap fallback when brk fails. Policy code lives in heap.c. */
#include "hybrid.h"

#include "backend.h"
#include "heap.h"
#include "lock.h"

#include <stdint.h>

#define HYBRID_DEFAULT_THRESHOLD (128 * 1024)
#define HYBRID_DEFAULT_TRIM      (128 * 1024)
#define HYBRID_DEFAULT_TOP_PAD   (128 * 1024)
#define HYBRID_DEFAULT_MMAP_MAX  65536
#define HYBRID_MAX_FAST          160 /* glibc MAX_FAST_SIZE on 64-bit */

static const struct param_def hybrid_params[] = {
    {"threshold", PARAM_SIZE, "128K", 0, 1LL << 40, NULL, 0,
     "M_MMAP_THRESHOLD: chunks at or above it are mmapped when top cannot serve them"},
    {"trim", PARAM_SIZE, "128K", 0, 1LL << 40, NULL, PARAM_ALLOW_OFF,
     "M_TRIM_THRESHOLD: free() shrinks the break when top reaches this (off: never)"},
    {"top_pad", PARAM_SIZE, "128K", 0, 1LL << 30, NULL, 0,
     "M_TOP_PAD: extra bytes asked of sbrk on each growth and kept on each trim"},
    {"mmap_max", PARAM_INT, "65536", 0, 1LL << 30, NULL, 0,
     "M_MMAP_MAX: most simultaneous mmapped blocks (0 disables mmap)"},
    {"dynamic", PARAM_SWITCH, "on", 0, 1, NULL, 0,
     "glibc's sliding threshold; setting threshold, trim, top_pad or mmap_max turns it off, "
     "even with dynamic=on, as any such mallopt does in glibc"},
    {.name = NULL},
};

static struct heap hybrid_heap;
static struct lock hybrid_lock = LOCK_INIT;

static void hybrid_configure(const struct heap_config *cfg)
{
    heap_init(&hybrid_heap, cfg);
}

static const struct heap_config hybrid_defaults = {
    .top_pad = HYBRID_DEFAULT_TOP_PAD,
    .trim_threshold = HYBRID_DEFAULT_TRIM,
    .mmap_enabled = true,
    .mmap_threshold = HYBRID_DEFAULT_THRESHOLD,
    .mmap_max = HYBRID_DEFAULT_MMAP_MAX,
    .dynamic = true,
    .mmap_fallback = true,
};

/* Calls before init (a preload library's constructor order) get glibc's defaults. */
static inline void hybrid_ready(void)
{
    if (!hybrid_heap.ready)
        hybrid_configure(&hybrid_defaults);
}

static int hybrid_init(const struct param_values *pv)
{
    struct heap_config cfg = hybrid_defaults;
    int64_t trim = param_num(pv, "trim");
    cfg.mmap_threshold = (size_t)param_num(pv, "threshold");
    cfg.trim_threshold = trim == PARAM_OFF ? HEAP_TRIM_OFF : (size_t)trim;
    cfg.top_pad = (size_t)param_num(pv, "top_pad");
    cfg.mmap_max = (int)param_num(pv, "mmap_max");
    /* glibc: do_set_{mmap_threshold,trim_threshold,top_pad,mmaps_max} each set
     * no_dyn_threshold, whatever the value, so an explicit knob freezes both thresholds. */
    cfg.dynamic = param_num(pv, "dynamic") != 0 && !param_is_set(pv, "threshold") &&
                  !param_is_set(pv, "trim") && !param_is_set(pv, "top_pad") &&
                  !param_is_set(pv, "mmap_max");
    lock_acquire(&hybrid_lock);
    hybrid_configure(&cfg);
    lock_release(&hybrid_lock);
    return 0;
}

static void hybrid_fini(void)
{
    /* Nothing to do: live blocks stay valid; a later init only reconfigures the heap. */
}

int hybrid_mallopt(int param, int value)
{
    int rc = 1;
    lock_acquire(&hybrid_lock);
    hybrid_ready();
    switch (param) {
    case HYBRID_M_TRIM_THRESHOLD:
        hybrid_heap.trim_threshold = (size_t)(long)value;
        hybrid_heap.dynamic = false;
        break;
    case HYBRID_M_TOP_PAD:
        hybrid_heap.top_pad = (size_t)(long)value;
        hybrid_heap.dynamic = false;
        break;
    case HYBRID_M_MMAP_THRESHOLD:
        hybrid_heap.mmap_threshold = (size_t)(long)value;
        hybrid_heap.dynamic = false;
        break;
    case HYBRID_M_MMAP_MAX:
        hybrid_heap.mmap_max = value;
        hybrid_heap.dynamic = false;
        break;
    case HYBRID_M_MXFAST:
        rc = value >= 0 && value <= HYBRID_MAX_FAST;
        break;
    default:
        break;
    }
    lock_release(&hybrid_lock);
    return rc;
}

static void *hybrid_malloc(size_t size)
{
    lock_acquire(&hybrid_lock);
    hybrid_ready();
    void *p = heap_malloc(&hybrid_heap, size);
    lock_release(&hybrid_lock);
    return p;
}

static void hybrid_free(void *p)
{
    if (!p)
        return;
    lock_acquire(&hybrid_lock);
    heap_free(&hybrid_heap, p);
    lock_release(&hybrid_lock);
}

static void *hybrid_calloc(size_t n, size_t size)
{
    lock_acquire(&hybrid_lock);
    hybrid_ready();
    void *p = heap_calloc(&hybrid_heap, n, size);
    lock_release(&hybrid_lock);
    return p;
}

static void *hybrid_realloc(void *p, size_t size)
{
    lock_acquire(&hybrid_lock);
    hybrid_ready();
    void *q = heap_realloc(&hybrid_heap, p, size);
    lock_release(&hybrid_lock);
    return q;
}

static void *hybrid_memalign(size_t align, size_t size)
{
    lock_acquire(&hybrid_lock);
    hybrid_ready();
    void *p = heap_memalign(&hybrid_heap, align, size);
    lock_release(&hybrid_lock);
    return p;
}

static size_t hybrid_usable_size(void *p)
{
    return heap_usable_size(p); /* reads only the block's own header */
}

static int hybrid_trim(size_t pad)
{
    lock_acquire(&hybrid_lock);
    int rc = hybrid_heap.ready ? heap_trim(&hybrid_heap, pad) : 0;
    lock_release(&hybrid_lock);
    return rc;
}

static void hybrid_stats(struct backend_stats *out)
{
    lock_acquire(&hybrid_lock);
    heap_stats(&hybrid_heap, out);
    lock_release(&hybrid_lock);
}

static void hybrid_atfork_prepare(void)
{
    lock_acquire(&hybrid_lock);
}

static void hybrid_atfork_parent(void)
{
    lock_release(&hybrid_lock);
}

static void hybrid_atfork_child(void)
{
    lock_reset(&hybrid_lock);
}

const struct backend_ops backend_hybrid = {
    .name = "hybrid",
    .summary = "glibc 2.36's brk/mmap policy made explicit: threshold, trim, top pad, dynamic",
    .params = hybrid_params,
    .preload = NULL,
    .init = hybrid_init,
    .fini = hybrid_fini,
    .malloc = hybrid_malloc,
    .free = hybrid_free,
    .calloc = hybrid_calloc,
    .realloc = hybrid_realloc,
    .memalign = hybrid_memalign,
    .usable_size = hybrid_usable_size,
    .trim = hybrid_trim,
    .stats = hybrid_stats,
    .atfork_prepare = hybrid_atfork_prepare,
    .atfork_parent = hybrid_atfork_parent,
    .atfork_child = hybrid_atfork_child,
};
