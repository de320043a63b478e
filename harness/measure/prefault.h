/* Keeps the harness's own page faults out of the measured phase: before the phase starts,
 * touch the shared run record, every loaded object's code and a generous stack region, so what the
 * phase counts is the workload's and the allocator's. */
#ifndef FAULTLINE_PREFAULT_H
#define FAULTLINE_PREFAULT_H

#include <stddef.h>

/* Write-touch [p, p+len) page by page (each byte written back unchanged). */
void prefault_write(void *p, size_t len);
/* Everything named above; rec/rec_len is the run record. */
void prefault_harness(void *rec, size_t rec_len);

#endif
