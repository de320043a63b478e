/* Scratch directories under /tmp (see scratch.h). Why the creator's pid in the name: a faultline
 * killed by a signal (kill, timeout, Slurm's scancel, kill -9) cannot remove its directories, and
 * no handler runs for SIGKILL; naming them after the process lets the next faultline remove
 * exactly the ones whose creator is gone, without touching a live one. Why the host's tag next
 * to it: a pid only says something on its own host, and a /tmp shared between nodes must not
 * lose another node's live directories. */
#define _GNU_SOURCE
#include "scratch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SCRATCH_ROOT   "/tmp"
#define SCRATCH_PREFIX "faultline-"

static int scratch_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static int scratch_rm_below(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return ftw->level > 0 ? scratch_rm_entry(path, st, flag, ftw) : 0;
}

void scratch_remove(const char *dir)
{
    if (dir && dir[0])
        nftw(dir, scratch_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void scratch_clear(const char *dir)
{
    if (dir && dir[0])
        nftw(dir, scratch_rm_below, 16, FTW_DEPTH | FTW_PHYS);
}

/* This host's tag: 8 hex digits of an FNV-1a hash of its name. */
static const char *scratch_host(void)
{
    static char tag[9];
    if (!tag[0]) {
        char host[256] = "";
        gethostname(host, sizeof host - 1);
        uint32_t h = 2166136261u;
        for (const char *c = host; *c; c++)
            h = (h ^ (unsigned char)*c) * 16777619u;
        snprintf(tag, sizeof tag, "%08x", (unsigned)h);
    }
    return tag;
}

/* "faultline-KIND-HOST-PID-XXXXXX" of this host -> PID, or 0 when name is not one of ours. */
static pid_t scratch_owner_pid(const char *name)
{
    if (strncmp(name, SCRATCH_PREFIX, strlen(SCRATCH_PREFIX)) != 0)
        return 0;
    const char *tail = strrchr(name, '-'); /* before the mkdtemp suffix */
    if (!tail || strlen(tail + 1) != 6 || tail == name)
        return 0;
    const char *p = tail;
    while (p > name && p[-1] >= '0' && p[-1] <= '9')
        p--;
    if (p == tail || p - name < 10 || p[-1] != '-' || p[-10] != '-' ||
        memcmp(p - 9, scratch_host(), 8) != 0)
        return 0;
    long pid = strtol(p, NULL, 10);
    return pid > 0 && pid <= 0x3fffffff ? (pid_t)pid : 0;
}

void scratch_sweep(void)
{
    DIR *d = opendir(SCRATCH_ROOT);
    if (!d)
        return;
    int dfd = dirfd(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        pid_t pid = scratch_owner_pid(e->d_name);
        if (pid <= 0 || pid == getpid())
            continue;
        /* a directory of ours (not a link, not another user's) whose creator has exited */
        struct stat st;
        if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode) ||
            st.st_uid != getuid())
            continue;
        if (kill(pid, 0) == 0 || errno != ESRCH)
            continue;
        char path[sizeof SCRATCH_ROOT + 256];
        snprintf(path, sizeof path, "%s/%s", SCRATCH_ROOT, e->d_name);
        scratch_remove(path);
    }
    closedir(d);
}

int scratch_make(char *buf, size_t len, const char *kind)
{
    static bool swept;
    if (!swept) {
        swept = true;
        scratch_sweep();
    }
    int n = snprintf(buf, len, "%s/%s%s-%s-%d-XXXXXX", SCRATCH_ROOT, SCRATCH_PREFIX, kind,
                     scratch_host(), (int)getpid());
    if (n < 0 || (size_t)n >= len) {
        if (len)
            buf[0] = '\0';
        errno = ENAMETOOLONG;
        return -1;
    }
    if (!mkdtemp(buf)) {
        int e = errno;
        buf[0] = '\0';
        errno = e;
        return -1;
    }
    return 0;
}
