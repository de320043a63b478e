/* The static region both preload libraries serve allocations from before their allocator can
 * run (ld.so's early calls, dlsym's calloc, a recursion from init): one definition of "is this
 * block from the region", header-only so libfaultline-trace.so still links nothing of ours. */
#ifndef FAULTLINE_BOOT_REGION_H
#define FAULTLINE_BOOT_REGION_H

#include <stdbool.h>
#include <stddef.h>

/* Whether p lies in the region [base, base + size): such a block is never freed or reused. */
static inline bool boot_region_has(const unsigned char *base, size_t size, const void *p)
{
    const unsigned char *c = p;
    return c >= base && c < base + size;
}

#endif
