/* The twin's request paths (see twin.h): the public malloc family and glibc 2.36's _int_malloc,
 * _int_free, malloc_consolidate, _int_realloc and _int_memalign decisions, in glibc's order,
 * because the order decides which chunk is reused and so where top ends and when the kernel is
 * asked. Kernel calls are all in twin_sys.c. */
#include "twin.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#define TWIN_MAX_ITERS 10000 /* unsorted chunks sorted per pass, as in glibc */

void twin_init(struct twin *t, const struct twin_config *cfg)
{
    memset(t, 0, sizeof *t);
    chunk_lists_init(&t->lists, TWIN_DEFAULT_MXFAST);
    t->top = &t->init_top; /* size 0: the first request always goes to sysmalloc */
    t->contiguous = true;
    t->top_pad = cfg->top_pad;
    t->trim_threshold = cfg->trim_threshold;
    t->mmap_threshold = cfg->mmap_threshold;
    t->n_mmaps_max = cfg->mmap_max;
    t->no_dyn_threshold = !cfg->dynamic;
    t->ready = true;
}

/* Move up to 7 more chunks of this size from a fastbin or small bin into the tcache. */
static void twin_stash_fast(struct twin *t, unsigned fidx, size_t nb)
{
    struct chunk_tcache *tc = t->lists.tcache;
    size_t ti = chunk_tcache_index(nb);
    if (!tc || ti >= CHUNK_TCACHE_BINS)
        return;
    struct chunk *c;
    while (tc->counts[ti] < CHUNK_TCACHE_FILL && (c = chunk_fast_pop(&t->lists, fidx)) != NULL)
        chunk_tcache_put(tc, c, ti);
}

static void twin_stash_small(struct twin *t, struct chunk *bin, size_t nb)
{
    struct chunk_tcache *tc = t->lists.tcache;
    size_t ti = chunk_tcache_index(nb);
    if (!tc || ti >= CHUNK_TCACHE_BINS)
        return;
    struct chunk *c;
    while (tc->counts[ti] < CHUNK_TCACHE_FILL && (c = bin->bk) != bin) {
        struct chunk *bck = c->bk;
        chunk_set_inuse_at(c, nb);
        bin->bk = bck;
        bck->fd = bin;
        chunk_tcache_put(tc, c, ti);
    }
}

/* Carve nb off the front of victim; the remainder goes to the unsorted bin. */
static void *twin_split(struct twin *t, struct chunk *victim, size_t size, size_t nb,
                        bool advertise)
{
    size_t rsize = size - nb;
    if (rsize < CHUNK_MINSIZE) {
        chunk_set_inuse_at(victim, size);
        return chunk_mem(victim);
    }
    struct chunk *rem = chunk_at(victim, nb);
    chunk_unsorted_push(&t->lists, rem, rsize);
    if (advertise)
        t->last_remainder = rem;
    victim->size = nb | CHUNK_PREV_INUSE;
    rem->size = rsize | CHUNK_PREV_INUSE;
    chunk_set_foot(rem, rsize);
    return chunk_mem(victim);
}

/* Fastbin, then small bin: exact-size hits before anything is sorted. NULL when neither has one. */
static void *twin_exact(struct twin *t, size_t nb)
{
    if (nb <= t->lists.max_fast) {
        unsigned fi = chunk_fast_index(nb);
        struct chunk *v = chunk_fast_pop(&t->lists, fi);
        if (v) {
            twin_stash_fast(t, fi, nb);
            return chunk_mem(v);
        }
    }
    if (chunk_small(nb)) {
        struct chunk *bin = chunk_bin(&t->lists, chunk_small_index(nb));
        struct chunk *v = bin->bk;
        if (v != bin) {
            struct chunk *bck = v->bk;
            chunk_set_inuse_at(v, nb);
            bin->bk = bck;
            bck->fd = bin;
            twin_stash_small(t, bin, nb);
            return chunk_mem(v);
        }
    }
    return NULL;
}

/* Sort the unsorted bin, taking the last remainder for a small request or an exact fit
 * (exact fits of tcache sizes fill the tcache first). *cached says one was cached. */
static void *twin_sort_unsorted(struct twin *t, size_t nb, bool *cached)
{
    struct chunk *ub = chunk_unsorted(&t->lists), *v;
    struct chunk_tcache *tc = t->lists.tcache;
    size_t ti = chunk_tcache_index(nb);
    bool tcache_nb = tc && ti < CHUNK_TCACHE_BINS;
    int iters = 0;
    while ((v = ub->bk) != ub) {
        struct chunk *bck = v->bk;
        size_t size = chunk_size(v);
        if (chunk_small(nb) && bck == ub && v == t->last_remainder && size > nb + CHUNK_MINSIZE) {
            size_t rsize = size - nb;
            struct chunk *rem = chunk_at(v, nb);
            ub->bk = ub->fd = rem;
            t->last_remainder = rem;
            rem->bk = rem->fd = ub;
            if (!chunk_small(rsize))
                rem->fd_nextsize = rem->bk_nextsize = NULL;
            v->size = nb | CHUNK_PREV_INUSE;
            rem->size = rsize | CHUNK_PREV_INUSE;
            chunk_set_foot(rem, rsize);
            return chunk_mem(v);
        }
        ub->bk = bck;
        bck->fd = ub;
        if (size == nb) {
            chunk_set_inuse_at(v, size);
            if (tcache_nb && tc->counts[ti] < CHUNK_TCACHE_FILL) {
                chunk_tcache_put(tc, v, ti);
                *cached = true;
                continue;
            }
            return chunk_mem(v);
        }
        chunk_bin_place(&t->lists, v, size);
        if (++iters >= TWIN_MAX_ITERS)
            break;
    }
    return NULL;
}

/* Best fit inside the large bin of nb, through the size skip list. */
static void *twin_large_fit(struct twin *t, unsigned idx, size_t nb)
{
    struct chunk *bin = chunk_bin(&t->lists, idx), *v = bin->fd;
    if (v == bin || chunk_size(v) < nb)
        return NULL;
    v = v->bk_nextsize;
    size_t size;
    while ((size = chunk_size(v)) < nb)
        v = v->bk_nextsize;
    /* keep the group leader in place so the skip list need not be relinked */
    if (v != bin->bk && chunk_size(v) == chunk_size(v->fd))
        v = v->fd;
    chunk_unlink(v);
    return twin_split(t, v, size, nb, false);
}

/* The next non-empty larger bin, through the bitmap; its last chunk is used. */
static void *twin_binmap_fit(struct twin *t, unsigned idx, size_t nb)
{
    uint32_t *bm = t->lists.binmap;
    unsigned block = idx >> 5;
    uint32_t map = bm[block], bit = 1u << (idx & 31);
    for (;;) {
        if (bit > map || bit == 0) {
            do {
                if (++block >= CHUNK_BINMAP_WORDS)
                    return NULL;
            } while ((map = bm[block]) == 0);
            idx = block << 5;
            bit = 1;
        }
        while ((bit & map) == 0) {
            idx++;
            bit <<= 1;
        }
        struct chunk *bin = chunk_bin(&t->lists, idx), *v = bin->bk;
        if (v == bin) {
            bm[block] = map &= ~bit; /* stale bit */
            idx++;
            bit <<= 1;
            continue;
        }
        size_t size = chunk_size(v);
        chunk_unlink(v);
        return twin_split(t, v, size, nb, chunk_small(nb));
    }
}

void *twin_split_top(struct twin *t, size_t nb)
{
    struct chunk *top = t->top;
    size_t size = chunk_size(top);
    if (size < nb + CHUNK_MINSIZE)
        return NULL;
    struct chunk *rem = chunk_at(top, nb);
    t->top = rem;
    top->size = nb | CHUNK_PREV_INUSE;
    rem->size = (size - nb) | CHUNK_PREV_INUSE;
    return chunk_mem(top);
}

void *twin_int_malloc(struct twin *t, size_t bytes)
{
    size_t nb = chunk_request(bytes);
    if (nb == 0) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = twin_exact(t, nb);
    if (p)
        return p;
    if (!chunk_small(nb) && t->lists.have_fast)
        twin_consolidate(t);
    for (;;) {
        bool cached = false;
        p = twin_sort_unsorted(t, nb, &cached);
        if (p)
            return p;
        if (cached)
            return chunk_tcache_get(t->lists.tcache, chunk_tcache_index(nb));
        unsigned idx = chunk_bin_index(nb);
        if (!chunk_small(nb) && (p = twin_large_fit(t, idx, nb)) != NULL)
            return p;
        if ((p = twin_binmap_fit(t, idx + 1, nb)) != NULL)
            return p;
        if ((p = twin_split_top(t, nb)) != NULL)
            return p;
        if (!t->lists.have_fast)
            return twin_sys_malloc(t, nb);
        twin_consolidate(t); /* small request, fastbins present: merge them and retry once */
    }
}

/* Merge p (size bytes, free) with free neighbours; into top or the unsorted bin. Returns the
 * merged size. Used by free and by consolidation alike. */
static size_t twin_coalesce(struct twin *t, struct chunk *p, size_t size)
{
    struct chunk *next = chunk_at(p, size);
    size_t nextsize = chunk_size(next);
    if (!chunk_prev_inuse(p)) {
        size_t prevsize = p->prev_size;
        size += prevsize;
        p = chunk_before(p, prevsize);
        chunk_unlink(p);
    }
    if (next != t->top) {
        if (!chunk_inuse_at(next, nextsize)) {
            chunk_unlink(next);
            size += nextsize;
        } else {
            chunk_clear_inuse_at(next, 0);
        }
        chunk_unsorted_push(&t->lists, p, size);
        p->size = size | CHUNK_PREV_INUSE;
        chunk_set_foot(p, size);
    } else {
        size += nextsize;
        p->size = size | CHUNK_PREV_INUSE;
        t->top = p;
    }
    return size;
}

void twin_consolidate(struct twin *t)
{
    t->lists.have_fast = false;
    for (unsigned i = 0; i < CHUNK_NFAST; i++) {
        struct chunk *p = t->lists.fast[i];
        t->lists.fast[i] = NULL;
        while (p) {
            struct chunk *nextp = p->fd;
            twin_coalesce(t, p, chunk_size(p));
            p = nextp;
        }
    }
}

void twin_int_free(struct twin *t, struct chunk *p)
{
    size_t size = chunk_size(p);
    struct chunk_tcache *tc = t->lists.tcache;
    size_t ti = chunk_tcache_index(size);
    if (tc && ti < CHUNK_TCACHE_BINS && tc->counts[ti] < CHUNK_TCACHE_FILL) {
        chunk_tcache_put(tc, p, ti);
        return;
    }
    if (size <= t->lists.max_fast) {
        chunk_fast_push(&t->lists, p, size);
        return;
    }
    if (chunk_mmapped(p)) {
        twin_sys_munmap_chunk(t, p, false);
        return;
    }
    size = twin_coalesce(t, p, size);
    /* Only a large merged chunk makes free look at top (fastbins are merged first, as they may
     * border top). */
    if (size >= TWIN_FASTBIN_CONSOLIDATION_THRESHOLD) {
        if (t->lists.have_fast)
            twin_consolidate(t);
        if (chunk_size(t->top) >= t->trim_threshold)
            twin_sys_trim(t, t->top_pad, "free");
    }
}

static void twin_tcache_init(struct twin *t)
{
    if (t->lists.tcache)
        return;
    t->in_tcache_init = true;
    void *v = twin_int_malloc(t, CHUNK_TCACHE_SIZE);
    t->in_tcache_init = false;
    if (v) {
        memset(v, 0, sizeof(struct chunk_tcache));
        t->lists.tcache = v;
    }
}

size_t twin_usable_size(const void *mem)
{
    if (!mem)
        return 0;
    const struct chunk *p = chunk_of(mem);
    if (chunk_mmapped(p))
        return chunk_size(p) - CHUNK_HDR_SZ;
    if (chunk_inuse_at(p, chunk_size(p)))
        return chunk_size(p) - CHUNK_HDR_SZ + CHUNK_SIZE_SZ;
    return 0;
}

static void *twin_count(struct twin *t, void *p)
{
    if (p)
        t->live_bytes += twin_usable_size(p);
    return p;
}

void *twin_malloc(struct twin *t, size_t n)
{
    size_t nb = chunk_request(n);
    if (nb == 0) {
        errno = ENOMEM;
        return NULL;
    }
    size_t ti = chunk_tcache_index(nb);
    twin_tcache_init(t);
    struct chunk_tcache *tc = t->lists.tcache;
    if (ti < CHUNK_TCACHE_BINS && tc && tc->counts[ti] > 0)
        return twin_count(t, chunk_tcache_get(tc, ti));
    return twin_count(t, twin_int_malloc(t, n));
}

void twin_free(struct twin *t, void *mem)
{
    if (!mem)
        return;
    int err = errno;
    struct chunk *p = chunk_of(mem);
    t->live_bytes -= twin_usable_size(mem);
    if (chunk_mmapped(p)) {
        /* The sliding threshold: the size is compared with its IS_MMAPPED bit, as glibc does. */
        bool raise = !t->no_dyn_threshold && p->size > t->mmap_threshold &&
                     p->size <= TWIN_MMAP_THRESHOLD_MAX;
        if (raise) {
            t->mmap_threshold = chunk_size(p);
            t->trim_threshold = 2 * t->mmap_threshold;
        }
        twin_sys_munmap_chunk(t, p, raise);
    } else {
        twin_tcache_init(t);
        twin_int_free(t, p);
    }
    errno = err;
}

void *twin_calloc(struct twin *t, size_t n, size_t size)
{
    size_t bytes;
    if (__builtin_mul_overflow(n, size, &bytes) || bytes > (size_t)PTRDIFF_MAX) {
        errno = ENOMEM;
        return NULL;
    }
    twin_tcache_init(t);
    /* Memory above the highest break ever reached is fresh from the kernel: no need to clear. */
    struct chunk *oldtop = t->top;
    size_t oldtopsize = chunk_size(oldtop);
    size_t fresh = (size_t)((uintptr_t)t->sbrk_base + t->max_system_mem - (uintptr_t)oldtop);
    if (oldtopsize < fresh)
        oldtopsize = fresh;
    void *mem = twin_int_malloc(t, bytes);
    if (!mem)
        return NULL;
    struct chunk *p = chunk_of(mem);
    if (chunk_mmapped(p))
        return twin_count(t, mem);
    size_t csz = chunk_size(p);
    if (p == oldtop && csz > oldtopsize)
        csz = oldtopsize;
    memset(mem, 0, csz - CHUNK_SIZE_SZ);
    return twin_count(t, mem);
}

/* _int_realloc: grow in place into top or a free neighbour, else malloc-copy-free; any tail of
 * MINSIZE or more is split off and freed. */
static void *twin_int_realloc(struct twin *t, struct chunk *oldp, size_t oldsize, size_t nb)
{
    struct chunk *next = chunk_at(oldp, oldsize), *newp = oldp;
    size_t nextsize = chunk_size(next), newsize = oldsize;
    if (oldsize < nb) {
        if (next == t->top && (newsize = oldsize + nextsize) >= nb + CHUNK_MINSIZE) {
            chunk_set_size(oldp, nb);
            t->top = chunk_at(oldp, nb);
            t->top->size = (newsize - nb) | CHUNK_PREV_INUSE;
            return chunk_mem(oldp);
        }
        if (next != t->top && !chunk_inuse_at(next, nextsize) &&
            (newsize = oldsize + nextsize) >= nb) {
            chunk_unlink(next);
        } else {
            void *newmem = twin_int_malloc(t, nb - CHUNK_ALIGN_MASK);
            if (!newmem)
                return NULL;
            newp = chunk_of(newmem);
            newsize = chunk_size(newp);
            if (newp == next) {
                newsize += oldsize;
                newp = oldp;
            } else {
                memcpy(newmem, chunk_mem(oldp), oldsize - CHUNK_HDR_SZ + CHUNK_SIZE_SZ);
                twin_int_free(t, oldp);
                return newmem;
            }
        }
    }
    size_t rsize = newsize - nb;
    if (rsize < CHUNK_MINSIZE) {
        chunk_set_size(newp, newsize);
        chunk_set_inuse_at(newp, newsize);
    } else {
        struct chunk *rem = chunk_at(newp, nb);
        chunk_set_size(newp, nb);
        rem->size = rsize | CHUNK_PREV_INUSE;
        chunk_set_inuse_at(rem, rsize);
        twin_int_free(t, rem);
    }
    return chunk_mem(newp);
}

void *twin_realloc(struct twin *t, void *oldmem, size_t bytes)
{
    if (bytes == 0 && oldmem) { /* REALLOC_ZERO_BYTES_FREES */
        twin_free(t, oldmem);
        return NULL;
    }
    if (!oldmem)
        return twin_malloc(t, bytes);
    struct chunk *oldp = chunk_of(oldmem);
    size_t oldsize = chunk_size(oldp);
    if (!chunk_mmapped(oldp))
        twin_tcache_init(t);
    size_t nb = chunk_request(bytes);
    if (nb == 0) {
        errno = ENOMEM;
        return NULL;
    }
    size_t before = twin_usable_size(oldmem);
    if (chunk_mmapped(oldp)) {
        struct chunk *np = twin_sys_mremap_chunk(t, oldp, nb);
        if (np) {
            t->live_bytes -= before;
            return twin_count(t, chunk_mem(np));
        }
        if (oldsize - CHUNK_SIZE_SZ >= nb)
            return oldmem;
        void *newmem = twin_malloc(t, bytes);
        if (!newmem)
            return NULL;
        memcpy(newmem, oldmem, oldsize - CHUNK_HDR_SZ);
        t->live_bytes -= before;
        twin_sys_munmap_chunk(t, oldp, false);
        return newmem;
    }
    void *r = twin_int_realloc(t, oldp, oldsize, nb);
    if (r)
        t->live_bytes -= before;
    return twin_count(t, r);
}

/* _int_memalign: over-allocate by alignment + MINSIZE, free the leading and trailing parts. */
static void *twin_int_memalign(struct twin *t, size_t align, size_t bytes)
{
    size_t nb = chunk_request(bytes);
    if (nb == 0 || align > (size_t)PTRDIFF_MAX) {
        errno = ENOMEM;
        return NULL;
    }
    char *m = twin_int_malloc(t, nb + align + CHUNK_MINSIZE);
    if (!m)
        return NULL;
    struct chunk *p = chunk_of(m);
    if ((uintptr_t)m % align != 0) {
        char *brk = (char *)chunk_of((void *)(((uintptr_t)m + align - 1) & -(uintptr_t)align));
        if ((size_t)(brk - (char *)p) < CHUNK_MINSIZE)
            brk += align;
        struct chunk *newp = (struct chunk *)brk;
        size_t lead = (size_t)(brk - (char *)p), newsize = chunk_size(p) - lead;
        if (chunk_mmapped(p)) {
            newp->prev_size = p->prev_size + lead;
            newp->size = newsize | CHUNK_IS_MMAPPED;
            return chunk_mem(newp);
        }
        newp->size = newsize | CHUNK_PREV_INUSE;
        chunk_set_inuse_at(newp, newsize);
        chunk_set_size(p, lead);
        twin_int_free(t, p);
        p = newp;
    }
    if (!chunk_mmapped(p)) {
        size_t size = chunk_size(p);
        if (size > nb + CHUNK_MINSIZE) {
            struct chunk *rem = chunk_at(p, nb);
            rem->size = (size - nb) | CHUNK_PREV_INUSE;
            chunk_set_size(p, nb);
            twin_int_free(t, rem);
        }
    }
    return chunk_mem(p);
}

void *twin_memalign(struct twin *t, size_t align, size_t n)
{
    if (align <= CHUNK_ALIGN)
        return twin_malloc(t, n);
    if (align < CHUNK_MINSIZE)
        align = CHUNK_MINSIZE;
    if (align > SIZE_MAX / 2 + 1) {
        errno = EINVAL;
        return NULL;
    }
    if (align & (align - 1)) {
        size_t a = CHUNK_ALIGN * 2;
        while (a < align)
            a <<= 1;
        align = a;
    }
    return twin_count(t, twin_int_memalign(t, align, n));
}

int twin_trim(struct twin *t, size_t pad)
{
    return twin_sys_mtrim(t, pad);
}

int twin_mallopt(struct twin *t, int param, int value)
{
    twin_consolidate(t); /* glibc merges the fastbins before any change */
    size_t v = (size_t)(long)value;
    switch (param) {
    case TWIN_M_MXFAST:
        if (v > CHUNK_MAX_FAST)
            return 0;
        chunk_set_max_fast(&t->lists, v);
        return 1;
    case TWIN_M_TRIM_THRESHOLD:
        t->trim_threshold = v;
        break;
    case TWIN_M_TOP_PAD:
        t->top_pad = v;
        break;
    case TWIN_M_MMAP_THRESHOLD:
        t->mmap_threshold = v;
        break;
    case TWIN_M_MMAP_MAX:
        t->n_mmaps_max = value;
        break;
    default:
        return 1; /* arena, perturb, check: accepted, nothing the twin models */
    }
    t->no_dyn_threshold = true; /* any of the four knobs freezes the sliding threshold */
    return 1;
}
