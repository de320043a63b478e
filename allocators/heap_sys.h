/* The kernel side of the break-based heap (heap.c): regions grown with brk (mmap when the break
 * cannot move), the top chunk, trimming, and the mmapped blocks of the hybrid policy. */
#ifndef FAULTLINE_HEAP_SYS_H
#define FAULTLINE_HEAP_SYS_H

#include "heap_chunk.h"

int heap_sys_grow(struct heap *h, size_t nb);
int heap_sys_trim(struct heap *h, size_t pad);
struct heap_chunk *heap_sys_mmap_chunk(struct heap *h, size_t nb);
void heap_sys_munmap_chunk(struct heap *h, struct heap_chunk *c);
struct heap_chunk *heap_sys_split_top(struct heap *h, size_t nb);

#endif
