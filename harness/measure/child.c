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
#include "inject.h"
#include "lat.h"
#include "ledger_file.h"
#include "memview.h"
#include "prefault.h"
#include "procfs.h"
#include "tails.h"
#include "timeline.h"
#include "workload.h"

static const struct backend_ops *child_raw;
static struct run_record *child_rec;

static struct perf_session child_perf;
static bool child_perf_open;
static struct perf_reading child_perf_start;
static struct rusage child_ru_start;
/* RUSAGE_CHILDREN at the start: a workload's forked peer (shm), once waited for, adds its
 * faults there; perf counters and tracepoints inherit to it, so minflt includes it too. */
static struct rusage child_ruc_start;
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
    if (child_env) /* RSS breakdown at every step (memview.h) */
        memview_point(child_env->ops_done, (int64_t)child_env->live_requested);
    for (int i = 0; i < OS_CALL_COUNT; i++)
        s->sys[i] = s->os[i] = -1;
    if (child_perf_open) {
        struct perf_reading now, d;
        perf_session_read(&child_perf, &now);
        perf_reading_diff(&now, &child_perf_start, &d);
        for (int i = 0; i < OS_CALL_COUNT; i++)
            if (d.fixed[PERF_SYS_BRK + i].available)
                s->sys[i] = (int64_t)d.fixed[PERF_SYS_BRK + i].value;
    }
    if (child_os_valid) {
        struct os_counts now, d;
        os_counts_read(&now);
        os_counts_diff(&now, &child_os_start, &d);
        for (int i = 0; i < OS_CALL_COUNT; i++)
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

/* Readings at both ends of the measured phase. */
struct child_ends {
    uint64_t t0, t1;
    uint64_t rss0, rss1;
    uint64_t hwm_before; /* VmHWM before the reset: the process's start-up and setup peak */
    uint64_t hwm1;       /* VmHWM at the end: the phase's own peak when reset worked */
    bool hwm_reset;
    struct rusage ru1, ruc1;
    struct os_counts os1;
    struct perf_reading pr1;
};

/* Everything the harness does before t0, in an order that leaves no harness work inside the
 * phase: pre-touch, then the start readings, then counters on. */
static void child_phase_begin(const struct child_config *cfg, struct wl_env *env,
                              struct child_ends *e)
{
    struct run_record *rec = child_rec;
    if (!cfg->no_measure)
        lat_warm();
    prefault_harness(rec, sizeof *rec);
    if (!cfg->no_measure)
        memview_begin(rec, child_raw, child_sizes_valid);
    child_break_start = child_break_now();
    timeline_init(rec, env, child_sizes_valid, child_break_start);
    e->hwm_before = procfs_vm_hwm(0);
    e->hwm_reset = procfs_reset_hwm() == 0;
    if (!e->hwm_reset && rec->warning_count < 4)
        snprintf(rec->warnings[rec->warning_count++], sizeof rec->warnings[0],
                 "rss_peak: sampled from the timeline (cannot reset VmHWM through "
                 "/proc/self/clear_refs: %s)",
                 strerror(errno));
    e->rss0 = procfs_rss_bytes();
    if (!cfg->no_measure)
        timeline_begin();
    getrusage(RUSAGE_CHILDREN, &child_ruc_start);
    getrusage(RUSAGE_SELF, &child_ru_start);
    os_counts_read(&child_os_start);
    perf_session_read(&child_perf, &child_perf_start);
    rec->phase = PHASE_MEASURING;
    perf_session_enable(&child_perf);
    e->t0 = child_now();
    child_mark("faultline:phase-begin");
}

static void child_phase_end(const struct child_config *cfg, struct child_ends *e)
{
    e->t1 = child_now();
    child_mark("faultline:phase-end");
    perf_session_disable(&child_perf);
    getrusage(RUSAGE_SELF, &e->ru1);
    getrusage(RUSAGE_CHILDREN, &e->ruc1);
    os_counts_read(&e->os1);
    perf_session_read(&child_perf, &e->pr1);
    /* the phase-end breakdown before any harness work that might allocate (VmData) */
    if (!cfg->no_measure && child_env)
        memview_end(child_env->ops_done, (int64_t)child_env->live_requested);
    e->rss1 = procfs_rss_bytes();
    e->hwm1 = procfs_vm_hwm(0);
    if (!cfg->no_measure)
        timeline_end();
}

static void child_fill_counts(struct sample_values *m, const struct child_ends *e)
{
    struct perf_reading prd;
    perf_reading_diff(&e->pr1, &child_perf_start, &prd);
    static const enum metric_id fixed_metric[PERF_FIXED_COUNT] = {
        METRIC_perf_minflt, METRIC_perf_majflt, METRIC_sys_brk,     METRIC_sys_mmap,
        METRIC_sys_munmap,  METRIC_sys_mremap,  METRIC_sys_madvise, METRIC_sys_mprotect,
    };
    for (int i = 0; i < PERF_FIXED_COUNT; i++)
        if (prd.fixed[i].available)
            sample_set(m, fixed_metric[i], (double)prd.fixed[i].value);
    child_rec->hw_count = prd.hw_count;
    for (unsigned i = 0; i < prd.hw_count && i < PERF_MAX_HW; i++) {
        child_rec->hw[i] = prd.hw[i];
        if (!prd.hw[i].v.available)
            continue;
        if (!strcmp(prd.hw[i].name, "cycles"))
            sample_set(m, METRIC_cycles, (double)prd.hw[i].v.value);
        if (!strcmp(prd.hw[i].name, "instructions"))
            sample_set(m, METRIC_instructions, (double)prd.hw[i].v.value);
    }
    if (child_os_valid) {
        struct os_counts osd;
        os_counts_diff(&e->os1, &child_os_start, &osd);
        static const enum metric_id os_metric[OS_CALL_COUNT] = {
            METRIC_os_brk,    METRIC_os_mmap,    METRIC_os_munmap,
            METRIC_os_mremap, METRIC_os_madvise, METRIC_os_mprotect,
        };
        static const enum metric_id foreign_metric[OS_CALL_COUNT] = {
            METRIC_foreign_brk,    METRIC_foreign_mmap,    METRIC_foreign_munmap,
            METRIC_foreign_mremap, METRIC_foreign_madvise, METRIC_foreign_mprotect,
        };
        for (int i = 0; i < OS_CALL_COUNT; i++) {
            sample_set(m, os_metric[i], (double)osd.calls[i]);
            /* same order: PERF_SYS_BRK + i is the tracepoint of OS call kind i */
            if (prd.fixed[PERF_SYS_BRK + i].available)
                sample_set(m, foreign_metric[i],
                           (double)prd.fixed[PERF_SYS_BRK + i].value - (double)osd.calls[i]);
        }
    }
}

/* RSS metrics. rss_peak is VmHWM after the reset at the phase start, raised to any RSS the
 * timeline read (points, and right before every OS-layer call that releases memory). The
 * kernel updates VmHWM at unmap time from its per-CPU-batched counters, so alone it can be
 * short by up to ~32 pages per CPU; the pre-release reads (statm sums the counters) make it
 * exact for faultline backends. Without the reset only the timeline reads remain (warned
 * once). hwm_rss stays the whole process's VmHWM. */
static void child_fill_rss(struct sample_values *m, const struct child_ends *e)
{
    sample_set(m, METRIC_rss_start, (double)e->rss0);
    sample_set(m, METRIC_rss_end, (double)e->rss1);
    sample_set(m, METRIC_rss_retained, (double)((int64_t)e->rss1 - (int64_t)e->rss0));
    uint64_t peak = e->rss0 > e->rss1 ? e->rss0 : e->rss1;
    if (e->hwm_reset && e->hwm1 > peak)
        peak = e->hwm1;
    if (timeline_rss_max() > peak)
        peak = timeline_rss_max();
    sample_set(m, METRIC_rss_peak, (double)peak);
    uint64_t hwm = e->hwm_before > e->hwm1 ? e->hwm_before : e->hwm1;
    if (hwm)
        sample_set(m, METRIC_hwm_rss, (double)hwm);
}

static void child_fill(const struct child_ends *e, const struct wl_env *env)
{
    struct sample_values *m = &child_rec->m;
    sample_set(m, METRIC_wall_ns, (double)(e->t1 - e->t0));
    sample_set(m, METRIC_user_ns, (double)child_tv_ns(child_ru_start.ru_utime, e->ru1.ru_utime));
    sample_set(m, METRIC_sys_ns, (double)child_tv_ns(child_ru_start.ru_stime, e->ru1.ru_stime));
    sample_set(m, METRIC_ops, (double)env->ops_done);
    if (env->ops_done)
        sample_set(m, METRIC_ns_per_op, (double)(e->t1 - e->t0) / (double)env->ops_done);
    sample_set(m, METRIC_requested_bytes, (double)env->requested_bytes);
    sample_set(m, METRIC_touched_pages, (double)env->touched_pages);
    sample_set(m, METRIC_minflt,
               (double)(e->ru1.ru_minflt - child_ru_start.ru_minflt + e->ruc1.ru_minflt -
                        child_ruc_start.ru_minflt));
    sample_set(m, METRIC_majflt,
               (double)(e->ru1.ru_majflt - child_ru_start.ru_majflt + e->ruc1.ru_majflt -
                        child_ruc_start.ru_majflt));
    child_fill_counts(m, e);
    child_fill_rss(m, e);
    sample_set(m, METRIC_break_growth, (double)(int64_t)(child_break_now() - child_break_start));
    if (child_sizes_valid) {
        struct backend_stats st;
        child_raw->stats(&st);
        sample_set(m, METRIC_heap_bytes_end, (double)st.heap_bytes);
        sample_set(m, METRIC_mapped_bytes_end, (double)st.mapped_bytes);
        if (st.peak_mapped_bytes || st.peak_heap_bytes)
            sample_set(m, METRIC_mapped_bytes_peak, (double)st.peak_mapped_bytes);
    }
    sample_set(m, METRIC_live_peak, (double)env->peak_live_requested);
}

/* Parse specs, open counters, initialise the backend. 0, or the exit code with rec->error. */
static int child_setup(const struct child_config *cfg, const struct workload **wl,
                       struct param_values *wpv)
{
    char err[256];
    const struct backend_ops *ops;
    static struct param_values bpv;
    struct run_record *rec = child_rec;
    if (backend_parse_spec(cfg->backend_spec, &ops, &bpv, err, sizeof err) != 0)
        return child_fail(rec, err);
    if (workload_parse_spec(cfg->workload_spec, wl, wpv, err, sizeof err) != 0)
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
    return 0;
}

int child_run(const struct child_config *cfg, struct run_record *rec)
{
    const struct workload *wl;
    static struct param_values wpv;
    child_rec = rec;
    rec->magic = RUN_RECORD_MAGIC;
    rec->size = sizeof *rec;
    rec->phase = PHASE_STARTED;
    int rc = child_setup(cfg, &wl, &wpv);
    if (rc != 0)
        return rc;

    uint64_t every = cfg->lat_sample_every ? cfg->lat_sample_every : CHILD_LAT_SAMPLE_DEFAULT;
    rec->lat_sample_every = every;
    rec->timeline_every = cfg->timeline_every ? cfg->timeline_every : CHILD_TIMELINE_DEFAULT;
    for (int k = 0; k < OP_COUNT; k++)
        hist_reset(&rec->hist[k]);
    if (!cfg->no_measure) {
        tails_init(); /* explained tails: only with FAULTLINE_TAILS_DIR */
        lat_init(child_raw, every, rec->hist);
        rec->timer_cost_ns = lat_timer_cost();
        snprintf(rec->timer_clock, sizeof rec->timer_clock, "%s",
                 lat_timer_is_tsc() ? "tsc" : "monotonic");
    }

    static struct recorder recorder;
    recorder.ctx = NULL;
    recorder.step = child_step;
    recorder.tick = cfg->no_measure ? NULL : timeline_tick;
    recorder.touch = cfg->no_measure ? NULL : lat_touch;
    recorder.due = cfg->no_measure ? NULL : lat_due;

    static struct wl_env env;
    memset(&env, 0, sizeof env);
    env.ops = cfg->no_measure ? child_raw : lat_sampling();
    env.params = &wpv;
    env.seed = cfg->seed;
    env.rec = &recorder;
    env.tmpdir = cfg->tmpdir;
    env.next_tick = cfg->no_measure ? UINT64_MAX : rec->timeline_every;
    /* --no-measure runs the same helper instructions with countdowns that never expire */
    env.raw = child_raw;
    if (!cfg->no_measure) {
        env.timed = lat_always_timed();
        lat_arm(&env, rec->timeline_every);
    }
    wl_seed(&env, cfg->seed);
    child_env = &env;
    /* Files, bookkeeping arrays and traces: outside the phase (a failure still goes through
     * the phase, empty, so its outcome is reported like a failing run). */
    int prep = wl->prepare ? wl->prepare(&env) : 0;
    rec->phase = PHASE_SETUP_DONE;

    const char *marks = getenv("FAULTLINE_MARK_PHASE");
    child_marks = marks && !strcmp(marks, "1");
    struct child_ends ends;
    memset(&ends, 0, sizeof ends);
    /* ---- measured phase ---- */
    child_phase_begin(cfg, &env, &ends);
    child_test_hooks();
    ledger_file_begin(&env.ops_done);
    int status = prep ? prep : wl->run(&env);
    child_phase_end(cfg, &ends);
    ledger_file_end(cfg->backend_spec, cfg->workload_spec, cfg->seed);
    /* ---- end of measured phase ---- */
    tails_write(cfg->backend_spec, cfg->workload_spec, cfg->seed);
    if (wl->cleanup)
        wl->cleanup(&env);

    rec->status = status;
    child_fill(&ends, &env);
    if (!cfg->no_measure && status == 0)
        memview_settle(cfg->settle_ms, !cfg->settle_full);
    rec->phase = PHASE_DONE;
    return status == 0 ? 0 : 3;
}

/* child_fill_counts and child_step pair tracepoint PERF_SYS_BRK + i with OS call kind i. */
_Static_assert(PERF_SYS_MPROTECT - PERF_SYS_BRK == OS_MPROTECT &&
                   PERF_FIXED_COUNT - PERF_SYS_BRK == OS_CALL_COUNT,
               "perf syscall tracepoints and OS call kinds must stay in the same order");
