/* Sampled call sites of a child process tree: perf_event_open on the syscall tracepoints (brk,
 * mmap, munmap, mremap, madvise, mprotect) and on page faults, each sample carrying the user
 * registers and a copy of the user stack (PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER) for
 * DWARF unwinding later; per-CPU ring buffers that also carry the mmap/exec/fork records needed
 * to know which ELF file backs an address. This file only opens, drains and parses; what a
 * sample means is the sink's business (callsites.c). */
#ifndef FAULTLINE_CALLCHAIN_H
#define FAULTLINE_CALLCHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What a sample is of. The syscalls come first, in the order of CALLCHAIN_SYSCALLS. */
enum callchain_event {
    CALLCHAIN_BRK,
    CALLCHAIN_MMAP,
    CALLCHAIN_MUNMAP,
    CALLCHAIN_MREMAP,
    CALLCHAIN_MADVISE,
    CALLCHAIN_MPROTECT,
    CALLCHAIN_FAULT,
    CALLCHAIN_EVENT_COUNT
};
#define CALLCHAIN_SYSCALLS 6

/* x86_64 user registers a sample carries, in DWARF numbering order (rax rdx rcx rbx rsi rdi rbp
 * rsp r8..r15 rip): what libdwfl's x86_64 backend takes as the initial frame. */
#define CALLCHAIN_NREGS 17

struct callchain_sample {
    enum callchain_event event;
    uint32_t pid, tid;
    uint64_t period;                /* events this sample stands for */
    uint64_t arg;                   /* bytes argument (mmap len, ...); brk: the new break */
    bool has_regs;                  /* false: the task was in a kernel thread; no stack */
    uint64_t regs[CALLCHAIN_NREGS]; /* DWARF order */
    const unsigned char *stack;     /* copy of [sp, sp + stack_len) */
    uint64_t stack_len;
};

/* What the ring buffers carry besides samples. */
struct callchain_sink {
    void *arg;
    void (*sample)(void *arg, const struct callchain_sample *s);
    /* sys_exit_brk: the break after a brk call of tid (ret < 0: failed) */
    void (*brk_result)(void *arg, uint32_t pid, uint32_t tid, int64_t ret);
    /* an executable file mapping (PERF_RECORD_MMAP2) */
    void (*mmap)(void *arg, uint32_t pid, uint64_t addr, uint64_t len, uint64_t pgoff,
                 const char *file);
    void (*exec)(void *arg, uint32_t pid);                /* pid's address space was replaced */
    void (*fork)(void *arg, uint32_t pid, uint32_t ppid); /* new process, copy of ppid's */
};

#define CALLCHAIN_MAX_CPUS   64
#define CALLCHAIN_REASON_MAX 240

struct callchain_session {
    bool active;
    unsigned ncpu;
    int fd[CALLCHAIN_MAX_CPUS][CALLCHAIN_EVENT_COUNT + 1]; /* +1: sys_exit_brk */
    uint64_t id[CALLCHAIN_MAX_CPUS][CALLCHAIN_EVENT_COUNT + 1];
    void *ring[CALLCHAIN_MAX_CPUS];
    size_t ring_bytes; /* data area, a power of two */
    size_t page;
    uint64_t fault_period;
    unsigned stack_bytes;
    uint64_t lost;                         /* records the kernel dropped (ring full) */
    uint64_t samples;                      /* samples delivered */
    size_t off[CALLCHAIN_EVENT_COUNT + 1]; /* tracepoint field offsets of the bytes argument */
    char reason[CALLCHAIN_REASON_MAX];     /* why not active */
};

/* Default page-fault sampling period (1 sample per this many faults). Syscalls are sampled
 * every time. */
#define CALLCHAIN_FAULT_PERIOD 16
/* Default bytes of user stack copied per sample (perf record's default). */
#define CALLCHAIN_STACK_BYTES 8192

/* Open the sampling events for pid and every task it creates later (inherit), enabled at its
 * exec. 0, or -1 with s->reason (one line: not permitted, tracefs missing, ...); nothing stays
 * open then. */
int callchain_open(struct callchain_session *s, pid_t pid, uint64_t fault_period,
                   unsigned stack_bytes);
/* Records copied out of the rings, in ring order per CPU. Unwinding a sample takes far longer
 * than the kernel takes to write one, so the rings are only copied while the child runs (a
 * memcpy per record) and parsed after it exits. */
struct callchain_log {
    unsigned char *data;
    size_t len, cap;
    size_t sorted; /* data[0, sorted) is in time order */
};

/* Append everything the rings hold now to log. Cheap when they are empty. */
void callchain_drain(struct callchain_session *s, struct callchain_log *log);
/* Parse a log into the sink (after callchain_drain; the session's ids must still be known). */
void callchain_replay(struct callchain_session *s, const struct callchain_log *log,
                      const struct callchain_sink *sink);
void callchain_log_free(struct callchain_log *log);
void callchain_close(struct callchain_session *s);

/* Event names as files and tables print them: brk, mmap, ..., fault. */
const char *callchain_event_name(enum callchain_event e);

#endif
