/* The break-based heap core (see heap.h): glibc-style boundary-tag chunks over os_sbrk with
 * segregated free lists, coalescing, a top chunk grown like glibc's sysmalloc and trimmed like
 * its systrim, foreign-break handling, and glibc's mmap threshold policy for the hybrid backend. */
#define _GNU_SOURCE
#include "heap.h"

#include "os.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h> /* PROT_, MAP_, MREMAP_, MADV_ constants for the os_ calls only */
#include <unistd.h>

/* A chunk as glibc lays it out: prev_size is valid only while the previous chunk is free (it is
 * that chunk's footer, overlapping the end of its payload otherwise); fd/bk exist only in free
 * chunks. The payload starts 16 bytes in, so 16-aligned chunks give 16-aligned payloads. */
struct heap_chunk {
    size_t prev_size;
    size_t size;
    struct heap_chunk *fd;
    struct heap_chunk *bk;
};

#define HEAP_PREV_INUSE ((size_t)1)
#define HEAP_IS_MMAPPED ((size_t)2)
/* Ends a region that can no longer grow (a foreign break move or an mmap fallback came in
 * between). Its fd holds the first chunk of the next region, so the checker can walk on. */
#define HEAP_IS_FENCE  ((size_t)4)
#define HEAP_SIZE_BITS ((size_t)7)
#define HEAP_HDR       16 /* chunk start to payload */
#define HEAP_SIZE_SZ   8  /* the next chunk's prev_size word is usable while we are in use */

static inline size_t heap_csize(const struct heap_chunk *c)
{
    return c->size & ~HEAP_SIZE_BITS;
}

static inline struct heap_chunk *heap_at(const void *base, size_t off)
{
    return (struct heap_chunk *)((char *)base + off);
}

static inline void *heap_mem(struct heap_chunk *c)
{
    return (char *)c + HEAP_HDR;
}

static inline struct heap_chunk *heap_chunk_of(void *p)
{
    return (struct heap_chunk *)((char *)p - HEAP_HDR);
}

static inline size_t heap_align_up(size_t v, size_t a)
{
    return (v + a - 1) & ~(a - 1);
}

static inline size_t heap_chunk_usable(const struct heap_chunk *c)
{
    return heap_csize(c) - ((c->size & HEAP_IS_MMAPPED) ? HEAP_HDR : HEAP_SIZE_SZ);
}

/* glibc's checked request2size: nb = max(MINSIZE, (req + 8 + 15) & ~15). */
static int heap_request2size(size_t req, size_t *nb)
{
    if (req > (size_t)PTRDIFF_MAX - 4 * HEAP_MINSIZE)
        return -1;
    size_t n = (req + HEAP_SIZE_SZ + 15) & ~(size_t)15;
    *nb = n < HEAP_MINSIZE ? HEAP_MINSIZE : n;
    return 0;
}

static void heap_note_peaks(struct heap *h)
{
    if (h->heap_bytes > h->peak_heap_bytes)
        h->peak_heap_bytes = h->heap_bytes;
    if (h->mapped_bytes > h->peak_mapped_bytes)
        h->peak_mapped_bytes = h->mapped_bytes;
    if (h->live_bytes > h->peak_live_bytes)
        h->peak_live_bytes = h->live_bytes;
}

/* ---- free lists ------------------------------------------------------------------------- */

static unsigned heap_bin_index(size_t size)
{
    if (size < 1024)
        return (unsigned)(size >> 4);
    unsigned lg = 63u - (unsigned)__builtin_clzl(size);
    return HEAP_NSMALL + (lg - 10) * 4 + (unsigned)((size >> (lg - 2)) & 3);
}

static void heap_bin_insert(struct heap *h, struct heap_chunk *c)
{
    unsigned i = heap_bin_index(heap_csize(c));
    c->bk = NULL;
    c->fd = h->bins[i];
    if (c->fd)
        c->fd->bk = c;
    h->bins[i] = c;
    h->binmap[i / 64] |= (uint64_t)1 << (i % 64);
}

static void heap_bin_unlink(struct heap *h, struct heap_chunk *c)
{
    unsigned i = heap_bin_index(heap_csize(c));
    if (c->bk) {
        c->bk->fd = c->fd;
    } else {
        h->bins[i] = c->fd;
        if (!c->fd)
            h->binmap[i / 64] &= ~((uint64_t)1 << (i % 64));
    }
    if (c->fd)
        c->fd->bk = c->bk;
}

/* First non-empty bin at index >= i, or -1. */
static int heap_bin_next(const struct heap *h, unsigned i)
{
    unsigned w = i / 64;
    if (w >= HEAP_MAP_WORDS)
        return -1;
    uint64_t m = h->binmap[w] & (~(uint64_t)0 << (i % 64));
    while (!m) {
        if (++w >= HEAP_MAP_WORDS)
            return -1;
        m = h->binmap[w];
    }
    return (int)(w * 64 + (unsigned)__builtin_ctzll(m));
}

/* Mark c free with the given size: header, footer, and the next chunk's PREV_INUSE. The
 * previous chunk is always in use (free neighbours are always coalesced). */
static void heap_set_free(struct heap_chunk *c, size_t size)
{
    c->size = size | HEAP_PREV_INUSE;
    struct heap_chunk *n = heap_at(c, size);
    n->prev_size = size;
    n->size &= ~HEAP_PREV_INUSE;
}

static bool heap_chunk_is_free(const struct heap *h, const struct heap_chunk *c)
{
    if (c == h->top || (c->size & HEAP_IS_FENCE))
        return false;
    return !(heap_at(c, heap_csize(c))->size & HEAP_PREV_INUSE);
}

/* ---- regions, growth and trimming --------------------------------------------------------- */

/* The current top can never be extended again: keep what is usable as a free chunk and close
 * the region with a fence that points to the next region. */
static void heap_seal_top(struct heap *h, struct heap_chunk *next_region)
{
    struct heap_chunk *t = h->top;
    size_t s = heap_csize(t);
    struct heap_chunk *fence;
    if (s >= 2 * HEAP_MINSIZE) {
        size_t rest = s - HEAP_MINSIZE;
        fence = heap_at(t, rest);
        fence->size = HEAP_MINSIZE | HEAP_IS_FENCE | HEAP_PREV_INUSE;
        heap_set_free(t, rest);
        heap_bin_insert(h, t);
    } else {
        fence = t;
        fence->size = s | HEAP_IS_FENCE | HEAP_PREV_INUSE;
    }
    fence->fd = next_region;
    h->top = NULL;
}

static void heap_new_region(struct heap *h, char *start, char *end, bool in_brk)
{
    struct heap_chunk *nt = (struct heap_chunk *)start;
    if (h->top)
        heap_seal_top(h, nt);
    else if (!h->first)
        h->first = nt;
    nt->prev_size = 0;
    nt->size = (size_t)(end - start) | HEAP_PREV_INUSE;
    h->top = nt;
    h->top_end = end;
    h->top_in_brk = in_brk;
    h->regions++;
}

/* glibc's MMAP_AS_MORECORE: when brk cannot grow, a mapping of at least 1 MiB becomes a new,
 * non-contiguous heap region; it is never unmapped. */
static int heap_grow_mmap(struct heap *h, size_t nb)
{
    size_t page = os_page_size();
    if (nb > (size_t)PTRDIFF_MAX / 2 || h->top_pad > (size_t)PTRDIFF_MAX / 4)
        return ENOMEM;
    size_t want = heap_align_up(nb + HEAP_MINSIZE + h->top_pad, page);
    if (want < HEAP_MORECORE_FALLBACK)
        want = HEAP_MORECORE_FALLBACK;
    void *m;
    if (os_mmap(NULL, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, &m) != 0)
        return ENOMEM;
    heap_new_region(h, m, (char *)m + want, false);
    h->heap_bytes += want;
    heap_note_peaks(h);
    return 0;
}

/* Make top hold at least nb + MINSIZE, like glibc's sysmalloc for the main arena: one sbrk of
 * nb + top_pad + MINSIZE (less the current top when the break is still at its end), ending on
 * a page boundary. A break that moved under us starts a new region instead. */
static int heap_grow(struct heap *h, size_t nb)
{
    size_t page = os_page_size();
    for (int attempt = 0; attempt < 4; attempt++) {
        if (h->top && heap_csize(h->top) >= nb + HEAP_MINSIZE)
            return 0;
        if (nb > (size_t)PTRDIFF_MAX / 2 || h->top_pad > (size_t)PTRDIFF_MAX / 4)
            return ENOMEM;
        size_t want = nb + h->top_pad + HEAP_MINSIZE;
        void *cur;
        if (os_break(&cur) != 0)
            break;
        char *brk0 = cur;
        if (h->top && h->top_in_brk && brk0 < h->top_end)
            break; /* someone lowered the break into our memory: brk is unusable */
        bool contiguous = h->top && h->top_in_brk && brk0 == h->top_end;
        if (contiguous)
            want -= heap_csize(h->top);
        else
            want += (16 - ((uintptr_t)brk0 & 15)) & 15;
        uintptr_t end = (uintptr_t)brk0 + want;
        if (end < (uintptr_t)brk0 || end > UINTPTR_MAX - page)
            break;
        end = heap_align_up(end, page);
        size_t incr = end - (uintptr_t)brk0;
        void *oldv;
        if (os_sbrk((intptr_t)incr, &oldv) != 0)
            break;
        char *old = oldv;
        if (h->top && h->top_in_brk && old == h->top_end) {
            h->top->size += incr;
            h->top_end += incr;
        } else {
            /* first growth, a foreign move, or a race with another sbrk user */
            char *start = (char *)heap_align_up((uintptr_t)old, 16);
            char *stop = old + incr;
            if (stop - start >= 2 * HEAP_MINSIZE)
                heap_new_region(h, start, stop, true);
        }
        h->heap_bytes += incr;
        heap_note_peaks(h);
    }
    if (h->top && heap_csize(h->top) >= nb + HEAP_MINSIZE)
        return 0;
    if (h->mmap_fallback && heap_grow_mmap(h, nb) == 0)
        return heap_csize(h->top) >= nb + HEAP_MINSIZE ? 0 : ENOMEM;
    return ENOMEM;
}

/* glibc's systrim: give back whole pages of top above pad + MINSIZE, but only while the break
 * is still at the end of top, so memory someone else sbrk'd above us is never released. */
static int heap_systrim(struct heap *h, size_t pad)
{
    if (!h->top || !h->top_in_brk)
        return 0;
    size_t page = os_page_size();
    if (heap_csize(h->top) <= HEAP_MINSIZE + 1)
        return 0;
    size_t top_area = heap_csize(h->top) - HEAP_MINSIZE - 1;
    if (top_area <= pad)
        return 0;
    size_t extra = (top_area - pad) & ~(page - 1);
    if (extra == 0)
        return 0;
    void *cur;
    if (os_break(&cur) != 0 || (char *)cur != h->top_end)
        return 0;
    void *old;
    if (os_sbrk(-(intptr_t)extra, &old) != 0)
        return 0;
    h->top->size -= extra;
    h->top_end -= extra;
    h->heap_bytes -= extra;
    h->trims++;
    return 1;
}

/* ---- mmapped blocks (hybrid) -------------------------------------------------------------- */

static struct heap_chunk *heap_mmap_chunk(struct heap *h, size_t nb)
{
    size_t page = os_page_size();
    if (nb > (size_t)PTRDIFF_MAX - page)
        return NULL;
    size_t len = heap_align_up(nb + HEAP_SIZE_SZ, page);
    void *m;
    if (os_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, &m) != 0)
        return NULL;
    struct heap_chunk *c = m;
    c->prev_size = 0; /* offset of the chunk in its mapping (memalign moves it) */
    c->size = len | HEAP_IS_MMAPPED;
    h->n_mmaps++;
    h->mapped_bytes += len;
    heap_note_peaks(h);
    return c;
}

static void heap_munmap_chunk(struct heap *h, struct heap_chunk *c)
{
    size_t off = c->prev_size, len = off + heap_csize(c);
    h->n_mmaps--;
    h->mapped_bytes -= len;
    os_munmap((char *)c - off, len);
}

/* ---- allocation and release --------------------------------------------------------------- */

static struct heap_chunk *heap_split_top(struct heap *h, size_t nb)
{
    struct heap_chunk *c = h->top;
    size_t s = heap_csize(c);
    h->top = heap_at(c, nb);
    h->top->size = (s - nb) | HEAP_PREV_INUSE;
    c->size = nb | HEAP_PREV_INUSE;
    return c;
}

/* glibc's order: free lists, then top if it holds nb + MINSIZE (even for nb >= the mmap
 * threshold), then sysmalloc: a mapping for large requests, else heap growth. */
static struct heap_chunk *heap_alloc_chunk(struct heap *h, size_t nb)
{
    unsigned i = heap_bin_index(nb);
    struct heap_chunk *best = NULL;
    if (i < HEAP_NSMALL) {
        best = h->bins[i];
    } else {
        for (struct heap_chunk *c = h->bins[i]; c; c = c->fd) {
            size_t s = heap_csize(c);
            if (s >= nb && (!best || s < heap_csize(best))) {
                best = c;
                if (s == nb)
                    break;
            }
        }
    }
    if (!best) {
        int j = heap_bin_next(h, i + 1);
        if (j >= 0)
            best = h->bins[j]; /* every chunk of a higher bin is larger than nb */
    }
    if (best) {
        heap_bin_unlink(h, best);
        size_t s = heap_csize(best);
        if (s - nb >= HEAP_MINSIZE) {
            best->size = nb | HEAP_PREV_INUSE;
            struct heap_chunk *r = heap_at(best, nb);
            heap_set_free(r, s - nb);
            heap_bin_insert(h, r);
        } else {
            heap_at(best, s)->size |= HEAP_PREV_INUSE;
        }
        return best;
    }
    if (h->top && heap_csize(h->top) >= nb + HEAP_MINSIZE)
        return heap_split_top(h, nb);
    if (h->mmap_enabled && nb >= h->mmap_threshold && h->n_mmaps < h->mmap_max) {
        struct heap_chunk *c = heap_mmap_chunk(h, nb);
        if (c)
            return c;
    }
    if (heap_grow(h, nb) != 0)
        return NULL;
    return heap_split_top(h, nb);
}

/* Free an in-use heap chunk: coalesce both ways, into top when adjacent, and trim like glibc's
 * _int_free when the coalesced chunk is at least FASTBIN_CONSOLIDATION_THRESHOLD. */
static void heap_free_chunk(struct heap *h, struct heap_chunk *c)
{
    size_t s = heap_csize(c);
    if (!(c->size & HEAP_PREV_INUSE)) {
        struct heap_chunk *p = (struct heap_chunk *)((char *)c - c->prev_size);
        heap_bin_unlink(h, p);
        s += heap_csize(p);
        c = p;
    }
    struct heap_chunk *n = heap_at(c, s);
    if (n == h->top) {
        s += heap_csize(n);
        c->size = s | HEAP_PREV_INUSE;
        h->top = c;
    } else {
        if (heap_chunk_is_free(h, n)) {
            heap_bin_unlink(h, n);
            s += heap_csize(n);
        }
        heap_set_free(c, s);
        heap_bin_insert(h, c);
    }
    if (s >= HEAP_FASTBIN_CONSOLIDATION_THRESHOLD && h->top &&
        heap_csize(h->top) >= h->trim_threshold)
        heap_systrim(h, h->top_pad);
}

/* Shrink an in-use heap chunk to nb, freeing a tail of at least MINSIZE. */
static void heap_shrink_chunk(struct heap *h, struct heap_chunk *c, size_t nb)
{
    size_t s = heap_csize(c);
    if (s - nb < HEAP_MINSIZE)
        return;
    c->size = nb | (c->size & HEAP_PREV_INUSE);
    struct heap_chunk *r = heap_at(c, nb);
    r->size = (s - nb) | HEAP_PREV_INUSE; /* the chunk after r still records r as in use */
    heap_free_chunk(h, r);
}

static void heap_debug_check(const struct heap *h)
{
#ifdef FAULTLINE_DEBUG_CHECKS
    char why[256];
    if (heap_check(h, why, sizeof why) != 0) {
        char msg[320];
        int n = snprintf(msg, sizeof msg, "faultline heap corrupted: %s\n", why);
        if (n > 0 && write(2, msg, (size_t)n) < 0)
            abort();
        abort();
    }
#else
    (void)h;
#endif
}

void heap_init(struct heap *h, const struct heap_config *cfg)
{
    if (!h->ready) {
        memset(h, 0, sizeof *h);
        h->ready = true;
    }
    h->top_pad = cfg->top_pad;
    h->trim_threshold = cfg->trim_threshold;
    h->mmap_enabled = cfg->mmap_enabled;
    h->mmap_threshold = cfg->mmap_threshold;
    h->mmap_max = cfg->mmap_max;
    h->dynamic = cfg->dynamic;
    h->mmap_fallback = cfg->mmap_fallback;
}

void *heap_malloc(struct heap *h, size_t n)
{
    size_t nb;
    struct heap_chunk *c = NULL;
    if (heap_request2size(n, &nb) == 0)
        c = heap_alloc_chunk(h, nb);
    if (!c) {
        errno = ENOMEM;
        return NULL;
    }
    h->live_bytes += heap_chunk_usable(c);
    heap_note_peaks(h);
    heap_debug_check(h);
    return heap_mem(c);
}

void heap_free(struct heap *h, void *p)
{
    if (!p)
        return;
    struct heap_chunk *c = heap_chunk_of(p);
    h->live_bytes -= heap_chunk_usable(c);
    if (c->size & HEAP_IS_MMAPPED) {
        /* glibc compares chunksize_nomask, which includes IS_MMAPPED: exactly 32 MiB fails */
        if (h->dynamic && c->size > h->mmap_threshold && c->size <= HEAP_MMAP_MAX_DYN) {
            h->mmap_threshold = heap_csize(c);
            h->trim_threshold = 2 * heap_csize(c);
        }
        heap_munmap_chunk(h, c);
    } else {
        heap_free_chunk(h, c);
    }
    heap_debug_check(h);
}

void *heap_calloc(struct heap *h, size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = heap_malloc(h, total);
    if (!p)
        return NULL;
    struct heap_chunk *c = heap_chunk_of(p);
    if (!(c->size & HEAP_IS_MMAPPED)) /* a fresh mapping is zero already */
        memset(p, 0, heap_chunk_usable(c));
    return p;
}

static void *heap_realloc_mmapped(struct heap *h, struct heap_chunk *c, size_t n, size_t nb)
{
    size_t page = os_page_size();
    size_t off = c->prev_size, total = off + heap_csize(c);
    size_t old_usable = heap_chunk_usable(c);
    if (nb <= (size_t)PTRDIFF_MAX - off - page) {
        size_t len = heap_align_up(nb + off + HEAP_SIZE_SZ, page);
        if (len == total)
            return heap_mem(c);
        void *m;
        if (os_mremap((char *)c - off, total, len, MREMAP_MAYMOVE, &m) == 0) {
            c = (struct heap_chunk *)((char *)m + off);
            c->size = (len - off) | HEAP_IS_MMAPPED;
            h->mapped_bytes = h->mapped_bytes - total + len;
            h->live_bytes = h->live_bytes - old_usable + heap_chunk_usable(c);
            heap_note_peaks(h);
            return heap_mem(c);
        }
    }
    if (old_usable >= n)
        return heap_mem(c);
    void *q = heap_malloc(h, n);
    if (!q)
        return NULL;
    memcpy(q, heap_mem(c), old_usable);
    h->live_bytes -= old_usable;
    heap_munmap_chunk(h, c);
    return q;
}

void *heap_realloc(struct heap *h, void *p, size_t n)
{
    if (!p)
        return heap_malloc(h, n);
    if (n == 0) { /* the backend contract: free p, hand back a minimal block */
        heap_free(h, p);
        return heap_malloc(h, 0);
    }
    size_t nb;
    if (heap_request2size(n, &nb) != 0) {
        errno = ENOMEM;
        return NULL;
    }
    struct heap_chunk *c = heap_chunk_of(p);
    if (c->size & HEAP_IS_MMAPPED) {
        void *q = heap_realloc_mmapped(h, c, n, nb);
        if (!q)
            errno = ENOMEM;
        heap_debug_check(h);
        return q;
    }
    size_t s = heap_csize(c), old_usable = heap_chunk_usable(c);
    struct heap_chunk *next = heap_at(c, s);
    if (s < nb) {
        if (next == h->top && s + heap_csize(next) >= nb + HEAP_MINSIZE) {
            size_t ts = heap_csize(next);
            c->size = nb | (c->size & HEAP_PREV_INUSE);
            h->top = heap_at(c, nb);
            h->top->size = (s + ts - nb) | HEAP_PREV_INUSE;
            h->live_bytes = h->live_bytes - old_usable + heap_chunk_usable(c);
            heap_note_peaks(h);
            heap_debug_check(h);
            return p;
        }
        if (heap_chunk_is_free(h, next) && s + heap_csize(next) >= nb) {
            heap_bin_unlink(h, next);
            s += heap_csize(next);
            c->size = s | (c->size & HEAP_PREV_INUSE);
            heap_at(c, s)->size |= HEAP_PREV_INUSE;
        } else {
            void *q = heap_malloc(h, n);
            if (!q)
                return NULL;
            memcpy(q, p, old_usable);
            heap_free(h, p);
            return q;
        }
    }
    heap_shrink_chunk(h, c, nb);
    h->live_bytes = h->live_bytes - old_usable + heap_chunk_usable(c);
    heap_note_peaks(h);
    heap_debug_check(h);
    return p;
}

/* glibc's _int_memalign: over-allocate by align + MINSIZE, free the leading part (or, for a
 * mapping, move the chunk forward inside it), then free the tail. */
void *heap_memalign(struct heap *h, size_t align, size_t n)
{
    if (align == 0 || (align & (align - 1))) {
        errno = EINVAL;
        return NULL;
    }
    if (align <= HEAP_HDR)
        return heap_malloc(h, n);
    size_t nb;
    if (heap_request2size(n, &nb) != 0 || align > (size_t)PTRDIFF_MAX / 4 ||
        nb > (size_t)PTRDIFF_MAX / 2 - align) {
        errno = ENOMEM;
        return NULL;
    }
    struct heap_chunk *c = heap_alloc_chunk(h, nb + align + HEAP_MINSIZE);
    if (!c) {
        errno = ENOMEM;
        return NULL;
    }
    uintptr_t mem = (uintptr_t)heap_mem(c);
    if (mem & (align - 1)) {
        char *at = (char *)(heap_align_up(mem, align) - HEAP_HDR);
        if ((size_t)(at - (char *)c) < HEAP_MINSIZE)
            at += align;
        struct heap_chunk *nc = (struct heap_chunk *)at;
        size_t lead = (size_t)(at - (char *)c), size = heap_csize(c) - lead;
        if (c->size & HEAP_IS_MMAPPED) {
            nc->prev_size = c->prev_size + lead;
            nc->size = size | HEAP_IS_MMAPPED;
        } else {
            nc->size = size | HEAP_PREV_INUSE;
            c->size = lead | (c->size & HEAP_PREV_INUSE);
            heap_free_chunk(h, c);
        }
        c = nc;
    }
    if (!(c->size & HEAP_IS_MMAPPED) && heap_csize(c) > nb + HEAP_MINSIZE)
        heap_shrink_chunk(h, c, nb);
    h->live_bytes += heap_chunk_usable(c);
    heap_note_peaks(h);
    heap_debug_check(h);
    return heap_mem(c);
}

size_t heap_usable_size(void *p)
{
    return p ? heap_chunk_usable(heap_chunk_of(p)) : 0;
}

int heap_trim(struct heap *h, size_t pad)
{
    size_t page = os_page_size();
    int released = 0;
    for (unsigned i = 0; i < HEAP_NBINS; i++) {
        for (struct heap_chunk *c = h->bins[i]; c; c = c->fd) {
            uintptr_t a = heap_align_up((uintptr_t)c + sizeof *c, page);
            uintptr_t e = ((uintptr_t)c + heap_csize(c)) & ~(page - 1);
            if (e > a && os_madvise((void *)a, e - a, MADV_DONTNEED) == 0)
                released = 1;
        }
    }
    if (heap_systrim(h, pad))
        released = 1;
    heap_debug_check(h);
    return released;
}

void heap_stats(const struct heap *h, struct backend_stats *out)
{
    memset(out, 0, sizeof *out);
    out->heap_bytes = h->heap_bytes;
    out->mapped_bytes = h->mapped_bytes;
    out->live_bytes = h->live_bytes;
    out->peak_heap_bytes = h->peak_heap_bytes;
    out->peak_mapped_bytes = h->peak_mapped_bytes;
    out->sizes_valid = true;
    out->os_counts_valid = true;
}

#define HEAP_FAIL(...)                                                                             \
    do {                                                                                           \
        snprintf(why, whylen, __VA_ARGS__);                                                        \
        return -1;                                                                                 \
    } while (0)

int heap_check(const struct heap *h, char *why, size_t whylen)
{
    size_t walked_free = 0, heap_live = 0;
    uint64_t budget = h->heap_bytes / 16 + 4 * h->regions + 4;
    if (h->top) {
        const struct heap_chunk *c = h->first;
        bool prev_free = false;
        size_t prev_size = 0;
        for (;;) {
            if (budget-- == 0)
                HEAP_FAIL("chunk walk does not end (cycle or bad size)");
            if (!c || ((uintptr_t)c & 15))
                HEAP_FAIL("chunk %p is misaligned", (const void *)c);
            bool pinuse = (c->size & HEAP_PREV_INUSE) != 0;
            if (pinuse == prev_free)
                HEAP_FAIL("chunk %p: PREV_INUSE %d but previous chunk is %s", (const void *)c,
                          pinuse, prev_free ? "free" : "in use");
            if (!pinuse && c->prev_size != prev_size)
                HEAP_FAIL("chunk %p: footer %zu != previous size %zu", (const void *)c,
                          c->prev_size, prev_size);
            if (c->size & HEAP_IS_MMAPPED)
                HEAP_FAIL("chunk %p inside the heap is marked mmapped", (const void *)c);
            size_t s = heap_csize(c);
            if (s < HEAP_MINSIZE || (s & 15))
                HEAP_FAIL("chunk %p has bad size %zu", (const void *)c, s);
            if (c == h->top) {
                if ((const char *)c + s != h->top_end)
                    HEAP_FAIL("top %p + %zu does not end at %p", (const void *)c, s,
                              (const void *)h->top_end);
                break;
            }
            if (c->size & HEAP_IS_FENCE) {
                c = c->fd;
                prev_free = false;
                continue;
            }
            const struct heap_chunk *n = heap_at(c, s);
            bool is_free = n != h->top && !(n->size & HEAP_PREV_INUSE);
            if (is_free && prev_free)
                HEAP_FAIL("two adjacent free chunks at %p", (const void *)c);
            if (is_free)
                walked_free++;
            else
                heap_live += s - HEAP_SIZE_SZ;
            prev_free = is_free;
            prev_size = s;
            c = n;
        }
        if (h->top_in_brk) {
            void *cur;
            if (os_break(&cur) == 0 && (char *)cur < h->top_end)
                HEAP_FAIL("break %p is below the end of top %p", cur, (const void *)h->top_end);
        }
    }
    size_t listed = 0;
    for (unsigned i = 0; i < HEAP_NBINS; i++) {
        bool bit = (h->binmap[i / 64] >> (i % 64)) & 1;
        if (bit != (h->bins[i] != NULL))
            HEAP_FAIL("bin %u: map bit %d disagrees with list", i, bit);
        const struct heap_chunk *prev = NULL;
        for (const struct heap_chunk *c = h->bins[i]; c; c = c->fd) {
            if (listed++ > walked_free)
                HEAP_FAIL("bins list more chunks than the heap has free");
            if ((uintptr_t)c & 15)
                HEAP_FAIL("bin %u: misaligned chunk %p", i, (const void *)c);
            if (c->bk != prev)
                HEAP_FAIL("bin %u: broken back link at %p", i, (const void *)c);
            if (heap_bin_index(heap_csize(c)) != i)
                HEAP_FAIL("bin %u holds chunk of size %zu", i, heap_csize(c));
            if (heap_at(c, heap_csize(c))->size & HEAP_PREV_INUSE)
                HEAP_FAIL("bin %u: chunk %p is not marked free", i, (const void *)c);
            prev = c;
        }
    }
    if (listed != walked_free)
        HEAP_FAIL("heap has %zu free chunks, bins list %zu", walked_free, listed);
    size_t mapped_live = h->live_bytes - heap_live;
    if (heap_live > h->live_bytes || (h->n_mmaps == 0 && mapped_live != 0))
        HEAP_FAIL("live bytes %zu disagree with the walk (%zu in the heap)", h->live_bytes,
                  heap_live);
    return 0;
}
