/* The chunks of the break-based heap (heap.c): glibc's boundary-tag layout, the size and flag
 * bits, and the segregated free lists over them. */
#ifndef FAULTLINE_HEAP_CHUNK_H
#define FAULTLINE_HEAP_CHUNK_H

#include <stdbool.h>
#include <stddef.h>

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

int heap_chunk_request2size(size_t req, size_t *nb);
void heap_chunk_note_peaks(struct heap *h);
unsigned heap_chunk_bin_index(size_t size);
void heap_chunk_bin_insert(struct heap *h, struct heap_chunk *c);
void heap_chunk_bin_unlink(struct heap *h, struct heap_chunk *c);
int heap_chunk_bin_next(const struct heap *h, unsigned i);
void heap_chunk_set_free(struct heap_chunk *c, size_t size);
bool heap_chunk_is_free(const struct heap *h, const struct heap_chunk *c);

#endif
