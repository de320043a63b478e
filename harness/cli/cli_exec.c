/* `faultline exec`: runs a real program once per backend x repetition in a child that waits on a
 * pipe while the parent attaches perf counters (enable_on_exec), then records wall time, rusage,
 * peak RSS and counters into the results schema of `faultline run`; optionally hyperfine timings.
 */
#define _GNU_SOURCE
#include "cli_exec.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "atomic_file.h"
#include "cli.h"
#include "json.h"
#include "peers.h"
#include "perf.h"
#include "procfs.h"
#include "results.h"
#include "runner.h"

extern char **environ;

#define CLI_EXEC_MAX_ENV 32
#define CLI_EXEC_ENV_ADD 8

enum cli_exec_kind { CLI_EXEC_GLIBC, CLI_EXEC_OURS, CLI_EXEC_PEER };

struct cli_exec_backend {
    char spec[RESULTS_SPEC_MAX];
    const struct backend_ops *ops;
    enum cli_exec_kind kind;
    char skip[160];                   /* non-empty: every run of it is this outcome */
    char env[CLI_EXEC_ENV_ADD][1024]; /* KEY=VAL the backend adds to the child */
    unsigned nenv;
    unsigned cell;
    bool hf_valid; /* hyperfine numbers, seconds */
    double hf_mean, hf_stddev, hf_median, hf_min, hf_max;
    bool hf_stddev_valid;
};

struct cli_exec_opts {
    unsigned runs, warmup;
    double timeout_s;
    const char *env[CLI_EXEC_MAX_ENV];
    unsigned nenv;
    const char *events;
    bool events_given;
    bool no_perf;
    bool quiet;
    bool hyperfine;
    bool no_ptrace;
    char **cmd;
    char files_dir[4352]; /* "<out>/out" or "" (outputs to /dev/null) */
};

static const char cli_exec_help[] =
    "usage: faultline exec --backend LIST|SPEC... [options] -- CMD [ARGS...]\n"
    "\n"
    "Runs CMD once per backend x repetition in a fresh child started suspended: the parent\n"
    "attaches perf counters that start at exec (faults, brk/mmap/munmap/mremap/madvise\n"
    "tracepoints, cycles/instructions when a PMU is usable), then lets it run. Records wall\n"
    "time, user/sys time and faults of the child tree (wait4), peak RSS (largest VmHWM of its\n"
    "processes, read at each one's exit through ptrace) and, for the faultline backends,\n"
    "their own OS-call counts; same files as `faultline run`.\n"
    "The child gets LD_PRELOAD of libfaultline-<name>.so (params in FAULTLINE_PARAMS) or of the\n"
    "peer library; glibc parameters become GLIBC_TUNABLES glibc.malloc.*. Inherited LD_PRELOAD,\n"
    "GLIBC_TUNABLES, MALLOC_* and FAULTLINE_* variables are removed (use --env to set them).\n"
    "stdin is /dev/null; stdout/stderr go to <out>/out/<cell>-r<rep>.stdout|.stderr.\n"
    "\n"
    "  -b, --backend X       bare names, comma separated (brk,mmap,glibc), or one SPEC with\n"
    "                        parameters (hybrid:threshold=64K,trim=1M); repeatable\n"
    "  -r, --runs N          measured repetitions per backend (default 3)\n"
    "      --warmup N        unmeasured runs per backend first (default 0)\n"
    "      --env KEY=VAL     extra environment variable for CMD (repeatable)\n"
    "      --timeout S       kill the process group after S seconds (default 600)\n"
    "      --events LIST     hardware events (default cycles,instructions when a PMU works)\n"
    "      --no-perf         open no perf counters\n"
    "      --no-ptrace       do not trace CMD (for programs that ptrace themselves); peak RSS\n"
    "                        is then polled on the top process only\n"
    "      --out DIR         results directory (default results/runs/<UTC>-<sha>)\n"
    "      --no-out          write no results directory (outputs go to /dev/null)\n"
    "      --format FMT      console|json|csv|md on stdout (default console)\n"
    "      --timer hyperfine also time every backend with hyperfine -N (merged as \"hyperfine\")\n"
    "      --quiet           no progress on stderr\n"
    "\n"
    "examples:\n"
    "  faultline exec -b glibc,hybrid,jemalloc --runs 5 -- sort big.txt\n"
    "  faultline exec -b glibc:mmap_threshold=64K -b 'hybrid:threshold=64K' -- python3 x.py\n"
    "  faultline exec -b brk,mmap,hybrid,glibc --timer hyperfine -- gzip -k -f data.bin\n"
    "\n"
    "exit status: 0 all runs ok, 1 some runs failed (non-zero exit, crash, timeout), 2 bad input\n";

/* ---- backends and the child's environment ------------------------------------------------ */

static void cli_exec_add_env(struct cli_exec_backend *b, const char *key, const char *val)
{
    int n = -1;
    if (b->nenv < CLI_EXEC_ENV_ADD)
        n = snprintf(b->env[b->nenv], sizeof b->env[0], "%s=%s", key, val);
    if (n < 0 || (size_t)n >= sizeof b->env[0])
        snprintf(b->skip, sizeof b->skip, "error: %s is too long for the environment", key);
    else
        b->nenv++;
}

/* Validate one spec and work out how the child gets that allocator. 0, or -1 with err. */
static int cli_exec_backend_prepare(const char *spec, struct cli_exec_backend *b, char *err,
                                    size_t errlen)
{
    memset(b, 0, sizeof *b);
    struct param_values pv;
    if (backend_parse_spec(spec, &b->ops, &pv, err, errlen) != 0)
        return -1;
    snprintf(b->spec, sizeof b->spec, "%s", spec);
    if (b->ops->preload) {
        b->kind = CLI_EXEC_PEER;
        char path[4096];
        if (peers_resolve(b->ops->preload, path, sizeof path) != 0)
            snprintf(b->skip, sizeof b->skip, "skipped: %s not installed (apt-get install %s)",
                     b->ops->preload, peers_package(b->ops->preload));
        else
            cli_exec_add_env(b, "LD_PRELOAD", path);
        return 0;
    }
    if (!strcmp(b->ops->name, "glibc")) {
        /* glibc reads its malloc parameters from GLIBC_TUNABLES at start-up, before main:
         * the same knobs mallopt sets in the in-process glibc backend. */
        b->kind = CLI_EXEC_GLIBC;
        char tun[1024] = "";
        size_t used = 0;
        for (unsigned i = 0; i < pv.count; i++) {
            if (!pv.v[i].set)
                continue;
            int n = snprintf(tun + used, sizeof tun - used, "%sglibc.malloc.%s=%lld",
                             used ? ":" : "", pv.v[i].def->name, (long long)pv.v[i].num);
            if (n > 0 && (size_t)n < sizeof tun - used)
                used += (size_t)n;
        }
        if (used)
            cli_exec_add_env(b, "GLIBC_TUNABLES", tun);
        return 0;
    }
    b->kind = CLI_EXEC_OURS;
    char lib[64], path[4096];
    snprintf(lib, sizeof lib, "libfaultline-%s.so", b->ops->name);
    if (runner_sibling_path(lib, path, sizeof path) != 0)
        snprintf(b->skip, sizeof b->skip, "error: %s not found next to faultline (build it)", lib);
    else
        cli_exec_add_env(b, "LD_PRELOAD", path);
    char params[1024];
    param_format_set(&pv, params, sizeof params);
    if (params[0])
        cli_exec_add_env(b, "FAULTLINE_PARAMS", params);
    return 0;
}

/* Variables that change which malloc runs or how: each backend sets its own. */
static bool cli_exec_env_dropped(const char *kv)
{
    return !strncmp(kv, "LD_PRELOAD=", 11) || !strncmp(kv, "GLIBC_TUNABLES=", 15) ||
           !strncmp(kv, "MALLOC_", 7) || !strncmp(kv, "FAULTLINE_PARAMS=", 17) ||
           !strncmp(kv, "FAULTLINE_STATS=", 16);
}

static bool cli_exec_same_key(const char *a, const char *b)
{
    size_t ka = strcspn(a, "="), kb = strcspn(b, "=");
    return ka == kb && !strncmp(a, b, ka);
}

/* environ minus the dropped variables, plus the backend's, plus --env (later ones win). The
 * strings are borrowed; only the array is allocated. */
static char **cli_exec_envp(const struct cli_exec_opts *o, const struct cli_exec_backend *b,
                            const char *stats)
{
    size_t n = 0;
    for (char **e = environ; *e; e++)
        n++;
    char **envp = calloc(n + CLI_EXEC_ENV_ADD + CLI_EXEC_MAX_ENV + 2, sizeof *envp);
    if (!envp)
        abort();
    const char *add[CLI_EXEC_ENV_ADD + CLI_EXEC_MAX_ENV + 1];
    size_t na = 0;
    for (unsigned i = 0; i < b->nenv; i++)
        add[na++] = b->env[i];
    if (stats)
        add[na++] = stats;
    for (unsigned i = 0; i < o->nenv; i++)
        add[na++] = o->env[i];
    size_t k = 0;
    for (char **e = environ; *e; e++) {
        bool skip = cli_exec_env_dropped(*e);
        for (size_t i = 0; i < na && !skip; i++)
            skip = cli_exec_same_key(*e, add[i]);
        if (!skip)
            envp[k++] = *e;
    }
    for (size_t i = 0; i < na; i++) {
        bool later = false;
        for (size_t j = i + 1; j < na; j++)
            later |= cli_exec_same_key(add[i], add[j]);
        if (!later)
            envp[k++] = (char *)add[i];
    }
    envp[k] = NULL;
    return envp;
}

/* ---- one run ------------------------------------------------------------------------------- */

static ssize_t cli_exec_read_full(int fd, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, (char *)buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

static double cli_exec_tv_ns(const struct timeval *a, const struct timeval *b)
{
    double ns = ((double)a->tv_sec - (double)b->tv_sec) * 1e9 +
                ((double)a->tv_usec - (double)b->tv_usec) * 1e3;
    return ns > 0 ? ns : 0;
}

/* Sum the os_calls of every FAULTLINE_STATS file (one per process of the tree). */
static bool cli_exec_read_stats(const char *dir, struct sample_values *m)
{
    static const char *const names[5] = {"brk", "mmap", "munmap", "mremap", "madvise"};
    static const enum metric_id ids[5] = {METRIC_os_brk, METRIC_os_mmap, METRIC_os_munmap,
                                          METRIC_os_mremap, METRIC_os_madvise};
    double sum[5] = {0};
    bool any = false;
    DIR *d = opendir(dir);
    if (!d)
        return false;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (strncmp(de->d_name, "stats-", 6) != 0 || len < 5 ||
            strcmp(de->d_name + len - 5, ".json") != 0)
            continue;
        char path[4400], text[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (procfs_read_text(path, text, sizeof text) != 0)
            continue;
        char *calls = strstr(text, "\"os_calls\":{");
        if (!calls)
            continue;
        char *end = strchr(calls, '}');
        if (!end)
            continue;
        *end = '\0';
        for (int i = 0; i < 5; i++) {
            char key[32];
            snprintf(key, sizeof key, "\"%s\":", names[i]);
            char *at = strstr(calls, key);
            if (at)
                sum[i] += strtod(at + strlen(key), NULL);
        }
        any = true;
    }
    closedir(d);
    if (any)
        for (int i = 0; i < 5; i++)
            sample_set(m, ids[i], sum[i]);
    return any;
}

static void cli_exec_fill_perf(const struct perf_reading *rd, struct sample_values *m)
{
    static const struct {
        enum perf_fixed k;
        enum metric_id id;
    } map[] = {
        {PERF_MINFLT, METRIC_perf_minflt},      {PERF_MAJFLT, METRIC_perf_majflt},
        {PERF_SYS_BRK, METRIC_sys_brk},         {PERF_SYS_MMAP, METRIC_sys_mmap},
        {PERF_SYS_MUNMAP, METRIC_sys_munmap},   {PERF_SYS_MREMAP, METRIC_sys_mremap},
        {PERF_SYS_MADVISE, METRIC_sys_madvise},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (rd->fixed[map[i].k].available)
            sample_set(m, map[i].id, (double)rd->fixed[map[i].k].value);
    for (unsigned i = 0; i < rd->hw_count && i < PERF_MAX_HW; i++) {
        if (!rd->hw[i].v.available)
            continue;
        if (!strcmp(rd->hw[i].name, "cycles"))
            sample_set(m, METRIC_cycles, (double)rd->hw[i].v.value);
        else if (!strcmp(rd->hw[i].name, "instructions"))
            sample_set(m, METRIC_instructions, (double)rd->hw[i].v.value);
    }
}

static void cli_exec_outcome(int status, bool timed_out, struct run_result *out)
{
    out->ok = false;
    if (timed_out) {
        snprintf(out->outcome, sizeof out->outcome, "timeout");
    } else if (WIFSIGNALED(status)) {
        const char *abbrev = sigabbrev_np(WTERMSIG(status));
        snprintf(out->outcome, sizeof out->outcome, "crashed: SIG%s", abbrev ? abbrev : "?");
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        out->ok = true;
        snprintf(out->outcome, sizeof out->outcome, "ok");
    } else {
        snprintf(out->outcome, sizeof out->outcome, "exited: %d", WEXITSTATUS(status));
    }
}

static int cli_exec_open_out(const struct cli_exec_opts *o, const char *tag, const char *ext)
{
    if (!o->files_dir[0])
        return open("/dev/null", O_WRONLY | O_CLOEXEC);
    char path[4500];
    snprintf(path, sizeof path, "%s/%s.%s", o->files_dir, tag, ext);
    return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

/* Peak RSS is the largest VmHWM of CMD's processes, each read at its ptrace exit stop, before
 * its mm is torn down. The parent traces the child and, through fork/vfork events, its
 * descendants, with exit/exec/fork events only (PTRACE_SEIZE: no stop at attach; signals are
 * relayed unchanged). ru_maxrss cannot serve: it carries the pre-exec faultline copy's
 * high-water mark across exec, and that copy keeps faulting pages in until execve. Without
 * ptrace (--no-ptrace, or denied) VmHWM of the top process is polled and a late peak may be
 * missed. */
static bool cli_exec_trace(const struct cli_exec_opts *o, pid_t pid, struct results *r)
{
    if (o->no_ptrace) {
        results_warn(r, "peak RSS is polled every 1-10 ms on the top process (--no-ptrace): a "
                        "late peak or a child's peak may be missed");
        return false;
    }
    long opts = PTRACE_O_TRACEEXIT | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                PTRACE_O_EXITKILL;
    if (ptrace(PTRACE_SEIZE, pid, NULL, (void *)opts) == 0)
        return true;
    char w[200];
    snprintf(w, sizeof w,
             "peak RSS is polled every 1-10 ms on the top process (ptrace unavailable: %s): a "
             "late peak or a child's peak may be missed",
             strerror(errno));
    results_warn(r, w);
    return false;
}

/* What the child reports on its status pipe: its rusage just before execve, then errno only
 * if execve failed. The pipe's end of file (close-on-exec) marks the moment CMD's own mm exists. */
struct cli_exec_msg {
    int fd; /* non-blocking read end */
    unsigned char buf[sizeof(struct rusage) + sizeof(int)];
    size_t len;
    bool eof;
};

static void cli_exec_msg_pump(struct cli_exec_msg *m)
{
    while (!m->eof) {
        ssize_t n = m->len < sizeof m->buf ? read(m->fd, m->buf + m->len, sizeof m->buf - m->len)
                                           : read(m->fd, (unsigned char[1]){0}, 1);
        if (n > 0 && m->len < sizeof m->buf)
            m->len += (size_t)n;
        else if (n == 0)
            m->eof = true;
        else if (!(n < 0 && errno == EINTR))
            break; /* EAGAIN: nothing more yet */
    }
}

/* Wait for the child, relaying the signals a tracee stops for; SIGCHLD (blocked by the caller
 * before fork) wakes us at once, so the exit time is exact. VmHWM is sampled meanwhile, but only
 * once the exec happened: before it, /proc shows the faultline copy's memory. */
static void cli_exec_wait(pid_t pid, uint64_t deadline, struct cli_exec_msg *msg, int *status,
                          struct rusage *ru, bool *timed_out, uint64_t *t_exit, uint64_t *hwm)
{
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    uint64_t start = runner_now_ns();
    for (;;) {
        int st;
        struct rusage r;
        pid_t w;
        /* -1: traced descendants report to us too (their own parents reap them after us) */
        while ((w = wait4(-1, &st, WNOHANG | __WALL, &r)) > 0) {
            if (WIFEXITED(st) || WIFSIGNALED(st)) {
                if (w != pid)
                    continue;
                if (!*t_exit)
                    *t_exit = runner_now_ns();
                *status = st;
                *ru = r;
                return;
            }
            if (!WIFSTOPPED(st))
                continue;
            int event = st >> 16, sig = 0;
            if (event == PTRACE_EVENT_EXIT) {
                if (w == pid)
                    *t_exit = runner_now_ns(); /* CMD is done; the rest is teardown */
                cli_exec_msg_pump(msg);
                uint64_t h = msg->eof ? procfs_vm_hwm(w) : 0;
                if (h > *hwm)
                    *hwm = h;
            } else if (event == PTRACE_EVENT_STOP) {
                int s = WSTOPSIG(st);
                if (s == SIGSTOP || s == SIGTSTP || s == SIGTTIN || s == SIGTTOU) {
                    /* group-stop: stay stopped as an untraced process would */
                    ptrace(PTRACE_LISTEN, w, NULL, NULL);
                    continue;
                }
                /* otherwise the first stop of an auto-attached new child: let it run */
            } else if (event == 0) {
                sig = WSTOPSIG(st); /* signal-delivery-stop: deliver it unchanged */
            }
            ptrace(PTRACE_CONT, w, NULL, (void *)(long)sig);
        }
        if (w < 0 && errno == ECHILD) {
            /* cannot happen while the child is unreaped; never spin if it does */
            *t_exit = *t_exit ? *t_exit : runner_now_ns();
            return;
        }
        cli_exec_msg_pump(msg);
        uint64_t h = msg->eof ? procfs_vm_hwm(pid) : 0;
        if (h > *hwm)
            *hwm = h;
        uint64_t now = runner_now_ns();
        if (now > deadline && !*timed_out) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            *timed_out = true;
        }
        /* 1 ms while short programs may still peak, then 10 ms: a sample costs ~20 us */
        long ms = now - start < 200000000u ? 1 : 10;
        struct timespec ts = {0, ms * 1000000L};
        sigtimedwait(&chld, NULL, &ts);
    }
}

static void cli_exec_run_one(const struct cli_exec_opts *o, const struct cli_exec_backend *b,
                             const char *tag, struct run_result *out, struct results *r)
{
    memset(out, 0, sizeof *out);
    if (b->skip[0]) {
        snprintf(out->outcome, sizeof out->outcome, "%.95s", b->skip);
        return;
    }
    char statsdir[] = "/tmp/faultline-exec-XXXXXX";
    char statsenv[128] = "";
    bool have_stats = b->kind == CLI_EXEC_OURS && mkdtemp(statsdir) != NULL;
    if (have_stats)
        snprintf(statsenv, sizeof statsenv, "FAULTLINE_STATS=%s/stats-%%p.json", statsdir);
    char **envp = cli_exec_envp(o, b, have_stats ? statsenv : NULL);
    int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int fo = cli_exec_open_out(o, tag, "stdout");
    int fe = cli_exec_open_out(o, tag, "stderr");
    int go[2] = {-1, -1}, st[2] = {-1, -1};
    bool masked = false;
    sigset_t restore;
    sigprocmask(SIG_BLOCK, NULL, &restore);
    if (in < 0 || fo < 0 || fe < 0 || pipe2(go, O_CLOEXEC) != 0 || pipe2(st, O_CLOEXEC) != 0) {
        snprintf(out->outcome, sizeof out->outcome, "error: cannot set up the child: %s",
                 strerror(errno));
        goto done;
    }
    /* SIGCHLD stays pending until cli_exec_wait takes it: no wake-up can be lost */
    sigset_t chld, oldmask;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &oldmask);
    masked = true;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(out->outcome, sizeof out->outcome, "error: fork: %s", strerror(errno));
        goto done;
    }
    if (pid == 0) {
        sigprocmask(SIG_SETMASK, &oldmask, NULL); /* a signal mask survives exec */
        setpgid(0, 0); /* its own group: a timeout kills everything it started */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(in, STDIN_FILENO);
        dup2(fo, STDOUT_FILENO);
        dup2(fe, STDERR_FILENO);
        char c;
        if (cli_exec_read_full(go[0], &c, 1) != 1)
            _exit(126); /* the parent gave up before starting us */
        /* Faults and CPU time so far belong to this faultline copy, not to CMD: the parent
         * subtracts them from the wait4 totals (rusage counters survive exec). */
        struct rusage pre;
        getrusage(RUSAGE_SELF, &pre);
        if (write(st[1], &pre, sizeof pre) != (ssize_t)sizeof pre)
            _exit(126);
        execvpe(o->cmd[0], o->cmd, envp);
        int e = errno;
        if (write(st[1], &e, sizeof e) != (ssize_t)sizeof e)
            _exit(127);
        _exit(127);
    }
    setpgid(pid, pid);
    close(go[0]);
    close(st[1]);
    go[0] = st[1] = -1;

    cli_exec_trace(o, pid, r);
    struct perf_session ps;
    char err[256];
    perf_session_open(&ps, pid, o->events, o->no_perf, true, err, sizeof err);
    for (unsigned i = 0; i < ps.warning_count && i < 4; i++)
        results_warn(r, ps.warnings[i]);
    if (r->nhw == 0)
        for (unsigned i = 0; i < ps.hw_count && i < PERF_MAX_HW; i++)
            snprintf(r->hw_events[r->nhw++], PERF_NAME_MAX, "%s", ps.hw[i].name);

    uint64_t t0 = runner_now_ns();
    if (write(go[1], "g", 1) != 1) {
        /* the child is gone already; wait4 below tells how */
    }
    close(go[1]);
    go[1] = -1;

    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    bool timed_out = false;
    uint64_t t1 = 0, hwm = 0;
    struct cli_exec_msg msg = {.fd = st[0]};
    fcntl(st[0], F_SETFL, O_NONBLOCK);
    cli_exec_wait(pid, t0 + (uint64_t)(o->timeout_s * 1e9), &msg, &status, &ru, &timed_out, &t1,
                  &hwm);
    kill(-pid, SIGKILL); /* leftovers of the group (daemons, background jobs) */
    /* their exits report to us as their tracer first: collect them so they can be reaped */
    for (int i = 0; i < 50; i++) {
        int ignored;
        pid_t w = wait4(-1, &ignored, WNOHANG | __WALL, NULL);
        if (w < 0)
            break;
        if (w == 0) {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
    }
    cli_exec_msg_pump(&msg); /* every writer is gone now: all of it is in the pipe */
    struct rusage pre;
    memset(&pre, 0, sizeof pre);
    bool pre_ok = msg.len >= sizeof pre;
    if (pre_ok)
        memcpy(&pre, msg.buf, sizeof pre);
    int exec_errno = 0;
    bool exec_failed = msg.len == sizeof msg.buf;
    if (exec_failed)
        memcpy(&exec_errno, msg.buf + sizeof pre, sizeof exec_errno);
    struct perf_reading rd;
    perf_session_read(&ps, &rd);
    perf_session_close(&ps);

    if (exec_failed) {
        snprintf(out->outcome, sizeof out->outcome, "error: cannot execute %.40s: %s", o->cmd[0],
                 strerror(exec_errno));
        goto done;
    }
    if (!pre_ok) {
        snprintf(out->outcome, sizeof out->outcome, "error: the child died before exec");
        goto done;
    }
    cli_exec_outcome(status, timed_out, out);
    struct sample_values *m = &out->m;
    sample_set(m, METRIC_wall_ns, (double)(t1 - t0));
    sample_set(m, METRIC_user_ns, cli_exec_tv_ns(&ru.ru_utime, &pre.ru_utime));
    sample_set(m, METRIC_sys_ns, cli_exec_tv_ns(&ru.ru_stime, &pre.ru_stime));
    sample_set(m, METRIC_minflt, (double)(ru.ru_minflt - pre.ru_minflt));
    sample_set(m, METRIC_majflt, (double)(ru.ru_majflt - pre.ru_majflt));
    if (hwm)
        sample_set(m, METRIC_hwm_rss, (double)hwm);
    cli_exec_fill_perf(&rd, m);
    if (have_stats)
        cli_exec_read_stats(statsdir, m);
done:
    if (masked)
        sigprocmask(SIG_SETMASK, &restore, NULL);
    if (have_stats)
        runner_rmtree(statsdir);
    int fds[] = {in, fo, fe, go[0], go[1], st[0], st[1]};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(envp);
}

/* ---- hyperfine ------------------------------------------------------------------------------ */

static void cli_exec_shell_quote(struct strbuf *sb, const char *s)
{
    bool plain = s[0] != '\0';
    for (const char *p = s; *p && plain; p++)
        plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./=:,+-@%",
                       *p) != NULL;
    if (plain) {
        strbuf_puts(sb, s);
        return;
    }
    strbuf_puts(sb, "'");
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            strbuf_puts(sb, "'\\''");
        else
            strbuf_add(sb, p, 1);
    }
    strbuf_puts(sb, "'");
}

/* `env K=V... CMD ARGS` for one backend (plain CMD for an untuned glibc). */
static void cli_exec_hf_command(const struct cli_exec_opts *o, const struct cli_exec_backend *b,
                                struct strbuf *sb)
{
    if (b->nenv || o->nenv) {
        strbuf_puts(sb, "env ");
        for (unsigned i = 0; i < b->nenv; i++) {
            cli_exec_shell_quote(sb, b->env[i]);
            strbuf_puts(sb, " ");
        }
        for (unsigned i = 0; i < o->nenv; i++) {
            cli_exec_shell_quote(sb, o->env[i]);
            strbuf_puts(sb, " ");
        }
    }
    for (char **a = o->cmd; *a; a++) {
        if (a != o->cmd)
            strbuf_puts(sb, " ");
        cli_exec_shell_quote(sb, *a);
    }
}

/* The number after "key": within [from, to), or false (also for null). */
static bool cli_exec_json_num(const char *from, const char *to, const char *key, double *out)
{
    char pat[40];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *at = strstr(from, pat);
    if (!at || at >= to)
        return false;
    at += strlen(pat);
    while (*at == ' ' || *at == '\n' || *at == '\t' || *at == '\r')
        at++;
    char *end;
    double v = strtod(at, &end);
    if (end == at)
        return false;
    *out = v;
    return true;
}

/* Run hyperfine over every runnable backend; fill hf_* from its JSON export. 0 or -1. */
static int cli_exec_hyperfine(const struct cli_exec_opts *o, struct cli_exec_backend *bs,
                              unsigned nb, const char *json_path, struct results *r)
{
    char runs[16], warm[16];
    snprintf(runs, sizeof runs, "%u", o->runs < 2 ? 2 : o->runs);
    snprintf(warm, sizeof warm, "%u", o->warmup);
    struct strbuf cmds[CLI_MAX_SPECS];
    const char *argv[16 + 4 * CLI_MAX_SPECS];
    int argc = 0;
    argv[argc++] = "hyperfine";
    argv[argc++] = "-N";
    argv[argc++] = "-i"; /* a failing backend is an outcome here, not a reason to stop */
    argv[argc++] = "--warmup";
    argv[argc++] = warm;
    argv[argc++] = "--runs";
    argv[argc++] = runs;
    argv[argc++] = "--style";
    argv[argc++] = o->quiet ? "none" : "basic";
    argv[argc++] = "--export-json";
    argv[argc++] = json_path;
    unsigned ncmd = 0;
    for (unsigned i = 0; i < nb; i++) {
        strbuf_init(&cmds[i]);
        if (bs[i].skip[0])
            continue;
        cli_exec_hf_command(o, &bs[i], &cmds[i]);
        argv[argc++] = "--command-name";
        argv[argc++] = bs[i].spec;
        argv[argc++] = cmds[i].data;
        ncmd++;
    }
    argv[argc] = NULL;
    int rc = -1;
    if (ncmd == 0) {
        rc = 0;
        goto out;
    }
    struct cli_exec_backend none;
    memset(&none, 0, sizeof none);
    struct cli_exec_opts plain = *o;
    plain.nenv = 0;
    char **envp = cli_exec_envp(&plain, &none, NULL);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(STDERR_FILENO, STDOUT_FILENO); /* our stdout carries the report only */
        execvpe("hyperfine", (char *const *)argv, envp);
        fprintf(stderr, "faultline: cannot run hyperfine: %s (apt-get install hyperfine)\n",
                strerror(errno));
        _exit(127);
    }
    free(envp);
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        results_warn(r, "--timer hyperfine: hyperfine failed or is not installed (apt-get "
                        "install hyperfine); no hyperfine timings");
        goto out;
    }
    FILE *f = fopen(json_path, "r");
    if (!f) {
        results_warn(r, "--timer hyperfine: no JSON export from hyperfine");
        goto out;
    }
    struct strbuf js;
    strbuf_init(&js);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        strbuf_add(&js, buf, n);
    fclose(f);
    /* results come in command order; each entry starts with its "command" key */
    const char *at = js.data ? strstr(js.data, "\"results\"") : NULL;
    for (unsigned i = 0; i < nb && at; i++) {
        if (bs[i].skip[0])
            continue;
        const char *start = strstr(at, "\"command\":");
        if (!start)
            break;
        const char *next = strstr(start + 10, "\"command\":");
        const char *end = next ? next : start + strlen(start);
        struct cli_exec_backend *b = &bs[i];
        b->hf_valid = cli_exec_json_num(start, end, "mean", &b->hf_mean) &&
                      cli_exec_json_num(start, end, "median", &b->hf_median) &&
                      cli_exec_json_num(start, end, "min", &b->hf_min) &&
                      cli_exec_json_num(start, end, "max", &b->hf_max);
        b->hf_stddev_valid = cli_exec_json_num(start, end, "stddev", &b->hf_stddev);
        at = end;
    }
    strbuf_free(&js);
    rc = 0;
out:
    for (unsigned i = 0; i < nb; i++)
        strbuf_free(&cmds[i]);
    return rc;
}

/* "hyperfine": {...} object for run.json. */
static void cli_exec_hf_json(const struct cli_exec_opts *o, const struct cli_exec_backend *bs,
                             unsigned nb, struct strbuf *sb)
{
    strbuf_puts(sb, "{");
    json_key(sb, "options", true);
    strbuf_printf(sb, "\"-N -i --warmup %u --runs %u\"", o->warmup, o->runs < 2 ? 2 : o->runs);
    json_key(sb, "results", false);
    strbuf_puts(sb, "[");
    bool first = true;
    for (unsigned i = 0; i < nb; i++) {
        const struct cli_exec_backend *b = &bs[i];
        if (!b->hf_valid)
            continue;
        strbuf_puts(sb, first ? "{" : ",{");
        first = false;
        json_key(sb, "backend", true);
        json_string(sb, b->spec);
        json_key(sb, "mean_ns", false);
        json_number(sb, b->hf_mean * 1e9);
        json_key(sb, "stddev_ns", false);
        json_number_or_null(sb, b->hf_stddev * 1e9, b->hf_stddev_valid);
        json_key(sb, "median_ns", false);
        json_number(sb, b->hf_median * 1e9);
        json_key(sb, "min_ns", false);
        json_number(sb, b->hf_min * 1e9);
        json_key(sb, "max_ns", false);
        json_number(sb, b->hf_max * 1e9);
        strbuf_puts(sb, "}");
    }
    strbuf_puts(sb, "]}");
}

/* Insert ,"hyperfine":obj before the closing brace of a JSON document. */
static void cli_exec_json_inject(struct strbuf *doc, const struct strbuf *obj)
{
    if (!doc->data)
        return;
    size_t end = doc->len;
    while (end > 0 && doc->data[end - 1] != '}')
        end--;
    if (end == 0)
        return;
    struct strbuf out;
    strbuf_init(&out);
    strbuf_add(&out, doc->data, end - 1);
    while (out.len > 0 && (out.data[out.len - 1] == '\n' || out.data[out.len - 1] == ' '))
        out.len--;
    strbuf_puts(&out, ",\n  \"hyperfine\": ");
    strbuf_add(&out, obj->data, obj->len);
    strbuf_puts(&out, "\n}\n");
    strbuf_free(doc);
    *doc = out;
}

/* ---- reporting ------------------------------------------------------------------------------ */

static void cli_exec_median_text(const struct results *r, unsigned cell, enum metric_id m,
                                 char *buf, size_t len)
{
    struct stats_summary s;
    if (!results_cell_summary(r, cell, m, &s))
        snprintf(buf, len, "-");
    else
        report_human(s.median, sample_metrics[m].unit, buf, len);
}

/* Per backend medians of what exec measures (the run table's ns_per_op has no meaning here). */
static void cli_exec_table(const struct results *r, const struct cli_exec_backend *bs, unsigned nb,
                           bool md, bool hf, struct strbuf *sb)
{
    static const enum metric_id cols[] = {METRIC_wall_ns,    METRIC_user_ns, METRIC_sys_ns,
                                          METRIC_minflt,     METRIC_sys_brk, METRIC_sys_mmap,
                                          METRIC_sys_munmap, METRIC_hwm_rss};
    const size_t ncols = sizeof cols / sizeof cols[0];
    const char *sep = md ? " | " : "  ";
    strbuf_puts(sb, md ? "\n**exec** (medians)\n\n| " : "\nexec (medians):\n");
    strbuf_printf(sb, md ? "%s" : "%-34s", "backend");
    for (size_t k = 0; k < ncols; k++)
        strbuf_printf(sb, md ? "%s%s" : "%s%10s", sep, sample_metrics[cols[k]].name);
    if (hf)
        strbuf_printf(sb, md ? "%s%s" : "%s%22s", sep, "hyperfine mean+-sd");
    strbuf_puts(sb, md ? " |\n|---|" : "\n");
    if (md) {
        for (size_t k = 0; k < ncols + (hf ? 1 : 0); k++)
            strbuf_puts(sb, "---:|");
        strbuf_puts(sb, "\n");
    }
    for (unsigned i = 0; i < nb; i++) {
        strbuf_printf(sb, md ? "| %s" : "%-34s", bs[i].spec);
        for (size_t k = 0; k < ncols; k++) {
            char v[64];
            cli_exec_median_text(r, bs[i].cell, cols[k], v, sizeof v);
            strbuf_printf(sb, md ? "%s%s" : "%s%10s", sep, v);
        }
        if (hf) {
            char v[96] = "-";
            if (bs[i].hf_valid) {
                char mean[32], sd[32] = "-";
                report_human(bs[i].hf_mean * 1e9, "ns", mean, sizeof mean);
                if (bs[i].hf_stddev_valid)
                    report_human(bs[i].hf_stddev * 1e9, "ns", sd, sizeof sd);
                snprintf(v, sizeof v, "%s +- %s", mean, sd);
            }
            strbuf_printf(sb, md ? "%s%s" : "%s%22s", sep, v);
        }
        strbuf_puts(sb, md ? " |\n" : "\n");
    }
}

/* ---- command line --------------------------------------------------------------------------- */

enum {
    CLI_EXEC_OPT_WARMUP = 2000,
    CLI_EXEC_OPT_ENV,
    CLI_EXEC_OPT_TIMEOUT,
    CLI_EXEC_OPT_FORMAT,
    CLI_EXEC_OPT_TIMER,
    CLI_EXEC_OPT_EVENTS,
    CLI_EXEC_OPT_NO_PERF,
    CLI_EXEC_OPT_NO_OUT,
    CLI_EXEC_OPT_QUIET,
    CLI_EXEC_OPT_NO_PTRACE,
};

static const struct option cli_exec_longopts[] = {
    {"backend", required_argument, 0, 'b'},
    {"runs", required_argument, 0, 'r'},
    {"warmup", required_argument, 0, CLI_EXEC_OPT_WARMUP},
    {"env", required_argument, 0, CLI_EXEC_OPT_ENV},
    {"timeout", required_argument, 0, CLI_EXEC_OPT_TIMEOUT},
    {"out", required_argument, 0, 'o'},
    {"no-out", no_argument, 0, CLI_EXEC_OPT_NO_OUT},
    {"format", required_argument, 0, CLI_EXEC_OPT_FORMAT},
    {"timer", required_argument, 0, CLI_EXEC_OPT_TIMER},
    {"events", required_argument, 0, CLI_EXEC_OPT_EVENTS},
    {"no-perf", no_argument, 0, CLI_EXEC_OPT_NO_PERF},
    {"quiet", no_argument, 0, CLI_EXEC_OPT_QUIET},
    {"no-ptrace", no_argument, 0, CLI_EXEC_OPT_NO_PTRACE},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0},
};

/* Split one --backend value: a spec with ':' is one backend, otherwise a comma list. */
static int cli_exec_add_backends(const char *arg, struct cli_exec_backend *bs, unsigned *nb)
{
    char copy[RESULTS_SPEC_MAX];
    if (snprintf(copy, sizeof copy, "%s", arg) >= (int)sizeof copy) {
        cli_usage_error("--backend %.40s...: too long", arg);
        return -1;
    }
    char *items[CLI_MAX_SPECS];
    unsigned n = 0;
    if (strchr(copy, ':')) {
        items[n++] = copy;
    } else {
        char *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            if (n == CLI_MAX_SPECS)
                break;
            items[n++] = t;
        }
        if (n == 0) {
            cli_usage_error("--backend '%s': expected backend names, e.g. glibc,hybrid", arg);
            return -1;
        }
    }
    for (unsigned i = 0; i < n; i++) {
        char err[512];
        if (*nb == CLI_MAX_SPECS) {
            cli_usage_error("too many backends (at most %d)", CLI_MAX_SPECS);
            return -1;
        }
        if (cli_exec_backend_prepare(items[i], &bs[*nb], err, sizeof err) != 0) {
            cli_usage_error("--backend %s", err);
            return -1;
        }
        (*nb)++;
    }
    return 0;
}

/* CMD must be runnable: a bad name is an input error (exit 2), not one failed run each. */
static bool cli_exec_findable(const char *cmd)
{
    if (strchr(cmd, '/'))
        return access(cmd, X_OK) == 0;
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    char buf[4096];
    while (*path) {
        size_t n = strcspn(path, ":");
        snprintf(buf, sizeof buf, "%.*s/%s", (int)n, n ? path : ".", cmd);
        struct stat st;
        if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
            return true;
        path += n;
        if (*path == ':')
            path++;
    }
    return false;
}

static void cli_exec_progress(const struct cli_exec_opts *o, unsigned i, unsigned n,
                              const char *spec, const char *what)
{
    if (o->quiet)
        return;
    bool tty = isatty(STDERR_FILENO);
    fprintf(stderr, "%s[%u/%u] %s %s%s", tty ? "\r\033[K" : "", i + 1, n, spec, what,
            tty ? "" : "\n");
    fflush(stderr);
}

int cli_exec_main(int argc, char **argv)
{
    static struct cli_exec_backend bs[CLI_MAX_SPECS];
    unsigned nb = 0;
    struct cli_exec_opts o;
    memset(&o, 0, sizeof o);
    o.runs = 3;
    o.timeout_s = 600;
    char out_dir[4096] = "";
    bool out_none = false;
    const char *format = "console";
    const char *env = getenv("FAULTLINE_NO_PERF");
    if (env && !strcmp(env, "1"))
        o.no_perf = true;
    optind = 1;
    int c;
    /* '+': stop at CMD, so its own options are never taken for ours */
    while ((c = getopt_long(argc, argv, "+b:r:o:h", cli_exec_longopts, NULL)) != -1) {
        uint64_t v;
        switch (c) {
        case 'b':
            if (cli_exec_add_backends(optarg, bs, &nb) != 0)
                return 2;
            break;
        case 'r':
            if (cli_parse_count("--runs", optarg, 1, 100000, &v) != 0)
                return 2;
            o.runs = (unsigned)v;
            break;
        case CLI_EXEC_OPT_WARMUP:
            if (cli_parse_count("--warmup", optarg, 0, 1000, &v) != 0)
                return 2;
            o.warmup = (unsigned)v;
            break;
        case CLI_EXEC_OPT_ENV:
            if (!strchr(optarg, '=') || optarg[0] == '=')
                return cli_usage_error("--env %s: expected KEY=VALUE", optarg);
            if (o.nenv == CLI_EXEC_MAX_ENV)
                return cli_usage_error("too many --env options (at most %d)", CLI_EXEC_MAX_ENV);
            o.env[o.nenv++] = optarg;
            break;
        case CLI_EXEC_OPT_TIMEOUT: {
            char *end;
            errno = 0;
            double t = strtod(optarg, &end);
            if (*end || errno || !(t > 0) || t > 86400)
                return cli_usage_error("--timeout %s: expected seconds, 0 < S <= 86400", optarg);
            o.timeout_s = t;
            break;
        }
        case 'o':
            if (!optarg[0])
                return cli_usage_error("--out: expected a directory");
            snprintf(out_dir, sizeof out_dir, "%s", optarg);
            break;
        case CLI_EXEC_OPT_NO_OUT:
            out_none = true;
            break;
        case CLI_EXEC_OPT_FORMAT:
            if (!report_find(optarg))
                return cli_usage_error("--format %s: expected console|json|csv|md", optarg);
            format = optarg;
            break;
        case CLI_EXEC_OPT_TIMER:
            if (strcmp(optarg, "hyperfine") != 0)
                return cli_usage_error("--timer %s: expected hyperfine", optarg);
            o.hyperfine = true;
            break;
        case CLI_EXEC_OPT_EVENTS: {
            char err[512];
            if (perf_events_validate(optarg, err, sizeof err) != 0)
                return cli_usage_error("--events %s", err);
            o.events = optarg;
            o.events_given = true;
            break;
        }
        case CLI_EXEC_OPT_NO_PERF:
            o.no_perf = true;
            break;
        case CLI_EXEC_OPT_QUIET:
            o.quiet = true;
            break;
        case CLI_EXEC_OPT_NO_PTRACE:
            o.no_ptrace = true;
            break;
        case 'h':
            fputs(cli_exec_help, stdout);
            return 0;
        default:
            return cli_usage_error("exec: unknown option (see faultline exec --help)");
        }
    }
    if (nb == 0)
        return cli_usage_error("exec: --backend is required (e.g. --backend glibc,hybrid; see "
                               "faultline list backends)");
    if (optind >= argc)
        return cli_usage_error("exec: no command given (usage: faultline exec --backend glibc "
                               "-- CMD ARGS...)");
    o.cmd = argv + optind;
    if (!cli_exec_findable(o.cmd[0]))
        return cli_usage_error("exec: %s: command not found or not executable", o.cmd[0]);
    if (o.no_perf && o.events_given)
        return cli_usage_error("--events and --no-perf conflict: hardware events need perf");
    if (cli_resolve_out(out_dir, sizeof out_dir, out_none) != 0)
        return 2;
    if (!out_none) {
        snprintf(o.files_dir, sizeof o.files_dir, "%s/out", out_dir);
        if (atomic_file_mkdirs(o.files_dir) != 0)
            return cli_usage_error("--out %s: cannot create %s (%s)", out_dir, o.files_dir,
                                   strerror(errno));
    }

    struct results r;
    results_init(&r, out_none ? "" : out_dir, argc, argv);
    if (!o.events_given && !o.no_perf) {
        if (perf_pmu_usable())
            o.events = "cycles,instructions";
        else
            results_warn(&r, "cycles/instructions: no usable PMU here (a VM without a vPMU?); "
                             "they stay null");
    }
    /* the command line, as the workload column shows it */
    char cmdline[RESULTS_SPEC_MAX] = "";
    size_t used = 0;
    for (char **a = o.cmd; *a && used + 1 < sizeof cmdline; a++) {
        int n = snprintf(cmdline + used, sizeof cmdline - used, "%s%s", a == o.cmd ? "" : " ", *a);
        if (n < 0)
            break;
        used += (size_t)n;
        if (used >= sizeof cmdline)
            used = sizeof cmdline - 1;
    }
    for (unsigned i = 0; i < nb; i++) {
        bs[i].cell = results_add_cell(&r, bs[i].spec, "exec");
        struct cell *cl = &r.cells[bs[i].cell];
        snprintf(cl->workload, sizeof cl->workload, "exec");
        snprintf(cl->workload_spec, sizeof cl->workload_spec, "%s", cmdline);
        snprintf(cl->workload_params, sizeof cl->workload_params, "%s", cmdline);
    }

    unsigned total = nb * (o.runs + o.warmup), done = 0, failed = 0;
    results_write(&r);
    for (unsigned w = 0; w < o.warmup; w++) {
        for (unsigned i = 0; i < nb; i++) {
            cli_exec_progress(&o, done++, total, bs[i].spec, "warmup");
            char tag[48];
            snprintf(tag, sizeof tag, "%s-w%u", r.cells[bs[i].cell].id, w);
            struct run_result res;
            cli_exec_run_one(&o, &bs[i], tag, &res, &r);
        }
    }
    for (unsigned rep = 0; rep < o.runs; rep++) {
        for (unsigned i = 0; i < nb; i++) {
            char what[32], tag[48];
            snprintf(what, sizeof what, "run %u/%u", rep + 1, o.runs);
            cli_exec_progress(&o, done++, total, bs[i].spec, what);
            snprintf(tag, sizeof tag, "%s-r%u", r.cells[bs[i].cell].id, rep);
            struct run_result res;
            cli_exec_run_one(&o, &bs[i], tag, &res, &r);
            res.cell = bs[i].cell;
            res.rep = rep;
            if (!res.ok) {
                failed += strncmp(res.outcome, "skipped", 7) != 0;
                if (!o.quiet)
                    fprintf(stderr, "%s%s run %u: %s\n", isatty(STDERR_FILENO) ? "\r\033[K" : "",
                            bs[i].spec, rep + 1, res.outcome);
            }
            results_add_run(&r, &res, NULL);
            results_write(&r);
        }
    }
    if (!o.quiet && isatty(STDERR_FILENO))
        fprintf(stderr, "\r\033[K");

    struct strbuf hf;
    strbuf_init(&hf);
    if (o.hyperfine) {
        char json_path[4400];
        char tmpdir[] = "/tmp/faultline-hf-XXXXXX";
        bool tmp = out_none;
        if (tmp && !mkdtemp(tmpdir))
            tmp = false;
        if (out_none && !tmp)
            results_warn(&r, "--timer hyperfine: cannot create a temporary directory");
        else {
            snprintf(json_path, sizeof json_path, "%s/hyperfine.json", tmp ? tmpdir : out_dir);
            cli_exec_hyperfine(&o, bs, nb, json_path, &r);
            cli_exec_hf_json(&o, bs, nb, &hf);
        }
        if (tmp)
            runner_rmtree(tmpdir);
    }
    results_write(&r);
    if (hf.len && r.dir[0]) {
        struct strbuf doc;
        strbuf_init(&doc);
        report_json.render(&r, &doc);
        cli_exec_json_inject(&doc, &hf);
        char path[4352];
        snprintf(path, sizeof path, "%s/run.json", r.dir);
        if (atomic_file_write(path, doc.data, doc.len) != 0)
            fprintf(stderr, "faultline: cannot write %s: %s\n", path, strerror(errno));
        strbuf_free(&doc);
    }

    const struct reporter *rep = report_find(format);
    struct strbuf sb;
    strbuf_init(&sb);
    rep->render(&r, &sb);
    bool md = !strcmp(format, "md");
    if (!strcmp(format, "json") && hf.len)
        cli_exec_json_inject(&sb, &hf);
    else if (md || !strcmp(format, "console"))
        cli_exec_table(&r, bs, nb, md, o.hyperfine, &sb);
    fwrite(sb.data ? sb.data : "", 1, sb.len, stdout);
    fflush(stdout);
    strbuf_free(&sb);
    strbuf_free(&hf);
    if (r.dir[0])
        fprintf(stderr, "results: %s\n", r.dir);
    results_free(&r);
    return failed ? 1 : 0;
}
