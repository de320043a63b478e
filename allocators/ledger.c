/* The ledger's recorder (see ledger.h). Process-global like the OS counters: one backend is
 * active per process. Callers hold the backend's lock, so no atomics are needed here. */
#include "ledger.h"

#include <stdarg.h>
#include <stdio.h>

static struct ledger_entry *ledger_buf;
static size_t ledger_cap, ledger_n;
static uint64_t ledger_calls, ledger_op;

void ledger_start(struct ledger_entry *buf, size_t cap)
{
    ledger_buf = buf;
    ledger_cap = buf ? cap : 0;
    ledger_n = 0;
    ledger_calls = 0;
}

bool ledger_active(void)
{
    return ledger_buf != NULL;
}

void ledger_set_op(uint64_t op)
{
    ledger_op = op;
}

void ledger_add(enum os_call kind, uint64_t bytes, const char *fmt, ...)
{
    if (!ledger_buf)
        return;
    ledger_calls++;
    if (ledger_n >= ledger_cap)
        return;
    struct ledger_entry *e = &ledger_buf[ledger_n++];
    e->op = ledger_op;
    e->kind = kind;
    e->bytes = bytes;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->reason, sizeof e->reason, fmt, ap);
    va_end(ap);
}

size_t ledger_kept(void)
{
    return ledger_n;
}

uint64_t ledger_total(void)
{
    return ledger_calls;
}

const struct ledger_entry *ledger_entries(void)
{
    return ledger_buf;
}
