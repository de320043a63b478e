/* The runner child's measured phase (see child.h). Nothing here calls malloc once the backend
 * is initialised: the record lives in a shared memfd, histograms are fixed-size, /proc is read
 * with read(2). That keeps a brk backend the sole owner of the program break and leaves glibc's
 * heap as a fresh program has it. */
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "lock.h"
#include "workload.h"
#include "inject.h"
#include "memview.h"
#include "procfs.h"

static const struct backend_ops *child_raw;
static struct backend_ops child_timed;
static struct run_record *child_rec;
static uint64_t child_every;
static uint64_t child_timer_cost;
static _Thread_local uint64_t child_countdown;
static struct lock child_hist_lock = LOCK_INIT;
/* Blocks that were timed individually at allocation (big ones) are timed again at free: a
 * 4096-bit filter on the pointer, cheaper than asking the backend for the block's size. */
static _Atomic unsigned long child_big_bits[4096 / (8 * sizeof(unsigned long))];

static struct perf_session child_perf;
static bool child_perf_open;
static struct perf_reading child_perf_start;
static struct rusage child_ru_start;
static struct os_counts child_os_start;
static uintptr_t child_break_start;
static bool child_sizes_valid;
static bool child_os_valid;

static inline uint64_t child_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t child_calibrate_timer(void)
{
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 2000; i++) {
        uint64_t a = child_now(), b = child_now();
        if (b - a < best)
            best = b - a;
    }
    return best;
}

static void child_record(enum op_kind kind, uint64_t t0, uint64_t t1, uint64_t weight)
{
    uint64_t d = t1 - t0;
    d = d > child_timer_cost ? d - child_timer_cost : 0;
    lock_acquire(&child_hist_lock);
    hist_record(&child_rec->hist[kind], d, weight);
    lock_release(&child_hist_lock);
}

static inline unsigned child_big_slot(const void *p)
{
    uintptr_t x = (uintptr_t)p >> 4;
    x ^= x >> 17;
    return (unsigned)(x * 0x9e3779b1u) % 4096u;
}

static inline void child_big_mark(const void *p, bool on)
{
    unsigned s = child_big_slot(p);
    unsigned long bit = 1ul << (s % (8 * sizeof(unsigned long)));
    if (on)
        child_big_bits[s / (8 * sizeof(unsigned long))] |= bit;
    else
        child_big_bits[s / (8 * sizeof(unsigned long))] &= ~bit;
}

static inline bool child_big_test(const void *p)
{
    unsigned s = child_big_slot(p);
    return (child_big_bits[s / (8 * sizeof(unsigned long))] >> (s % (8 * sizeof(unsigned long)))) &
           1;
}

/* The always-timed table behind the workload helpers' inline sampling (wl_pick): a call that
 * arrives here was either chosen 1 in N (weight N) or is a big request (weight 1). */
static inline uint64_t child_weight(size_t size)
{
    return size >= CHILD_BIG_REQUEST ? 1 : child_every;
}

static void *child_t_malloc(size_t n)
{
    uint64_t t0 = child_now();
    void *p = child_raw->malloc(n);
    uint64_t t1 = child_now();
    child_record(OP_MALLOC, t0, t1, child_weight(n));
    if (p && n >= CHILD_BIG_REQUEST)
        child_big_mark(p, true);
    return p;
}

static void *child_t_calloc(size_t n, size_t m)
{
    size_t total = (m && n > SIZE_MAX / m) ? SIZE_MAX : n * m;
    uint64_t t0 = child_now();
    void *p = child_raw->calloc(n, m);
    uint64_t t1 = child_now();
    child_record(OP_CALLOC, t0, t1, child_weight(total));
    if (p && total >= CHILD_BIG_REQUEST)
        child_big_mark(p, true);
    return p;
}

static void *child_t_memalign(size_t a, size_t n)
{
    uint64_t t0 = child_now();
    void *p = child_raw->memalign(a, n);
    uint64_t t1 = child_now();
    child_record(OP_MEMALIGN, t0, t1, child_weight(n));
    if (p && n >= CHILD_BIG_REQUEST)
        child_big_mark(p, true);
    return p;
}

static void *child_t_realloc(void *old, size_t n)
{
    bool big_old = old && child_big_test(old);
    uint64_t t0 = child_now();
    void *p = child_raw->realloc(old, n);
    uint64_t t1 = child_now();
    child_record(OP_REALLOC, t0, t1, big_old ? 1 : child_weight(n));
    if (p) {
        if (big_old)
            child_big_mark(old, false);
        if (n >= CHILD_BIG_REQUEST)
            child_big_mark(p, true);
    }
    return p;
}

static void child_t_free(void *p)
{
    bool big = p && child_big_test(p);
    if (big)
        child_big_mark(p, false);
    uint64_t t0 = child_now();
    child_raw->free(p);
    uint64_t t1 = child_now();
    child_record(OP_FREE, t0, t1, big ? 1 : child_every);
}

/* The sampling table, for code that calls env->ops directly (worker threads): every call of
 * a big request, and 1 in N of the others, goes through the always-timed table above. */
static inline bool child_sampled(size_t size)
{
    if (size >= CHILD_BIG_REQUEST)
        return true;
    if (child_countdown > 1) {
        child_countdown--;
        return false;
    }
    child_countdown = child_every;
    return true;
}

static void *child_malloc(size_t n)
{
    return child_sampled(n) ? child_t_malloc(n) : child_raw->malloc(n);
}

static void *child_calloc(size_t n, size_t m)
{
    size_t total = (m && n > SIZE_MAX / m) ? SIZE_MAX : n * m;
    return child_sampled(total) ? child_t_calloc(n, m) : child_raw->calloc(n, m);
}

static void *child_memalign(size_t a, size_t n)
{
    return child_sampled(n) ? child_t_memalign(a, n) : child_raw->memalign(a, n);
}

static void *child_realloc(void *old, size_t n)
{
    bool big_old = old && child_big_test(old);
    return big_old || child_sampled(n) ? child_t_realloc(old, n) : child_raw->realloc(old, n);
}

static void child_free(void *p)
{
    bool big = p && child_big_test(p);
    if (big || child_sampled(0))
        child_t_free(p);
    else
        child_raw->free(p);
}

/* Touches reach here when wl_touch chose to time them: big ones (WL_TIMED_TOUCH_PAGES or more,
 * weight 1) and 1 in N small ones (weight N). Recorded as ns per touched page, weighted by
 * pages. */
static void child_touch(void *ctx, void *p, size_t len, size_t stride)
{
    (void)ctx;
    volatile unsigned char *c = p;
    uint64_t pages = (len + stride - 1) / stride;
    uint64_t weight = pages < WL_TIMED_TOUCH_PAGES ? child_every : 1;
    uint64_t t0 = child_now();
    for (size_t off = 0; off < len; off += stride)
        c[off] = (unsigned char)(off >> 12 | 1);
    uint64_t t1 = child_now();
    uint64_t d = t1 - t0;
    d = d > child_timer_cost ? d - child_timer_cost : 0;
    lock_acquire(&child_hist_lock);
    hist_record(&child_rec->hist[OP_TOUCH], pages ? d / pages : 0, pages * weight);
    lock_release(&child_hist_lock);
}

static uintptr_t child_break_now(void)
{
    void *b = NULL;
    os_break(&b); /* primed before the phase: never a syscall here */
    return (uintptr_t)b;
}

static uint64_t child_minflt_now(uint64_t *majflt)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    if (majflt)
        *majflt = (uint64_t)(ru.ru_majflt - child_ru_start.ru_majflt);
    return (uint64_t)(ru.ru_minflt - child_ru_start.ru_minflt);
}

static void child_timeline_point(struct wl_env *env)
{
    struct run_record *r = child_rec;
    if (r->timeline_count == SAMPLE_TIMELINE_MAX) {
        /* keep every other point and halve the rate: bounded size, whole run covered */
        for (unsigned i = 0; i < SAMPLE_TIMELINE_MAX / 2; i++)
            r->timeline[i] = r->timeline[2 * i + 1];
        r->timeline_count = SAMPLE_TIMELINE_MAX / 2;
        r->timeline_every *= 2;
    }
    struct timeline_point *pt = &r->timeline[r->timeline_count++];
    pt->ops = env->ops_done;
    pt->rss_bytes = procfs_rss_bytes();
    pt->break_offset = (int64_t)(child_break_now() - child_break_start);
    pt->mapped_bytes = -1;
    if (child_sizes_valid) {
        struct backend_stats st;
        child_raw->stats(&st);
        pt->mapped_bytes = (int64_t)st.mapped_bytes;
    }
    pt->live_bytes = env->live_requested;
    pt->minflt = child_minflt_now(NULL);
    memview_point(env->ops_done, (int64_t)env->live_requested);
}

static void child_tick(void *ctx, struct wl_env *env)
{
    (void)ctx;
    child_timeline_point(env);
    env->next_tick = env->ops_done + child_rec->timeline_every;
}

static struct wl_env *child_env;

static void child_step(void *ctx, const char *label)
{
    (void)ctx;
    struct run_record *r = child_rec;
    if (r->step_count == SAMPLE_STEPS_MAX) {
        r->steps_dropped++;
        return;
    }
    struct step_snapshot *s = &r->steps[r->step_count++];
    snprintf(s->label, sizeof s->label, "%s", label);
    s->ops = child_env ? child_env->ops_done : 0;
    s->break_offset = (int64_t)(child_break_now() - child_break_start);
    s->heap_bytes = s->mapped_bytes = -1;
    if (child_sizes_valid) {
        struct backend_stats st;
        child_raw->stats(&st);
        s->heap_bytes = (int64_t)st.heap_bytes;
        s->mapped_bytes = (int64_t)st.mapped_bytes;
    }
    s->minflt = child_minflt_now(&s->majflt);
    if (child_env)
        memview_point(child_env->ops_done, (int64_t)child_env->live_requested);
    for (int i = 0; i < 5; i++)
        s->sys[i] = s->os[i] = -1;
    if (child_perf_open) {
        struct perf_reading now, d;
        perf_session_read(&child_perf, &now);
        perf_reading_diff(&now, &child_perf_start, &d);
        for (int i = 0; i < 5; i++)
            if (d.fixed[PERF_SYS_BRK + i].available)
                s->sys[i] = (int64_t)d.fixed[PERF_SYS_BRK + i].value;
    }
    if (child_os_valid) {
        struct os_counts now, d;
        os_counts_read(&now);
        os_counts_diff(&now, &child_os_start, &d);
        for (int i = 0; i < 5; i++)
            s->os[i] = (int64_t)d.calls[i];
    }
}

static uint64_t child_tv_ns(struct timeval a, struct timeval b)
{
    int64_t d =
        (int64_t)(b.tv_sec - a.tv_sec) * 1000000000 + (int64_t)(b.tv_usec - a.tv_usec) * 1000;
    return d > 0 ? (uint64_t)d : 0;
}

/* Test hooks so the outcome paths can be tested for real: FAULTLINE_TEST_CRASH=1 dies of SIGSEGV
 * inside the measured phase, FAULTLINE_TEST_HANG=1 never finishes it. */
static void child_test_hooks(void)
{
    const char *crash = getenv("FAULTLINE_TEST_CRASH");
    if (crash && !strcmp(crash, "1"))
        raise(SIGSEGV);
    const char *hang = getenv("FAULTLINE_TEST_HANG");
    if (hang && !strcmp(hang, "1"))
        for (;;)
            pause();
}

/* FAULTLINE_MARK_PHASE=1: a write(2) to fd -1 (fails with EBADF, costs ~0.5 us) at both ends of
 * the measured phase, so strace output can be cut to exactly the phase. */
static bool child_marks;

static void child_mark(const char *what)
{
    if (child_marks) {
        ssize_t rc = write(-1, what, strlen(what));
        (void)rc;
    }
}

static int child_fail(struct run_record *rec, const char *msg)
{
    snprintf(rec->error, sizeof rec->error, "%s", msg);
    return 2;
}

int child_run(const struct child_config *cfg, struct run_record *rec)
{
    char err[256];
    const struct backend_ops *ops;
    const struct workload *wl;
    static struct param_values bpv, wpv;
    child_rec = rec;
    rec->magic = RUN_RECORD_MAGIC;
    rec->size = sizeof *rec;
    rec->phase = PHASE_STARTED;
    if (backend_parse_spec(cfg->backend_spec, &ops, &bpv, err, sizeof err) != 0)
        return child_fail(rec, err);
    if (workload_parse_spec(cfg->workload_spec, &wl, &wpv, err, sizeof err) != 0)
        return child_fail(rec, err);

    /* Learn the break now (one brk(0) if nobody asked yet) so no later read is a syscall. */
    void *b0;
    if (os_break(&b0) != 0)
        return child_fail(rec, "cannot read the program break");

    if (perf_session_open(&child_perf, 0, cfg->events, cfg->no_perf, false, err, sizeof err) != 0)
        return child_fail(rec, err);
    child_perf_open = true;
    rec->warning_count = child_perf.warning_count;
    for (unsigned i = 0; i < child_perf.warning_count && i < 4; i++)
        snprintf(rec->warnings[i], sizeof rec->warnings[i], "%s", child_perf.warnings[i]);

    child_timer_cost = child_calibrate_timer();
    rec->timer_cost_ns = child_timer_cost;
    child_every = cfg->lat_sample_every ? cfg->lat_sample_every : CHILD_LAT_SAMPLE_DEFAULT;
    child_countdown = child_every;
    rec->lat_sample_every = child_every;
    rec->timeline_every = cfg->timeline_every ? cfg->timeline_every : CHILD_TIMELINE_DEFAULT;
    for (int k = 0; k < OP_COUNT; k++)
        hist_reset(&rec->hist[k]);

    int rc = ops->init(&bpv);
    if (rc != 0) {
        snprintf(err, sizeof err, "backend %s: init failed: %s", ops->name, strerror(rc));
        return child_fail(rec, err);
    }
    ops = inject_wrap(ops); /* FAULTLINE_INJECT: the gate's own tests (harness/measure/inject.c) */
    child_raw = ops;
    struct backend_stats st0;
    ops->stats(&st0);
    child_sizes_valid = st0.sizes_valid;
    child_os_valid = st0.os_counts_valid;

    static struct backend_ops always_timed;
    always_timed = *ops;
    always_timed.malloc = child_t_malloc;
    always_timed.free = child_t_free;
    always_timed.calloc = child_t_calloc;
    always_timed.realloc = child_t_realloc;
    always_timed.memalign = child_t_memalign;
    child_timed = *ops;
    child_timed.malloc = child_malloc;
    child_timed.free = child_free;
    child_timed.calloc = child_calloc;
    child_timed.realloc = child_realloc;
    child_timed.memalign = child_memalign;

    static struct recorder recorder;
    recorder.ctx = NULL;
    recorder.step = child_step;
    recorder.tick = cfg->no_measure ? NULL : child_tick;
    recorder.touch = cfg->no_measure ? NULL : child_touch;

    static struct wl_env env;
    memset(&env, 0, sizeof env);
    env.ops = cfg->no_measure ? ops : &child_timed;
    env.params = &wpv;
    env.seed = cfg->seed;
    env.rec = &recorder;
    env.tmpdir = cfg->tmpdir;
    env.next_tick = cfg->no_measure ? UINT64_MAX : rec->timeline_every;
    if (!cfg->no_measure) {
        env.raw = ops;
        env.timed = &always_timed;
        env.lat_every = env.lat_countdown = env.touch_countdown = child_every;
    }
    wl_seed(&env, cfg->seed);
    child_env = &env;
    rec->phase = PHASE_SETUP_DONE;

    const char *marks = getenv("FAULTLINE_MARK_PHASE");
    child_marks = marks && !strcmp(marks, "1");
    /* ---- measured phase ---- */
    if (!cfg->no_measure)
        memview_begin(rec, ops, child_sizes_valid);
    uint64_t rss0 = procfs_rss_bytes();
    child_break_start = child_break_now();
    getrusage(RUSAGE_SELF, &child_ru_start);
    os_counts_read(&child_os_start);
    perf_session_read(&child_perf, &child_perf_start);
    rec->phase = PHASE_MEASURING;
    if (!cfg->no_measure)
        child_timeline_point(&env);
    perf_session_enable(&child_perf);
    uint64_t t0 = child_now();
    child_mark("faultline:phase-begin");
    child_test_hooks();
    int status = wl->run(&env);
    uint64_t t1 = child_now();
    child_mark("faultline:phase-end");
    perf_session_disable(&child_perf);
    struct rusage ru1;
    getrusage(RUSAGE_SELF, &ru1);
    struct os_counts os1, osd;
    os_counts_read(&os1);
    struct perf_reading pr1, prd;
    perf_session_read(&child_perf, &pr1);
    /* ---- end of measured phase ---- */

    if (!cfg->no_measure) {
        child_timeline_point(&env);
        memview_end(env.ops_done, (int64_t)env.live_requested);
    }
    rec->status = status;
    struct sample_values *m = &rec->m;
    sample_set(m, METRIC_wall_ns, (double)(t1 - t0));
    sample_set(m, METRIC_user_ns, (double)child_tv_ns(child_ru_start.ru_utime, ru1.ru_utime));
    sample_set(m, METRIC_sys_ns, (double)child_tv_ns(child_ru_start.ru_stime, ru1.ru_stime));
    sample_set(m, METRIC_ops, (double)env.ops_done);
    if (env.ops_done)
        sample_set(m, METRIC_ns_per_op, (double)(t1 - t0) / (double)env.ops_done);
    sample_set(m, METRIC_requested_bytes, (double)env.requested_bytes);
    sample_set(m, METRIC_touched_pages, (double)env.touched_pages);
    sample_set(m, METRIC_minflt, (double)(ru1.ru_minflt - child_ru_start.ru_minflt));
    sample_set(m, METRIC_majflt, (double)(ru1.ru_majflt - child_ru_start.ru_majflt));
    perf_reading_diff(&pr1, &child_perf_start, &prd);
    static const enum metric_id fixed_metric[PERF_FIXED_COUNT] = {
        METRIC_perf_minflt, METRIC_perf_majflt, METRIC_sys_brk,     METRIC_sys_mmap,
        METRIC_sys_munmap,  METRIC_sys_mremap,  METRIC_sys_madvise,
    };
    for (int i = 0; i < PERF_FIXED_COUNT; i++)
        if (prd.fixed[i].available)
            sample_set(m, fixed_metric[i], (double)prd.fixed[i].value);
    rec->hw_count = prd.hw_count;
    for (unsigned i = 0; i < prd.hw_count && i < PERF_MAX_HW; i++) {
        rec->hw[i] = prd.hw[i];
        if (!prd.hw[i].v.available)
            continue;
        if (!strcmp(prd.hw[i].name, "cycles"))
            sample_set(m, METRIC_cycles, (double)prd.hw[i].v.value);
        if (!strcmp(prd.hw[i].name, "instructions"))
            sample_set(m, METRIC_instructions, (double)prd.hw[i].v.value);
    }
    if (child_os_valid) {
        os_counts_diff(&os1, &child_os_start, &osd);
        static const enum metric_id os_metric[OS_CALL_COUNT] = {
            METRIC_os_brk, METRIC_os_mmap, METRIC_os_munmap, METRIC_os_mremap, METRIC_os_madvise,
        };
        for (int i = 0; i < OS_CALL_COUNT; i++)
            sample_set(m, os_metric[i], (double)osd.calls[i]);
    }
    uint64_t rss1 = procfs_rss_bytes();
    sample_set(m, METRIC_rss_start, (double)rss0);
    sample_set(m, METRIC_rss_end, (double)rss1);
    uint64_t peak = rss0 > rss1 ? rss0 : rss1;
    for (unsigned i = 0; i < rec->timeline_count; i++)
        if (rec->timeline[i].rss_bytes > peak)
            peak = rec->timeline[i].rss_bytes;
    sample_set(m, METRIC_rss_peak, (double)peak);
    uint64_t hwm = procfs_vm_hwm(0);
    if (hwm)
        sample_set(m, METRIC_hwm_rss, (double)hwm);
    sample_set(m, METRIC_break_growth, (double)(int64_t)(child_break_now() - child_break_start));
    if (child_sizes_valid) {
        struct backend_stats st;
        ops->stats(&st);
        sample_set(m, METRIC_heap_bytes_end, (double)st.heap_bytes);
        sample_set(m, METRIC_mapped_bytes_end, (double)st.mapped_bytes);
        if (st.peak_mapped_bytes || st.peak_heap_bytes)
            sample_set(m, METRIC_mapped_bytes_peak, (double)st.peak_mapped_bytes);
    }
    sample_set(m, METRIC_live_peak, (double)env.peak_live_requested);
    if (!cfg->no_measure && status == 0)
        memview_settle(cfg->settle_ms);
    rec->phase = PHASE_DONE;
    return status == 0 ? 0 : 3;
}
