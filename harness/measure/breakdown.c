/* RSS breakdown (see breakdown.h). The reads use read(2) into stack buffers: no allocation
 * inside the measured phase. */
#define _GNU_SOURCE
#include "breakdown.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static ssize_t breakdown_slurp(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    if (n >= 0)
        buf[n] = '\0';
    return n;
}

/* "Key:   123 kB" -> bytes, or -1. */
static int64_t breakdown_kb(const char *buf, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = buf; p && *p;) {
        if (!strncmp(p, key, kl) && p[kl] == ':')
            return strtoll(p + kl + 1, NULL, 10) * 1024;
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return -1;
}

void breakdown_kernel_read(struct breakdown_kernel *k)
{
    char buf[4096];
    k->rss = k->anon = k->lazyfree = k->anon_huge = k->private_dirty = -1;
    k->vm_data = k->rss_shmem = -1;
    if (breakdown_slurp("/proc/self/smaps_rollup", buf, sizeof buf) > 0) {
        k->rss = breakdown_kb(buf, "Rss");
        k->anon = breakdown_kb(buf, "Anonymous");
        k->lazyfree = breakdown_kb(buf, "LazyFree");
        k->anon_huge = breakdown_kb(buf, "AnonHugePages");
        k->private_dirty = breakdown_kb(buf, "Private_Dirty");
    }
    if (breakdown_slurp("/proc/self/status", buf, sizeof buf) > 0) {
        k->vm_data = breakdown_kb(buf, "VmData");
        k->rss_shmem = breakdown_kb(buf, "RssShmem");
    }
}

void breakdown_compute(const struct breakdown_kernel *k0, const struct breakdown_backend *b0,
                       const struct breakdown_kernel *k, const struct breakdown_backend *b,
                       int64_t live, uint64_t ops, struct breakdown_point *out)
{
    memset(out, 0xff, sizeof *out); /* every part -1 */
    out->ops = ops;
    out->live = live;
    out->rss = k->rss;
    out->anon = k->anon;
    out->lazyfree = k->lazyfree;
    out->anon_huge = k->anon_huge;
    out->private_dirty = k->private_dirty;
    if (k->rss < 0 || k0->rss < 0 || k->anon < 0 || k0->anon < 0 || k->vm_data < 0)
        return;
    out->baseline = k0->rss;
    int64_t anon_growth = k->anon - k0->anon;
    int64_t other_growth = (k->rss - k->anon) - (k0->rss - k0->anon); /* file + shmem */
    /* RssShmem comes from per-CPU batched counters: only its split, never the total, uses it */
    int64_t shmem = k->rss_shmem >= 0 && k0->rss_shmem >= 0 ? k->rss_shmem - k0->rss_shmem : 0;
    if (shmem > other_growth)
        shmem = other_growth;
    if (shmem < 0)
        shmem = 0;
    out->shmem = shmem;
    out->file = other_growth - shmem;
    out->untouched = (k->vm_data - k0->vm_data) - anon_growth;
    int64_t sum = out->baseline + live - out->untouched + out->file + out->shmem;
    if (b->valid && b0->valid) {
        out->overhead = (b->usable - b0->usable) - live;
        out->free_held = (b->mapped - b->usable) - (b0->mapped - b0->usable);
        sum += out->overhead + out->free_held;
    }
    out->unattributed = out->rss - sum;
}

void breakdown_append(struct breakdown_point *series, unsigned *count,
                      const struct breakdown_point *p)
{
    if (*count == BREAKDOWN_MAX) {
        for (unsigned i = 0; i < BREAKDOWN_MAX / 2; i++)
            series[i] = series[2 * i + 1];
        *count = BREAKDOWN_MAX / 2;
    }
    series[(*count)++] = *p;
}
