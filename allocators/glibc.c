/* The glibc backend: the system malloc, tuned through mallopt. Knobs not given are left alone,
 * because setting any of mmap_threshold, trim_threshold, top_pad or mmap_max (even to its
 * default) switches off glibc's dynamic mmap threshold. */
#define _GNU_SOURCE
#include "sysmalloc.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

static const struct param_def glibc_params[] = {
    {"mmap_threshold", PARAM_SIZE, NULL, 0, 1LL << 40, NULL, 0,
     "M_MMAP_THRESHOLD: requests at or above it are mmapped (default 128K, sliding)"},
    {"trim_threshold", PARAM_SIZE, NULL, 0, 1LL << 40, NULL, 0,
     "M_TRIM_THRESHOLD: free top above this is returned with brk (default 128K, sliding)"},
    {"top_pad", PARAM_SIZE, NULL, 0, 1LL << 40, NULL, 0,
     "M_TOP_PAD: extra bytes asked of brk on each growth (effective default 128K)"},
    {"mmap_max", PARAM_INT, NULL, 0, 1 << 30, NULL, 0,
     "M_MMAP_MAX: most simultaneous mmapped blocks (default 65536; 0 disables mmap)"},
    {"arena_max", PARAM_INT, NULL, 1, 1 << 20, NULL, 0,
     "M_ARENA_MAX: most arenas (default 8 x cores once more than 8 exist)"},
    {"hugetlb", PARAM_INT, NULL, 0, 2, NULL, 0,
     "glibc.malloc.hugetlb tunable, set in GLIBC_TUNABLES when the run is exec'd (1 = "
     "MADV_HUGEPAGE, 2 = hugetlbfs pages)"},
    {.name = NULL},
};

static int glibc_set(int option, int64_t value)
{
    if (value > 0x7fffffff)
        return EINVAL; /* mallopt takes an int */
    return mallopt(option, (int)value) == 1 ? 0 : EINVAL;
}

static int glibc_init(const struct param_values *pv)
{
    static const struct {
        const char *key;
        int option;
    } knobs[] = {
        {"mmap_threshold", M_MMAP_THRESHOLD},
        {"trim_threshold", M_TRIM_THRESHOLD},
        {"top_pad", M_TOP_PAD},
        {"mmap_max", M_MMAP_MAX},
        {"arena_max", M_ARENA_MAX},
    };
    if (param_is_set(pv, "hugetlb")) {
        /* a tunable is read at start-up only: refuse to measure if it did not reach us */
        char want[32];
        snprintf(want, sizeof want, "glibc.malloc.hugetlb=%lld",
                 (long long)param_num(pv, "hugetlb"));
        const char *t = getenv("GLIBC_TUNABLES");
        if (!t || !strstr(t, want))
            return ENOTSUP;
    }
    for (size_t i = 0; i < sizeof knobs / sizeof knobs[0]; i++) {
        if (!param_is_set(pv, knobs[i].key))
            continue;
        int rc = glibc_set(knobs[i].option, param_num(pv, knobs[i].key));
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* glibc's realloc(p, 0) frees p and returns NULL; backend.h promises a minimal block instead,
 * so every backend behaves the same under the harness. */
static void *glibc_realloc(void *p, size_t size)
{
    if (p && size == 0) {
        free(p);
        return malloc(0);
    }
    return realloc(p, size);
}

static void glibc_stats(struct backend_stats *out)
{
    struct mallinfo2 mi = mallinfo2();
    memset(out, 0, sizeof *out);
    out->heap_bytes = mi.arena;
    out->mapped_bytes = mi.hblkhd;
    out->live_bytes = mi.uordblks + mi.hblkhd;
    out->peak_heap_bytes = 0; /* glibc keeps no heap high-water mark */
    out->peak_mapped_bytes = 0;
    out->sizes_valid = true;
    out->os_counts_valid = false; /* glibc calls the kernel itself; use tracepoints */
}

const struct backend_ops backend_glibc = {
    .name = "glibc",
    .summary = "the system malloc (glibc ptmalloc2), tuned with mallopt",
    .params = glibc_params,
    .preload = NULL,
    .init = glibc_init,
    .fini = sysmalloc_nothing,
    .malloc = sysmalloc_malloc,
    .free = sysmalloc_free,
    .calloc = sysmalloc_calloc,
    .realloc = glibc_realloc,
    .memalign = sysmalloc_memalign,
    .usable_size = sysmalloc_usable_size,
    .trim = sysmalloc_trim,
    .stats = glibc_stats,
    .atfork_prepare = sysmalloc_nothing, /* glibc has its own atfork handling */
    .atfork_parent = sysmalloc_nothing,
    .atfork_child = sysmalloc_nothing,
};
