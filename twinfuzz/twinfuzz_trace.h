/* Runs a program under ptrace and keeps the memory syscalls it makes (brk, mmap, munmap,
 * mremap, madvise, mprotect) with the arguments that matter for comparing allocators: sizes,
 * protections, flags and advice, never addresses. Each is tagged with the op index the driver
 * announced last (lseek(-77, index)); calls before the first announcement are dropped. */
#ifndef TWINFUZZ_TRACE_H
#define TWINFUZZ_TRACE_H

#include <stddef.h>

enum twinfuzz_trace_kind { TF_BRK, TF_MMAP, TF_MUNMAP, TF_MREMAP, TF_MADVISE, TF_MPROTECT };

struct twinfuzz_trace_event {
    long op;
    enum twinfuzz_trace_kind kind;
    long long a, b, c; /* brk: delta asked, 0/1 ok; mmap: len, prot, flags; munmap: len;
                          mremap: old, new, flags; madvise: len, advice; mprotect: len, prot */
};

struct twinfuzz_trace {
    struct twinfuzz_trace_event *ev;
    size_t n, cap;
    int status; /* wait status of the program */
};

/* Runs argv[0] with argv, LD_PRELOAD=preload (NULL: none). 0, or -1 if it could not run. */
int twinfuzz_trace_run(char *const argv[], const char *preload, struct twinfuzz_trace *out);
void twinfuzz_trace_free(struct twinfuzz_trace *t);
/* "brk +0x21000", "mmap 208896", ... into buf. */
void twinfuzz_trace_format(const struct twinfuzz_trace_event *e, char *buf, size_t len);
int twinfuzz_trace_same(const struct twinfuzz_trace_event *x, const struct twinfuzz_trace_event *y);

#endif
