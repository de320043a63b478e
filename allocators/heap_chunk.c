/* The chunk bookkeeping of the break-based heap: glibc's request2size, the peak counters, and the
 * segregated free lists (bins with a bitmap of the non-empty ones). */
#define _GNU_SOURCE
#include "heap_chunk.h"

#include <stdint.h>

/* glibc's checked request2size: nb = max(MINSIZE, (req + 8 + 15) & ~15). */
int heap_chunk_request2size(size_t req, size_t *nb)
{
    if (req > (size_t)PTRDIFF_MAX - 4 * HEAP_MINSIZE)
        return -1;
    size_t n = (req + HEAP_SIZE_SZ + 15) & ~(size_t)15;
    *nb = n < HEAP_MINSIZE ? HEAP_MINSIZE : n;
    return 0;
}

void heap_chunk_note_peaks(struct heap *h)
{
    if (h->heap_bytes > h->peak_heap_bytes)
        h->peak_heap_bytes = h->heap_bytes;
    if (h->mapped_bytes > h->peak_mapped_bytes)
        h->peak_mapped_bytes = h->mapped_bytes;
    if (h->live_bytes > h->peak_live_bytes)
        h->peak_live_bytes = h->live_bytes;
}

/* ---- free lists ------------------------------------------------------------------------- */

unsigned heap_chunk_bin_index(size_t size)
{
    if (size < 1024)
        return (unsigned)(size >> 4);
    unsigned lg = 63u - (unsigned)__builtin_clzl(size);
    return HEAP_NSMALL + (lg - 10) * 4 + (unsigned)((size >> (lg - 2)) & 3);
}

void heap_chunk_bin_insert(struct heap *h, struct heap_chunk *c)
{
    unsigned i = heap_chunk_bin_index(heap_chunk_size(c));
    c->bk = NULL;
    c->fd = h->bins[i];
    if (c->fd)
        c->fd->bk = c;
    h->bins[i] = c;
    h->binmap[i / 64] |= (uint64_t)1 << (i % 64);
}

void heap_chunk_bin_unlink(struct heap *h, struct heap_chunk *c)
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
int heap_chunk_bin_next(const struct heap *h, unsigned i)
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
void heap_chunk_set_free(struct heap_chunk *c, size_t size)
{
    c->size = size | HEAP_PREV_INUSE;
    struct heap_chunk *n = heap_chunk_at(c, size);
    n->prev_size = size;
    n->size &= ~HEAP_PREV_INUSE;
}

bool heap_chunk_is_free(const struct heap *h, const struct heap_chunk *c)
{
    if (c == h->top || (c->size & HEAP_IS_FENCE))
        return false;
    return !(heap_chunk_at(c, heap_chunk_size(c))->size & HEAP_PREV_INUSE);
}
