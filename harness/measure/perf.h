/* Kernel counters for one measured phase: perf software fault counters, syscall tracepoints
 * (ids from tracefs), and hardware events named through libpfm4 or a built-in table. What
 * cannot be opened is reported as unavailable with one reason, never as zero. */
#ifndef FAULTLINE_PERF_H
#define FAULTLINE_PERF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "perf_events.h" /* PERF_MAX_HW, PERF_NAME_MAX, perf_events_validate */

#define PERF_REASON_MAX 200

enum perf_fixed {
    PERF_MINFLT,
    PERF_MAJFLT,
    PERF_SYS_BRK,
    PERF_SYS_MMAP,
    PERF_SYS_MUNMAP,
    PERF_SYS_MREMAP,
    PERF_SYS_MADVISE,
    PERF_SYS_MPROTECT,
    PERF_FIXED_COUNT
};

struct perf_value {
    bool available; /* opened and read; false -> null in results */
    uint64_t value; /* scaled if multiplexed (see time_*) */
    uint64_t time_enabled;
    uint64_t time_running;
};

struct perf_hw_value {
    char name[PERF_NAME_MAX];         /* as the user gave it */
    char resolved[PERF_NAME_MAX * 2]; /* what it resolved to (libpfm fstr or builtin) */
    struct perf_value v;
};

struct perf_reading {
    struct perf_value fixed[PERF_FIXED_COUNT];
    unsigned hw_count;
    struct perf_hw_value hw[PERF_MAX_HW];
};

/* A set of open counters on one task (and the threads it creates afterwards). */
struct perf_session {
    int fixed_fd[PERF_FIXED_COUNT];
    unsigned hw_count;
    int hw_fd[PERF_MAX_HW];
    struct perf_hw_value hw[PERF_MAX_HW];
    /* One line per kind of failure ("syscall tracepoints: tracefs not mounted; run as root
     * ... or mount -t tracefs nodev /sys/kernel/tracing"). Empty when everything opened. */
    char warnings[4][PERF_REASON_MAX];
    unsigned warning_count;
    /* Bookkeeping for perf.c: per named event, 1 if it occupies a PMU counter (a zero reading
     * is then suspect), and the hw_fd index of its group leader (-1 when opened on its own). */
    signed char hw_pmu[PERF_MAX_HW];
    signed char hw_leader[PERF_MAX_HW];
};

/* Open counters for pid (0 = the calling thread/process; inherit to threads created later).
 * events: comma list of hardware event names (may be NULL/empty). enable_on_exec for a child
 * started suspended (faultline exec). Disabled mode (no_perf, or FAULTLINE_NO_PERF=1 in the
 * environment) opens nothing and records why. Returns 0, or -1 with a one-line error in err
 * only for bad input (an unknown event name); counters that fail to open are warnings. */
int perf_session_open(struct perf_session *s, pid_t pid, const char *events, bool no_perf,
                      bool enable_on_exec, char *err, size_t errlen);
/* Counters are opened disabled (unless enable_on_exec); enable/disable each fd. */
void perf_session_enable(struct perf_session *s);
void perf_session_disable(struct perf_session *s);
/* Read every counter (cumulative since open). */
void perf_session_read(struct perf_session *s, struct perf_reading *out);
void perf_session_close(struct perf_session *s);
/* out = a - b for available counters (available only if both are). */
void perf_reading_diff(const struct perf_reading *a, const struct perf_reading *b,
                       struct perf_reading *out);

/* Keep the syscall tracepoints registered for the life of this process (see perf.c): makes
 * opening and closing them in every measured child cheap. */
void perf_hold_tracepoints(void);

/* `faultline list events`: print built-in names and, with libpfm, how to see native names. */
void perf_list_events(FILE *out);
/* Short facts for the context block: paranoid level, tracefs path or NULL, PMU usable. */
int perf_paranoid(void);
bool perf_pmu_usable(void);

#endif
