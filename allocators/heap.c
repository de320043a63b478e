/* The break-based heap core (see heap.h): glibc-style boundary-tag chunks over os_sbrk with
 * segregated free lists, coalescing, a top chunk grown like glibc's sysmalloc and trimmed like
 * its systrim, foreign-break handling, and glibc's mmap threshold policy for the hybrid backend. */
#define _GNU_SOURCE
#include "heap.h"

#include "heap_chunk.h"
#include "heap_sys.h"
#include "os.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h> /* PROT_, MAP_, MREMAP_, MADV_ constants for the os_ calls only */
#include <unistd.h>

/* ---- allocation and release --------------------------------------------------------------- */

/* glibc's order: free lists, then top if it holds nb + MINSIZE (even for nb >= the mmap
 * threshold), then sysmalloc: a mapping for large requests, else heap growth. */
static struct heap_chunk *heap_alloc_chunk(struct heap *h, size_t nb)
{
    unsigned i = heap_chunk_bin_index(nb);
    struct heap_chunk *best = NULL;
    if (i < HEAP_NSMALL) {
        best = h->bins[i];
    } else {
        for (struct heap_chunk *c = h->bins[i]; c; c = c->fd) {
            size_t s = heap_chunk_size(c);
            if (s >= nb && (!best || s < heap_chunk_size(best))) {
                best = c;
                if (s == nb)
                    break;
            }
        }
    }
    if (!best) {
        int j = heap_chunk_bin_next(h, i + 1);
        if (j >= 0)
            best = h->bins[j]; /* every chunk of a higher bin is larger than nb */
    }
    if (best) {
        heap_chunk_bin_unlink(h, best);
        size_t s = heap_chunk_size(best);
        if (s - nb >= HEAP_MINSIZE) {
            best->size = nb | HEAP_PREV_INUSE;
            struct heap_chunk *r = heap_chunk_at(best, nb);
            heap_chunk_set_free(r, s - nb);
            heap_chunk_bin_insert(h, r);
        } else {
            heap_chunk_at(best, s)->size |= HEAP_PREV_INUSE;
        }
        return best;
    }
    if (h->top && heap_chunk_size(h->top) >= nb + HEAP_MINSIZE)
        return heap_sys_split_top(h, nb);
    if (h->mmap_enabled && nb >= h->mmap_threshold && h->n_mmaps < h->mmap_max) {
        struct heap_chunk *c = heap_sys_mmap_chunk(h, nb);
        if (c)
            return c;
    }
    if (heap_sys_grow(h, nb) != 0)
        return NULL;
    return heap_sys_split_top(h, nb);
}

/* Free an in-use heap chunk: coalesce both ways, into top when adjacent, and trim like glibc's
 * _int_free when the coalesced chunk is at least FASTBIN_CONSOLIDATION_THRESHOLD. */
static void heap_free_chunk(struct heap *h, struct heap_chunk *c)
{
    size_t s = heap_chunk_size(c);
    if (!(c->size & HEAP_PREV_INUSE)) {
        struct heap_chunk *p = (struct heap_chunk *)((char *)c - c->prev_size);
        heap_chunk_bin_unlink(h, p);
        s += heap_chunk_size(p);
        c = p;
    }
    struct heap_chunk *n = heap_chunk_at(c, s);
    if (n == h->top) {
        s += heap_chunk_size(n);
        c->size = s | HEAP_PREV_INUSE;
        h->top = c;
    } else {
        if (heap_chunk_is_free(h, n)) {
            heap_chunk_bin_unlink(h, n);
            s += heap_chunk_size(n);
        }
        heap_chunk_set_free(c, s);
        heap_chunk_bin_insert(h, c);
    }
    if (s >= HEAP_FASTBIN_CONSOLIDATION_THRESHOLD && h->top &&
        heap_chunk_size(h->top) >= h->trim_threshold)
        heap_sys_trim(h, h->top_pad);
}

/* Shrink an in-use heap chunk to nb, freeing a tail of at least MINSIZE. */
static void heap_shrink_chunk(struct heap *h, struct heap_chunk *c, size_t nb)
{
    size_t s = heap_chunk_size(c);
    if (s - nb < HEAP_MINSIZE)
        return;
    c->size = nb | (c->size & HEAP_PREV_INUSE);
    struct heap_chunk *r = heap_chunk_at(c, nb);
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
    if (heap_chunk_request2size(n, &nb) == 0)
        c = heap_alloc_chunk(h, nb);
    if (!c) {
        errno = ENOMEM;
        return NULL;
    }
    h->live_bytes += heap_chunk_usable(c);
    heap_chunk_note_peaks(h);
    heap_debug_check(h);
    return heap_chunk_mem(c);
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
            h->mmap_threshold = heap_chunk_size(c);
            h->trim_threshold = 2 * heap_chunk_size(c);
        }
        heap_sys_munmap_chunk(h, c);
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
    size_t off = c->prev_size, total = off + heap_chunk_size(c);
    size_t old_usable = heap_chunk_usable(c);
    if (nb <= (size_t)PTRDIFF_MAX - off - page) {
        size_t len = heap_chunk_align_up(nb + off + HEAP_SIZE_SZ, page);
        if (len == total)
            return heap_chunk_mem(c);
        void *m;
        if (os_mremap((char *)c - off, total, len, MREMAP_MAYMOVE, &m) == 0) {
            c = (struct heap_chunk *)((char *)m + off);
            c->size = (len - off) | HEAP_IS_MMAPPED;
            h->mapped_bytes = h->mapped_bytes - total + len;
            h->live_bytes = h->live_bytes - old_usable + heap_chunk_usable(c);
            heap_chunk_note_peaks(h);
            return heap_chunk_mem(c);
        }
    }
    if (old_usable >= n)
        return heap_chunk_mem(c);
    void *q = heap_malloc(h, n);
    if (!q)
        return NULL;
    memcpy(q, heap_chunk_mem(c), old_usable);
    h->live_bytes -= old_usable;
    heap_sys_munmap_chunk(h, c);
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
    if (heap_chunk_request2size(n, &nb) != 0) {
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
    size_t s = heap_chunk_size(c), old_usable = heap_chunk_usable(c);
    struct heap_chunk *next = heap_chunk_at(c, s);
    if (s < nb) {
        if (next == h->top && s + heap_chunk_size(next) >= nb + HEAP_MINSIZE) {
            size_t ts = heap_chunk_size(next);
            c->size = nb | (c->size & HEAP_PREV_INUSE);
            h->top = heap_chunk_at(c, nb);
            h->top->size = (s + ts - nb) | HEAP_PREV_INUSE;
            h->live_bytes = h->live_bytes - old_usable + heap_chunk_usable(c);
            heap_chunk_note_peaks(h);
            heap_debug_check(h);
            return p;
        }
        if (heap_chunk_is_free(h, next) && s + heap_chunk_size(next) >= nb) {
            heap_chunk_bin_unlink(h, next);
            s += heap_chunk_size(next);
            c->size = s | (c->size & HEAP_PREV_INUSE);
            heap_chunk_at(c, s)->size |= HEAP_PREV_INUSE;
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
    heap_chunk_note_peaks(h);
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
    if (heap_chunk_request2size(n, &nb) != 0 || align > (size_t)PTRDIFF_MAX / 4 ||
        nb > (size_t)PTRDIFF_MAX / 2 - align) {
        errno = ENOMEM;
        return NULL;
    }
    struct heap_chunk *c = heap_alloc_chunk(h, nb + align + HEAP_MINSIZE);
    if (!c) {
        errno = ENOMEM;
        return NULL;
    }
    uintptr_t mem = (uintptr_t)heap_chunk_mem(c);
    if (mem & (align - 1)) {
        char *at = (char *)(heap_chunk_align_up(mem, align) - HEAP_HDR);
        if ((size_t)(at - (char *)c) < HEAP_MINSIZE)
            at += align;
        struct heap_chunk *nc = (struct heap_chunk *)at;
        size_t lead = (size_t)(at - (char *)c), size = heap_chunk_size(c) - lead;
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
    if (!(c->size & HEAP_IS_MMAPPED) && heap_chunk_size(c) > nb + HEAP_MINSIZE)
        heap_shrink_chunk(h, c, nb);
    h->live_bytes += heap_chunk_usable(c);
    heap_chunk_note_peaks(h);
    heap_debug_check(h);
    return heap_chunk_mem(c);
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
            uintptr_t a = heap_chunk_align_up((uintptr_t)c + sizeof *c, page);
            uintptr_t e = ((uintptr_t)c + heap_chunk_size(c)) & ~(page - 1);
            if (e > a && os_madvise((void *)a, e - a, MADV_DONTNEED) == 0)
                released = 1;
        }
    }
    if (heap_sys_trim(h, pad))
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
            size_t s = heap_chunk_size(c);
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
            const struct heap_chunk *n = heap_chunk_at(c, s);
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
            if (heap_chunk_bin_index(heap_chunk_size(c)) != i)
                HEAP_FAIL("bin %u holds chunk of size %zu", i, heap_chunk_size(c));
            if (heap_chunk_at(c, heap_chunk_size(c))->size & HEAP_PREV_INUSE)
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
