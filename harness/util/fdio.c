/* Whole reads and writes on file descriptors (see fdio.h). */
#define _GNU_SOURCE
#include "fdio.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

/* The one retry loop: move up to len bytes between fd and in (reading) or out (writing). A read
 * stops at end of file; a write keeps going until all is written. Returns the count or -1. */
static ssize_t fdio_move(int fd, char *in, const char *out, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = in ? read(fd, in + done, len - done) : write(fd, out + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0 && in)
            break;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

ssize_t fdio_read_file(const char *path, char *buf, size_t len)
{
    if (len == 0)
        return -1;
    int fd;
    do
        fd = open(path, O_RDONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return -1;
    ssize_t got = fdio_move(fd, buf, NULL, len - 1);
    int e = errno;
    close(fd);
    errno = e;
    if (got < 0)
        return -1;
    buf[got] = '\0';
    return got;
}

int fdio_write_all(int fd, const void *data, size_t len)
{
    return fdio_move(fd, NULL, data, len) < 0 ? -1 : 0;
}
