/* Leaf cgroups with memory limits for measured runs (see cgroup.h). Plain file I/O on the
 * mounted cgroup filesystems: libcgroup is in Debian but only wraps the same writes and does
 * not read memory.events/pressure, so a dependency would add nothing here. */
#define _GNU_SOURCE
#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h"
#include "param.h"

static const char *const cgroup_keys[][2] = {
    /* accepted key, canonical (v2) key */
    {"memory.max", "memory.max"},
    {"memory.high", "memory.high"},
    {"memory.swap.max", "memory.swap.max"},
    {"memory.limit_in_bytes", "memory.max"},
    {"memory.soft_limit_in_bytes", "memory.high"},
};

#define CGROUP_VALID_KEYS                                                                          \
    "memory.max, memory.high, memory.swap.max (v1 aliases memory.limit_in_bytes, "                 \
    "memory.soft_limit_in_bytes)"

static int cgroup_set_key(struct cgroup_limits *out, const char *key, const char *val, char *err,
                          size_t errlen)
{
    const char *canon = NULL;
    for (size_t i = 0; i < sizeof cgroup_keys / sizeof cgroup_keys[0]; i++)
        if (!strcmp(key, cgroup_keys[i][0]))
            canon = cgroup_keys[i][1];
    if (!canon) {
        snprintf(err, errlen, "--cgroup: unknown key '%s' (valid: %s)", key, CGROUP_VALID_KEYS);
        return -1;
    }
    int64_t v;
    long page = sysconf(_SC_PAGESIZE);
    bool swap = !strcmp(canon, "memory.swap.max"); /* swap may be 0: "no swap at all" */
    if (!strcmp(val, "max")) {
        v = CGROUP_NO_LIMIT;
    } else if (param_parse_size(val, &v) != 0 || (v < page && !(swap && v == 0))) {
        snprintf(err, errlen,
                 "--cgroup %s=%s: expected a size of at least one page (%ld bytes; K/M/G "
                 "suffixes) or 'max'%s",
                 key, val, page, swap ? " or 0" : "");
        return -1;
    }
    int64_t *slot = !strcmp(canon, "memory.max")    ? &out->max
                    : !strcmp(canon, "memory.high") ? &out->high
                                                    : &out->swap_max;
    *slot = v;
    return 0;
}

int cgroup_parse(const char *spec, struct cgroup_limits *out, char *err, size_t errlen)
{
    out->max = out->high = out->swap_max = CGROUP_UNSET;
    char buf[512];
    if (snprintf(buf, sizeof buf, "%s", spec) >= (int)sizeof buf || !spec[0]) {
        snprintf(err, errlen, "--cgroup '%.40s': expected key=size[,key=size] (keys: %s)", spec,
                 CGROUP_VALID_KEYS);
        return -1;
    }
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",;", &save); tok; tok = strtok_r(NULL, ",;", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq || eq == tok || !eq[1]) {
            snprintf(err, errlen, "--cgroup '%s': expected key=size (keys: %s)", tok,
                     CGROUP_VALID_KEYS);
            return -1;
        }
        *eq = '\0';
        if (cgroup_set_key(out, tok, eq + 1, err, errlen) != 0)
            return -1;
    }
    if (out->max == CGROUP_UNSET && out->high == CGROUP_UNSET && out->swap_max == CGROUP_UNSET) {
        snprintf(err, errlen, "--cgroup '%s': no limit given (keys: %s)", spec, CGROUP_VALID_KEYS);
        return -1;
    }
    return 0;
}

static void cgroup_format_one(char *buf, size_t len, size_t *used, const char *key, int64_t v)
{
    if (v == CGROUP_UNSET || *used >= len)
        return;
    char num[32];
    if (v == CGROUP_NO_LIMIT)
        snprintf(num, sizeof num, "max");
    else
        param_format_size(v, num, sizeof num);
    int n = snprintf(buf + *used, len - *used, "%s%s=%s", *used ? ";" : "", key, num);
    if (n > 0)
        *used += (size_t)n;
}

void cgroup_format(const struct cgroup_limits *l, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    cgroup_format_one(buf, len, &used, "memory.max", l->max);
    cgroup_format_one(buf, len, &used, "memory.high", l->high);
    cgroup_format_one(buf, len, &used, "memory.swap.max", l->swap_max);
}

/* Does the comma-separated list contain word? */
static bool cgroup_has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; p && *p;) {
        const char *end = strpbrk(p, ", \n");
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && !strncmp(p, word, n))
            return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

/* This process's path in a hierarchy: the /proc/self/cgroup line whose controller list has
 * `controller` (v1), or the "0::" line (controller NULL, v2). */
static int cgroup_own_path(const char *cgroup_path, const char *controller, char *out, size_t len)
{
    FILE *f = fopen(cgroup_path, "re");
    if (!f)
        return -1;
    char line[1024];
    int rc = -1;
    while (rc != 0 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c2 = '\0';
        bool match = controller ? cgroup_has_word(c1 + 1, controller)
                                : (!strncmp(line, "0:", 2) && c1[1] == '\0');
        if (match && snprintf(out, len, "%s", c2 + 1) < (int)len)
            rc = 0;
    }
    fclose(f);
    return rc;
}

/* mountpoint + (own - mount root): the directory of this process's cgroup. */
static int cgroup_join_path(const char *mnt, const char *root, const char *own, char *out,
                            size_t len)
{
    size_t rl = strlen(root);
    if (strcmp(root, "/") && !strncmp(own, root, rl))
        own += rl;
    while (*own == '/')
        own++;
    return snprintf(out, len, "%s%s%s", mnt, *own ? "/" : "", own) < (int)len ? 0 : -1;
}

static bool cgroup_file_has(const char *path, const char *word)
{
    char buf[512];
    if (fdio_read_file(path, buf, sizeof buf) <= 0)
        return false;
    for (char *p = buf; *p; p++)
        if (*p == ' ' || *p == '\n')
            *p = ',';
    return cgroup_has_word(buf, word);
}

int cgroup_detect_from(const char *mountinfo_path, const char *cgroup_path, struct cgroup_mounts *m)
{
    memset(m, 0, sizeof *m);
    FILE *f = fopen(mountinfo_path, "re");
    if (!f) {
        snprintf(m->reason, sizeof m->reason, "cannot read %s", mountinfo_path);
        return -1;
    }
    char line[2048], v1dir[CGROUP_PATH_MAX] = "", own[CGROUP_PATH_MAX];
    while (fgets(line, sizeof line, f)) {
        /* id parent maj:min root mountpoint options [optional...] - fstype source superopts */
        char root[CGROUP_PATH_MAX], mnt[CGROUP_PATH_MAX], fstype[32], super[512];
        char *dash = strstr(line, " - ");
        if (!dash || sscanf(line, "%*s %*s %*s %511s %511s", root, mnt) != 2 ||
            sscanf(dash + 3, "%31s %*s %511s", fstype, super) != 2)
            continue;
        if (!strcmp(fstype, "cgroup2") && !m->v2_dir[0] &&
            cgroup_own_path(cgroup_path, NULL, own, sizeof own) == 0)
            cgroup_join_path(mnt, root, own, m->v2_dir, sizeof m->v2_dir);
        else if (!strcmp(fstype, "cgroup") && cgroup_has_word(super, "memory") && !v1dir[0] &&
                 cgroup_own_path(cgroup_path, "memory", own, sizeof own) == 0)
            cgroup_join_path(mnt, root, own, v1dir, sizeof v1dir);
    }
    fclose(f);
    char ctl[CGROUP_PATH_MAX + 32];
    snprintf(ctl, sizeof ctl, "%s/cgroup.controllers", m->v2_dir);
    if (m->v2_dir[0] && cgroup_file_has(ctl, "memory")) {
        m->version = 2;
        snprintf(m->memory_dir, sizeof m->memory_dir, "%s", m->v2_dir);
    } else if (v1dir[0]) {
        m->version = 1;
        snprintf(m->memory_dir, sizeof m->memory_dir, "%s", v1dir);
    } else {
        snprintf(m->reason, sizeof m->reason,
                 "no memory controller mounted (cgroup v2 %s, no v1 memory hierarchy)",
                 m->v2_dir[0] ? "without the memory controller" : "not mounted");
        return -1;
    }
    return 0;
}

int cgroup_detect(struct cgroup_mounts *m)
{
    return cgroup_detect_from("/proc/self/mountinfo", "/proc/self/cgroup", m);
}

int cgroup_usable(struct cgroup_mounts *m, char *err, size_t errlen)
{
    if (geteuid() != 0) {
        snprintf(err, errlen, "--cgroup: needs root to create leaf cgroups (running as uid %u)",
                 (unsigned)geteuid());
        return -1;
    }
    if (cgroup_detect(m) != 0) {
        snprintf(err, errlen, "--cgroup: %s", m->reason);
        return -1;
    }
    if (access(m->memory_dir, W_OK) != 0) {
        snprintf(err, errlen, "--cgroup: cannot create cgroups in %s (%s)", m->memory_dir,
                 strerror(errno));
        return -1;
    }
    return 0;
}

static int cgroup_write(const char *dir, const char *file, const char *text)
{
    char path[CGROUP_PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    int saved = errno;
    close(fd);
    errno = saved;
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int cgroup_write_num(const char *dir, const char *file, int64_t v, int version)
{
    char num[32];
    if (v == CGROUP_NO_LIMIT)
        snprintf(num, sizeof num, "%s", version == 2 ? "max" : "-1");
    else
        snprintf(num, sizeof num, "%lld", (long long)v);
    return cgroup_write(dir, file, num);
}

static int cgroup_apply(int version, const char *dir, const struct cgroup_limits *l,
                        const char **failed)
{
    if (version == 2) {
        if (l->max != CGROUP_UNSET && cgroup_write_num(dir, *failed = "memory.max", l->max, 2))
            return -1;
        if (l->high != CGROUP_UNSET && cgroup_write_num(dir, *failed = "memory.high", l->high, 2))
            return -1;
        if (l->swap_max != CGROUP_UNSET &&
            cgroup_write_num(dir, *failed = "memory.swap.max", l->swap_max, 2))
            return -1;
        return 0;
    }
    if (l->max != CGROUP_UNSET &&
        cgroup_write_num(dir, *failed = "memory.limit_in_bytes", l->max, 1))
        return -1;
    if (l->high != CGROUP_UNSET &&
        cgroup_write_num(dir, *failed = "memory.soft_limit_in_bytes", l->high, 1))
        return -1;
    if (l->swap_max != CGROUP_UNSET) {
        /* v1 limits memory+swap together: memsw = max + swap */
        int64_t memsw = CGROUP_NO_LIMIT;
        if (l->max >= 0 && l->swap_max >= 0)
            memsw = l->max + l->swap_max;
        if (cgroup_write_num(dir, *failed = "memory.memsw.limit_in_bytes", memsw, 1))
            return -1;
    }
    return 0;
}

static int cgroup_open_procs(const char *dir)
{
    char path[CGROUP_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/cgroup.procs", dir);
    return open(path, O_WRONLY | O_CLOEXEC);
}

int cgroup_leaf_create(const struct cgroup_mounts *m, const struct cgroup_limits *l,
                       const char *name, struct cgroup_leaf *leaf, char *err, size_t errlen)
{
    memset(leaf, 0, sizeof *leaf);
    leaf->procs_fd = leaf->psi_procs_fd = -1;
    leaf->version = m->version;
    leaf->limit = l->max >= 0 ? l->max : -1;
    if (m->version == 2) {
        char ctl[CGROUP_PATH_MAX + 32];
        snprintf(ctl, sizeof ctl, "%s/cgroup.subtree_control", m->memory_dir);
        if (!cgroup_file_has(ctl, "memory") &&
            cgroup_write(m->memory_dir, "cgroup.subtree_control", "+memory") != 0) {
            snprintf(err, errlen, "cgroup: cannot enable memory in %s/cgroup.subtree_control: %s",
                     m->memory_dir, strerror(errno));
            return -1;
        }
    }
    if (snprintf(leaf->dir, sizeof leaf->dir, "%s/%s", m->memory_dir, name) >=
            (int)sizeof leaf->dir ||
        mkdir(leaf->dir, 0755) != 0) {
        snprintf(err, errlen, "cgroup: mkdir %s: %s", leaf->dir, strerror(errno));
        leaf->dir[0] = '\0';
        return -1;
    }
    const char *failed = "";
    if (cgroup_apply(m->version, leaf->dir, l, &failed) != 0 ||
        (leaf->procs_fd = cgroup_open_procs(leaf->dir)) < 0) {
        snprintf(err, errlen, "cgroup: %s/%s: %s", leaf->dir, failed, strerror(errno));
        cgroup_leaf_remove(leaf);
        return -1;
    }
    /* v1 has no per-cgroup pressure file; a companion v2 leaf (no controllers needed) gives the
     * run's own memory stall totals instead of the machine-wide /proc/pressure/memory. */
    if (m->version == 1 && m->v2_dir[0]) {
        snprintf(leaf->psi_dir, sizeof leaf->psi_dir, "%s/%s", m->v2_dir, name);
        if (mkdir(leaf->psi_dir, 0755) != 0 ||
            (leaf->psi_procs_fd = cgroup_open_procs(leaf->psi_dir)) < 0) {
            if (leaf->psi_dir[0])
                rmdir(leaf->psi_dir);
            leaf->psi_dir[0] = '\0';
        }
    }
    return 0;
}

int cgroup_leaf_join(const struct cgroup_leaf *leaf)
{
    /* "0" = the writing process, in both versions */
    if (leaf->psi_procs_fd >= 0 && write(leaf->psi_procs_fd, "0", 1) != 1)
        return -1;
    if (leaf->procs_fd < 0 || write(leaf->procs_fd, "0", 1) != 1)
        return -1;
    return 0;
}

/* Value of "key N" in a flat-keyed file, or -1. */
static int64_t cgroup_read_key(const char *dir, const char *file, const char *key)
{
    char path[CGROUP_PATH_MAX + 64], buf[8192];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    if (fdio_read_file(path, buf, sizeof buf) <= 0)
        return -1;
    size_t kl = strlen(key);
    for (char *p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (!strncmp(p, key, kl) && (p[kl] == ' ' || (key[0] == '\0'))) {
            char *end;
            long long v = strtoll(p + kl, &end, 10);
            return end == p + kl ? -1 : v;
        }
    }
    return -1;
}

/* "total=N" of the line starting with `kind` in a pressure file, or -1. */
static int64_t cgroup_read_psi(const char *dir, const char *kind)
{
    char path[CGROUP_PATH_MAX + 32], buf[512];
    snprintf(path, sizeof path, "%s/memory.pressure", dir);
    if (fdio_read_file(path, buf, sizeof buf) <= 0)
        return -1;
    for (char *p = buf; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        char *t = strstr(p, "total=");
        if (!strncmp(p, kind, strlen(kind)) && t)
            return strtoll(t + 6, NULL, 10);
    }
    return -1;
}

static int64_t cgroup_read_single(const char *dir, const char *file)
{
    char path[CGROUP_PATH_MAX + 64], buf[64];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    if (fdio_read_file(path, buf, sizeof buf) <= 0)
        return -1;
    char *end;
    long long v = strtoll(buf, &end, 10);
    return end == buf ? -1 : v;
}

void cgroup_leaf_read(const struct cgroup_leaf *leaf, struct cgroup_usage *u)
{
    memset(u, 0xff, sizeof *u); /* every field -1 */
    if (!leaf->dir[0])
        return;
    if (leaf->version == 2) {
        u->peak = cgroup_read_single(leaf->dir, "memory.peak");
        u->oom_kills = cgroup_read_key(leaf->dir, "memory.events", "oom_kill");
        u->high_events = cgroup_read_key(leaf->dir, "memory.events", "high");
        u->max_events = cgroup_read_key(leaf->dir, "memory.events", "max");
        u->stat_anon = cgroup_read_key(leaf->dir, "memory.stat", "anon");
        u->stat_file = cgroup_read_key(leaf->dir, "memory.stat", "file");
        u->psi_some_us = cgroup_read_psi(leaf->dir, "some");
        u->psi_full_us = cgroup_read_psi(leaf->dir, "full");
    } else {
        u->peak = cgroup_read_single(leaf->dir, "memory.max_usage_in_bytes");
        /* a charge is checked against memory+swap first when that limit is set: count both */
        u->failcnt = cgroup_read_single(leaf->dir, "memory.failcnt");
        int64_t memsw = cgroup_read_single(leaf->dir, "memory.memsw.failcnt");
        if (u->failcnt >= 0 && memsw > 0)
            u->failcnt += memsw;
        u->oom_kills = cgroup_read_key(leaf->dir, "memory.oom_control", "oom_kill");
        u->stat_anon = cgroup_read_key(leaf->dir, "memory.stat", "rss");
        u->stat_file = cgroup_read_key(leaf->dir, "memory.stat", "cache");
        if (leaf->psi_dir[0]) {
            u->psi_some_us = cgroup_read_psi(leaf->psi_dir, "some");
            u->psi_full_us = cgroup_read_psi(leaf->psi_dir, "full");
        }
    }
}

static int cgroup_rmdir_retry(const char *dir)
{
    /* tasks killed with the run's process group may still be exiting: retry up to ~2 s */
    for (int i = 0; i < 200; i++) {
        if (rmdir(dir) == 0 || errno == ENOENT)
            return 0;
        if (errno != EBUSY)
            return -1;
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

int cgroup_leaf_remove(struct cgroup_leaf *leaf)
{
    int rc = 0;
    if (leaf->procs_fd >= 0)
        close(leaf->procs_fd);
    if (leaf->psi_procs_fd >= 0)
        close(leaf->psi_procs_fd);
    leaf->procs_fd = leaf->psi_procs_fd = -1;
    if (leaf->psi_dir[0] && cgroup_rmdir_retry(leaf->psi_dir) != 0)
        rc = -1;
    if (leaf->dir[0] && cgroup_rmdir_retry(leaf->dir) != 0)
        rc = -1;
    leaf->dir[0] = leaf->psi_dir[0] = '\0';
    return rc;
}
