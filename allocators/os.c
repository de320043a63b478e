/* The counted OS layer (see os.h): thin wrappers over brk, mmap, munmap, mremap and madvise. */
#define _GNU_SOURCE
#include "os.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* glibc's cached program break, shared with its sbrk() and malloc. Exported since 2.2.5. */
extern void *__curbrk;

static _Atomic uint64_t os_calls[OS_CALL_COUNT];
static _Atomic uint64_t os_bytes[OS_CALL_COUNT];
static _Atomic uint64_t os_failures[OS_CALL_COUNT];
static _Atomic int64_t os_mapped;
static _Atomic(os_event_fn) os_hook;

static const char *const os_names[OS_CALL_COUNT] = {"brk",    "mmap",    "munmap",
                                                    "mremap", "madvise", "mprotect"};

const char *os_call_name(enum os_call call)
{
    return (unsigned)call < OS_CALL_COUNT ? os_names[call] : "?";
}

static void os_count(enum os_call call, uint64_t bytes, int failed)
{
    atomic_fetch_add_explicit(&os_calls[call], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&os_bytes[call], bytes, memory_order_relaxed);
    if (failed)
        atomic_fetch_add_explicit(&os_failures[call], 1, memory_order_relaxed);
}

/* After a call that changed the address space: tell the harness (timeline samples). */
static void os_event(enum os_call call, int before)
{
    os_event_fn fn = atomic_load_explicit(&os_hook, memory_order_relaxed);
    if (fn)
        fn(call, before);
}

void os_set_event_hook(os_event_fn fn)
{
    atomic_store_explicit(&os_hook, fn, memory_order_relaxed);
}

int64_t os_mapped_bytes(void)
{
    return atomic_load_explicit(&os_mapped, memory_order_relaxed);
}

/* THP as a sweep axis (issue 18): with FAULTLINE_THP=madvise in the environment (the runner sets
 * it for `--thp madvise-on`), new anonymous mappings and break extensions get MADV_HUGEPAGE, so
 * they take 2 MiB pages where the system's THP mode is "madvise". Read once; a race between
 * threads computes the same value. The extra madvise calls are counted like any other. */
static int os_thp_state = -1;

static bool os_thp_advise(void)
{
    if (os_thp_state < 0) {
        const char *e = getenv("FAULTLINE_THP");
        os_thp_state = e && !strcmp(e, "madvise");
    }
    return os_thp_state == 1;
}

static void os_thp_range(uintptr_t lo, uintptr_t hi)
{
    uintptr_t page = os_page_size();
    lo = (lo + page - 1) & ~(page - 1);
    hi &= ~(page - 1);
    if (hi > lo)
        os_madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
}

int os_break(void **cur)
{
    if (__curbrk == NULL) {
        /* libc brk(NULL) issues exactly one brk syscall and fills __curbrk. */
        int rc = brk(NULL);
        os_count(OS_BRK, 0, rc != 0);
        if (rc != 0 || __curbrk == NULL)
            return ENOMEM;
    }
    *cur = __curbrk;
    return 0;
}

int os_brk(void *addr)
{
    void *before = __curbrk;
    if (before && (uintptr_t)addr < (uintptr_t)before)
        os_event(OS_BRK, 1);
    int rc = brk(addr); /* one syscall; updates __curbrk to what the kernel returned */
    uintptr_t a = (uintptr_t)addr, b = (uintptr_t)before;
    os_count(OS_BRK, before ? (a > b ? a - b : b - a) : 0, rc != 0);
    if (rc == 0 && __curbrk != before)
        os_event(OS_BRK, 0);
    if (rc == 0 && before && a > b && os_thp_advise())
        os_thp_range(b, a);
    return rc == 0 ? 0 : ENOMEM;
}

int os_sbrk(intptr_t incr, void **old)
{
    void *cur;
    int rc = os_break(&cur);
    if (rc != 0)
        return rc;
    *old = cur;
    if (incr == 0)
        return 0;
    uintptr_t c = (uintptr_t)cur;
    if ((incr > 0 && c + (uintptr_t)incr < c) || (incr < 0 && (uintptr_t)(-incr) > c))
        return ENOMEM;
    return os_brk((void *)(c + (uintptr_t)incr));
}

int os_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off, void **out)
{
    void *p = mmap(addr, len, prot, flags, fd, off);
    int err = p == MAP_FAILED ? errno : 0;
    os_count(OS_MMAP, len, err != 0);
    *out = err ? NULL : p;
    if (!err) {
        atomic_fetch_add_explicit(&os_mapped, (int64_t)len, memory_order_relaxed);
        os_event(OS_MMAP, 0);
    }
    if (!err && (flags & MAP_ANONYMOUS) && os_thp_advise())
        os_thp_range((uintptr_t)p, (uintptr_t)p + len);
    return err;
}

int os_munmap(void *addr, size_t len)
{
    os_event(OS_MUNMAP, 1);
    int err = munmap(addr, len) == 0 ? 0 : errno;
    os_count(OS_MUNMAP, len, err != 0);
    if (!err) {
        atomic_fetch_sub_explicit(&os_mapped, (int64_t)len, memory_order_relaxed);
        os_event(OS_MUNMAP, 0);
    }
    return err;
}

int os_mremap(void *old, size_t old_len, size_t new_len, int flags, void **out)
{
    if (new_len < old_len)
        os_event(OS_MREMAP, 1);
    void *p = mremap(old, old_len, new_len, flags);
    int err = p == MAP_FAILED ? errno : 0;
    os_count(OS_MREMAP, new_len, err != 0);
    *out = err ? NULL : p;
    if (!err) {
        atomic_fetch_add_explicit(&os_mapped, (int64_t)new_len - (int64_t)old_len,
                                  memory_order_relaxed);
        os_event(OS_MREMAP, 0);
    }
    return err;
}

int os_madvise(void *addr, size_t len, int advice)
{
    if (advice == MADV_DONTNEED || advice == MADV_FREE || advice == MADV_REMOVE ||
        advice == MADV_PAGEOUT)
        os_event(OS_MADVISE, 1);
    int err = madvise(addr, len, advice) == 0 ? 0 : errno;
    os_count(OS_MADVISE, len, err != 0);
    if (!err)
        os_event(OS_MADVISE, 0);
    return err;
}

int os_mprotect(void *addr, size_t len, int prot)
{
    /* dropping access to committed pages does not free them: no pre-release RSS read */
    int err = mprotect(addr, len, prot) == 0 ? 0 : errno;
    os_count(OS_MPROTECT, len, err != 0);
    if (!err)
        os_event(OS_MPROTECT, 0);
    return err;
}

void os_counts_read(struct os_counts *out)
{
    for (int i = 0; i < OS_CALL_COUNT; i++) {
        out->calls[i] = atomic_load_explicit(&os_calls[i], memory_order_relaxed);
        out->bytes[i] = atomic_load_explicit(&os_bytes[i], memory_order_relaxed);
        out->failures[i] = atomic_load_explicit(&os_failures[i], memory_order_relaxed);
    }
}

void os_counts_reset(void)
{
    for (int i = 0; i < OS_CALL_COUNT; i++) {
        atomic_store_explicit(&os_calls[i], 0, memory_order_relaxed);
        atomic_store_explicit(&os_bytes[i], 0, memory_order_relaxed);
        atomic_store_explicit(&os_failures[i], 0, memory_order_relaxed);
    }
}

void os_counts_diff(const struct os_counts *a, const struct os_counts *b, struct os_counts *out)
{
    for (int i = 0; i < OS_CALL_COUNT; i++) {
        out->calls[i] = a->calls[i] - b->calls[i];
        out->bytes[i] = a->bytes[i] - b->bytes[i];
        out->failures[i] = a->failures[i] - b->failures[i];
    }
}

size_t os_page_size(void)
{
    static size_t page;
    if (page == 0)
        page = (size_t)sysconf(_SC_PAGESIZE);
    return page;
}
