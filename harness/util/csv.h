/* A small reader for the CSV files faultline writes: a header row, comma-separated cells with
 * no quoting (writers replace commas inside text by ';'), an empty cell meaning "not measured". */
#ifndef FAULTLINE_CSV_H
#define FAULTLINE_CSV_H

#include <stdbool.h>
#include <stddef.h>

struct csv {
    char *buf;     /* the file, cut in place into NUL-terminated cells */
    char **header; /* ncols names */
    char **cells;  /* nrows * ncols; short rows are padded with "" */
    size_t ncols, nrows;
};

/* 0, or -1 with errno set (ENOENT for a missing file, EINVAL for an empty one). */
int csv_load(struct csv *c, const char *path);
void csv_free(struct csv *c);
/* Column index of a header name, or -1. */
int csv_col(const struct csv *c, const char *name);
/* The cell text; "" for col < 0 or a row out of range. */
const char *csv_get(const struct csv *c, size_t row, int col);
/* True and *out set when the cell holds a finite number; false for an empty/missing cell. */
bool csv_num(const struct csv *c, size_t row, int col, double *out);

#endif
