/* preload_trace_map: the interface of the tracer's pointer -> id map (preload_trace_map.c). */
#ifndef FAULTLINE_PRELOAD_TRACE_MAP_H
#define FAULTLINE_PRELOAD_TRACE_MAP_H

#include <stdint.h>

/* A new id for p, or 0 when p could not be tracked. */
uint64_t preload_trace_map_insert(void *p);
/* Removes p and returns its id, or 0 if p was never tracked. */
uint64_t preload_trace_map_remove(void *p);
/* Puts back an id taken by preload_trace_map_remove (a realloc that failed keeps its block). */
void preload_trace_map_reinsert(void *p, uint64_t id);

#endif
