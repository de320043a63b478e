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
#include <sys/mount.h>
#include <sys/resource.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "test_util.h"
#include "os.h"
#include "perf.h"

#define CHECK TEST_UTIL_CHECK

#define NO_ASAN TEST_UTIL_NO_ASAN

static const char *const fixed_names[PERF_FIXED_COUNT] = {
    "minflt", "majflt", "brk", "mmap", "munmap", "mremap", "madvise", "mprotect"};

static bool has_warning(const struct perf_session *s, const char *needle)
{
    for (unsigned i = 0; i < s->warning_count; i++)
        if (strstr(s->warnings[i], needle))
            return true;
    return false;
}

static unsigned count_warnings(const struct perf_session *s, const char *needle)
{
    unsigned n = 0;
    for (unsigned i = 0; i < s->warning_count; i++)
        n += strstr(s->warnings[i], needle) != NULL;
    return n;
}

static void print_warnings(const char *what, const struct perf_session *s)
{
    for (unsigned i = 0; i < s->warning_count; i++)
        printf("  [%s] warning: %s\n", what, s->warnings[i]);
}

static char *map_pages(size_t pages)
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

static bool within_pct(uint64_t got, uint64_t want, double pct)
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
    print_warnings("faults", &s);
    size_t page = os_page_size();
    char *p = map_pages(N);
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
    CHECK(ru >= 0 && within_pct((uint64_t)ru, N, 1.0), "getrusage minflt %ld vs %d", ru, N);
    if (d.fixed[PERF_MINFLT].available) {
        CHECK(within_pct(d.fixed[PERF_MINFLT].value, N, 1.0), "perf minflt %llu vs %d",
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
        print_warnings("tracepoints", &s);
        CHECK(has_warning(&s, "tracepoints") || has_warning(&s, "perf_event_open denied"),
              "unavailable tracepoints must be explained by a warning");
        CHECK(count_warnings(&s, "syscall tracepoints") <= 1, "one warning per kind");
        struct perf_reading r;
        perf_session_read(&s, &r);
        for (int k = PERF_SYS_BRK; k < PERF_FIXED_COUNT; k++)
            CHECK(s.fixed_fd[k] >= 0 || !r.fixed[k].available, "%s must read unavailable",
                  fixed_names[k]);
        printf("SKIP tracepoint equality: tracepoints unavailable (uid %d, tracefs %s)\n",
               (int)geteuid(), perf_tracefs_dir() ? perf_tracefs_dir() : "(none)");
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
            CHECK(d.fixed[k].available, "%s available", fixed_names[k]);
            CHECK(d.fixed[k].value == od.calls[map[k]], "rep %d: tracepoint %s = %llu, os = %llu",
                  rep, fixed_names[k], (unsigned long long)d.fixed[k].value,
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
                      fixed_names[k], (unsigned long long)d.fixed[k].value,
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
    w.mem = map_pages(N + 1); /* the last page is the worker's warm-up page */
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

/* ---- 4. disabled mode --------------------------------------------------------------------- */

static void check_all_unavailable(struct perf_session *s, const char *what)
{
    struct perf_reading r;
    perf_session_enable(s);
    perf_session_disable(s);
    perf_session_read(s, &r);
    for (int k = 0; k < PERF_FIXED_COUNT; k++) {
        CHECK(s->fixed_fd[k] < 0, "%s: fixed fd %d open", what, k);
        CHECK(!r.fixed[k].available, "%s: %s available", what, fixed_names[k]);
    }
    for (unsigned i = 0; i < r.hw_count; i++)
        CHECK(!r.hw[i].v.available && s->hw_fd[i] < 0, "%s: event %s available", what,
              r.hw[i].name);
}

static void test_no_perf(void)
{
    struct perf_session s;
    char err[256];
    setenv("FAULTLINE_NO_PERF", "1", 1);
    CHECK(perf_session_open(&s, 0, "instructions,minor-faults", false, false, err, sizeof err) == 0,
          "open: %s", err);
    CHECK(s.warning_count == 1 && strstr(s.warnings[0], "FAULTLINE_NO_PERF=1"),
          "one warning naming FAULTLINE_NO_PERF, got %u: %s", s.warning_count,
          s.warning_count ? s.warnings[0] : "");
    CHECK(s.hw_count == 2 && strcmp(s.hw[0].name, "instructions") == 0, "names kept");
    check_all_unavailable(&s, "FAULTLINE_NO_PERF");
    perf_session_close(&s);
    unsetenv("FAULTLINE_NO_PERF");

    CHECK(perf_session_open(&s, 0, NULL, true, false, err, sizeof err) == 0, "open: %s", err);
    CHECK(s.warning_count == 1 && strstr(s.warnings[0], "--no-perf"), "no_perf warning");
    check_all_unavailable(&s, "--no-perf");
    perf_session_close(&s);
    /* A bad name is an error even with perf off. */
    CHECK(perf_session_open(&s, 0, "instructions,no-such-event", true, false, err, sizeof err) ==
              -1,
          "unknown event must fail");
}

static volatile unsigned test_sink; /* a loop the compiler must keep */

/* ---- 5. names ----------------------------------------------------------------------------- */

static void test_names(void)
{
    char err[512];
    CHECK(perf_events_validate("cycles, instructions,branch-misses", err, sizeof err) == 0, "%s",
          err);
    CHECK(perf_events_validate("", err, sizeof err) == 0 &&
              perf_events_validate(NULL, err, 10) == 0,
          "empty list is valid");
    CHECK(perf_events_validate("INSTRUCTIONS:u,dTLB-load-misses:uk", err, sizeof err) == 0, "%s",
          err);
    CHECK(perf_events_validate("instructions,bogus-event", err, sizeof err) == -1, "bogus");
    CHECK(strstr(err, "bogus-event") && strstr(err, "instructions") && strstr(err, "task-clock"),
          "error lists valid names: %s", err);
    CHECK(perf_events_validate("a,b,c,d,e,f,g,h,i", err, sizeof err) == -1, "too many events");
#if FAULTLINE_HAVE_LIBPFM
    CHECK(perf_events_validate("perf::PERF_COUNT_SW_PAGE_FAULTS_MIN", err, sizeof err) == 0,
          "libpfm name: %s", err);
#endif
    if (perf_tracefs_dir() && geteuid() == 0)
        CHECK(perf_events_validate("syscalls:sys_enter_mprotect", err, sizeof err) == 0,
              "tracepoint name: %s", err);

    struct perf_session s;
    CHECK(perf_session_open(&s, 0, "instructions:u,task-clock", false, false, err, sizeof err) == 0,
          "open: %s", err);
    CHECK(strstr(s.hw[0].resolved, "INSTRUCTIONS") != NULL, "resolved '%s'", s.hw[0].resolved);
    struct perf_reading r;
    perf_session_enable(&s);
    for (unsigned i = 0; i < 1000000; i++)
        test_sink += i;
    perf_session_disable(&s);
    perf_session_read(&s, &r);
    printf("hw: pmu usable %d, instructions %s %llu, task-clock %s %llu ns\n", perf_pmu_usable(),
           r.hw[0].v.available ? "available" : "null", (unsigned long long)r.hw[0].v.value,
           r.hw[1].v.available ? "available" : "null", (unsigned long long)r.hw[1].v.value);
    print_warnings("hw", &s);
    if (perf_pmu_usable()) {
        CHECK(r.hw[0].v.available && r.hw[0].v.value >= 1000000, "instructions %llu",
              (unsigned long long)r.hw[0].v.value);
    } else {
        CHECK(!r.hw[0].v.available, "no PMU: instructions must be null");
        CHECK(has_warning(&s, "instructions") || has_warning(&s, "denied"),
              "no PMU: a warning names the event");
        printf("SKIP hardware counter values: no usable PMU on this machine\n");
    }
    if (s.fixed_fd[PERF_MINFLT] >= 0)
        CHECK(r.hw[1].v.available && r.hw[1].v.value > 0, "task-clock counts");
    perf_session_close(&s);
}

/* ---- 6. the group read path (software events grouped through the test hook) -------------- */

static void test_group_path(void)
{
    enum { N = 256 };
    struct perf_session s;
    char err[256];
    setenv("FAULTLINE_PERF_GROUP_SW", "1", 1);
    int rc = perf_session_open(&s, 0, "minor-faults:uk,page-faults:uk,context-switches", false,
                               false, err, sizeof err);
    unsetenv("FAULTLINE_PERF_GROUP_SW");
    CHECK(rc == 0, "open: %s", err);
    if (s.hw_fd[0] < 0) {
        printf("SKIP group path: software events unavailable\n");
        perf_session_close(&s);
        return;
    }
    char *p = map_pages(N);
    struct perf_reading r0, r1, d;
    perf_session_read(&s, &r0);
    perf_session_enable(&s);
    test_util_touch_pages(p, N, os_page_size());
    perf_session_disable(&s);
    perf_session_read(&s, &r1);
    perf_reading_diff(&r1, &r0, &d);
    printf("group: leaders %d %d %d, minor-faults %llu page-faults %llu\n", s.hw_leader[0],
           s.hw_leader[1], s.hw_leader[2], (unsigned long long)d.hw[0].v.value,
           (unsigned long long)d.hw[1].v.value);
    if (s.hw_leader[0] == 0)
        CHECK(s.hw_leader[1] == 0 && s.hw_leader[2] == 0, "three events in one group");
    else
        printf("note: kernel refused inherit + PERF_FORMAT_GROUP; events opened singly\n");
    CHECK(d.hw[0].v.available && d.hw[1].v.available && d.hw[2].v.available, "group read");
    CHECK(within_pct(d.hw[0].v.value, N, 2.0), "group minor-faults %llu vs %d",
          (unsigned long long)d.hw[0].v.value, N);
    CHECK(d.hw[1].v.value >= d.hw[0].v.value, "page-faults >= minor-faults");
    perf_session_close(&s);
    os_munmap(p, N * os_page_size());
}

/* ---- 7. the unprivileged path (as nobody, in a child) ------------------------------------- */

static int restricted_child(void)
{
    struct perf_session s;
    char err[256];
    int bad = 0;
    if (perf_session_open(&s, 0, "instructions", false, false, err, sizeof err) != 0)
        return 10;
    for (unsigned i = 0; i < s.warning_count; i++)
        printf("  [nobody] warning: %s\n", s.warnings[i]);
    int par = perf_paranoid();
    if (s.fixed_fd[PERF_MINFLT] < 0) {
        /* paranoid 3: one warning naming the fix */
        if (!has_warning(&s, "perf_event_paranoid") || !has_warning(&s, "--no-perf"))
            bad |= 1;
    } else if (par >= 2) {
        if (!has_warning(&s, "kernel-mode faults are missed"))
            bad |= 2;
    }
    if (par >= 2) {
        for (int k = PERF_SYS_BRK; k < PERF_FIXED_COUNT; k++)
            if (s.fixed_fd[k] >= 0)
                bad |= 4;
        if (s.fixed_fd[PERF_MINFLT] >= 0 &&
            count_warnings(&s, "syscall tracepoints unavailable") != 1)
            bad |= 8;
    }
    if (s.warning_count > 4)
        bad |= 16;
    perf_session_close(&s);
    return bad;
}

static void test_restricted(void)
{
    if (geteuid() != 0) {
        int rc = restricted_child();
        CHECK(rc == 0, "unprivileged checks failed: %d", rc);
        return;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(20);
        int rc = restricted_child();
        fflush(stdout);
        _exit(rc);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(
        WIFEXITED(st) && WEXITSTATUS(st) == 0,
        "unprivileged child: status %d (bits 1 paranoid "
        "warning, 2 kernel-fault warning, 4 tracepoint opened, 8 tracepoint warning count, 16 too "
        "many warnings, 20 setuid)",
        WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* ---- 8. facts ----------------------------------------------------------------------------- */

static void test_facts(void)
{
    FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
    int want = 0;
    CHECK(f && fscanf(f, "%d", &want) == 1, "read paranoid");
    if (f)
        fclose(f);
    CHECK(perf_paranoid() == want, "perf_paranoid %d vs %d", perf_paranoid(), want);
    if (geteuid() == 0)
        CHECK(perf_tracefs_dir() != NULL, "as root tracefs must be found or mounted");
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    perf_list_events(m);
    fclose(m);
    CHECK(strstr(buf, "instructions") && strstr(buf, "minor-faults") &&
              strstr(buf, "perf_event_paranoid="),
          "list output");
    free(buf);
    printf("facts: paranoid %d, tracefs %s, pmu usable %d, libpfm %d\n", perf_paranoid(),
           perf_tracefs_dir() ? perf_tracefs_dir() : "(none)", perf_pmu_usable(),
           FAULTLINE_HAVE_LIBPFM);
}

/* ---- 9. counters on another process, enabled at its exec ---------------------------------- */

static const char *self_exe;

static void test_exec_child(void)
{
    enum { N = 2048 };
    int gate[2];
    if (pipe(gate))
        abort();
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(gate[1]);
        if (read(gate[0], &c, 1) != 1)
            _exit(30);
        char arg[32];
        snprintf(arg, sizeof arg, "%d", N);
        execl(self_exe, self_exe, "--touch", arg, (char *)NULL);
        _exit(31);
    }
    close(gate[0]);
    struct perf_session s;
    char err[256];
    CHECK(perf_session_open(&s, pid, NULL, false, true, err, sizeof err) == 0, "open: %s", err);
    if (write(gate[1], "x", 1) != 1)
        abort();
    close(gate[1]);
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exec child status %d", st);
    struct perf_reading r;
    perf_session_read(&s, &r);
    printf("exec: child touched %d pages after exec, perf minflt %llu, mmap %llu, munmap %llu\n", N,
           (unsigned long long)r.fixed[PERF_MINFLT].value,
           (unsigned long long)r.fixed[PERF_SYS_MMAP].value,
           (unsigned long long)r.fixed[PERF_SYS_MUNMAP].value);
    if (r.fixed[PERF_MINFLT].available) {
        /* The exec'd program's own start-up faults come on top of the N touches. */
        CHECK(r.fixed[PERF_MINFLT].value >= N, "enable_on_exec minflt %llu < %d",
              (unsigned long long)r.fixed[PERF_MINFLT].value, N);
        CHECK(r.fixed[PERF_MINFLT].time_enabled > 0, "enabled at exec");
    }
    if (r.fixed[PERF_SYS_MUNMAP].available)
        CHECK(r.fixed[PERF_SYS_MUNMAP].value >= 1, "the child's munmap is seen");
    perf_session_close(&s);
}

/* The exec'd side of test_exec_child: map and touch N pages, unmap, exit. */
static int touch_main(const char *arg)
{
    size_t n = (size_t)strtoul(arg, NULL, 10);
    char *p = map_pages(n);
    test_util_touch_pages(p, n, os_page_size());
    os_munmap(p, n * os_page_size());
    return 0;
}

/* ---- 10. tracefs not mounted (a private mount namespace, root only) ----------------------- */

static int tracefs_child(bool drop_root)
{
    /* Unmount tracefs in a private namespace only: the machine's mount stays as it is. */
    if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        return 77;
    umount2("/sys/kernel/debug/tracing", MNT_DETACH);
    umount2("/sys/kernel/debug", MNT_DETACH);
    while (umount2("/sys/kernel/tracing", MNT_DETACH) == 0)
        ;
    if (access("/sys/kernel/tracing/events", F_OK) == 0)
        return 77;
    if (drop_root && (setgid(65534) != 0 || setuid(65534) != 0))
        return 77;
    struct perf_session s;
    char err[256];
    if (perf_session_open(&s, 0, NULL, false, false, err, sizeof err) != 0)
        return 10;
    for (unsigned i = 0; i < s.warning_count; i++)
        printf("  [tracefs %s] warning: %s\n", drop_root ? "nobody" : "root", s.warnings[i]);
    int bad = 0;
    if (drop_root) {
        /* cannot mount: unavailable, and the warning names the mount command */
        if (perf_tracefs_dir() != NULL || s.fixed_fd[PERF_SYS_BRK] >= 0)
            bad |= 1;
        if (count_warnings(&s, "mount -t tracefs nodev /sys/kernel/tracing") != 1)
            bad |= 2;
    } else {
        /* root mounts it itself and the tracepoints open */
        if (!perf_tracefs_dir() || strcmp(perf_tracefs_dir(), "/sys/kernel/tracing") != 0)
            bad |= 4;
        for (int k = PERF_SYS_BRK; k < PERF_FIXED_COUNT; k++)
            if (s.fixed_fd[k] < 0)
                bad |= 8;
    }
    perf_session_close(&s);
    fflush(stdout);
    return bad;
}

static void test_tracefs_unmounted(void)
{
    if (geteuid() != 0) {
        printf("SKIP tracefs mount test: needs root (mount namespace)\n");
        return;
    }
    for (int drop = 0; drop < 2; drop++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0)
            _exit(tracefs_child(drop));
        int st = 0;
        waitpid(pid, &st, 0);
        int rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        if (rc == 77) {
            printf("SKIP tracefs mount test (%s): cannot set up a private mount namespace\n",
                   drop ? "nobody" : "root");
            continue;
        }
        CHECK(rc == 0,
              "tracefs child (%s): status %d (1 opened without tracefs, 2 warning, 4 "
              "no mount, 8 tracepoints closed)",
              drop ? "nobody" : "root", rc);
    }
}

int main(int argc, char **argv)
{
    self_exe = argv[0];
    if (argc == 3 && strcmp(argv[1], "--touch") == 0)
        return touch_main(argv[2]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* First, before anything caches where tracefs is. */
    test_tracefs_unmounted();
    test_facts();
    test_fault_calibration();
    test_tracepoints();
    test_thread_inherit();
    test_no_perf();
    test_names();
    test_group_path();
    test_restricted();
    test_exec_child();
    if (test_util_failures) {
        fprintf(stderr, "test_perf: %lu failure(s)\n", test_util_failures);
        return 1;
    }
    printf("test_perf: all checks passed\n");
    return 0;
}
