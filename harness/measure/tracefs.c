/* Finds tracefs (where the syscall tracepoints' ids and formats are): /sys/kernel/tracing, else
 * the legacy debugfs path, mounting it once as root on a fresh machine. One probe per process,
 * shared by the counters (perf.c), --events names (perf_events.c), call sites (callchain.c) and
 * the context block. */
#define _GNU_SOURCE
#include "tracefs.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static bool tracefs_probed;
static const char *tracefs_path;

/* 1 if <dir>/events exists (or exists but is unreadable to us), 0 if absent. */
static int tracefs_has_events(const char *dir)
{
    char path[128];
    struct stat st;
    snprintf(path, sizeof path, "%s/events", dir);
    if (stat(path, &st) == 0)
        return 1;
    return errno == EACCES ? 1 : 0;
}

const char *tracefs_dir(void)
{
    if (tracefs_probed)
        return tracefs_path;
    tracefs_probed = true;
    static const char *const primary = "/sys/kernel/tracing";
    static const char *const legacy = "/sys/kernel/debug/tracing";
    if (tracefs_has_events(primary)) {
        tracefs_path = primary;
    } else {
        struct stat st;
        /* A fresh machine boots without tracefs mounted; root can fix that in place (once). */
        if (geteuid() == 0 && stat(primary, &st) == 0 && S_ISDIR(st.st_mode) &&
            mount("nodev", primary, "tracefs", 0, NULL) == 0 && tracefs_has_events(primary))
            tracefs_path = primary;
        else if (tracefs_has_events(legacy))
            tracefs_path = legacy;
    }
    return tracefs_path;
}
