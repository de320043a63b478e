/* brk backend sawtooth: with trim on, the break comes back down to within grow+trim of where the
 * heap started after every free-all; with trim=off it stays at its peak. The backend uses brk
 * only (no mmap) and every OS call it makes is counted. */
#define _GNU_SOURCE
#include "backend.h"
#include "os.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

extern const struct backend_ops backend_brk;

#define NBLOCKS 1024
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static char *brk_now(void)
{
    void *cur = NULL;
    os_break(&cur);
    return cur;
}

static void *blocks[NBLOCKS];

/* Grow the live set to about 4 MiB, then free everything in a random order. Returns the break
 * at the peak through *peak. No glibc malloc runs in here (stdio stays quiet). */
static int sawtooth_round(char **peak)
{
    size_t live = 0;
    int n = 0;
    while (live < (4u << 20) && n < NBLOCKS) {
        size_t sz = 512 + next_rand() % (16 * 1024);
        if (next_rand() % 64 == 0)
            sz = 64 * 1024 + next_rand() % (256 * 1024); /* large ones stay on the heap too */
        char *p = backend_brk.malloc(sz);
        if (!p)
            return -1;
        memset(p, (int)(n & 0xff), sz);
        blocks[n++] = p;
        live += sz;
    }
    *peak = brk_now();
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(next_rand() % (uint64_t)(i + 1));
        void *t = blocks[i];
        blocks[i] = blocks[j];
        blocks[j] = t;
    }
    for (int i = 0; i < n; i++)
        backend_brk.free(blocks[i]);
    return 0;
}

static int run(const char *spec_params, bool trim_on)
{
    struct param_values pv;
    char err[256];
    if (param_apply(backend_brk.params, "backend brk", spec_params, &pv, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    CHECK(backend_brk.init(&pv) == 0, "init failed");
    size_t grow = (size_t)param_num(&pv, "grow");
    int64_t trim = param_num(&pv, "trim");
    char *start = brk_now();
    char *after[3], *peak[3];
    for (int r = 0; r < 3; r++) {
        CHECK(sawtooth_round(&peak[r]) == 0, "malloc failed in round %d", r);
        after[r] = brk_now();
    }
    printf("%-22s start=%p", spec_params[0] ? spec_params : "(defaults)", (void *)start);
    for (int r = 0; r < 3; r++)
        printf("  round%d peak=+%zuK after=+%zdK", r, (size_t)(peak[r] - start) >> 10,
               (after[r] - start) / 1024);
    printf("\n");
    for (int r = 0; r < 3; r++) {
        CHECK(peak[r] - start >= (ptrdiff_t)(3u << 20), "round %d: break grew only %td bytes", r,
              peak[r] - start);
        if (trim_on) {
            CHECK(after[r] - start <= (ptrdiff_t)(grow + (size_t)trim),
                  "round %d: break still %td bytes above the start after free-all (grow %zu, "
                  "trim %zu)",
                  r, after[r] - start, grow, (size_t)trim);
        } else {
            CHECK(after[r] == peak[r], "round %d: trim=off but the break moved from %p to %p", r,
                  (void *)peak[r], (void *)after[r]);
        }
    }
    return 0;
}

int main(void)
{
    /* Let stdio take its buffer before any measurement: glibc malloc may move the break. */
    printf("brk backend sawtooth\n");
    fflush(stdout);
    struct os_counts c0, c1, d;
    os_counts_read(&c0);
    int rc = run("", true);
    if (rc == 0)
        rc = run("grow=64K,trim=256K", true);
    if (rc == 0)
        rc = run("trim=off", false);
    os_counts_read(&c1);
    os_counts_diff(&c1, &c0, &d);
    printf("os calls: brk %llu, mmap %llu, munmap %llu, mremap %llu, madvise %llu\n",
           (unsigned long long)d.calls[OS_BRK], (unsigned long long)d.calls[OS_MMAP],
           (unsigned long long)d.calls[OS_MUNMAP], (unsigned long long)d.calls[OS_MREMAP],
           (unsigned long long)d.calls[OS_MADVISE]);
    if (rc == 0) {
        CHECK(d.calls[OS_MMAP] == 0 && d.calls[OS_MUNMAP] == 0 && d.calls[OS_MREMAP] == 0,
              "the brk backend used mmap");
        CHECK(d.calls[OS_BRK] > 0, "no brk calls counted");
        struct backend_stats st;
        backend_brk.stats(&st);
        CHECK(st.live_bytes == 0, "live bytes %zu after freeing everything", st.live_bytes);
        CHECK(st.mapped_bytes == 0 && st.peak_mapped_bytes == 0, "mapped bytes reported");
        CHECK(st.peak_heap_bytes >= (3u << 20), "peak heap %zu", st.peak_heap_bytes);
    }
    printf("%s\n", rc == 0 ? "1 passed, 0 failed" : "0 passed, 1 failed");
    return rc;
}
