/* The twin: glibc 2.36's main-arena malloc re-implemented decision for decision (tcache, fastbins,
 * unsorted/small/large bins, consolidation, top growth with top_pad, the mmap threshold and its
 * sliding update, mmap_max, trimming from free and malloc_trim, realloc, memalign, calloc), so
 * that every brk, mmap, munmap, mremap and madvise it makes is the one glibc would make, and each
 * carries its reason in the ledger. Single arena: glibc gives other threads their own arenas;
 * the twin serves every thread from the main arena under the caller's lock (see README).
 * Request paths are in twin.c, everything that talks to the kernel in twin_sys.c; the lists are
 * in chunk.c. Not locked: the hybrid backend holds its lock around every call. */
#ifndef FAULTLINE_TWIN_H
#define FAULTLINE_TWIN_H

#include "chunk.h"

#include <stdbool.h>
#include <stddef.h>

#define TWIN_MMAP_THRESHOLD_MAX              (32u * 1024 * 1024) /* DEFAULT_MMAP_THRESHOLD_MAX, 64-bit */
#define TWIN_DEFAULT_THRESHOLD               (128u * 1024)
#define TWIN_DEFAULT_TOP_PAD                 (128u * 1024)
#define TWIN_DEFAULT_MMAP_MAX                65536
#define TWIN_FASTBIN_CONSOLIDATION_THRESHOLD 65536
#define TWIN_MMAP_AS_MORECORE                (1024u * 1024)
#define TWIN_DEFAULT_MXFAST                  128 /* 64 * SIZE_SZ / 4 */

/* mallopt parameter numbers (glibc's <malloc.h>). */
#define TWIN_M_MXFAST         1
#define TWIN_M_TRIM_THRESHOLD (-1)
#define TWIN_M_TOP_PAD        (-2)
#define TWIN_M_MMAP_THRESHOLD (-3)
#define TWIN_M_MMAP_MAX       (-4)

struct twin {
    struct chunk_lists lists;
    struct chunk init_top; /* glibc's initial_top: a zero-sized stand-in before the first grow */
    struct chunk *top;
    struct chunk *last_remainder;
    size_t system_mem, max_system_mem;
    char *sbrk_base;
    bool contiguous;
    bool ready;
    bool in_tcache_init; /* for the ledger's reason: the first call's heap is for the tcache */
    /* mp_: the tunable policy */
    size_t top_pad, trim_threshold, mmap_threshold;
    int n_mmaps, n_mmaps_max, max_n_mmaps;
    size_t mmapped_mem, max_mmapped_mem;
    bool no_dyn_threshold;
    /* accounting for backend_stats (not part of glibc's state) */
    size_t live_bytes;
};

/* Settings at start-up, as tunables would give them; *_set says the knob was given (which, as
 * in glibc, switches the sliding threshold off whatever the value). */
struct twin_config {
    size_t top_pad, trim_threshold, mmap_threshold;
    int mmap_max;
    bool dynamic;
};

void twin_init(struct twin *t, const struct twin_config *cfg);

void *twin_malloc(struct twin *t, size_t n);
void twin_free(struct twin *t, void *p);
void *twin_calloc(struct twin *t, size_t n, size_t size);
void *twin_realloc(struct twin *t, void *p, size_t n);
/* memalign/aligned_alloc; posix_memalign's argument check is the caller's. */
void *twin_memalign(struct twin *t, size_t align, size_t n);
size_t twin_usable_size(const void *p);
int twin_trim(struct twin *t, size_t pad);
int twin_mallopt(struct twin *t, int param, int value);

/* twin.c internals shared with twin_sys.c */
void *twin_int_malloc(struct twin *t, size_t bytes);
void twin_int_free(struct twin *t, struct chunk *p);
void twin_consolidate(struct twin *t);
/* glibc's use_top: the first nb bytes of top as an in-use chunk, the rest the new top; NULL
 * when top is smaller than nb + CHUNK_MINSIZE. Malloc's last resort before sysmalloc, and
 * sysmalloc's own end once it has grown top. */
void *twin_split_top(struct twin *t, size_t nb);

/* twin_sys.c: the kernel boundary (sysmalloc, systrim, mtrim, mmapped chunks). */
void *twin_sys_malloc(struct twin *t, size_t nb);
int twin_sys_trim(struct twin *t, size_t pad, const char *why);
int twin_sys_mtrim(struct twin *t, size_t pad);
/* raised: this free moved the sliding threshold (for the ledger's reason only). */
void twin_sys_munmap_chunk(struct twin *t, struct chunk *p, bool raised);
struct chunk *twin_sys_mremap_chunk(struct twin *t, struct chunk *p, size_t nb);

#endif
