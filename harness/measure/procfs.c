/* Allocation-free readers of /proc and /sys (see procfs.h): open/read/close into caller or
 * stack buffers, no stdio and no malloc, so they may run inside a measured phase. */
#define _GNU_SOURCE
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fdio.h"

int procfs_read_text(const char *path, char *buf, size_t len)
{
    ssize_t n = fdio_read_file(path, buf, len);
    if (n < 0)
        return -1;
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    return 0;
}

/* Parse a decimal number at *p, skipping leading blanks; advances *p. */
static uint64_t procfs_parse_u64(const char **p)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    uint64_t v = 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (uint64_t)(*s++ - '0');
    *p = s;
    return v;
}

uint64_t procfs_rss_bytes(void)
{
    /* The timeline reads this every few thousand ops: keep the file open and pread it (one
     * syscall instead of three). The fd belongs to this process; re-open after a fork. */
    static int fd = -1;
    static pid_t owner;
    char buf[256];
    if (fd < 0 || owner != getpid()) {
        fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
        owner = getpid();
    }
    ssize_t n = fd >= 0 ? pread(fd, buf, sizeof buf - 1, 0) : -1;
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    const char *p = buf;
    (void)procfs_parse_u64(&p); /* size */
    uint64_t resident = procfs_parse_u64(&p);
    long page = sysconf(_SC_PAGESIZE);
    return resident * (uint64_t)(page > 0 ? page : 4096);
}

int procfs_reset_hwm(void)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, "5", 1);
    int e = errno;
    close(fd);
    errno = e;
    return n == 1 ? 0 : -1;
}

/* "/proc/<pid>/status" without snprintf (keeps this file free of stdio). */
static void procfs_status_path(pid_t pid, char *out, size_t len)
{
    static const char pre[] = "/proc/", suf[] = "/status";
    if (pid <= 0) {
        strncpy(out, "/proc/self/status", len - 1);
        out[len - 1] = '\0';
        return;
    }
    char digits[24];
    unsigned nd = 0;
    for (unsigned long v = (unsigned long)pid; v; v /= 10)
        digits[nd++] = (char)('0' + v % 10);
    size_t o = 0;
    for (size_t i = 0; pre[i] && o + 1 < len; i++)
        out[o++] = pre[i];
    while (nd && o + 1 < len)
        out[o++] = digits[--nd];
    for (size_t i = 0; suf[i] && o + 1 < len; i++)
        out[o++] = suf[i];
    out[o] = '\0';
}

/* The "Key:   N kB" line of /proc/<pid>/status, in bytes. */
static uint64_t procfs_status_kb(pid_t pid, const char *key)
{
    char path[48];
    char buf[4096];
    procfs_status_path(pid, path, sizeof path);
    if (fdio_read_file(path, buf, sizeof buf) <= 0)
        return 0;
    size_t klen = strlen(key);
    for (const char *line = buf; line && *line;) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            const char *p = line + klen + 1;
            return procfs_parse_u64(&p) * 1024u;
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return 0;
}

uint64_t procfs_vm_hwm(pid_t pid)
{
    return procfs_status_kb(pid, "VmHWM");
}

uint64_t procfs_vm_rss(pid_t pid)
{
    return procfs_status_kb(pid, "VmRSS");
}

/* Copy [from, to) into buf, NUL-terminated and truncated to fit. */
static int procfs_copy(const char *from, const char *to, char *buf, size_t len)
{
    if (len == 0)
        return -1;
    size_t n = (size_t)(to - from);
    if (n > len - 1)
        n = len - 1;
    memcpy(buf, from, n);
    buf[n] = '\0';
    return 0;
}

int procfs_thp_mode(char *buf, size_t len)
{
    char text[256];
    if (procfs_read_text("/sys/kernel/mm/transparent_hugepage/enabled", text, sizeof text) != 0)
        return -1;
    const char *open = strchr(text, '[');
    const char *close = open ? strchr(open, ']') : NULL;
    if (!close)
        return -1;
    return procfs_copy(open + 1, close, buf, len);
}

int procfs_cpu_model(char *buf, size_t len)
{
    /* The first CPU's block comes first; 8 KiB is far more than one block. */
    char text[8192];
    if (fdio_read_file("/proc/cpuinfo", text, sizeof text) <= 0)
        return -1;
    for (const char *line = text; line && *line;) {
        if (strncmp(line, "model name", 10) == 0) {
            const char *colon = strchr(line, ':');
            const char *end = strchr(line, '\n');
            if (!end)
                end = line + strlen(line);
            if (colon && colon < end) {
                colon++;
                while (*colon == ' ' || *colon == '\t')
                    colon++;
                return procfs_copy(colon, end, buf, len);
            }
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return -1;
}
