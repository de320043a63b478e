/* Shared memory between two processes: a POSIX shm object (shm_open) or a MAP_SHARED|MAP_ANONYMOUS
 * mapping, touched half by this process and half by a forked peer, to compare their faults. Like
 * file-map it calls mmap/munmap directly (not counted by the OS layer; tracepoints see them). */
#define _GNU_SOURCE
#include "wl_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

enum shm_mode { SHM_POSIX, SHM_ANON };

static const struct param_def shm_params[] = {
    {"mode", PARAM_ENUM, "posix", 0, 0, "posix|anon", 0,
     "posix: shm_open + ftruncate + mmap(MAP_SHARED), unlinked right after mmap; anon: "
     "mmap(MAP_SHARED|MAP_ANONYMOUS)"},
    {"size", PARAM_SIZE, "4M", 8192, 1LL << 36, NULL, 0,
     "bytes shared (this process writes the first half of the pages, the peer the rest)"},
    {.name = NULL},
};

/* What the peer leaves in the last bytes of the mapping (a page it has already touched). */
struct shm_report {
    uint64_t magic;
    uint64_t minflt;
};

#define SHM_MAGIC 0x6661756c746c696eull /* "faultlin" */

static unsigned char shm_mark(size_t page)
{
    return (unsigned char)((page * 131u) | 1u);
}

/* The peer: write one byte per page of [half, len), report its own minor faults, exit. It
 * calls nothing that allocates, since it is a fork of a process whose allocator is under test. */
static void shm_peer(unsigned char *p, size_t first_page, size_t pages, size_t len)
{
    for (size_t i = first_page; i < pages; i++)
        p[i * WL_UTIL_PAGE] = shm_mark(i);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    struct shm_report *r = (struct shm_report *)(p + len - sizeof *r);
    r->minflt = (uint64_t)ru.ru_minflt;
    r->magic = SHM_MAGIC;
    _exit(0);
}

static int shm_map(enum shm_mode mode, size_t len, unsigned char **out)
{
    if (mode == SHM_ANON) {
        void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return errno;
        *out = p;
        return 0;
    }
    static atomic_uint seq;
    char name[96];
    snprintf(name, sizeof name, "/faultline-shm-%ld-%u", (long)getpid(), atomic_fetch_add(&seq, 1));
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno;
    int rc = 0;
    void *p = MAP_FAILED;
    if (ftruncate(fd, (off_t)len) != 0)
        rc = errno;
    else if ((p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED)
        rc = errno;
    /* Unlinked at once: the mapping keeps the object alive, and nothing is left in /dev/shm
     * whatever happens next. */
    shm_unlink(name);
    close(fd);
    if (rc)
        return rc;
    *out = p;
    return 0;
}

static int shm_run(struct wl_env *env)
{
    const enum shm_mode mode = (enum shm_mode)wl_util_num(env, "mode");
    const size_t pages = wl_util_pages((size_t)wl_util_num(env, "size"));
    const size_t len = pages * WL_UTIL_PAGE;
    const size_t half = pages / 2;

    unsigned char *p = NULL;
    int rc = shm_map(mode, len, &p);
    if (rc)
        return rc;
    wl_step(env, "mapped");

    pid_t pid = fork();
    if (pid < 0) {
        rc = errno;
        munmap(p, len);
        return rc;
    }
    if (pid == 0)
        shm_peer(p, half, pages, len);

    wl_touch(env, p, half * WL_UTIL_PAGE, WL_UTIL_PAGE);
    wl_step(env, "touched");

    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            rc = errno;
            break;
        }
    }
    const struct shm_report *r = (const struct shm_report *)(p + len - sizeof *r);
    if (rc == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || r->magic != SHM_MAGIC))
        rc = EIO;
    /* The peer's writes must be visible here: that is the point of a shared mapping. */
    for (size_t i = half; rc == 0 && i < pages; i++)
        if (p[i * WL_UTIL_PAGE] != shm_mark(i))
            rc = EIO;
    if (rc == 0) {
        char label[48];
        snprintf(label, sizeof label, "peer_minflt=%llu", (unsigned long long)r->minflt);
        wl_step(env, label);
    }
    munmap(p, len);
    if (rc == 0)
        wl_step(env, "unmapped");
    return rc;
}

const struct workload workload_shm = {
    .name = "shm",
    .summary = "shared mapping (shm_open or anonymous) written half here, half by a forked peer",
    .params = shm_params,
    .run = shm_run,
};
