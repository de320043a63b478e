/* Whole reads and writes on file descriptors that retry EINTR and short counts, with no stdio
 * and no malloc: safe inside a measured phase (the /proc readers), in the runner before its
 * workload starts, and for the harness's own result files. */
#ifndef FAULTLINE_FDIO_H
#define FAULTLINE_FDIO_H

#include <stddef.h>
#include <sys/types.h>

/* Read up to len-1 bytes of the file at path into buf, NUL-terminated (a prefix is enough for
 * /proc/cpuinfo). Returns the byte count (0 for an empty file) or -1 with errno. */
ssize_t fdio_read_file(const char *path, char *buf, size_t len);
/* Write all len bytes of data to fd. 0, or -1 with errno; fd stays open either way. */
int fdio_write_all(int fd, const void *data, size_t len);

#endif
