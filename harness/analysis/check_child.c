/* The child side of `faultline check`: its state (the malloc family under test, the options,
 * the violation count), the report lines it writes without malloc, and the run of the contract
 * checks and the stress over a backend's ops (in-process) or the process malloc (LD_PRELOAD). */
#define _GNU_SOURCE
#include "check_child.h"

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "check_contract.h"
#include "check_stress.h"
#include "spec.h"

/* Child-wide state. Reports are formatted into stack buffers and written with write(2): while
 * a brk backend is active, the child must not call glibc malloc, and stdio would. */
const char *check_child_label = "?";
static char check_child_label_buf[300];
const char *check_child_rerun = ""; /* " --preload" when the child checks a preload library */
atomic_ulong check_child_violations;
atomic_ulong check_child_count;
struct check_child_api check_child_api;
struct check_options check_child_opt;

void check_child_write(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w <= 0) {
            if (w < 0 && errno == EINTR)
                continue;
            return;
        }
        s += w;
        n -= (size_t)w;
    }
}

__attribute__((format(printf, 2, 3))) void check_child_say(int fd, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    check_child_write(fd, line, (size_t)n);
}

/* One violation: "<backend>: <reproducer> -> <what went wrong>". */
__attribute__((format(printf, 1, 2))) void check_child_fail(const char *fmt, ...)
{
    unsigned long n = atomic_fetch_add(&check_child_violations, 1) + 1;
    if (n > CHECK_PRINT_MAX)
        return;
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    check_child_say(STDOUT_FILENO, "%s: %s", check_child_label, msg);
}

const char *check_child_errname(int e)
{
    const char *s = e ? strerrorname_np(e) : "0";
    return s ? s : "?";
}

void check_child_ok(void)
{
    atomic_fetch_add_explicit(&check_child_count, 1, memory_order_relaxed);
}

/* The alignment C guarantees for an object of n bytes: the largest power of two <= n, capped at
 * the fundamental alignment (16 on x86-64). The faultline contract is 16 for every size. */
size_t check_child_need_align(size_t n)
{
    if (check_child_api.strict)
        return BACKEND_ALIGN;
    size_t a = 1;
    while (a * 2 <= n && a < BACKEND_ALIGN)
        a *= 2;
    return a;
}

bool check_child_aligned(const void *p, size_t a)
{
    return ((uintptr_t)p & (a - 1)) == 0;
}

bool check_child_all_zero(const unsigned char *c, size_t n, size_t *at)
{
    for (size_t i = 0; i < n; i++)
        if (c[i]) {
            *at = i;
            return false;
        }
    return true;
}

static int check_child_finish(void)
{
    unsigned long v = atomic_load(&check_child_violations);
    if (v > CHECK_PRINT_MAX)
        check_child_say(STDOUT_FILENO, "%s: ... %lu more violations not shown", check_child_label,
                        v - CHECK_PRINT_MAX);
    check_child_say(STDOUT_FILENO,
                    "%s: %s: %lu violations in %lu checks (%s contract, %llu stress ops, "
                    "%u threads, seed %llu)",
                    check_child_label, v ? "FAIL" : "ok", v, atomic_load(&check_child_count),
                    check_child_api.strict ? "faultline" : "C/POSIX",
                    (unsigned long long)check_child_opt.ops, check_child_opt.threads,
                    (unsigned long long)check_child_opt.seed);
    return v ? 1 : 0;
}

static size_t check_child_sys_usable(void *p)
{
    return malloc_usable_size(p);
}

static void *check_child_sys_memalign(size_t a, size_t n)
{
    return memalign(a, n);
}

/* Which object defines fn; glibc's own copy of an entry point means the preload lacks it. */
static bool check_child_foreign(const char *name, void *fn, const char *malloc_file)
{
    Dl_info info;
    if (!dladdr(fn, &info) || !info.dli_fname || !malloc_file)
        return false;
    if (strcmp(info.dli_fname, malloc_file) == 0)
        return false;
    check_child_fail(
        "%s() comes from %s but malloc() from %s: its blocks would be freed by the wrong "
        "allocator (not called)",
        name, info.dli_fname, malloc_file);
    return true;
}

static void check_child_system_symbols(void)
{
    Dl_info info;
    const char *mf = dladdr((void *)malloc, &info) && info.dli_fname ? info.dli_fname : NULL;
    /* free, calloc, realloc and malloc_usable_size from elsewhere would break everything else:
     * report them too, but they are still called. reallocarray is left out: glibc's forwards
     * to realloc, whoever provides it. */
    check_child_foreign("free", (void *)free, mf);
    check_child_foreign("calloc", (void *)calloc, mf);
    check_child_foreign("realloc", (void *)realloc, mf);
    check_child_foreign("malloc_usable_size", (void *)malloc_usable_size, mf);
    check_child_api.foreign_posix =
        check_child_foreign("posix_memalign", (void *)posix_memalign, mf);
    check_child_api.foreign_c11 = check_child_foreign("aligned_alloc", (void *)aligned_alloc, mf);
    check_child_api.foreign_gnu = check_child_foreign("memalign", (void *)memalign, mf);
    check_child_api.foreign_valloc = check_child_foreign("valloc", (void *)valloc, mf);
    check_child_api.foreign_pvalloc = check_child_foreign("pvalloc", (void *)pvalloc, mf);
}

int check_child(const struct check_options *o)
{
    check_child_opt = *o;
    alarm(CHECK_CHILD_TIMEOUT);
    if (check_child_opt.system) {
        snprintf(check_child_label_buf, sizeof check_child_label_buf, "%s%s",
                 check_child_opt.name ? check_child_opt.name : "system",
                 check_child_opt.strict ? " (preload)" : "");
        check_child_label = check_child_label_buf;
        check_child_rerun = check_child_opt.strict ? " --preload" : "";
        check_child_api = (struct check_child_api){.ops = {.malloc = malloc,
                                                           .free = free,
                                                           .calloc = calloc,
                                                           .realloc = realloc,
                                                           .memalign = check_child_sys_memalign,
                                                           .usable_size = check_child_sys_usable},
                                                   .system = true,
                                                   .strict = check_child_opt.strict};
        check_child_system_symbols();
        if (check_stress_prepare() != 0)
            return 2;
        check_contract_run_all();
        check_stress_run(true);
        return check_child_finish();
    }
    const struct backend_ops *ops;
    static struct param_values pv; /* backends may keep pointers into it */
    char err[512];
    if (backend_parse_spec(check_child_opt.specs[0], &ops, &pv, err, sizeof err) != 0) {
        check_child_say(STDERR_FILENO, "check: %s", err);
        return 2;
    }
    check_child_label = check_child_opt.specs[0];
    if (check_stress_prepare() != 0)
        return 2;
    int rc = ops->init(&pv);
    if (rc != 0) {
        check_child_say(STDOUT_FILENO, "%s: init failed: %s (%s)", check_child_label, strerror(rc),
                        check_child_errname(rc));
        check_stress_run(false);
        return 2;
    }
    struct backend_stats st = {0};
    if (ops->stats)
        ops->stats(&st);
    check_child_api = (struct check_child_api){.ops = *ops, .strict = st.os_counts_valid};
    check_contract_run_all();
    check_stress_run(true);
    int out = check_child_finish();
    if (ops->fini)
        ops->fini();
    return out;
}
