/* Keeps the harness's own page faults out of the measured phase: before the phase starts,
 * touch the shared run record, every loaded object's code and a generous stack region, so what the
 * phase counts is the workload's and the allocator's. */
#ifndef FAULTLINE_PREFAULT_H
#define FAULTLINE_PREFAULT_H

#include <stddef.h>

/* Write-touch [p, p+len) page by page (each byte written back unchanged). */
void prefault_write(void *p, size_t len);
/* A private page-rounded region for harness state the phase writes, populated now and marked
 * MADV_WIPEONFORK: a workload that forks (shm's peer) would otherwise write-protect the
 * harness's pages in this process, and its next write to each would fault inside the phase (a
 * fault --no-measure does not have). A forked child sees the region zeroed. NULL on failure. */
void *prefault_private(size_t len);
/* Everything named above; rec/rec_len is the run record. */
void prefault_harness(void *rec, size_t rec_len);

#endif
