/* Backend ops over the process's own malloc family (glibc, or a peer that the runner
 * LD_PRELOADs): shared by glibc.c, jemalloc.c, tcmalloc.c and mimalloc.c. */
#ifndef FAULTLINE_SYSMALLOC_H
#define FAULTLINE_SYSMALLOC_H

#include "backend.h"

void *sysmalloc_malloc(size_t size);
void sysmalloc_free(void *p);
void *sysmalloc_calloc(size_t n, size_t size);
void *sysmalloc_realloc(void *p, size_t size);
void *sysmalloc_memalign(size_t align, size_t size);
size_t sysmalloc_usable_size(void *p);
int sysmalloc_trim(size_t pad);
void sysmalloc_stats(struct backend_stats *out);
int sysmalloc_init_none(const struct param_values *pv);
void sysmalloc_nothing(void);

/* Initialiser list for the ops of a peer library that is preloaded into the child. */
#define SYSMALLOC_PEER_OPS(NAME, SUMMARY, SONAME)                                                  \
    .name = NAME, .summary = SUMMARY, .params = sysmalloc_no_params, .preload = SONAME,            \
    .init = sysmalloc_init_none, .fini = sysmalloc_nothing, .malloc = sysmalloc_malloc,            \
    .free = sysmalloc_free, .calloc = sysmalloc_calloc, .realloc = sysmalloc_realloc,              \
    .memalign = sysmalloc_memalign, .usable_size = sysmalloc_usable_size, .trim = sysmalloc_trim,  \
    .stats = sysmalloc_stats, .atfork_prepare = sysmalloc_nothing,                                 \
    .atfork_parent = sysmalloc_nothing, .atfork_child = sysmalloc_nothing

extern const struct param_def sysmalloc_no_params[];

#endif
