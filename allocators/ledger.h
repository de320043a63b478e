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

struct ledger_entry {
    uint64_t op;       /* index of the workload op that triggered the call */
    enum os_call kind; /* brk, mmap, munmap, mremap, madvise */
    uint64_t bytes;    /* |break delta| for brk, length otherwise (new length for mremap) */
    const char *why;   /* printf format (a string literal) with up to two %zu for a and b */
    size_t a, b;
};

/* Record into buf[0..cap) from now on (buf NULL: stop recording). Resets the count. */
void ledger_start(struct ledger_entry *buf, size_t cap);
bool ledger_active(void);
/* The op index the next calls belong to (the harness sets it before each op). */
void ledger_set_op(uint64_t op);
/* Or: read the op index from this counter at each call (the workload's ops-done count, which
 * is the index of the op in progress); NULL goes back to ledger_set_op's value. */
void ledger_set_op_counter(const uint64_t *counter);
/* Record one call. The reason is kept as its format and two numbers and formatted only when
 * read (ledger_reason), so recording costs a few stores, not a printf per syscall. Calls beyond
 * cap are counted but not kept. */
void ledger_add(enum os_call kind, uint64_t bytes, const char *why, size_t a, size_t b);
/* The entry's reason as text. */
void ledger_reason(const struct ledger_entry *e, char *buf, size_t len);
/* Entries kept, and calls recorded in total (> kept when the array overflowed). */
size_t ledger_kept(void);
uint64_t ledger_total(void);
const struct ledger_entry *ledger_entries(void);

#endif
