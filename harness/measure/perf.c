/* perf_event_open sessions for one measured phase: fault counters, syscall tracepoints and
 * named (hardware) events, each failure reported once with its fix, never as a zero value. */
#define _GNU_SOURCE
#include <linux/perf_event.h>

#include "perf.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config.h"
#include "perf_events.h"
#include "tracefs.h"
#include "procfs.h"

/* A 6-counter vPMU of this machine kind reads 0 on its 6th counter; 4 leaves headroom. */
#define PERF_GROUP_MAX_HW 4

#define PERF_TIMES (PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING)

static const char *const perf_syscalls[PERF_FIXED_COUNT] = {
    [PERF_SYS_BRK] = "brk",       [PERF_SYS_MMAP] = "mmap",       [PERF_SYS_MUNMAP] = "munmap",
    [PERF_SYS_MREMAP] = "mremap", [PERF_SYS_MADVISE] = "madvise", [PERF_SYS_MPROTECT] = "mprotect",
};

/* One warning per kind of failure: these bits remember which kinds were already reported. */
enum perf_warn_kind {
    PERF_WARN_DENIED = 1u << 0,
    PERF_WARN_KFAULTS = 1u << 1,
    PERF_WARN_FAULTS = 1u << 2,
    PERF_WARN_TRACE = 1u << 3,
    PERF_WARN_HW = 1u << 4,
    PERF_WARN_EVENT = 1u << 5,
};

struct perf_open_ctx {
    struct perf_session *s;
    pid_t pid;
    bool enable_on_exec;
    unsigned warned;
    bool denied; /* perf_event_open refused outright: nothing else will open either */
};

static bool perf_group_format_rejected; /* kernel refused inherit + PERF_FORMAT_GROUP once */

static void perf_vwarn(struct perf_session *s, const char *fmt, va_list ap)
{
    char line[PERF_REASON_MAX];
    vsnprintf(line, sizeof line, fmt, ap);
    for (unsigned i = 0; i < s->warning_count; i++)
        if (strcmp(s->warnings[i], line) == 0)
            return;
    if (s->warning_count >= sizeof s->warnings / sizeof s->warnings[0])
        return;
    memcpy(s->warnings[s->warning_count++], line, sizeof line);
}

static void perf_warn(struct perf_session *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    perf_vwarn(s, fmt, ap);
    va_end(ap);
}

/* Report a kind of failure once per session. */
static void perf_warn_once(struct perf_open_ctx *c, unsigned kind, const char *fmt, ...)
{
    if (c->warned & kind)
        return;
    c->warned |= kind;
    va_list ap;
    va_start(ap, fmt);
    perf_vwarn(c->s, fmt, ap);
    va_end(ap);
}

/* The fd, or -errno. */
static int perf_sys_open(struct perf_event_attr *attr, pid_t pid, int group_fd)
{
    long fd = syscall(SYS_perf_event_open, attr, pid, -1, group_fd, PERF_FLAG_FD_CLOEXEC);
    return fd < 0 ? -errno : (int)fd;
}

int perf_paranoid(void)
{
    char text[32];
    if (procfs_read_text("/proc/sys/kernel/perf_event_paranoid", text, sizeof text) != 0)
        return INT_MIN; /* no perf_event support at all */
    return atoi(text);
}

static void perf_warn_denied(struct perf_open_ctx *c)
{
    c->denied = true;
    perf_warn_once(c, PERF_WARN_DENIED,
                   "perf_event_open denied (kernel.perf_event_paranoid is %d): run as root, or "
                   "sysctl kernel.perf_event_paranoid=2, or pass --no-perf",
                   perf_paranoid());
}

static bool perf_env_disabled(void)
{
    const char *v = getenv("FAULTLINE_NO_PERF");
    return v && *v && strcmp(v, "0") != 0;
}

/* ---- opening --------------------------------------------------------------------------- */

static void perf_attr_common(struct perf_event_attr *a, struct perf_open_ctx *c, bool leader)
{
    a->size = sizeof *a;
    a->inherit = 1; /* threads created after the open are counted too */
    a->disabled = leader ? 1 : 0;
    a->enable_on_exec = leader && c->enable_on_exec ? 1 : 0;
}

static void perf_open_faults(struct perf_open_ctx *c)
{
    static const uint64_t configs[2] = {PERF_COUNT_SW_PAGE_FAULTS_MIN,
                                        PERF_COUNT_SW_PAGE_FAULTS_MAJ};
    for (int i = 0; i < 2 && !c->denied; i++) {
        struct perf_event_attr a;
        memset(&a, 0, sizeof a);
        perf_attr_common(&a, c, true);
        a.type = PERF_TYPE_SOFTWARE;
        a.config = configs[i];
        a.read_format = PERF_TIMES;
        a.exclude_hv = 1;
        a.exclude_kernel = 0; /* kernel-mode faults (read() into fresh pages...) count too */
        int fd = perf_sys_open(&a, c->pid, -1);
        if (fd == -EACCES || fd == -EPERM) {
            a.exclude_kernel = 1;
            fd = perf_sys_open(&a, c->pid, -1);
            if (fd >= 0)
                perf_warn_once(c, PERF_WARN_KFAULTS,
                               "perf fault counters are user-mode only (not root, "
                               "perf_event_paranoid %d): kernel-mode faults are missed; getrusage "
                               "minflt stays canonical",
                               perf_paranoid());
        }
        if (fd == -EACCES || fd == -EPERM) {
            perf_warn_denied(c);
        } else if (fd < 0) {
            perf_warn_once(c, PERF_WARN_FAULTS,
                           "perf fault counters unavailable: perf_event_open: %s (kernel without "
                           "CONFIG_PERF_EVENTS?)",
                           strerror(-fd));
        }
        c->s->fixed_fd[i == 0 ? PERF_MINFLT : PERF_MAJFLT] = fd >= 0 ? fd : -1;
    }
}

static void perf_open_tracepoints(struct perf_open_ctx *c)
{
    const char *dir = tracefs_dir();
    if (!dir) {
        perf_warn_once(c, PERF_WARN_TRACE,
                       "syscall tracepoints unavailable: tracefs is not mounted; as root: mount -t "
                       "tracefs nodev /sys/kernel/tracing (ci/deps.sh does this)");
        return;
    }
    for (int k = PERF_SYS_BRK; k < PERF_FIXED_COUNT && !c->denied; k++) {
        char path[160], text[32];
        snprintf(path, sizeof path, "%s/events/syscalls/sys_enter_%s/id", dir, perf_syscalls[k]);
        if (procfs_read_text(path, text, sizeof text) != 0) {
            int e = errno;
            if (e == EACCES || e == EPERM)
                perf_warn_once(c, PERF_WARN_TRACE,
                               "syscall tracepoints unavailable: %s is not readable (tracefs is "
                               "root-only): run as root",
                               path);
            else
                perf_warn_once(c, PERF_WARN_TRACE,
                               "syscall tracepoints unavailable: %s: %s (kernel without "
                               "CONFIG_FTRACE_SYSCALLS?)",
                               path, strerror(e));
            continue;
        }
        struct perf_event_attr a;
        memset(&a, 0, sizeof a);
        perf_attr_common(&a, c, true);
        a.type = PERF_TYPE_TRACEPOINT;
        a.config = strtoull(text, NULL, 10);
        a.read_format = PERF_TIMES;
        a.exclude_kernel = 0; /* tracepoints fire in kernel mode: excluding it counts 0 */
        /* Each tracepoint gets its own fd: in a software-led group a tracepoint sibling stops
         * counting after the first group disable/enable (seen on 6.18). */
        int fd = perf_sys_open(&a, c->pid, -1);
        if (fd == -EACCES || fd == -EPERM)
            perf_warn_once(c, PERF_WARN_TRACE,
                           "syscall tracepoints unavailable: kernel-side counting denied "
                           "(perf_event_paranoid %d): run as root, or sysctl "
                           "kernel.perf_event_paranoid=1",
                           perf_paranoid());
        else if (fd < 0)
            perf_warn_once(c, PERF_WARN_TRACE,
                           "syscall tracepoints unavailable: perf_event_open(sys_enter_%s): %s",
                           perf_syscalls[k], strerror(-fd));
        c->s->fixed_fd[k] = fd >= 0 ? fd : -1;
    }
}

static void perf_warn_event(struct perf_open_ctx *c, unsigned i, bool pmu, int err)
{
    const char *name = c->s->hw[i].name;
    if (err == EACCES || err == EPERM) {
        perf_warn_once(c, PERF_WARN_EVENT,
                       "event %s denied (perf_event_paranoid %d): drop :k/:uk or run as root", name,
                       perf_paranoid());
    } else if (pmu && (err == ENOENT || err == EOPNOTSUPP || err == ENODEV || err == ENXIO)) {
        perf_warn_once(c, PERF_WARN_HW,
                       "hardware events unavailable: no usable PMU here (%s: %s); they are "
                       "null; callgrind gives instruction counts",
                       name, strerror(err));
    } else if (pmu && err == EINVAL) {
        perf_warn_once(c, PERF_WARN_HW,
                       "hardware event %s rejected (EINVAL): not supported by this PMU, or no "
                       "free counter (keep <= %d HW events)",
                       name, PERF_GROUP_MAX_HW);
    } else {
        perf_warn_once(c, PERF_WARN_EVENT, "event %s unavailable: perf_event_open: %s", name,
                       strerror(err));
    }
}

/* Open the named events: PMU events in groups of at most PERF_GROUP_MAX_HW (so they are
 * scheduled together and read in one go), everything else on its own fd. */
static void perf_open_named(struct perf_open_ctx *c, struct perf_event_attr *attrs)
{
    struct perf_session *s = c->s;
    /* Test hook: group software events like PMU events, to exercise the group path on
     * machines without a PMU. */
    const char *hook = getenv("FAULTLINE_PERF_GROUP_SW");
    bool group_sw = hook && strcmp(hook, "1") == 0;
    int leader = -1;
    unsigned members = 0;
    for (unsigned i = 0; i < s->hw_count; i++) {
        struct perf_event_attr *a = &attrs[i];
        bool pmu = perf_events_is_hw(a);
        bool groupable = pmu || (group_sw && a->type == PERF_TYPE_SOFTWARE);
        s->hw_pmu[i] = pmu;
        s->hw_leader[i] = -1;
        int fd = -ENOENT;
        if (groupable && leader >= 0 && members < PERF_GROUP_MAX_HW) {
            perf_attr_common(a, c, false);
            a->read_format = PERF_TIMES | PERF_FORMAT_GROUP;
            fd = perf_sys_open(a, c->pid, s->hw_fd[leader]);
            if (fd >= 0) {
                s->hw_fd[i] = fd;
                s->hw_leader[i] = (signed char)leader;
                members++;
                continue;
            }
            /* No room next to the leader (or a mismatch): try it as a new leader. */
        }
        perf_attr_common(a, c, true);
        a->read_format = PERF_TIMES;
        if (groupable && !perf_group_format_rejected) {
            a->read_format |= PERF_FORMAT_GROUP;
            fd = perf_sys_open(a, c->pid, -1);
            if (fd == -EINVAL) {
                a->read_format = PERF_TIMES;
                fd = perf_sys_open(a, c->pid, -1);
                if (fd >= 0)
                    perf_group_format_rejected = true; /* inherit + GROUP refused: go single */
            }
        } else {
            fd = perf_sys_open(a, c->pid, -1);
        }
        if (fd < 0) {
            s->hw_fd[i] = -1;
            perf_warn_event(c, i, pmu, -fd);
            continue;
        }
        s->hw_fd[i] = fd;
        if (groupable && (a->read_format & PERF_FORMAT_GROUP)) {
            leader = (int)i;
            members = 1;
            s->hw_leader[i] = (signed char)i;
        }
    }
}

int perf_session_open(struct perf_session *s, pid_t pid, const char *events, bool no_perf,
                      bool enable_on_exec, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < PERF_FIXED_COUNT; i++)
        s->fixed_fd[i] = -1;
    for (int i = 0; i < PERF_MAX_HW; i++) {
        s->hw_fd[i] = -1;
        s->hw_leader[i] = -1;
    }
    if (err && errlen)
        err[0] = '\0';

    /* Names are checked even when perf is off, so a typo fails the same way everywhere. */
    char names[PERF_MAX_HW][PERF_NAME_MAX];
    struct perf_event_attr attrs[PERF_MAX_HW];
    unsigned n;
    if (perf_events_split(events, names, PERF_MAX_HW, &n, err, errlen) != 0)
        return -1;
    for (unsigned i = 0; i < n; i++) {
        struct perf_hw_value *h = &s->hw[i];
        if (perf_events_resolve(names[i], &attrs[i], h->resolved, sizeof h->resolved, err,
                                errlen) != 0)
            return -1;
        memcpy(h->name, names[i], sizeof h->name);
    }
    s->hw_count = n;

    struct perf_open_ctx c = {.s = s, .pid = pid, .enable_on_exec = enable_on_exec};
    if (no_perf || perf_env_disabled()) {
        perf_warn(s, "perf disabled (--no-perf / FAULTLINE_NO_PERF=1)");
        return 0;
    }
    perf_open_faults(&c);
    if (!c.denied)
        perf_open_tracepoints(&c);
    if (!c.denied)
        perf_open_named(&c, attrs);
    return 0;
}

/* ---- enable / disable / read ----------------------------------------------------------- */

static void perf_ioctl_all(struct perf_session *s, unsigned long req)
{
    /* Per fd, no PERF_IOC_FLAG_GROUP. Group siblings are left alone: they were opened
     * enabled and count exactly while their leader does. */
    for (int i = 0; i < PERF_FIXED_COUNT; i++)
        if (s->fixed_fd[i] >= 0)
            ioctl(s->fixed_fd[i], req, 0);
    for (unsigned i = 0; i < s->hw_count; i++)
        if (s->hw_fd[i] >= 0 && (s->hw_leader[i] < 0 || (unsigned)s->hw_leader[i] == i))
            ioctl(s->hw_fd[i], req, 0);
}

void perf_session_enable(struct perf_session *s)
{
    perf_ioctl_all(s, PERF_EVENT_IOC_ENABLE);
}

void perf_session_disable(struct perf_session *s)
{
    perf_ioctl_all(s, PERF_EVENT_IOC_DISABLE);
}

/* Fill v from a raw count and times, scaling by enabled/running when multiplexed. */
static void perf_value_set(struct perf_value *v, uint64_t raw, uint64_t enabled, uint64_t running)
{
    v->time_enabled = enabled;
    v->time_running = running;
    if (enabled > 0 && running == 0) {
        v->available = false; /* enabled but never got a counter: no information */
        v->value = 0;
        return;
    }
    v->available = true;
    v->value = running < enabled
                   ? (uint64_t)((unsigned __int128)raw * enabled / (running ? running : 1))
                   : raw;
}

static ssize_t perf_read_fd(int fd, uint64_t *buf, size_t bytes)
{
    ssize_t n;
    do
        n = read(fd, buf, bytes);
    while (n < 0 && errno == EINTR);
    return n;
}

static void perf_read_single(int fd, struct perf_value *v)
{
    uint64_t buf[3];
    memset(v, 0, sizeof *v);
    if (fd < 0)
        return;
    if (perf_read_fd(fd, buf, sizeof buf) == (ssize_t)sizeof buf)
        perf_value_set(v, buf[0], buf[1], buf[2]);
}

void perf_session_read(struct perf_session *s, struct perf_reading *out)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < PERF_FIXED_COUNT; i++)
        perf_read_single(s->fixed_fd[i], &out->fixed[i]);
    out->hw_count = s->hw_count;
    for (unsigned i = 0; i < s->hw_count; i++) {
        memcpy(out->hw[i].name, s->hw[i].name, sizeof out->hw[i].name);
        memcpy(out->hw[i].resolved, s->hw[i].resolved, sizeof out->hw[i].resolved);
    }
    for (unsigned i = 0; i < s->hw_count; i++) {
        if (s->hw_leader[i] < 0) {
            perf_read_single(s->hw_fd[i], &out->hw[i].v);
        } else if ((unsigned)s->hw_leader[i] == i) {
            /* PERF_FORMAT_GROUP: nr, enabled, running, then values in attach order, which is
             * the order of the members' indices. */
            uint64_t buf[3 + PERF_MAX_HW];
            ssize_t n = perf_read_fd(s->hw_fd[i], buf, sizeof buf);
            if (n < (ssize_t)(3 * sizeof(uint64_t)))
                continue;
            uint64_t nr = buf[0];
            if ((size_t)n < (3 + nr) * sizeof(uint64_t))
                continue;
            uint64_t k = 0;
            for (unsigned j = i; j < s->hw_count && k < nr; j++)
                if (s->hw_leader[j] == (signed char)i)
                    perf_value_set(&out->hw[j].v, buf[3 + k++], buf[1], buf[2]);
        }
    }
    for (unsigned i = 0; i < s->hw_count; i++) {
        const struct perf_value *v = &out->hw[i].v;
        if (s->hw_pmu[i] && v->available && v->value == 0 && v->time_running > 0)
            perf_warn(s,
                      "hardware event %s read 0 while counting: suspect (a vPMU may expose a "
                      "counter that never counts; keep <= %d HW events)",
                      s->hw[i].name, PERF_GROUP_MAX_HW);
    }
}

void perf_session_close(struct perf_session *s)
{
    for (int i = 0; i < PERF_FIXED_COUNT; i++) {
        if (s->fixed_fd[i] >= 0)
            close(s->fixed_fd[i]);
        s->fixed_fd[i] = -1;
    }
    for (unsigned i = 0; i < s->hw_count && i < PERF_MAX_HW; i++) {
        if (s->hw_fd[i] >= 0)
            close(s->hw_fd[i]);
        s->hw_fd[i] = -1;
    }
}

static void perf_value_diff(const struct perf_value *a, const struct perf_value *b,
                            struct perf_value *out)
{
    memset(out, 0, sizeof *out);
    if (!a->available || !b->available)
        return;
    out->available = true;
    out->value = a->value - b->value;
    out->time_enabled = a->time_enabled - b->time_enabled;
    out->time_running = a->time_running - b->time_running;
}

void perf_reading_diff(const struct perf_reading *a, const struct perf_reading *b,
                       struct perf_reading *out)
{
    struct perf_reading r;
    memset(&r, 0, sizeof r);
    for (int i = 0; i < PERF_FIXED_COUNT; i++)
        perf_value_diff(&a->fixed[i], &b->fixed[i], &r.fixed[i]);
    r.hw_count = a->hw_count < b->hw_count ? a->hw_count : b->hw_count;
    for (unsigned i = 0; i < r.hw_count; i++) {
        memcpy(r.hw[i].name, a->hw[i].name, sizeof r.hw[i].name);
        memcpy(r.hw[i].resolved, a->hw[i].resolved, sizeof r.hw[i].resolved);
        perf_value_diff(&a->hw[i].v, &b->hw[i].v, &r.hw[i].v);
    }
    *out = r; /* out may alias a or b */
}

/* ---- facts ----------------------------------------------------------------------------- */

static int perf_pmu_state = -1;         /* -1 unknown, 0 no, 1 yes */
static volatile unsigned perf_pmu_sink; /* keeps the probe loop from being optimised out */

bool perf_pmu_usable(void)
{
    if (perf_pmu_state >= 0)
        return perf_pmu_state == 1;
    perf_pmu_state = 0;
    if (perf_env_disabled())
        return false;
    /* libpfm detects PMUs from CPUID, which a VM without a vPMU still reports: only a real
     * open that then counts something proves the counters work. */
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.type = PERF_TYPE_HARDWARE;
    a.config = PERF_COUNT_HW_INSTRUCTIONS;
    a.disabled = 1;
    a.exclude_kernel = 1;
    a.exclude_hv = 1;
    int fd = perf_sys_open(&a, 0, -1);
    if (fd < 0)
        return false;
    ioctl(fd, PERF_EVENT_IOC_RESET, 0);
    ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
    for (unsigned i = 0; i < 10000; i++)
        perf_pmu_sink += i;
    ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
    uint64_t count = 0;
    if (perf_read_fd(fd, &count, sizeof count) == (ssize_t)sizeof count && count > 0)
        perf_pmu_state = 1;
    close(fd);
    return perf_pmu_state == 1;
}

void perf_list_events(FILE *out)
{
    perf_events_print(out);
    const char *dir = tracefs_dir();
    fprintf(out,
            "this machine: perf_event_paranoid=%d, tracefs=%s, hardware counters %s; always "
            "counted: minor/major faults and "
            "syscalls:sys_enter_{brk,mmap,munmap,mremap,madvise,mprotect}\n",
            perf_paranoid(), dir ? dir : "(not mounted)",
            perf_pmu_usable() ? "usable" : "not usable (events open as null)");
}

/* Closing the last perf event of a tracepoint unregisters it, which waits for an RCU grace
 * period: ~50 ms per tracepoint here, 250 ms per measured run. A session held open (disabled)
 * by the long-lived parent keeps the tracepoints registered, so the children's opens and
 * closes are instant. The held counters never run and count nothing. */
void perf_hold_tracepoints(void)
{
    static struct perf_session hold;
    static bool held;
    if (held || perf_env_disabled())
        return;
    held = true;
    char err[256];
    if (perf_session_open(&hold, 0, NULL, false, false, err, sizeof err) != 0)
        held = false;
}
