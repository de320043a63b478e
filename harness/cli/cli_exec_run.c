/* `faultline exec`, one measured run: fork a child that waits on a pipe while the parent attaches
 * perf counters (enable_on_exec) and ptrace, let it exec CMD, wait with a timeout while relaying
 * signals and sampling VmHWM, then turn wait4's rusage, the counters and the OS-layer stats files
 * into one run_result. */
#define _GNU_SOURCE
#include "cli_exec_run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "callsites.h"
#include "cli_exec_backend.h"
#include "perf.h"
#include "procfs.h"
#include "runner.h"
#include "scratch.h"

static ssize_t cli_exec_run_read_full(int fd, void *buf, size_t len)
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

static double cli_exec_run_tv_ns(const struct timeval *a, const struct timeval *b)
{
    double ns = ((double)a->tv_sec - (double)b->tv_sec) * 1e9 +
                ((double)a->tv_usec - (double)b->tv_usec) * 1e3;
    return ns > 0 ? ns : 0;
}

/* Sum the os_calls of every FAULTLINE_STATS file (one per process of the tree). */
static bool cli_exec_run_read_stats(const char *dir, struct sample_values *m)
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

static void cli_exec_run_fill_perf(const struct perf_reading *rd, struct sample_values *m)
{
    static const struct {
        enum perf_fixed k;
        enum metric_id id;
    } map[] = {
        {PERF_MINFLT, METRIC_perf_minflt},      {PERF_MAJFLT, METRIC_perf_majflt},
        {PERF_SYS_BRK, METRIC_sys_brk},         {PERF_SYS_MMAP, METRIC_sys_mmap},
        {PERF_SYS_MUNMAP, METRIC_sys_munmap},   {PERF_SYS_MREMAP, METRIC_sys_mremap},
        {PERF_SYS_MADVISE, METRIC_sys_madvise}, {PERF_SYS_MPROTECT, METRIC_sys_mprotect},
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

static int cli_exec_run_open_out(const struct cli_exec_opts *o, const char *tag, const char *ext)
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
static bool cli_exec_run_trace(const struct cli_exec_opts *o, pid_t pid, struct results *r,
                               bool python)
{
    if (o->no_ptrace) {
        results_warn(r, "peak RSS is polled every 1-10 ms on the top process (--no-ptrace): a "
                        "late peak or a child's peak may be missed");
        return false;
    }
    long opts = PTRACE_O_TRACEEXIT | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                PTRACE_O_EXITKILL;
    /* --callsites: seccomp stops for Python frames (pyframes.h); threads must be traced too,
     * since an untraced thread's filtered syscall would fail with ENOSYS */
    if (python)
        opts |= PTRACE_O_TRACESECCOMP | PTRACE_O_TRACECLONE;
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
struct cli_exec_run_msg {
    int fd; /* non-blocking read end */
    unsigned char buf[sizeof(struct rusage) + sizeof(int)];
    size_t len;
    bool eof;
};

static void cli_exec_run_msg_pump(struct cli_exec_run_msg *m)
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
static void cli_exec_run_wait(pid_t pid, uint64_t deadline, struct callsites_run *csr,
                              struct cli_exec_run_msg *msg, int *status, struct rusage *ru,
                              bool *timed_out, uint64_t *t_exit, uint64_t *hwm)
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
                cli_exec_run_msg_pump(msg);
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
            } else if (event == PTRACE_EVENT_SECCOMP && csr) {
                pyframes_stop(&csr->py, w); /* a sampled syscall's entry: its Python frames */
            } else if (event == PTRACE_EVENT_EXEC && csr) {
                pyframes_exec(&csr->py, w);
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
        cli_exec_run_msg_pump(msg);
        if (csr)
            callsites_run_drain(csr); /* the rings hold ~1000 samples: keep them from filling */
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

/* Counters (and with --callsites the sampling) on the suspended child, enabled at its exec.
 * Returns whether call sites are being sampled; a refusal is one warning, never an error. */
static bool cli_exec_run_counters(const struct cli_exec_opts *o, pid_t pid, struct results *r,
                                  struct perf_session *ps, struct callsites_run *csr)
{
    char err[256];
    perf_session_open(ps, pid, o->events, o->no_perf, true, err, sizeof err);
    for (unsigned i = 0; i < ps->warning_count && i < 4; i++)
        results_warn(r, ps->warnings[i]);
    if (r->nhw == 0)
        for (unsigned i = 0; i < ps->hw_count && i < PERF_MAX_HW; i++)
            snprintf(r->hw_events[r->nhw++], PERF_NAME_MAX, "%s", ps->hw[i].name);
    if (!csr)
        return false;
    if (callsites_run_open(csr, pid, o->callsite_period) == 0)
        return true;
    results_warn(r, csr->cc.reason);
    return false;
}

/* Base name of the allocator library the backend preloads ("" for glibc). */
static const char *cli_exec_run_preload(const struct cli_exec_backend *b)
{
    for (unsigned i = 0; i < b->nenv; i++)
        if (!strncmp(b->env[i], "LD_PRELOAD=", 11)) {
            const char *slash = strrchr(b->env[i], '/');
            return slash ? slash + 1 : b->env[i] + 11;
        }
    return "";
}

/* The child: its own process group, stdio redirected; waits for the parent's go, reports its
 * rusage so far on the status pipe, then execs CMD (or reports execve's errno). */
static _Noreturn void cli_exec_run_child(const struct cli_exec_opts *o, char **envp, int in, int fo,
                                         int fe, int go_rd, int st_wr, const sigset_t *oldmask)
{
    sigprocmask(SIG_SETMASK, oldmask, NULL); /* a signal mask survives exec */
    setpgid(0, 0); /* its own group: a timeout kills everything it started */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(in, STDIN_FILENO);
    dup2(fo, STDOUT_FILENO);
    dup2(fe, STDERR_FILENO);
    char c;
    if (cli_exec_run_read_full(go_rd, &c, 1) != 1)
        _exit(126); /* the parent gave up before starting us */
    /* refused (no CAP_SYS_ADMIN): no stops come, and the run has no Python frames */
    if (c == 'p')
        (void)pyframes_filter();
    /* Faults and CPU time so far belong to this faultline copy, not to CMD: the parent
     * subtracts them from the wait4 totals (rusage counters survive exec). */
    struct rusage pre;
    getrusage(RUSAGE_SELF, &pre);
    if (write(st_wr, &pre, sizeof pre) != (ssize_t)sizeof pre)
        _exit(126);
    execvpe(o->cmd[0], o->cmd, envp);
    int e = errno;
    if (write(st_wr, &e, sizeof e) != (ssize_t)sizeof e)
        _exit(127);
    _exit(127);
}

/* Leftovers of CMD's group (daemons, background jobs) are killed; their exits report to us as
 * their tracer first: collect them so they can be reaped. */
static void cli_exec_run_reap(pid_t pid)
{
    kill(-pid, SIGKILL);
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
}

/* What a finished run measured, before it becomes metrics. */
struct cli_exec_run_end {
    int status;
    bool timed_out;
    uint64_t t0, t1, hwm;
    struct rusage ru, pre;
};

static void cli_exec_run_metrics(const struct cli_exec_run_end *e, const struct perf_reading *rd,
                                 struct run_result *out)
{
    runner_outcome_status(e->status, e->timed_out, true, out);
    struct sample_values *m = &out->m;
    sample_set(m, METRIC_wall_ns, (double)(e->t1 - e->t0));
    sample_set(m, METRIC_user_ns, cli_exec_run_tv_ns(&e->ru.ru_utime, &e->pre.ru_utime));
    sample_set(m, METRIC_sys_ns, cli_exec_run_tv_ns(&e->ru.ru_stime, &e->pre.ru_stime));
    sample_set(m, METRIC_minflt, (double)(e->ru.ru_minflt - e->pre.ru_minflt));
    sample_set(m, METRIC_majflt, (double)(e->ru.ru_majflt - e->pre.ru_majflt));
    if (e->hwm)
        sample_set(m, METRIC_hwm_rss, (double)e->hwm);
    cli_exec_run_fill_perf(rd, m);
}

/* The parent's side of one run of the forked child pid: attach the tracer and counters, open
 * the gate (*go_w, closed here), wait, read what the child said on st_r. Returns true with
 * out's metrics set, false with out's outcome saying why not. */
static bool cli_exec_run_parent(const struct cli_exec_opts *o, const struct cli_exec_backend *b,
                                pid_t pid, int *go_w, int st_r, struct run_result *out,
                                struct results *r, struct callsites_table *cs)
{
    bool traced = cli_exec_run_trace(o, pid, r, cs != NULL);
    struct perf_session ps;
    struct callsites_run csr;
    bool cs_on = cli_exec_run_counters(o, pid, r, &ps, cs ? &csr : NULL);

    uint64_t t0 = runner_now_ns();
    /* 'p': install the Python-frames filter (only with a tracer to take its stops) */
    if (write(*go_w, traced && cs_on ? "p" : "g", 1) != 1) {
        /* the child is gone already; wait4 below tells how */
    }
    close(*go_w);
    *go_w = -1;

    struct cli_exec_run_end e;
    memset(&e, 0, sizeof e);
    e.t0 = t0;
    struct cli_exec_run_msg msg = {.fd = st_r};
    fcntl(st_r, F_SETFL, O_NONBLOCK);
    cli_exec_run_wait(pid, t0 + (uint64_t)(o->timeout_s * 1e9), cs_on ? &csr : NULL, &msg,
                      &e.status, &e.ru, &e.timed_out, &e.t1, &e.hwm);
    cli_exec_run_reap(pid);
    if (cs) {
        callsites_run_finish(&csr, cs, cli_exec_run_preload(b));
        char w[300];
        if (cs->python_unread) {
            snprintf(w, sizeof w, "callsites: Python frames not read: %s", pystack_unavailable());
            results_warn(r, w);
        } else if (cs->py_native && !cs->py_stops) {
            /* the child's filter failed silently (it cannot report before exec) */
            snprintf(w, sizeof w,
                     "callsites: Python frames not read: no syscall stopped for them (the seccomp "
                     "filter needs CAP_SYS_ADMIN); %llu Python syscalls keep native stacks only",
                     (unsigned long long)cs->py_native);
            results_warn(r, w);
        }
    }
    cli_exec_run_msg_pump(&msg); /* every writer is gone now: all of it is in the pipe */
    bool pre_ok = msg.len >= sizeof e.pre;
    if (pre_ok)
        memcpy(&e.pre, msg.buf, sizeof e.pre);
    int exec_errno = 0;
    bool exec_failed = msg.len == sizeof msg.buf;
    if (exec_failed)
        memcpy(&exec_errno, msg.buf + sizeof e.pre, sizeof exec_errno);
    struct perf_reading rd;
    perf_session_read(&ps, &rd);
    perf_session_close(&ps);

    if (exec_failed) {
        snprintf(out->outcome, sizeof out->outcome, "error: cannot execute %.40s: %s", o->cmd[0],
                 strerror(exec_errno));
        return false;
    }
    if (!pre_ok) {
        snprintf(out->outcome, sizeof out->outcome, "error: the child died before exec");
        return false;
    }
    cli_exec_run_metrics(&e, &rd, out);
    return true;
}

void cli_exec_run_one(const struct cli_exec_opts *o, const struct cli_exec_backend *b,
                      const char *tag, struct run_result *out, struct results *r,
                      struct callsites_table *cs)
{
    memset(out, 0, sizeof *out);
    if (b->skip[0]) {
        snprintf(out->outcome, sizeof out->outcome, "%.95s", b->skip);
        return;
    }
    char statsdir[96] = "";
    char statsenv[160] = "";
    bool have_stats =
        b->kind == CLI_EXEC_OURS && scratch_make(statsdir, sizeof statsdir, "exec") == 0;
    if (have_stats)
        snprintf(statsenv, sizeof statsenv, "FAULTLINE_STATS=%s/stats-%%p.json", statsdir);
    char **envp = cli_exec_backend_envp(o, b, have_stats ? statsenv : NULL);
    int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int fo = cli_exec_run_open_out(o, tag, "stdout");
    int fe = cli_exec_run_open_out(o, tag, "stderr");
    int go[2] = {-1, -1}, st[2] = {-1, -1};
    bool masked = false;
    sigset_t restore;
    sigprocmask(SIG_BLOCK, NULL, &restore);
    if (in < 0 || fo < 0 || fe < 0 || pipe2(go, O_CLOEXEC) != 0 || pipe2(st, O_CLOEXEC) != 0) {
        snprintf(out->outcome, sizeof out->outcome, "error: cannot set up the child: %s",
                 strerror(errno));
        goto done;
    }
    /* SIGCHLD stays pending until cli_exec_run_wait takes it: no wake-up can be lost */
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
    if (pid == 0)
        cli_exec_run_child(o, envp, in, fo, fe, go[0], st[1], &oldmask);
    setpgid(pid, pid);
    close(go[0]);
    close(st[1]);
    go[0] = st[1] = -1;

    if (cli_exec_run_parent(o, b, pid, &go[1], st[0], out, r, cs) && have_stats)
        cli_exec_run_read_stats(statsdir, &out->m);
done:
    if (masked)
        sigprocmask(SIG_SETMASK, &restore, NULL);
    if (have_stats)
        scratch_remove(statsdir);
    int fds[] = {in, fo, fe, go[0], go[1], st[0], st[1]};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(envp);
}
