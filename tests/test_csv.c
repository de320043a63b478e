/* The RFC 4180 CSV reader and writer (harness/util/csv.c): quoting, CRLF, lone CR, embedded
 * commas and line breaks, the issue-12 crash inputs, special files, and write -> read
 * round trips of hostile values. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "csv.h"
#include "test_util.h"

#define CHECK TEST_UTIL_CHECK

static struct csv parse(const char *text)
{
    struct csv c;
    int rc = csv_parse(&c, text, strlen(text), "t.csv");
    CHECK(rc == 0, "parse failed: %s", c.err);
    return c;
}

static void rfc_rules(void)
{
    struct csv c = parse("a,b,c\r\n1,\"x,y\",\"say \"\"hi\"\"\"\r\n\"multi\nline\",,last\n");
    CHECK(c.ncols == 3 && c.nrows == 2, "shape %zu x %zu", c.nrows, c.ncols);
    CHECK(!strcmp(csv_get(&c, 0, 1), "x,y"), "embedded comma: '%s'", csv_get(&c, 0, 1));
    CHECK(!strcmp(csv_get(&c, 0, 2), "say \"hi\""), "doubled quotes: '%s'", csv_get(&c, 0, 2));
    CHECK(!strcmp(csv_get(&c, 1, 0), "multi\nline"), "embedded newline");
    CHECK(!strcmp(csv_get(&c, 1, 1), ""), "empty cell");
    CHECK(!strcmp(csv_get(&c, 1, 2), "last"), "last cell");
    csv_free(&c);
    /* lone CR ends records, blank lines are skipped, short rows pad, long rows are cut */
    c = parse("a,b\r\r1\r\n\n2,3,4\r5,6,");
    CHECK(c.nrows == 3, "rows %zu", c.nrows);
    CHECK(!strcmp(csv_get(&c, 0, 0), "1") && !strcmp(csv_get(&c, 0, 1), ""), "short row");
    CHECK(!strcmp(csv_get(&c, 1, 1), "3") && !strcmp(csv_get(&c, 1, 2), ""), "long row cut");
    CHECK(!strcmp(csv_get(&c, 2, 1), "6"), "row after lone CR");
    CHECK(csv_col(&c, "b") == 1 && csv_col(&c, "zz") == -1, "csv_col");
    csv_free(&c);
    /* trailing comma at EOF is one more empty field */
    c = parse("a,b,");
    CHECK(c.ncols == 3 && c.nrows == 0 && !strcmp(c.header[2], ""), "header a,b,");
    csv_free(&c);
}

/* Issue 12: rows counted by '\n' but split on '\r' overflowed the heap; a header with a lone
 * CR handed NULL to strcmp. */
static void crash_inputs(void)
{
    struct csv c = parse("cell,backend\nx\rx\rx\r");
    CHECK(c.nrows == 3 && !strcmp(csv_get(&c, 2, 0), "x"), "lone-CR rows: %zu", c.nrows);
    csv_free(&c);
    c = parse("cell\r,backend\nx,y\n");
    CHECK(c.ncols == 1 && csv_col(&c, "backend") == -1 && csv_col(&c, "cell") == 0,
          "lone CR in header ends the header");
    CHECK(c.nrows == 2 && !strcmp(csv_get(&c, 0, 0), "") && !strcmp(csv_get(&c, 1, 0), "x"),
          "rows after a lone-CR header: %zu", c.nrows);
    csv_free(&c);
    c = parse("value_ns,count,cumulative\n1\r2\r3\r\r\r\r");
    CHECK(c.nrows == 3, "hist lone CRs: %zu", c.nrows);
    csv_free(&c);
}

static void refusals(void)
{
    struct csv c;
    const char *bad[] = {"", "a\n\"open", "a\n\"x\"y,1\n", "\n\r\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        errno = 0;
        CHECK(csv_parse(&c, bad[i], strlen(bad[i]), "t.csv") == -1 && errno == EINVAL,
              "bad input %zu accepted", i);
        CHECK(strstr(c.err, "t.csv") != NULL, "error names the file: '%s'", c.err);
    }
    CHECK(csv_load(&c, "/dev/zero") == -1 && errno == EINVAL && strstr(c.err, "device"),
          "/dev/zero: '%s'", c.err);
    char dir[] = "/tmp/faultline-csv-XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    char fifo[256];
    snprintf(fifo, sizeof fifo, "%s/fifo.csv", dir);
    CHECK(mkfifo(fifo, 0600) == 0, "mkfifo");
    CHECK(csv_load(&c, fifo) == -1 && strstr(c.err, "FIFO"), "FIFO: '%s'", c.err);
    unlink(fifo);
    CHECK(csv_load(&c, dir) == -1 && strstr(c.err, "directory"), "dir: '%s'", c.err);
    rmdir(dir);
    /* too many columns */
    size_t n = 2 * CSV_MAX_COLS + 2;
    char *wide = malloc(n + 1);
    memset(wide, ',', n);
    wide[n] = '\0';
    CHECK(csv_parse(&c, wide, n, "w.csv") == -1 && strstr(c.err, "columns"), "wide: %s", c.err);
    free(wide);
}

static void round_trip(void)
{
    const char *vals[] = {"plain", "a,b",       "q\"uote", "line\nbreak", "cr\rhere",
                          "",      "'$(x)'`y`", "\"\"",    ",",           "k=v;w=1,2"};
    size_t nv = sizeof vals / sizeof vals[0];
    struct strbuf sb;
    strbuf_init(&sb);
    for (size_t i = 0; i < nv; i++) {
        strbuf_puts(&sb, i ? "," : "");
        strbuf_printf(&sb, "h%zu", i);
    }
    strbuf_puts(&sb, "\r\n");
    for (size_t i = 0; i < nv; i++) {
        if (i)
            strbuf_puts(&sb, ",");
        csv_field(&sb, vals[i]);
    }
    strbuf_puts(&sb, "\n");
    struct csv c = parse(sb.data);
    CHECK(c.nrows == 1 && c.ncols == nv, "round trip shape");
    for (size_t i = 0; i < nv; i++)
        CHECK(!strcmp(csv_get(&c, 0, (int)i), vals[i]), "value %zu: '%s' came back as '%s'", i,
              vals[i], csv_get(&c, 0, (int)i));
    csv_free(&c);
    strbuf_free(&sb);
}

int main(void)
{
    rfc_rules();
    crash_inputs();
    refusals();
    round_trip();
    if (test_util_failures)
        return 1;
    test_util_say("ok: csv reader and writer\n");
    return 0;
}
