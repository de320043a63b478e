/* Resolves --events names to perf_event_attr: a built-in table of generic events first (so the
 * default set never depends on libpfm), then tracefs tracepoints, then libpfm4 native names. */
#define _GNU_SOURCE
#include <linux/perf_event.h> /* before the libpfm header, which carries its own copy */

#include "config.h"
#include "perf_events.h"
#include "tracefs.h"

#if FAULTLINE_HAVE_LIBPFM
#include <perfmon/pfmlib_perf_event.h>
#endif

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procfs.h"

struct perf_events_builtin {
    const char *name;
    uint32_t type;
    uint64_t config;
    const char *canonical; /* perf's own constant name, for the provenance string */
    const char *doc;
};

#define PERF_EVENTS_CACHE(id, op, res) ((id) | ((op) << 8) | ((res) << 16))

static const struct perf_events_builtin perf_events_table[] = {
    {"cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, "PERF_COUNT_HW_CPU_CYCLES",
     "CPU cycles"},
    {"instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, "PERF_COUNT_HW_INSTRUCTIONS",
     "instructions retired"},
    {"branches", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS,
     "PERF_COUNT_HW_BRANCH_INSTRUCTIONS", "branch instructions retired"},
    {"branch-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES,
     "PERF_COUNT_HW_BRANCH_MISSES", "mispredicted branches"},
    {"cache-references", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES,
     "PERF_COUNT_HW_CACHE_REFERENCES", "last-level cache accesses (CPU-specific meaning)"},
    {"cache-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES, "PERF_COUNT_HW_CACHE_MISSES",
     "last-level cache misses (CPU-specific meaning)"},
    {"dTLB-load-misses", PERF_TYPE_HW_CACHE,
     PERF_EVENTS_CACHE(PERF_COUNT_HW_CACHE_DTLB, PERF_COUNT_HW_CACHE_OP_READ,
                       PERF_COUNT_HW_CACHE_RESULT_MISS),
     "PERF_COUNT_HW_CACHE_DTLB:READ:MISS", "data TLB load misses"},
    {"iTLB-load-misses", PERF_TYPE_HW_CACHE,
     PERF_EVENTS_CACHE(PERF_COUNT_HW_CACHE_ITLB, PERF_COUNT_HW_CACHE_OP_READ,
                       PERF_COUNT_HW_CACHE_RESULT_MISS),
     "PERF_COUNT_HW_CACHE_ITLB:READ:MISS", "instruction TLB misses"},
    {"minor-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN,
     "PERF_COUNT_SW_PAGE_FAULTS_MIN", "minor page faults (software)"},
    {"major-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ,
     "PERF_COUNT_SW_PAGE_FAULTS_MAJ", "major page faults (software)"},
    {"page-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, "PERF_COUNT_SW_PAGE_FAULTS",
     "all page faults (software)"},
    {"context-switches", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES,
     "PERF_COUNT_SW_CONTEXT_SWITCHES", "context switches (software)"},
    {"cpu-migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS,
     "PERF_COUNT_SW_CPU_MIGRATIONS", "migrations to another CPU (software)"},
    {"task-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, "PERF_COUNT_SW_TASK_CLOCK",
     "on-CPU time in ns (software)"},
};

#define PERF_EVENTS_BUILTIN_COUNT (sizeof perf_events_table / sizeof perf_events_table[0])

/* Append printf-style text to err (bounded, always NUL-terminated). */
static void perf_events_append(char *err, size_t errlen, const char *fmt, const char *arg)
{
    if (!err || errlen == 0)
        return;
    size_t used = strnlen(err, errlen);
    if (used + 1 >= errlen)
        return;
    snprintf(err + used, errlen - used, fmt, arg);
}

int perf_events_split(const char *events, char names[][PERF_NAME_MAX], unsigned max, unsigned *n,
                      char *err, size_t errlen)
{
    *n = 0;
    if (!events)
        return 0;
    const char *p = events;
    while (*p) {
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        const char *a = p, *b = end;
        while (a < b && isspace((unsigned char)*a))
            a++;
        while (b > a && isspace((unsigned char)b[-1]))
            b--;
        if (b > a) {
            size_t len = (size_t)(b - a);
            if (len >= PERF_NAME_MAX) {
                if (err && errlen)
                    snprintf(err, errlen, "event name too long (max %d characters): %.*s",
                             PERF_NAME_MAX - 1, (int)len, a);
                return -1;
            }
            if (*n >= max) {
                if (err && errlen)
                    snprintf(err, errlen, "too many events (at most %u)", max);
                return -1;
            }
            memcpy(names[*n], a, len);
            names[*n][len] = '\0';
            (*n)++;
        }
        p = *end ? end + 1 : end;
    }
    return 0;
}

bool perf_events_is_hw(const struct perf_event_attr *attr)
{
    switch (attr->type) {
    case PERF_TYPE_SOFTWARE:
    case PERF_TYPE_TRACEPOINT:
    case PERF_TYPE_BREAKPOINT:
        return false;
    default:
        return true; /* HARDWARE, HW_CACHE, RAW and dynamic PMU types all take a counter */
    }
}

/* "cycles:u:k" -> base "cycles" and the privilege modifiers. Returns false on an unknown
 * modifier (then the name may still be a libpfm name with attributes). */
static bool perf_events_split_mods(const char *name, char *base, size_t blen, bool *user,
                                   bool *kernel, bool *any)
{
    const char *colon = strchr(name, ':');
    size_t len = colon ? (size_t)(colon - name) : strlen(name);
    if (len >= blen)
        return false;
    memcpy(base, name, len);
    base[len] = '\0';
    *user = *kernel = *any = false;
    while (colon) {
        const char *m = colon + 1;
        colon = strchr(m, ':');
        size_t ml = colon ? (size_t)(colon - m) : strlen(m);
        if (ml == 0 || ml > 2)
            return false;
        for (size_t i = 0; i < ml; i++) {
            if (m[i] == 'u')
                *user = true;
            else if (m[i] == 'k')
                *kernel = true;
            else
                return false;
        }
        *any = true;
    }
    return true;
}

static const struct perf_events_builtin *perf_events_find(const char *base)
{
    for (size_t i = 0; i < PERF_EVENTS_BUILTIN_COUNT; i++)
        if (strcasecmp(perf_events_table[i].name, base) == 0)
            return &perf_events_table[i];
    return NULL;
}

/* "subsystem:event" with <tracefs>/events/subsystem/event present. */
static int perf_events_tracepoint(const char *name, struct perf_event_attr *attr, char *resolved,
                                  size_t rlen)
{
    const char *colon = strchr(name, ':');
    if (!colon || colon == name || colon[1] == '\0' || colon[1] == ':' || strchr(colon + 1, ':'))
        return -1;
    for (const char *c = name; *c; c++)
        if (*c == '/' || *c == '.')
            return -1; /* no path tricks */
    const char *dir = tracefs_dir();
    if (!dir)
        return -1;
    char path[512];
    snprintf(path, sizeof path, "%s/events/%.*s/%s", dir, (int)(colon - name), name, colon + 1);
    struct stat st;
    if (stat(path, &st) != 0 && errno != EACCES)
        return -1;
    char idpath[560], text[32];
    snprintf(idpath, sizeof idpath, "%s/id", path);
    long long id = -1;
    if (procfs_read_text(idpath, text, sizeof text) == 0)
        id = strtoll(text, NULL, 10);
    attr->type = PERF_TYPE_TRACEPOINT;
    /* An unreadable id (non-root) leaves config at ~0: the open then fails and says why. */
    attr->config = id >= 0 ? (uint64_t)id : ~0ull;
    attr->exclude_kernel = 0; /* tracepoints fire in the kernel: exclude_kernel=1 counts 0 */
    attr->exclude_hv = 1;
    if (resolved && rlen)
        snprintf(resolved, rlen, "tracepoint:%s id=%lld", name, id);
    return 0;
}

#if FAULTLINE_HAVE_LIBPFM
static int perf_events_pfm_state; /* 0 untried, 1 ready, -1 failed */

static bool perf_events_pfm_ready(void)
{
    if (perf_events_pfm_state == 0)
        perf_events_pfm_state = pfm_initialize() == PFM_SUCCESS ? 1 : -1;
    return perf_events_pfm_state == 1;
}

static int perf_events_pfm(const char *name, struct perf_event_attr *attr, char *resolved,
                           size_t rlen, char *err, size_t errlen)
{
    if (!perf_events_pfm_ready())
        return -1;
    struct perf_event_attr a;
    pfm_perf_encode_arg_t arg;
    char *fstr = NULL;
    memset(&a, 0, sizeof a);
    memset(&arg, 0, sizeof arg);
    arg.attr = &a;
    arg.size = sizeof arg;
    arg.fstr = &fstr;
    int r = pfm_get_os_event_encoding(name, PFM_PLM3, PFM_OS_PERF_EVENT_EXT, &arg);
    if (r != PFM_SUCCESS) {
        if (r != PFM_ERR_NOTFOUND && err && errlen)
            snprintf(err, errlen, "event '%s': %s (libpfm4)", name, pfm_strerror(r));
        free(fstr);
        return r == PFM_ERR_NOTFOUND ? -1 : -2;
    }
    attr->type = a.type;
    attr->config = a.config;
    attr->config1 = a.config1;
    attr->config2 = a.config2;
    attr->exclude_user = a.exclude_user;
    attr->exclude_kernel = a.exclude_kernel;
    attr->exclude_hv = a.exclude_hv;
    if (resolved && rlen)
        snprintf(resolved, rlen, "%s", fstr ? fstr : name);
    free(fstr);
    return 0;
}
#endif

static void perf_events_unknown(const char *name, char *err, size_t errlen)
{
    if (!err || errlen == 0)
        return;
    snprintf(err, errlen, "unknown event '%s': valid names are ", name);
    for (size_t i = 0; i < PERF_EVENTS_BUILTIN_COUNT; i++)
        perf_events_append(err, errlen, i ? ", %s" : "%s", perf_events_table[i].name);
    perf_events_append(err, errlen, "%s", " (optionally :u, :k or :uk), subsystem:tracepoint");
#if FAULTLINE_HAVE_LIBPFM
    perf_events_append(err, errlen, "%s",
                       ", or a libpfm4 native name (see `faultline list events`)");
#endif
}

int perf_events_resolve(const char *name, struct perf_event_attr *attr, char *resolved, size_t rlen,
                        char *err, size_t errlen)
{
    memset(attr, 0, sizeof *attr);
    attr->size = sizeof *attr;
    if (resolved && rlen)
        resolved[0] = '\0';
    if (err && errlen)
        err[0] = '\0';

    char base[PERF_NAME_MAX];
    bool user, kernel, any;
    if (perf_events_split_mods(name, base, sizeof base, &user, &kernel, &any)) {
        const struct perf_events_builtin *b = perf_events_find(base);
        if (b) {
            attr->type = b->type;
            attr->config = b->config;
            /* Default: user mode only, like libpfm's PLM3 and unprivileged perf. */
            attr->exclude_user = any ? !user : 0;
            attr->exclude_kernel = any ? !kernel : 1;
            attr->exclude_hv = 1;
            if (resolved && rlen)
                snprintf(resolved, rlen, "builtin:%s:%s%s", b->canonical,
                         attr->exclude_user ? "" : "u", attr->exclude_kernel ? "" : "k");
            return 0;
        }
    }
    if (perf_events_tracepoint(name, attr, resolved, rlen) == 0)
        return 0;
#if FAULTLINE_HAVE_LIBPFM
    int r = perf_events_pfm(name, attr, resolved, rlen, err, errlen);
    if (r == 0)
        return 0;
    if (r == -2)
        return -1; /* libpfm knew the event but rejected it: its message is more precise */
#endif
    perf_events_unknown(name, err, errlen);
    return -1;
}

int perf_events_validate(const char *events, char *err, size_t errlen)
{
    char names[PERF_MAX_HW][PERF_NAME_MAX];
    unsigned n;
    if (perf_events_split(events, names, PERF_MAX_HW, &n, err, errlen) != 0)
        return -1;
    for (unsigned i = 0; i < n; i++) {
        struct perf_event_attr attr;
        if (perf_events_resolve(names[i], &attr, NULL, 0, err, errlen) != 0)
            return -1;
    }
    return 0;
}

void perf_events_print(FILE *out)
{
    fprintf(out, "built-in events (user mode; add :k or :uk to count kernel mode too):\n");
    for (size_t i = 0; i < PERF_EVENTS_BUILTIN_COUNT; i++)
        fprintf(out, "  %-18s %s\n", perf_events_table[i].name, perf_events_table[i].doc);
    const char *dir = tracefs_dir();
    fprintf(out, "tracepoints: subsystem:event from %s/events (e.g. syscalls:sys_enter_mprotect)\n",
            dir ? dir : "tracefs (not mounted: mount -t tracefs nodev /sys/kernel/tracing)");
#if FAULTLINE_HAVE_LIBPFM
    if (!perf_events_pfm_ready()) {
        fprintf(out, "libpfm4: initialisation failed; only the names above are available\n");
        return;
    }
    fprintf(out, "libpfm4 native names (detected from CPUID; whether they count depends on the "
                 "kernel's PMU, see the context block's pmu_usable):\n");
    pfm_pmu_t p;
    pfm_for_all_pmus(p)
    {
        pfm_pmu_info_t pi;
        memset(&pi, 0, sizeof pi);
        pi.size = sizeof pi;
        if (pfm_get_pmu_info(p, &pi) != PFM_SUCCESS || !pi.is_present)
            continue;
        fprintf(out, "  pmu %s (%s), %d events:\n   ", pi.name, pi.desc ? pi.desc : "", pi.nevents);
        int col = 3;
        for (int e = pi.first_event; e != -1; e = pfm_get_event_next(e)) {
            pfm_event_info_t ei;
            memset(&ei, 0, sizeof ei);
            ei.size = sizeof ei;
            if (pfm_get_event_info(e, PFM_OS_PERF_EVENT_EXT, &ei) != PFM_SUCCESS)
                continue;
            int w = (int)strlen(ei.name) + 1;
            if (col + w > 99) {
                fputs("\n   ", out);
                col = 3;
            }
            fprintf(out, " %s", ei.name);
            col += w;
        }
        fputc('\n', out);
    }
#else
    fprintf(out, "libpfm4: not built in (apt-get install libpfm4-dev and rebuild for native "
                 "PMU event names)\n");
#endif
}
