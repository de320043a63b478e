/* The ledger: why each OS call of a faultline backend happened. A backend that knows its reasons
 * (hybrid) records every call with the op index that caused it, the bytes and a one-line reason.
 * Off by default (no cost but one branch); the harness turns it on for a run and writes
 * ledger.csv from it. Entries live in a caller-supplied array, so recording never allocates
 * (the recorder may be the process's malloc). */
#ifndef FAULTLINE_LEDGER_H
#define FAULTLINE_LEDGER_H

#include "os.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LEDGER_REASON_LEN 120

struct ledger_entry {
    uint64_t op;       /* index of the workload op that triggered the call */
    enum os_call kind; /* brk, mmap, munmap, mremap, madvise */
    uint64_t bytes;    /* |break delta| for brk, length otherwise (new length for mremap) */
    char reason[LEDGER_REASON_LEN];
};

/* Record into buf[0..cap) from now on (buf NULL: stop recording). Resets the count. */
void ledger_start(struct ledger_entry *buf, size_t cap);
bool ledger_active(void);
/* The op index the next calls belong to (the harness sets it before each op). */
void ledger_set_op(uint64_t op);
/* Record one call; printf-style reason. Calls beyond cap are counted but not kept. */
void ledger_add(enum os_call kind, uint64_t bytes, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Entries kept, and calls recorded in total (> kept when the array overflowed). */
size_t ledger_kept(void);
uint64_t ledger_total(void);
const struct ledger_entry *ledger_entries(void);

#endif
