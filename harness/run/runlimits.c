/* Container limits and THP mode around one run (see runlimits.h). */
#define _GNU_SOURCE
#include "runlimits.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "config.h"
#include "fdio.h"

int runlimits_parse(const char *text, struct runlimits *rl, char *err, size_t errlen)
{
    memset(rl, 0, sizeof *rl);
    rl->thp = THP_DEFAULT;
    rl->glibc_hugetlb = -1;
    rl->limits.max = rl->limits.high = rl->limits.swap_max = CGROUP_UNSET;
    char buf[512], mem[512] = "";
    snprintf(buf, sizeof buf, "%s", text ? text : "");
    char *save = NULL;
    for (char *tok = strtok_r(buf, ";,", &save); tok; tok = strtok_r(NULL, ";,", &save)) {
        if (!strncmp(tok, "thp=", 4)) {
            if (thp_parse(tok + 4, &rl->thp, err, errlen) != 0)
                return -1;
        } else {
            size_t used = strlen(mem);
            snprintf(mem + used, sizeof mem - used, "%s%s", used ? "," : "", tok);
        }
    }
    if (mem[0]) {
        if (cgroup_parse(mem, &rl->limits, err, errlen) != 0)
            return -1;
        rl->has_cgroup = true;
    }
    return 0;
}

int runlimits_format(const char *cgroup, const char *thp, char *buf, size_t len, char *err,
                     size_t errlen)
{
    buf[0] = '\0';
    if (cgroup) {
        struct cgroup_limits l;
        if (cgroup_parse(cgroup, &l, err, errlen) != 0)
            return -1;
        cgroup_format(&l, buf, len);
    }
    if (thp) {
        enum thp_mode m;
        if (thp_parse(thp, &m, err, errlen) != 0)
            return -1;
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%sthp=%s", used ? ";" : "", thp_name(m));
    }
    return 0;
}

int runlimits_prepare(const struct cell *c, struct runlimits *rl, char *err, size_t errlen)
{
    if (runlimits_parse(c->run_params, rl, err, errlen) != 0)
        return -1;
    snprintf(rl->backend, sizeof rl->backend, "%s", c->backend);
    const struct backend_ops *ops;
    struct param_values pv;
    char perr[256];
    if (!strcmp(c->backend, "glibc") &&
        backend_parse_spec(c->backend_spec, &ops, &pv, perr, sizeof perr) == 0 &&
        param_is_set(&pv, "hugetlb"))
        rl->glibc_hugetlb = (int)param_num(&pv, "hugetlb");
    if (!rl->has_cgroup)
        return 0;
    if (cgroup_detect(&rl->mounts) != 0) {
        snprintf(err, errlen, "cgroup: %s", rl->mounts.reason);
        return -1;
    }
    static unsigned serial;
    char name[64];
    snprintf(name, sizeof name, "faultline-%d-%u", (int)getpid(), ++serial);
    if (cgroup_leaf_create(&rl->mounts, &rl->limits, name, &rl->leaf, err, errlen) != 0)
        return -1;
    rl->leaf_made = true;
    return 0;
}

int runlimits_in_child(const struct runlimits *rl)
{
    if (rl->glibc_hugetlb >= 0) {
        char t[64];
        snprintf(t, sizeof t, "glibc.malloc.hugetlb=%d", rl->glibc_hugetlb);
        setenv("GLIBC_TUNABLES", t, 1);
    }
    if (thp_child_apply(rl->thp, rl->backend) != 0)
        return -1;
    if (rl->leaf_made && cgroup_leaf_join(&rl->leaf) != 0)
        return -1;
    return 0;
}

static void runlimits_set(struct run_result *out, enum metric_id id, int64_t v)
{
    if (v >= 0)
        sample_set(&out->m, id, (double)v);
}

void runlimits_finish(struct runlimits *rl, int status, struct run_result *out)
{
    if (thp_unavailable(rl->thp)) {
        /* the mode could not take effect here (said once on stderr): its THP numbers are not
         * results of that mode */
        out->m.valid[METRIC_anon_huge_peak] = false;
        out->m.valid[METRIC_thp_fault_alloc] = false;
        out->m.valid[METRIC_thp_fault_fallback] = false;
    }
    if (!rl->leaf_made)
        return;
    struct cgroup_usage u;
    cgroup_leaf_read(&rl->leaf, &u);
    runlimits_set(out, METRIC_cgroup_limit, rl->leaf.limit);
    runlimits_set(out, METRIC_cgroup_peak, u.peak);
    if (rl->leaf.limit >= 0 && u.peak >= 0)
        sample_set(&out->m, METRIC_cgroup_headroom, (double)(rl->leaf.limit - u.peak));
    runlimits_set(out, METRIC_cgroup_failcnt, u.failcnt);
    runlimits_set(out, METRIC_cgroup_oom_kills, u.oom_kills);
    runlimits_set(out, METRIC_cgroup_high_events, u.high_events);
    runlimits_set(out, METRIC_cgroup_max_events, u.max_events);
    runlimits_set(out, METRIC_cgroup_psi_some_ns, u.psi_some_us >= 0 ? u.psi_some_us * 1000 : -1);
    runlimits_set(out, METRIC_cgroup_psi_full_ns, u.psi_full_us >= 0 ? u.psi_full_us * 1000 : -1);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && u.oom_kills > 0) {
        out->ok = false;
        snprintf(out->outcome, sizeof out->outcome, "oom-killed");
    }
    if (cgroup_leaf_remove(&rl->leaf) != 0)
        fprintf(stderr, "faultline: could not remove cgroup leaf (still busy)\n");
    rl->leaf_made = false;
}

bool runlimits_data_in_runner(void)
{
    return FAULTLINE_SANITIZED;
}

void runlimits_data_before_exec(uint64_t bytes)
{
    if (!bytes || runlimits_data_in_runner())
        return;
    struct rlimit lim = {bytes, bytes};
    setrlimit(RLIMIT_DATA, &lim);
}

int runlimits_data_apply(uint64_t bytes)
{
    /* read and parse by hand: stdio would allocate from the heap the run is about to measure */
    char buf[4096];
    if (fdio_read_file("/proc/self/status", buf, sizeof buf) <= 0)
        return -1;
    const char *p = strstr(buf, "\nVmData:");
    if (!p) {
        errno = ENOENT;
        return -1;
    }
    uint64_t kb = strtoull(p + 8, NULL, 10);
    uint64_t lim = kb * 1024 + bytes;
    struct rlimit rl = {lim, lim};
    return setrlimit(RLIMIT_DATA, &rl);
}
