/* Machine fingerprints: which machine a run was measured on, and which runs may pool which
 * numbers when shards from several machines are merged. The machine key is (CPU model, kernel,
 * glibc, THP mode, build); timings pool only among runs with the same machine key. Fault,
 * syscall and byte counts depend on the kernel, glibc, THP mode and build but not on the CPU
 * model, so the count key leaves the CPU out and counts pool across CPUs. */
#ifndef FAULTLINE_FINGERPRINT_H
#define FAULTLINE_FINGERPRINT_H

#include <stdbool.h>

#include "context.h"

struct fingerprint {
    char cpu_model[128], kernel[96], glibc[32], thp[32], build[200];
    char id[12];       /* "m" + 8 hex digits of the machine key */
    char count_id[12]; /* "k" + 8 hex digits of the count key */
};

/* From a context block (this machine's, or one read back from run.json). */
void fingerprint_from_context(const struct context *ctx, struct fingerprint *fp);
/* The fingerprint of --fake-measure runs, measured on no machine: the same everywhere, so
 * golden files do not depend on the machine that made them. */
void fingerprint_fake(struct fingerprint *fp);
/* True for metrics that are times (wall/user/sys ns, ns per op, cycles, instructions): the
 * ones that never pool across machines. */
bool fingerprint_timing_metric(int metric);

#endif
