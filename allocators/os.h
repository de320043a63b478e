/* The OS layer: the only place backends obtain memory from the kernel. Every call is counted
 * (calls, bytes, failures per kind) so the harness gets exact per-backend syscall numbers
 * without privileges; kernel tracepoints must agree with these counts. */
#ifndef FAULTLINE_OS_H
#define FAULTLINE_OS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum os_call { OS_BRK, OS_MMAP, OS_MUNMAP, OS_MREMAP, OS_MADVISE, OS_MPROTECT, OS_CALL_COUNT };

struct os_counts {
    uint64_t calls[OS_CALL_COUNT];
    uint64_t bytes[OS_CALL_COUNT]; /* brk: |delta| of the break; others: length argument */
    uint64_t failures[OS_CALL_COUNT];
};

/* Name of a call kind: "brk", "mmap", "munmap", "mremap", "madvise", "mprotect". */
const char *os_call_name(enum os_call call);

/* Current program break. Costs one counted brk(0) the first time the process asks (glibc's
 * cached __curbrk is NULL until someone calls brk/sbrk), nothing afterwards. Shares glibc's
 * cache, so a foreign sbrk (glibc malloc in the same process) is seen. Returns 0 or errno. */
int os_break(void **cur);
/* Move the break by incr bytes (may be negative); *old receives the break before the move.
 * incr == 0 is os_break(). Returns 0 or ENOMEM (break unchanged). */
int os_sbrk(intptr_t incr, void **old);
/* Set the break to addr. Returns 0 or ENOMEM. */
int os_brk(void *addr);

/* mmap/munmap/mremap/madvise with the usual arguments; results through out parameters. */
int os_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off, void **out);
int os_munmap(void *addr, size_t len);
int os_mremap(void *old, size_t old_len, size_t new_len, int flags, void **out);
int os_madvise(void *addr, size_t len, int advice);
/* mprotect (glibc grows and shrinks its non-main arenas' heaps with it; a backend modelling
 * that calls this). Returns 0 or errno. */
int os_mprotect(void *addr, size_t len, int prot);

/* Process-wide counters (relaxed atomics: a syscall costs ~2 us here, an atomic add ~5 ns). */
void os_counts_read(struct os_counts *out);
void os_counts_reset(void);
/* out = a - b, per field. */
void os_counts_diff(const struct os_counts *a, const struct os_counts *b, struct os_counts *out);

/* Bytes the OS layer has mapped and not unmapped (mmap adds, munmap subtracts, mremap adds
 * the change): the backend's mapped bytes, readable without calling into the backend. */
int64_t os_mapped_bytes(void);

/* A function called after every call that changes the address space (brk that moves the
 * break, mmap, munmap, mremap, madvise) with before == 0, and also just before every call that
 * may release memory (munmap, madvise, a brk that lowers the break, a shrinking mremap) with
 * before == 1; from inside the backend (its locks may be held: the hook must not call the
 * backend). NULL = none. The harness samples its timeline and the exact RSS peak here. */
typedef void (*os_event_fn)(enum os_call call, int before);
void os_set_event_hook(os_event_fn fn);

/* System page size, cached. */
size_t os_page_size(void);

#endif
