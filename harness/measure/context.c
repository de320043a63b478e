/* Context block collection (see context.h). */
#define _GNU_SOURCE
#include "context.h"

#include <gnu/libc-version.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "json.h"
#include "perf.h"
#include "tracefs.h"
#include "procfs.h"

void context_set(struct context *ctx, const char *key, const char *value, bool numeric)
{
    for (unsigned i = 0; i < ctx->count; i++) {
        if (!strcmp(ctx->items[i].key, key)) {
            snprintf(ctx->items[i].value, sizeof ctx->items[i].value, "%s", value);
            ctx->items[i].numeric = numeric;
            return;
        }
    }
    if (ctx->count == CONTEXT_MAX)
        return;
    struct context_item *it = &ctx->items[ctx->count++];
    snprintf(it->key, sizeof it->key, "%s", key);
    snprintf(it->value, sizeof it->value, "%s", value);
    it->numeric = numeric;
}

const char *context_get(const struct context *ctx, const char *key)
{
    for (unsigned i = 0; i < ctx->count; i++)
        if (!strcmp(ctx->items[i].key, key))
            return ctx->items[i].value;
    return NULL;
}

static void context_file(struct context *ctx, const char *key, const char *path, bool numeric)
{
    char buf[256];
    if (procfs_read_text(path, buf, sizeof buf) == 0)
        context_set(ctx, key, buf, numeric);
    else
        context_set(ctx, key, "unknown", false);
}

void context_collect(struct context *ctx)
{
    char buf[256];
    memset(ctx, 0, sizeof *ctx);
    snprintf(buf, sizeof buf, "%d", RESULTS_SCHEMA_VERSION);
    context_set(ctx, "schema_version", buf, true);
    context_set(ctx, "faultline_version", FAULTLINE_VERSION, false);
    context_set(ctx, "git_sha", FAULTLINE_GIT_SHA, false);
    context_set(ctx, "build_type", FAULTLINE_BUILD_TYPE, false);
    context_set(ctx, "sanitizers", FAULTLINE_SANITIZED ? "asan+ubsan" : "none", false);
    context_set(ctx, "compiler", FAULTLINE_COMPILER, false);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    context_set(ctx, "date_utc", buf, false);
    if (gethostname(buf, sizeof buf) == 0)
        context_set(ctx, "host", buf, false);
    struct utsname u;
    if (uname(&u) == 0) {
        context_set(ctx, "kernel", u.release, false);
        context_set(ctx, "arch", u.machine, false);
    }
    if (procfs_cpu_model(buf, sizeof buf) == 0)
        context_set(ctx, "cpu_model", buf, false);
    snprintf(buf, sizeof buf, "%ld", sysconf(_SC_NPROCESSORS_ONLN));
    context_set(ctx, "cpus", buf, true);
    snprintf(buf, sizeof buf, "%ld", sysconf(_SC_PAGESIZE));
    context_set(ctx, "page_size", buf, true);
    context_set(ctx, "glibc", gnu_get_libc_version(), false);
    if (procfs_thp_mode(buf, sizeof buf) == 0)
        context_set(ctx, "thp", buf, false);
    else
        context_set(ctx, "thp", "unknown", false);
    context_set(ctx, "thp_counters",
                "thp_fault_alloc/thp_fault_fallback are /proc/vmstat deltas: system-wide, "
                "other processes on the machine count too",
                false);
    context_file(ctx, "overcommit_memory", "/proc/sys/vm/overcommit_memory", true);
    context_file(ctx, "aslr", "/proc/sys/kernel/randomize_va_space", true);
    snprintf(buf, sizeof buf, "%d", perf_paranoid());
    context_set(ctx, "perf_event_paranoid", buf, true);
    const char *tfs = tracefs_dir();
    context_set(ctx, "tracefs", tfs ? tfs : "unavailable", false);
    context_set(ctx, "pmu_usable", perf_pmu_usable() ? "yes" : "no", false);
    context_set(ctx, "libpfm", FAULTLINE_HAVE_LIBPFM ? "yes" : "no", false);
}

void context_write_json(const struct context *ctx, struct strbuf *sb)
{
    strbuf_puts(sb, "{");
    for (unsigned i = 0; i < ctx->count; i++) {
        json_key(sb, ctx->items[i].key, i == 0);
        if (ctx->items[i].numeric)
            strbuf_puts(sb, ctx->items[i].value);
        else
            json_str(sb, ctx->items[i].value);
    }
    strbuf_puts(sb, "}");
}
