/* twinfuzz: the differential fuzzer of the hybrid twin against glibc 2.36. Each seeded op
 * sequence runs twice through twinfuzz-driver - once on glibc's malloc, once with
 * libfaultline-hybrid.so preloaded - under a ptrace recorder; every op's memory syscalls must
 * agree in kind and size. Prints the agreement rate per setting and, for each failing sequence,
 * its first divergence after minimising the sequence (removing ops while it still fails).
 * Usage: see twinfuzz_usage() and twinfuzz/README.md. Exit status: 0 when every rate reaches
 * --min-rate (and every replayed file agrees), 1 otherwise, 2 on bad arguments. */
#define _GNU_SOURCE
#include "twinfuzz_seq.h"
#include "twinfuzz_trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TWINFUZZ_MIN_TRIALS 400 /* most runs pairs spent minimising one sequence */

struct twinfuzz_opts {
    const char *driver, *preload, *save_dir;
    const char *settings[8];
    size_t nsettings;
    unsigned long seqs, ops, seed;
    double min_rate;
    char **replay;
    int nreplay;
    int verbose;
};

static char twinfuzz_tmp[256];

static void twinfuzz_usage(FILE *f)
{
    fputs("usage: twinfuzz --driver PATH --preload PATH [--setting NAME]... [--seqs N] [--ops N]\n"
          "                [--seed N] [--min-rate PCT] [--save DIR] [-v] [FILE.ops ...]\n"
          "  settings: default thr64k trim0 mmapmax0 toppad4m (all when none is given)\n"
          "  FILE.ops: replay these sequences (the committed corpus) instead of generating\n",
          f);
}

static int twinfuzz_bad(const char *arg, const char *valid)
{
    fprintf(stderr, "twinfuzz: bad %s: %s\n", arg, valid);
    return 2;
}

static int twinfuzz_parse(int argc, char **argv, struct twinfuzz_opts *o)
{
    *o = (struct twinfuzz_opts){.seqs = 100, .ops = 120, .seed = 1, .min_rate = 99.0};
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end = NULL;
        if (strcmp(a, "-v") == 0) {
            o->verbose = 1;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            twinfuzz_usage(stdout);
            exit(0);
        }
        if (a[0] != '-')
            break;
        if (!v)
            return twinfuzz_bad(a, "needs a value");
        i++;
        if (strcmp(a, "--driver") == 0) {
            o->driver = v;
        } else if (strcmp(a, "--preload") == 0) {
            o->preload = v;
        } else if (strcmp(a, "--save") == 0) {
            o->save_dir = v;
        } else if (strcmp(a, "--setting") == 0) {
            if (!twinfuzz_seq_setting(v) || o->nsettings == 8)
                return twinfuzz_bad("--setting", "one of default thr64k trim0 mmapmax0 toppad4m");
            o->settings[o->nsettings++] = v;
        } else if (strcmp(a, "--seqs") == 0 || strcmp(a, "--ops") == 0 ||
                   strcmp(a, "--seed") == 0) {
            unsigned long n = strtoul(v, &end, 10);
            if (!*v || *end || n == 0 || n > 10000000)
                return twinfuzz_bad(a, "a whole number from 1 to 10000000");
            *(a[2] == 's' ? (a[4] == 'q' ? &o->seqs : &o->seed) : &o->ops) = n;
        } else if (strcmp(a, "--min-rate") == 0) {
            o->min_rate = strtod(v, &end);
            if (!*v || *end || o->min_rate < 0 || o->min_rate > 100)
                return twinfuzz_bad("--min-rate", "a percentage from 0 to 100");
        } else {
            fprintf(stderr, "twinfuzz: unknown option %s\n", a);
            twinfuzz_usage(stderr);
            return 2;
        }
    }
    o->replay = argv + i;
    o->nreplay = argc - i;
    if (!o->driver || access(o->driver, X_OK) != 0)
        return twinfuzz_bad("--driver", "the path of an executable twinfuzz-driver");
    if (!o->preload || access(o->preload, R_OK) != 0)
        return twinfuzz_bad("--preload", "the path of libfaultline-hybrid.so");
    return 0;
}

/* Runs the file under glibc and under the twin. */
static int twinfuzz_run_pair(const struct twinfuzz_opts *o, const char *path,
                             struct twinfuzz_trace *g, struct twinfuzz_trace *t)
{
    char *argv[] = {(char *)o->driver, (char *)path, NULL};
    if (twinfuzz_trace_run(argv, NULL, g) != 0 || twinfuzz_trace_run(argv, o->preload, t) != 0)
        return -1;
    return 0;
}

/* Index of the first differing event (or n of the shorter when one is a prefix); -1: same. */
static long twinfuzz_first_diff(const struct twinfuzz_trace *g, const struct twinfuzz_trace *t)
{
    size_t n = g->n < t->n ? g->n : t->n;
    for (size_t i = 0; i < n; i++)
        if (!twinfuzz_trace_same(&g->ev[i], &t->ev[i]))
            return (long)i;
    if (g->n != t->n || g->status != t->status)
        return (long)n;
    return -1;
}

/* Does the sequence with these lines kept still diverge? */
static int twinfuzz_fails(const struct twinfuzz_opts *o, const struct twinfuzz_seq *s,
                          const unsigned char *keep)
{
    if (twinfuzz_seq_write(s, keep, twinfuzz_tmp, NULL) != 0)
        return 0;
    struct twinfuzz_trace g, t;
    int bad = twinfuzz_run_pair(o, twinfuzz_tmp, &g, &t) == 0 && twinfuzz_first_diff(&g, &t) >= 0;
    twinfuzz_trace_free(&g);
    twinfuzz_trace_free(&t);
    return bad;
}

/* Removes chunks of ops, halving the chunk size, while the divergence persists (ddmin-like). */
static void twinfuzz_minimise(const struct twinfuzz_opts *o, const struct twinfuzz_seq *s,
                              unsigned char *keep)
{
    int trials = 0;
    for (size_t chunk = (s->n - s->fixed) / 2; chunk >= 1; chunk /= 2) {
        for (size_t at = s->fixed; at < s->n && trials < TWINFUZZ_MIN_TRIALS; at += chunk) {
            unsigned char save[4096];
            size_t len = at + chunk > s->n ? s->n - at : chunk;
            if (len > sizeof save)
                len = sizeof save;
            memcpy(save, keep + at, len);
            int any = 0;
            for (size_t k = 0; k < len; k++)
                any |= keep[at + k], keep[at + k] = 0;
            if (!any)
                continue;
            trials++;
            if (!twinfuzz_fails(o, s, keep))
                memcpy(keep + at, save, len);
        }
        if (chunk == 1)
            break;
    }
}

static void twinfuzz_print_op(const struct twinfuzz_trace *x, long op, const char *who)
{
    printf("    %-6s", who);
    int any = 0;
    for (size_t i = 0; i < x->n; i++) {
        if (x->ev[i].op != op)
            continue;
        char b[96];
        twinfuzz_trace_format(&x->ev[i], b, sizeof b);
        printf("%s%s", any ? "; " : "", b);
        any = 1;
    }
    printf("%s\n", any ? "" : "(no memory syscall)");
}

/* Minimises, prints the first divergence, saves the sequence if asked. */
static void twinfuzz_report(const struct twinfuzz_opts *o, const struct twinfuzz_seq *s,
                            const char *label)
{
    unsigned char *keep = malloc(s->n ? s->n : 1);
    if (!keep)
        return;
    memset(keep, 1, s->n);
    twinfuzz_minimise(o, s, keep);
    twinfuzz_seq_write(s, keep, twinfuzz_tmp, NULL);
    struct twinfuzz_trace g, t;
    if (twinfuzz_run_pair(o, twinfuzz_tmp, &g, &t) == 0) {
        long d = twinfuzz_first_diff(&g, &t);
        long op = d < 0 ? -1 : (size_t)d < g.n ? g.ev[d].op : (size_t)d < t.n ? t.ev[d].op : -1;
        size_t kept = 0;
        for (size_t i = 0; i < s->n; i++)
            kept += keep[i];
        printf("  %s: diverges (minimised to %zu ops)", label, kept);
        if (g.status != t.status)
            printf(", exit status glibc %#x twin %#x", g.status, t.status);
        printf("\n");
        for (size_t i = 0, k = 0; i < s->n; i++) {
            if (!keep[i])
                continue;
            if ((long)k == op || o->verbose || kept <= 12)
                printf("    %s op %zu: %s\n", (long)k == op ? "=>" : "  ", k, s->line[i]);
            k++;
        }
        if (op >= 0) {
            twinfuzz_print_op(&g, op, "glibc:");
            twinfuzz_print_op(&t, op, "twin:");
        }
    }
    twinfuzz_trace_free(&g);
    twinfuzz_trace_free(&t);
    if (o->save_dir) {
        char path[512], head[256];
        snprintf(path, sizeof path, "%s/%s.ops", o->save_dir, label);
        snprintf(head, sizeof head, "# twinfuzz: %s, minimised\n", label);
        for (char *c = path + strlen(o->save_dir) + 1; *c; c++)
            if (*c == ' ' || *c == '/')
                *c = '_';
        if (twinfuzz_seq_write(s, keep, path, head) == 0)
            printf("    saved %s\n", path);
    }
    free(keep);
}

/* One sequence: 1 agrees, 0 diverges, -1 could not run. */
static int twinfuzz_one(const struct twinfuzz_opts *o, const struct twinfuzz_seq *s,
                        const char *label)
{
    if (twinfuzz_seq_write(s, NULL, twinfuzz_tmp, NULL) != 0)
        return -1;
    struct twinfuzz_trace g, t;
    if (twinfuzz_run_pair(o, twinfuzz_tmp, &g, &t) != 0)
        return -1;
    long d = twinfuzz_first_diff(&g, &t);
    int bad_exit = !WIFEXITED(g.status) || WEXITSTATUS(g.status) != 0;
    twinfuzz_trace_free(&g);
    twinfuzz_trace_free(&t);
    if (bad_exit)
        return -1;
    if (d < 0)
        return 1;
    twinfuzz_report(o, s, label);
    return 0;
}

static int twinfuzz_generate(const struct twinfuzz_opts *o)
{
    int ok = 1;
    for (size_t k = 0; k < (o->nsettings ? o->nsettings : twinfuzz_seq_nsettings); k++) {
        const struct twinfuzz_setting *set =
            o->nsettings ? twinfuzz_seq_setting(o->settings[k]) : &twinfuzz_seq_settings[k];
        unsigned long agree = 0, ran = 0, broken = 0;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        printf("setting %s (%s): %lu sequences of %lu ops, seeds %lu..%lu\n", set->name, set->what,
               o->seqs, o->ops, o->seed, o->seed + o->seqs - 1);
        fflush(stdout);
        for (unsigned long i = 0; i < o->seqs; i++) {
            struct twinfuzz_seq s;
            char label[96];
            snprintf(label, sizeof label, "%s-seed%lu", set->name, o->seed + i);
            if (twinfuzz_seq_generate(&s, set, o->seed + i, o->ops) != 0)
                return 1;
            int r = twinfuzz_one(o, &s, label);
            twinfuzz_seq_free(&s);
            if (r < 0) {
                broken++;
                continue;
            }
            ran++;
            agree += (unsigned long)r;
            fflush(stdout);
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double rate = ran ? 100.0 * (double)agree / (double)ran : 0.0;
        printf("setting %s: %lu/%lu sequences agree in syscall kind and size: %.1f %%"
               " (%lu not run: glibc run failed) [%.1f s]\n",
               set->name, agree, ran, rate, broken,
               (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
        if (rate < o->min_rate || broken)
            ok = 0;
    }
    return ok ? 0 : 1;
}

static int twinfuzz_replay(const struct twinfuzz_opts *o)
{
    int bad = 0;
    for (int i = 0; i < o->nreplay; i++) {
        struct twinfuzz_seq s;
        if (twinfuzz_seq_load(&s, o->replay[i]) != 0) {
            fprintf(stderr, "twinfuzz: cannot read %s: %s\n", o->replay[i], strerror(errno));
            return 2;
        }
        const char *base = strrchr(o->replay[i], '/');
        int r = twinfuzz_one(o, &s, base ? base + 1 : o->replay[i]);
        printf("replay %s: %s\n", o->replay[i], r > 0 ? "agrees" : r == 0 ? "DIVERGES" : "not run");
        bad |= r <= 0;
        twinfuzz_seq_free(&s);
    }
    return bad;
}

int main(int argc, char **argv)
{
    struct twinfuzz_opts o;
    int rc = twinfuzz_parse(argc, argv, &o);
    if (rc != 0)
        return rc;
    if (o.save_dir && mkdir(o.save_dir, 0755) != 0 && errno != EEXIST)
        return twinfuzz_bad("--save", "a directory that can be created");
    const char *tmpdir = getenv("TMPDIR");
    snprintf(twinfuzz_tmp, sizeof twinfuzz_tmp, "%s/twinfuzz-%ld.ops", tmpdir ? tmpdir : "/tmp",
             (long)getpid());
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* A program we may not trace (no ptrace in this sandbox) is a skip, not a failure. */
    struct twinfuzz_seq probe = {0};
    struct twinfuzz_trace g, t;
    if (twinfuzz_seq_write(&probe, NULL, twinfuzz_tmp, NULL) != 0 ||
        twinfuzz_run_pair(&o, twinfuzz_tmp, &g, &t) != 0 || !WIFEXITED(g.status) ||
        WEXITSTATUS(g.status) != 0) {
        printf("twinfuzz: skipped: cannot run the driver under ptrace here\n");
        unlink(twinfuzz_tmp);
        return 77;
    }
    twinfuzz_trace_free(&g);
    twinfuzz_trace_free(&t);
    rc = o.nreplay ? twinfuzz_replay(&o) : twinfuzz_generate(&o);
    unlink(twinfuzz_tmp);
    return rc;
}
