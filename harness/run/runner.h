/* The parent side of a measured run: exec faultline-runner in a fresh child (its own process
 * group, ASLR optionally off, peers preloaded), wait for it on a pidfd with poll() (several
 * children at once for -j), enforce the timeout, and turn its shared record and exit status
 * into a run_result with an outcome. */
#ifndef FAULTLINE_RUNNER_H
#define FAULTLINE_RUNNER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "results.h"
#include "runlimits.h"

struct runner_options {
    const char *events;
    bool no_perf;
    bool no_measure;
    bool no_aslr;
    bool fake; /* fake-measure: fixed synthetic numbers, no child at all */
    uint64_t lat_sample_every;
    uint64_t timeline_every;
    double timeout_s;
    uint64_t mem_limit;    /* RLIMIT_DATA of the measured child in bytes; 0 = none */
    unsigned settle_ms;    /* settle window after the phase (--settle), 0 = none */
    bool settle_full;      /* --settle given: sample all of it, no early stop */
    const char *extra_env; /* "KEY=VAL" for the child, or NULL (tests inject faults with it) */
};

#define RUNNER_MAX_JOBS 64

/* One child in flight. */
struct runner_job {
    bool running; /* started and not reaped yet */
    pid_t pid;    /* 0: no child (fake, skipped, setup error: res is final) */
    int pidfd;    /* -1 on kernels without pidfd_open: waited by a 2 ms poll */
    int memfd;    /* the shared run_record */
    int status;   /* wait status once reaped */
    bool timed_out;
    uint64_t deadline_ns;
    struct run_result res;
    char tmpdir[64], exe[4096];
    bool keep_tmpdir; /* tmpdir is the caller's: emptied after the run, not removed */
    char fdbuf[16], seedbuf[32], latbuf[32], tlbuf[32], membuf[32];
    const char *argv[28];
    char **envp; /* the child's environment (runner_build_env) */
    char preload_env[4200];
    char comm[16];
    bool no_aslr;
    uint64_t mem_limit;  /* RLIMIT_DATA for the child (runner_options.mem_limit), 0: none */
    struct runlimits rl; /* the cell's run-level axes (leaf cgroup, THP) */
    bool rl_ready;       /* runlimits_prepare succeeded: runlimits_finish is due */
    bool forked;         /* started with fork (run-level axes), not clone(CLONE_VM) */
};

/* Start cell c's run `rep` (clone + exec); returns at once. scratch: an existing directory
 * for the run's scratch files, emptied afterwards (NULL: a fresh one per run). */
void runner_start(const struct runner_options *o, const struct cell *c, unsigned rep, uint64_t seed,
                  const char *scratch, struct runner_job *job);
/* Block until one of the jobs (NULL entries are ignored) has exited or timed out and is
 * reaped; returns its index, or -1 if none is in flight. */
int runner_wait_any(struct runner_job *const *jobs, unsigned n);
/* Turn a reaped job into its result; *rec_out as for runner_run_one. */
void runner_finish(struct runner_job *job, struct run_result *out, struct run_record **rec_out);
/* Release a record from runner_finish/runner_run_one (NULL is fine). */
void runner_record_free(struct run_record *rec);
/* Run cell c once. *rec_out receives the child's record, mapped read-only (NULL if none);
 * the caller releases it with runner_record_free. Returns 0 (the outcome says how the run went). */
int runner_run_one(const struct runner_options *o, const struct cell *c, unsigned rep,
                   uint64_t seed, struct run_result *out, struct run_record **rec_out);
/* The outcome of a reaped child from its wait status: "timeout", "crashed: SIGxxx", "ok" (exit 0
 * and `done`: the child got to the end of its work) or "exited: N"; out->ok only for "ok". */
void runner_outcome_status(int status, bool timed_out, bool done, struct run_result *out);
/* CLOCK_MONOTONIC in ns. */
uint64_t runner_now_ns(void);
/* rm -r of a scratch directory (best effort). */
/* Path of a binary that sits next to the running faultline executable. */
int runner_sibling_path(const char *name, char *buf, size_t len);
/* The directory of the running executable (/proc/self/exe without its last part): 0, or -1. */
int runner_exe_dir(char *buf, size_t len);

#endif
