/* Explained tails (opt-in: FAULTLINE_TAILS_DIR, set by `faultline run --explain-tails`): for
 * every latency-sampled operation, the OS calls (brk, mmap, munmap, mremap, madvise) the
 * allocator made and the page faults the thread took inside it; at the end of the measured
 * phase, per op kind, what the samples above the p99 contained, written to
 * <dir>/tails-<pid>.csv for the report, and the latency CDF of all samples split by cause,
 * written to <dir>/tails_cdf-<pid>.csv for plots/plot.sh. */
#ifndef FAULTLINE_TAILS_H
#define FAULTLINE_TAILS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "os.h"
#include "sample.h"

struct tails_mark {
    uint64_t calls[OS_CALL_COUNT];
    long faults;
};

extern bool tails_on;

/* In the CLI: create <results_dir>/tails and point the children at it (FAULTLINE_TAILS_DIR).
 * 0, or -1 with errno (EINVAL without a results directory). */
int tails_dir_setup(const char *results_dir);
/* Reads FAULTLINE_TAILS_DIR; prepares the sample store outside the measured phase. */
void tails_init(void);
/* Around one sampled op: cheap no-ops unless enabled. */
void tails_begin_slow(struct tails_mark *m);
void tails_end_slow(const struct tails_mark *m, enum op_kind kind, uint64_t lat_ns);
static inline void tails_begin(struct tails_mark *m)
{
    if (tails_on)
        tails_begin_slow(m);
}
static inline void tails_end(const struct tails_mark *m, enum op_kind kind, uint64_t lat_ns)
{
    if (tails_on)
        tails_end_slow(m, kind, lat_ns);
}
/* After the measured phase: the per-kind tail summary and CDF files into the directory. */
void tails_write(const char *backend, const char *workload, uint64_t seed);

/* Cause of one sample: the OS calls it made ("mmap+munmap"), "+faults" when it also faulted,
 * "faults only", or "no syscall or fault". For tests and the writer. */
void tails_cause(const uint16_t calls[OS_CALL_COUNT], uint32_t faults, char *buf, size_t len);

#endif
