/* One run of a program under `faultline tune`: a traced child with the setting in
 * GLIBC_TUNABLES, its output scanned for the RSS it reports, waited for within the timeout. */
#define _GNU_SOURCE
#include "tune_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "param.h"
#include "workload.h"
#include "atomic_file.h"
#include "csv.h"
#include "num.h"
#include "cli.h"
#include "spec.h"
#include "config.h"
#include "plan.h"
#include "procfs.h"
#include "stats.h"
#include "strbuf.h"

#include "tune_exec.h"
#include "tune_report.h"
#include "tune_search.h"
#include "tune_setting.h"

static double tune_exec_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Scans the program's stdout for "retained_rss_kb=N" lines (the last one wins). */
struct tune_exec_scan {
    char line[256];
    size_t len;
    bool overflow;
    long long retained_kb; /* -1 = not reported */
    char bad[48];          /* a retained_rss_kb value that is not an integer 0..TUNE_KB_MAX */
};

/* 2^32 KiB = 4 TiB: more than any machine this runs on retains */
#define TUNE_KB_MAX ((uint64_t)1 << 32)

static void tune_exec_scan_bytes(struct tune_exec_scan *sc, const char *data, size_t n)
{
    static const char key[] = "retained_rss_kb=";
    for (size_t i = 0; i < n; i++) {
        if (data[i] != '\n') {
            if (sc->len + 1 < sizeof sc->line)
                sc->line[sc->len++] = data[i];
            else
                sc->overflow = true;
            continue;
        }
        sc->line[sc->len] = '\0';
        if (!sc->overflow && !strncmp(sc->line, key, sizeof key - 1)) {
            uint64_t v;
            const char *text = sc->line + sizeof key - 1;
            if (num_parse_u64(text, 0, TUNE_KB_MAX, &v) == 0)
                sc->retained_kb = (long long)v;
            else /* "1e999" used to read as 1 and 10^23 as LLONG_MAX */
                snprintf(sc->bad, sizeof sc->bad, "%.40s", text);
        }
        sc->len = 0;
        sc->overflow = false;
    }
}

/* Reads what is available on fd into the scanner; returns false at EOF or error. */
static bool tune_exec_drain(int fd, struct tune_exec_scan *sc)
{
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            tune_exec_scan_bytes(sc, buf, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return n < 0 && errno == EAGAIN;
    }
}

/* The child side: environment, stdio, wait for the tracer, exec. Never returns. */
static void tune_exec_child(const struct tune_state *st, const char *tunables, int out_fd,
                            int gate_fd)
{
    if (tunables[0])
        setenv("GLIBC_TUNABLES", tunables, 1);
    else
        unsetenv("GLIBC_TUNABLES");
    dup2(out_fd, STDOUT_FILENO);
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull >= 0) {
        dup2(devnull, STDIN_FILENO);
        if (!st->verbose)
            dup2(devnull, STDERR_FILENO);
    }
    char c;
    while (read(gate_fd, &c, 1) < 0 && errno == EINTR)
        ;
    execvp(st->cmd[0], st->cmd);
    _exit(127);
}

/* Runs the program once under a setting. The parent traces the child with
 * PTRACE_O_TRACEEXIT so it can read VmHWM and VmRSS at the exit stop, while the address space
 * still exists; where ptrace is not permitted it polls /proc every millisecond instead. */
/* What watching one run saw. */
struct tune_exec_seen {
    struct tune_exec_scan sc;
    bool out_open, timed_out, exit_seen;
    uint64_t hwm, rss;
    int status;
    struct rusage ru;
};

/* Reaps pid (resuming its ptrace stops, sampling its RSS when not traced), reads its output
 * from out_fd and kills it at the timeout. outcome gets a wait4 failure only. */
static void tune_exec_watch(const struct tune_state *st, pid_t pid, bool traced, int out_fd,
                            double t0, struct tune_exec_seen *w, char *outcome, size_t outlen)
{
    for (;;) {
        pid_t r = wait4(pid, &w->status, WNOHANG | __WALL, &w->ru);
        if (r == pid && WIFSTOPPED(w->status)) {
            int event = w->status >> 16;
            int sig = 0;
            if (event == PTRACE_EVENT_EXIT) {
                /* the last moment the address space exists: exact peak and exit RSS */
                w->hwm = procfs_vm_hwm(pid);
                w->rss = procfs_vm_rss(pid);
                w->exit_seen = true;
            } else if (event == 0) {
                sig = WSTOPSIG(w->status); /* a signal for the program: deliver it */
            }
            ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig);
            continue;
        }
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR) {
            snprintf(outcome, outlen, "error: wait4: %s", strerror(errno));
            break;
        }
        if (!traced) {
            uint64_t h = procfs_vm_hwm(pid), v = procfs_vm_rss(pid);
            if (h > w->hwm)
                w->hwm = h;
            if (v)
                w->rss = v;
        }
        if (!w->timed_out && tune_exec_now() - t0 > st->timeout_s * 1e9) {
            kill(pid, SIGKILL);
            w->timed_out = true;
        }
        struct pollfd p = {.fd = out_fd, .events = POLLIN};
        if (w->out_open) {
            if (poll(&p, 1, 1) > 0)
                w->out_open = tune_exec_drain(out_fd, &w->sc);
        } else {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
    }
}

/* The run's metrics from what was seen, or -1 with outcome saying why it does not count. */
static int tune_exec_result(const struct tune_state *st, const struct tune_exec_seen *w,
                            bool traced, double elapsed, double m[TUNE_METRICS], char *outcome,
                            size_t outlen)
{
    if (w->timed_out) {
        snprintf(outcome, outlen, "timeout after %.0f s", st->timeout_s);
        return -1;
    }
    if (WIFSIGNALED(w->status)) {
        snprintf(outcome, outlen, "killed by signal %d (%s)", WTERMSIG(w->status),
                 strsignal(WTERMSIG(w->status)));
        return -1;
    }
    if (WIFEXITED(w->status) && WEXITSTATUS(w->status) == 127) {
        snprintf(outcome, outlen, "exit 127 (cannot execute %s?)", st->cmd[0]);
        return -1;
    }
    if (WIFEXITED(w->status) && WEXITSTATUS(w->status) != 0) {
        snprintf(outcome, outlen, "exit %d", WEXITSTATUS(w->status));
        return -1;
    }
    m[TUNE_TIME] = elapsed;
    m[TUNE_FAULTS] = (double)(w->ru.ru_minflt + w->ru.ru_majflt);
    if (w->hwm)
        m[TUNE_PEAK] = (double)w->hwm;
    else if (w->ru.ru_maxrss > 0) /* too short to poll: the rusage peak (with the pre-exec fork) */
        m[TUNE_PEAK] = (double)w->ru.ru_maxrss * 1024;
    if (w->sc.bad[0]) {
        snprintf(outcome, outlen, "error: retained_rss_kb=%s: expected an integer 0..%llu (KiB)",
                 w->sc.bad, (unsigned long long)TUNE_KB_MAX);
        return -1;
    }
    if (w->sc.retained_kb >= 0)
        m[TUNE_RETAINED] = (double)w->sc.retained_kb * 1024; /* the program's own word wins */
    else if (w->rss)
        m[TUNE_RETAINED] = (double)w->rss;
    /* polling can miss the last growth; the peak is at least any RSS the run reported */
    if (isfinite(m[TUNE_RETAINED]) && !(m[TUNE_PEAK] >= m[TUNE_RETAINED]))
        m[TUNE_PEAK] = m[TUNE_RETAINED];
    snprintf(outcome, outlen, "ok%s", traced && !w->exit_seen ? " (no exit stop)" : "");
    return 0;
}

int tune_exec_once(const struct tune_state *st, const struct tune_setting *s,
                   double m[TUNE_METRICS], char *outcome, size_t outlen)
{
    char tunables[512];
    tune_setting_tunables(s, tunables, sizeof tunables);
    for (int k = 0; k < TUNE_METRICS; k++)
        m[k] = NAN;
    int out[2], gate[2];
    if (pipe2(out, O_CLOEXEC) != 0)
        return snprintf(outcome, outlen, "error: pipe: %s", strerror(errno)), -1;
    if (pipe2(gate, O_CLOEXEC) != 0) {
        close(out[0]);
        close(out[1]);
        return snprintf(outcome, outlen, "error: pipe: %s", strerror(errno)), -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(out[0]);
        close(out[1]);
        close(gate[0]);
        close(gate[1]);
        return snprintf(outcome, outlen, "error: fork: %s", strerror(errno)), -1;
    }
    if (pid == 0)
        tune_exec_child(st, tunables, out[1], gate[0]);
    close(out[1]);
    close(gate[0]);
    /* FAULTLINE_TUNE_NO_PTRACE=1 takes the polling path, as where ptrace is refused (tests) */
    const char *no_trace = getenv("FAULTLINE_TUNE_NO_PTRACE");
    bool traced = !(no_trace && !strcmp(no_trace, "1")) &&
                  ptrace(PTRACE_SEIZE, pid, NULL,
                         (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL)) == 0;
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    double t0 = tune_exec_now();
    if (write(gate[1], "g", 1) != 1) {
        /* the child is gone already; wait4 below reports how */
    }
    close(gate[1]);

    struct tune_exec_seen w = {.sc = {.retained_kb = -1}, .out_open = true};
    tune_exec_watch(st, pid, traced, out[0], t0, &w, outcome, outlen);
    double t1 = tune_exec_now();
    if (w.out_open)
        tune_exec_drain(out[0], &w.sc);
    close(out[0]);

    return tune_exec_result(st, &w, traced, t1 - t0, m, outcome, outlen);
}
