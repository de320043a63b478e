/* CSV by RFC 4180, both directions. The reader takes a header row and records separated by CRLF,
 * LF or a lone CR; a field in double quotes may hold commas, line breaks and doubled quotes.
 * Blank lines are skipped, short rows read as empty cells, cells beyond the header are ignored,
 * a NUL byte makes the file malformed, and an empty cell means "not measured". Input files must
 * be regular files of at most INFILE_MAX_BYTES (256 MiB) with at most CSV_MAX_COLS columns. The
 * writer quotes exactly the fields that need it, so what was written reads back unchanged. */
#ifndef FAULTLINE_CSV_H
#define FAULTLINE_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

#define CSV_MAX_COLS 4096

struct csv {
    char *buf;      /* the file, cut in place into NUL-terminated cells */
    char **header;  /* ncols names (the first record), never NULL entries */
    char **cells;   /* every cell given, row after row */
    size_t *row_at; /* index in cells of each row's first cell, nrows + 1 entries */
    size_t ncols, nrows;
    char err[320]; /* why the last csv_load/csv_parse failed: one line naming the file */
};

/* 0, or -1 with errno set (ENOENT for a missing file, EINVAL for an empty or malformed one or a
 * FIFO/device, EFBIG for an oversized one) and c->err set. */
int csv_load(struct csv *c, const char *path);
/* The same rules on a buffer in memory (name is used in c->err). */
int csv_parse(struct csv *c, const char *data, size_t len, const char *name);
void csv_free(struct csv *c);
/* Column index of a header name, or -1. */
int csv_col(const struct csv *c, const char *name);
/* The cell text; "" for col < 0, a row out of range or a cell the row does not have. */
const char *csv_get(const struct csv *c, size_t row, int col);
/* True and *out set when the cell holds a finite number; false for an empty/missing cell. */
bool csv_num(const struct csv *c, size_t row, int col, double *out);

/* Append one field, quoted when it holds a comma, a quote, CR or LF (quotes doubled). */
void csv_field(struct strbuf *sb, const char *s);
/* Append n fields (csv_field each) with a comma between them, none before or after. */
void csv_fields(struct strbuf *sb, const char *const *v, size_t n);

#endif
