/* The glibc tuning advisor (see tune.h): evaluates GLIBC_TUNABLES settings on a program (one
 * traced child per run) or a workload (the normal runner), keeps the Pareto front of time, peak
 * RSS, retained RSS and faults, and recommends the best setting for one objective. */
#define _GNU_SOURCE
#include "tune.h"

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

#define TUNE_UNSET    (-1)
#define TUNE_MMAP_MAX (32LL << 20) /* glibc's largest mmap_threshold (HEAP_MAX_SIZE / 2) */

enum tune_knob { TUNE_MMAP, TUNE_TRIM, TUNE_TOP_PAD, TUNE_ARENA, TUNE_KNOBS };

static const struct {
    const char *tunable; /* GLIBC_TUNABLES name */
    const char *param;   /* glibc backend parameter */
    const char *csv;
    bool size;
    int64_t min, max; /* what the refinement steps may reach */
} tune_knobs[TUNE_KNOBS] = {
    {"glibc.malloc.mmap_threshold", "mmap_threshold", "mmap_threshold", true, 4096, TUNE_MMAP_MAX},
    {"glibc.malloc.trim_threshold", "trim_threshold", "trim_threshold", true, 32768, 1LL << 30},
    {"glibc.malloc.top_pad", "top_pad", "top_pad", true, 0, 64LL << 20},
    {"glibc.malloc.arena_max", "arena_max", "arena_max", false, 1, 64},
};

enum tune_metric { TUNE_TIME, TUNE_PEAK, TUNE_RETAINED, TUNE_FAULTS, TUNE_METRICS };
#define TUNE_BALANCED TUNE_METRICS

static const struct {
    const char *objective; /* --objective name */
    const char *unit;      /* for report_human */
    const char *csv;
    const char *what;
} tune_metrics[TUNE_METRICS] = {
    {"time", "ns", "time_ns", "time"},
    {"peak-rss", "bytes", "peak_rss_bytes", "peak RSS"},
    {"retained-rss", "bytes", "retained_rss_bytes", "retained RSS"},
    {"faults", "count", "faults", "faults"},
};

struct tune_setting {
    int64_t v[TUNE_KNOBS]; /* TUNE_UNSET: left to glibc */
};

struct tune_entry {
    struct tune_setting s;
    double m[TUNE_METRICS];                    /* medians over ok runs; NAN = not measured */
    double lo[TUNE_METRICS], hi[TUNE_METRICS]; /* their smallest and largest run */
    unsigned runs, ok_runs;
    char outcome[96]; /* of the first failed run, or "ok" */
    unsigned round;
    bool pareto;
    double score; /* objective value, lower is better; INFINITY when no run was ok */
};

struct tune_state {
    int objective;
    unsigned budget, runs;
    double timeout_s;
    bool verbose, quiet;
    double tie;           /* 1 + the --tie-band fraction: scores this close are a tie */
    char **cmd;           /* program mode: argv of the program */
    const char *workload; /* workload mode: the workload spec */
    struct plan_options po;
    char out_dir[4096]; /* "" = no files */
    struct tune_entry *e;
    unsigned n;
};

/* ---- settings ---- */

static void tune_setting_default(struct tune_setting *s)
{
    for (int k = 0; k < TUNE_KNOBS; k++)
        s->v[k] = TUNE_UNSET;
}

static bool tune_setting_is_default(const struct tune_setting *s)
{
    for (int k = 0; k < TUNE_KNOBS; k++)
        if (s->v[k] != TUNE_UNSET)
            return false;
    return true;
}

static bool tune_setting_equal(const struct tune_setting *a, const struct tune_setting *b)
{
    return memcmp(a->v, b->v, sizeof a->v) == 0;
}

/* "glibc.malloc.mmap_threshold=1048576:glibc.malloc.arena_max=1", "" for the defaults. */
static void tune_setting_tunables(const struct tune_setting *s, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < TUNE_KNOBS && used < len; k++) {
        if (s->v[k] == TUNE_UNSET)
            continue;
        int n = snprintf(buf + used, len - used, "%s%s=%lld", used ? ":" : "",
                         tune_knobs[k].tunable, (long long)s->v[k]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* Short human form: "mmap_threshold=1M,arena_max=1" or "default". sep joins the knobs. */
static void tune_setting_short(const struct tune_setting *s, const char *sep, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < TUNE_KNOBS && used < len; k++) {
        if (s->v[k] == TUNE_UNSET)
            continue;
        char val[32];
        if (tune_knobs[k].size)
            param_format_size(s->v[k], val, sizeof val);
        else
            snprintf(val, sizeof val, "%lld", (long long)s->v[k]);
        int n =
            snprintf(buf + used, len - used, "%s%s=%s", used ? sep : "", tune_knobs[k].param, val);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    if (!buf[0])
        snprintf(buf, len, "default");
}

/* ---- one run of a program ---- */

static double tune_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Scans the program's stdout for "retained_rss_kb=N" lines (the last one wins). */
struct tune_out_scan {
    char line[256];
    size_t len;
    bool overflow;
    long long retained_kb; /* -1 = not reported */
    char bad[48];          /* a retained_rss_kb value that is not an integer 0..TUNE_KB_MAX */
};

/* 2^32 KiB = 4 TiB: more than any machine this runs on retains */
#define TUNE_KB_MAX ((uint64_t)1 << 32)

static void tune_scan_bytes(struct tune_out_scan *sc, const char *data, size_t n)
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
static bool tune_drain(int fd, struct tune_out_scan *sc)
{
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            tune_scan_bytes(sc, buf, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return n < 0 && errno == EAGAIN;
    }
}

/* The child side: environment, stdio, wait for the tracer, exec. Never returns. */
static void tune_child_exec(const struct tune_state *st, const char *tunables, int out_fd,
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
static int tune_exec_once(const struct tune_state *st, const struct tune_setting *s,
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
        tune_child_exec(st, tunables, out[1], gate[0]);
    close(out[1]);
    close(gate[0]);
    /* FAULTLINE_TUNE_NO_PTRACE=1 takes the polling path, as where ptrace is refused (tests) */
    const char *no_trace = getenv("FAULTLINE_TUNE_NO_PTRACE");
    bool traced = !(no_trace && !strcmp(no_trace, "1")) &&
                  ptrace(PTRACE_SEIZE, pid, NULL,
                         (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL)) == 0;
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    double t0 = tune_now();
    if (write(gate[1], "g", 1) != 1) {
        /* the child is gone already; wait4 below reports how */
    }
    close(gate[1]);

    struct tune_out_scan sc = {.retained_kb = -1};
    bool out_open = true, timed_out = false, exit_seen = false;
    uint64_t hwm = 0, rss = 0;
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    for (;;) {
        pid_t r = wait4(pid, &status, WNOHANG | __WALL, &ru);
        if (r == pid && WIFSTOPPED(status)) {
            int event = status >> 16;
            int sig = 0;
            if (event == PTRACE_EVENT_EXIT) {
                /* the last moment the address space exists: exact peak and exit RSS */
                hwm = procfs_vm_hwm(pid);
                rss = procfs_vm_rss(pid);
                exit_seen = true;
            } else if (event == 0) {
                sig = WSTOPSIG(status); /* a signal for the program: deliver it */
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
            if (h > hwm)
                hwm = h;
            if (v)
                rss = v;
        }
        if (!timed_out && tune_now() - t0 > st->timeout_s * 1e9) {
            kill(pid, SIGKILL);
            timed_out = true;
        }
        struct pollfd p = {.fd = out[0], .events = POLLIN};
        if (out_open) {
            if (poll(&p, 1, 1) > 0)
                out_open = tune_drain(out[0], &sc);
        } else {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
    }
    double t1 = tune_now();
    if (out_open)
        tune_drain(out[0], &sc);
    close(out[0]);

    if (timed_out) {
        snprintf(outcome, outlen, "timeout after %.0f s", st->timeout_s);
        return -1;
    }
    if (WIFSIGNALED(status)) {
        snprintf(outcome, outlen, "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
        return -1;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        snprintf(outcome, outlen, "exit 127 (cannot execute %s?)", st->cmd[0]);
        return -1;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        snprintf(outcome, outlen, "exit %d", WEXITSTATUS(status));
        return -1;
    }
    m[TUNE_TIME] = t1 - t0;
    m[TUNE_FAULTS] = (double)(ru.ru_minflt + ru.ru_majflt);
    if (hwm)
        m[TUNE_PEAK] = (double)hwm;
    else if (ru.ru_maxrss > 0) /* too short to poll: the rusage peak (includes the pre-exec fork) */
        m[TUNE_PEAK] = (double)ru.ru_maxrss * 1024;
    if (sc.bad[0]) {
        snprintf(outcome, outlen, "error: retained_rss_kb=%s: expected an integer 0..%llu (KiB)",
                 sc.bad, (unsigned long long)TUNE_KB_MAX);
        return -1;
    }
    if (sc.retained_kb >= 0)
        m[TUNE_RETAINED] = (double)sc.retained_kb * 1024; /* the program's own word wins */
    else if (rss)
        m[TUNE_RETAINED] = (double)rss;
    /* polling can miss the last growth; the peak is at least any RSS the run reported */
    if (isfinite(m[TUNE_RETAINED]) && !(m[TUNE_PEAK] >= m[TUNE_RETAINED]))
        m[TUNE_PEAK] = m[TUNE_RETAINED];
    snprintf(outcome, outlen, "ok%s", traced && !exit_seen ? " (no exit stop)" : "");
    return 0;
}

/* ---- evaluation of a batch of settings ---- */

/* Median, smallest and largest of metric k over n runs. */
static void tune_spread(struct tune_entry *e, int k, const double *v, size_t n)
{
    e->m[k] = e->lo[k] = e->hi[k] = NAN;
    if (!n)
        return;
    e->m[k] = stats_median(v, n);
    e->lo[k] = e->hi[k] = v[0];
    for (size_t i = 1; i < n; i++) {
        e->lo[k] = fmin(e->lo[k], v[i]);
        e->hi[k] = fmax(e->hi[k], v[i]);
    }
}

static void tune_progress(const struct tune_state *st, const struct tune_entry *e)
{
    if (st->quiet)
        return;
    char name[256], v[TUNE_METRICS][32];
    tune_setting_short(&e->s, ",", name, sizeof name);
    for (int k = 0; k < TUNE_METRICS; k++)
        report_human(e->m[k], tune_metrics[k].unit, v[k], sizeof v[k]);
    if (e->ok_runs)
        fprintf(stderr, "[%u/%u] %-48s time %s, peak %s, retained %s, faults %s\n",
                (unsigned)(e - st->e) + 1, st->budget, name, v[0], v[1], v[2], v[3]);
    else
        fprintf(stderr, "[%u/%u] %-48s failed: %s\n", (unsigned)(e - st->e) + 1, st->budget, name,
                e->outcome);
}

static void tune_eval_program(struct tune_state *st, unsigned first)
{
    unsigned count = st->n - first;
    double *vals = calloc((size_t)count * st->runs * TUNE_METRICS, sizeof *vals);
    if (!vals)
        abort();
    /* rep-major: settings alternate, so a slow drift of the machine hits all of them */
    for (unsigned rep = 0; rep < st->runs; rep++) {
        for (unsigned i = 0; i < count; i++) {
            struct tune_entry *e = &st->e[first + i];
            double m[TUNE_METRICS];
            char outcome[96];
            e->runs++;
            if (tune_exec_once(st, &e->s, m, outcome, sizeof outcome) == 0) {
                for (int k = 0; k < TUNE_METRICS; k++)
                    vals[((size_t)i * TUNE_METRICS + (size_t)k) * st->runs + e->ok_runs] = m[k];
                e->ok_runs++;
            } else if (!strcmp(e->outcome, "ok")) {
                snprintf(e->outcome, sizeof e->outcome, "%s", outcome);
            }
        }
    }
    for (unsigned i = 0; i < count; i++) {
        struct tune_entry *e = &st->e[first + i];
        for (int k = 0; k < TUNE_METRICS; k++) {
            double *v = &vals[((size_t)i * TUNE_METRICS + (size_t)k) * st->runs];
            size_t n = 0;
            for (unsigned j = 0; j < e->ok_runs; j++)
                if (isfinite(v[j]))
                    v[n++] = v[j];
            tune_spread(e, k, v, n);
        }
        tune_progress(st, e);
    }
    free(vals);
}

/* Workload mode: one cell per setting on the glibc backend through the normal plan runner
 * (mallopt in the runner child is what GLIBC_TUNABLES does at start-up). */
static void tune_eval_workload(struct tune_state *st, unsigned first, unsigned round)
{
    struct results r;
    char dir[4200] = "";
    if (st->out_dir[0])
        snprintf(dir, sizeof dir, "%s/round%u", st->out_dir, round);
    char *argv0[] = {"tune", NULL};
    results_init(&r, dir, 1, argv0);
    for (unsigned i = first; i < st->n; i++) {
        char spec[512], params[256];
        tune_setting_short(&st->e[i].s, ",", params, sizeof params);
        if (tune_setting_is_default(&st->e[i].s))
            snprintf(spec, sizeof spec, "glibc");
        else
            snprintf(spec, sizeof spec, "glibc:%s", params);
        results_add_cell(&r, spec, st->workload);
    }
    struct plan_options po = st->po;
    po.runs = st->runs;
    plan_execute(&r, &po);
    results_write(&r);
    double *v = malloc((r.nruns + 1) * sizeof *v);
    if (!v)
        abort();
    for (unsigned c = 0; c < r.ncells; c++) {
        struct tune_entry *e = &st->e[first + c];
        /* per-run values, so faults are the median of minflt + majflt of the same run */
        static const int metric_of[TUNE_METRICS] = {METRIC_wall_ns, METRIC_hwm_rss, METRIC_rss_end,
                                                    METRIC_minflt};
        for (int k = 0; k < TUNE_METRICS; k++) {
            size_t n = 0;
            for (unsigned i = 0; i < r.nruns; i++) {
                const struct run_result *run = &r.runs[i];
                if (run->cell != c || !run->ok || !run->m.valid[metric_of[k]])
                    continue;
                double x = run->m.v[metric_of[k]];
                if (k == TUNE_FAULTS && run->m.valid[METRIC_majflt])
                    x += run->m.v[METRIC_majflt];
                v[n++] = x;
            }
            tune_spread(e, k, v, n);
        }
        for (unsigned i = 0; i < r.nruns; i++) {
            if (r.runs[i].cell != c)
                continue;
            e->runs++;
            if (r.runs[i].ok)
                e->ok_runs++;
            else if (!strcmp(e->outcome, "ok"))
                snprintf(e->outcome, sizeof e->outcome, "%s", r.runs[i].outcome);
        }
        tune_progress(st, e);
    }
    free(v);
    results_free(&r);
}

/* ---- scoring, front, output ---- */

static double tune_score(const struct tune_state *st, const struct tune_entry *e,
                         const struct tune_entry *def)
{
    if (!e->ok_runs)
        return INFINITY;
    if (st->objective != TUNE_BALANCED)
        return isfinite(e->m[st->objective]) ? e->m[st->objective] : INFINITY;
    /* geometric mean of the ratios to the default; the offsets keep a zero from dominating */
    static const double offset[TUNE_METRICS] = {1e3, 4096, 4096, 1};
    double sum = 0;
    for (int k = 0; k < TUNE_METRICS; k++)
        if (isfinite(e->m[k]) && isfinite(def->m[k]))
            sum += log((e->m[k] + offset[k]) / (def->m[k] + offset[k]));
    return exp(sum / TUNE_METRICS);
}

static bool tune_dominates(const struct tune_entry *a, const struct tune_entry *b)
{
    bool better = false;
    for (int k = 0; k < TUNE_METRICS; k++) {
        double x = isfinite(a->m[k]) ? a->m[k] : INFINITY;
        double y = isfinite(b->m[k]) ? b->m[k] : INFINITY;
        if (x > y)
            return false;
        better |= x < y;
    }
    return better;
}

static void tune_rank(struct tune_state *st)
{
    for (unsigned i = 0; i < st->n; i++)
        st->e[i].score = tune_score(st, &st->e[i], &st->e[0]);
    for (unsigned i = 0; i < st->n; i++) {
        st->e[i].pareto = st->e[i].ok_runs > 0;
        for (unsigned j = 0; j < st->n && st->e[i].pareto; j++)
            if (j != i && st->e[j].ok_runs && tune_dominates(&st->e[j], &st->e[i]))
                st->e[i].pareto = false;
    }
}

/* The lowest score; among settings within the tie band of it (--tie-band, default 5 %: run-to-run
 * noise, e.g. a few pages of RSS), the one that is best across all four metrics, so a tie is not
 * won by accident. A setting must beat the default by more than the band too, else the default
 * stays. */
static unsigned tune_best(const struct tune_state *st)
{
    unsigned best = 0;
    for (unsigned i = 1; i < st->n; i++)
        if (st->e[i].score < st->e[best].score)
            best = i;
    if (!isfinite(st->e[best].score) || !(st->e[best].score * st->tie < st->e[0].score))
        return 0;
    if (st->objective == TUNE_BALANCED)
        return best;
    struct tune_state bal = *st;
    bal.objective = TUNE_BALANCED;
    unsigned pick = best;
    double pick_bal = tune_score(&bal, &st->e[best], &st->e[0]);
    for (unsigned i = 0; i < st->n; i++) {
        if (!(st->e[i].score <= st->e[best].score * st->tie))
            continue;
        double b = tune_score(&bal, &st->e[i], &st->e[0]);
        if (b < pick_bal) {
            pick = i;
            pick_bal = b;
        }
    }
    return pick;
}

/* Say when the pick was a tie: how many settings scored within the band of the lowest. */
static void tune_explain_tie(const struct tune_state *st, const struct tune_entry *b)
{
    double low = INFINITY;
    unsigned tied = 0;
    for (unsigned i = 1; i < st->n; i++)
        low = fmin(low, st->e[i].score);
    for (unsigned i = 1; i < st->n; i++)
        tied += st->e[i].score <= low * st->tie;
    if (tied > 1)
        printf("  (%u settings within %.0f %% of the best score, the tie band (--tie-band): "
               "choosing the one best across all four metrics%s)\n",
               tied, (st->tie - 1) * 100, b->score > low ? ", not the lowest score" : "");
}

/* "time: 0.68x the default (0.61x..0.75x, 3 runs each)": the spread is the ratio of the extreme
 * runs, so a ratio from runs that overlap is visible as one. */
static void tune_print_ratio(const struct tune_state *st, int k, const struct tune_entry *b,
                             const struct tune_entry *def)
{
    printf("  %s: %.2fx the default", tune_metrics[k].what, b->m[k] / def->m[k]);
    if (b->ok_runs >= 2 && def->ok_runs >= 2 && def->lo[k] > 0)
        printf(" (%.2fx..%.2fx over %u and %u runs)", b->lo[k] / def->hi[k], b->hi[k] / def->lo[k],
               b->ok_runs, def->ok_runs);
    else
        printf(" (one run each: no spread; --runs 3 or more to see one)");
    (void)st;
    printf("\n");
}

static void tune_csv_value(struct strbuf *sb, double v)
{
    if (isfinite(v))
        strbuf_printf(sb, v == floor(v) ? ",%.0f" : ",%.10g", v);
    else
        strbuf_puts(sb, ",");
}

static void tune_write_csv(const struct tune_state *st)
{
    if (!st->out_dir[0])
        return;
    unsigned best = tune_best(st);
    struct strbuf sb;
    strbuf_init(&sb);
    strbuf_puts(&sb, "id,round");
    for (int k = 0; k < TUNE_KNOBS; k++)
        strbuf_printf(&sb, ",%s", tune_knobs[k].csv);
    strbuf_puts(&sb, ",glibc_tunables,runs,ok_runs,outcome");
    for (int k = 0; k < TUNE_METRICS; k++)
        strbuf_printf(&sb, ",%s", tune_metrics[k].csv);
    strbuf_printf(&sb, ",score_%s,pareto,default,recommended\n",
                  st->objective == TUNE_BALANCED ? "balanced"
                                                 : tune_metrics[st->objective].objective);
    for (unsigned i = 0; i < st->n; i++) {
        const struct tune_entry *e = &st->e[i];
        char tunables[512];
        tune_setting_tunables(&e->s, tunables, sizeof tunables);
        strbuf_printf(&sb, "t%03u,%u", i + 1, e->round);
        for (int k = 0; k < TUNE_KNOBS; k++)
            tune_csv_value(&sb, e->s.v[k] == TUNE_UNSET ? NAN : (double)e->s.v[k]);
        strbuf_puts(&sb, ",");
        csv_field(&sb, tunables);
        strbuf_printf(&sb, ",%u,%u,", e->runs, e->ok_runs);
        csv_field(&sb, e->outcome); /* RFC 4180 quoting: the text stays as it was */
        for (int k = 0; k < TUNE_METRICS; k++)
            tune_csv_value(&sb, e->m[k]);
        tune_csv_value(&sb, e->score);
        strbuf_printf(&sb, ",%d,%d,%d\n", e->pareto, i == 0, i == best);
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/tune.csv", st->out_dir);
    atomic_file_write(path, sb.data ? sb.data : "", sb.len); /* a failure is reported at exit */
    strbuf_free(&sb);
}

static void tune_print_row(const struct tune_entry *e, const char *mark, const char *name, int w)
{
    char v[TUNE_METRICS][32];
    for (int k = 0; k < TUNE_METRICS; k++)
        report_human(e->m[k], tune_metrics[k].unit, v[k], sizeof v[k]);
    printf("%-2s%-*s %10s %11s %13s %10s\n", mark, w, name, v[0], v[1], v[2], v[3]);
}

static int tune_cmp_score(const void *a, const void *b)
{
    const struct tune_entry *x = *(const struct tune_entry *const *)a;
    const struct tune_entry *y = *(const struct tune_entry *const *)b;
    return x->score < y->score ? -1 : x->score > y->score;
}

static void tune_report(const struct tune_state *st)
{
    unsigned best = tune_best(st);
    const struct tune_entry *def = &st->e[0], *b = &st->e[best];
    const char *obj =
        st->objective == TUNE_BALANCED ? "balanced" : tune_metrics[st->objective].objective;
    printf("\nPareto front of %u settings (lower is better in every column; * recommended for "
           "%s):\n",
           st->n, obj);
    const struct tune_entry **front = calloc(st->n, sizeof *front);
    if (!front)
        abort();
    unsigned nf = 0;
    char name[300];
    snprintf(name, sizeof name, "default (reference)%s", def->pareto ? "" : ", not on the front");
    int w = (int)strlen(name);
    for (unsigned i = 1; i < st->n; i++) {
        if (!st->e[i].pareto)
            continue;
        front[nf++] = &st->e[i];
        char other[300];
        tune_setting_short(&st->e[i].s, ",", other, sizeof other);
        if ((int)strlen(other) > w)
            w = (int)strlen(other);
    }
    printf("  %-*s %10s %11s %13s %10s\n", w, "setting", "time", "peak RSS", "retained RSS",
           "faults");
    tune_print_row(def, best == 0 ? "*" : "", name, w);
    qsort(front, nf, sizeof *front, tune_cmp_score);
    for (unsigned i = 0; i < nf; i++) {
        tune_setting_short(&front[i]->s, ",", name, sizeof name);
        tune_print_row(front[i], front[i] == b ? "*" : "", name, w);
    }
    free(front);

    unsigned failed = 0, first_failed = 0;
    for (unsigned i = st->n; i-- > 1;)
        if (!st->e[i].ok_runs) {
            failed++;
            first_failed = i;
        }
    if (failed) {
        tune_setting_short(&st->e[first_failed].s, ",", name, sizeof name);
        printf("  (%u setting%s failed and %s left out; first: %s: %s)\n", failed,
               failed == 1 ? "" : "s", failed == 1 ? "is" : "are", name,
               st->e[first_failed].outcome);
    }

    char tunables[512];
    tune_setting_tunables(&b->s, tunables, sizeof tunables);
    printf("\nrecommended for %s:\n", obj);
    if (best == 0 || !isfinite(b->score)) {
        printf("  GLIBC_TUNABLES= (keep the defaults: no setting tried beats them by more than "
               "the %.0f %% tie band, --tie-band)\n",
               (st->tie - 1) * 100);
        printf("  improvement_ratio=1.00\n");
        return;
    }
    printf("  GLIBC_TUNABLES=%s\n", tunables);
    tune_explain_tie(st, b);
    if (st->workload) {
        char params[256];
        tune_setting_short(&b->s, ",", params, sizeof params);
        printf("  (as a backend spec: glibc:%s)\n", params);
    }
    if (st->objective == TUNE_BALANCED) {
        double ratio = b->score > 0 ? 1 / b->score : INFINITY;
        printf("  the geometric mean of the four metrics is %.2fx lower than the default's "
               "(improvement_ratio=%.2f)\n",
               ratio, ratio);
    } else {
        int k = st->objective;
        char from[32], to[32];
        report_human(def->m[k], tune_metrics[k].unit, from, sizeof from);
        report_human(b->m[k], tune_metrics[k].unit, to, sizeof to);
        double ratio = b->m[k] > 0 ? def->m[k] / b->m[k] : INFINITY;
        printf("  %s %s -> %s: %.2fx lower than the default (improvement_ratio=%.2f)\n",
               tune_metrics[k].what, from, to, ratio, ratio);
    }
    /* what the other metrics pay for it */
    for (int k = 0; k < TUNE_METRICS; k++) {
        if (k == st->objective || !isfinite(def->m[k]) || !isfinite(b->m[k]) || def->m[k] <= 0)
            continue;
        tune_print_ratio(st, k, b, def);
    }
}

/* ---- search ---- */

static bool tune_add(struct tune_state *st, const struct tune_setting *s, unsigned round)
{
    if (st->n >= st->budget)
        return false;
    for (unsigned i = 0; i < st->n; i++)
        if (tune_setting_equal(&st->e[i].s, s))
            return false;
    struct tune_entry *e = &st->e[st->n++];
    memset(e, 0, sizeof *e);
    e->s = *s;
    e->round = round;
    snprintf(e->outcome, sizeof e->outcome, "ok");
    for (int k = 0; k < TUNE_METRICS; k++)
        e->m[k] = NAN;
    e->score = INFINITY;
    return true;
}

/* The coarse grid, ordered so that a small budget still covers both sides of every knob. */
static void tune_coarse(struct tune_state *st)
{
    static const int64_t mmap[3] = {1LL << 20, TUNE_MMAP_MAX, 64LL << 10};
    static const int64_t trim[2] = {128LL << 10, 1LL << 30};
    static const int64_t arena[2] = {TUNE_UNSET, 1};
    for (int a = 0; a < 2; a++)
        for (int i = 0; i < 6; i++) {
            struct tune_setting s;
            tune_setting_default(&s);
            s.v[TUNE_MMAP] = mmap[i % 3];
            s.v[TUNE_TRIM] = trim[(i % 3 + i / 3) % 2];
            s.v[TUNE_ARENA] = arena[a];
            tune_add(st, &s, 1);
        }
}

/* One-knob steps from s: sizes x4 and /4 (or the two sides when unset), arenas halved/doubled,
 * and every knob back to unset. */
static unsigned tune_neighbours(const struct tune_setting *s, struct tune_setting *out)
{
    unsigned n = 0;
    for (int k = 0; k < TUNE_KNOBS; k++) {
        int64_t v = s->v[k], cand[3];
        int nc = 0;
        if (v == TUNE_UNSET) {
            static const int64_t first[TUNE_KNOBS][2] = {
                {128LL << 10, 4LL << 20}, {128LL << 10, 64LL << 20}, {0, 1LL << 20}, {1, 2}};
            cand[nc++] = first[k][0];
            cand[nc++] = first[k][1];
        } else {
            int64_t lo = tune_knobs[k].size ? v / 4 : v / 2;
            int64_t hi = tune_knobs[k].size ? (v ? v * 4 : 64LL << 10) : v * 2;
            if (lo < tune_knobs[k].min)
                lo = tune_knobs[k].min;
            if (hi > tune_knobs[k].max)
                hi = tune_knobs[k].max;
            if (lo != v)
                cand[nc++] = lo;
            if (hi != v)
                cand[nc++] = hi;
            cand[nc++] = TUNE_UNSET;
        }
        for (int c = 0; c < nc; c++) {
            out[n] = *s;
            out[n].v[k] = cand[c];
            n++;
        }
    }
    return n;
}

static void tune_eval(struct tune_state *st, unsigned first, unsigned round)
{
    if (first >= st->n)
        return;
    if (st->cmd)
        tune_eval_program(st, first);
    else
        tune_eval_workload(st, first, round);
    tune_rank(st);
    tune_write_csv(st);
}

static void tune_search(struct tune_state *st)
{
    struct tune_setting def;
    tune_setting_default(&def);
    tune_add(st, &def, 0);
    tune_eval(st, 0, 0);
    if (!st->e[0].ok_runs)
        return;
    tune_coarse(st);
    tune_eval(st, 1, 1);
    for (unsigned round = 2; st->n < st->budget; round++) {
        unsigned first = st->n;
        /* the two best settings so far, by objective */
        unsigned order[2] = {0, 0}, no = 0;
        for (unsigned pick = 0; pick < 2; pick++) {
            unsigned best = UINT32_MAX;
            for (unsigned i = 0; i < first; i++) {
                if (!isfinite(st->e[i].score) || (pick == 1 && order[0] == i))
                    continue;
                if (best == UINT32_MAX || st->e[i].score < st->e[best].score)
                    best = i;
            }
            if (best != UINT32_MAX)
                order[no++] = best;
        }
        struct tune_setting nb[3 * TUNE_KNOBS];
        for (unsigned p = 0; p < no; p++) {
            unsigned cnt = tune_neighbours(&st->e[order[p]].s, nb);
            for (unsigned i = 0; i < cnt; i++)
                tune_add(st, &nb[i], round);
        }
        if (st->n == first)
            break; /* nothing new near the best cells */
        tune_eval(st, first, round);
    }
}

/* ---- command line ---- */

enum { TUNE_ID_OBJECTIVE = CLI_ID_COMMAND, TUNE_ID_BUDGET, TUNE_ID_VERBOSE, TUNE_ID_TIE_BAND };

static const struct cli_opt tune_opts[] = {
    {"objective", 0, "OBJ",
     "time|peak-rss|retained-rss|faults|balanced (default balanced: the\ngeometric mean of the "
     "four ratios to the default)",
     TUNE_ID_OBJECTIVE},
    {"budget", 0, "N", "settings to try, the default included (default 40, at least 2)",
     TUNE_ID_BUDGET},
    CLI_ROW_RUNS("runs per setting (default 3: time and its spread need them)"),
    {"tie-band", 0, "P",
     "scores within P % of the best are a tie, won by the setting best\nacross all four metrics; "
     "a setting must beat the default by more (default 5)",
     TUNE_ID_TIE_BAND},
    CLI_ROW_WORKLOAD("tune for a synthetic workload instead of a program"),
    CLI_ROW_TIMEOUT("kill a run after S seconds (default 60)"),
    CLI_ROW_OUT("results directory (default results/runs/<UTC>-<sha>)"),
    CLI_ROW_NO_OUT,
    {"verbose", 0, NULL, "let the program's stderr through", TUNE_ID_VERBOSE},
    CLI_ROW_QUIET,
    CLI_ROW_END,
};

static const struct cli_opt *const tune_tables[] = {tune_opts, NULL};

static const struct cli_usage tune_usage = {
    .name = "tune",
    .synopsis = "[options] -- CMD [ARGS...]\n[options] --workload SPEC",
    .about =
        "Searches glibc malloc settings (GLIBC_TUNABLES: mmap_threshold, trim_threshold, top_pad,\n"
        "arena_max) for a real program or a synthetic workload: the default first (the "
        "reference),\nthen a coarse grid, then one-knob steps around the two best settings, at "
        "most --budget\nsettings. For each: wall time, peak RSS (VmHWM), retained RSS and page "
        "faults (minor +\nmajor); the median over --runs runs. Prints the Pareto front and the "
        "recommended\nGLIBC_TUNABLES line for the objective, and writes DIR/tune.csv "
        "(pareto=0/1 per setting).\n\n"
        "Retained RSS of a program is the last line `retained_rss_kb=N` it prints on stdout, "
        "else\nits VmRSS at exit (read at the ptrace exit stop; polled every 1 ms if ptrace is "
        "refused).\nThe program's stdout is consumed; its stderr is discarded unless --verbose. "
        "Peak and\nretained RSS are those of the process started (not of programs it starts in "
        "turn).\nWith --workload, each setting is a glibc backend cell run by the normal runner "
        "(results\nof every round in DIR/roundN/); retained RSS is rss_end, peak RSS hwm_rss.\n",
    .tables = tune_tables,
    .examples = "faultline tune --objective retained-rss -- ./server --requests 1000\n"
                "faultline tune --objective time --budget 20 --runs 3 -- python3 script.py\n"
                "faultline tune --workload churn:size=1M,count=200 --objective faults",
    .exit_status = "0 done, 1 the program fails under the default settings, 2 bad input",
    .flags = CLI_STOP_AT_ARG,
};

/* One option into st: 0, or 2 after a message. */
static int tune_option(struct cli_parse *p, int c, struct tune_state *st, bool *no_out,
                       bool *runs_given)
{
    uint64_t v;
    char err[512];
    switch (c) {
    case TUNE_ID_OBJECTIVE: {
        int found = -1;
        for (int k = 0; k < TUNE_METRICS; k++)
            if (!strcmp(p->arg, tune_metrics[k].objective))
                found = k;
        if (!strcmp(p->arg, "balanced"))
            found = TUNE_BALANCED;
        if (found < 0)
            return cli_opt_error(
                p, "--objective %s: expected time|peak-rss|retained-rss|faults|balanced", p->arg);
        st->objective = found;
        return 0;
    }
    case TUNE_ID_TIE_BAND: {
        char *end;
        errno = 0;
        double pct = strtod(p->arg, &end);
        if (*end || errno || !(pct >= 0) || pct > 50)
            return cli_opt_error(p, "--tie-band %s: expected a percentage 0..50", p->arg);
        st->tie = 1 + pct / 100;
        return 0;
    }
    case TUNE_ID_BUDGET:
        if (cli_opt_u64(p, &v, 2, 10000) != 0)
            return 2;
        st->budget = (unsigned)v;
        return 0;
    case CLI_ID_RUNS:
        if (cli_opt_u64(p, &v, 1, 1000) != 0)
            return 2;
        st->runs = (unsigned)v;
        *runs_given = true;
        return 0;
    case CLI_ID_WORKLOAD: {
        static struct spec_list l; /* static: kept until exit, like argv */
        if (spec_add(&l, SPEC_WORKLOAD, p->arg, false, err, sizeof err) != 0)
            return cli_opt_error(p, "%s", err);
        if (l.n != 1)
            return cli_opt_error(p, "--workload: tune takes one workload (got %u)", l.n);
        st->workload = l.v[0];
        return 0;
    }
    case CLI_ID_TIMEOUT: {
        char *end;
        errno = 0;
        double t = strtod(p->arg, &end);
        if (*end || errno || !(t > 0) || t > 86400)
            return cli_opt_error(p, "--timeout %s: expected seconds, 0 < S <= 86400", p->arg);
        st->timeout_s = t;
        return 0;
    }
    case CLI_ID_OUT:
        if (!p->arg[0])
            return cli_opt_error(p, "--out: expected a directory");
        snprintf(st->out_dir, sizeof st->out_dir, "%s", p->arg);
        return 0;
    case CLI_ID_NO_OUT:
        *no_out = true;
        return 0;
    case TUNE_ID_VERBOSE:
        st->verbose = true;
        return 0;
    case CLI_ID_QUIET:
        st->quiet = true;
        return 0;
    }
    return 2;
}

int tune_main(int argc, char **argv)
{
    struct tune_state st;
    memset(&st, 0, sizeof st);
    st.objective = TUNE_BALANCED;
    st.budget = 40;
    st.timeout_s = 60;
    st.tie = 1.05;
    bool no_out = false, runs_given = false;
    struct cli_parse p;
    cli_opt_init(&p, &tune_usage, argc, argv);
    int c;
    while ((c = cli_opt_next(&p)) != CLI_OPT_END) {
        if (c == CLI_OPT_HELP)
            return 0;
        if (c == CLI_OPT_ERROR || tune_option(&p, c, &st, &no_out, &runs_given) != 0)
            return 2;
    }
    if (p.ind < argc)
        st.cmd = argv + p.ind;
    if (st.cmd && st.workload)
        return cli_usage_error("tune: give either --workload SPEC or -- CMD, not both");
    if (!st.cmd && !st.workload)
        return cli_usage_error("tune: nothing to tune: give -- CMD [ARGS] or --workload SPEC "
                               "(see faultline tune --help)");
    if (no_out && st.out_dir[0])
        return cli_usage_error("tune: --out and --no-out conflict");
    if (st.workload && FAULTLINE_SANITIZED)
        return cli_usage_error("tune --workload: this faultline is built with ASan, whose "
                               "allocator replaces glibc malloc in the runner, so no glibc setting "
                               "can apply; use a build without FAULTLINE_SANITIZE");
    if (!runs_given)
        st.runs = 3;
    if (!no_out && !st.out_dir[0])
        cli_default_out(st.out_dir, sizeof st.out_dir);
    if (!no_out && cli_prepare_out(st.out_dir, sizeof st.out_dir) != 0)
        return 2;
    st.po.runs = st.runs;
    st.po.seed = 1;
    st.po.quiet = true;
    st.po.ro.timeout_s = st.timeout_s;
    st.po.ro.no_perf = true; /* tuning needs rusage and procfs only */
    st.e = calloc(st.budget, sizeof *st.e);
    if (!st.e)
        abort();
    if (!st.quiet)
        fprintf(stderr, "faultline tune: up to %u settings x %u run%s of %s (objective %s)\n",
                st.budget, st.runs, st.runs == 1 ? "" : "s", st.cmd ? st.cmd[0] : st.workload,
                st.objective == TUNE_BALANCED ? "balanced" : tune_metrics[st.objective].objective);
    tune_search(&st);
    int rc = 0;
    if (!st.e[0].ok_runs) {
        fprintf(stderr,
                "faultline tune: the reference run with the default settings failed (%s); "
                "check the command with --verbose\n",
                st.e[0].outcome);
        rc = 1;
    } else {
        tune_report(&st);
    }
    if (st.out_dir[0])
        fprintf(stderr, "results: %s/tune.csv\n", cli_out_name(st.out_dir));
    free(st.e);
    return rc;
}
