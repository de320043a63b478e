/* Checked whole-file reads of outside inputs (see infile.h). */
#define _GNU_SOURCE
#include "infile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *infile_kind(mode_t m)
{
    if (S_ISFIFO(m))
        return "a FIFO";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISSOCK(m))
        return "a socket";
    return "not a regular file";
}

int infile_open(const char *path, size_t max, char *err, size_t errlen)
{
    /* O_NONBLOCK: opening a FIFO with no writer must not wait; cleared again below */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        errno = e;
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        close(fd);
        errno = e;
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: refusing to read %s (regular files only)", path,
                 infile_kind(st.st_mode));
        close(fd);
        errno = EINVAL;
        return -1;
    }
    if ((unsigned long long)st.st_size > max) {
        snprintf(err, errlen, "%s: %lld bytes, more than the %zu MiB limit for input files", path,
                 (long long)st.st_size, max >> 20);
        close(fd);
        errno = EFBIG;
        return -1;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    return fd;
}

char *infile_read(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
    int fd = infile_open(path, max, err, errlen);
    if (fd < 0)
        return NULL;
    size_t cap = max < 4096 ? max + 1 : 4096, n = 0;
    char *buf = malloc(cap + 1);
    int e = 0;
    while (buf) {
        if (n == cap) {
            if (n > max) { /* grew past the cap while being read */
                e = EFBIG;
                snprintf(err, errlen, "%s: more than the %zu MiB limit for input files", path,
                         max >> 20);
                break;
            }
            size_t ncap = cap > max / 2 ? max + 1 : cap * 2; /* max + 1 detects "too big" */
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                e = ENOMEM;
                snprintf(err, errlen, "%s: %s", path, strerror(e));
                break;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            e = errno;
            snprintf(err, errlen, "%s: %s", path, strerror(e));
            break;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    if (!buf) {
        snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
        e = ENOMEM;
    }
    if (!e && n > max) {
        e = EFBIG;
        snprintf(err, errlen, "%s: more than the %zu MiB limit for input files", path, max >> 20);
    }
    if (e) {
        free(buf);
        errno = e;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}
