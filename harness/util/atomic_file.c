/* Atomic whole-file writes and directory creation (see atomic_file.h). */
#define _GNU_SOURCE
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdio.h"

/* A device or FIFO (/dev/null, /dev/stdout) must never be replaced by a renamed regular file:
 * write such targets in place. */
static int atomic_file_write_in_place(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fdio_write_all(fd, data, len) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return close(fd);
}

/* The first failed write of the process and how many followed: one line at the end instead of
 * one per file (a full disk used to print 30 lines and exit 0). */
static struct {
    char path[4096];
    int err;
    unsigned count;
} atomic_file_fail;

void atomic_file_note_failure(const char *path, int err)
{
    if (atomic_file_fail.count++ == 0) {
        snprintf(atomic_file_fail.path, sizeof atomic_file_fail.path, "%s", path);
        atomic_file_fail.err = err;
    }
}

bool atomic_file_failed(void)
{
    return atomic_file_fail.count > 0;
}

bool atomic_file_report(void)
{
    if (!atomic_file_fail.count)
        return false;
    const char *name = strerrorname_np(atomic_file_fail.err);
    char more[64] = "";
    if (atomic_file_fail.count > 1)
        snprintf(more, sizeof more, "; %u more writes failed", atomic_file_fail.count - 1);
    fprintf(stderr, "faultline: cannot write %s: %s (%s)%s\n", atomic_file_fail.path,
            strerror(atomic_file_fail.err), name ? name : "?", more);
    return true;
}

static int atomic_file_fail_with(const char *path, int err)
{
    atomic_file_note_failure(path, err);
    errno = err;
    return -1;
}

static int atomic_file_write_tmp(const char *path, const char *data, size_t len, bool sync);

int atomic_file_write(const char *path, const char *data, size_t len)
{
    if (atomic_file_write_tmp(path, data, len, true) == 0)
        return 0;
    return atomic_file_fail_with(path, errno);
}

int atomic_file_write_nosync(const char *path, const char *data, size_t len)
{
    if (atomic_file_write_tmp(path, data, len, false) == 0)
        return 0;
    return atomic_file_fail_with(path, errno);
}

static int atomic_file_write_tmp(const char *path, const char *data, size_t len, bool sync)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return atomic_file_write_in_place(path, data, len);
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    int rc = fdio_write_all(fd, data, len) == 0 && (!sync || fsync(fd) == 0) ? 0 : -1;
    int e = errno;
    if (close(fd) != 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        rc = -1;
        e = errno;
    }
    if (rc != 0) {
        unlink(tmp);
        errno = e;
    }
    return rc;
}

int atomic_file_mkdirs(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return atomic_file_fail_with(buf, errno);
        *p = '/';
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
        return atomic_file_fail_with(buf, errno);
    struct stat st;
    if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
        return atomic_file_fail_with(buf, ENOTDIR);
    return 0;
}

int atomic_file_swap_dirs(const char *a, const char *b, bool *atomic)
{
    *atomic = true;
    if (renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    /* no exchange on this filesystem: b is briefly absent between the renames */
    *atomic = false;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.swap-%ld", b, (long)getpid());
    if (rename(b, tmp) != 0)
        return -1;
    if (rename(a, b) != 0) {
        int e = errno;
        rename(tmp, b);
        errno = e;
        return -1;
    }
    return rename(tmp, a);
}
