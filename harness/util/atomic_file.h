/* Write a whole file atomically: temp file in the same directory, fsync, rename. A reader (or
 * an interrupted run) sees either the old file or the new one, never a torn one. */
#ifndef FAULTLINE_ATOMIC_FILE_H
#define FAULTLINE_ATOMIC_FILE_H

#include <stddef.h>

/* 0 or -1 with errno set. */
int atomic_file_write(const char *path, const char *data, size_t len);
/* mkdir -p; 0 or -1 with errno. */
int atomic_file_mkdirs(const char *path);

#endif
