/* Event-driven timeline (see timeline.h). Cost per point: two syscalls (a pread of the
 * already-open /proc/self/statm and getrusage for the fault count); the break comes from
 * glibc's cached __curbrk and the mapped bytes from the OS layer's counter, so neither costs a
 * call. Op ticks (rec->due, when a sampling countdown expires) cost one read of the sampler's clock
 * and take a point only if 1 ms (doubling with each decimation), or TIMELINE_BUDGET times the
 * cheapest point's cost if that is longer, passed since the last one: a tight loop of cheap ops
 * pays almost nothing, and tick points stay under 0.05 % of the phase where syscalls are slow. */
#define _GNU_SOURCE
#include "timeline.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lat.h"
#include "lock.h"
#include "os.h"
#include "prefault.h"

#define TIMELINE_GAP_NS 1000000u /* at most one tick point per ms at first */
/* Tick points may take at most 1/TIMELINE_BUDGET of the phase: a point is two syscalls, ~2 us
 * on bare metal but ~4-10 us in some VMs (seen here: 1 % of a glibc churn run at one per ms;
 * at 1/500, 132 points took 0.56 ms of a 250 ms run, 0.2 %, a tenth of the 2 % overhead goal,
 * so 1/2000: ~35 points on such a run, still one every ~7 ms). */
#define TIMELINE_BUDGET 2000u

static struct run_record *tl_rec;
static struct wl_env *tl_env;
static bool tl_mapped_valid;
static uintptr_t tl_break0;
static struct rusage tl_ru0;
static int tl_statm = -1;
/* What the phase writes lives in a prefault_private() region (see prefault.h); a forked peer
 * sees it zeroed, so `active` is 0 there and the peer records nothing. */
struct tl_mut {
    struct lock lock;
    int active;
    uint64_t gap_ns;
    uint64_t last_ns;
    uint64_t event_every, event_n; /* take 1 in event_every events */
    uint64_t peak;                 /* largest RSS read: points and right before releasing calls */
    uint64_t point_ns;             /* cheapest tick point so far (its cost, not preemptions) */
};
static struct tl_mut tl_fallback = {.lock = LOCK_INIT};
static struct tl_mut *tl_m = &tl_fallback;
#define tl_lock        (tl_m->lock)
#define tl_gap_ns      (tl_m->gap_ns)
#define tl_last_ns     (tl_m->last_ns)
#define tl_event_every (tl_m->event_every)
#define tl_event_n     (tl_m->event_n)
#define tl_peak        (tl_m->peak)
#define tl_forked      (!tl_m->active)

/* The latency sampler's clock (the TSC where it can, ~11 ns a read here against ~26 ns for
 * clock_gettime): an op tick reads it every timeline_every ops of the cheapest cells. */
static uint64_t tl_now(void)
{
    return lat_clock_ns();
}

static uint64_t tl_rss(void)
{
    char buf[128];
    ssize_t n = tl_statm >= 0 ? pread(tl_statm, buf, sizeof buf - 1, 0) : -1;
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    const char *p = buf;
    while (*p && *p != ' ')
        p++;
    uint64_t pages = strtoull(p, NULL, 10);
    return pages * os_page_size();
}

/* Caller holds tl_lock. */
static void tl_point(void)
{
    struct run_record *r = tl_rec;
    if (r->timeline_count == SAMPLE_TIMELINE_MAX) {
        /* keep every other point and halve both rates: bounded size, whole run covered */
        for (unsigned i = 0; i < SAMPLE_TIMELINE_MAX / 2; i++)
            r->timeline[i] = r->timeline[2 * i + 1];
        r->timeline_count = SAMPLE_TIMELINE_MAX / 2;
        r->timeline_every *= 2;
        tl_gap_ns *= 2;
        tl_event_every *= 2;
    }
    struct timeline_point *pt = &r->timeline[r->timeline_count++];
    pt->ops = tl_env->ops_done;
    pt->rss_bytes = tl_rss();
    if (pt->rss_bytes > tl_peak)
        tl_peak = pt->rss_bytes;
    void *b = NULL;
    os_break(&b); /* primed before the phase: never a syscall here */
    pt->break_offset = (int64_t)((uintptr_t)b - tl_break0);
    pt->mapped_bytes = tl_mapped_valid ? os_mapped_bytes() : -1;
    pt->live_bytes = tl_env->live_requested;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    pt->minflt = (uint64_t)(ru.ru_minflt - tl_ru0.ru_minflt);
}

static void tl_event(enum os_call call, int before)
{
    (void)call;
    if (tl_forked)
        return;
    if (before) {
        /* About to release memory: the RSS now may be the phase's peak. VmHWM alone can miss
         * it by the kernel's per-CPU counter batching (the unmap path updates it from the
         * unsummed counters); statm sums them. */
        uint64_t rss = tl_rss();
        lock_acquire(&tl_lock);
        if (rss > tl_peak)
            tl_peak = rss;
        lock_release(&tl_lock);
        return;
    }
    lock_acquire(&tl_lock);
    if (++tl_event_n >= tl_event_every) {
        tl_event_n = 0;
        tl_point();
        tl_last_ns = tl_now();
    }
    lock_release(&tl_lock);
}

void timeline_tick(void *ctx, struct wl_env *env)
{
    (void)ctx;
    env->next_tick = env->ops_done + tl_rec->timeline_every;
    if (tl_forked)
        return;
    uint64_t now = tl_now();
    uint64_t gap = tl_m->point_ns * TIMELINE_BUDGET;
    if (now - tl_last_ns < (gap > tl_gap_ns ? gap : tl_gap_ns))
        return;
    lock_acquire(&tl_lock);
    tl_point();
    uint64_t end = tl_now();
    if (tl_m->point_ns == 0 || end - now < tl_m->point_ns)
        tl_m->point_ns = end - now;
    tl_last_ns = end;
    lock_release(&tl_lock);
}

void timeline_init(struct run_record *rec, struct wl_env *env, bool os_mapped_valid,
                   uintptr_t break_start)
{
    struct tl_mut *m = prefault_private(sizeof *m);
    if (m)
        tl_m = m;
    memset(tl_m, 0, sizeof *tl_m);
    tl_gap_ns = TIMELINE_GAP_NS;
    tl_event_every = 1;
    tl_m->active = 1;
    tl_rec = rec;
    tl_env = env;
    tl_mapped_valid = os_mapped_valid;
    tl_break0 = break_start;
    if (tl_statm < 0)
        tl_statm = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    prefault_write(rec->timeline, sizeof rec->timeline);
    lock_acquire(&tl_lock);
    lock_release(&tl_lock);
    tl_last_ns = tl_now();
    (void)tl_rss();
}

void timeline_begin(void)
{
    getrusage(RUSAGE_SELF, &tl_ru0);
    lock_acquire(&tl_lock);
    uint64_t t0 = tl_now();
    tl_point();
    tl_last_ns = tl_now();
    tl_m->point_ns = tl_last_ns - t0; /* the first estimate of a point's cost */
    lock_release(&tl_lock);
    os_set_event_hook(tl_event);
}

void timeline_end(void)
{
    os_set_event_hook(NULL);
    lock_acquire(&tl_lock);
    tl_point();
    lock_release(&tl_lock);
}

uint64_t timeline_rss_max(void)
{
    return tl_peak;
}
