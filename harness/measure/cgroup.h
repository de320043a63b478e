/* Container limits for one measured run: parse a `--cgroup` spec, find the memory controller
 * from /proc/self/mountinfo (cgroup v2 where it has the memory controller, else the v1 memory
 * hierarchy), create a leaf cgroup for the run under this process's own cgroup, let the forked
 * child join it, read what the kernel recorded (peak, failures, OOM kills, throttling, pressure
 * stalls) and remove the leaf afterwards. */
#ifndef FAULTLINE_CGROUP_H
#define FAULTLINE_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CGROUP_PATH_MAX 512
#define CGROUP_UNSET    (-1)
#define CGROUP_NO_LIMIT (-2) /* "max": explicitly unlimited */

/* Limits in bytes (CGROUP_UNSET when not given). Keys use the v2 names; v1 names are aliases. */
struct cgroup_limits {
    int64_t max;      /* memory.max / v1 memory.limit_in_bytes */
    int64_t high;     /* memory.high / v1 memory.soft_limit_in_bytes (see results/README.md) */
    int64_t swap_max; /* memory.swap.max / v1 memory.memsw.limit_in_bytes = max + swap_max */
};

struct cgroup_mounts {
    int version;                      /* 1 or 2: the hierarchy with the memory controller */
    char memory_dir[CGROUP_PATH_MAX]; /* this process's cgroup in that hierarchy */
    char v2_dir[CGROUP_PATH_MAX];     /* this process's cgroup in the v2 hierarchy, or "" */
    char reason[160];                 /* why version is 0 */
};

struct cgroup_leaf {
    int version;
    char dir[CGROUP_PATH_MAX];     /* the leaf with the memory controller */
    char psi_dir[CGROUP_PATH_MAX]; /* v1 only: a companion v2 leaf for memory.pressure, or "" */
    int procs_fd, psi_procs_fd;    /* cgroup.procs of each, opened before fork */
    int64_t limit;                 /* effective memory.max in bytes, or -1 */
};

/* What the kernel recorded for the leaf; -1 = not available on this version/kernel. */
struct cgroup_usage {
    int64_t peak;        /* memory.peak (v2) / memory.max_usage_in_bytes (v1) */
    int64_t failcnt;     /* v1 memory.failcnt + memory.memsw.failcnt: charges refused */
    int64_t oom_kills;   /* memory.events oom_kill (v2) / memory.oom_control oom_kill (v1) */
    int64_t high_events; /* v2 memory.events high: times throttled above memory.high */
    int64_t max_events;  /* v2 memory.events max: times usage hit memory.max */
    int64_t psi_some_us; /* memory.pressure "some" total stall time, microseconds */
    int64_t psi_full_us; /* memory.pressure "full" total stall time, microseconds */
    int64_t stat_anon;   /* memory.stat anon (v2) / rss (v1) at the end, bytes */
    int64_t stat_file;   /* memory.stat file (v2) / cache (v1) at the end, bytes */
};

/* Parse "memory.max=64M,memory.high=48M" (also ';' as separator). Sizes take K/M/G; "max" means
 * unlimited. Returns 0, or -1 with a one-line error naming the key and what is valid. */
int cgroup_parse(const char *spec, struct cgroup_limits *out, char *err, size_t errlen);
/* Canonical text of the limits ("memory.max=64M;memory.high=48M"). */
void cgroup_format(const struct cgroup_limits *l, char *buf, size_t len);
/* Find the hierarchy from mountinfo_path and cgroup_path (normally /proc/self/...). Returns 0, or
 * -1 with m->reason set. */
int cgroup_detect_from(const char *mountinfo_path, const char *cgroup_path,
                       struct cgroup_mounts *m);
int cgroup_detect(struct cgroup_mounts *m);
/* Everything --cgroup needs before a run: root, a memory controller, a writable own cgroup.
 * Returns 0 or -1 with a one-line reason. Creates nothing. */
int cgroup_usable(struct cgroup_mounts *m, char *err, size_t errlen);
/* Create the leaf `name` under m with the limits applied. 0, or -1 with err (nothing left). */
int cgroup_leaf_create(const struct cgroup_mounts *m, const struct cgroup_limits *l,
                       const char *name, struct cgroup_leaf *leaf, char *err, size_t errlen);
/* In the forked child before exec: move the calling process into the leaf(s). Async-signal-safe.
 * Returns 0 or -1. */
int cgroup_leaf_join(const struct cgroup_leaf *leaf);
/* After the child was reaped: read the counters. */
void cgroup_leaf_read(const struct cgroup_leaf *leaf, struct cgroup_usage *u);
/* Remove the leaf (retries while the kernel still lists exiting tasks). 0 or -1. */
int cgroup_leaf_remove(struct cgroup_leaf *leaf);

#endif
