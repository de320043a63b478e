/* The RFC 4180 CSV reader and field writer (see csv.h). The reader copies the input once and
 * cuts it in place: unquoting only ever shrinks a field, so the write position never passes the
 * read position, and memory stays proportional to the input whatever its shape. */
#define _POSIX_C_SOURCE 200809L
#include "csv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infile.h"

struct csv_vec {
    void *v;
    size_t n, cap, size;
};

static bool csv_push(struct csv_vec *a, const void *item)
{
    if (a->n == a->cap) {
        size_t ncap = a->cap ? a->cap * 2 : 64;
        void *nv = realloc(a->v, ncap * a->size);
        if (!nv)
            return false;
        a->v = nv;
        a->cap = ncap;
    }
    memcpy((char *)a->v + a->n * a->size, item, a->size);
    a->n++;
    return true;
}

static int csv_fail(struct csv *c, int err, const char *name, const char *what, size_t at)
{
    char msg[sizeof c->err];
    if (what)
        snprintf(msg, sizeof msg, "%s: %s at byte %zu", name, what, at);
    else
        snprintf(msg, sizeof msg, "%s: %s", name, strerror(err));
    csv_free(c);
    memcpy(c->err, msg, sizeof msg);
    errno = err;
    return -1;
}

/* Cut one field starting at *r; writes its text at *w. Returns the byte that ended it (',',
 * '\n' for any line break, '\0' at the end) or -1 for a broken quote (*r at the fault). */
static int csv_field_cut(char *buf, size_t len, size_t *r, size_t *w)
{
    size_t i = *r, o = *w;
    int end;
    if (i < len && buf[i] == '"') {
        for (i++;; i++) {
            if (i >= len) {
                *r = i;
                return -1; /* unterminated */
            }
            if (buf[i] == '"') {
                if (i + 1 < len && buf[i + 1] == '"') {
                    buf[o++] = '"';
                    i++;
                    continue;
                }
                i++;
                break;
            }
            buf[o++] = buf[i];
        }
        if (i < len && buf[i] != ',' && buf[i] != '\n' && buf[i] != '\r') {
            *r = i;
            return -2; /* text after the closing quote */
        }
    } else {
        while (i < len && buf[i] != ',' && buf[i] != '\n' && buf[i] != '\r')
            buf[o++] = buf[i++];
    }
    if (i >= len) {
        end = '\0';
    } else if (buf[i] == ',') {
        end = ',';
        i++;
    } else {
        end = '\n';
        i += (buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n') ? 2 : 1;
    }
    buf[o] = '\0';
    *r = i;
    *w = o + 1;
    return end;
}

static int csv_cut_all(struct csv *c, size_t len, const char *name)
{
    /* a NUL would silently cut a cell short: text files have none */
    const char *nul = memchr(c->buf, '\0', len);
    if (nul)
        return csv_fail(c, EINVAL, name, "NUL byte", (size_t)(nul - c->buf));
    struct csv_vec cells = {NULL, 0, 0, sizeof(char *)}, rows = {NULL, 0, 0, sizeof(size_t)};
    size_t r = 0, w = 0, in_row = 0;
    bool ok = true;
    while (r < len && ok) {
        if (in_row == 0 && (c->buf[r] == '\n' || c->buf[r] == '\r')) {
            r++; /* blank line */
            continue;
        }
        if (in_row == 0)
            ok = csv_push(&rows, &cells.n);
        size_t start = w, at = r;
        int end = csv_field_cut(c->buf, len, &r, &w);
        if (end < 0) {
            free(cells.v);
            free(rows.v);
            return csv_fail(c, EINVAL, name,
                            end == -1 ? "unterminated quoted field" : "text after a closing quote",
                            end == -1 ? at : r);
        }
        if (rows.n == 1 && in_row >= CSV_MAX_COLS) {
            free(cells.v);
            free(rows.v);
            return csv_fail(c, EINVAL, name, "more than 4096 columns in the header", at);
        }
        /* cells beyond the header's count are dropped */
        size_t limit = rows.n == 1 ? CSV_MAX_COLS : c->ncols;
        char *cell = c->buf + start;
        if (in_row < limit)
            ok = ok && csv_push(&cells, &cell);
        in_row++;
        if (rows.n == 1 && end != ',')
            c->ncols = in_row < CSV_MAX_COLS ? in_row : CSV_MAX_COLS;
        if (end != ',')
            in_row = 0;
        if (end == ',' && r >= len) {   /* "a,b," at EOF: a last empty field */
            char *empty = c->buf + len; /* the terminating NUL */
            if (in_row < (rows.n == 1 ? CSV_MAX_COLS : c->ncols))
                ok = ok && csv_push(&cells, &empty);
            in_row++;
            if (rows.n == 1)
                c->ncols = in_row < CSV_MAX_COLS ? in_row : CSV_MAX_COLS;
        }
    }
    if (ok)
        ok = csv_push(&rows, &cells.n);
    if (!ok) {
        free(cells.v);
        free(rows.v);
        return csv_fail(c, ENOMEM, name, NULL, 0);
    }
    if (rows.n < 2) { /* no header: only blank lines */
        free(cells.v);
        free(rows.v);
        return csv_fail(c, EINVAL, name, "no header row", 0);
    }
    c->cells = cells.v;
    c->row_at = rows.v;
    c->header = c->cells;
    c->nrows = rows.n - 2; /* minus the header, minus the end marker */
    c->row_at++;           /* row 0 is the first data row */
    return 0;
}

int csv_parse(struct csv *c, const char *data, size_t len, const char *name)
{
    memset(c, 0, sizeof *c);
    if (len > INFILE_MAX_BYTES)
        return csv_fail(c, EFBIG, name, NULL, 0);
    c->buf = malloc(len + 1);
    if (!c->buf)
        return csv_fail(c, ENOMEM, name, NULL, 0);
    memcpy(c->buf, data, len);
    c->buf[len] = '\0';
    if (len == 0)
        return csv_fail(c, EINVAL, name, "empty file", 0);
    return csv_cut_all(c, len, name);
}

int csv_load(struct csv *c, const char *path)
{
    memset(c, 0, sizeof *c);
    size_t len;
    c->buf = infile_read(path, INFILE_MAX_BYTES, &len, c->err, sizeof c->err);
    if (!c->buf)
        return -1;
    if (len == 0)
        return csv_fail(c, EINVAL, path, "empty file", 0);
    return csv_cut_all(c, len, path);
}

void csv_free(struct csv *c)
{
    free(c->buf);
    free(c->cells);
    if (c->row_at)
        free(c->row_at - 1);
    memset(c, 0, sizeof *c);
}

int csv_col(const struct csv *c, const char *name)
{
    for (size_t i = 0; i < c->ncols; i++)
        if (!strcmp(c->header[i], name))
            return (int)i;
    return -1;
}

const char *csv_get(const struct csv *c, size_t row, int col)
{
    if (col < 0 || row >= c->nrows)
        return "";
    size_t have = c->row_at[row + 1] - c->row_at[row];
    if ((size_t)col >= have)
        return "";
    return c->cells[c->row_at[row] + (size_t)col];
}

bool csv_num(const struct csv *c, size_t row, int col, double *out)
{
    const char *s = csv_get(c, row, col);
    if (!*s)
        return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v))
        return false;
    *out = v;
    return true;
}

void csv_field(struct strbuf *sb, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        strbuf_puts(sb, s);
        return;
    }
    strbuf_puts(sb, "\"");
    for (const char *p = s; *p; p++) {
        strbuf_add(sb, p, 1);
        if (*p == '"') /* a quote inside a quoted field is doubled */
            strbuf_add(sb, p, 1);
    }
    strbuf_puts(sb, "\"");
}

void csv_fields(struct strbuf *sb, const char *const *v, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (k)
            strbuf_puts(sb, ",");
        csv_field(sb, v[k]);
    }
}
