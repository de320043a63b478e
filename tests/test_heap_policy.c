/* Exact OS-call checks of the hybrid policy (glibc 2.36 rules) and of brk failure handling,
 * counted through os_counts; each case runs in a fresh forked child so backend state and the
 * break start clean. */
#define _GNU_SOURCE
#include "backend.h"
#include "hybrid.h"
#include "os.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

extern const struct backend_ops backend_brk;
extern const struct backend_ops backend_hybrid;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

static const struct backend_ops *ops;
static struct os_counts mark0;

static int use(const struct backend_ops *b, const char *params)
{
    struct param_values pv;
    char err[256] = "";
    if (param_apply(b->params, b->name, params, &pv, err, sizeof err) != 0 || b->init(&pv) != 0) {
        fprintf(stderr, "cannot init %s:%s: %s\n", b->name, params, err);
        return -1;
    }
    ops = b;
    void *cur;
    os_break(&cur); /* the first brk(0), outside every counted step */
    os_counts_read(&mark0);
    return 0;
}

/* OS calls since the previous step. */
static struct os_counts step(void)
{
    struct os_counts now, d;
    os_counts_read(&now);
    os_counts_diff(&now, &mark0, &d);
    mark0 = now;
    return d;
}

#define CALLS(d, k) ((unsigned long long)(d).calls[k])
#define BYTES(d, k) ((unsigned long long)(d).bytes[k])
#define EXPECT(d, brk, mmap, munmap)                                                               \
    CHECK(CALLS(d, OS_BRK) == (brk) && CALLS(d, OS_MMAP) == (mmap) &&                              \
              CALLS(d, OS_MUNMAP) == (munmap),                                                     \
          "brk %llu mmap %llu munmap %llu, expected %d %d %d", CALLS(d, OS_BRK),                   \
          CALLS(d, OS_MMAP), CALLS(d, OS_MUNMAP), brk, mmap, munmap)

/* Table 3 of the reference notes with exact sizes where they do not depend on glibc's tcache
 * chunk: C maps 208896 bytes; the fixed-threshold trims give back 0x23000 and 0x7000. */
static int case_seed(bool fixed)
{
    if (use(&backend_hybrid, fixed ? "threshold=128K" : "") != 0)
        return 1;
    struct os_counts d;
    void *a = ops->malloc(30 * 1024);
    d = step();
    EXPECT(d, 1, 0, 0);
    void *b = ops->malloc(40 * 1024);
    d = step();
    EXPECT(d, 0, 0, 0);
    void *c = ops->malloc(200 * 1024);
    d = step();
    EXPECT(d, 0, 1, 0);
    CHECK(BYTES(d, OS_MMAP) == 208896, "C mapped %llu", BYTES(d, OS_MMAP));
    void *dd = ops->malloc(100 * 1024);
    d = step();
    EXPECT(d, 1, 0, 0);
    ops->free(c);
    d = step();
    EXPECT(d, 0, 0, 1);
    CHECK(BYTES(d, OS_MUNMAP) == 208896, "C unmapped %llu", BYTES(d, OS_MUNMAP));
    ops->free(b);
    d = step();
    EXPECT(d, 0, 0, 0);
    ops->free(dd);
    d = step();
    EXPECT(d, fixed ? 1 : 0, 0, 0);
    if (fixed)
        CHECK(BYTES(d, OS_BRK) == 0x23000, "free(D) trimmed %#llx", BYTES(d, OS_BRK));
    ops->free(a);
    d = step();
    EXPECT(d, fixed ? 1 : 0, 0, 0);
    if (fixed)
        CHECK(BYTES(d, OS_BRK) == 0x7000, "free(A) trimmed %#llx", BYTES(d, OS_BRK));
    return 0;
}

/* B.4b: a mapping of 32 MiB - 4 KiB raises the threshold, one of exactly 32 MiB does not
 * (glibc compares the size with its IS_MMAPPED bit). */
static int case_dynamic_cap(size_t req, bool raises)
{
    if (use(&backend_hybrid, "") != 0)
        return 1;
    ops->free(ops->malloc(1)); /* start the heap */
    step();
    void *p = ops->malloc(req);
    struct os_counts d = step();
    EXPECT(d, 0, 1, 0);
    ops->free(p);
    step();
    p = ops->malloc(req);
    d = step();
    if (raises)
        EXPECT(d, 1, 0, 0);
    else
        EXPECT(d, 0, 1, 0);
    ops->free(p);
    return 0;
}

/* B.4-off: any explicit knob, even its default value and even with dynamic=on, freezes it. */
static int case_knob_freezes(const char *params)
{
    if (use(&backend_hybrid, params) != 0)
        return 1;
    /* glibc's first malloc builds the 0x21000 heap (tcache + top_pad) whatever the request */
    void *first = ops->malloc(1 << 20);
    struct os_counts d0 = step();
    EXPECT(d0, 1, 1, 0);
    CHECK(BYTES(d0, OS_BRK) == 0x21000, "first heap %#llx", BYTES(d0, OS_BRK));
    ops->free(first);
    step();
    for (int i = 0; i < 3; i++) {
        void *p = ops->malloc(1 << 20);
        struct os_counts d = step();
        EXPECT(d, 0, 1, 0);
        CHECK(BYTES(d, OS_MMAP) == 1052672, "mapped %llu", BYTES(d, OS_MMAP));
        ops->free(p);
        d = step();
        EXPECT(d, 0, 0, 1);
    }
    return 0;
}

static int case_mallopt(void)
{
    if (use(&backend_hybrid, "") != 0)
        return 1;
    CHECK(hybrid_mallopt(HYBRID_M_MXFAST, 161) == 0, "M_MXFAST 161 accepted");
    CHECK(hybrid_mallopt(HYBRID_M_MXFAST, 160) == 1, "M_MXFAST 160 refused");
    CHECK(hybrid_mallopt(HYBRID_M_MMAP_THRESHOLD, 128 * 1024) == 1, "M_MMAP_THRESHOLD refused");
    for (int i = 0; i < 2; i++) {
        ops->free(ops->malloc(1 << 20));
        struct os_counts d = step();
        CHECK(CALLS(d, OS_MMAP) == 1 && CALLS(d, OS_MUNMAP) == 1, "iteration %d not mmapped", i);
    }
    CHECK(hybrid_mallopt(HYBRID_M_MMAP_MAX, 0) == 1, "M_MMAP_MAX refused");
    void *p = ops->malloc(4 << 20);
    struct os_counts d = step();
    EXPECT(d, 1, 0, 0);
    ops->free(p);
    return 0;
}

/* B.14: realloc of a mapping uses mremap both ways and stays mapped; calloc of a mapping does
 * not touch it (fresh zero pages). */
static int case_mremap(void)
{
    if (use(&backend_hybrid, "threshold=128K") != 0)
        return 1;
    char *p = ops->malloc(1 << 20);
    memset(p, 0x77, 1 << 20);
    step();
    p = ops->realloc(p, 2 << 20);
    struct os_counts d = step();
    CHECK(CALLS(d, OS_MREMAP) == 1 && BYTES(d, OS_MREMAP) == 2101248 && CALLS(d, OS_MMAP) == 0,
          "grow: mremap %llu (%llu bytes) mmap %llu", CALLS(d, OS_MREMAP), BYTES(d, OS_MREMAP),
          CALLS(d, OS_MMAP));
    CHECK(p[(1 << 20) - 1] == 0x77, "content lost");
    p = ops->realloc(p, 64 * 1024);
    d = step();
    CHECK(CALLS(d, OS_MREMAP) == 1 && BYTES(d, OS_MREMAP) == 69632, "shrink: mremap %llu (%llu)",
          CALLS(d, OS_MREMAP), BYTES(d, OS_MREMAP));
    CHECK(ops->usable_size(p) == 69632 - 16, "usable %zu", ops->usable_size(p));
    CHECK(p[64 * 1024 - 1] == 0x77, "content lost");
    ops->free(p);
    d = step();
    EXPECT(d, 0, 0, 1);
    char *z = ops->calloc(1, 1 << 20);
    d = step();
    EXPECT(d, 0, 1, 0);
    for (size_t i = 0; i < (1u << 20); i += 4096)
        CHECK(z[i] == 0, "calloc byte %zu", i);
    ops->free(z);
    struct backend_stats st;
    ops->stats(&st);
    CHECK(st.mapped_bytes == 0 && st.peak_mapped_bytes == 2101248 && st.live_bytes == 0,
          "mapped %zu peak %zu live %zu", st.mapped_bytes, st.peak_mapped_bytes, st.live_bytes);
    return 0;
}

/* B.9: brk fails (a mapping sits just above the break) -> hybrid maps 1 MiB as a new heap
 * region; the brk backend returns ENOMEM and keeps working once the break is free again. */
static int case_brk_failure(bool hybrid)
{
    if (use(hybrid ? &backend_hybrid : &backend_brk, "") != 0)
        return 1;
    char *p0 = ops->malloc(120000);
    void *endv;
    os_break(&endv);
    char *end = endv;
    void *blocker =
        mmap(end + 4096, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (blocker != end + 4096) {
        printf("SKIP-CASE: cannot place a blocker above the break\n");
        return 0;
    }
    step();
    void *p1 = ops->malloc(131000); /* from top */
    void *p2 = ops->malloc(131000); /* needs growth, brk fails */
    struct os_counts d = step();
    CHECK(d.failures[OS_BRK] >= 1, "brk did not fail");
    if (hybrid) {
        CHECK(p2 != NULL, "no fallback");
        CHECK(CALLS(d, OS_MMAP) == 1 && BYTES(d, OS_MMAP) == 1048576, "fallback mmap %llu (%llu)",
              CALLS(d, OS_MMAP), BYTES(d, OS_MMAP));
        void *p3 = ops->malloc(1000); /* the old top went to the free lists */
        CHECK((char *)p3 < end, "p3 %p not from the old heap (end %p)", p3, (void *)end);
        struct backend_stats st;
        ops->stats(&st);
        CHECK(st.mapped_bytes == 0, "fallback region counted as a mapped block");
        ops->free(p3);
    } else {
        CHECK(p2 == NULL && errno == ENOMEM, "p2 %p errno %d", p2, errno);
        CHECK(CALLS(d, OS_MMAP) == 0, "brk backend mapped memory");
        munmap(blocker, 4096);
        p2 = ops->malloc(131000);
        CHECK(p2 != NULL, "no recovery after the break is free again");
        blocker = NULL;
    }
    if (blocker)
        munmap(blocker, 4096);
    ops->free(p0);
    ops->free(p1);
    ops->free(p2);
    return 0;
}

static int run_case(const char *name, int (*fn)(void))
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(fn());
    int st = 0;
    waitpid(pid, &st, 0);
    bool ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
    printf("%s %s\n", ok ? "ok  " : "FAIL", name);
    return ok ? 0 : 1;
}

static int seed_dynamic(void)
{
    return case_seed(false);
}
static int seed_fixed(void)
{
    return case_seed(true);
}
static int cap_below(void)
{
    return case_dynamic_cap(0x1ffdff8, true);
}
static int cap_at(void)
{
    return case_dynamic_cap(0x1ffeff8, false);
}
static int knob_trim(void)
{
    return case_knob_freezes("trim=128K");
}
static int knob_top_pad(void)
{
    return case_knob_freezes("top_pad=128K,dynamic=on");
}
static int knob_mmap_max(void)
{
    return case_knob_freezes("mmap_max=65536");
}
static int brk_fail_hybrid(void)
{
    return case_brk_failure(true);
}
static int brk_fail_brk(void)
{
    return case_brk_failure(false);
}

int main(void)
{
    static const struct {
        const char *name;
        int (*fn)(void);
    } cases[] = {
        {"seed sequence, dynamic threshold", seed_dynamic},
        {"seed sequence, fixed threshold", seed_fixed},
        {"32 MiB - 4 KiB mapping raises the threshold", cap_below},
        {"32 MiB mapping does not raise the threshold", cap_at},
        {"trim=128K freezes the threshold", knob_trim},
        {"top_pad=128K,dynamic=on freezes the threshold", knob_top_pad},
        {"mmap_max=65536 freezes the threshold", knob_mmap_max},
        {"hybrid_mallopt", case_mallopt},
        {"mremap realloc and calloc of mappings", case_mremap},
        {"brk failure: hybrid falls back to mmap", brk_fail_hybrid},
        {"brk failure: brk backend ENOMEM and recovery", brk_fail_brk},
    };
    int n = (int)(sizeof cases / sizeof cases[0]), failed = 0;
    for (int i = 0; i < n; i++)
        failed += run_case(cases[i].name, cases[i].fn);
    printf("%d passed, %d failed\n", n - failed, failed);
    return failed ? 1 : 0;
}
