/* The run-level axes of a cell, applied by the parent around the exec'd child: container
 * limits (one leaf cgroup per run, cgroup.h) and the THP mode (thp.h). A cell carries them as
 * text in cell.run_params ("memory.max=64M;memory.high=48M;thp=never"). runner.c calls three
 * hooks: runlimits_prepare before fork, runlimits_in_child between fork and exec,
 * runlimits_finish after the child was reaped. */
#ifndef FAULTLINE_RUNLIMITS_H
#define FAULTLINE_RUNLIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"
#include "results.h"
#include "thp.h"

struct runlimits {
    bool has_cgroup;
    struct cgroup_limits limits;
    enum thp_mode thp;
    int glibc_hugetlb; /* glibc backend's hugetlb parameter, -1 unset */
    char backend[32];
    struct cgroup_mounts mounts;
    struct cgroup_leaf leaf;
    bool leaf_made;
};

/* Parse run_params text (';' or ',' separated; memory.* keys and thp). 0, or -1 with err. */
int runlimits_parse(const char *text, struct runlimits *rl, char *err, size_t errlen);
/* Canonical run_params text from a --cgroup value (may be NULL) and a --thp value (may be NULL).
 * 0, or -1 with a one-line error. */
int runlimits_format(const char *cgroup, const char *thp, char *buf, size_t len, char *err,
                     size_t errlen);
/* Before fork: parse the cell's run_params and create its leaf cgroup. 0, or -1 with err (the
 * run becomes an error outcome; nothing is left behind). */
int runlimits_prepare(const struct cell *c, struct runlimits *rl, char *err, size_t errlen);
/* In the forked child: join the leaf, apply the THP mode and the glibc tunable. 0 or -1. */
int runlimits_in_child(const struct runlimits *rl);
/* After the child was reaped: cgroup metrics into out->m, outcome "oom-killed" when the kernel
 * OOM-killed the run inside its leaf, then the leaf is removed. */
void runlimits_finish(struct runlimits *rl, int status, struct run_result *out);

/* The measured child's data limit (--mem-limit, RLIMIT_DATA: brk and private writable
 * mappings). In a plain build the parent sets it between fork and exec (only system calls).
 * Under ASan that cannot work: ASan's shadow memory is a private writable mapping of terabytes
 * made as the runner starts, and would exceed any limit. There the runner is told with
 * `--data-limit N` and sets the limit itself once started, as the data it holds then plus N:
 * the workload and backend get N bytes either way. */
void runlimits_data_before_exec(uint64_t bytes);
/* Whether the runner sets the limit itself (a sanitizer build). */
bool runlimits_data_in_runner(void);
/* In the runner: RLIMIT_DATA = its VmData now + bytes. 0, or -1 with errno. */
int runlimits_data_apply(uint64_t bytes);

#endif
