/* The hybrid backend's mallopt, for the LD_PRELOAD library's mallopt(): glibc 2.36 semantics
 * for the four knobs the backend has (each also switches the dynamic threshold off). */
#ifndef FAULTLINE_HYBRID_H
#define FAULTLINE_HYBRID_H

#include <stddef.h>

/* glibc's <malloc.h> numbers, repeated so callers need not include it. */
#define HYBRID_M_TRIM_THRESHOLD (-1)
#define HYBRID_M_TOP_PAD        (-2)
#define HYBRID_M_MMAP_THRESHOLD (-3)
#define HYBRID_M_MMAP_MAX       (-4)
#define HYBRID_M_MXFAST         1

/* Returns 1 on success, 0 on failure, like mallopt. Values are taken as glibc takes them: an
 * int converted to size_t (so -1 means "never" for the thresholds). Parameters the backend has
 * no use for (arena, perturb, check) are accepted and ignored (glibc returns 1 for them too);
 * M_MXFAST is accepted up to 160 (it sets the fastbin limit) and refused above, as in glibc. */
int hybrid_mallopt(int param, int value);

/* glibc's own semantics where the backend contract differs, for the LD_PRELOAD library (which
 * must be glibc's twin): realloc(p, 0) frees p and returns NULL; memalign rounds an alignment
 * that is not a power of two up to one instead of failing. */
void *hybrid_glibc_realloc(void *p, size_t size);
void *hybrid_glibc_memalign(size_t align, size_t size);

#endif
