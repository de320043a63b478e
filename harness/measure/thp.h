/* Transparent huge pages as a per-run setting: the mode names, what each mode does to the
 * exec'd child (prctl for "never", MADV_HUGEPAGE advice through the backend for "madvise-on"),
 * whether the machine's THP mode lets it take effect, and the kernel's THP fault counters. */
#ifndef FAULTLINE_THP_H
#define FAULTLINE_THP_H

#include <stddef.h>
#include <stdint.h>

enum thp_mode {
    THP_DEFAULT,    /* the machine's setting, untouched */
    THP_NEVER,      /* prctl(PR_SET_THP_DISABLE): no huge pages for the run's process */
    THP_MADVISE_ON, /* the backend advises its heap and mappings with MADV_HUGEPAGE */
};

/* "default" | "never" | "madvise-on". Returns 0, or -1 with a one-line error. */
int thp_parse(const char *text, enum thp_mode *out, char *err, size_t errlen);
const char *thp_name(enum thp_mode mode);
/* Why `mode` cannot take effect on this machine (system THP mode "never" forbids madvise-on),
 * or NULL when it can. */
const char *thp_unavailable(enum thp_mode mode);
/* In the forked child before exec: apply the mode for `backend` (a backend name). The
 * faultline backends read FAULTLINE_THP (allocators/os.c); glibc takes glibc.malloc.hugetlb=1,
 * jemalloc thp:always, mimalloc large_os_pages. Returns 0 or -1 (prctl refused). */
int thp_child_apply(enum thp_mode mode, const char *backend);

/* System-wide /proc/vmstat counters (every process on the machine counts). -1 = unreadable. */
struct thp_counters {
    int64_t fault_alloc;    /* thp_fault_alloc: huge pages given at fault time */
    int64_t fault_fallback; /* thp_fault_fallback: huge page wanted, 4 KiB pages given instead */
};
/* Allocation-free read of /proc/vmstat. */
void thp_counters_read(struct thp_counters *out);

#endif
