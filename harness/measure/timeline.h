/* The run's timeline: points of RSS, program break, mapped bytes, live bytes and faults over
 * the measured phase. Points are taken when the backend's OS layer changes the address space
 * (every brk/mmap/munmap/mremap/madvise through allocators/os.c) and, for backends that do not
 * go through it (glibc, peers), at most once per millisecond at the workload's op ticks (less
 * often where a point costs more than 0.5 us: tick points take at most 0.05 % of the phase).
 * Bounded: when the buffer fills, every other point is dropped and both rates halve. */
#ifndef FAULTLINE_TIMELINE_H
#define FAULTLINE_TIMELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "sample.h"
#include "workload.h"

/* Before the phase: the record to fill, the workload env (ops and live bytes), whether the
 * OS layer's mapped bytes mean the backend's (faultline backends), and the phase's starting
 * break. Touches the timeline's pages and opens /proc/self/statm. */
void timeline_init(struct run_record *rec, struct wl_env *env, bool os_mapped_valid,
                   uintptr_t break_start);
/* Start/stop event sampling (installs/removes the OS-layer hook) and take a point now. */
void timeline_begin(void);
void timeline_end(void);
/* Recorder tick (env->next_tick reached). */
void timeline_tick(void *ctx, struct wl_env *env);
/* Largest RSS read during the phase: every point, and right before every OS-layer call that
 * releases memory (so exact for faultline backends). */
uint64_t timeline_rss_max(void);

#endif
