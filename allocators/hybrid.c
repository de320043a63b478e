/* The "hybrid" backend: glibc 2.36's main-arena malloc as an exact, explaining twin (twin.c,
 * twin_sys.c, chunk.c) with its four brk/mmap knobs exposed as parameters. This file only maps
 * the backend API and mallopt onto the twin under one lock. Single arena: every thread is served
 * from the main arena (glibc would give threads their own arenas; see allocators/README.md). */
#include "hybrid.h"

#include "backend.h"
#include "lock.h"
#include "twin.h"

#include <errno.h>
#include <stdint.h>

#define HYBRID_DEFAULT_THRESHOLD (128 * 1024)
#define HYBRID_DEFAULT_TRIM      (128 * 1024)
#define HYBRID_DEFAULT_TOP_PAD   (128 * 1024)
#define HYBRID_DEFAULT_MMAP_MAX  65536
#define HYBRID_TRIM_OFF          SIZE_MAX

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

static struct twin hybrid_twin;
static struct lock hybrid_lock = LOCK_INIT;

/* First use starts the twin; later calls (init after early preload allocations) only set the
 * knobs, keeping every block already handed out. */
static void hybrid_configure(const struct twin_config *cfg)
{
    if (!hybrid_twin.ready) {
        twin_init(&hybrid_twin, cfg);
        return;
    }
    hybrid_twin.top_pad = cfg->top_pad;
    hybrid_twin.trim_threshold = cfg->trim_threshold;
    hybrid_twin.mmap_threshold = cfg->mmap_threshold;
    hybrid_twin.n_mmaps_max = cfg->mmap_max;
    hybrid_twin.no_dyn_threshold = !cfg->dynamic;
}

static const struct twin_config hybrid_defaults = {
    .top_pad = HYBRID_DEFAULT_TOP_PAD,
    .trim_threshold = HYBRID_DEFAULT_TRIM,
    .mmap_threshold = HYBRID_DEFAULT_THRESHOLD,
    .mmap_max = HYBRID_DEFAULT_MMAP_MAX,
    .dynamic = true,
};

/* Calls before init (a preload library's constructor order) get glibc's defaults. */
static inline void hybrid_ready(void)
{
    if (!hybrid_twin.ready)
        hybrid_configure(&hybrid_defaults);
}

static int hybrid_init(const struct param_values *pv)
{
    struct twin_config cfg = hybrid_defaults;
    int64_t trim = param_num(pv, "trim");
    cfg.mmap_threshold = (size_t)param_num(pv, "threshold");
    cfg.trim_threshold = trim == PARAM_OFF ? HYBRID_TRIM_OFF : (size_t)trim;
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
    /* Nothing to do: live blocks stay valid; a later init only reconfigures the twin. */
}

int hybrid_mallopt(int param, int value)
{
    lock_acquire(&hybrid_lock);
    hybrid_ready();
    int rc = twin_mallopt(&hybrid_twin, param, value);
    lock_release(&hybrid_lock);
    return rc;
}

static void *hybrid_malloc(size_t size)
{
    lock_acquire(&hybrid_lock);
    hybrid_ready();
    void *p = twin_malloc(&hybrid_twin, size);
    lock_release(&hybrid_lock);
    return p;
}

static void hybrid_free(void *p)
{
    if (!p)
        return;
    lock_acquire(&hybrid_lock);
    twin_free(&hybrid_twin, p);
    lock_release(&hybrid_lock);
}

static void *hybrid_calloc(size_t n, size_t size)
{
    lock_acquire(&hybrid_lock);
    hybrid_ready();
    void *p = twin_calloc(&hybrid_twin, n, size);
    lock_release(&hybrid_lock);
    return p;
}

/* The backend contract's realloc: realloc(p, 0) frees p and hands out a malloc(0) block. */
static void *hybrid_realloc(void *p, size_t size)
{
    lock_acquire(&hybrid_lock);
    hybrid_ready();
    void *q;
    if (p && size == 0) {
        twin_free(&hybrid_twin, p);
        q = twin_malloc(&hybrid_twin, 0);
    } else {
        q = twin_realloc(&hybrid_twin, p, size);
    }
    lock_release(&hybrid_lock);
    return q;
}

void *hybrid_glibc_realloc(void *p, size_t size)
{
    lock_acquire(&hybrid_lock);
    hybrid_ready();
    void *q = twin_realloc(&hybrid_twin, p, size);
    lock_release(&hybrid_lock);
    return q;
}

void *hybrid_glibc_memalign(size_t align, size_t size)
{
    lock_acquire(&hybrid_lock);
    hybrid_ready();
    void *p = twin_memalign(&hybrid_twin, align, size);
    lock_release(&hybrid_lock);
    return p;
}

/* The backend contract's memalign: an alignment that is not a power of two is EINVAL. */
static void *hybrid_memalign(size_t align, size_t size)
{
    if (align == 0 || (align & (align - 1)) != 0) {
        errno = EINVAL;
        return NULL;
    }
    return hybrid_glibc_memalign(align, size);
}

static size_t hybrid_usable_size(void *p)
{
    return twin_usable_size(p); /* reads the block's header and the next one's */
}

static int hybrid_trim(size_t pad)
{
    lock_acquire(&hybrid_lock);
    hybrid_ready();
    int rc = twin_trim(&hybrid_twin, pad);
    lock_release(&hybrid_lock);
    return rc;
}

static void hybrid_stats(struct backend_stats *out)
{
    lock_acquire(&hybrid_lock);
    out->heap_bytes = hybrid_twin.system_mem;
    out->mapped_bytes = hybrid_twin.mmapped_mem;
    out->live_bytes = hybrid_twin.live_bytes;
    out->peak_heap_bytes = hybrid_twin.max_system_mem;
    out->peak_mapped_bytes = hybrid_twin.max_mmapped_mem;
    out->sizes_valid = true;
    out->os_counts_valid = true;
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
    .summary =
        "twin of glibc 2.36 malloc (main arena only: single-arena for threads), knobs exposed",
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
