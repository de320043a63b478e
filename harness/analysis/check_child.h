/* The child process of `faultline check`: the state its contract checks and stress share, the
 * helpers that report a violation (write(2) only: a brk backend may own the break, so no glibc
 * malloc and no stdio), and its entry point. */
#ifndef FAULTLINE_CHECK_CHILD_H
#define FAULTLINE_CHECK_CHILD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"

#define CHECK_OPS_DEFAULT     200000
#define CHECK_THREADS_DEFAULT 2
#define CHECK_THREADS_MAX     64
#define CHECK_SPECS_MAX       32
#define CHECK_PRINT_MAX       40 /* violation lines shown per child; the rest are counted */
#define CHECK_CHILD_TIMEOUT   600
#define CHECK_EXIT_SKIP       77

/* The malloc family under test: a backend's ops, or the libc symbols (which LD_PRELOAD may
 * replace) in ops' malloc family and usable_size. The optional POSIX/GNU entry points exist
 * only in system mode. */
struct check_child_api {
    struct backend_ops ops;
    bool system; /* also posix_memalign, aligned_alloc, memalign, valloc, pvalloc, reallocarray */
    bool strict; /* the faultline contract of backend.h, not only C/POSIX */
    /* System mode: entry points the preloaded library leaves to glibc. Calling one would hand
     * a glibc block to the other allocator's free, so each is reported once and not called. */
    bool foreign_posix, foreign_c11, foreign_gnu, foreign_valloc, foreign_pvalloc;
};

struct check_options {
    const char *specs[CHECK_SPECS_MAX];
    int nspecs;
    uint64_t seed;
    uint64_t ops;
    unsigned threads;
    bool preload;
    bool child;
    bool system;
    bool strict;
    const char *name; /* label of a system-mode child */
};

/* Child-wide state (check_child.c); set before the checks start. */
extern const char *check_child_label;
extern const char *check_child_rerun; /* " --preload" when the child checks a preload library */
extern atomic_ulong check_child_violations;
extern atomic_ulong check_child_count;
extern struct check_child_api check_child_api;
extern struct check_options check_child_opt;

void check_child_write(int fd, const char *s, size_t n);
/* One line (fmt + newline) on fd, formatted on the stack. */
__attribute__((format(printf, 2, 3))) void check_child_say(int fd, const char *fmt, ...);
/* One violation: "<backend>: <reproducer> -> <what went wrong>" (the first CHECK_PRINT_MAX). */
__attribute__((format(printf, 1, 2))) void check_child_fail(const char *fmt, ...);
/* errno's name (ENOMEM), "0" for none. */
const char *check_child_errname(int e);
/* Counts one check that held. */
void check_child_ok(void);
size_t check_child_need_align(size_t n);
bool check_child_aligned(const void *p, size_t a);
/* True when n bytes at c are zero; else false with the first nonzero offset in *at. */
bool check_child_all_zero(const unsigned char *c, size_t n, size_t *at);
/* Runs the checks of one child with options o; returns its exit status (0, 1 violations, 2). */
int check_child(const struct check_options *o);

#endif
