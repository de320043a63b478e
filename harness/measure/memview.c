/* Child-side hooks for the RSS breakdown, THP counters and the settle window (memview.h). */
#define _GNU_SOURCE
#include "memview.h"

#include <string.h>
#include <unistd.h>

#include "breakdown.h"
#include "settle.h"
#include "thp.h"

static struct run_record *memview_rec;
static const struct backend_ops *memview_ops;
static bool memview_sizes;
static struct breakdown_kernel memview_k0;
static struct breakdown_backend memview_b0;
static struct thp_counters memview_thp0;
static int64_t memview_huge_peak;

static void memview_backend(struct breakdown_backend *b)
{
    b->valid = memview_sizes;
    b->mapped = b->usable = -1;
    if (!memview_sizes)
        return;
    struct backend_stats st;
    memview_ops->stats(&st);
    b->mapped = (int64_t)(st.heap_bytes + st.mapped_bytes);
    b->usable = (int64_t)st.live_bytes;
}

/* The reads below use 4 KiB stack buffers a few frames deeper inside the phase than here:
 * fault the stack in now so they never add a page fault to the measured counts. */
__attribute__((noinline)) static void memview_prefault_stack(void)
{
    volatile char pad[64 * 1024];
    for (size_t i = 0; i < sizeof pad; i += 1024)
        pad[i] = 0;
}

void memview_begin(struct run_record *rec, const struct backend_ops *ops, bool sizes_valid)
{
    memview_prefault_stack();
    memview_rec = rec;
    memview_ops = ops;
    memview_sizes = sizes_valid;
    /* The record is shared memory: touch all of it now so that writing points during the phase
     * does not show up as the run's own shmem growth. */
    long page = sysconf(_SC_PAGESIZE);
    for (size_t off = 0; off < sizeof *rec; off += (size_t)page) {
        volatile char *p = (volatile char *)rec + off;
        *p = *p;
    }
    rec->bd_count = 0;
    rec->settle_count = 0;
    memview_huge_peak = -1;
    thp_counters_read(&memview_thp0);
    memview_backend(&memview_b0);
    breakdown_kernel_read(&memview_k0);
}

void memview_point(uint64_t ops, int64_t live)
{
    if (!memview_rec)
        return;
    struct breakdown_kernel k;
    struct breakdown_backend b;
    memview_backend(&b);
    breakdown_kernel_read(&k);
    struct breakdown_point p;
    breakdown_compute(&memview_k0, &memview_b0, &k, &b, live, ops, &p);
    if (p.anon_huge > memview_huge_peak)
        memview_huge_peak = p.anon_huge;
    breakdown_append(memview_rec->bd, &memview_rec->bd_count, &p);
}

static void memview_set(enum metric_id id, int64_t v)
{
    if (v != -1)
        sample_set(&memview_rec->m, id, (double)v);
}

void memview_end(uint64_t ops, int64_t live)
{
    if (!memview_rec)
        return;
    struct thp_counters t1;
    thp_counters_read(&t1);
    memview_point(ops, live);
    const struct breakdown_point *p = &memview_rec->bd[memview_rec->bd_count - 1];
    memview_set(METRIC_bd_live, p->live);
    memview_set(METRIC_bd_overhead, p->overhead);
    memview_set(METRIC_bd_free_held, p->free_held);
    memview_set(METRIC_bd_untouched, p->untouched);
    memview_set(METRIC_bd_file, p->file);
    memview_set(METRIC_bd_shmem, p->shmem);
    memview_set(METRIC_bd_unattributed, p->unattributed);
    memview_set(METRIC_lazyfree_end, p->lazyfree);
    memview_set(METRIC_anon_huge_peak, memview_huge_peak);
    if (t1.fault_alloc >= 0 && memview_thp0.fault_alloc >= 0)
        memview_set(METRIC_thp_fault_alloc, t1.fault_alloc - memview_thp0.fault_alloc);
    if (t1.fault_fallback >= 0 && memview_thp0.fault_fallback >= 0)
        memview_set(METRIC_thp_fault_fallback, t1.fault_fallback - memview_thp0.fault_fallback);
}

void memview_settle(unsigned window_ms, bool early_stop)
{
    if (!memview_rec || window_ms == 0)
        return;
    struct settle_result r;
    settle_run(window_ms, early_stop, memview_rec->settle, &memview_rec->settle_count, &r);
    memview_set(METRIC_release_ns, (int64_t)r.release_ns);
    memview_set(METRIC_settle_ns, (int64_t)r.window_ns);
    if (r.final_rss >= 0 && memview_k0.rss >= 0)
        memview_set(METRIC_retained_bytes, r.final_rss - memview_k0.rss);
}
