/* Machine fingerprints of runs (see fingerprint.h). */
#define _GNU_SOURCE
#include "fingerprint.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"

static uint32_t fingerprint_hash(const char *const *parts, int n)
{
    uint32_t h = 2166136261u; /* FNV-1a 32 */
    for (int i = 0; i < n; i++) {
        for (const unsigned char *s = (const unsigned char *)parts[i]; *s; s++)
            h = (h ^ *s) * 16777619u;
        h = (h ^ '\n') * 16777619u;
    }
    return h;
}

static void fingerprint_copy(char *dst, size_t len, const struct context *ctx, const char *key)
{
    const char *v = context_get(ctx, key);
    snprintf(dst, len, "%s", v ? v : "unknown");
}

void fingerprint_from_context(const struct context *ctx, struct fingerprint *fp)
{
    memset(fp, 0, sizeof *fp);
    fingerprint_copy(fp->cpu_model, sizeof fp->cpu_model, ctx, "cpu_model");
    fingerprint_copy(fp->kernel, sizeof fp->kernel, ctx, "kernel");
    fingerprint_copy(fp->glibc, sizeof fp->glibc, ctx, "glibc");
    fingerprint_copy(fp->thp, sizeof fp->thp, ctx, "thp");
    const char *keys[4] = {"build_type", "sanitizers", "compiler", "git_sha"};
    size_t used = 0;
    for (int i = 0; i < 4; i++) {
        const char *v = context_get(ctx, keys[i]);
        int n =
            snprintf(fp->build + used, sizeof fp->build - used, "%s%s", i ? "/" : "", v ? v : "?");
        if (n < 0 || (size_t)n >= sizeof fp->build - used)
            break;
        used += (size_t)n;
    }
    const char *counts[4] = {fp->kernel, fp->glibc, fp->thp, fp->build};
    const char *machine[5] = {fp->cpu_model, fp->kernel, fp->glibc, fp->thp, fp->build};
    snprintf(fp->count_id, sizeof fp->count_id, "k%08x", (unsigned)fingerprint_hash(counts, 4));
    snprintf(fp->id, sizeof fp->id, "m%08x", (unsigned)fingerprint_hash(machine, 5));
}

void fingerprint_fake(struct fingerprint *fp)
{
    struct context ctx;
    memset(&ctx, 0, sizeof ctx);
    const char *keys[] = {"cpu_model",  "kernel",     "glibc",    "thp",
                          "build_type", "sanitizers", "compiler", "git_sha"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        context_set(&ctx, keys[i], "fake-measure", false);
    fingerprint_from_context(&ctx, fp);
}

bool fingerprint_timing_metric(int metric)
{
    const char *unit = sample_metrics[metric].unit, *name = sample_metrics[metric].name;
    return !strcmp(unit, "ns") || !strcmp(name, "cycles") || !strcmp(name, "instructions");
}
