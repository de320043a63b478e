/* THP modes for a run (see thp.h). */
#define _GNU_SOURCE
#include "thp.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "procfs.h"

static const char *const thp_names[] = {"default", "never", "madvise-on"};

int thp_parse(const char *text, enum thp_mode *out, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof thp_names / sizeof thp_names[0]; i++) {
        if (!strcmp(text, thp_names[i])) {
            *out = (enum thp_mode)i;
            return 0;
        }
    }
    snprintf(err, errlen, "--thp %s: expected default|never|madvise-on", text);
    return -1;
}

const char *thp_name(enum thp_mode mode)
{
    return (unsigned)mode < sizeof thp_names / sizeof thp_names[0] ? thp_names[mode] : "?";
}

const char *thp_unavailable(enum thp_mode mode)
{
    if (mode != THP_MADVISE_ON)
        return NULL;
    char sys[32];
    if (procfs_thp_mode(sys, sizeof sys) != 0)
        return "thp=madvise-on: this kernel has no transparent huge pages";
    if (!strcmp(sys, "never"))
        return "thp=madvise-on: the system THP mode is 'never' "
               "(/sys/kernel/mm/transparent_hugepage/enabled), advice is ignored";
    return NULL;
}

int thp_child_apply(enum thp_mode mode, const char *backend)
{
    if (mode == THP_NEVER)
        return prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0 ? 0 : -1; /* inherited across exec */
    if (mode != THP_MADVISE_ON)
        return 0;
    setenv("FAULTLINE_THP", "madvise", 1);
    if (!strcmp(backend, "glibc") && !getenv("GLIBC_TUNABLES"))
        setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 1);
    else if (!strcmp(backend, "jemalloc"))
        setenv("MALLOC_CONF", "thp:always", 1);
    else if (!strcmp(backend, "mimalloc"))
        setenv("MIMALLOC_LARGE_OS_PAGES", "1", 1);
    return 0;
}

static int64_t thp_vmstat_field(const char *buf, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = buf; p && *p;) {
        if (!strncmp(p, key, kl) && p[kl] == ' ')
            return strtoll(p + kl + 1, NULL, 10);
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return -1;
}

void thp_counters_read(struct thp_counters *out)
{
    out->fault_alloc = out->fault_fallback = -1;
    char buf[16384];
    int fd = open("/proc/vmstat", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return;
    buf[n] = '\0';
    out->fault_alloc = thp_vmstat_field(buf, "thp_fault_alloc");
    out->fault_fallback = thp_vmstat_field(buf, "thp_fault_fallback");
}
