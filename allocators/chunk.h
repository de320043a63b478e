/* The twin's data structures, laid out as glibc 2.36 lays out its main arena on x86-64: boundary-
 * tag chunks (prev_size, size|flags, then links inside the free chunk), the tcache (64 bins of at
 * most 7, itself living in a 0x290 heap chunk), 10 fastbins, the unsorted bin, 62 small bins and
 * 63 large bins kept sorted with a size skip list, and the bin bitmap. Only list mechanics live
 * here; every decision (which chunk, when to ask the kernel) is in twin.c and twin_sys.c.
 * Byte-for-byte layout matters: the break moves, trims and madvise ranges glibc makes depend on
 * where each chunk sits, so the twin must place chunks exactly where glibc would. */
#ifndef FAULTLINE_CHUNK_H
#define FAULTLINE_CHUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHUNK_SIZE_SZ      8  /* INTERNAL_SIZE_T */
#define CHUNK_HDR_SZ       16 /* prev_size + size */
#define CHUNK_MINSIZE      32
#define CHUNK_ALIGN        16
#define CHUNK_ALIGN_MASK   15
#define CHUNK_PREV_INUSE   1u
#define CHUNK_IS_MMAPPED   2u
#define CHUNK_FLAGS        7u
#define CHUNK_NBINS        128
#define CHUNK_NSMALL       64
#define CHUNK_MIN_LARGE    1024 /* first size kept in a large bin */
#define CHUNK_NFAST        10   /* fastbin_index(request2size(160)) + 1 */
#define CHUNK_MAX_FAST     160  /* largest M_MXFAST value glibc accepts */
#define CHUNK_TCACHE_BINS  64
#define CHUNK_TCACHE_FILL  7
#define CHUNK_TCACHE_SIZE  640 /* sizeof(tcache_perthread_struct): 64 x uint16 + 64 pointers */
#define CHUNK_BINMAP_WORDS (CHUNK_NBINS / 32)

struct chunk {
    size_t prev_size; /* size of the previous chunk when it is free (or mmap offset) */
    size_t size;      /* this chunk's size | flags */
    struct chunk *fd; /* free list links; fd is also the tcache/fastbin "next" */
    struct chunk *bk;
    struct chunk *fd_nextsize; /* large bins only: next smaller size group */
    struct chunk *bk_nextsize;
};

/* The per-thread cache glibc keeps in a heap chunk (same size, so the heap is laid out alike). */
struct chunk_tcache {
    uint16_t counts[CHUNK_TCACHE_BINS];
    struct chunk *entries[CHUNK_TCACHE_BINS]; /* point at user memory, like glibc */
};

/* The main arena's lists. bins[0] is unused, bins[1] is the unsorted bin (glibc numbering). */
struct chunk_lists {
    struct chunk *fast[CHUNK_NFAST];
    struct chunk bins[CHUNK_NBINS]; /* sentinels */
    uint32_t binmap[CHUNK_BINMAP_WORDS];
    bool have_fast;
    size_t max_fast; /* global_max_fast: largest chunk size that goes to a fastbin */
    struct chunk_tcache *tcache;
};

static inline size_t chunk_size(const struct chunk *c)
{
    return c->size & ~(size_t)CHUNK_FLAGS;
}

static inline struct chunk *chunk_at(const void *c, size_t off)
{
    return (struct chunk *)((char *)c + off);
}

static inline struct chunk *chunk_before(const void *c, size_t off)
{
    return (struct chunk *)((char *)c - off);
}

static inline void *chunk_mem(const struct chunk *c)
{
    return (char *)c + CHUNK_HDR_SZ;
}

static inline struct chunk *chunk_of(const void *mem)
{
    return (struct chunk *)((char *)mem - CHUNK_HDR_SZ);
}

static inline bool chunk_mmapped(const struct chunk *c)
{
    return (c->size & CHUNK_IS_MMAPPED) != 0;
}

static inline bool chunk_prev_inuse(const struct chunk *c)
{
    return (c->size & CHUNK_PREV_INUSE) != 0;
}

/* In use is recorded in the next chunk's PREV_INUSE bit. */
static inline bool chunk_inuse_at(const struct chunk *c, size_t off)
{
    return (chunk_at(c, off)->size & CHUNK_PREV_INUSE) != 0;
}

static inline void chunk_set_inuse_at(struct chunk *c, size_t off)
{
    chunk_at(c, off)->size |= CHUNK_PREV_INUSE;
}

static inline void chunk_clear_inuse_at(struct chunk *c, size_t off)
{
    chunk_at(c, off)->size &= ~(size_t)CHUNK_PREV_INUSE;
}

static inline void chunk_set_foot(struct chunk *c, size_t s)
{
    chunk_at(c, s)->prev_size = s;
}

/* Keeps the flags of c, replaces its size. */
static inline void chunk_set_size(struct chunk *c, size_t s)
{
    c->size = (c->size & CHUNK_FLAGS) | s;
}

/* request2size with glibc's overflow rule (requests above PTRDIFF_MAX fail): 0 on failure. */
static inline size_t chunk_request(size_t req)
{
    if (req > (size_t)PTRDIFF_MAX)
        return 0;
    if (req + CHUNK_SIZE_SZ + CHUNK_ALIGN_MASK < CHUNK_MINSIZE)
        return CHUNK_MINSIZE;
    return (req + CHUNK_SIZE_SZ + CHUNK_ALIGN_MASK) & ~(size_t)CHUNK_ALIGN_MASK;
}

static inline bool chunk_small(size_t sz)
{
    return sz < CHUNK_MIN_LARGE;
}

static inline unsigned chunk_small_index(size_t sz)
{
    return (unsigned)(sz >> 4);
}

unsigned chunk_large_index(size_t sz);

static inline unsigned chunk_bin_index(size_t sz)
{
    return chunk_small(sz) ? chunk_small_index(sz) : chunk_large_index(sz);
}

static inline unsigned chunk_fast_index(size_t sz)
{
    return (unsigned)(sz >> 4) - 2;
}

/* csize2tidx */
static inline size_t chunk_tcache_index(size_t sz)
{
    return (sz - CHUNK_MINSIZE + CHUNK_ALIGN - 1) / CHUNK_ALIGN;
}

static inline struct chunk *chunk_bin(struct chunk_lists *l, unsigned i)
{
    return &l->bins[i];
}

static inline struct chunk *chunk_unsorted(struct chunk_lists *l)
{
    return &l->bins[1];
}

/* Empty bins, empty fastbins, max_fast from M_MXFAST's rule (set_max_fast). */
void chunk_lists_init(struct chunk_lists *l, size_t mxfast);
void chunk_set_max_fast(struct chunk_lists *l, size_t mxfast);

/* unlink_chunk: take a free chunk out of its (small, large or unsorted) bin. */
void chunk_unlink(struct chunk *p);
/* Put a chunk at the front of the unsorted bin (free, consolidate, split remainders). */
void chunk_unsorted_push(struct chunk_lists *l, struct chunk *p, size_t size);
/* Sort a chunk taken off the unsorted bin into its small or large bin (glibc's order). */
void chunk_bin_place(struct chunk_lists *l, struct chunk *victim, size_t size);
void chunk_mark_bin(struct chunk_lists *l, unsigned i);

/* tcache_put / tcache_get (user memory holds the link). */
void chunk_tcache_put(struct chunk_tcache *t, struct chunk *c, size_t idx);
void *chunk_tcache_get(struct chunk_tcache *t, size_t idx);

/* Fastbin push and pop (LIFO through fd). */
void chunk_fast_push(struct chunk_lists *l, struct chunk *c, size_t size);
struct chunk *chunk_fast_pop(struct chunk_lists *l, unsigned idx);

#endif
