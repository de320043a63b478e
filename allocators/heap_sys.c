/* Every kernel call of the break-based heap: new regions over brk (or mmap when a foreign break
 * move or a failure blocks it), growing the top chunk like glibc's sysmalloc, trimming it like
 * systrim, and the mmapped blocks of the hybrid policy; allocation off the top chunk. */
#define _GNU_SOURCE
#include "heap_sys.h"

#include "os.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h> /* PROT_, MAP_, MREMAP_, MADV_ constants for the os_ calls only */
#include <unistd.h>

/* ---- regions, growth and trimming --------------------------------------------------------- */

/* The current top can never be extended again: keep what is usable as a free chunk and close
 * the region with a fence that points to the next region. */
static void heap_sys_seal_top(struct heap *h, struct heap_chunk *next_region)
{
    struct heap_chunk *t = h->top;
    size_t s = heap_chunk_size(t);
    struct heap_chunk *fence;
    if (s >= 2 * HEAP_MINSIZE) {
        size_t rest = s - HEAP_MINSIZE;
        fence = heap_chunk_at(t, rest);
        fence->size = HEAP_MINSIZE | HEAP_IS_FENCE | HEAP_PREV_INUSE;
        heap_chunk_set_free(t, rest);
        heap_chunk_bin_insert(h, t);
    } else {
        fence = t;
        fence->size = s | HEAP_IS_FENCE | HEAP_PREV_INUSE;
    }
    fence->fd = next_region;
    h->top = NULL;
}

static void heap_sys_new_region(struct heap *h, char *start, char *end, bool in_brk)
{
    struct heap_chunk *nt = (struct heap_chunk *)start;
    if (h->top)
        heap_sys_seal_top(h, nt);
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
static int heap_sys_grow_mmap(struct heap *h, size_t nb)
{
    size_t page = os_page_size();
    if (nb > (size_t)PTRDIFF_MAX / 2 || h->top_pad > (size_t)PTRDIFF_MAX / 4)
        return ENOMEM;
    size_t want = heap_chunk_align_up(nb + HEAP_MINSIZE + h->top_pad, page);
    if (want < HEAP_MORECORE_FALLBACK)
        want = HEAP_MORECORE_FALLBACK;
    void *m;
    if (os_mmap(NULL, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, &m) != 0)
        return ENOMEM;
    heap_sys_new_region(h, m, (char *)m + want, false);
    h->heap_bytes += want;
    heap_chunk_note_peaks(h);
    return 0;
}

/* Make top hold at least nb + MINSIZE, like glibc's sysmalloc for the main arena: one sbrk of
 * nb + top_pad + MINSIZE (less the current top when the break is still at its end), ending on
 * a page boundary. A break that moved under us starts a new region instead. */
int heap_sys_grow(struct heap *h, size_t nb)
{
    size_t page = os_page_size();
    for (int attempt = 0; attempt < 4; attempt++) {
        if (h->top && heap_chunk_size(h->top) >= nb + HEAP_MINSIZE)
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
            want -= heap_chunk_size(h->top);
        else
            want += (16 - ((uintptr_t)brk0 & 15)) & 15;
        uintptr_t end = (uintptr_t)brk0 + want;
        if (end < (uintptr_t)brk0 || end > UINTPTR_MAX - page)
            break;
        end = heap_chunk_align_up(end, page);
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
            char *start = (char *)heap_chunk_align_up((uintptr_t)old, 16);
            char *stop = old + incr;
            if (stop - start >= 2 * HEAP_MINSIZE)
                heap_sys_new_region(h, start, stop, true);
        }
        h->heap_bytes += incr;
        heap_chunk_note_peaks(h);
    }
    if (h->top && heap_chunk_size(h->top) >= nb + HEAP_MINSIZE)
        return 0;
    if (h->mmap_fallback && heap_sys_grow_mmap(h, nb) == 0)
        return heap_chunk_size(h->top) >= nb + HEAP_MINSIZE ? 0 : ENOMEM;
    return ENOMEM;
}

/* glibc's systrim: give back whole pages of top above pad + MINSIZE, but only while the break
 * is still at the end of top, so memory someone else sbrk'd above us is never released. */
int heap_sys_trim(struct heap *h, size_t pad)
{
    if (!h->top || !h->top_in_brk)
        return 0;
    size_t page = os_page_size();
    if (heap_chunk_size(h->top) <= HEAP_MINSIZE + 1)
        return 0;
    size_t top_area = heap_chunk_size(h->top) - HEAP_MINSIZE - 1;
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

struct heap_chunk *heap_sys_mmap_chunk(struct heap *h, size_t nb)
{
    size_t page = os_page_size();
    if (nb > (size_t)PTRDIFF_MAX - page)
        return NULL;
    size_t len = heap_chunk_align_up(nb + HEAP_SIZE_SZ, page);
    void *m;
    if (os_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, &m) != 0)
        return NULL;
    struct heap_chunk *c = m;
    c->prev_size = 0; /* offset of the chunk in its mapping (memalign moves it) */
    c->size = len | HEAP_IS_MMAPPED;
    h->n_mmaps++;
    h->mapped_bytes += len;
    heap_chunk_note_peaks(h);
    return c;
}

void heap_sys_munmap_chunk(struct heap *h, struct heap_chunk *c)
{
    size_t off = c->prev_size, len = off + heap_chunk_size(c);
    h->n_mmaps--;
    h->mapped_bytes -= len;
    os_munmap((char *)c - off, len);
}

struct heap_chunk *heap_sys_split_top(struct heap *h, size_t nb)
{
    struct heap_chunk *c = h->top;
    size_t s = heap_chunk_size(c);
    h->top = heap_chunk_at(c, nb);
    h->top->size = (s - nb) | HEAP_PREV_INUSE;
    c->size = nb | HEAP_PREV_INUSE;
    return c;
}
