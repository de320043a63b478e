/* test_perf_paths: the paths around perf.c's counters (disabled mode, event names, the group
 * read path, the unprivileged path, facts, counters on an exec'd child, tracefs not mounted);
 * run by test_perf.c's main. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "test_util.h"
#include "os.h"
#include "perf.h"
#include "tracefs.h"
#include "test_perf.h"

#define CHECK TEST_UTIL_CHECK

/* ---- 4. disabled mode --------------------------------------------------------------------- */

static void test_perf_paths_all_unavailable(struct perf_session *s, const char *what)
{
    struct perf_reading r;
    perf_session_enable(s);
    perf_session_disable(s);
    perf_session_read(s, &r);
    for (int k = 0; k < PERF_FIXED_COUNT; k++) {
        CHECK(s->fixed_fd[k] < 0, "%s: fixed fd %d open", what, k);
        CHECK(!r.fixed[k].available, "%s: %s available", what, test_perf_fixed_names[k]);
    }
    for (unsigned i = 0; i < r.hw_count; i++)
        CHECK(!r.hw[i].v.available && s->hw_fd[i] < 0, "%s: event %s available", what,
              r.hw[i].name);
}

void test_perf_paths_no_perf(void)
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
    test_perf_paths_all_unavailable(&s, "FAULTLINE_NO_PERF");
    perf_session_close(&s);
    unsetenv("FAULTLINE_NO_PERF");

    CHECK(perf_session_open(&s, 0, NULL, true, false, err, sizeof err) == 0, "open: %s", err);
    CHECK(s.warning_count == 1 && strstr(s.warnings[0], "--no-perf"), "no_perf warning");
    test_perf_paths_all_unavailable(&s, "--no-perf");
    perf_session_close(&s);
    /* A bad name is an error even with perf off. */
    CHECK(perf_session_open(&s, 0, "instructions,no-such-event", true, false, err, sizeof err) ==
              -1,
          "unknown event must fail");
}

static volatile unsigned test_perf_paths_sink; /* a loop the compiler must keep */

/* ---- 5. names ----------------------------------------------------------------------------- */

void test_perf_paths_names(void)
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
    if (tracefs_dir() && geteuid() == 0)
        CHECK(perf_events_validate("syscalls:sys_enter_mprotect", err, sizeof err) == 0,
              "tracepoint name: %s", err);

    struct perf_session s;
    CHECK(perf_session_open(&s, 0, "instructions:u,task-clock", false, false, err, sizeof err) == 0,
          "open: %s", err);
    CHECK(strstr(s.hw[0].resolved, "INSTRUCTIONS") != NULL, "resolved '%s'", s.hw[0].resolved);
    struct perf_reading r;
    perf_session_enable(&s);
    for (unsigned i = 0; i < 1000000; i++)
        test_perf_paths_sink += i;
    perf_session_disable(&s);
    perf_session_read(&s, &r);
    printf("hw: pmu usable %d, instructions %s %llu, task-clock %s %llu ns\n", perf_pmu_usable(),
           r.hw[0].v.available ? "available" : "null", (unsigned long long)r.hw[0].v.value,
           r.hw[1].v.available ? "available" : "null", (unsigned long long)r.hw[1].v.value);
    test_perf_print_warnings("hw", &s);
    if (perf_pmu_usable()) {
        CHECK(r.hw[0].v.available && r.hw[0].v.value >= 1000000, "instructions %llu",
              (unsigned long long)r.hw[0].v.value);
    } else {
        CHECK(!r.hw[0].v.available, "no PMU: instructions must be null");
        CHECK(test_perf_has_warning(&s, "instructions") || test_perf_has_warning(&s, "denied"),
              "no PMU: a warning names the event");
        printf("SKIP hardware counter values: no usable PMU on this machine\n");
    }
    if (s.fixed_fd[PERF_MINFLT] >= 0)
        CHECK(r.hw[1].v.available && r.hw[1].v.value > 0, "task-clock counts");
    perf_session_close(&s);
}

/* ---- 6. the group read path (software events grouped through the test hook) -------------- */

void test_perf_paths_group(void)
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
    char *p = test_perf_map_pages(N);
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
    CHECK(test_perf_within_pct(d.hw[0].v.value, N, 2.0), "group minor-faults %llu vs %d",
          (unsigned long long)d.hw[0].v.value, N);
    CHECK(d.hw[1].v.value >= d.hw[0].v.value, "page-faults >= minor-faults");
    perf_session_close(&s);
    os_munmap(p, N * os_page_size());
}

/* ---- 7. the unprivileged path (as nobody, in a child) ------------------------------------- */

static int test_perf_paths_restricted_child(void)
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
        if (!test_perf_has_warning(&s, "perf_event_paranoid") ||
            !test_perf_has_warning(&s, "--no-perf"))
            bad |= 1;
    } else if (par >= 2) {
        if (!test_perf_has_warning(&s, "kernel-mode faults are missed"))
            bad |= 2;
    }
    if (par >= 2) {
        for (int k = PERF_SYS_BRK; k < PERF_FIXED_COUNT; k++)
            if (s.fixed_fd[k] >= 0)
                bad |= 4;
        if (s.fixed_fd[PERF_MINFLT] >= 0 &&
            test_perf_count_warnings(&s, "syscall tracepoints unavailable") != 1)
            bad |= 8;
    }
    if (s.warning_count > 4)
        bad |= 16;
    perf_session_close(&s);
    return bad;
}

void test_perf_paths_restricted(void)
{
    if (geteuid() != 0) {
        int rc = test_perf_paths_restricted_child();
        CHECK(rc == 0, "unprivileged checks failed: %d", rc);
        return;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(20);
        int rc = test_perf_paths_restricted_child();
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

void test_perf_paths_facts(void)
{
    FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
    int want = 0;
    CHECK(f && fscanf(f, "%d", &want) == 1, "read paranoid");
    if (f)
        fclose(f);
    CHECK(perf_paranoid() == want, "perf_paranoid %d vs %d", perf_paranoid(), want);
    if (geteuid() == 0)
        CHECK(tracefs_dir() != NULL, "as root tracefs must be found or mounted");
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
           tracefs_dir() ? tracefs_dir() : "(none)", perf_pmu_usable(), FAULTLINE_HAVE_LIBPFM);
}

/* ---- 9. counters on another process, enabled at its exec ---------------------------------- */

const char *test_perf_paths_exe;

void test_perf_paths_exec_child(void)
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
        execl(test_perf_paths_exe, test_perf_paths_exe, "--touch", arg, (char *)NULL);
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

/* The exec'd side of test_perf_paths_exec_child: map and touch N pages, unmap, exit. */
int test_perf_paths_touch_main(const char *arg)
{
    size_t n = (size_t)strtoul(arg, NULL, 10);
    char *p = test_perf_map_pages(n);
    test_util_touch_pages(p, n, os_page_size());
    os_munmap(p, n * os_page_size());
    return 0;
}

/* ---- 10. tracefs not mounted (a private mount namespace, root only) ----------------------- */

static int test_perf_paths_tracefs_child(bool drop_root)
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
        if (tracefs_dir() != NULL || s.fixed_fd[PERF_SYS_BRK] >= 0)
            bad |= 1;
        if (test_perf_count_warnings(&s, "mount -t tracefs nodev /sys/kernel/tracing") != 1)
            bad |= 2;
    } else {
        /* root mounts it itself and the tracepoints open */
        if (!tracefs_dir() || strcmp(tracefs_dir(), "/sys/kernel/tracing") != 0)
            bad |= 4;
        for (int k = PERF_SYS_BRK; k < PERF_FIXED_COUNT; k++)
            if (s.fixed_fd[k] < 0)
                bad |= 8;
    }
    perf_session_close(&s);
    fflush(stdout);
    return bad;
}

void test_perf_paths_tracefs_unmounted(void)
{
    if (geteuid() != 0) {
        printf("SKIP tracefs mount test: needs root (mount namespace)\n");
        return;
    }
    for (int drop = 0; drop < 2; drop++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0)
            _exit(test_perf_paths_tracefs_child(drop));
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

unsigned long test_perf_paths_failures(void)
{
    return test_util_failures;
}
