/* The pure mmap backend: every block is its own page-rounded private mapping with a 16-byte
 * header in front of the payload; free unmaps it and realloc resizes it with mremap. It shows
 * the price of a syscall and fresh page faults per allocation. */
#define _GNU_SOURCE
#include "backend.h"
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Sits right before the payload. The payload starts `offset` bytes into a mapping of `map_len`
 * bytes, so the usable size is everything up to the mapping's end. */
struct mmap_header {
    size_t map_len;
    size_t offset;
};

_Static_assert(sizeof(struct mmap_header) == BACKEND_ALIGN, "header must keep payloads aligned");

#define MMAP_HDR sizeof(struct mmap_header)

enum mmap_source { MMAP_SOURCE_ANON, MMAP_SOURCE_DEVZERO };

static const struct param_def mmap_params[] = {
    {"populate", PARAM_SWITCH, "off", 0, 1, NULL, 0,
     "MAP_POPULATE: fault every page in inside mmap, so touching it later costs nothing"},
    {"locked", PARAM_SWITCH, "off", 0, 1, NULL, 0,
     "MAP_LOCKED: lock the pages in RAM (populates them too; needs RLIMIT_MEMLOCK or root)"},
    {"noreserve", PARAM_SWITCH, "off", 0, 1, NULL, 0,
     "MAP_NORESERVE: no swap reservation (matters with overcommit_memory=0 heuristics)"},
    {"source", PARAM_ENUM, "anon", 0, 0, "anon|devzero", 0,
     "anon: MAP_ANONYMOUS; devzero: MAP_PRIVATE mappings of /dev/zero (the pre-MAP_ANON idiom)"},
    {"mremap", PARAM_SWITCH, "on", 0, 1, NULL, 0,
     "realloc with mremap(MREMAP_MAYMOVE); off: map anew, copy and unmap the old block"},
    {.name = NULL}, /* end of table */
};

/* Configuration is written by init only, before any allocation, so it needs no lock. */
static int mmap_flags = MAP_PRIVATE | MAP_ANONYMOUS;
static int mmap_fd = -1;
static int mmap_use_mremap = 1;

/* The lock guards only these counters: the kernel serialises the mappings themselves. */
static struct lock mmap_lock = LOCK_INIT;
static size_t mmap_mapped;
static size_t mmap_live;
static size_t mmap_peak_mapped;

static void mmap_account(size_t map_add, size_t map_sub, size_t live_add, size_t live_sub)
{
    lock_acquire(&mmap_lock);
    mmap_mapped = mmap_mapped + map_add - map_sub;
    mmap_live = mmap_live + live_add - live_sub;
    if (mmap_mapped > mmap_peak_mapped)
        mmap_peak_mapped = mmap_mapped;
    lock_release(&mmap_lock);
}

static struct mmap_header *mmap_header_of(void *p)
{
    return (struct mmap_header *)((char *)p - MMAP_HDR);
}

/* Round n up to whole pages; 0 when that overflows or exceeds what mmap could ever give. */
static size_t mmap_round(size_t n)
{
    size_t page = os_page_size();
    if (n > (size_t)PTRDIFF_MAX - page)
        return 0;
    return (n + page - 1) & ~(page - 1);
}

static void *mmap_map(size_t len)
{
    void *p;
    if (os_mmap(NULL, len, PROT_READ | PROT_WRITE, mmap_flags, mmap_fd, 0, &p) != 0)
        return NULL;
    return p;
}

/* A block whose payload starts `offset` bytes into its own mapping (offset >= 16 and a multiple
 * of 16, at most a page), so alignments up to the page size need no extra mapping. */
static void *mmap_alloc_at(size_t offset, size_t size)
{
    size_t len = size <= (size_t)PTRDIFF_MAX - offset ? mmap_round(offset + size) : 0;
    if (len == 0) {
        errno = ENOMEM;
        return NULL;
    }
    char *base = mmap_map(len);
    if (!base) {
        errno = ENOMEM;
        return NULL;
    }
    char *p = base + offset;
    struct mmap_header *h = mmap_header_of(p);
    h->map_len = len;
    h->offset = offset;
    mmap_account(len, 0, len - offset, 0);
    return p;
}

static void *mmap_malloc(size_t size)
{
    return mmap_alloc_at(MMAP_HDR, size);
}

static void mmap_free(void *p)
{
    if (!p)
        return;
    struct mmap_header *h = mmap_header_of(p);
    size_t len = h->map_len, offset = h->offset;
    os_munmap((char *)p - offset, len);
    mmap_account(0, len, 0, len - offset);
}

static void *mmap_calloc(size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    /* A fresh private mapping of anonymous memory or /dev/zero always reads as zero. */
    return mmap_malloc(total);
}

static size_t mmap_usable_size(void *p)
{
    struct mmap_header *h = mmap_header_of(p);
    return h->map_len - h->offset;
}

static void *mmap_realloc(void *p, size_t size)
{
    if (!p)
        return mmap_malloc(size);
    struct mmap_header *h = mmap_header_of(p);
    size_t old_len = h->map_len, offset = h->offset;
    size_t new_len = size <= (size_t)PTRDIFF_MAX - offset ? mmap_round(offset + size) : 0;
    if (new_len == 0) {
        errno = ENOMEM;
        return NULL;
    }
    if (new_len == old_len)
        return p;
    if (mmap_use_mremap) {
        void *base;
        if (os_mremap((char *)p - offset, old_len, new_len, MREMAP_MAYMOVE, &base) != 0) {
            errno = ENOMEM;
            return NULL;
        }
        char *q = (char *)base + offset;
        mmap_header_of(q)->map_len = new_len;
        mmap_account(new_len, old_len, new_len - offset, old_len - offset);
        return q;
    }
    void *q = mmap_malloc(size);
    if (!q)
        return NULL;
    size_t old_usable = old_len - offset;
    memcpy(q, p, old_usable < size ? old_usable : size);
    mmap_free(p);
    return q;
}

static void *mmap_memalign(size_t align, size_t size)
{
    if (align == 0 || (align & (align - 1)) != 0) {
        errno = EINVAL;
        return NULL;
    }
    size_t page = os_page_size();
    if (align <= MMAP_HDR)
        return mmap_malloc(size);
    if (align <= page)
        return mmap_alloc_at(align, size); /* the mapping is page-aligned already */

    /* Over-map by the alignment, keep [payload - page, payload + body) and unmap the unaligned
     * head and the tail. The kept page in front of the payload holds the header. */
    size_t body = mmap_round(size ? size : 1);
    if (body == 0 || body > (size_t)PTRDIFF_MAX - align) {
        errno = ENOMEM;
        return NULL;
    }
    size_t total = align + body;
    char *raw = mmap_map(total);
    if (!raw) {
        errno = ENOMEM;
        return NULL;
    }
    uintptr_t r = (uintptr_t)raw;
    char *p = (char *)((r + MMAP_HDR + align - 1) & ~(uintptr_t)(align - 1));
    char *base = p - page;
    size_t head = (size_t)(base - raw);
    size_t tail = (size_t)(raw + total - (p + body));
    if (head)
        os_munmap(raw, head);
    if (tail)
        os_munmap(p + body, tail);
    struct mmap_header *h = mmap_header_of(p);
    h->map_len = page + body;
    h->offset = page;
    mmap_account(total, head + tail, body, 0);
    return p;
}

static int mmap_trim(size_t pad)
{
    (void)pad;
    return 0; /* nothing is ever cached: every free already went back to the kernel */
}

static void mmap_stats(struct backend_stats *out)
{
    memset(out, 0, sizeof *out);
    lock_acquire(&mmap_lock);
    out->mapped_bytes = mmap_mapped;
    out->live_bytes = mmap_live;
    out->peak_mapped_bytes = mmap_peak_mapped;
    lock_release(&mmap_lock);
    out->sizes_valid = true;
    out->os_counts_valid = true;
}

static int mmap_init(const struct param_values *pv)
{
    int flags = MAP_PRIVATE;
    if (param_num(pv, "populate"))
        flags |= MAP_POPULATE;
    if (param_num(pv, "locked"))
        flags |= MAP_LOCKED;
    if (param_num(pv, "noreserve"))
        flags |= MAP_NORESERVE;
    int fd = -1;
    if (param_num(pv, "source") == MMAP_SOURCE_DEVZERO) {
        fd = open("/dev/zero", O_RDWR | O_CLOEXEC);
        if (fd < 0)
            return errno;
    } else {
        flags |= MAP_ANONYMOUS;
    }
    mmap_flags = flags;
    mmap_fd = fd;
    mmap_use_mremap = (int)param_num(pv, "mremap");
    lock_acquire(&mmap_lock);
    mmap_mapped = mmap_live = mmap_peak_mapped = 0;
    lock_release(&mmap_lock);
    return 0;
}

static void mmap_fini(void)
{
    if (mmap_fd >= 0)
        close(mmap_fd);
    mmap_fd = -1;
    mmap_flags = MAP_PRIVATE | MAP_ANONYMOUS;
}

static void mmap_atfork_prepare(void)
{
    lock_acquire(&mmap_lock);
}

static void mmap_atfork_parent(void)
{
    lock_release(&mmap_lock);
}

static void mmap_atfork_child(void)
{
    lock_reset(&mmap_lock);
}

const struct backend_ops backend_mmap = {
    .name = "mmap",
    .summary = "every block its own mapping: mmap per malloc, munmap per free, mremap realloc",
    .params = mmap_params,
    .preload = NULL,
    .init = mmap_init,
    .fini = mmap_fini,
    .malloc = mmap_malloc,
    .free = mmap_free,
    .calloc = mmap_calloc,
    .realloc = mmap_realloc,
    .memalign = mmap_memalign,
    .usable_size = mmap_usable_size,
    .trim = mmap_trim,
    .stats = mmap_stats,
    .atfork_prepare = mmap_atfork_prepare,
    .atfork_parent = mmap_atfork_parent,
    .atfork_child = mmap_atfork_child,
};
