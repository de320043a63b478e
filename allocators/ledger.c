/* The ledger's recorder (see ledger.h). Process-global like the OS counters: one backend is
 * active per process. Callers hold the backend's lock, so no atomics are needed here. */
#include "ledger.h"

#include <stdio.h>

static struct ledger_entry *ledger_buf;
static size_t ledger_cap, ledger_n;
static uint64_t ledger_calls, ledger_op;
static const uint64_t *ledger_counter;

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

void ledger_set_op_counter(const uint64_t *counter)
{
    ledger_counter = counter;
}

void ledger_add(enum os_call kind, uint64_t bytes, const char *why, size_t a, size_t b)
{
    if (!ledger_buf)
        return;
    ledger_calls++;
    if (ledger_n >= ledger_cap)
        return;
    struct ledger_entry *e = &ledger_buf[ledger_n++];
    e->op = ledger_counter ? *ledger_counter : ledger_op;
    e->kind = kind;
    e->bytes = bytes;
    e->why = why;
    e->a = a;
    e->b = b;
}

/* The formats are the recorder's own literals with at most two %zu conversions. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
void ledger_reason(const struct ledger_entry *e, char *buf, size_t len)
{
    snprintf(buf, len, e->why ? e->why : "", e->a, e->b);
}
#pragma GCC diagnostic pop

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
