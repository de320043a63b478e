/* The measured child's hooks for "where the memory went": child.c calls memview_begin right
 * before the measured phase, memview_point at every timeline point and step, memview_end after
 * the phase (phase-end breakdown, THP counters) and memview_settle for the settle window. */
#ifndef FAULTLINE_MEMVIEW_H
#define FAULTLINE_MEMVIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "backend.h"
#include "sample.h"

void memview_begin(struct run_record *rec, const struct backend_ops *ops, bool sizes_valid);
void memview_point(uint64_t ops, int64_t live);
/* Phase-end point and metrics (bd_*, lazyfree_end, anon_huge_peak, thp_fault_*). */
void memview_end(uint64_t ops, int64_t live);
/* Settle window of window_ms after the phase: release_ns, retained_bytes, rec->settle. */
void memview_settle(unsigned window_ms, bool early_stop);

#endif
