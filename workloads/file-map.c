/* File-backed mappings after the file was evicted from the page cache: major vs minor faults for
 * sequential and random reads, copy-on-write and shared writes, and MAP_POPULATE. This workload
 * studies the kernel's file mappings, not the allocator: it calls mmap/munmap/madvise/msync
 * directly (they are not counted by the OS layer, but the syscall tracepoints see them), and
 * ops_done counts page accesses so the timeline ticks while pages fault in. */
#define _GNU_SOURCE
#include "wl_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum file_map_mode {
    FILE_MAP_READ_SEQ,
    FILE_MAP_READ_RANDOM,
    FILE_MAP_PRIVATE_WRITE,
    FILE_MAP_SHARED_WRITE,
    FILE_MAP_POPULATE,
};

static const struct param_def file_map_params[] = {
    {"size", PARAM_SIZE, "16M", 4096, 1LL << 36, NULL, 0, "file size (bytes mapped)"},
    {"mode", PARAM_ENUM, "read-seq", 0, 0,
     "read-seq|read-random|private-write|shared-write|populate", 0,
     "read-seq: MAP_SHARED read one byte per page in order (readahead); read-random: "
     "MADV_RANDOM, pages in seeded random order (one major fault each); private-write: "
     "MAP_PRIVATE write per page (copy-on-write); shared-write: MAP_SHARED write per page then "
     "msync(MS_SYNC); populate: MAP_POPULATE, then read"},
    {"evict", PARAM_SWITCH, "on", 0, 1, NULL, 0,
     "fsync + posix_fadvise(DONTNEED) before mapping (off: hot page cache)"},
    {.name = NULL},
};

/* Fill the file with non-zero data so every page has real blocks behind it. */
static int file_map_fill(int fd, size_t size)
{
    unsigned char buf[16384];
    memset(buf, 0x5a, sizeof buf);
    size_t done = 0;
    while (done < size) {
        size_t n = size - done < sizeof buf ? size - done : sizeof buf;
        ssize_t w = write(fd, buf, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        done += (size_t)w;
    }
    return 0;
}

/* Pages of [p, p+len) that are in the page cache (mincore), in fixed-size chunks so no buffer
 * has to be allocated. */
static size_t file_map_resident(void *p, size_t len)
{
    unsigned char vec[4096];
    size_t pages = wl_util_pages(len), resident = 0;
    for (size_t first = 0; first < pages; first += sizeof vec) {
        size_t n = pages - first < sizeof vec ? pages - first : sizeof vec;
        if (mincore((char *)p + first * WL_UTIL_PAGE, n * WL_UTIL_PAGE, vec) != 0)
            return 0;
        for (size_t i = 0; i < n; i++)
            resident += vec[i] & 1;
    }
    return resident;
}

/* A seeded permutation of [0, n) without a table: a full-period LCG modulo the next power of
 * two m, scrambled by a bijective xorshift-multiply, skipping values >= n (cycle walking). */
struct file_map_perm {
    uint64_t m, a, c, x, odd;
    unsigned half;
};

static void file_map_perm_init(struct file_map_perm *pm, struct wl_env *env, uint64_t n)
{
    unsigned bits = 0;
    while (((uint64_t)1 << bits) < n)
        bits++;
    pm->m = (uint64_t)1 << bits;
    pm->a = (wl_rand(env) & ~(uint64_t)3) | 1; /* a = 1 mod 4 and c odd: period m */
    pm->c = wl_rand(env) | 1;
    pm->x = wl_rand(env);
    pm->odd = wl_rand(env) | 1;
    pm->half = bits / 2 ? bits / 2 : 1;
}

static uint64_t file_map_perm_next(struct file_map_perm *pm, uint64_t n)
{
    for (;;) {
        pm->x = (pm->a * pm->x + pm->c) & (pm->m - 1);
        uint64_t z = pm->x ^ (pm->x >> pm->half);
        z = (z * pm->odd) & (pm->m - 1);
        if (z < n)
            return z;
    }
}

static int file_map_touch(struct wl_env *env, enum file_map_mode mode, unsigned char *p,
                          size_t pages)
{
    volatile unsigned char *c = p;
    unsigned sum = 0;
    if (mode == FILE_MAP_READ_RANDOM) {
        struct file_map_perm pm;
        file_map_perm_init(&pm, env, pages);
        for (size_t i = 0; i < pages; i++) {
            sum += c[file_map_perm_next(&pm, pages) * WL_UTIL_PAGE];
            wl_count_op(env);
        }
    } else if (mode == FILE_MAP_PRIVATE_WRITE || mode == FILE_MAP_SHARED_WRITE) {
        for (size_t i = 0; i < pages; i++) {
            c[i * WL_UTIL_PAGE] = (unsigned char)(i | 1);
            wl_count_op(env);
        }
    } else {
        for (size_t i = 0; i < pages; i++) {
            sum += c[i * WL_UTIL_PAGE];
            wl_count_op(env);
        }
    }
    env->touched_pages += pages;
    if (mode == FILE_MAP_SHARED_WRITE && msync(p, pages * WL_UTIL_PAGE, MS_SYNC) != 0)
        return errno;
    /* Reads must happen: the file holds 0x5a everywhere, anything else is corruption. */
    if (mode != FILE_MAP_PRIVATE_WRITE && mode != FILE_MAP_SHARED_WRITE &&
        sum != (unsigned)pages * 0x5au)
        return EIO;
    return 0;
}

/* The file's descriptor, made by prepare() outside the measured phase (creating, filling and
 * fsyncing the file is setup, not the mapping behaviour measured). */
static int file_map_fd = -1;

static void file_map_cleanup(struct wl_env *env)
{
    if (file_map_fd >= 0)
        close(file_map_fd);
    file_map_fd = -1;
    env->state = NULL;
}

static int file_map_prepare(struct wl_env *env)
{
    const size_t len = wl_util_pages((size_t)wl_util_num(env, "size")) * WL_UTIL_PAGE;
    const int evict = (int)wl_util_num(env, "evict");

    /* The harness provides a private tmpdir; standalone callers get one made and removed here. */
    char own[64] = "";
    const char *dir = env->tmpdir;
    if (!dir) {
        snprintf(own, sizeof own, "/tmp/faultline-file-map-XXXXXX");
        if (!mkdtemp(own))
            return errno;
        dir = own;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/faultline-file-map.%ld", dir, (long)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    int rc = fd < 0 ? errno : 0;
    /* Unlinked at once: the open descriptor keeps the data, and no failure path leaves a file. */
    if (fd >= 0)
        unlink(path);
    if (own[0])
        rmdir(own);
    if (rc)
        return rc;

    rc = file_map_fill(fd, len);
    if (rc == 0 && evict) {
        if (fsync(fd) != 0)
            rc = errno;
        else
            rc = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    }
    if (rc) {
        close(fd);
        return rc;
    }
    file_map_fd = fd;
    env->state = &file_map_fd;
    return 0;
}

static int file_map_run(struct wl_env *env)
{
    const size_t size = (size_t)wl_util_num(env, "size");
    const enum file_map_mode mode = (enum file_map_mode)wl_util_num(env, "mode");
    const size_t pages = wl_util_pages(size);
    const size_t len = pages * WL_UTIL_PAGE;
    const int fd = *(const int *)env->state;
    int rc = 0;
    wl_step(env, "evicted");

    int prot = PROT_READ, flags = MAP_SHARED;
    if (mode == FILE_MAP_PRIVATE_WRITE)
        prot |= PROT_WRITE, flags = MAP_PRIVATE;
    else if (mode == FILE_MAP_SHARED_WRITE)
        prot |= PROT_WRITE;
    else if (mode == FILE_MAP_POPULATE)
        flags |= MAP_POPULATE;
    unsigned char *p = mmap(NULL, len, prot, flags, fd, 0);
    if (p == MAP_FAILED)
        return errno;
    if (mode == FILE_MAP_READ_RANDOM && madvise(p, len, MADV_RANDOM) != 0)
        rc = errno;
    if (rc == 0) {
        wl_step(env, "mapped");
        /* How much of the file is cached now (mincore, no faults): 0 after a working eviction,
         * all pages with populate or a hot cache; lets a reader tell why majflt came out low. */
        char label[48];
        snprintf(label, sizeof label, "cached=%zu", file_map_resident(p, len));
        wl_step(env, label);
        rc = file_map_touch(env, mode, p, pages);
    }
    if (rc == 0)
        wl_step(env, "touched");
    munmap(p, len);
    if (rc == 0)
        wl_step(env, "unmapped");
    return rc;
}

const struct workload workload_file_map = {
    .name = "file-map",
    .summary = "map an evicted file: major/minor faults for reads, random reads, COW, populate",
    .params = file_map_params,
    .prepare = file_map_prepare,
    .run = file_map_run,
    .cleanup = file_map_cleanup,
};
