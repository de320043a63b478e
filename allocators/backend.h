/* The allocator backend API: one const struct backend_ops per backend (allocators/<name>.c),
 * listed in allocators/registry.c. Backends keep process-global state (there is one program
 * break per process), so one backend is active per process: the harness runs each measurement
 * in a fresh child, and each LD_PRELOAD library holds exactly one backend.
 *
 * Contract every faultline backend meets (the peers are held only to C/POSIX, see check):
 *  - every pointer returned is 16-byte aligned;
 *  - malloc(0) returns a unique pointer that can be freed;
 *  - free(NULL) is a no-op;
 *  - calloc(n, m) with n*m overflowing, and any failure, return NULL with errno = ENOMEM;
 *    calloc memory reads as zero;
 *  - realloc(NULL, n) == malloc(n); realloc(p, 0) frees p and returns a malloc(0) pointer (glibc
 *    returns NULL; we return a minimal block so callers never lose track); realloc keeps the
 *    content up to the smaller of the old and new sizes; on failure p is untouched;
 *  - memalign(a, n) needs a power of two a >= 1 (values below 16 give 16), else EINVAL;
 *  - usable_size(p) >= the requested size, and all of it may be written;
 *  - thread-safe and fork-safe (atfork hooks take and release the backend's lock);
 *  - memory comes only from allocators/os.c, so os_counts are the backend's exact OS calls. */
#ifndef FAULTLINE_BACKEND_H
#define FAULTLINE_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "os.h"
#include "param.h"

#define BACKEND_ALIGN 16

struct backend_stats {
    size_t heap_bytes;      /* bytes of break-based heap owned now (break - heap start) */
    size_t mapped_bytes;    /* bytes in live mappings owned now */
    size_t live_bytes;      /* bytes in live blocks (usable sizes) */
    size_t peak_heap_bytes; /* high-water marks since init */
    size_t peak_mapped_bytes;
    bool sizes_valid;     /* false when the backend cannot tell (peers) */
    bool os_counts_valid; /* true when all its OS calls go through os.c */
};

struct backend_ops {
    const char *name;
    const char *summary;
    const struct param_def *params; /* terminated by {NULL} */
    /* Soname to LD_PRELOAD into the measured child (peers), or NULL: the runner execs the child
     * with it and the ops then call the libc malloc symbols, which the preload replaces. */
    const char *preload;
    int (*init)(const struct param_values *pv); /* 0 or errno; called once before use */
    void (*fini)(void);
    void *(*malloc)(size_t size);
    void (*free)(void *p);
    void *(*calloc)(size_t n, size_t size);
    void *(*realloc)(void *p, size_t size);
    void *(*memalign)(size_t align, size_t size);
    size_t (*usable_size)(void *p);
    int (*trim)(size_t pad); /* 1 if memory was released, else 0 (malloc_trim semantics) */
    void (*stats)(struct backend_stats *out);
    /* fork safety: prepare takes the lock, parent/child release (child may reinitialise). */
    void (*atfork_prepare)(void);
    void (*atfork_parent)(void);
    void (*atfork_child)(void);
};

/* inner with its malloc family (malloc, free, calloc, realloc, memalign) taken from family: how
 * the harness puts its wrappers (latency timing, fault injection) around a backend. Everything
 * else (name, init, usable_size, trim, stats, the atfork hooks) stays inner's, so the wrapped
 * table is still that backend to every caller. */
static inline struct backend_ops backend_wrap(const struct backend_ops *inner,
                                              const struct backend_ops *family)
{
    struct backend_ops out = *inner;
    out.malloc = family->malloc;
    out.free = family->free;
    out.calloc = family->calloc;
    out.realloc = family->realloc;
    out.memalign = family->memalign;
    return out;
}

/* registry.c */
extern const struct backend_ops *const backend_registry[];
/* NULL if unknown. */
const struct backend_ops *backend_find(const char *name);
/* Parse "NAME[:k=v,...]": on success fills *ops and pv and returns 0; otherwise -1 with one
 * line in err naming what was wrong and what would be valid. */
int backend_parse_spec(const char *spec, const struct backend_ops **ops, struct param_values *pv,
                       char *err, size_t errlen);
/* "brk, mmap, hybrid, ..." into buf. */
void backend_list_names(char *buf, size_t len);

#endif
