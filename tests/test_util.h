/* Small helpers shared by the ctest programs: failure reporting, a seeded xorshift generator,
 * running a check in a forked child, and backend lookup/initialisation by name. Header-only so
 * each test stays one file. */
#ifndef FAULTLINE_TEST_UTIL_H
#define FAULTLINE_TEST_UTIL_H

#include "backend.h"
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ctest's SKIP_RETURN_CODE. */
#define TEST_UTIL_SKIP 77

/* Failures counted by TEST_UTIL_CHECK; a test exits non-zero when it is not 0. */
__attribute__((unused)) static unsigned long test_util_failures;

/* Unbuffered formatted output through write(2): stdio would allocate from the process malloc,
 * which disturbs a brk backend sharing the break and fails under tight rlimits. */
__attribute__((format(printf, 1, 2))) static inline void test_util_say(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof buf)
        n = (int)sizeof buf - 1;
    ssize_t w = write(STDOUT_FILENO, buf, (size_t)n);
    (void)w;
}

/* Record (and print, for the first 50) a failed expectation without stopping the test. */
#define TEST_UTIL_CHECK(cond, ...)                                                                 \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            if (test_util_failures++ < 50) {                                                       \
                test_util_say("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                      \
                test_util_say(__VA_ARGS__);                                                        \
                test_util_say("\n");                                                               \
            }                                                                                      \
        }                                                                                          \
    } while (0)

/* For code inside measured windows: ASan's first touch of its own shadow pages would add page
 * faults to the count, so such loops are not instrumented. */
#if defined(__clang__) || defined(__GNUC__)
#define TEST_UTIL_NO_ASAN __attribute__((no_sanitize_address))
#else
#define TEST_UTIL_NO_ASAN
#endif

/* Write one byte to each of `pages` pages of size `page` at p: one fault per fresh page. */
TEST_UTIL_NO_ASAN static inline void test_util_touch_pages(char *p, size_t pages, size_t page)
{
    for (size_t i = 0; i < pages; i++)
        ((volatile char *)p)[i * page] = 1;
}

/* xorshift64*: a fixed seed gives the same operation sequence on every run. */
struct test_util_rng {
    uint64_t s;
};

static inline void test_util_rng_seed(struct test_util_rng *r, uint64_t seed)
{
    r->s = seed ? seed : 0x9E3779B97F4A7C15ull;
}

static inline uint64_t test_util_rng_next(struct test_util_rng *r)
{
    uint64_t x = r->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/* Uniform in [lo, hi]. */
static inline uint64_t test_util_rng_range(struct test_util_rng *r, uint64_t lo, uint64_t hi)
{
    return lo + test_util_rng_next(r) % (hi - lo + 1);
}

/* Roughly log-uniform in [lo, hi] (lo >= 1): picks a power-of-two band, then a value in it. */
static inline uint64_t test_util_rng_log(struct test_util_rng *r, uint64_t lo, uint64_t hi)
{
    unsigned lb = 63 - (unsigned)__builtin_clzll(lo), hb = 63 - (unsigned)__builtin_clzll(hi);
    unsigned b = (unsigned)test_util_rng_range(r, lb, hb);
    uint64_t blo = 1ull << b, bhi = b >= 63 ? UINT64_MAX : (1ull << (b + 1)) - 1;
    if (blo < lo)
        blo = lo;
    if (bhi > hi)
        bhi = hi;
    return test_util_rng_range(r, blo, bhi);
}

/* A byte derived from (tag, offset): what a block should hold at that offset. */
static inline unsigned char test_util_pattern(uint64_t tag, size_t off)
{
    uint64_t x = (tag + 1) * 0x9E3779B97F4A7C15ull ^ (off * 0xC2B2AE3D27D4EB4Full);
    x ^= x >> 29;
    return (unsigned char)(x ^ (x >> 8) ^ (x >> 17));
}

/* Run fn(arg) in a forked child and describe how it ended. Returns the child's exit code, or
 * 128 + signal when it was killed. */
static inline int test_util_run_forked(const char *what, int (*fn)(void *), void *arg)
{
    pid_t pid = fork();
    if (pid < 0) {
        test_util_say("FAIL %s: fork: %s\n", what, strerror(errno));
        return 1;
    }
    if (pid == 0)
        _exit(fn(arg));
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 1;
    if (WIFSIGNALED(status)) {
        test_util_say("FAIL %s: child killed by signal %d (%s)\n", what, WTERMSIG(status),
                      strsignal(WTERMSIG(status)));
        return 128 + WTERMSIG(status);
    }
    return WEXITSTATUS(status);
}

/* Look up a backend by name; prints the valid names when it is unknown. */
static inline const struct backend_ops *test_util_backend(const char *name)
{
    const struct backend_ops *ops = backend_find(name);
    if (!ops) {
        char names[256];
        backend_list_names(names, sizeof names);
        test_util_say("FAIL unknown backend '%s' (valid: %s)\n", name, names);
    }
    return ops;
}

/* Initialise ops from a "k=v,..." list over its defaults. Returns 0, ENOSYS for a stub backend
 * (prints a SKIP line), or another errno after printing why. */
static inline int test_util_init(const struct backend_ops *ops, const char *params)
{
    struct param_values pv;
    char err[256];
    if (param_apply(ops->params, ops->name, params ? params : "", &pv, err, sizeof err) != 0) {
        test_util_say("FAIL %s: %s\n", ops->name, err);
        return EINVAL;
    }
    int rc = ops->init(&pv);
    if (rc == ENOSYS)
        test_util_say("SKIP stub backend %s (init returns ENOSYS)\n", ops->name);
    else if (rc != 0)
        test_util_say("FAIL %s: init(%s) returned %d (%s)\n", ops->name, params ? params : "", rc,
                      strerror(rc));
    return rc;
}

#endif
