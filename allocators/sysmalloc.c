/* The process malloc family as backend ops (see sysmalloc.h). Peers have no mallinfo2, so their
 * sizes are reported as unknown rather than as zero. */
#define _GNU_SOURCE
#include "sysmalloc.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

const struct param_def sysmalloc_no_params[] = {{.name = NULL}};

void *sysmalloc_malloc(size_t size)
{
    return malloc(size);
}

void sysmalloc_free(void *p)
{
    free(p);
}

void *sysmalloc_calloc(size_t n, size_t size)
{
    return calloc(n, size);
}

void *sysmalloc_realloc(void *p, size_t size)
{
    return realloc(p, size);
}

void *sysmalloc_memalign(size_t align, size_t size)
{
    void *p = NULL;
    if (align == 0 || (align & (align - 1)) != 0) {
        errno = EINVAL; /* the contract: a power of two, checked before rounding up */
        return NULL;
    }
    if (align < sizeof(void *))
        align = sizeof(void *);
    int rc = posix_memalign(&p, align, size);
    if (rc != 0) {
        errno = rc;
        return NULL;
    }
    return p;
}

size_t sysmalloc_usable_size(void *p)
{
    return malloc_usable_size(p);
}

int sysmalloc_trim(size_t pad)
{
    return malloc_trim(pad);
}

void sysmalloc_stats(struct backend_stats *out)
{
    memset(out, 0, sizeof *out);
}

int sysmalloc_init_none(const struct param_values *pv)
{
    (void)pv;
    return 0;
}

void sysmalloc_nothing(void) {}
