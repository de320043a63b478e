/* ledger.csv writer and printer (see ledger_file.h). */
#define _GNU_SOURCE
#include "ledger_file.h"

#include "csv.h"
#include "ledger.h"
#include "strbuf.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LEDGER_FILE_ENV "FAULTLINE_LEDGER"
#define LEDGER_FILE_CAP 65536 /* calls kept per run; more are counted in a last row */

static struct ledger_entry ledger_file_buf[LEDGER_FILE_CAP];

static const char ledger_file_header[] = "backend,workload,seed,pid,op,call,bytes,reason\n";

int ledger_file_prepare(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/ledger.csv", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    ssize_t w = write(fd, ledger_file_header, sizeof ledger_file_header - 1);
    close(fd);
    if (w != (ssize_t)(sizeof ledger_file_header - 1))
        return -1;
    return setenv(LEDGER_FILE_ENV, path, 1);
}

void ledger_file_begin(const uint64_t *ops)
{
    const char *path = getenv(LEDGER_FILE_ENV);
    if (!path || !*path)
        return;
    ledger_set_op_counter(ops);
    ledger_start(ledger_file_buf, LEDGER_FILE_CAP);
}

/* Returns -1 when the row could not be written. The measured child stays silent then: the
 * parent's own writes to the same results directory fail too and report the path and errno
 * once (the one-line rule), where a line per row would flood the console. */
static int ledger_file_row(int fd, const char *backend, const char *workload, uint64_t seed,
                           uint64_t op, const char *call, uint64_t bytes, const char *reason)
{
    struct strbuf sb;
    strbuf_init(&sb);
    csv_field(&sb, backend);
    strbuf_puts(&sb, ",");
    csv_field(&sb, workload);
    strbuf_printf(&sb, ",%llu,%ld,%llu,%s,%llu,", (unsigned long long)seed, (long)getpid(),
                  (unsigned long long)op, call, (unsigned long long)bytes);
    csv_field(&sb, reason);
    strbuf_puts(&sb, "\n");
    int rc = sb.data && write(fd, sb.data, sb.len) != (ssize_t)sb.len ? -1 : 0;
    strbuf_free(&sb);
    return rc;
}

void ledger_file_end(const char *backend, const char *workload, uint64_t seed)
{
    const char *path = getenv(LEDGER_FILE_ENV);
    if (!path || !*path || !ledger_active())
        return;
    size_t n = ledger_kept();
    uint64_t total = ledger_total();
    const struct ledger_entry *e = ledger_entries();
    ledger_start(NULL, 0);
    ledger_set_op_counter(NULL);
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0)
        return;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char why[256];
        ledger_reason(&e[i], why, sizeof why);
        rc = ledger_file_row(fd, backend, workload, seed, e[i].op, os_call_name(e[i].kind),
                             e[i].bytes, why);
    }
    if (rc == 0 && total > n) {
        char why[96];
        snprintf(why, sizeof why, "%llu more calls not kept (ledger holds %d per run)",
                 (unsigned long long)(total - n), LEDGER_FILE_CAP);
        (void)ledger_file_row(fd, backend, workload, seed, 0, "", 0, why);
    }
    close(fd);
}

long ledger_file_print(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/ledger.csv", dir);
    struct csv c;
    if (csv_load(&c, path) != 0)
        return -1;
    int cb = csv_col(&c, "backend"), cw = csv_col(&c, "workload"), cp = csv_col(&c, "pid");
    int co = csv_col(&c, "op"), cc = csv_col(&c, "call"), cy = csv_col(&c, "bytes");
    int cr = csv_col(&c, "reason");
    char last[512] = "";
    for (size_t i = 0; i < c.nrows; i++) {
        char run[512];
        snprintf(run, sizeof run, "%s on %s (pid %s)", csv_get(&c, i, cb), csv_get(&c, i, cw),
                 csv_get(&c, i, cp));
        if (strcmp(run, last) != 0) {
            printf("why: %s\n", run);
            snprintf(last, sizeof last, "%s", run);
        }
        printf("  op %-6s %-7s %10s B  %s\n", csv_get(&c, i, co), csv_get(&c, i, cc),
               csv_get(&c, i, cy), csv_get(&c, i, cr));
    }
    long n = (long)c.nrows;
    csv_free(&c);
    return n;
}
