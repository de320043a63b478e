/* libfaultline-trace.so: an LD_PRELOAD tracer that records every call of the malloc family into
 * a binary trace (allocators/trace_format.h) and forwards it to the next definition (glibc).
 * It never calls the allocator it traces for itself: memory comes from mmap and a static buffer. */
#define _GNU_SOURCE
#include "boot_region.h"
#include "preload_trace_map.h"
#include "trace_format.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TRACE_EXPORT __attribute__((visibility("default")))
#define TRACE_TLS    __thread __attribute__((tls_model("initial-exec")))

void cfree(void *p);

/* ---- the real functions ---- */

struct preload_trace_real {
    void *(*malloc)(size_t);
    void (*free)(void *);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    void *(*memalign)(size_t, size_t);
    int (*posix_memalign)(void **, size_t, size_t);
    void *(*aligned_alloc)(size_t, size_t);
    void *(*valloc)(size_t);
    void *(*pvalloc)(size_t);
    void *(*reallocarray)(void *, size_t, size_t);
};

static struct preload_trace_real preload_trace_real;

enum { TRACE_UNINIT, TRACE_RESOLVING, TRACE_READY };
static atomic_int preload_trace_state = TRACE_UNINIT;
/* The thread resolving symbols: dlsym may call calloc (dlerror's buffer), served by the bump. */
static TRACE_TLS int preload_trace_resolving;
/* Nesting depth of our own wrappers on this thread: glibc's reallocarray calls realloc through
 * the PLT, which lands here again; only the outermost call is recorded. */
static TRACE_TLS int preload_trace_depth;

/* ---- bootstrap bump buffer (never freed) ---- */

#define TRACE_BUMP_SIZE (64 * 1024)
static _Alignas(64) unsigned char preload_trace_bump[TRACE_BUMP_SIZE];
static atomic_size_t preload_trace_bump_used;

static bool preload_trace_is_bump(const void *p)
{
    return boot_region_has(preload_trace_bump, TRACE_BUMP_SIZE, p);
}

static void *preload_trace_bump_alloc(size_t size)
{
    size_t need = (size + 15) & ~(size_t)15;
    if (size > TRACE_BUMP_SIZE)
        return NULL;
    size_t at = atomic_fetch_add(&preload_trace_bump_used, need ? need : 16);
    if (at + need > TRACE_BUMP_SIZE)
        return NULL;
    return preload_trace_bump + at; /* static storage: zero, so calloc is served too */
}

static void preload_trace_resolve(void)
{
    struct preload_trace_real r;
#define TRACE_SYM(name) *(void **)&r.name = dlsym(RTLD_NEXT, #name)
    TRACE_SYM(malloc);
    TRACE_SYM(free);
    TRACE_SYM(calloc);
    TRACE_SYM(realloc);
    TRACE_SYM(memalign);
    TRACE_SYM(posix_memalign);
    TRACE_SYM(aligned_alloc);
    TRACE_SYM(valloc);
    TRACE_SYM(pvalloc);
    TRACE_SYM(reallocarray);
#undef TRACE_SYM
    if (!r.malloc || !r.free || !r.calloc || !r.realloc || !r.memalign || !r.posix_memalign ||
        !r.aligned_alloc || !r.valloc || !r.pvalloc || !r.reallocarray) {
        static const char msg[] = "faultline-trace: cannot find the real malloc family\n";
        if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0)
            _exit(2);
        _exit(2);
    }
    preload_trace_real = r;
}

/* Returns 1 when the real functions are usable, 0 when the caller must use the bump buffer. */
static int preload_trace_ready(void)
{
    if (atomic_load_explicit(&preload_trace_state, memory_order_acquire) == TRACE_READY)
        return 1;
    if (preload_trace_resolving)
        return 0;
    int expect = TRACE_UNINIT;
    if (atomic_compare_exchange_strong(&preload_trace_state, &expect, TRACE_RESOLVING)) {
        preload_trace_resolving = 1;
        preload_trace_resolve();
        preload_trace_resolving = 0;
        atomic_store_explicit(&preload_trace_state, TRACE_READY, memory_order_release);
        return 1;
    }
    while (atomic_load_explicit(&preload_trace_state, memory_order_acquire) != TRACE_READY)
        sched_yield();
    return 1;
}

/* ---- output: per-thread buffers written with write(2) under one lock ---- */

#define TRACE_BUF_RECORDS 256

static atomic_uint_fast64_t preload_trace_seq;

enum { TRACE_OUT_UNDECIDED, TRACE_OUT_ON, TRACE_OUT_OFF };
static atomic_int preload_trace_out = TRACE_OUT_UNDECIDED;
static pthread_mutex_t preload_trace_out_mu = PTHREAD_MUTEX_INITIALIZER;
static int preload_trace_fd = -1;
/* FAULTLINE_TRACE_STATUS_FD: a memfd of `faultline trace` where the first failed write's errno
 * goes, so a full disk is reported as ENOSPC instead of as a short file. */
static int preload_trace_status_fd = -1;
static atomic_uint preload_trace_threads;
/* After the process destructor ran, every record is written at once: buffers may never be
 * flushed again. */
static atomic_int preload_trace_direct;
static pthread_key_t preload_trace_key;

/* Lock order: preload_trace_reg_mu, then a buffer's lock, then preload_trace_out_mu. The
 * buffer's own lock is uncontended except while the process destructor flushes it. */
struct preload_trace_tbuf {
    atomic_int lock;
    int slot;              /* index in preload_trace_reg, -1 when not registered */
    uint32_t thread_plus1; /* 0 = no index yet */
    int exited;            /* the thread's key destructor ran: write through */
    unsigned len;
    struct trace_format_record rec[TRACE_BUF_RECORDS];
};

static TRACE_TLS struct preload_trace_tbuf preload_trace_tbuf;

/* Every live thread's buffer, so the process destructor can flush threads that are still
 * running at exit (their key destructors never run). A thread leaves before its TLS dies. */
#define TRACE_MAX_BUFS 1024
static struct preload_trace_tbuf *preload_trace_reg[TRACE_MAX_BUFS];
static pthread_mutex_t preload_trace_reg_mu = PTHREAD_MUTEX_INITIALIZER;

static void preload_trace_lock(struct preload_trace_tbuf *b)
{
    while (atomic_exchange_explicit(&b->lock, 1, memory_order_acquire))
        sched_yield();
}

static void preload_trace_unlock(struct preload_trace_tbuf *b)
{
    atomic_store_explicit(&b->lock, 0, memory_order_release);
}

static void preload_trace_write_all(const void *buf, size_t len)
{
    const char *c = buf;
    while (len) {
        ssize_t w = write(preload_trace_fd, c, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) { /* disk full: the trace ends early; tell `faultline trace` why */
            int err = w < 0 ? errno : ENOSPC, old = 0;
            if (preload_trace_status_fd >= 0 &&
                pread(preload_trace_status_fd, &old, sizeof old, 0) == (ssize_t)sizeof old &&
                old == 0 && pwrite(preload_trace_status_fd, &err, sizeof err, 0) < 0)
                preload_trace_status_fd = -1;
            return;
        }
        c += w;
        len -= (size_t)w;
    }
}

static void preload_trace_flush(struct preload_trace_tbuf *b)
{
    if (!b->len)
        return;
    int saved = errno;
    pthread_mutex_lock(&preload_trace_out_mu);
    if (preload_trace_fd >= 0)
        preload_trace_write_all(b->rec, b->len * sizeof b->rec[0]);
    pthread_mutex_unlock(&preload_trace_out_mu);
    b->len = 0;
    errno = saved;
}

static void preload_trace_register(struct preload_trace_tbuf *b)
{
    b->slot = -1;
    pthread_mutex_lock(&preload_trace_reg_mu);
    for (int i = 0; i < TRACE_MAX_BUFS; i++)
        if (!preload_trace_reg[i]) {
            preload_trace_reg[i] = b;
            b->slot = i;
            break;
        }
    pthread_mutex_unlock(&preload_trace_reg_mu);
}

static void preload_trace_thread_exit(void *arg)
{
    struct preload_trace_tbuf *b = arg;
    pthread_mutex_lock(&preload_trace_reg_mu);
    preload_trace_lock(b);
    preload_trace_flush(b);
    b->exited = 1;
    if (b->slot >= 0)
        preload_trace_reg[b->slot] = NULL;
    b->slot = -1;
    preload_trace_unlock(b);
    pthread_mutex_unlock(&preload_trace_reg_mu);
}

static void preload_trace_atfork_child(void)
{
    /* The child's copy of the buffer belongs to the parent's trace; the child is not traced. */
    preload_trace_tbuf.len = 0;
    atomic_store(&preload_trace_out, TRACE_OUT_OFF);
    preload_trace_fd = -1;
}

/* "%p" in the path becomes the pid. */
static int preload_trace_expand(const char *path, char *out, size_t len)
{
    size_t o = 0;
    for (const char *s = path; *s; s++) {
        if (o + 24 >= len)
            return -1;
        if (s[0] == '%' && s[1] == 'p') {
            char digits[24];
            int nd = 0;
            for (unsigned long v = (unsigned long)getpid(); v || nd == 0; v /= 10)
                digits[nd++] = (char)('0' + v % 10);
            while (nd)
                out[o++] = digits[--nd];
            s++;
        } else {
            out[o++] = *s;
        }
    }
    out[o] = '\0';
    return 0;
}

/* Decides once whether this process is traced: FAULTLINE_TRACE_OUT names the file, and when
 * FAULTLINE_TRACE_PID is set only that pid traces (a traced command's children inherit
 * LD_PRELOAD but must not overwrite the file). Needs environ, so it may be deferred. */
static int preload_trace_on(void)
{
    int st = atomic_load_explicit(&preload_trace_out, memory_order_acquire);
    if (st != TRACE_OUT_UNDECIDED)
        return st == TRACE_OUT_ON;
    extern char **environ;
    if (environ == NULL)
        return 0;
    pthread_mutex_lock(&preload_trace_out_mu);
    st = atomic_load(&preload_trace_out);
    if (st == TRACE_OUT_UNDECIDED) {
        st = TRACE_OUT_OFF;
        const char *path = getenv("FAULTLINE_TRACE_OUT");
        const char *pid = getenv("FAULTLINE_TRACE_PID");
        const char *status = getenv("FAULTLINE_TRACE_STATUS_FD");
        char file[4096];
        if (path && *path && (!pid || strtol(pid, NULL, 10) == (long)getpid()) &&
            preload_trace_expand(path, file, sizeof file) == 0) {
            int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (fd >= 0) {
                struct trace_format_header h;
                memset(&h, 0, sizeof h);
                memcpy(h.magic, TRACE_FORMAT_MAGIC, 8);
                h.version = TRACE_FORMAT_VERSION;
                h.header_size = sizeof h;
                h.record_size = sizeof(struct trace_format_record);
                h.pid = (uint32_t)getpid();
                preload_trace_fd = fd;
                if (status && *status)
                    preload_trace_status_fd = (int)strtol(status, NULL, 10);
                preload_trace_write_all(&h, sizeof h);
                pthread_key_create(&preload_trace_key, preload_trace_thread_exit);
                pthread_atfork(NULL, NULL, preload_trace_atfork_child);
                st = TRACE_OUT_ON;
            } else {
                static const char msg[] = "faultline-trace: cannot create FAULTLINE_TRACE_OUT\n";
                if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0)
                    st = TRACE_OUT_OFF;
            }
        }
        atomic_store_explicit(&preload_trace_out, st, memory_order_release);
    }
    pthread_mutex_unlock(&preload_trace_out_mu);
    return st == TRACE_OUT_ON;
}

static void preload_trace_emit(unsigned op, uint64_t size, uint64_t align, uint64_t addr,
                               uint64_t result)
{
    struct preload_trace_tbuf *b = &preload_trace_tbuf;
    if (!b->thread_plus1) {
        b->thread_plus1 = atomic_fetch_add(&preload_trace_threads, 1) + 1;
        preload_trace_register(b);
        pthread_setspecific(preload_trace_key, b); /* arms the flush at thread exit */
    }
    preload_trace_lock(b);
    struct trace_format_record *r = &b->rec[b->len++];
    memset(r, 0, sizeof *r);
    r->op = (uint8_t)op;
    r->thread = b->thread_plus1 - 1;
    r->seq = atomic_fetch_add(&preload_trace_seq, 1);
    r->size = size;
    r->addr = addr;
    r->result = result;
    r->align = align > UINT32_MAX ? UINT32_MAX : (uint32_t)align;
    if (b->len == TRACE_BUF_RECORDS || b->exited || atomic_load(&preload_trace_direct))
        preload_trace_flush(b);
    preload_trace_unlock(b);
}

/* Enter a wrapper: 1 when this call is to be recorded (outermost, tracing on). */
static int preload_trace_enter(void)
{
    return preload_trace_depth++ == 0 && preload_trace_on();
}

static void preload_trace_leave(void)
{
    preload_trace_depth--;
}

__attribute__((constructor)) static void preload_trace_constructor(void)
{
    if (preload_trace_ready()) {
        preload_trace_depth++;
        preload_trace_on();
        preload_trace_depth--;
    }
}

__attribute__((destructor)) static void preload_trace_destructor(void)
{
    atomic_store(&preload_trace_direct, 1);
    if (atomic_load(&preload_trace_out) != TRACE_OUT_ON)
        return;
    pthread_mutex_lock(&preload_trace_reg_mu);
    for (int i = 0; i < TRACE_MAX_BUFS; i++) {
        struct preload_trace_tbuf *b = preload_trace_reg[i];
        if (b) {
            preload_trace_lock(b);
            preload_trace_flush(b);
            preload_trace_unlock(b);
        }
    }
    pthread_mutex_unlock(&preload_trace_reg_mu);
    preload_trace_lock(&preload_trace_tbuf); /* the caller, if the registry was full */
    preload_trace_flush(&preload_trace_tbuf);
    preload_trace_unlock(&preload_trace_tbuf);
}

/* ---- the malloc family ---- */

static uint64_t preload_trace_sat_mul(size_t n, size_t m)
{
    size_t t;
    return __builtin_mul_overflow(n, m, &t) ? UINT64_MAX : (uint64_t)t;
}

TRACE_EXPORT void *malloc(size_t size)
{
    if (!preload_trace_ready())
        return preload_trace_bump_alloc(size);
    if (!preload_trace_enter()) {
        void *p = preload_trace_real.malloc(size);
        preload_trace_leave();
        return p;
    }
    void *p = preload_trace_real.malloc(size);
    int saved = errno;
    preload_trace_emit(TRACE_OP_MALLOC, size, 0, 0, p ? preload_trace_map_insert(p) : 0);
    errno = saved;
    preload_trace_leave();
    return p;
}

TRACE_EXPORT void free(void *p)
{
    if (p == NULL || preload_trace_is_bump(p))
        return;
    if (!preload_trace_enter()) {
        preload_trace_real.free(p);
        preload_trace_leave();
        return;
    }
    /* The id goes before the block does: once freed, another thread may get p back and must
     * find it absent from the map. */
    uint64_t id = preload_trace_map_remove(p);
    if (id)
        preload_trace_emit(TRACE_OP_FREE, 0, 0, id, 0);
    preload_trace_real.free(p);
    preload_trace_leave();
}

TRACE_EXPORT void cfree(void *p)
{
    free(p);
}

TRACE_EXPORT void *calloc(size_t n, size_t size)
{
    if (!preload_trace_ready()) {
        uint64_t total = preload_trace_sat_mul(n, size);
        return total > TRACE_BUMP_SIZE ? NULL : preload_trace_bump_alloc((size_t)total);
    }
    if (!preload_trace_enter()) {
        void *p = preload_trace_real.calloc(n, size);
        preload_trace_leave();
        return p;
    }
    void *p = preload_trace_real.calloc(n, size);
    int saved = errno;
    preload_trace_emit(TRACE_OP_CALLOC, preload_trace_sat_mul(n, size), 0, 0,
                       p ? preload_trace_map_insert(p) : 0);
    errno = saved;
    preload_trace_leave();
    return p;
}

/* realloc and reallocarray share this; size is the product for reallocarray. */
static void *preload_trace_realloc_common(unsigned op, void *p, size_t n, size_t m)
{
    uint64_t total = op == TRACE_OP_REALLOCARRAY ? preload_trace_sat_mul(n, m) : n;
    if (p != NULL && preload_trace_is_bump(p)) {
        /* A block from the bump buffer moves to the real heap; its old size is unknown, so copy
         * what fits in the buffer after it. */
        if (total == UINT64_MAX) {
            errno = ENOMEM;
            return NULL;
        }
        void *q = malloc((size_t)total);
        if (q) {
            size_t room = (size_t)(preload_trace_bump + TRACE_BUMP_SIZE - (unsigned char *)p);
            memcpy(q, p, room < total ? room : (size_t)total);
        }
        return q;
    }
    if (!preload_trace_ready())
        return p ? NULL : preload_trace_bump_alloc(n);
    if (!preload_trace_enter()) {
        void *q = op == TRACE_OP_REALLOCARRAY ? preload_trace_real.reallocarray(p, n, m)
                                              : preload_trace_real.realloc(p, n);
        preload_trace_leave();
        return q;
    }
    uint64_t old = p ? preload_trace_map_remove(p) : 0;
    void *q = op == TRACE_OP_REALLOCARRAY ? preload_trace_real.reallocarray(p, n, m)
                                          : preload_trace_real.realloc(p, n);
    int saved = errno;
    uint64_t id = 0;
    if (q)
        id = preload_trace_map_insert(q);
    else if (p && old && total != 0)
        preload_trace_map_reinsert(p, old); /* failed: p is still the caller's */
    if (q || old || !p)
        preload_trace_emit(op, total, 0, old, id);
    errno = saved;
    preload_trace_leave();
    return q;
}

TRACE_EXPORT void *realloc(void *p, size_t size)
{
    return preload_trace_realloc_common(TRACE_OP_REALLOC, p, size, 1);
}

TRACE_EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
    return preload_trace_realloc_common(TRACE_OP_REALLOCARRAY, p, n, size);
}

/* The aligned family: one wrapper shape, the real call picked by op. */
static void *preload_trace_aligned(unsigned op, size_t align, size_t size, int *rc)
{
    void *p = NULL;
    switch (op) {
    case TRACE_OP_MEMALIGN:
        p = preload_trace_real.memalign(align, size);
        break;
    case TRACE_OP_POSIX_MEMALIGN:
        *rc = preload_trace_real.posix_memalign(&p, align, size);
        if (*rc != 0)
            p = NULL;
        break;
    case TRACE_OP_ALIGNED_ALLOC:
        p = preload_trace_real.aligned_alloc(align, size);
        break;
    case TRACE_OP_VALLOC:
        p = preload_trace_real.valloc(size);
        break;
    default:
        p = preload_trace_real.pvalloc(size);
        break;
    }
    return p;
}

static void *preload_trace_aligned_call(unsigned op, size_t align, size_t size, int *rc)
{
    if (!preload_trace_ready()) {
        /* Only reachable from dlsym's own start-up; the bump buffer is 16-byte aligned. */
        *rc = ENOMEM;
        errno = ENOMEM;
        return NULL;
    }
    if (!preload_trace_enter()) {
        void *p = preload_trace_aligned(op, align, size, rc);
        preload_trace_leave();
        return p;
    }
    void *p = preload_trace_aligned(op, align, size, rc);
    int saved = errno;
    preload_trace_emit(op, size, align, 0, p ? preload_trace_map_insert(p) : 0);
    errno = saved;
    preload_trace_leave();
    return p;
}

TRACE_EXPORT void *memalign(size_t align, size_t size)
{
    int rc = 0;
    return preload_trace_aligned_call(TRACE_OP_MEMALIGN, align, size, &rc);
}

TRACE_EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
    int rc = 0;
    void *p = preload_trace_aligned_call(TRACE_OP_POSIX_MEMALIGN, align, size, &rc);
    if (rc == 0)
        *out = p;
    return rc;
}

TRACE_EXPORT void *aligned_alloc(size_t align, size_t size)
{
    int rc = 0;
    return preload_trace_aligned_call(TRACE_OP_ALIGNED_ALLOC, align, size, &rc);
}

TRACE_EXPORT void *valloc(size_t size)
{
    int rc = 0;
    return preload_trace_aligned_call(TRACE_OP_VALLOC, (size_t)sysconf(_SC_PAGESIZE), size, &rc);
}

TRACE_EXPORT void *pvalloc(size_t size)
{
    int rc = 0;
    return preload_trace_aligned_call(TRACE_OP_PVALLOC, (size_t)sysconf(_SC_PAGESIZE), size, &rc);
}
