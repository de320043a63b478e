/* One measured run in a fresh child process (see runner.h). */
#define _GNU_SOURCE
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "peers.h"
#include "runlimits.h"
#include "scratch.h"

int runner_exe_dir(char *buf, size_t len)
{
    if (len < 2)
        return -1;
    ssize_t n = readlink("/proc/self/exe", buf, len - 1);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    return 0;
}

int runner_sibling_path(const char *name, char *buf, size_t len)
{
    char self[4096];
    if (runner_exe_dir(self, sizeof self) != 0)
        return -1;
    if (snprintf(buf, len, "%s/%s", self, name) >= (int)len)
        return -1;
    return access(buf, X_OK) == 0 ? 0 : -1;
}

uint64_t runner_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Close the record and pidfd and remove the scratch directory (the job's files, not its result). */
static void runner_cleanup(struct runner_job *job)
{
    if (job->memfd >= 0)
        close(job->memfd);
    if (job->pidfd >= 0)
        close(job->pidfd);
    job->memfd = job->pidfd = -1;
    if (job->tmpdir[0] && job->keep_tmpdir) /* a worker's own directory: empty it */
        scratch_clear(job->tmpdir);
    else if (job->tmpdir[0])
        scratch_remove(job->tmpdir);
    job->tmpdir[0] = '\0';
    free(job->envp);
    job->envp = NULL;
}

/* Deterministic synthetic numbers for golden-file tests of reporters and statistics. */
static void runner_fake(const struct cell *c, unsigned rep, struct run_result *out)
{
    unsigned k = (unsigned)(c->id[1] - '0') * 100 + (unsigned)(c->id[2] - '0') * 10 +
                 (unsigned)(c->id[3] - '0');
    double base = 1000.0 * k;
    for (int m = 0; m < METRIC_COUNT; m++)
        sample_set(&out->m, (enum metric_id)m, base + m * 10 + rep);
    /* a counter the fake machine "cannot" measure: exercises null handling */
    out->m.valid[METRIC_cycles] = false;
    out->m.valid[METRIC_instructions] = false;
    for (int m = 0; m < METRIC_COUNT; m++) /* no --cgroup, no leaf: cgroup numbers are null */
        if (!c->run_params[0] && !strcmp(sample_metrics[m].source, "cgroup"))
            out->m.valid[m] = false;
    out->ok = true;
    snprintf(out->outcome, sizeof out->outcome, "ok");
    out->timer_cost_ns = 25;
    snprintf(out->timer_clock, sizeof out->timer_clock, "fake");
}

void runner_outcome_status(int status, bool timed_out, bool done, struct run_result *out)
{
    out->ok = false;
    if (timed_out) {
        snprintf(out->outcome, sizeof out->outcome, "timeout");
    } else if (WIFSIGNALED(status)) {
        const char *abbrev = sigabbrev_np(WTERMSIG(status));
        snprintf(out->outcome, sizeof out->outcome, "crashed: SIG%s", abbrev ? abbrev : "?");
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && done) {
        out->ok = true;
        snprintf(out->outcome, sizeof out->outcome, "ok");
    } else {
        snprintf(out->outcome, sizeof out->outcome, "exited: %d", WEXITSTATUS(status));
    }
}

static void runner_outcome(int status, bool timed_out, const struct run_record *rec,
                           struct run_result *out)
{
    runner_outcome_status(status, timed_out, rec && rec->phase == PHASE_DONE, out);
    /* faultline-runner's own exit codes (child.h: 3, 2) say the record names what went wrong */
    int code = !timed_out && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code == 3 && rec) {
        const char *name = strerrorname_np(rec->status);
        snprintf(out->outcome, sizeof out->outcome, "failed: %s", name ? name : "?");
    } else if (code == 2 && rec && rec->error[0]) {
        snprintf(out->outcome, sizeof out->outcome, "error: %.80s", rec->error);
    }
}

/* Prepare the child's argv and scratch state; false with job->res.outcome set on a setup error
 * or a skip (no child is started then). */
static bool runner_prepare(const struct runner_options *o, const struct cell *c, uint64_t seed,
                           struct runner_job *job, char *preload, size_t preload_len)
{
    struct run_result *out = &job->res;
    const struct backend_ops *ops = backend_find(c->backend);
    if (ops && ops->preload && peers_resolve(ops->preload, preload, preload_len) != 0) {
        snprintf(out->outcome, sizeof out->outcome,
                 "skipped: %s not installed (apt-get install %s)", ops->preload,
                 peers_package(ops->preload));
        return false;
    }
    if (runner_sibling_path("faultline-runner", job->exe, sizeof job->exe) != 0) {
        snprintf(out->outcome, sizeof out->outcome,
                 "error: faultline-runner not found next to faultline");
        return false;
    }
    job->memfd = memfd_create("faultline-record", MFD_CLOEXEC);
    if (job->memfd < 0 || ftruncate(job->memfd, sizeof(struct run_record)) != 0) {
        snprintf(out->outcome, sizeof out->outcome, "error: memfd: %s", strerror(errno));
        return false;
    }
    if (job->keep_tmpdir) {
        /* the caller's per-worker scratch directory, reused run after run */
    } else if (scratch_make(job->tmpdir, sizeof job->tmpdir, "run") != 0) {
        snprintf(out->outcome, sizeof out->outcome, "error: mkdtemp: %s", strerror(errno));
        job->tmpdir[0] = '\0';
        return false;
    }
    snprintf(job->fdbuf, sizeof job->fdbuf, "%d", job->memfd);
    snprintf(job->seedbuf, sizeof job->seedbuf, "%llu", (unsigned long long)seed);
    snprintf(job->latbuf, sizeof job->latbuf, "%llu", (unsigned long long)o->lat_sample_every);
    snprintf(job->tlbuf, sizeof job->tlbuf, "%llu", (unsigned long long)o->timeline_every);
    const char **argv = job->argv;
    int argc = 0;
    argv[argc++] = job->exe;
    argv[argc++] = "--backend";
    argv[argc++] = c->backend_spec;
    argv[argc++] = "--workload";
    argv[argc++] = c->workload_spec;
    argv[argc++] = "--seed";
    argv[argc++] = job->seedbuf;
    argv[argc++] = "--record-fd";
    argv[argc++] = job->fdbuf;
    argv[argc++] = "--tmpdir";
    argv[argc++] = job->tmpdir;
    argv[argc++] = "--lat-sample";
    argv[argc++] = job->latbuf;
    argv[argc++] = "--timeline-every";
    argv[argc++] = job->tlbuf;
    if (o->events && o->events[0]) {
        argv[argc++] = "--events";
        argv[argc++] = o->events;
    }
    char settlebuf[32];
    if (o->settle_ms) {
        snprintf(settlebuf, sizeof settlebuf, "%u", o->settle_ms);
        argv[argc++] = "--settle-ms";
        argv[argc++] = settlebuf;
        if (o->settle_full)
            argv[argc++] = "--settle-full";
    }
    if (o->no_perf)
        argv[argc++] = "--no-perf";
    if (o->no_measure)
        argv[argc++] = "--no-measure";
    if (o->mem_limit && runlimits_data_in_runner()) {
        snprintf(job->membuf, sizeof job->membuf, "%llu", (unsigned long long)o->mem_limit);
        argv[argc++] = "--data-limit";
        argv[argc++] = job->membuf;
    }
    argv[argc] = NULL;
    return true;
}

/* The environment of the child: ours, with LD_PRELOAD and the --env variable replaced. Built
 * in the parent, because the child shares our memory until it execs (see runner_spawn). */
static void runner_build_env(const struct runner_options *o, const char *preload,
                             struct runner_job *job)
{
    extern char **environ;
    size_t n = 0;
    while (environ[n])
        n++;
    job->envp = calloc(n + 3, sizeof *job->envp);
    if (!job->envp)
        abort();
    size_t extra_key = 0, k = 0;
    if (o->extra_env && strchr(o->extra_env, '='))
        extra_key = (size_t)(strchr(o->extra_env, '=') - o->extra_env) + 1;
    for (size_t i = 0; i < n; i++) {
        if (preload[0] && !strncmp(environ[i], "LD_PRELOAD=", 11))
            continue;
        if (extra_key && !strncmp(environ[i], o->extra_env, extra_key))
            continue;
        job->envp[k++] = environ[i];
    }
    if (preload[0]) {
        snprintf(job->preload_env, sizeof job->preload_env, "LD_PRELOAD=%s", preload);
        job->envp[k++] = job->preload_env;
    }
    if (extra_key)
        job->envp[k++] = (char *)o->extra_env;
    job->envp[k] = NULL;
}

/* The child between clone and exec: its own process group, name, ASLR, stdout, then exec.
 * Only system calls here: it runs on our memory with its own small stack. */
static int runner_child(void *arg)
{
    struct runner_job *job = arg;
    setpgid(0, 0); /* its own group: a timeout kills workload helpers (shm peer) too */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    prctl(PR_SET_NAME, job->comm);
    if (job->no_aslr)
        personality(ADDR_NO_RANDOMIZE);
    /* bounded child: brk and private mappings beyond the limit fail with ENOMEM, so a
     * hostile trace (malloc(8 GiB), touched) ends as `failed: ENOMEM`, not host swap */
    runlimits_data_before_exec(job->mem_limit); /* under ASan: the runner's --data-limit */
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (devnull >= 0)
        dup3(devnull, STDOUT_FILENO, 0);
    /* the record fd is the only descriptor the runner inherits on purpose */
    fcntl(job->memfd, F_SETFD, 0);
    if (job->forked) {
        /* a private copy of our memory (run-level axes): the hook may use setenv */
        extern char **environ;
        environ = job->envp;
        if (runlimits_in_child(&job->rl) != 0)
            _exit(126); /* "exited: 126": could not join the leaf cgroup or set THP */
        execv(job->exe, (char *const *)job->argv);
    } else {
        execve(job->exe, (char *const *)job->argv, job->envp);
    }
    _exit(127);
}

/* clone(CLONE_VM | CLONE_VFORK) instead of fork: no copy of our page tables, whose size grows
 * with the results held in memory, so starting a run costs the same at run 1 and run 10000.
 * A cell with run-level axes (runlimits.h) forks: its child hook needs its own memory. */
static pid_t runner_spawn(struct runner_job *job)
{
    if (job->forked) {
        pid_t pid = fork();
        if (pid == 0)
            runner_child(job);
        return pid;
    }
    enum { STACK = 64 * 1024 };
    char *stack = malloc(STACK);
    if (!stack)
        return -1;
    pid_t pid = clone(runner_child, stack + STACK, CLONE_VM | CLONE_VFORK | SIGCHLD, job);
    free(stack);
    return pid;
}

void runner_start(const struct runner_options *o, const struct cell *c, unsigned rep, uint64_t seed,
                  const char *scratch, struct runner_job *job)
{
    memset(job, 0, sizeof *job);
    job->memfd = job->pidfd = -1;
    if (scratch) {
        snprintf(job->tmpdir, sizeof job->tmpdir, "%s", scratch);
        job->keep_tmpdir = true;
    }
    job->res.rep = rep;
    job->res.seed = seed;
    if (o->fake) {
        runner_fake(c, rep, &job->res);
        return;
    }
    char preload[4096] = "";
    if (!runner_prepare(o, c, seed, job, preload, sizeof preload)) {
        runner_cleanup(job);
        return;
    }
    char rlerr[300];
    if (runlimits_prepare(c, &job->rl, rlerr, sizeof rlerr) != 0) {
        snprintf(job->res.outcome, sizeof job->res.outcome, "error: %.80s", rlerr);
        runner_cleanup(job);
        return;
    }
    job->rl_ready = true;
    job->forked = c->run_params[0] != '\0';
    runner_build_env(o, preload, job);
    snprintf(job->comm, sizeof job->comm, "%.7s/%.7s", c->backend, c->workload);
    job->no_aslr = o->no_aslr;
    job->mem_limit = o->mem_limit;
    fflush(NULL);
    job->deadline_ns = runner_now_ns() + (uint64_t)(o->timeout_s * 1e9);
    pid_t pid = runner_spawn(job);
    if (pid < 0) {
        snprintf(job->res.outcome, sizeof job->res.outcome, "error: clone: %s", strerror(errno));
        runlimits_finish(&job->rl, 0, &job->res);
        runner_cleanup(job);
        return;
    }
    job->pid = pid;
    job->running = true;
    /* a pidfd becomes readable when the child exits: poll() on it replaces a sleep loop */
    job->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Reap the child if it exited (or kill it past its deadline). True once it is reaped. */
static bool runner_reap(struct runner_job *job, uint64_t now)
{
    pid_t w = waitpid(job->pid, &job->status, WNOHANG);
    if (w == 0 && now > job->deadline_ns) {
        kill(-job->pid, SIGKILL);
        kill(job->pid, SIGKILL);
        job->timed_out = true;
        while ((w = waitpid(job->pid, &job->status, 0)) < 0 && errno == EINTR)
            ;
    }
    if (w == 0 || (w < 0 && errno == EINTR))
        return false;
    job->running = false;
    return true;
}

int runner_wait_any(struct runner_job *const *jobs, unsigned n)
{
    for (;;) {
        uint64_t now = runner_now_ns(), next = UINT64_MAX;
        struct pollfd pfd[RUNNER_MAX_JOBS];
        unsigned np = 0;
        bool fallback = false;
        for (unsigned i = 0; i < n; i++) {
            if (!jobs[i])
                continue;
            if (!jobs[i]->running || runner_reap(jobs[i], now))
                return (int)i;
            if (jobs[i]->deadline_ns < next)
                next = jobs[i]->deadline_ns;
            if (jobs[i]->pidfd >= 0 && np < RUNNER_MAX_JOBS)
                pfd[np++] = (struct pollfd){.fd = jobs[i]->pidfd, .events = POLLIN};
            else
                fallback = true;
        }
        if (next == UINT64_MAX)
            return -1;
        /* sleep until a child exits or the earliest deadline; a kernel without pidfds
         * (before 5.3) falls back to a 2 ms poll */
        uint64_t ms = next > now ? (next - now) / 1000000 + 1 : 0;
        if (fallback && ms > 2)
            ms = 2;
        if (ms > 1000)
            ms = 1000;
        poll(np ? pfd : NULL, np, (int)ms);
    }
}

void runner_finish(struct runner_job *job, struct run_result *out, struct run_record **rec_out)
{
    *rec_out = NULL;
    if (job->pid <= 0) {
        *out = job->res;
        return;
    }
    kill(-job->pid, SIGKILL); /* leftovers of the group (a forked peer) */
    /* the record is read in place (no copy of its ~450 KB): private, so nothing writes it */
    struct run_record *rec = mmap(NULL, sizeof *rec, PROT_READ, MAP_PRIVATE, job->memfd, 0);
    if (rec == MAP_FAILED) {
        rec = NULL;
    } else if (rec->magic != RUN_RECORD_MAGIC) {
        munmap(rec, sizeof *rec);
        rec = NULL;
    }
    runner_cleanup(job);
    *out = job->res;
    runner_outcome(job->status, job->timed_out, rec, out);
    if (rec) {
        out->m = rec->m;
        out->timer_cost_ns = rec->timer_cost_ns;
        memcpy(out->timer_clock, rec->timer_clock, sizeof out->timer_clock);
        out->timer_clock[sizeof out->timer_clock - 1] = 0;
        out->hw_count = rec->hw_count < PERF_MAX_HW ? rec->hw_count : PERF_MAX_HW;
        memcpy(out->hw, rec->hw, out->hw_count * sizeof out->hw[0]);
        if (!out->ok && rec->phase < PHASE_DONE) {
            /* numbers of an unfinished phase are not results */
            sample_values_clear(&out->m);
        }
    }
    if (job->rl_ready)
        runlimits_finish(&job->rl, job->status, out);
    *rec_out = rec;
}

void runner_record_free(struct run_record *rec)
{
    if (rec)
        munmap(rec, sizeof *rec);
}

int runner_run_one(const struct runner_options *o, const struct cell *c, unsigned rep,
                   uint64_t seed, struct run_result *out, struct run_record **rec_out)
{
    struct runner_job job;
    runner_start(o, c, rep, seed, NULL, &job);
    struct runner_job *one[1] = {&job};
    while (job.running)
        runner_wait_any(one, 1);
    runner_finish(&job, out, rec_out);
    return 0;
}
