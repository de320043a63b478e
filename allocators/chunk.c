/* List mechanics of the twin's main arena (see chunk.h): bin sentinels, the large-bin size skip
 * list in glibc 2.36's insertion order, fastbins and tcache. No policy here. */
#include "chunk.h"

#include <string.h>

/* largebin_index_64: 32 bins 64 B apart, 16 of 512 B, 8 of 4 KiB, 4 of 32 KiB, 2 of 256 KiB, 1. */
unsigned chunk_large_index(size_t sz)
{
    if ((sz >> 6) <= 48)
        return 48 + (unsigned)(sz >> 6);
    if ((sz >> 9) <= 20)
        return 91 + (unsigned)(sz >> 9);
    if ((sz >> 12) <= 10)
        return 110 + (unsigned)(sz >> 12);
    if ((sz >> 15) <= 4)
        return 119 + (unsigned)(sz >> 15);
    if ((sz >> 18) <= 2)
        return 124 + (unsigned)(sz >> 18);
    return 126;
}

void chunk_set_max_fast(struct chunk_lists *l, size_t mxfast)
{
    /* set_max_fast: tiny values leave no fastbin-sized chunk (16 is below MINSIZE). */
    l->max_fast = mxfast <= CHUNK_ALIGN_MASK - CHUNK_SIZE_SZ
                      ? CHUNK_MINSIZE / 2
                      : (mxfast + CHUNK_SIZE_SZ) & ~(size_t)CHUNK_ALIGN_MASK;
}

void chunk_lists_init(struct chunk_lists *l, size_t mxfast)
{
    memset(l, 0, sizeof *l);
    for (unsigned i = 0; i < CHUNK_NBINS; i++) {
        struct chunk *b = &l->bins[i];
        b->fd = b->bk = b;
        /* glibc's bin header overlaps the next bin, so its fd_nextsize is never NULL; the
         * unlink rule below depends on that. */
        b->fd_nextsize = b->bk_nextsize = b;
    }
    chunk_set_max_fast(l, mxfast);
}

void chunk_mark_bin(struct chunk_lists *l, unsigned i)
{
    l->binmap[i >> 5] |= 1u << (i & 31);
}

void chunk_unlink(struct chunk *p)
{
    struct chunk *fd = p->fd, *bk = p->bk;
    fd->bk = bk;
    bk->fd = fd;
    if (!chunk_small(chunk_size(p)) && p->fd_nextsize != NULL) {
        if (fd->fd_nextsize == NULL) {
            /* p led its size group and fd (same size) takes over the skip-list place */
            if (p->fd_nextsize == p) {
                fd->fd_nextsize = fd->bk_nextsize = fd;
            } else {
                fd->fd_nextsize = p->fd_nextsize;
                fd->bk_nextsize = p->bk_nextsize;
                p->fd_nextsize->bk_nextsize = fd;
                p->bk_nextsize->fd_nextsize = fd;
            }
        } else {
            p->fd_nextsize->bk_nextsize = p->bk_nextsize;
            p->bk_nextsize->fd_nextsize = p->fd_nextsize;
        }
    }
}

void chunk_unsorted_push(struct chunk_lists *l, struct chunk *p, size_t size)
{
    struct chunk *bck = chunk_unsorted(l), *fwd = bck->fd;
    p->fd = fwd;
    p->bk = bck;
    if (!chunk_small(size)) {
        p->fd_nextsize = NULL;
        p->bk_nextsize = NULL;
    }
    bck->fd = p;
    fwd->bk = p;
}

/* Large bins are sorted by size, largest first; chunks of one size form a group whose first
 * member carries the nextsize links; a new chunk of an existing size goes second in its group. */
static void chunk_large_place(struct chunk *victim, size_t size, struct chunk **bckp,
                              struct chunk **fwdp)
{
    struct chunk *bck = *bckp, *fwd = bck->fd;
    if (fwd == bck) {
        victim->fd_nextsize = victim->bk_nextsize = victim;
    } else if (size < chunk_size(bck->bk)) {
        /* smaller than the smallest: goes last */
        fwd = bck;
        bck = bck->bk;
        victim->fd_nextsize = fwd->fd;
        victim->bk_nextsize = fwd->fd->bk_nextsize;
        fwd->fd->bk_nextsize = victim->bk_nextsize->fd_nextsize = victim;
    } else {
        while (size < chunk_size(fwd))
            fwd = fwd->fd_nextsize;
        if (size == chunk_size(fwd)) {
            fwd = fwd->fd;
        } else {
            victim->fd_nextsize = fwd;
            victim->bk_nextsize = fwd->bk_nextsize;
            fwd->bk_nextsize = victim;
            victim->bk_nextsize->fd_nextsize = victim;
        }
        bck = fwd->bk;
    }
    *bckp = bck;
    *fwdp = fwd;
}

void chunk_bin_place(struct chunk_lists *l, struct chunk *victim, size_t size)
{
    unsigned idx = chunk_bin_index(size);
    struct chunk *bck = chunk_bin(l, idx), *fwd = bck->fd;
    if (!chunk_small(size))
        chunk_large_place(victim, size, &bck, &fwd);
    chunk_mark_bin(l, idx);
    victim->bk = bck;
    victim->fd = fwd;
    fwd->bk = victim;
    bck->fd = victim;
}

void chunk_tcache_put(struct chunk_tcache *t, struct chunk *c, size_t idx)
{
    struct chunk **e = chunk_mem(c);
    e[0] = t->entries[idx];
    e[1] = NULL; /* glibc stores its double-free key here; the twin has none */
    t->entries[idx] = (struct chunk *)e;
    t->counts[idx]++;
}

void *chunk_tcache_get(struct chunk_tcache *t, size_t idx)
{
    struct chunk **e = (struct chunk **)t->entries[idx];
    t->entries[idx] = e[0];
    t->counts[idx]--;
    e[1] = NULL;
    return e;
}

void chunk_fast_push(struct chunk_lists *l, struct chunk *c, size_t size)
{
    unsigned i = chunk_fast_index(size);
    l->have_fast = true;
    c->fd = l->fast[i];
    l->fast[i] = c;
}

struct chunk *chunk_fast_pop(struct chunk_lists *l, unsigned idx)
{
    struct chunk *c = l->fast[idx];
    if (c)
        l->fast[idx] = c->fd;
    return c;
}
