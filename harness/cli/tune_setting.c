/* The GLIBC_TUNABLES settings of `faultline tune`: the knob table, defaults, equality, and the
 * setting as a GLIBC_TUNABLES value or a short label. */
#define _GNU_SOURCE
#include "tune_setting.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "param.h"
#include "workload.h"
#include "atomic_file.h"
#include "csv.h"
#include "num.h"
#include "cli.h"
#include "spec.h"
#include "config.h"
#include "plan.h"
#include "procfs.h"
#include "stats.h"
#include "strbuf.h"

#include "tune_exec.h"
#include "tune_report.h"
#include "tune_search.h"
#include "tune_setting.h"

const struct tune_setting_knob tune_setting_knobs[TUNE_KNOBS] = {
    {"glibc.malloc.mmap_threshold", "mmap_threshold", "mmap_threshold", true, 4096, TUNE_MMAP_MAX},
    {"glibc.malloc.trim_threshold", "trim_threshold", "trim_threshold", true, 32768, 1LL << 30},
    {"glibc.malloc.top_pad", "top_pad", "top_pad", true, 0, 64LL << 20},
    {"glibc.malloc.arena_max", "arena_max", "arena_max", false, 1, 64},
};

void tune_setting_default(struct tune_setting *s)
{
    for (int k = 0; k < TUNE_KNOBS; k++)
        s->v[k] = TUNE_UNSET;
}

bool tune_setting_is_default(const struct tune_setting *s)
{
    for (int k = 0; k < TUNE_KNOBS; k++)
        if (s->v[k] != TUNE_UNSET)
            return false;
    return true;
}

bool tune_setting_equal(const struct tune_setting *a, const struct tune_setting *b)
{
    return memcmp(a->v, b->v, sizeof a->v) == 0;
}

/* "glibc.malloc.mmap_threshold=1048576:glibc.malloc.arena_max=1", "" for the defaults. */
void tune_setting_tunables(const struct tune_setting *s, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < TUNE_KNOBS && used < len; k++) {
        if (s->v[k] == TUNE_UNSET)
            continue;
        int n = snprintf(buf + used, len - used, "%s%s=%lld", used ? ":" : "",
                         tune_setting_knobs[k].tunable, (long long)s->v[k]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* Short human form: "mmap_threshold=1M,arena_max=1" or "default". sep joins the knobs. */
void tune_setting_short(const struct tune_setting *s, const char *sep, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < TUNE_KNOBS && used < len; k++) {
        if (s->v[k] == TUNE_UNSET)
            continue;
        char val[32];
        if (tune_setting_knobs[k].size)
            param_format_size(s->v[k], val, sizeof val);
        else
            snprintf(val, sizeof val, "%lld", (long long)s->v[k]);
        int n = snprintf(buf + used, len - used, "%s%s=%s", used ? sep : "",
                         tune_setting_knobs[k].param, val);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    if (!buf[0])
        snprintf(buf, len, "default");
}
