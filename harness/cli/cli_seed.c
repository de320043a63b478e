/* `faultline seed`: the seed notes' experiments (32-bit, old glibc) rerun here on glibc and on
 * the hybrid backend, each claim with what was measured and a verdict (holds / differs). The
 * verdicts go into run.json ("claims") and seed.csv so the report can show them. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "cli.h"
#include "path.h"
#include "runner.h"

/* The experiments, as cells; the claim evaluators find them by index. */
enum {
    SEED_FIRST_GLIBC,
    SEED_FIRST_HYBRID,
    SEED_SEQ_GLIBC,
    SEED_SEQ_GLIBC_FIXED,
    SEED_SEQ_HYBRID,
    SEED_SEQ_HYBRID_FIXED,
    SEED_CHURN_GLIBC_64K,
    SEED_CHURN_GLIBC,
    SEED_CHURN_HYBRID_64K,
    SEED_CHURN_HYBRID,
    SEED_FILE_SHARED,
    SEED_FILE_PRIVATE,
    SEED_FILE_RANDOM,
    SEED_SHM_ANON,
    SEED_SHM_POSIX,
    SEED_CELLS
};

static const char *const seed_cells[SEED_CELLS][2] = {
    {"glibc", "seed-first"},
    {"hybrid", "seed-first"},
    {"glibc", "seed-sequence"},
    {"glibc:mmap_threshold=128K", "seed-sequence"},
    {"hybrid", "seed-sequence"},
    {"hybrid:threshold=128K", "seed-sequence"},
    {"glibc:mmap_threshold=64K", "churn:size=1M,count=100"},
    {"glibc", "churn:size=1M,count=100"},
    {"hybrid:threshold=64K", "churn:size=1M,count=100"},
    {"hybrid", "churn:size=1M,count=100"},
    {"glibc", "file-map:mode=shared-write,size=4M"},
    {"glibc", "file-map:mode=private-write,size=4M"},
    {"glibc", "file-map:mode=read-random,size=4M"},
    {"glibc", "shm:mode=anon"},
    {"glibc", "shm:mode=posix"},
};

static const struct run_result *seed_run(const struct results *r, unsigned cell)
{
    for (unsigned i = 0; i < r->nruns; i++)
        if (r->runs[i].cell == cell && r->runs[i].ok)
            return &r->runs[i];
    return NULL;
}

static const struct step_snapshot *seed_step(const struct run_result *run, const char *prefix)
{
    for (unsigned i = 0; run && i < run->step_count; i++)
        if (!strncmp(run->steps[i].label, prefix, strlen(prefix)))
            return &run->steps[i];
    return NULL;
}

static void seed_claim(struct results *r, const char *id, const char *claim, bool known, bool holds,
                       const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void seed_claim(struct results *r, const char *id, const char *claim, bool known, bool holds,
                       const char *fmt, ...)
{
    r->claims = realloc(r->claims, (r->nclaims + 1) * sizeof *r->claims);
    if (!r->claims)
        abort();
    struct claim *c = &r->claims[r->nclaims++];
    memset(c, 0, sizeof *c);
    snprintf(c->id, sizeof c->id, "%s", id);
    snprintf(c->claim, sizeof c->claim, "%s", claim);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->measured, sizeof c->measured, fmt, ap);
    va_end(ap);
    snprintf(c->verdict, sizeof c->verdict, "%s", !known ? "n/a" : holds ? "holds" : "differs");
}

/* Step deltas: syscall kind k between the previous step and this one. */
static long seed_step_sys(const struct run_result *run, const char *label, int kind)
{
    for (unsigned i = 0; run && i < run->step_count; i++) {
        if (strncmp(run->steps[i].label, label, strlen(label)))
            continue;
        int64_t now = run->steps[i].sys[kind], before = i ? run->steps[i - 1].sys[kind] : 0;
        return now < 0 || before < 0 ? -1 : (long)(now - before);
    }
    return -1;
}

/* Sequences per setting that `seed` fuzzes (the full run is `make twinfuzz`). */
#define SEED_TWIN_SEQS 6

/* Runs twinfuzz (built beside this binary) on a few seeded sequences per setting and on the
 * committed corpus; sums "A/B sequences agree" and the replays. 0, or -1 when it cannot run. */
static int seed_twin_rate(unsigned long *agree, unsigned long *total)
{
    char self[PATH_SIZE], cmd[4 * PATH_SIZE + 256];
    if (runner_exe_dir(self, sizeof self) != 0)
        return -1;
    snprintf(cmd, sizeof cmd,
             "'%s/twinfuzz/twinfuzz' --driver '%s/twinfuzz/twinfuzz-driver' --preload "
             "'%s/libfaultline-hybrid.so' --seqs %d --ops 100 --seed 1 --min-rate 0 2>/dev/null;"
             " '%s/twinfuzz/twinfuzz' --driver '%s/twinfuzz/twinfuzz-driver' --preload "
             "'%s/libfaultline-hybrid.so' '%s'/twinfuzz/corpus/*.ops 2>/dev/null",
             self, self, self, SEED_TWIN_SEQS, self, self, self, FAULTLINE_SOURCE_DIR);
    FILE *f = popen(cmd, "r");
    if (!f)
        return -1;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        unsigned long a, b;
        char name[64];
        if (sscanf(line, "setting %63[^:]: %lu/%lu sequences agree", name, &a, &b) == 3) {
            *agree += a;
            *total += b;
        } else if (!strncmp(line, "replay ", 7)) {
            *total += 1;
            *agree += strstr(line, ": agrees") != NULL;
        }
    }
    return pclose(f) == -1 ? -1 : 0;
}

struct seed_addr {
    unsigned long bss_end, heap_start;
};

/* In a fresh child: where the heap starts relative to the end of bss. */
static int seed_probe_addresses(bool no_aslr, struct seed_addr *out)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        if (no_aslr)
            personality(ADDR_NO_RANDOMIZE);
        char self[4096];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0)
            _exit(1);
        self[n] = '\0';
        dup2(fds[1], STDOUT_FILENO);
        /* exec ourselves so the layout is chosen fresh under the personality */
        execl(self, self, "seed", "--probe-addresses", (char *)NULL);
        _exit(1);
    }
    close(fds[1]);
    char buf[128] = "";
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    int st;
    waitpid(pid, &st, 0);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    return sscanf(buf, "%lx %lx", &out->bss_end, &out->heap_start) == 2 ? 0 : -1;
}

extern char end; /* first address past the bss (ld) */

static void seed_addresses(struct results *r)
{
    struct seed_addr a1, a2, n1, n2;
    bool ok = seed_probe_addresses(false, &a1) == 0 && seed_probe_addresses(false, &a2) == 0 &&
              seed_probe_addresses(true, &n1) == 0 && seed_probe_addresses(true, &n2) == 0;
    if (!ok) {
        seed_claim(r, "heap-start",
                   "the heap does not start right after bss; its start moves between runs", false,
                   false, "could not probe addresses");
        return;
    }
    bool gap = a1.heap_start != a1.bss_end;
    bool moves = a1.heap_start != a2.heap_start;
    seed_claim(r, "heap-start",
               "the heap does not start right after bss; its start moves between runs (ASLR)", true,
               gap && moves,
               "gap bss end -> heap start %#lx and %#lx in two runs; heap start %s between runs; "
               "with ASLR off (personality ADDR_NO_RANDOMIZE) gap %#lx, start %s",
               a1.heap_start - a1.bss_end, a2.heap_start - a2.bss_end,
               moves ? "moved" : "did not move", n1.heap_start - n1.bss_end,
               n1.heap_start == n2.heap_start ? "fixed" : "moved");
}

/* The heap claims on glibc: brk for small requests, the first growth, mmap for large ones,
 * free keeping the break, trimming. */
static void seed_evaluate_heap(struct results *r)
{
    const struct run_result *first = seed_run(r, SEED_FIRST_GLIBC);
    const struct step_snapshot *p1 = seed_step(first, "p1=");
    const struct step_snapshot *p2 = seed_step(first, "p2=");
    seed_claim(r, "small-brk",
               "small requests (malloc(128)) are served by growing the heap with brk", p1 != NULL,
               p1 && p1->sys[0] > 0 && p1->sys[1] == 0 && p1->break_offset > 0,
               "glibc malloc(128): brk calls %lld, mmap calls %lld, break +%#llx",
               p1 ? (long long)p1->sys[0] : -1, p1 ? (long long)p1->sys[1] : -1,
               p1 ? (unsigned long long)p1->break_offset : 0);
    seed_claim(
        r, "first-growth",
        "the first heap growth is 0x20bf0 bytes (seed, 32-bit) and requests of 0x20bf0 or more use "
        "mmap",
        p1 != NULL, p1 && p1->break_offset == 0x20bf0,
        "glibc 2.36 x86-64 grows the break by %#llx at the first malloc(128): its 640-byte tcache "
        "chunk + top_pad 128K + MINSIZE, page-rounded. 0x20bf0 was the free top (0x21000 - a 1K "
        "stdio buffer) of a tcache-less glibc, a property of heap state, not of the threshold; "
        "here malloc(0x20bc0) after malloc(128) made %lld mmap calls (served from the top)",
        p1 ? (unsigned long long)p1->break_offset : 0,
        p2 ? (long long)(p2->sys[1] - p1->sys[1]) : -1);
    const struct run_result *seq = seed_run(r, SEED_SEQ_GLIBC);
    long c_mmap = seed_step_sys(seq, "C=malloc", 1);
    seed_claim(r, "large-mmap",
               "large requests (malloc(200K) >= 128K threshold) use mmap, freed with munmap",
               c_mmap >= 0, c_mmap == 1 && seed_step_sys(seq, "free(C)", 2) == 1,
               "glibc C=malloc(200K): %ld mmap; free(C): %ld munmap", c_mmap,
               seed_step_sys(seq, "free(C)", 2));
    const struct step_snapshot *d = seed_step(seq, "D=malloc"), *fa = seed_step(seq, "free(A)");
    seed_claim(
        r, "free-keeps-break", "free() of heap blocks does not lower the program break", d && fa,
        d && fa && fa->break_offset == d->break_offset,
        "glibc default: break +%#llx after D, +%#llx after freeing everything (free(C) raised "
        "the trim threshold to 2 x 200K+4K, so nothing is trimmed)",
        d ? (unsigned long long)d->break_offset : 0, fa ? (unsigned long long)fa->break_offset : 0);
    const struct run_result *fixed = seed_run(r, SEED_SEQ_GLIBC_FIXED);
    const struct step_snapshot *fd = seed_step(fixed, "free(D)"),
                               *fdd = seed_step(fixed, "D=malloc");
    seed_claim(
        r, "trim", "when the free top exceeds M_TRIM_THRESHOLD (128K) free() trims the heap",
        fd && fdd, fd && fdd && fd->break_offset < fdd->break_offset,
        "glibc with a fixed threshold: free(D) moved the break from +%#llx to +%#llx (%ld brk)",
        fdd ? (unsigned long long)fdd->break_offset : 0,
        fd ? (unsigned long long)fd->break_offset : 0, seed_step_sys(fixed, "free(D)", 0));
}

/* The fault and mapping claims: refaults, the dynamic threshold, file and shared mappings. */
static void seed_evaluate_mappings(struct results *r)
{
    struct stats_summary s64, sdyn;
    bool have64 = results_cell_summary(r, SEED_CHURN_GLIBC_64K, METRIC_minflt, &s64);
    bool havedyn = results_cell_summary(r, SEED_CHURN_GLIBC, METRIC_minflt, &sdyn);
    seed_claim(
        r, "refault",
        "mmap -> munmap -> mmap again re-faults every page: about size/4K faults per 1 MiB "
        "iteration",
        have64, have64 && s64.median / 100 >= 256 && s64.median / 100 <= 260,
        "glibc mmap_threshold=64K (fixed): %.1f minor faults per 1 MiB malloc/touch/free iteration "
        "(1 MiB + 4K mapping = 257 pages)",
        have64 ? s64.median / 100 : -1);
    seed_claim(
        r, "dynamic-threshold",
        "glibc adapts the mmap threshold: after freeing a mapped 1 MiB block, later ones come from "
        "the heap",
        havedyn, havedyn && sdyn.median < 1000,
        "glibc default: %.0f minor faults over 100 iterations (first mapped, then heap reuse: "
        "~0 per iteration); hybrid dynamic=on: %s",
        havedyn ? sdyn.median : -1,
        seed_run(r, SEED_CHURN_HYBRID) ? "same policy, see its row" : "not run");
    const struct run_result *sw = seed_run(r, SEED_FILE_SHARED);
    seed_claim(r, "msync", "MAP_SHARED writes reach the file through msync", sw != NULL, sw != NULL,
               "file-map shared-write (4 MiB): run %s, %.0f minor / %.0f major faults",
               sw ? "ok" : "failed", sw ? sw->m.v[METRIC_minflt] : -1,
               sw ? sw->m.v[METRIC_majflt] : -1);
    const struct run_result *pw = seed_run(r, SEED_FILE_PRIVATE);
    double pages = 4.0 * 1024 * 1024 / 4096;
    seed_claim(r, "cow", "MAP_PRIVATE writes are copy-on-write: one fault per written page",
               pw != NULL, pw && pw->m.v[METRIC_minflt] + pw->m.v[METRIC_majflt] >= pages,
               "file-map private-write: %.0f minor + %.0f major faults for %.0f pages",
               pw ? pw->m.v[METRIC_minflt] : -1, pw ? pw->m.v[METRIC_majflt] : -1, pages);
    const struct run_result *rr = seed_run(r, SEED_FILE_RANDOM);
    seed_claim(
        r, "major-faults", "reading an evicted file mapping page by page takes major faults",
        rr != NULL, rr && rr->m.v[METRIC_majflt] >= pages * 0.9,
        "file-map read-random (MADV_RANDOM) after posix_fadvise(DONTNEED): %.0f major faults for "
        "%.0f pages (without MADV_RANDOM readahead turns most into minor faults)",
        rr ? rr->m.v[METRIC_majflt] : -1, pages);
    const struct run_result *sa = seed_run(r, SEED_SHM_ANON);
    const struct step_snapshot *peer = seed_step(sa, "peer_minflt=");
    seed_claim(r, "shared-anon", "an anonymous MAP_SHARED mapping is shared with a forked child",
               true, sa != NULL, "shm anon: %s%s",
               sa ? "data written by the child was seen by the parent; " : "run failed",
               peer ? peer->label : "");
    const struct run_result *sp = seed_run(r, SEED_SHM_POSIX);
    seed_claim(r, "posix-shm", "POSIX shm_open + ftruncate + mmap shares memory between processes",
               true, sp != NULL, "shm posix: %s (object unlinked right after mapping)",
               sp ? "shared data seen by both sides" : "run failed");
}

/* Hybrid reproduces glibc's choices: the seed sequence here, and the fuzzer's rate. */
static void seed_evaluate_hybrid(struct results *r)
{
    const struct run_result *seq = seed_run(r, SEED_SEQ_GLIBC);
    const struct run_result *hs = seed_run(r, SEED_SEQ_HYBRID);
    bool same = hs && seq && hs->step_count == seq->step_count;
    for (unsigned i = 0; same && i < hs->step_count; i++)
        for (int k = 0; k < 3; k++)
            if (seed_step_sys(hs, hs->steps[i].label, k) !=
                seed_step_sys(seq, seq->steps[i].label, k))
                same = false;
    unsigned long agree = 0, total = 0;
    bool fuzzed = seed_twin_rate(&agree, &total) == 0 && total > 0;
    double rate = fuzzed ? 100.0 * (double)agree / (double)total : 0.0;
    char fz[200];
    if (fuzzed)
        snprintf(fz, sizeof fz,
                 "twinfuzz (glibc vs preloaded hybrid, every syscall's kind and size): %lu/%lu "
                 "sequences agree = %.1f %% over 5 settings (%u seeded + the corpus)",
                 agree, total, rate, SEED_TWIN_SEQS * 5);
    else
        snprintf(fz, sizeof fz, "twinfuzz rate not measured (tool missing or ptrace refused)");
    seed_claim(r, "hybrid-equals-glibc",
               "the hybrid backend makes glibc's brk/mmap/munmap choices (its twin)", hs && seq,
               same && (!fuzzed || rate >= 99.0), "seed sequence per-step counts %s; %s",
               same ? "identical" : "differ", fz);
}

/* Every claim of the seed note, in the note's order, from the runs in r. */
static void seed_evaluate(struct results *r)
{
    seed_evaluate_heap(r);
    seed_evaluate_mappings(r);
    seed_evaluate_hybrid(r);
    seed_addresses(r);
}

static const struct cli_opt cli_seed_opts[] = {
    CLI_ROW_RUNS("repetitions per experiment (default 1)"),
    CLI_ROW_OUT("results directory (default results/runs/<UTC>-<sha>)"),
    {"no-perf", 0, NULL, "open no perf counters (also FAULTLINE_NO_PERF=1)", CLI_ID_NO_PERF},
    CLI_ROW_QUIET,
    CLI_ROW_END,
};

static const struct cli_opt *const cli_seed_tables[] = {cli_seed_opts, NULL};

static const struct cli_usage cli_seed_usage = {
    .name = "seed",
    .synopsis = "[--runs N] [--out DIR] [--no-perf] [--quiet]",
    .about = "Reruns the seed notes' experiments on glibc and hybrid and prints each claim with\n"
             "what was measured here and a verdict (holds / differs).\n",
    .tables = cli_seed_tables,
    .examples = "faultline seed\nfaultline seed --runs 3 --quiet",
    .exit_status = "0 all runs ok, 1 some runs failed, 2 bad input",
};

int cli_seed_main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "--probe-addresses")) {
        void *brk0 = sbrk(0);
        printf("%lx %lx\n", (unsigned long)&end, (unsigned long)brk0);
        return 0;
    }
    struct plan_options po;
    memset(&po, 0, sizeof po);
    po.runs = 1;
    po.seed = 1;
    po.ro.timeout_s = 60;
    char out_dir[PATH_SIZE] = "";
    const char *format = "console";
    bool out_none = false;
    struct cli_parse p;
    cli_opt_init(&p, &cli_seed_usage, argc, argv);
    int c, exit_code = -1;
    while ((c = cli_opt_step(&p, &exit_code)) != CLI_OPT_END) {
        if (c == CLI_OPT_ARG)
            return cli_opt_error(&p, "unexpected argument '%s' (see faultline seed --help)", p.arg);
        if (cli_common_option(c, p.arg, &po, out_dir, sizeof out_dir, &format, &out_none) < 0)
            return 2;
    }
    if (exit_code >= 0)
        return exit_code;
    if (!out_dir[0])
        cli_default_out(out_dir, sizeof out_dir);
    if (cli_prepare_out(out_dir, sizeof out_dir) != 0)
        return 2;
    struct results r;
    results_init(&r, out_dir, argc, argv);
    for (unsigned i = 0; i < SEED_CELLS; i++)
        results_add_cell(&r, seed_cells[i][0], seed_cells[i][1]);
    unsigned failed = plan_execute(&r, &po);
    seed_evaluate(&r);
    results_write(&r);
    printf("%-20s %-8s %s\n", "claim", "verdict", "measured here");
    for (unsigned i = 0; i < r.nclaims; i++)
        printf("%-20s %-8s %s\n  seed: %s\n", r.claims[i].id, r.claims[i].verdict,
               r.claims[i].measured, r.claims[i].claim);
    fprintf(stderr, "results: %s\n", cli_out_name(r.dir));
    results_free(&r);
    return failed ? 1 : 0;
}
