/* Where the RSS went, sampled at every timeline point and step of the measured phase and at
 * its end: the kernel's view (/proc/self/smaps_rollup: Rss, Anonymous, LazyFree,
 * AnonHugePages, Private_Dirty; VmData and RssShmem from /proc/self/status) split into parts
 * from three independent sources: the workload (live requested bytes), the backend's own
 * accounting (usable and mapped bytes) and the kernel. Parts are defined in results/README.md;
 * for faultline backends they sum to the measured Rss within a page per part (a test checks).
 * Allocation-free: runs inside the measured phase. */
#ifndef FAULTLINE_BREAKDOWN_H
#define FAULTLINE_BREAKDOWN_H

#include <stdbool.h>
#include <stdint.h>

#define BREAKDOWN_MAX 1000 /* even: decimation keeps every other point */

/* Bytes; -1 = unknown. */
struct breakdown_point {
    uint64_t ops;
    int64_t rss;          /* smaps_rollup Rss (exact page-table walk) */
    int64_t baseline;     /* Rss when the phase started (runner, libraries, shared record) */
    int64_t live;         /* live requested bytes (workload) */
    int64_t overhead;     /* usable - requested of live blocks (backend), -1 for peers */
    int64_t free_held;    /* mapped by the allocator but in no live block (backend), -1 peers */
    int64_t untouched;    /* mapped (VmData growth) but not resident: subtracted */
    int64_t file;         /* file-backed Rss growth (file-map workload) */
    int64_t shmem;        /* shared-memory Rss growth (shm workload) */
    int64_t unattributed; /* rss - sum of the parts above (peers: their overhead + free) */
    int64_t anon;         /* smaps_rollup Anonymous */
    int64_t lazyfree;     /* smaps_rollup LazyFree: MADV_FREE'd, still counted in Rss */
    int64_t anon_huge;    /* smaps_rollup AnonHugePages */
    int64_t private_dirty;
};

/* The kernel's numbers for this process, allocation-free; fields -1 when unreadable. */
struct breakdown_kernel {
    int64_t rss, anon, lazyfree, anon_huge, private_dirty; /* smaps_rollup */
    int64_t vm_data, rss_shmem;                            /* status */
};
void breakdown_kernel_read(struct breakdown_kernel *k);

/* The backend's view: mapped = heap + mapped bytes, usable = bytes in live blocks. */
struct breakdown_backend {
    bool valid;
    int64_t mapped, usable;
};

/* Parts of one point from the phase-start state (k0, b0), the current state (k, b) and the
 * workload's live requested bytes. */
void breakdown_compute(const struct breakdown_kernel *k0, const struct breakdown_backend *b0,
                       const struct breakdown_kernel *k, const struct breakdown_backend *b,
                       int64_t live, uint64_t ops, struct breakdown_point *out);

/* Append to a bounded series (every other point dropped when full, like the timeline). */
void breakdown_append(struct breakdown_point *series, unsigned *count,
                      const struct breakdown_point *p);

#endif
