/* Calibration of harness/measure/perf.c against known work: page-touch faults vs getrusage, syscall
 * tracepoints vs the OS layer's own counts (repeated windows), inheritance into a later thread,
 * the disabled and unprivileged paths, event-name resolution and the group read path. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "test_util.h"
#include "os.h"
#include "perf.h"
#include "tracefs.h"
#include "test_perf.h"

#define CHECK TEST_UTIL_CHECK

#define NO_ASAN TEST_UTIL_NO_ASAN

const char *const test_perf_fixed_names[PERF_FIXED_COUNT] = {
    "minflt", "majflt", "brk", "mmap", "munmap", "mremap", "madvise", "mprotect"};

bool test_perf_has_warning(const struct perf_session *s, const char *needle)
{
    for (unsigned i = 0; i < s->warning_count; i++)
        if (strstr(s->warnings[i], needle))
            return true;
    return false;
}

unsigned test_perf_count_warnings(const struct perf_session *s, const char *needle)
{
    unsigned n = 0;
    for (unsigned i = 0; i < s->warning_count; i++)
        n += strstr(s->warnings[i], needle) != NULL;
    return n;
}

void test_perf_print_warnings(const char *what, const struct perf_session *s)
{
    for (unsigned i = 0; i < s->warning_count; i++)
        printf("  [%s] warning: %s\n", what, s->warnings[i]);
}

char *test_perf_map_pages(size_t pages)
{
    void *p = NULL;
    int rc = os_mmap(NULL, pages * os_page_size(), PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, &p);
    if (rc != 0) {
        fprintf(stderr, "os_mmap: %s\n", strerror(rc));
        exit(1);
    }
    return p;
}

static long minflt_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

bool test_perf_within_pct(uint64_t got, uint64_t want, double pct)
{
    double d = (double)got - (double)want;
    return (d < 0 ? -d : d) <= (double)want * pct / 100.0;
}

/* ---- 1. faults: N fresh pages in a window ------------------------------------------------ */

static void test_fault_calibration(void)
{
    enum { N = 4096 };
    struct perf_session s;
    char err[256];
    CHECK(perf_session_open(&s, 0, NULL, false, false, err, sizeof err) == 0, "open: %s", err);
    test_perf_print_warnings("faults", &s);
    size_t page = os_page_size();
    char *p = test_perf_map_pages(N);
    struct perf_reading r0, r1, d;
    perf_session_read(&s, &r0);
    long f0 = minflt_now();
    perf_session_enable(&s);
    test_util_touch_pages(p, N, page);
    perf_session_disable(&s);
    long f1 = minflt_now();
    perf_session_read(&s, &r1);
    perf_reading_diff(&r1, &r0, &d);
    long ru = f1 - f0;
    printf("faults: touched %d pages, getrusage minflt %ld, perf minflt %s%llu, majflt %llu\n", N,
           ru, d.fixed[PERF_MINFLT].available ? "" : "(unavailable) ",
           (unsigned long long)d.fixed[PERF_MINFLT].value,
           (unsigned long long)d.fixed[PERF_MAJFLT].value);
    CHECK(ru >= 0 && test_perf_within_pct((uint64_t)ru, N, 1.0), "getrusage minflt %ld vs %d", ru,
          N);
    if (d.fixed[PERF_MINFLT].available) {
        CHECK(test_perf_within_pct(d.fixed[PERF_MINFLT].value, N, 1.0), "perf minflt %llu vs %d",
              (unsigned long long)d.fixed[PERF_MINFLT].value, N);
        CHECK(d.fixed[PERF_MINFLT].time_enabled == d.fixed[PERF_MINFLT].time_running,
              "a software counter is never multiplexed");
        CHECK(d.fixed[PERF_MAJFLT].available && d.fixed[PERF_MAJFLT].value == 0,
              "no major faults on anonymous memory");
    } else {
        CHECK(s.warning_count > 0, "an unavailable fault counter must come with a warning");
        printf("SKIP perf fault counter check: unavailable here\n");
    }
    perf_session_close(&s);
    os_munmap(p, N * page);
}

/* ---- 2. syscall tracepoints vs the OS layer, five identical windows ----------------------- */

NO_ASAN static void syscall_window(char *brk_probe)
{
    (void)brk_probe;
    for (int i = 0; i < 50; i++) {
        void *m = NULL;
        if (os_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, &m))
            abort();
        ((volatile char *)m)[0] = 1; /* one fault per mapping */
        if (os_munmap(m, 4096))
            abort();
    }
    for (int i = 0; i < 20; i++) {
        void *old;
        if (os_sbrk(4096, &old) || os_sbrk(-4096, &old))
            abort();
    }
}

static void test_tracepoints(void)
{
    struct perf_session s;
    char err[256];
    CHECK(perf_session_open(&s, 0, NULL, false, false, err, sizeof err) == 0, "open: %s", err);
    bool tp = true;
    for (int k = PERF_SYS_BRK; k < PERF_FIXED_COUNT; k++)
        tp = tp && s.fixed_fd[k] >= 0;
    if (!tp) {
        test_perf_print_warnings("tracepoints", &s);
        CHECK(test_perf_has_warning(&s, "tracepoints") ||
                  test_perf_has_warning(&s, "perf_event_open denied"),
              "unavailable tracepoints must be explained by a warning");
        CHECK(test_perf_count_warnings(&s, "syscall tracepoints") <= 1, "one warning per kind");
        struct perf_reading r;
        perf_session_read(&s, &r);
        for (int k = PERF_SYS_BRK; k < PERF_FIXED_COUNT; k++)
            CHECK(s.fixed_fd[k] >= 0 || !r.fixed[k].available, "%s must read unavailable",
                  test_perf_fixed_names[k]);
        printf("SKIP tracepoint equality: tracepoints unavailable (uid %d, tracefs %s)\n",
               (int)geteuid(), tracefs_dir() ? tracefs_dir() : "(none)");
        perf_session_close(&s);
        return;
    }
    /* Warm-up: first execution of this code faults in text and stack, and the first sbrk may
     * issue brk(NULL). Measured windows afterwards must be identical. */
    perf_session_enable(&s);
    syscall_window(NULL);
    perf_session_disable(&s);

    struct perf_reading first, prev, cur, d;
    memset(&first, 0, sizeof first);
    perf_session_read(&s, &prev);
    for (int rep = 0; rep < 5; rep++) {
        struct os_counts o0, o1, od;
        os_counts_read(&o0);
        perf_session_enable(&s);
        syscall_window(NULL);
        perf_session_disable(&s);
        os_counts_read(&o1);
        perf_session_read(&s, &cur);
        perf_reading_diff(&cur, &prev, &d);
        prev = cur;
        os_counts_diff(&o1, &o0, &od);
        printf("window %d: perf brk %llu mmap %llu munmap %llu mremap %llu madvise %llu minflt "
               "%llu | os brk %llu mmap %llu munmap %llu\n",
               rep, (unsigned long long)d.fixed[PERF_SYS_BRK].value,
               (unsigned long long)d.fixed[PERF_SYS_MMAP].value,
               (unsigned long long)d.fixed[PERF_SYS_MUNMAP].value,
               (unsigned long long)d.fixed[PERF_SYS_MREMAP].value,
               (unsigned long long)d.fixed[PERF_SYS_MADVISE].value,
               (unsigned long long)d.fixed[PERF_MINFLT].value, (unsigned long long)od.calls[OS_BRK],
               (unsigned long long)od.calls[OS_MMAP], (unsigned long long)od.calls[OS_MUNMAP]);
        CHECK(od.calls[OS_BRK] == 40 && od.calls[OS_MMAP] == 50 && od.calls[OS_MUNMAP] == 50,
              "the OS layer must count the window's calls");
        static const int map[] = {
            [PERF_SYS_BRK] = OS_BRK,         [PERF_SYS_MMAP] = OS_MMAP,
            [PERF_SYS_MUNMAP] = OS_MUNMAP,   [PERF_SYS_MREMAP] = OS_MREMAP,
            [PERF_SYS_MADVISE] = OS_MADVISE, [PERF_SYS_MPROTECT] = OS_MPROTECT};
        for (int k = PERF_SYS_BRK; k < PERF_FIXED_COUNT; k++) {
            CHECK(d.fixed[k].available, "%s available", test_perf_fixed_names[k]);
            CHECK(d.fixed[k].value == od.calls[map[k]], "rep %d: tracepoint %s = %llu, os = %llu",
                  rep, test_perf_fixed_names[k], (unsigned long long)d.fixed[k].value,
                  (unsigned long long)od.calls[map[k]]);
        }
        if (d.fixed[PERF_MINFLT].available)
            CHECK(d.fixed[PERF_MINFLT].value >= 50, "rep %d: one fault per mapping at least", rep);
        if (rep == 0) {
            first = d;
        } else {
            for (int k = 0; k < PERF_FIXED_COUNT; k++)
                CHECK(d.fixed[k].value == first.fixed[k].value,
                      "rep %d: %s %llu differs from rep 0 (%llu): re-enable quirk?", rep,
                      test_perf_fixed_names[k], (unsigned long long)d.fixed[k].value,
                      (unsigned long long)first.fixed[k].value);
        }
    }
    perf_session_close(&s);
}

/* ---- 3. a thread created after the open is counted (inherit) ------------------------------ */

struct worker {
    int ready[2], go[2], done[2], quit[2];
    char *mem;
    size_t pages;
};

static void worker_work(char *mem, size_t pages, int maps)
{
    test_util_touch_pages(mem, pages, os_page_size());
    for (int i = 0; i < maps; i++) {
        void *m = NULL;
        if (os_mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, &m) == 0)
            os_munmap(m, 4096);
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    char c;
    /* Warm up outside the window: a new thread's first calls set up lazily (ASan's per-thread
     * state, first-touch of this code and stack), which is not the work being measured. */
    worker_work(w->mem + w->pages * os_page_size(), 1, 1);
    if (write(w->ready[1], "x", 1) != 1 || read(w->go[0], &c, 1) != 1)
        return NULL;
    worker_work(w->mem, w->pages, 10);
    if (write(w->done[1], "x", 1) != 1)
        return NULL;
    /* Stay alive until the main thread has read: tests reading a live inherited counter. */
    if (read(w->quit[0], &c, 1) != 1)
        return NULL;
    return NULL;
}

static void test_thread_inherit(void)
{
    enum { N = 1024 };
    struct perf_session s;
    char err[256];
    CHECK(perf_session_open(&s, 0, NULL, false, false, err, sizeof err) == 0, "open: %s", err);
    if (s.fixed_fd[PERF_MINFLT] < 0) {
        printf("SKIP thread inheritance: no perf fault counter\n");
        perf_session_close(&s);
        return;
    }
    struct worker w;
    if (pipe(w.ready) || pipe(w.go) || pipe(w.done) || pipe(w.quit))
        abort();
    w.pages = N;
    w.mem = test_perf_map_pages(N + 1); /* the last page is the worker's warm-up page */
    pthread_t t;
    CHECK(pthread_create(&t, NULL, worker_main, &w) == 0, "pthread_create");
    struct perf_reading r0, r1, d;
    char c;
    if (read(w.ready[0], &c, 1) != 1) /* the worker has finished starting up */
        abort();
    perf_session_read(&s, &r0);
    perf_session_enable(&s);
    if (write(w.go[1], "x", 1) != 1 || read(w.done[0], &c, 1) != 1)
        abort();
    perf_session_disable(&s);
    perf_session_read(&s, &r1);
    perf_reading_diff(&r1, &r0, &d);
    printf("thread: touched %d pages in a later thread, inherited perf minflt %llu, mmap %llu\n", N,
           (unsigned long long)d.fixed[PERF_MINFLT].value,
           (unsigned long long)d.fixed[PERF_SYS_MMAP].value);
    CHECK(d.fixed[PERF_MINFLT].value >= N && d.fixed[PERF_MINFLT].value <= N + N / 100 + 16,
          "inherited minflt %llu vs %d", (unsigned long long)d.fixed[PERF_MINFLT].value, N);
    if (d.fixed[PERF_SYS_MMAP].available) {
        CHECK(d.fixed[PERF_SYS_MMAP].value == 10, "inherited mmap tracepoint %llu vs 10",
              (unsigned long long)d.fixed[PERF_SYS_MMAP].value);
        CHECK(d.fixed[PERF_SYS_MUNMAP].value == 10, "inherited munmap tracepoint %llu vs 10",
              (unsigned long long)d.fixed[PERF_SYS_MUNMAP].value);
    }
    if (write(w.quit[1], "x", 1) != 1)
        abort();
    pthread_join(t, NULL);
    for (int i = 0; i < 2; i++) {
        close(w.ready[i]);
        close(w.go[i]);
        close(w.done[i]);
        close(w.quit[i]);
    }
    os_munmap(w.mem, (N + 1) * os_page_size());
    perf_session_close(&s);
}

int main(int argc, char **argv)
{
    test_perf_paths_exe = argv[0];
    if (argc == 3 && strcmp(argv[1], "--touch") == 0)
        return test_perf_paths_touch_main(argv[2]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* First, before anything caches where tracefs is. */
    test_perf_paths_tracefs_unmounted();
    test_perf_paths_facts();
    test_fault_calibration();
    test_tracepoints();
    test_thread_inherit();
    test_perf_paths_no_perf();
    test_perf_paths_names();
    test_perf_paths_group();
    test_perf_paths_restricted();
    test_perf_paths_exec_child();
    /* test_util.h's counter is per file: test_perf_paths.c keeps its own. */
    unsigned long failures = test_util_failures + test_perf_paths_failures();
    if (failures) {
        fprintf(stderr, "test_perf: %lu failure(s)\n", failures);
        return 1;
    }
    printf("test_perf: all checks passed\n");
    return 0;
}
