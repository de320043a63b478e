/* The workloads' scratch memory (see wl_util.h): bookkeeping arrays straight from mmap,
 * populated when made, so they are neither the backend's memory nor page faults of the
 * measured phase. */
#define _GNU_SOURCE
#include "wl_util.h"

#include <sys/mman.h>

#define WL_UTIL_SCRATCH_HEADER 64u /* keeps the mapping's length; 64 keeps the array aligned */

void *wl_util_scratch(struct wl_env *env, size_t n, size_t size)
{
    (void)env;
    n = n ? n : 1;
    size = size ? size : 1;
    if (n > (SIZE_MAX - 2 * WL_UTIL_PAGE) / size) {
        errno = ENOMEM;
        return NULL;
    }
    size_t len =
        (n * size + WL_UTIL_SCRATCH_HEADER + WL_UTIL_PAGE - 1) & ~(size_t)(WL_UTIL_PAGE - 1);
    unsigned char *p =
        mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    *(size_t *)p = len;
    return p + WL_UTIL_SCRATCH_HEADER;
}

void wl_util_scratch_free(struct wl_env *env, void *p)
{
    (void)env;
    if (!p)
        return;
    unsigned char *base = (unsigned char *)p - WL_UTIL_SCRATCH_HEADER;
    munmap(base, *(size_t *)base);
}
