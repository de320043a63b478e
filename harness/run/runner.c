/* One measured run in a fresh child process (see runner.h). */
#define _GNU_SOURCE
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "peers.h"
#include "runlimits.h"

int runner_sibling_path(const char *name, char *buf, size_t len)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return -1;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (!slash)
        return -1;
    *slash = '\0';
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

static int runner_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 ? 0 : 0;
}

void runner_rmtree(const char *dir)
{
    nftw(dir, runner_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
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
}

static void runner_outcome(int status, bool timed_out, const struct run_record *rec,
                           struct run_result *out)
{
    out->ok = false;
    if (timed_out) {
        snprintf(out->outcome, sizeof out->outcome, "timeout");
    } else if (WIFSIGNALED(status)) {
        const char *abbrev = sigabbrev_np(WTERMSIG(status));
        snprintf(out->outcome, sizeof out->outcome, "crashed: SIG%s", abbrev ? abbrev : "?");
    } else if (WIFEXITED(status)) {
        int code = WEXITSTATUS(status);
        if (code == 0 && rec && rec->phase == PHASE_DONE) {
            out->ok = true;
            snprintf(out->outcome, sizeof out->outcome, "ok");
        } else if (code == 3 && rec) {
            const char *name = strerrorname_np(rec->status);
            snprintf(out->outcome, sizeof out->outcome, "failed: %s", name ? name : "?");
        } else if (code == 2 && rec && rec->error[0]) {
            snprintf(out->outcome, sizeof out->outcome, "error: %.80s", rec->error);
        } else {
            snprintf(out->outcome, sizeof out->outcome, "exited: %d", code);
        }
    }
}

int runner_run_one(const struct runner_options *o, const struct cell *c, unsigned rep,
                   uint64_t seed, struct run_result *out, struct run_record **rec_out)
{
    memset(out, 0, sizeof *out);
    out->rep = rep;
    out->seed = seed;
    *rec_out = NULL;
    if (o->fake) {
        runner_fake(c, rep, out);
        return 0;
    }
    const struct backend_ops *ops = backend_find(c->backend);
    char preload[4096] = "";
    if (ops && ops->preload && peers_resolve(ops->preload, preload, sizeof preload) != 0) {
        snprintf(out->outcome, sizeof out->outcome,
                 "skipped: %s not installed (apt-get install %s)", ops->preload,
                 peers_package(ops->preload));
        return 0;
    }
    char runner[4096];
    if (runner_sibling_path("faultline-runner", runner, sizeof runner) != 0) {
        snprintf(out->outcome, sizeof out->outcome,
                 "error: faultline-runner not found next to faultline");
        return 0;
    }
    int fd = memfd_create("faultline-record", 0);
    if (fd < 0 || ftruncate(fd, sizeof(struct run_record)) != 0) {
        snprintf(out->outcome, sizeof out->outcome, "error: memfd: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return 0;
    }
    char tmpdir[] = "/tmp/faultline-run-XXXXXX";
    if (!mkdtemp(tmpdir)) {
        snprintf(out->outcome, sizeof out->outcome, "error: mkdtemp: %s", strerror(errno));
        close(fd);
        return 0;
    }
    char fdbuf[16], seedbuf[32], latbuf[32], tlbuf[32];
    snprintf(fdbuf, sizeof fdbuf, "%d", fd);
    snprintf(seedbuf, sizeof seedbuf, "%llu", (unsigned long long)seed);
    snprintf(latbuf, sizeof latbuf, "%llu", (unsigned long long)o->lat_sample_every);
    snprintf(tlbuf, sizeof tlbuf, "%llu", (unsigned long long)o->timeline_every);
    const char *argv[24];
    int argc = 0;
    argv[argc++] = runner;
    argv[argc++] = "--backend";
    argv[argc++] = c->backend_spec;
    argv[argc++] = "--workload";
    argv[argc++] = c->workload_spec;
    argv[argc++] = "--seed";
    argv[argc++] = seedbuf;
    argv[argc++] = "--record-fd";
    argv[argc++] = fdbuf;
    argv[argc++] = "--tmpdir";
    argv[argc++] = tmpdir;
    argv[argc++] = "--lat-sample";
    argv[argc++] = latbuf;
    argv[argc++] = "--timeline-every";
    argv[argc++] = tlbuf;
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
    argv[argc] = NULL;

    struct runlimits rl;
    char rlerr[300];
    if (runlimits_prepare(c, &rl, rlerr, sizeof rlerr) != 0) {
        snprintf(out->outcome, sizeof out->outcome, "error: %.80s", rlerr);
        close(fd);
        runner_rmtree(tmpdir);
        return 0;
    }
    fflush(NULL);
    uint64_t t0 = runner_now_ns();
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(out->outcome, sizeof out->outcome, "error: fork: %s", strerror(errno));
        runlimits_finish(&rl, 0, out);
        close(fd);
        runner_rmtree(tmpdir);
        return 0;
    }
    if (pid == 0) {
        setpgid(0, 0); /* its own group: a timeout kills workload helpers (shm peer) too */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        char name[16];
        snprintf(name, sizeof name, "%.7s/%.7s", c->backend, c->workload);
        prctl(PR_SET_NAME, name);
        if (o->no_aslr)
            personality(ADDR_NO_RANDOMIZE);
        /* bounded child: brk and private mappings beyond the limit fail with ENOMEM, so a
         * hostile trace (malloc(8 GiB), touched) ends as `failed: ENOMEM`, not host swap */
        if (o->mem_limit) {
            struct rlimit rl = {o->mem_limit, o->mem_limit};
            setrlimit(RLIMIT_DATA, &rl);
        }
        if (preload[0])
            setenv("LD_PRELOAD", preload, 1);
        if (o->extra_env) {
            char kv[512];
            snprintf(kv, sizeof kv, "%s", o->extra_env);
            char *eq = strchr(kv, '=');
            if (eq) {
                *eq = '\0';
                setenv(kv, eq + 1, 1);
            }
        }
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, STDOUT_FILENO);
        if (runlimits_in_child(&rl) != 0)
            _exit(126); /* "exited: 126": could not join the leaf cgroup or set THP */
        execv(runner, (char *const *)argv);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    bool timed_out = false;
    uint64_t deadline = t0 + (uint64_t)(o->timeout_s * 1e9);
    for (;;) {
        pid_t w = wait4(pid, &status, WNOHANG, &ru);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR)
            break;
        if (runner_now_ns() > deadline) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            timed_out = true;
            while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
                ;
            break;
        }
        struct timespec ts = {0, 2000000}; /* 2 ms: cheap, and fine-grained enough for timeouts */
        nanosleep(&ts, NULL);
    }
    kill(-pid, SIGKILL); /* leftovers of the group (a forked peer) */
    struct run_record *shared = mmap(NULL, sizeof *shared, PROT_READ, MAP_SHARED, fd, 0);
    struct run_record *rec = NULL;
    if (shared != MAP_FAILED) {
        if (shared->magic == RUN_RECORD_MAGIC) {
            rec = malloc(sizeof *rec);
            if (rec)
                memcpy(rec, shared, sizeof *rec);
        }
        munmap(shared, sizeof *shared);
    }
    close(fd);
    runner_rmtree(tmpdir);
    runner_outcome(status, timed_out, rec, out);
    if (rec) {
        out->m = rec->m;
        out->timer_cost_ns = rec->timer_cost_ns;
        out->hw_count = rec->hw_count < PERF_MAX_HW ? rec->hw_count : PERF_MAX_HW;
        memcpy(out->hw, rec->hw, out->hw_count * sizeof out->hw[0]);
        if (!out->ok && rec->phase < PHASE_DONE) {
            /* numbers of an unfinished phase are not results */
            sample_values_clear(&out->m);
        }
    }
    runlimits_finish(&rl, status, out);
    *rec_out = rec;
    return 0;
}
