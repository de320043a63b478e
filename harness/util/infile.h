/* Reading a whole input file that came from outside (results directories, traces, baselines):
 * regular files only, size-capped, never blocking. A FIFO named run.json used to hang `report`
 * and /dev/zero as an input was read until allocation failed; both are refused here with one
 * line that names the path. */
#ifndef FAULTLINE_INFILE_H
#define FAULTLINE_INFILE_H

#include <stddef.h>

/* The documented cap for results files (CSV, JSON): 256 MiB. */
#define INFILE_MAX_BYTES ((size_t)256 << 20)

/* Read path into a malloc'd, NUL-terminated buffer (*len excludes the NUL). Refuses anything
 * but a regular file (FIFO, device, directory, socket) and files over max bytes. Returns the
 * buffer, or NULL with errno set (ENOENT.., EFTYPE-like cases as EINVAL, EFBIG for size) and a
 * one-line reason in err ("samples.csv: not a regular file (a FIFO)"). */
char *infile_read(const char *path, size_t max, size_t *len, char *err, size_t errlen);
/* Open path read-only for streaming with the same checks (regular file, size <= max); the fd or
 * -1 with errno and err set. */
int infile_open(const char *path, size_t max, char *err, size_t errlen);

#endif
