/* Latency sampling wrappers (see lat.h). Why one countdown per kind: with a single shared
 * countdown, a workload that alternates malloc and free (churn) lands every sample on the same
 * kind, and the other kind gets no histogram at all. Why unweighted: weighting a sample by N
 * let one 50 us outlier move the mean by N x 50 us / ops; the sample itself is an unbiased
 * draw from its kind's calls, so plain sample statistics estimate the population's. Why the TSC:
 * a timed call reads the clock twice, and in this guest clock_gettime costs ~26 ns a read
 * against ~11 ns for rdtsc and ~18 ns for lfence + rdtsc; at 1 in 1024 that pair was most of the
 * measured-vs-unmeasured CPU difference of the cheapest cell (glibc churn, ~4 ns per op), hence
 * also the default of 1 in 2048 (child.h). */
#define _GNU_SOURCE
#include "lat.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>
#if defined(__x86_64__)
#include <cpuid.h>
#include <x86intrin.h>
#endif

#include "child.h"
#include "lock.h"
#include "prefault.h"
#include "tails.h"

static const struct backend_ops *lat_raw;
static struct backend_ops lat_timed_ops, lat_sampling_ops;
static struct hist *lat_hist;
static uint64_t lat_every;
static uint64_t lat_cost;
static uint64_t lat_tick_every;
static _Thread_local uint64_t lat_countdown[OP_COUNT];
/* Blocks that were timed individually at allocation (big ones) are timed again at free: a
 * 4096-bit filter on the pointer, cheaper than asking the backend for the block's size. */
#define LAT_BIG_BITS 4096u
#define LAT_WORD     (8 * sizeof(unsigned long))
/* What the phase writes lives in a prefault_private() region (see prefault.h). */
struct lat_mut {
    struct lock lock;
    _Atomic unsigned long big_bits[LAT_BIG_BITS / LAT_WORD];
    /* The helpers' schedule (lat_due), per kind: calls left until the next timed one, and the
     * chunk the countdown last counted. All zero in a forked peer (wiped): it samples nothing. */
    uint64_t left[WL_KIND_COUNT];
    uint64_t chunk[WL_KIND_COUNT];
};
static struct lat_mut lat_fallback = {.lock = LOCK_INIT};
static struct lat_mut *lat_m = &lat_fallback;
#define lat_lock     (lat_m->lock)
#define lat_big_bits (lat_m->big_bits)

static inline uint64_t lat_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The sample clock: the invariant TSC where the CPU has one (x86-64, CPUID 0x80000007 EDX bit
 * 8), in ticks; else CLOCK_MONOTONIC in ns. lat_ns() turns a tick difference into ns. */
static bool lat_tsc;      /* only ever set on x86-64 */
static uint64_t lat_mult; /* ns per tick as a 32.32 fixed-point number (TSC only) */

/* rdtsc at the start may begin early (it does not wait for earlier instructions: a few cycles
 * of the caller's work get in); lfence + rdtsc at the end waits for the timed call to finish
 * (18 ns here against rdtscp's 21, and valgrind, which the regression gate's instruction count
 * runs under, decodes it where rdtscp is SIGILL). The same pair measures the timer cost that
 * every sample has subtracted. */
static inline uint64_t lat_now(void)
{
#if defined(__x86_64__)
    if (lat_tsc)
        return __rdtsc();
#endif
    return lat_mono();
}

static inline uint64_t lat_end(void)
{
#if defined(__x86_64__)
    if (lat_tsc) {
        _mm_lfence();
        return __rdtsc();
    }
#endif
    return lat_mono();
}

static inline uint64_t lat_ns(uint64_t ticks)
{
    return lat_tsc ? (uint64_t)(((unsigned __int128)ticks * lat_mult) >> 32) : ticks;
}

static bool lat_tsc_invariant(void)
{
#if defined(__x86_64__)
    unsigned a, b, c, d;
    return __get_cpuid(0x80000007, &a, &b, &c, &d) && (d & (1u << 8));
#else
    return false;
#endif
}

uint64_t lat_clock_ns(void)
{
    return lat_tsc ? lat_ns(lat_now()) : lat_mono();
}

uint64_t lat_timer_cost(void)
{
    return lat_ns(lat_cost);
}

bool lat_timer_is_tsc(void)
{
    return lat_tsc;
}

/* The timer pair's own cost, in the clock's unit: the minimum of back-to-back pairs. */
static uint64_t lat_calibrate(void)
{
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 2000; i++) {
        uint64_t a = lat_now(), b = lat_end();
        if (b - a < best)
            best = b - a;
    }
    return best;
}

/* Chooses the clock and, for the TSC, its ns per tick against CLOCK_MONOTONIC over at least
 * LAT_TSC_WINDOW_NS (the cost calibration runs inside that window): a read pair's ~30 ns of
 * jitter over 100 us is a 0.03 % error. FAULTLINE_LAT_CLOCK=monotonic forces the fallback. */
#define LAT_TSC_WINDOW_NS 100000u
static void lat_choose_clock(void)
{
    const char *force = getenv("FAULTLINE_LAT_CLOCK");
    lat_tsc = !(force && !strcmp(force, "monotonic")) && lat_tsc_invariant();
    if (lat_tsc) {
        uint64_t ns0 = lat_mono(), t0 = lat_end();
        lat_cost = lat_calibrate(); /* inside the window, where it costs no extra time */
        uint64_t ns1, t1;
        do {
            ns1 = lat_mono();
            t1 = lat_end();
        } while (ns1 - ns0 < LAT_TSC_WINDOW_NS);
        if (t1 > t0) {
            lat_mult = (uint64_t)((((unsigned __int128)(ns1 - ns0)) << 32) / (t1 - t0));
            return;
        }
        lat_tsc = false; /* a TSC that does not advance: not one to time with */
    }
    lat_cost = lat_calibrate();
}

/* Out of line: it runs after the second clock read, and one copy serves the five timed wrappers
 * (the compiler inlines it into each of them through lat_close otherwise). */
__attribute__((noinline)) static void lat_record(enum op_kind kind, uint64_t t0, uint64_t t1,
                                                 const struct tails_mark *m)
{
    uint64_t d = t1 - t0;
    d = lat_ns(d > lat_cost ? d - lat_cost : 0);
    tails_end(m, kind, d); /* explained tails, opt-in */
    lock_acquire(&lat_lock);
    hist_record(&lat_hist[kind], d, 1);
    lock_release(&lat_lock);
}

static inline unsigned lat_big_slot(const void *p)
{
    uintptr_t x = (uintptr_t)p >> 4;
    x ^= x >> 17;
    return (unsigned)(x * 0x9e3779b1u) % LAT_BIG_BITS;
}

static inline void lat_big_mark(const void *p, bool on)
{
    unsigned s = lat_big_slot(p);
    unsigned long bit = 1ul << (s % LAT_WORD);
    if (on)
        atomic_fetch_or_explicit(&lat_big_bits[s / LAT_WORD], bit, memory_order_relaxed);
    else
        atomic_fetch_and_explicit(&lat_big_bits[s / LAT_WORD], ~bit, memory_order_relaxed);
}

static inline bool lat_big_test(const void *p)
{
    unsigned s = lat_big_slot(p);
    return (atomic_load_explicit(&lat_big_bits[s / LAT_WORD], memory_order_relaxed) >>
            (s % LAT_WORD)) &
           1;
}

/* A timed call is lat_open, the raw call, lat_close: the tails mark is taken before the first
 * clock read and the record after the second, so neither is inside the timed interval. Inline,
 * so each wrapper compiles to the same code as when it spelled this out itself. */
static inline uint64_t lat_open(struct tails_mark *tm)
{
    tails_begin(tm);
    return lat_now();
}

static inline void lat_close(enum op_kind kind, uint64_t t0, const struct tails_mark *tm)
{
    uint64_t t1 = lat_end();
    lat_record(kind, t0, t1, tm);
}

/* A block of size bytes at p (NULL: the call failed) is big: free times it again. */
static inline void *lat_big_note(void *p, size_t size)
{
    if (p && size >= CHILD_BIG_REQUEST)
        lat_big_mark(p, true);
    return p;
}

static void *lat_t_malloc(size_t n)
{
    struct tails_mark tm;
    uint64_t t0 = lat_open(&tm);
    void *p = lat_raw->malloc(n);
    lat_close(OP_MALLOC, t0, &tm);
    return lat_big_note(p, n);
}

static void *lat_t_calloc(size_t n, size_t m)
{
    size_t total = (m && n > SIZE_MAX / m) ? SIZE_MAX : n * m;
    struct tails_mark tm;
    uint64_t t0 = lat_open(&tm);
    void *p = lat_raw->calloc(n, m);
    lat_close(OP_CALLOC, t0, &tm);
    return lat_big_note(p, total);
}

static void *lat_t_memalign(size_t a, size_t n)
{
    struct tails_mark tm;
    uint64_t t0 = lat_open(&tm);
    void *p = lat_raw->memalign(a, n);
    lat_close(OP_MEMALIGN, t0, &tm);
    return lat_big_note(p, n);
}

/* The old block's mark goes before the new one's: realloc may return old itself. */
static void *lat_t_realloc(void *old, size_t n)
{
    bool big_old = old && lat_big_test(old);
    struct tails_mark tm;
    uint64_t t0 = lat_open(&tm);
    void *p = lat_raw->realloc(old, n);
    lat_close(OP_REALLOC, t0, &tm);
    if (p && big_old)
        lat_big_mark(old, false);
    return lat_big_note(p, n);
}

static void lat_t_free(void *p)
{
    if (p && lat_big_test(p))
        lat_big_mark(p, false);
    struct tails_mark tm;
    uint64_t t0 = lat_open(&tm);
    lat_raw->free(p);
    lat_close(OP_FREE, t0, &tm);
}

/* 1 in N calls of each kind, per thread, and every big request. */
static inline bool lat_sampled(enum op_kind kind, size_t size)
{
    if (size >= CHILD_BIG_REQUEST)
        return true;
    if (lat_countdown[kind] > 1) {
        lat_countdown[kind]--;
        return false;
    }
    lat_countdown[kind] = lat_every;
    return true;
}

static void *lat_s_malloc(size_t n)
{
    return lat_sampled(OP_MALLOC, n) ? lat_t_malloc(n) : lat_raw->malloc(n);
}

static void *lat_s_calloc(size_t n, size_t m)
{
    size_t total = (m && n > SIZE_MAX / m) ? SIZE_MAX : n * m;
    return lat_sampled(OP_CALLOC, total) ? lat_t_calloc(n, m) : lat_raw->calloc(n, m);
}

static void *lat_s_memalign(size_t a, size_t n)
{
    return lat_sampled(OP_MEMALIGN, n) ? lat_t_memalign(a, n) : lat_raw->memalign(a, n);
}

static void *lat_s_realloc(void *old, size_t n)
{
    bool big_old = old && lat_big_test(old);
    return big_old || lat_sampled(OP_REALLOC, n) ? lat_t_realloc(old, n) : lat_raw->realloc(old, n);
}

static void lat_s_free(void *p)
{
    bool big = p && lat_big_test(p);
    if (big || lat_sampled(OP_FREE, 0))
        lat_t_free(p);
    else
        lat_raw->free(p);
}

/* The wrappers as malloc families, for backend_wrap. */
static const struct backend_ops lat_timed_family = {.malloc = lat_t_malloc,
                                                    .free = lat_t_free,
                                                    .calloc = lat_t_calloc,
                                                    .realloc = lat_t_realloc,
                                                    .memalign = lat_t_memalign};
static const struct backend_ops lat_sampling_family = {.malloc = lat_s_malloc,
                                                       .free = lat_s_free,
                                                       .calloc = lat_s_calloc,
                                                       .realloc = lat_s_realloc,
                                                       .memalign = lat_s_memalign};

/* Touches reach here when wl_touch chose to time them: big ones (WL_TIMED_TOUCH_PAGES or more)
 * and 1 in N small ones. One sample per timed touch: its ns per touched page. */
void lat_touch(void *ctx, void *p, size_t len, size_t stride)
{
    (void)ctx;
    volatile unsigned char *c = p;
    uint64_t pages = (len + stride - 1) / stride;
    uint64_t t0 = lat_now();
    for (size_t off = 0; off < len; off += stride)
        c[off] = (unsigned char)(off >> 12 | 1);
    uint64_t t1 = lat_end();
    uint64_t d = t1 - t0;
    d = lat_ns(d > lat_cost ? d - lat_cost : 0);
    lock_acquire(&lat_lock);
    hist_record(&lat_hist[OP_TOUCH], pages ? d / pages : 0, 1);
    lock_release(&lat_lock);
}

void lat_init(const struct backend_ops *raw, uint64_t every, struct hist *hist)
{
    struct lat_mut *m = prefault_private(sizeof *m);
    if (m) {
        memset(m, 0, sizeof *m);
        lat_m = m;
    }
    lat_raw = raw;
    lat_every = every ? every : 1;
    lat_hist = hist;
    for (int k = 0; k < OP_COUNT; k++)
        lat_countdown[k] = lat_every;
    lat_choose_clock();
    lat_timed_ops = backend_wrap(raw, &lat_timed_family);
    lat_sampling_ops = backend_wrap(raw, &lat_sampling_family);
}

_Static_assert((int)WL_KIND_COUNT == (int)OP_COUNT && (int)WL_TOUCH == (int)OP_TOUCH &&
                   (int)WL_MEMALIGN == (int)OP_MEMALIGN,
               "workload.h's wl_kind and sample.h's op_kind must stay in the same order");

/* The next countdown of kind k: the calls left until its timed one, cut to the tick interval
 * so a low sampling rate still leaves the timeline its op ticks. */
static void lat_rearm(struct wl_env *env, int k)
{
    uint64_t c = lat_m->left[k] < lat_tick_every ? lat_m->left[k] : lat_tick_every;
    lat_m->chunk[k] = c;
    env->lat_countdown[k] = c;
}

void lat_arm(struct wl_env *env, uint64_t tick_every)
{
    lat_tick_every = tick_every ? tick_every : UINT64_MAX;
    for (int k = 0; k < WL_KIND_COUNT; k++) {
        lat_m->left[k] = lat_every;
        lat_rearm(env, k);
    }
}

bool lat_due(void *ctx, struct wl_env *env, enum wl_kind kind)
{
    if (lat_m->chunk[kind] == 0) { /* a forked peer: nothing of the parent's schedule */
        env->lat_countdown[kind] = UINT64_MAX;
        return false;
    }
    lat_m->left[kind] -= lat_m->chunk[kind];
    bool timed = lat_m->left[kind] == 0;
    if (timed)
        lat_m->left[kind] = lat_every;
    lat_rearm(env, kind);
    if (env->ops_done >= env->next_tick && env->rec && env->rec->tick)
        env->rec->tick(ctx, env);
    return timed;
}

const struct backend_ops *lat_always_timed(void)
{
    return &lat_timed_ops;
}

const struct backend_ops *lat_sampling(void)
{
    return &lat_sampling_ops;
}

void lat_warm(void)
{
    /* free(NULL) is a no-op for every backend; the histograms are reset afterwards. */
    lat_t_free(NULL);
    lat_s_free(NULL);
    for (int k = 0; k < OP_COUNT; k++)
        hist_reset(&lat_hist[k]);
    lat_countdown[OP_FREE] = lat_every;
}
