/* The chunks of the break-based heap (heap.c): glibc's boundary-tag layout, the size and flag
 * bits, glibc's request2size, the peak counters, and the segregated free lists over them (bins
 * with a bitmap of the non-empty ones). */
#ifndef FAULTLINE_HEAP_CHUNK_H
#define FAULTLINE_HEAP_CHUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heap.h"

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

static inline size_t heap_chunk_size(const struct heap_chunk *c)
{
    return c->size & ~HEAP_SIZE_BITS;
}

static inline struct heap_chunk *heap_chunk_at(const void *base, size_t off)
{
    return (struct heap_chunk *)((char *)base + off);
}

static inline void *heap_chunk_mem(struct heap_chunk *c)
{
    return (char *)c + HEAP_HDR;
}

static inline struct heap_chunk *heap_chunk_of(void *p)
{
    return (struct heap_chunk *)((char *)p - HEAP_HDR);
}

static inline size_t heap_chunk_align_up(size_t v, size_t a)
{
    return (v + a - 1) & ~(a - 1);
}

static inline size_t heap_chunk_usable(const struct heap_chunk *c)
{
    return heap_chunk_size(c) - ((c->size & HEAP_IS_MMAPPED) ? HEAP_HDR : HEAP_SIZE_SZ);
}

/* Everything below is on the allocation and free paths of the brk backend: static inline, as it
 * was while it lived in heap.c, so that moving it here costs no call per operation (measured by
 * callgrind on brk x fragment:count=2048: 1014141 instructions out of line, 800387 inline). */

static inline void heap_chunk_note_peaks(struct heap *h)
{
    if (h->heap_bytes > h->peak_heap_bytes)
        h->peak_heap_bytes = h->heap_bytes;
    if (h->mapped_bytes > h->peak_mapped_bytes)
        h->peak_mapped_bytes = h->mapped_bytes;
    if (h->live_bytes > h->peak_live_bytes)
        h->peak_live_bytes = h->live_bytes;
}

/* ---- free lists ------------------------------------------------------------------------- */

/* glibc's checked request2size: nb = max(MINSIZE, (req + 8 + 15) & ~15). */
static inline int heap_chunk_request2size(size_t req, size_t *nb)
{
    if (req > (size_t)PTRDIFF_MAX - 4 * HEAP_MINSIZE)
        return -1;
    size_t n = (req + HEAP_SIZE_SZ + 15) & ~(size_t)15;
    *nb = n < HEAP_MINSIZE ? HEAP_MINSIZE : n;
    return 0;
}

static inline unsigned heap_chunk_bin_index(size_t size)
{
    if (size < 1024)
        return (unsigned)(size >> 4);
    unsigned lg = 63u - (unsigned)__builtin_clzl(size);
    return HEAP_NSMALL + (lg - 10) * 4 + (unsigned)((size >> (lg - 2)) & 3);
}

static inline void heap_chunk_bin_insert(struct heap *h, struct heap_chunk *c)
{
    unsigned i = heap_chunk_bin_index(heap_chunk_size(c));
    c->bk = NULL;
    c->fd = h->bins[i];
    if (c->fd)
        c->fd->bk = c;
    h->bins[i] = c;
    h->binmap[i / 64] |= (uint64_t)1 << (i % 64);
}

static inline void heap_chunk_bin_unlink(struct heap *h, struct heap_chunk *c)
{
    unsigned i = heap_chunk_bin_index(heap_chunk_size(c));
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
static inline int heap_chunk_bin_next(const struct heap *h, unsigned i)
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
static inline void heap_chunk_set_free(struct heap_chunk *c, size_t size)
{
    c->size = size | HEAP_PREV_INUSE;
    struct heap_chunk *n = heap_chunk_at(c, size);
    n->prev_size = size;
    n->size &= ~HEAP_PREV_INUSE;
}

static inline bool heap_chunk_is_free(const struct heap *h, const struct heap_chunk *c)
{
    if (c == h->top || (c->size & HEAP_IS_FENCE))
        return false;
    return !(heap_chunk_at(c, heap_chunk_size(c))->size & HEAP_PREV_INUSE);
}

#endif
