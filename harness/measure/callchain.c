/* Sampled call sites, kernel side: opens the syscall tracepoints and page faults with user
 * registers and a user-stack copy per sample, one ring buffer per CPU (every event of a CPU
 * writes into the ring of its first event, as perf record does), and parses the rings into a
 * sink. Why a stack copy and not the kernel's frame-pointer call chain: Debian builds libc (and
 * most programs) without frame pointers, so a kernel call chain from a syscall stops or goes
 * astray at libc's wrapper, before the caller that matters; the stack copy lets libdwfl unwind
 * with the .eh_frame tables every ELF file carries (symbolize.c). Inherited per-task events
 * need per-CPU rings: the kernel refuses mmap on an inherited event opened for any CPU. */
#define _GNU_SOURCE
#include "callchain.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "perf.h"
#include "tracefs.h"

#if defined(__x86_64__)
#include <asm/perf_regs.h>
#define CALLCHAIN_SUPPORTED 1
#else
#define CALLCHAIN_SUPPORTED 0
#endif

/* tracepoint names and the field that carries the bytes (brk: the requested break) */
static const char *const callchain_tp[CALLCHAIN_SYSCALLS + 1][2] = {
    {"sys_enter_brk", "brk"},        {"sys_enter_mmap", "len"},       {"sys_enter_munmap", "len"},
    {"sys_enter_mremap", "new_len"}, {"sys_enter_madvise", "len_in"}, {"sys_enter_mprotect", "len"},
    {"sys_exit_brk", "ret"},
};
#define CALLCHAIN_EXIT_BRK CALLCHAIN_EVENT_COUNT /* index of sys_exit_brk in fd[][] */

static const char *const callchain_names[CALLCHAIN_EVENT_COUNT] = {
    "brk", "mmap", "munmap", "mremap", "madvise", "mprotect", "fault"};

const char *callchain_event_name(enum callchain_event e)
{
    return (unsigned)e < CALLCHAIN_EVENT_COUNT ? callchain_names[e] : "?";
}

/* Every record carries its time (samples after id and tid; other records in the sample_id
 * trailer, 16 bytes before the end) so that the rings of all CPUs can be merged in time order:
 * a library mapped on one CPU may be used by the next sample on another. No PERF_SAMPLE_PERIOD:
 * with it the kernel samples every software event (period 1) whatever sample_period says. */
#define CALLCHAIN_SAMPLE_TYPE                                                                      \
    (PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_RAW |               \
     PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER)
#define CALLCHAIN_EXIT_TYPE                                                                        \
    (PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_RAW)

#if CALLCHAIN_SUPPORTED
/* perf register bits in the order the kernel writes them (ascending), and where each goes in
 * DWARF numbering */
static const struct {
    int perf;
    int dwarf;
} callchain_regmap[CALLCHAIN_NREGS] = {
    {PERF_REG_X86_AX, 0},   {PERF_REG_X86_BX, 3},   {PERF_REG_X86_CX, 2},   {PERF_REG_X86_DX, 1},
    {PERF_REG_X86_SI, 4},   {PERF_REG_X86_DI, 5},   {PERF_REG_X86_BP, 6},   {PERF_REG_X86_SP, 7},
    {PERF_REG_X86_IP, 16},  {PERF_REG_X86_R8, 8},   {PERF_REG_X86_R9, 9},   {PERF_REG_X86_R10, 10},
    {PERF_REG_X86_R11, 11}, {PERF_REG_X86_R12, 12}, {PERF_REG_X86_R13, 13}, {PERF_REG_X86_R14, 14},
    {PERF_REG_X86_R15, 15},
};
#endif

static uint64_t callchain_regmask(void)
{
    uint64_t m = 0;
#if CALLCHAIN_SUPPORTED
    for (int i = 0; i < CALLCHAIN_NREGS; i++)
        m |= 1ull << callchain_regmap[i].perf;
#endif
    return m;
}

/* Offset of a field in a tracepoint's record, from tracefs' format file; 0 if not found. */
static size_t callchain_field_offset(const char *dir, const char *tp, const char *field)
{
    char path[512], text[4096], pat[80];
    snprintf(path, sizeof path, "%s/events/syscalls/%s/format", dir, tp);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    snprintf(pat, sizeof pat, " %s;\toffset:", field);
    const char *at = strstr(text, pat);
    return at ? (size_t)strtoul(at + strlen(pat), NULL, 10) : 0;
}

/* The tracepoint's id, or -errno (tracefs is root-only on Debian: EACCES for others). */
static long callchain_tp_id(const char *dir, const char *tp)
{
    char path[512], text[32];
    snprintf(path, sizeof path, "%s/events/syscalls/%s/id", dir, tp);
    FILE *f = fopen(path, "r");
    if (!f)
        return -errno;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    return n ? strtol(text, NULL, 10) : -EINVAL;
}

static int callchain_sys_open(struct perf_event_attr *a, pid_t pid, int cpu)
{
    long fd = syscall(SYS_perf_event_open, a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
    return fd < 0 ? -errno : (int)fd;
}

/* The attr of event k (k == CALLCHAIN_EXIT_BRK: sys_exit_brk). owner: the ring's first event. */
static void callchain_attr(struct callchain_session *s, unsigned k, long tp_id, bool owner,
                           struct perf_event_attr *a)
{
    memset(a, 0, sizeof *a);
    a->size = sizeof *a;
    a->inherit = 1;
    a->disabled = 1;
    a->enable_on_exec = 1;
    a->exclude_hv = 1;
    a->sample_id_all = 1;
    if (k == CALLCHAIN_FAULT) {
        a->type = PERF_TYPE_SOFTWARE;
        a->config = PERF_COUNT_SW_PAGE_FAULTS; /* minor + major, kernel-mode ones too */
        a->sample_period = s->fault_period;
    } else {
        a->type = PERF_TYPE_TRACEPOINT;
        a->config = (uint64_t)tp_id;
        a->sample_period = 1;
    }
    a->sample_type = k == CALLCHAIN_EXIT_BRK ? CALLCHAIN_EXIT_TYPE : CALLCHAIN_SAMPLE_TYPE;
    if (k != CALLCHAIN_EXIT_BRK) {
        a->sample_regs_user = callchain_regmask();
        a->sample_stack_user = s->stack_bytes;
    }
    if (owner) {
        a->mmap = 1; /* executable mappings only: what symbolization needs */
        a->mmap2 = 1;
        a->comm = 1;
        a->comm_exec = 1;
        a->task = 1;
        a->watermark = 1;
        a->wakeup_watermark = (uint32_t)(s->ring_bytes / 4);
    }
}

/* mmap the ring of cpu's owner fd, halving the size until the locked-memory limit allows it. */
static int callchain_map_ring(struct callchain_session *s, unsigned cpu)
{
    for (;;) {
        void *p = mmap(NULL, s->page + s->ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
                       s->fd[cpu][CALLCHAIN_FAULT], 0);
        if (p != MAP_FAILED) {
            s->ring[cpu] = p;
            return 0;
        }
        if (errno != EPERM && errno != ENOMEM)
            return -errno;
        if (cpu > 0 || s->ring_bytes <= 8 * s->page)
            return -errno; /* every ring has the size of the first */
        s->ring_bytes /= 2;
    }
}

static int callchain_open_cpu(struct callchain_session *s, pid_t pid, unsigned cpu,
                              const long *tp_ids)
{
    /* the fault event first: it owns the ring */
    static const unsigned order[] = {CALLCHAIN_FAULT,    CALLCHAIN_BRK,     CALLCHAIN_MMAP,
                                     CALLCHAIN_MUNMAP,   CALLCHAIN_MREMAP,  CALLCHAIN_MADVISE,
                                     CALLCHAIN_MPROTECT, CALLCHAIN_EXIT_BRK};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        unsigned k = order[i];
        struct perf_event_attr a;
        long id =
            k == CALLCHAIN_FAULT ? 0 : tp_ids[k == CALLCHAIN_EXIT_BRK ? CALLCHAIN_SYSCALLS : k];
        callchain_attr(s, k, id, i == 0, &a);
        int fd = callchain_sys_open(&a, pid, (int)cpu);
        if (fd < 0)
            return fd;
        s->fd[cpu][k] = fd;
        if (ioctl(fd, PERF_EVENT_IOC_ID, &s->id[cpu][k]) != 0)
            return -errno;
        if (i == 0) {
            int rc = callchain_map_ring(s, cpu);
            if (rc != 0)
                return rc;
        } else if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, s->fd[cpu][CALLCHAIN_FAULT]) != 0) {
            return -errno;
        }
    }
    return 0;
}

static void callchain_reason(struct callchain_session *s, int err)
{
    if (err == -EACCES || err == -EPERM)
        snprintf(s->reason, sizeof s->reason,
                 "--callsites: call chains not permitted (perf_event_paranoid=%d and not root; "
                 "needs root or perf_event_paranoid <= -1 for syscall tracepoints): call sites "
                 "are null",
                 perf_paranoid());
    else
        snprintf(s->reason, sizeof s->reason,
                 "--callsites: cannot open sampling events: %s; call sites are null",
                 strerror(-err));
}

int callchain_open(struct callchain_session *s, pid_t pid, uint64_t fault_period,
                   unsigned stack_bytes)
{
    memset(s, 0, sizeof *s);
    for (unsigned c = 0; c < CALLCHAIN_MAX_CPUS; c++)
        for (unsigned k = 0; k <= CALLCHAIN_EVENT_COUNT; k++)
            s->fd[c][k] = -1;
    s->fault_period = fault_period ? fault_period : 1;
    s->stack_bytes = (stack_bytes + 7u) & ~7u;
    s->page = (size_t)sysconf(_SC_PAGESIZE);
    s->ring_bytes = 2048 * s->page; /* 8 MiB per CPU: ~1000 samples of 8 KiB stack */
    if (!CALLCHAIN_SUPPORTED) {
        snprintf(s->reason, sizeof s->reason,
                 "--callsites: DWARF unwinding is implemented for x86_64 only; call sites are "
                 "null");
        return -1;
    }
    const char *dir = tracefs_dir();
    if (!dir) {
        snprintf(s->reason, sizeof s->reason,
                 "--callsites: tracefs is not mounted (mount -t tracefs nodev "
                 "/sys/kernel/tracing); call sites are null");
        return -1;
    }
    long ids[CALLCHAIN_SYSCALLS + 1];
    for (unsigned k = 0; k <= CALLCHAIN_SYSCALLS; k++) {
        ids[k] = callchain_tp_id(dir, callchain_tp[k][0]);
        size_t off = callchain_field_offset(dir, callchain_tp[k][0], callchain_tp[k][1]);
        s->off[k == CALLCHAIN_SYSCALLS ? CALLCHAIN_EXIT_BRK : k] = off;
        if (ids[k] == -EACCES || ids[k] == -EPERM) {
            callchain_reason(s, (int)ids[k]);
            return -1;
        }
        if (ids[k] < 0 || off == 0) {
            snprintf(s->reason, sizeof s->reason,
                     "--callsites: tracepoint syscalls/%s is not readable in %s (not root?); "
                     "call sites are null",
                     callchain_tp[k][0], dir);
            return -1;
        }
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    s->ncpu = n < 1 ? 1 : n > CALLCHAIN_MAX_CPUS ? CALLCHAIN_MAX_CPUS : (unsigned)n;
    for (unsigned c = 0; c < s->ncpu; c++) {
        int rc = callchain_open_cpu(s, pid, c, ids);
        if (rc != 0) {
            callchain_reason(s, rc);
            callchain_close(s);
            return -1;
        }
    }
    s->active = true;
    return 0;
}

void callchain_close(struct callchain_session *s)
{
    for (unsigned c = 0; c < CALLCHAIN_MAX_CPUS; c++) {
        if (s->ring[c])
            munmap(s->ring[c], s->page + s->ring_bytes);
        s->ring[c] = NULL;
        for (unsigned k = 0; k <= CALLCHAIN_EVENT_COUNT; k++) {
            if (s->fd[c][k] >= 0)
                close(s->fd[c][k]);
            s->fd[c][k] = -1;
        }
    }
    s->active = false;
}

/* ---- parsing ------------------------------------------------------------------------------ */

struct callchain_cursor {
    const unsigned char *p, *end;
    bool bad;
};

static const void *callchain_take(struct callchain_cursor *c, size_t n)
{
    if (c->bad || (size_t)(c->end - c->p) < n) {
        c->bad = true;
        return NULL;
    }
    const void *at = c->p;
    c->p += n;
    return at;
}

static uint64_t callchain_u64(struct callchain_cursor *c)
{
    uint64_t v = 0;
    const void *at = callchain_take(c, 8);
    if (at)
        memcpy(&v, at, 8);
    return v;
}

static int callchain_event_of(const struct callchain_session *s, uint64_t id)
{
    for (unsigned c = 0; c < s->ncpu; c++)
        for (unsigned k = 0; k <= CALLCHAIN_EVENT_COUNT; k++)
            if (s->id[c][k] == id)
                return (int)k;
    return -1;
}

static uint64_t callchain_raw_field(const unsigned char *raw, uint32_t size, size_t off)
{
    uint64_t v = 0;
    if (off + 8 <= size)
        memcpy(&v, raw + off, 8);
    return v;
}

static void callchain_parse_sample(struct callchain_session *s, const unsigned char *rec,
                                   size_t len, const struct callchain_sink *sink)
{
    struct callchain_cursor c = {rec, rec + len, false};
    int k = callchain_event_of(s, callchain_u64(&c));
    if (k < 0)
        return;
    struct callchain_sample smp;
    memset(&smp, 0, sizeof smp);
    uint64_t pidtid = callchain_u64(&c);
    smp.pid = (uint32_t)pidtid;
    smp.tid = (uint32_t)(pidtid >> 32);
    callchain_u64(&c); /* time: used by the merge only */
    smp.period = k == CALLCHAIN_FAULT ? s->fault_period : 1;
    uint32_t rawsize = 0;
    const void *rs = callchain_take(&c, 4);
    if (rs)
        memcpy(&rawsize, rs, 4);
    const unsigned char *raw = callchain_take(&c, rawsize);
    if (c.bad)
        return;
    if (k == CALLCHAIN_EXIT_BRK) {
        if (sink->brk_result)
            sink->brk_result(sink->arg, smp.pid, smp.tid,
                             (int64_t)callchain_raw_field(raw, rawsize, s->off[k]));
        return;
    }
    smp.event = (enum callchain_event)k;
    if (k != CALLCHAIN_FAULT)
        smp.arg = callchain_raw_field(raw, rawsize, s->off[k]);
    uint64_t abi = callchain_u64(&c);
    if (abi != PERF_SAMPLE_REGS_ABI_NONE) {
        smp.has_regs = true;
#if CALLCHAIN_SUPPORTED
        for (int i = 0; i < CALLCHAIN_NREGS; i++)
            smp.regs[callchain_regmap[i].dwarf] = callchain_u64(&c);
#endif
    }
    uint64_t size = callchain_u64(&c);
    if (size) {
        smp.stack = callchain_take(&c, size);
        uint64_t dyn = callchain_u64(&c);
        smp.stack_len = dyn < size ? dyn : size;
    }
    if (c.bad)
        return;
    s->samples++;
    sink->sample(sink->arg, &smp);
}

static void callchain_parse(struct callchain_session *s, const struct perf_event_header *h,
                            const struct callchain_sink *sink)
{
    const unsigned char *body = (const unsigned char *)(h + 1);
    size_t len = h->size - sizeof *h;
    switch (h->type) {
    case PERF_RECORD_SAMPLE:
        callchain_parse_sample(s, body, len, sink);
        break;
    case PERF_RECORD_MMAP2: {
        /* u32 pid, tid; u64 addr, len, pgoff; 24 bytes of device/inode or build id;
         * u32 prot, flags; char filename[] */
        if (len < 8 + 24 + 24 + 8 + 1)
            break;
        uint32_t pid, prot;
        uint64_t addr, mlen, pgoff;
        memcpy(&pid, body, 4);
        memcpy(&addr, body + 8, 8);
        memcpy(&mlen, body + 16, 8);
        memcpy(&pgoff, body + 24, 8);
        memcpy(&prot, body + 56, 4);
        const char *file = (const char *)body + 64;
        if ((prot & PROT_EXEC) && file[0] == '/' && memchr(file, '\0', len - 64) && sink->mmap)
            sink->mmap(sink->arg, pid, addr, mlen, pgoff, file);
        break;
    }
    case PERF_RECORD_COMM:
        if ((h->misc & PERF_RECORD_MISC_COMM_EXEC) && len >= 4 && sink->exec) {
            uint32_t pid;
            memcpy(&pid, body, 4);
            sink->exec(sink->arg, pid);
        }
        break;
    case PERF_RECORD_FORK:
        if (len >= 8 && sink->fork) {
            uint32_t pid, ppid;
            memcpy(&pid, body, 4);
            memcpy(&ppid, body + 4, 4);
            if (pid != ppid) /* a new thread shares its process's address space */
                sink->fork(sink->arg, pid, ppid);
        }
        break;
    case PERF_RECORD_LOST:
        if (len >= 16) {
            uint64_t lost;
            memcpy(&lost, body + 8, 8);
            s->lost += lost;
        }
        break;
    default:
        break;
    }
}

static void callchain_log_add(struct callchain_log *log, const void *rec, size_t len)
{
    if (log->len + len > log->cap) {
        size_t cap = log->cap ? 2 * log->cap : 1u << 20;
        while (cap < log->len + len)
            cap *= 2;
        log->data = realloc(log->data, cap);
        if (!log->data)
            abort();
        log->cap = cap;
    }
    memcpy(log->data + log->len, rec, len);
    log->len += len;
}

void callchain_log_free(struct callchain_log *log)
{
    free(log->data);
    memset(log, 0, sizeof *log);
}

static uint64_t callchain_time(const struct perf_event_header *h)
{
    uint64_t t = 0;
    const unsigned char *body = (const unsigned char *)(h + 1);
    size_t len = h->size - sizeof *h;
    if (h->type == PERF_RECORD_SAMPLE && len >= 24)
        memcpy(&t, body + 16, 8);
    else if (h->type != PERF_RECORD_SAMPLE && len >= 16)
        memcpy(&t, body + len - 16, 8);
    return t;
}

struct callchain_ref {
    uint64_t time;
    size_t at;
};

static int callchain_ref_cmp(const void *a, const void *b)
{
    const struct callchain_ref *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return x->at < y->at ? -1 : x->at > y->at; /* stable: ring order */
}

/* Put the records added since the last sort in time order (each CPU's are already). */
static void callchain_log_sort(struct callchain_log *log)
{
    size_t n = 0;
    for (size_t at = log->sorted; at < log->len; n++)
        at += ((const struct perf_event_header *)(log->data + at))->size;
    if (n > 1) {
        struct callchain_ref *refs = malloc(n * sizeof *refs);
        unsigned char *copy = malloc(log->len - log->sorted);
        if (!refs || !copy)
            abort();
        size_t i = 0;
        for (size_t at = log->sorted; at < log->len; i++) {
            const struct perf_event_header *h = (const void *)(log->data + at);
            refs[i].time = callchain_time(h);
            refs[i].at = at;
            at += h->size;
        }
        qsort(refs, n, sizeof *refs, callchain_ref_cmp);
        size_t out = 0;
        for (i = 0; i < n; i++) {
            const struct perf_event_header *h = (const void *)(log->data + refs[i].at);
            memcpy(copy + out, h, h->size);
            out += h->size;
        }
        memcpy(log->data + log->sorted, copy, out);
        free(copy);
        free(refs);
    }
    log->sorted = log->len;
}

void callchain_drain(struct callchain_session *s, struct callchain_log *log)
{
    if (!s->active)
        return;
    for (unsigned cpu = 0; cpu < s->ncpu; cpu++) {
        struct perf_event_mmap_page *mp = s->ring[cpu];
        const unsigned char *data = (const unsigned char *)mp + s->page;
        uint64_t head = __atomic_load_n(&mp->data_head, __ATOMIC_ACQUIRE);
        uint64_t tail = mp->data_tail;
        size_t mask = s->ring_bytes - 1;
        while (tail + sizeof(struct perf_event_header) <= head) {
            struct perf_event_header h;
            size_t at = tail & mask;
            for (size_t i = 0; i < sizeof h; i++)
                ((unsigned char *)&h)[i] = data[(at + i) & mask];
            if (h.size < sizeof h || tail + h.size > head)
                break;
            if (at + h.size > s->ring_bytes) { /* wraps: copy it in two parts */
                size_t first = s->ring_bytes - at;
                callchain_log_add(log, data + at, first);
                callchain_log_add(log, data, h.size - first);
            } else {
                callchain_log_add(log, data + at, h.size);
            }
            tail += h.size;
        }
        __atomic_store_n(&mp->data_tail, tail, __ATOMIC_RELEASE);
    }
    callchain_log_sort(log);
}

void callchain_replay(struct callchain_session *s, const struct callchain_log *log,
                      const struct callchain_sink *sink)
{
    size_t at = 0;
    while (at + sizeof(struct perf_event_header) <= log->len) {
        const struct perf_event_header *h = (const void *)(log->data + at);
        if (h->size < sizeof *h || at + h->size > log->len)
            break;
        callchain_parse(s, h, sink);
        at += h->size;
    }
}
