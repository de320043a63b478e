/* The break-based heap core of the brk backend: glibc-style boundary-tag
 * chunks, segregated free lists, a top chunk grown and trimmed with sbrk like glibc's main
 * arena, and (hybrid only) glibc's mmap threshold policy for large blocks. Not locked: callers
 * hold their own lock around every call. */
#ifndef FAULTLINE_HEAP_H
#define FAULTLINE_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"

#define HEAP_MINSIZE                         32 /* smallest chunk: header + two list links */
#define HEAP_TRIM_OFF                        SIZE_MAX
#define HEAP_MMAP_MAX_DYN                    (32u * 1024 * 1024) /* glibc DEFAULT_MMAP_THRESHOLD_MAX on 64-bit */
#define HEAP_FASTBIN_CONSOLIDATION_THRESHOLD 65536
#define HEAP_MORECORE_FALLBACK               (1024u * 1024) /* glibc MMAP_AS_MORECORE_SIZE */
/* 62 exact small bins (32..1008 step 16, index = size / 16) and 4 log-spaced large bins per
 * power of two from 1 KiB up. */
#define HEAP_NSMALL    64
#define HEAP_NBINS     (HEAP_NSMALL + 54 * 4)
#define HEAP_MAP_WORDS ((HEAP_NBINS + 63) / 64)

struct heap_chunk;

struct heap_config {
    size_t top_pad;        /* extra bytes asked of sbrk on each growth, kept on each trim */
    size_t trim_threshold; /* free() trims when top >= this; HEAP_TRIM_OFF never */
    bool mmap_enabled;     /* hybrid: large requests may get their own mapping */
    size_t mmap_threshold; /* chunk size (nb) from which a request is mmapped */
    int mmap_max;          /* most simultaneous mapped blocks (0 disables mmap) */
    bool dynamic;          /* glibc's sliding mmap/trim thresholds */
    bool mmap_fallback;    /* when brk fails, mmap a non-contiguous heap region */
};

struct heap {
    /* policy, mutable at run time (mallopt, dynamic threshold) */
    size_t top_pad;
    size_t trim_threshold;
    bool mmap_enabled;
    size_t mmap_threshold;
    int mmap_max;
    bool dynamic;
    bool mmap_fallback;

    bool ready;
    /* layout */
    struct heap_chunk *first; /* first chunk of the first region (regions are linked by fences) */
    struct heap_chunk *top;   /* top chunk (NULL before the first growth) */
    char *top_end;            /* end of top == end of the current region */
    bool top_in_brk;          /* the current region came from sbrk (may be extended/trimmed) */
    struct heap_chunk *bins[HEAP_NBINS];
    uint64_t binmap[HEAP_MAP_WORDS];

    /* accounting */
    int n_mmaps;
    size_t heap_bytes;   /* bytes of all heap regions (sbrk and mmap fallback) owned now */
    size_t mapped_bytes; /* bytes in live mmapped blocks */
    size_t live_bytes;   /* usable sizes of live blocks */
    size_t peak_heap_bytes;
    size_t peak_mapped_bytes;
    size_t peak_live_bytes;
    uint64_t regions; /* regions started (1 + foreign-break and fallback restarts) */
    uint64_t trims;   /* sbrk(-n) calls made */
};

/* Start (or reconfigure, keeping the memory it already owns) a heap. */
void heap_init(struct heap *h, const struct heap_config *cfg);

/* malloc family; failures return NULL with errno = ENOMEM (EINVAL for a bad alignment). */
void *heap_malloc(struct heap *h, size_t n);
void heap_free(struct heap *h, void *p);
void *heap_calloc(struct heap *h, size_t n, size_t size);
void *heap_realloc(struct heap *h, void *p, size_t n);
void *heap_memalign(struct heap *h, size_t align, size_t n);
size_t heap_usable_size(void *p);

/* malloc_trim: madvise(MADV_DONTNEED) the page-aligned interiors of free chunks, then give the
 * top above pad back with sbrk when the break is still ours. 1 if anything was released. */
int heap_trim(struct heap *h, size_t pad);

void heap_stats(const struct heap *h, struct backend_stats *out);

/* Walk every region and every free list; returns 0, or -1 with a one-line reason in why.
 * Built in always (tests call it); run on every operation under FAULTLINE_DEBUG_CHECKS. */
int heap_check(const struct heap *h, char *why, size_t whylen);

#endif
