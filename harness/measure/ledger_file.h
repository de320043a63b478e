/* ledger.csv: the per-run file of why each OS call happened (allocators/ledger.h records it).
 * The CLI creates the file with its header and names it in FAULTLINE_LEDGER; every measured
 * child appends its rows (one write per row, O_APPEND, so parallel children do not interleave
 * within a row); `run --explain` prints it. Only backends that know their reasons (hybrid)
 * write rows; the others' calls are counted in samples.csv but not explained. */
#ifndef FAULTLINE_LEDGER_FILE_H
#define FAULTLINE_LEDGER_FILE_H

#include <stdint.h>

/* Parent: create DIR/ledger.csv with its header and export FAULTLINE_LEDGER. 0 or -1. */
int ledger_file_prepare(const char *dir);
/* Child: start recording (no-op without FAULTLINE_LEDGER); ops is the op-in-progress counter. */
void ledger_file_begin(const uint64_t *ops);
/* Child: stop recording and append the rows for this run. */
void ledger_file_end(const char *backend, const char *workload, uint64_t seed);
/* Parent: print DIR/ledger.csv as one line per call. Returns the number of rows, -1 if none. */
long ledger_file_print(const char *dir);

#endif
