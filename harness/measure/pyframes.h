/* Python frames for the syscalls `exec --callsites` samples. perf's stack copy cannot hold them
 * (CPython 3.11 keeps frames in heap chunks), so the child runs CMD under a seccomp filter that
 * stops it, through the existing ptrace tracer, at entry to each of the six sampled syscalls;
 * at the stop the thread's Python stack is read (pystack.c) and queued per (thread, event).
 * Every stop is followed by its tracepoint sample on the same thread, in order, so the sample
 * replay (callsites.c) takes the queue's head for each syscall sample. */
#ifndef FAULTLINE_PYFRAMES_H
#define FAULTLINE_PYFRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "callchain.h"
#include "pystack.h"

struct pyframes_q;

struct pyframes {
    char **stacks; /* interned folded Python stacks; an id indexes this */
    size_t nstacks, capstacks;
    struct pyframes_q *qs; /* one per (thread, event) */
    size_t nq, capq;
    struct pystack_proc *procs;
    size_t nprocs, capprocs;
    uint64_t stops;     /* seccomp stops seen */
    uint64_t framed;    /* ... with at least one Python frame */
    bool python_unread; /* a python process ran, but this build cannot read its frames */
};

/* Child side, right before execve: the filter (x86-64). 0, or an errno value (the run goes on
 * without Python frames: stops never come). Needs CAP_SYS_ADMIN (no no_new_privs is set, so
 * setuid programs CMD starts keep working). */
int pyframes_filter(void);
/* Parent side. A PTRACE_EVENT_SECCOMP stop of thread tid (the caller resumes it). */
void pyframes_stop(struct pyframes *f, pid_t tid);
/* pid replaced its image (PTRACE_EVENT_EXEC): what was known of it no longer holds. */
void pyframes_exec(struct pyframes *f, pid_t pid);
/* The Python stack of tid's next sample of ev, or -1 (none, or not Python). */
int pyframes_take(struct pyframes *f, uint32_t tid, enum callchain_event ev);
const char *pyframes_stack(const struct pyframes *f, int id);
void pyframes_free(struct pyframes *f);

#endif
