/* Out-of-memory contract of one backend (argv[1]): under a tight RLIMIT_AS (RLIMIT_DATA for brk)
 * a too-large request returns NULL with errno ENOMEM, a failed realloc keeps its block, and
 * smaller requests still succeed afterwards. Runs in a forked child so the limit stays there. */
#define _GNU_SOURCE
#include "test_util.h"

#include <fcntl.h>
#include <sys/resource.h>

#define ENOMEM_HEADROOM (8u << 20)   /* the limit is current usage plus this */
#define ENOMEM_TOO_BIG  (256u << 20) /* far beyond the headroom */

static const struct backend_ops *enomem_ops;

/* A "Key:  123 kB" line of /proc/self/status, in bytes; 0 if absent. Read with read(2) because
 * stdio would allocate. */
static size_t enomem_status_bytes(const char *key)
{
    char buf[8192];
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    size_t klen = strlen(key);
    for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (!strncmp(line, key, klen) && line[klen] == ':')
            return (size_t)strtoull(line + klen + 1, NULL, 10) * 1024;
    return 0;
}

static void enomem_expect_fail(void *p, const char *what)
{
    TEST_UTIL_CHECK(p == NULL && errno == ENOMEM, "%s under the limit = %p errno %d (%s)", what, p,
                    errno, strerror(errno));
    if (p)
        enomem_ops->free(p);
}

static void *enomem_expect_ok(size_t size, unsigned char fill)
{
    errno = 0;
    void *p = enomem_ops->malloc(size);
    TEST_UTIL_CHECK(p != NULL, "malloc(%zu) under the limit failed (errno %d)", size, errno);
    if (p)
        memset(p, fill, size);
    return p;
}

static int enomem_child(void *arg)
{
    (void)arg;
    int rc = test_util_init(enomem_ops, NULL);
    if (rc == ENOSYS)
        return TEST_UTIL_SKIP;
    if (rc != 0)
        return 1;
    enomem_ops->free(enomem_ops->malloc(100)); /* let the backend set itself up */
    void *keep = enomem_expect_ok(64 << 10, 0x5A);

    /* brk is bounded by RLIMIT_DATA (heap + data segment); since Linux 4.7 RLIMIT_DATA also
     * bounds private writable mappings, and VmData counts both. The rest map: RLIMIT_AS. */
    bool data = strcmp(enomem_ops->name, "brk") == 0;
    int resource = data ? RLIMIT_DATA : RLIMIT_AS;
    const char *key = data ? "VmData" : "VmSize";
    size_t used = enomem_status_bytes(key);
    TEST_UTIL_CHECK(used > 0, "cannot read %s from /proc/self/status", key);
    if (!used)
        return 1;
    struct rlimit rl;
    getrlimit(resource, &rl);
    rl.rlim_cur = used + ENOMEM_HEADROOM;
    if (setrlimit(resource, &rl) != 0) {
        test_util_say("FAIL setrlimit(%s, %zu): %s\n", data ? "RLIMIT_DATA" : "RLIMIT_AS",
                      used + ENOMEM_HEADROOM, strerror(errno));
        return 1;
    }
    test_util_say("%s: %s = %zu KiB, limit %zu KiB\n", enomem_ops->name, key, used >> 10,
                  (used + ENOMEM_HEADROOM) >> 10);

    errno = 0;
    enomem_expect_fail(enomem_ops->malloc(ENOMEM_TOO_BIG), "malloc(256M)");
    errno = 0;
    enomem_expect_fail(enomem_ops->calloc(1, ENOMEM_TOO_BIG), "calloc(1, 256M)");
    errno = 0;
    enomem_expect_fail(enomem_ops->memalign(64 << 10, ENOMEM_TOO_BIG), "memalign(64K, 256M)");
    if (keep) {
        errno = 0;
        void *q = enomem_ops->realloc(keep, ENOMEM_TOO_BIG);
        enomem_expect_fail(q, "realloc(64K block, 256M)");
        if (q)
            keep = NULL; /* it moved: the old block is gone */
    }
    if (keep) {
        const unsigned char *c = keep;
        size_t bad = 0;
        for (size_t i = 0; i < (64 << 10); i++)
            bad += c[i] != 0x5A;
        TEST_UTIL_CHECK(bad == 0, "failed realloc changed %zu bytes of the block", bad);
    }

    /* Below the limit, allocation goes on working. */
    void *a = enomem_expect_ok(64 << 10, 1);
    void *b = enomem_expect_ok(1 << 20, 2);
    void *c = enomem_expect_ok(100, 3);
    errno = 0;
    enomem_expect_fail(enomem_ops->malloc(ENOMEM_TOO_BIG), "malloc(256M) again");
    enomem_ops->free(a);
    enomem_ops->free(b);
    enomem_ops->free(c);
    enomem_ops->free(keep);
    void *d = enomem_expect_ok(2 << 20, 4);
    enomem_ops->free(d);
    return test_util_failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        test_util_say("usage: test_enomem BACKEND\n");
        return 2;
    }
    if (FAULTLINE_SANITIZED) {
        test_util_say("SKIP sanitized build: ASan reserves terabytes of shadow memory, so neither"
                      " RLIMIT_AS nor RLIMIT_DATA can be set just above the process's usage\n");
        return TEST_UTIL_SKIP;
    }
    enomem_ops = test_util_backend(argv[1]);
    if (!enomem_ops)
        return 1;
    if (enomem_ops->preload) {
        test_util_say("SKIP peer backend %s: checked under LD_PRELOAD\n", argv[1]);
        return TEST_UTIL_SKIP;
    }
    char what[96];
    snprintf(what, sizeof what, "ENOMEM behaviour of backend %s", argv[1]);
    int rc = test_util_run_forked(what, enomem_child, NULL);
    if (rc == 0)
        test_util_say("PASS %s\n", what);
    return rc == 0 ? 0 : rc == TEST_UTIL_SKIP ? TEST_UTIL_SKIP : 1;
}
