/* One faultline backend as the process's malloc family for LD_PRELOAD: compiled once per backend
 * with -DPRELOAD_BACKEND=backend_<name> into libfaultline-<name>.so. It never calls the libc
 * allocator, so it is safe during dynamic loading, dlsym and pthread start-up. */
#define _GNU_SOURCE
#include "backend.h"
#include "boot_region.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef PRELOAD_BACKEND
#error "compile with -DPRELOAD_BACKEND=backend_<name>"
#endif

#ifdef PRELOAD_HYBRID
#if __has_include("hybrid.h")
#include "hybrid.h"
#else
int hybrid_mallopt(int param, int value);
#endif
/* Weak, so this file links while the heap engineer's hybrid_mallopt has not landed yet. */
#pragma weak hybrid_mallopt
/* The twin follows glibc where the backend contract differs (realloc(p, 0), memalign). */
#define PRELOAD_REALLOC  hybrid_glibc_realloc
#define PRELOAD_MEMALIGN hybrid_glibc_memalign
#else
#define PRELOAD_REALLOC  PRELOAD_OPS->realloc
#define PRELOAD_MEMALIGN PRELOAD_OPS->memalign
#endif

/* glibc dropped the declaration in 2.26 but old binaries still import the symbol. */
void cfree(void *p);

extern const struct backend_ops PRELOAD_BACKEND;
#define PRELOAD_OPS (&PRELOAD_BACKEND)

#define PRELOAD_EXPORT __attribute__((visibility("default")))
#define PRELOAD_TLS    __thread __attribute__((tls_model("initial-exec")))

enum { PRELOAD_UNINIT, PRELOAD_BUSY, PRELOAD_READY };

static atomic_int preload_state = PRELOAD_UNINIT;
/* Set on the thread running init, so a malloc it triggers itself is served from the bootstrap
 * arena instead of deadlocking on preload_state. initial-exec TLS never allocates. */
static PRELOAD_TLS int preload_in_init;
static struct param_values preload_pv; /* backends may keep pointers into it */
static char preload_stats_path[512];

/* Bootstrap arena: requests made before init can run (ld.so before libc set environ, or a
 * recursion from init itself). Blocks carry a 16-byte size header and are never reused. */
#define PRELOAD_BOOT_SIZE (256 * 1024)
static _Alignas(64) unsigned char preload_boot[PRELOAD_BOOT_SIZE];
static atomic_size_t preload_boot_used;

static bool preload_is_boot(const void *p)
{
    return boot_region_has(preload_boot, PRELOAD_BOOT_SIZE, p);
}

static void *preload_boot_alloc(size_t align, size_t size)
{
    if (align < BACKEND_ALIGN)
        align = BACKEND_ALIGN;
    if (size > PRELOAD_BOOT_SIZE || align > PRELOAD_BOOT_SIZE / 4)
        return NULL;
    size_t need = (size + 15) & ~(size_t)15;
    size_t old = atomic_load(&preload_boot_used), start;
    do {
        start = (old + BACKEND_ALIGN + align - 1) & ~(align - 1); /* room for the header */
        if (start + need > PRELOAD_BOOT_SIZE)
            return NULL;
    } while (!atomic_compare_exchange_weak(&preload_boot_used, &old, start + need));
    unsigned char *p = preload_boot + start;
    memcpy(p - sizeof(size_t), &size, sizeof size);
    return p;
}

static size_t preload_boot_size(const void *p)
{
    size_t n;
    memcpy(&n, (const unsigned char *)p - sizeof(size_t), sizeof n);
    return n;
}

static void preload_write_line(const char *a, const char *b)
{
    char line[1024];
    int n = snprintf(line, sizeof line, "faultline-%s: %s%s\n", PRELOAD_OPS->name, a, b ? b : "");
    if (n > (int)sizeof line - 1)
        n = (int)sizeof line - 1;
    if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0)
        return;
}

static void preload_atfork_prepare(void)
{
    if (PRELOAD_OPS->atfork_prepare)
        PRELOAD_OPS->atfork_prepare();
}

static void preload_atfork_parent(void)
{
    if (PRELOAD_OPS->atfork_parent)
        PRELOAD_OPS->atfork_parent();
}

static void preload_atfork_child(void)
{
    if (PRELOAD_OPS->atfork_child)
        PRELOAD_OPS->atfork_child();
}

/* Runs once. A bad FAULTLINE_PARAMS or a failing init ends the process with one line and exit
 * status 2: a malloc that silently ignored its configuration would make every number wrong. */
static void preload_do_init(void)
{
    char err[512];
    const char *params = getenv("FAULTLINE_PARAMS");
    if (param_apply(PRELOAD_OPS->params, "FAULTLINE_PARAMS", params ? params : "", &preload_pv, err,
                    sizeof err) != 0) {
        preload_write_line(err, NULL);
        _exit(2);
    }
    const char *stats = getenv("FAULTLINE_STATS");
    if (stats && *stats) {
        if (strlen(stats) >= sizeof preload_stats_path - 32) {
            preload_write_line("FAULTLINE_STATS: path too long", NULL);
            _exit(2);
        }
        strcpy(preload_stats_path, stats);
    }
    int rc = PRELOAD_OPS->init(&preload_pv);
    if (rc != 0) {
        const char *name = strerrorname_np(rc);
        preload_write_line("init failed: ", name ? name : "unknown error");
        _exit(2);
    }
}

/* Returns 1 when the backend is usable, 0 when the caller must use the bootstrap arena. */
static int preload_ensure(void)
{
    if (atomic_load_explicit(&preload_state, memory_order_acquire) == PRELOAD_READY)
        return 1;
    if (preload_in_init)
        return 0;
    extern char **environ;
    if (environ == NULL)
        return 0; /* too early to read FAULTLINE_PARAMS; the constructor will init */
    int expect = PRELOAD_UNINIT;
    if (atomic_compare_exchange_strong(&preload_state, &expect, PRELOAD_BUSY)) {
        preload_in_init = 1;
        preload_do_init();
        atomic_store_explicit(&preload_state, PRELOAD_READY, memory_order_release);
        /* After READY: glibc keeps its first atfork handlers in static storage, and should it
         * ever allocate, the allocation is served by the now-ready backend. */
        pthread_atfork(preload_atfork_prepare, preload_atfork_parent, preload_atfork_child);
        preload_in_init = 0;
        return 1;
    }
    while (atomic_load_explicit(&preload_state, memory_order_acquire) != PRELOAD_READY)
        sched_yield();
    return 1;
}

__attribute__((constructor)) static void preload_constructor(void)
{
    preload_ensure();
}

static void preload_json_counts(char *buf, size_t len, size_t *at, const char *key,
                                const uint64_t *v)
{
    int n = snprintf(buf + *at, len - *at, "\"%s\":{", key);
    if (n > 0)
        *at += (size_t)n;
    for (int i = 0; i < OS_CALL_COUNT && *at < len; i++) {
        n = snprintf(buf + *at, len - *at, "%s\"%s\":%llu", i ? "," : "",
                     os_call_name((enum os_call)i), (unsigned long long)v[i]);
        if (n > 0)
            *at += (size_t)n;
    }
    if (*at < len) {
        n = snprintf(buf + *at, len - *at, "}");
        if (n > 0)
            *at += (size_t)n;
    }
}

/* "%p" in the path becomes the pid, so every process of a pipeline keeps its own file. */
static void preload_stats_expand(char *out, size_t len)
{
    size_t o = 0;
    for (const char *s = preload_stats_path; *s && o + 24 < len; s++) {
        if (s[0] == '%' && s[1] == 'p') {
            int n = snprintf(out + o, len - o, "%ld", (long)getpid());
            o += n > 0 ? (size_t)n : 0;
            s++;
        } else {
            out[o++] = *s;
        }
    }
    out[o] = '\0';
}

/* Writes the stats file through a temp file and rename, so a reader never sees half of it. */
__attribute__((destructor)) static void preload_destructor(void)
{
    if (!preload_stats_path[0] ||
        atomic_load_explicit(&preload_state, memory_order_acquire) != PRELOAD_READY)
        return;
    struct os_counts c;
    os_counts_read(&c);
    struct backend_stats st;
    memset(&st, 0, sizeof st);
    if (PRELOAD_OPS->stats)
        PRELOAD_OPS->stats(&st);
    char params[1024];
    param_format_set(&preload_pv, params, sizeof params);
    static char buf[4096];
    size_t at = 0;
    int n = snprintf(buf, sizeof buf, "{\"backend\":\"%s\",\"params\":\"%s\",\"pid\":%ld,",
                     PRELOAD_OPS->name, params, (long)getpid());
    at = n > 0 ? (size_t)n : 0;
    preload_json_counts(buf, sizeof buf, &at, "os_calls", c.calls);
    at += (size_t)snprintf(buf + at, sizeof buf - at, ",");
    preload_json_counts(buf, sizeof buf, &at, "os_bytes", c.bytes);
    at += (size_t)snprintf(buf + at, sizeof buf - at, ",");
    preload_json_counts(buf, sizeof buf, &at, "os_failures", c.failures);
    n = snprintf(buf + at, sizeof buf - at,
                 ",\"heap_bytes\":%zu,\"mapped_bytes\":%zu,\"live_bytes\":%zu,"
                 "\"peak_heap_bytes\":%zu,\"peak_mapped_bytes\":%zu}\n",
                 st.heap_bytes, st.mapped_bytes, st.live_bytes, st.peak_heap_bytes,
                 st.peak_mapped_bytes);
    if (n < 0 || at + (size_t)n >= sizeof buf)
        return;
    at += (size_t)n;
    char path[600], tmp[640];
    preload_stats_expand(path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    struct stat target;
    if (stat(path, &target) == 0 && !S_ISREG(target.st_mode)) {
        /* never rename over a device such as /dev/null: write it in place */
        int dfd = open(path, O_WRONLY | O_CLOEXEC);
        if (dfd >= 0) {
            ssize_t dw = write(dfd, buf, at);
            (void)dw;
            close(dfd);
        }
        return;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        preload_write_line("FAULTLINE_STATS: cannot create ", tmp);
        return;
    }
    ssize_t w = write(fd, buf, at);
    if (close(fd) != 0 || w != (ssize_t)at || rename(tmp, path) != 0) {
        preload_write_line("FAULTLINE_STATS: cannot write ", path);
        unlink(tmp);
    }
}

PRELOAD_EXPORT void *malloc(size_t size)
{
    if (!preload_ensure())
        return preload_boot_alloc(BACKEND_ALIGN, size);
    return PRELOAD_OPS->malloc(size);
}

PRELOAD_EXPORT void free(void *p)
{
    if (p == NULL || preload_is_boot(p))
        return;
    PRELOAD_OPS->free(p);
}

PRELOAD_EXPORT void cfree(void *p)
{
    free(p);
}

PRELOAD_EXPORT void *calloc(size_t n, size_t size)
{
    if (!preload_ensure()) {
        size_t total;
        if (__builtin_mul_overflow(n, size, &total)) {
            errno = ENOMEM;
            return NULL;
        }
        return preload_boot_alloc(BACKEND_ALIGN, total); /* static storage is zero */
    }
    return PRELOAD_OPS->calloc(n, size);
}

PRELOAD_EXPORT void *realloc(void *p, size_t size)
{
    if (p != NULL && preload_is_boot(p)) {
        /* Moving a bootstrap block out: the old block stays in place, never reused. */
        void *q = malloc(size ? size : 1);
        if (q) {
            size_t old = preload_boot_size(p);
            memcpy(q, p, old < size ? old : size);
        }
        return q;
    }
    if (!preload_ensure())
        return p ? NULL : preload_boot_alloc(BACKEND_ALIGN, size);
    return PRELOAD_REALLOC(p, size);
}

PRELOAD_EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, total);
}

PRELOAD_EXPORT void *memalign(size_t align, size_t size)
{
    if (!preload_ensure()) {
        if (align == 0 || (align & (align - 1))) {
            errno = EINVAL;
            return NULL;
        }
        return preload_boot_alloc(align, size);
    }
    return PRELOAD_MEMALIGN(align, size);
}

PRELOAD_EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
    /* POSIX: a power of two multiple of sizeof(void *); errors are returned, errno is kept. */
    if (align < sizeof(void *) || (align & (align - 1)))
        return EINVAL;
    int saved = errno;
    void *p = memalign(align, size);
    int rc = p ? 0 : errno;
    errno = saved;
    if (p)
        *out = p;
    return rc;
}

PRELOAD_EXPORT void *aligned_alloc(size_t align, size_t size)
{
    if (align == 0 || (align & (align - 1))) {
        errno = EINVAL; /* glibc behaviour since 2.35 */
        return NULL;
    }
    return memalign(align, size);
}

PRELOAD_EXPORT void *valloc(size_t size)
{
    return memalign(os_page_size(), size);
}

PRELOAD_EXPORT void *pvalloc(size_t size)
{
    size_t page = os_page_size();
    if (size > SIZE_MAX - page) {
        errno = ENOMEM;
        return NULL;
    }
    size_t rounded = (size + page - 1) & ~(page - 1);
    return memalign(page, rounded ? rounded : page);
}

PRELOAD_EXPORT size_t malloc_usable_size(void *p)
{
    if (p == NULL)
        return 0;
    if (preload_is_boot(p))
        return preload_boot_size(p);
    return PRELOAD_OPS->usable_size(p);
}

/* mallopt is only meaningful for the hybrid backend, whose knobs mirror glibc's; the others
 * report every parameter as unsupported (0) rather than pretend to accept it. */
PRELOAD_EXPORT int mallopt(int param, int value)
{
#ifdef PRELOAD_HYBRID
    preload_ensure();
    if (hybrid_mallopt)
        return hybrid_mallopt(param, value);
#endif
    (void)param;
    (void)value;
    return 0;
}

PRELOAD_EXPORT int malloc_trim(size_t pad)
{
    if (!preload_ensure() || !PRELOAD_OPS->trim)
        return 0;
    return PRELOAD_OPS->trim(pad);
}
