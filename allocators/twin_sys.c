/* The twin's kernel boundary (see twin.h): glibc 2.36's sysmalloc (mmap a chunk at or above the
 * threshold, else grow top by request + top_pad rounded to a page, with the foreign-sbrk and
 * brk-failure paths), systrim, malloc_trim's per-page madvise, munmap_chunk and mremap_chunk.
 * Every call goes through os.c (counted) and is written to the ledger with its reason. */
#define _GNU_SOURCE
#include "ledger.h"
#include "os.h"
#include "twin.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/mman.h>

extern void *__curbrk; /* glibc's cached break: NULL until the first brk/sbrk */

#define TWIN_FAIL ((char *)-1)

static size_t twin_sys_page(void)
{
    return os_page_size();
}

static size_t twin_sys_align_up(size_t v, size_t a)
{
    return (v + a - 1) & ~(a - 1);
}

/* sbrk(incr) as glibc's MORECORE: incr 0 costs a syscall only the first time. */
static char *twin_sys_sbrk(intptr_t incr, const char *why, size_t a, size_t b)
{
    bool first = __curbrk == NULL;
    void *old = NULL;
    int rc = os_sbrk(incr, &old);
    if (first && ledger_active())
        ledger_add(OS_BRK, 0, "first use of the break: brk(0) finds where it is", 0, 0);
    if (incr != 0 && ledger_active())
        ledger_add(OS_BRK, (uint64_t)(incr < 0 ? -incr : incr), why, a, b);
    return rc == 0 ? (char *)old : TWIN_FAIL;
}

static void *twin_sys_map(size_t len, const char *why, size_t a, size_t b)
{
    void *p = NULL;
    int rc = os_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, &p);
    if (ledger_active())
        ledger_add(OS_MMAP, len, why, a, b);
    return rc == 0 ? p : NULL;
}

/* sysmalloc_mmap: a chunk of its own, nb + 8 rounded to a page. */
static void *twin_sys_mmap_chunk(struct twin *t, size_t nb)
{
    size_t size = twin_sys_align_up(nb + CHUNK_SIZE_SZ, twin_sys_page());
    if (size <= nb)
        return NULL;
    char *mm = twin_sys_map(size, "chunk %zu B >= mmap threshold %zu B: own mapping", nb,
                            t->mmap_threshold);
    if (!mm)
        return NULL;
    struct chunk *p = (struct chunk *)mm;
    p->prev_size = 0;
    p->size = size | CHUNK_IS_MMAPPED;
    if (++t->n_mmaps > t->max_n_mmaps)
        t->max_n_mmaps = t->n_mmaps;
    t->mmapped_mem += size;
    if (t->mmapped_mem > t->max_mmapped_mem)
        t->max_mmapped_mem = t->mmapped_mem;
    return chunk_mem(p);
}

/* brk failed: map at least 1 MiB as a new, non-contiguous piece of the heap. */
static char *twin_sys_fallback(struct twin *t, long *s, size_t nb, size_t old_size)
{
    long size = *s;
    if (t->contiguous)
        size = (long)twin_sys_align_up((size_t)size + old_size, twin_sys_page());
    if ((unsigned long)size < TWIN_MMAP_AS_MORECORE)
        size = TWIN_MMAP_AS_MORECORE;
    if ((unsigned long)size <= nb)
        return TWIN_FAIL;
    char *m = twin_sys_map((size_t)size, "brk failed: map %zu B as heap instead (at least %zu B)",
                           (size_t)size, (size_t)TWIN_MMAP_AS_MORECORE);
    if (!m)
        return TWIN_FAIL;
    t->contiguous = false;
    *s = size;
    return m;
}

/* New space does not follow the old top (first call, foreign sbrk, or fallback mapping): align
 * its start, ask for a correction so the end lands on a page, and fence the old top off. */
static void twin_sys_new_region(struct twin *t, char *brk, char *snd_brk, long size,
                                struct chunk *old_top, size_t old_size, char *old_end)
{
    long correction = 0;
    char *aligned = brk;
    if (t->contiguous) {
        if (old_size)
            t->system_mem += (size_t)(brk - old_end);
        size_t mis = (uintptr_t)(brk + CHUNK_HDR_SZ) & CHUNK_ALIGN_MASK;
        if (mis > 0) {
            correction = (long)(CHUNK_ALIGN - mis);
            aligned += correction;
        }
        correction += (long)old_size;
        uintptr_t end = (uintptr_t)(brk + size + correction);
        correction += (long)(twin_sys_align_up(end, twin_sys_page()) - end);
        snd_brk = twin_sys_sbrk(correction,
                                "new heap region: correction of %zu B to reach a page end "
                                "(old top %zu B cannot be merged)",
                                (size_t)correction, old_size);
        if (snd_brk == TWIN_FAIL) {
            correction = 0;
            snd_brk = twin_sys_sbrk(0, "", 0, 0);
        }
    } else if (snd_brk == TWIN_FAIL) {
        snd_brk = twin_sys_sbrk(0, "", 0, 0);
    }
    if (snd_brk == TWIN_FAIL)
        return;
    t->top = (struct chunk *)aligned;
    t->top->size = (size_t)(snd_brk - aligned + correction) | CHUNK_PREV_INUSE;
    t->system_mem += (size_t)correction;
    if (old_size != 0) {
        /* two fenceposts keep the old top from ever merging with memory not ours */
        old_size = (old_size - 2 * CHUNK_HDR_SZ) & ~(size_t)CHUNK_ALIGN_MASK;
        old_top->size = old_size | CHUNK_PREV_INUSE;
        chunk_at(old_top, old_size)->size = CHUNK_HDR_SZ | CHUNK_PREV_INUSE;
        chunk_at(old_top, old_size + CHUNK_HDR_SZ)->size = CHUNK_HDR_SZ | CHUNK_PREV_INUSE;
        if (old_size >= CHUNK_MINSIZE)
            twin_int_free(t, old_top);
    }
}

void *twin_sys_malloc(struct twin *t, size_t nb)
{
    if (nb >= t->mmap_threshold && t->n_mmaps < t->n_mmaps_max) {
        void *mm = twin_sys_mmap_chunk(t, nb);
        if (mm)
            return mm;
    }
    struct chunk *old_top = t->top;
    size_t old_size = chunk_size(old_top);
    char *old_end = (char *)chunk_at(old_top, old_size);
    char *brk = TWIN_FAIL, *snd_brk = TWIN_FAIL;
    /* unsigned, so a request near PTRDIFF_MAX wraps as glibc's arithmetic does, without UB */
    size_t usize = nb + t->top_pad + CHUNK_MINSIZE;
    if (t->contiguous)
        usize -= old_size;
    long size = (long)twin_sys_align_up(usize, twin_sys_page());
    if (size > 0) {
        const char *why =
            t->in_tcache_init
                ? "first malloc of the process: the tcache's %zu B chunk needs a heap: grow by "
                  "chunk + top_pad %zu B + 32, page-rounded"
            : nb >= t->mmap_threshold
                ? "top too small for chunk %zu B (mmap_max reached or mmap failed): grow by "
                  "chunk + top_pad %zu B + 32 - top, page-rounded"
                : "top too small for chunk %zu B: grow by chunk + top_pad %zu B + 32 - top, "
                  "page-rounded";
        brk = twin_sys_sbrk(size, why, nb, t->top_pad);
    }
    if (brk == TWIN_FAIL) {
        char *m = twin_sys_fallback(t, &size, nb, old_size);
        if (m != TWIN_FAIL) {
            brk = m;
            snd_brk = brk + size;
        }
    }
    if (brk != TWIN_FAIL) {
        if (!t->sbrk_base)
            t->sbrk_base = brk;
        t->system_mem += (size_t)size;
        if (brk == old_end && snd_brk == TWIN_FAIL)
            old_top->size = ((size_t)size + old_size) | CHUNK_PREV_INUSE;
        else if (!(t->contiguous && old_size && brk < old_end))
            twin_sys_new_region(t, brk, snd_brk, size, old_top, old_size, old_end);
    }
    if (t->system_mem > t->max_system_mem)
        t->max_system_mem = t->system_mem;
    void *p = twin_split_top(t, nb);
    if (!p)
        errno = ENOMEM;
    return p;
}

int twin_sys_trim(struct twin *t, size_t pad, const char *why)
{
    long top_size = (long)chunk_size(t->top);
    long top_area = top_size - CHUNK_MINSIZE - 1;
    /* glibc compares and subtracts in unsigned arithmetic here; so does the twin */
    if ((unsigned long)top_area <= pad)
        return 0;
    long extra = (long)(((unsigned long)top_area - pad) & ~(twin_sys_page() - 1));
    if (extra == 0)
        return 0;
    char *cur = twin_sys_sbrk(0, "", 0, 0);
    if (cur != (char *)t->top + top_size)
        return 0; /* someone else moved the break: never give back what is not ours */
    const char *fmt = why[0] == 'f'
                          ? "free: top %zu B >= trim threshold %zu B: shrink, keeping top_pad"
                          : "malloc_trim: top %zu B, keep pad %zu B: shrink";
    twin_sys_sbrk(-extra, fmt, (size_t)top_size, why[0] == 'f' ? t->trim_threshold : pad);
    char *now = twin_sys_sbrk(0, "", 0, 0);
    if (now == TWIN_FAIL)
        return 0;
    long released = (long)(cur - now);
    if (released == 0)
        return 0;
    t->system_mem -= (size_t)released;
    t->top->size = (size_t)(top_size - released) | CHUNK_PREV_INUSE;
    return 1;
}

/* malloc_trim: give back the whole pages inside free chunks of the unsorted bin and of the bins
 * from the page-size bin up, then trim top. */
int twin_sys_mtrim(struct twin *t, size_t pad)
{
    twin_consolidate(t);
    const size_t ps = twin_sys_page(), psm1 = ps - 1;
    unsigned psindex = chunk_bin_index(ps);
    int result = 0;
    for (unsigned i = 1; i < CHUNK_NBINS; i++) {
        if (i != 1 && i < psindex)
            continue;
        struct chunk *bin = chunk_bin(&t->lists, i);
        for (struct chunk *p = bin->bk; p != bin; p = p->bk) {
            size_t size = chunk_size(p);
            if (size <= psm1 + sizeof(struct chunk))
                continue;
            char *pm = (char *)(((uintptr_t)p + sizeof(struct chunk) + psm1) & ~psm1);
            size -= (size_t)(pm - (char *)p);
            if (size > psm1) {
                os_madvise(pm, size & ~psm1, MADV_DONTNEED);
                if (ledger_active())
                    ledger_add(OS_MADVISE, size & ~psm1,
                               "malloc_trim: whole pages inside a free %zu B chunk", chunk_size(p),
                               0);
                result = 1;
            }
        }
    }
    return result | twin_sys_trim(t, pad, "malloc_trim");
}

void twin_sys_munmap_chunk(struct twin *t, struct chunk *p, bool raised)
{
    size_t total = p->prev_size + chunk_size(p);
    t->n_mmaps--;
    t->mmapped_mem -= total;
    os_munmap((char *)p - p->prev_size, total);
    if (raised)
        ledger_add(OS_MUNMAP, total,
                   "free of a mmapped chunk raised the mmap threshold to %zu B and trim to %zu B",
                   t->mmap_threshold, t->trim_threshold);
    else
        ledger_add(OS_MUNMAP, total, "free of a mmapped chunk of %zu B (threshold %zu B stays)",
                   total, t->mmap_threshold);
}

struct chunk *twin_sys_mremap_chunk(struct twin *t, struct chunk *p, size_t nb)
{
    size_t offset = p->prev_size, size = chunk_size(p), total = offset + size;
    size_t new_size = twin_sys_align_up(nb + offset + CHUNK_SIZE_SZ, twin_sys_page());
    if (total == new_size)
        return p;
    void *cp = NULL;
    int rc = os_mremap((char *)p - offset, total, new_size, MREMAP_MAYMOVE, &cp);
    if (ledger_active())
        ledger_add(OS_MREMAP, new_size, "realloc of a mmapped chunk: remap %zu B to %zu B", total,
                   new_size);
    if (rc != 0)
        return NULL;
    p = (struct chunk *)((char *)cp + offset);
    p->size = (new_size - offset) | CHUNK_IS_MMAPPED;
    t->mmapped_mem += new_size - size - offset;
    if (t->mmapped_mem > t->max_mmapped_mem)
        t->max_mmapped_mem = t->mmapped_mem;
    return p;
}
