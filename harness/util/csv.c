/* A small reader for faultline's own CSV files (see csv.h): whole file in memory, cells cut in
 * place, lookups by header name. */
#define _POSIX_C_SOURCE 200809L
#include "csv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *csv_read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        cap *= 2;
        char *nb = realloc(buf, cap + 1);
        if (!nb) {
            free(buf);
            buf = NULL;
        }
        buf = nb;
    }
    int err = ferror(f) ? EIO : 0;
    fclose(f);
    if (!buf || err) {
        free(buf);
        errno = err ? err : ENOMEM;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Cut one line (ending at '\n' or NUL) into cells; returns the start of the next line. */
static char *csv_split_line(char *p, char **out, size_t max, size_t *count)
{
    size_t n = 0;
    char *start = p;
    for (;; p++) {
        if (*p == ',' || *p == '\n' || *p == '\r' || *p == '\0') {
            char c = *p;
            if (out && n < max)
                out[n] = start;
            n++;
            if (c == '\r' && p[1] == '\n')
                *p++ = '\0';
            if (c == ',') {
                *p = '\0';
                start = p + 1;
                continue;
            }
            *p = '\0';
            *count = n;
            return c == '\0' ? p : p + 1;
        }
    }
}

int csv_load(struct csv *c, const char *path)
{
    memset(c, 0, sizeof *c);
    size_t len;
    c->buf = csv_read_all(path, &len);
    if (!c->buf)
        return -1;
    if (len == 0) {
        csv_free(c);
        errno = EINVAL;
        return -1;
    }
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += c->buf[i] == '\n';
    /* the header fixes the column count; every row is padded or cut to it */
    size_t hcols = 1;
    for (char *q = c->buf; *q && *q != '\n'; q++)
        hcols += *q == ',';
    c->header = calloc(hcols, sizeof *c->header);
    c->cells = calloc(lines * hcols + 1, sizeof *c->cells);
    if (!c->header || !c->cells) {
        csv_free(c);
        errno = ENOMEM;
        return -1;
    }
    char *p = csv_split_line(c->buf, c->header, hcols, &c->ncols);
    c->ncols = hcols;
    static char empty[] = "";
    char *end = c->buf + len;
    while (p < end && *p) {
        if (*p == '\n' || (*p == '\r' && p[1] == '\n')) { /* blank line */
            p += *p == '\r' ? 2 : 1;
            continue;
        }
        char **row = c->cells + c->nrows * c->ncols;
        size_t got;
        p = csv_split_line(p, row, c->ncols, &got);
        for (size_t k = got; k < c->ncols; k++)
            row[k] = empty;
        c->nrows++;
    }
    return 0;
}

void csv_free(struct csv *c)
{
    free(c->buf);
    free(c->header);
    free(c->cells);
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
    if (col < 0 || (size_t)col >= c->ncols || row >= c->nrows)
        return "";
    return c->cells[row * c->ncols + (size_t)col];
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
