/* `faultline whatif TRACE -p SPEC...`: options, the settings (sweep grammar, cross product of
 * the -p groups, each mapped to the twin's knobs and to glibc's mallopt names), the predicted
 * table sorted by total syscalls, whatif.csv, and the hand-off to --verify. */
#define _GNU_SOURCE
#include "cli_whatif.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "atomic_file.h"
#include "backend.h"
#include "config.h"
#include "cli.h"
#include "cli_opt.h"
#include "csv.h"
#include "strbuf.h"
#include "sweep.h"
#include "twin.h"

#define CLI_WHATIF_MAX_GROUPS          8
#define CLI_WHATIF_GLIBC_THRESHOLD_MAX (32u << 20) /* heap_max_size() / 2 on 64-bit */

enum { CLI_WHATIF_ID_PARAM = 'p', CLI_WHATIF_ID_VERIFY = CLI_ID_COMMAND, CLI_WHATIF_ID_JOBS };

static const struct cli_opt cli_whatif_opts[] = {
    {"param", 'p', "SPEC",
     "hybrid parameters in the sweep grammar, e.g. 'threshold=16K..32M:x2' or\n"
     "'trim=64K..4M:x2,off' (keys: threshold, trim, top_pad, mmap_max, dynamic);\n"
     "repeatable: several -p form the cross product",
     CLI_WHATIF_ID_PARAM},
    {"verify", 0, "N",
     "run the N best settings and the default for real on glibc and show\npredicted vs "
     "measured syscalls (default 3; 0 = predict only)",
     CLI_WHATIF_ID_VERIFY},
    {"jobs", 'j', "N", "replays at once (default 2)", CLI_WHATIF_ID_JOBS},
    CLI_ROW_OUT("also write DIR/whatif.csv (one row per setting)"),
    CLI_ROW_END,
};

static const struct cli_opt *const cli_whatif_tables[] = {cli_whatif_opts, NULL};

static const struct cli_usage cli_whatif_usage = {
    .name = "whatif",
    .synopsis = "TRACE [-p SPEC]... [--verify N] [-j N] [--out DIR]",
    .about =
        "Replays TRACE (from `faultline trace`) through the hybrid backend's twin of glibc 2.36's\n"
        "main-arena malloc once per setting, in a forked child that only calls the twin (block\n"
        "contents are never touched), and prints the predicted brk, mmap, munmap, mremap,\n"
        "madvise and mprotect calls and the memory retained at the end (heap = break offset,\n"
        "mapped = mmapped chunks still held), sorted by total syscalls; the default setting\n"
        "(glibc's sliding thresholds) is always included. Faults are not predicted (null): the\n"
        "twin does not touch blocks, so which pages a program touches is not modelled.\n\n"
        "--verify N then runs the N best settings that glibc can take, and the default, as\n"
        "`faultline run -b glibc:PARAMS -w replay:file=TRACE` and shows predicted/measured\n"
        "per kind (measured: syscall tracepoints). Names map to mallopt: threshold ->\n"
        "mmap_threshold (glibc refuses above 32M), trim -> trim_threshold (off -> 2147483647,\n"
        "mallopt's largest int), top_pad, mmap_max; dynamic=off alone -> mmap_threshold=128K.\n"
        "Any explicit knob freezes the sliding thresholds, in glibc and in the twin alike.\n"
        "The twin is single-arena: a multi-threaded trace is predicted as if every thread used\n"
        "the main arena. A shipped trace: results/traces/sort.fltrace.",
    .tables = cli_whatif_tables,
    .examples = "faultline trace -o sort.fltrace -- sort big.txt\n"
                "faultline whatif sort.fltrace -p 'threshold=16K..32M:x2' -p "
                "'trim=64K..4M:x2,off'\n"
                "faultline whatif sort.fltrace -p 'top_pad=0,128K,1M' --verify 1 --out whatif-out",
    .exit_status = "0, 1 when a replay or a verification run failed, 2 for bad input",
};

/* One line for bad input, spelled like cli_opt_error's; returns 2. */
static int cli_whatif_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int cli_whatif_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "faultline whatif: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

struct cli_whatif_opts {
    const char *groups[CLI_WHATIF_MAX_GROUPS];
    unsigned ngroups;
    uint64_t verify, jobs;
    char out[4096];
    const char *trace;
};

/* The hybrid parameters of text ("threshold=16K,...") as twin knobs and glibc backend
 * parameters. 0, or -1 with err set. */
static int cli_whatif_map(struct cli_whatif_setting *s, char *err, size_t errlen)
{
    char spec[300];
    snprintf(spec, sizeof spec, "hybrid%s%s", strcmp(s->text, "default") ? ":" : "",
             strcmp(s->text, "default") ? s->text : "");
    const struct backend_ops *ops;
    struct param_values pv;
    if (backend_parse_spec(spec, &ops, &pv, err, errlen) != 0)
        return -1;
    int64_t trim = param_num(&pv, "trim");
    bool any = false;
    struct strbuf sb;
    strbuf_init(&sb);
    static const char *const keys[][2] = {{"threshold", "mmap_threshold"},
                                          {"trim", "trim_threshold"},
                                          {"top_pad", "top_pad"},
                                          {"mmap_max", "mmap_max"}};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (!param_is_set(&pv, keys[i][0]))
            continue;
        int64_t v = param_num(&pv, keys[i][0]);
        if (!strcmp(keys[i][0], "trim") && v == PARAM_OFF)
            v = INT_MAX; /* never trims below a 2 GiB top */
        char num[48];
        param_format_size(v, num, sizeof num);
        strbuf_printf(&sb, "%s%s=%s", any ? "," : "", keys[i][1], num);
        any = true;
        if (v > INT_MAX)
            s->unsettable = "glibc's mallopt takes an int";
        if (!strcmp(keys[i][0], "threshold") && v > (int64_t)CLI_WHATIF_GLIBC_THRESHOLD_MAX)
            s->unsettable = "glibc refuses mmap_threshold above 32M";
    }
    bool dynamic = param_num(&pv, "dynamic") != 0 && !any;
    if (!any && !dynamic) /* dynamic=off alone: any mallopt freezes the thresholds */
        strbuf_printf(&sb, "mmap_threshold=128K");
    snprintf(s->glibc, sizeof s->glibc, "%s", sb.data ? sb.data : "");
    strbuf_free(&sb);
    s->knobs = (struct whatif_knobs){
        .top_pad = (size_t)param_num(&pv, "top_pad"),
        .trim_threshold = trim == PARAM_OFF ? SIZE_MAX : (size_t)trim,
        .mmap_threshold = (size_t)param_num(&pv, "threshold"),
        .mmap_max = (int)param_num(&pv, "mmap_max"),
        .dynamic = dynamic,
    };
    return 0;
}

/* The cross product of the -p groups, then "default". 0, or 2 (message printed). */
static int cli_whatif_settings(const struct cli_whatif_opts *o, struct cli_whatif_setting **out,
                               unsigned *count)
{
    static struct sweep_expansion ex[CLI_WHATIF_MAX_GROUPS];
    char err[512];
    unsigned total = o->ngroups ? 1 : 0; /* no -p: the default alone */
    int rc = 0;
    unsigned done = 0;
    for (; done < o->ngroups; done++) {
        char spec[1100];
        snprintf(spec, sizeof spec, "hybrid:%s", o->groups[done]);
        if (!o->groups[done][0] || sweep_expand(spec, &ex[done], err, sizeof err) != 0) {
            rc = cli_whatif_error("-p '%s': %s", o->groups[done],
                                  o->groups[done][0] ? err : "empty");
            break;
        }
        total *= ex[done].count;
        if (total > SWEEP_MAX_SPECS) {
            done++;
            rc = cli_whatif_error("more than %d settings", SWEEP_MAX_SPECS);
            break;
        }
    }
    struct cli_whatif_setting *s = rc ? NULL : calloc(total + 1, sizeof *s);
    for (unsigned n = 0; s && n <= total && !rc; n++) {
        if (n == total) {
            snprintf(s[n].text, sizeof s[n].text, "default");
        } else {
            unsigned rem = n, div = total;
            size_t used = 0;
            for (unsigned g = 0; g < o->ngroups; g++) {
                div /= ex[g].count;
                const char *c = strchr(ex[g].specs[rem / div], ':') + 1;
                rem %= div;
                used += (size_t)snprintf(s[n].text + used, sizeof s[n].text - used, "%s%s",
                                         g ? "," : "", c);
                if (used >= sizeof s[n].text)
                    used = sizeof s[n].text - 1;
            }
        }
        if (cli_whatif_map(&s[n], err, sizeof err) != 0)
            rc = cli_whatif_error("setting '%s': %s", s[n].text, err);
    }
    for (unsigned g = 0; g < done; g++)
        sweep_free(&ex[g]);
    if (rc) {
        free(s);
        return 2;
    }
    *out = s;
    *count = total + 1;
    return 0;
}

static const struct cli_whatif_setting *cli_whatif_sort_base;

static uint64_t cli_whatif_retained(const struct cli_whatif_setting *s)
{
    return s->res.heap_bytes + s->res.mapped_bytes;
}

/* Fewest syscalls first, then least retained, then the order given (a stable order). */
static int cli_whatif_by_total(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    const struct cli_whatif_setting *p = &cli_whatif_sort_base[x], *q = &cli_whatif_sort_base[y];
    if (!p->res.error != !q->res.error)
        return p->res.error ? 1 : -1;
    uint64_t tp = whatif_total_calls(&p->res), tq = whatif_total_calls(&q->res);
    if (tp != tq)
        return tp < tq ? -1 : 1;
    uint64_t rp = cli_whatif_retained(p), rq = cli_whatif_retained(q);
    if (rp != rq)
        return rp < rq ? -1 : 1;
    return x < y ? -1 : x > y;
}

static void cli_whatif_print(const struct cli_whatif_setting *s, const unsigned *order, unsigned n)
{
    int w = 8;
    for (unsigned i = 0; i < n; i++)
        if ((int)strlen(s[i].text) > w)
            w = (int)strlen(s[i].text);
    printf("%4s  %-*s %6s %6s %6s %6s %7s %8s %6s %10s %10s\n", "rank", w, "setting", "brk", "mmap",
           "munmap", "mremap", "madvise", "mprotect", "total", "heap", "mapped");
    unsigned marked = 0;
    for (unsigned r = 0; r < n; r++) {
        const struct cli_whatif_setting *x = &s[order[r]];
        if (x->res.error) {
            printf("%4u  %-*s replay failed: %s\n", r + 1, w, x->text,
                   x->res.error == EFAULT ? "the child died" : strerror(x->res.error));
            continue;
        }
        const uint64_t *c = x->res.os.calls;
        printf("%4u  %-*s %6llu %6llu %6llu %6llu %7llu %8llu %6llu %10llu %10llu%s\n", r + 1, w,
               x->text, (unsigned long long)c[OS_BRK], (unsigned long long)c[OS_MMAP],
               (unsigned long long)c[OS_MUNMAP], (unsigned long long)c[OS_MREMAP],
               (unsigned long long)c[OS_MADVISE], (unsigned long long)c[OS_MPROTECT],
               (unsigned long long)whatif_total_calls(&x->res),
               (unsigned long long)x->res.heap_bytes, (unsigned long long)x->res.mapped_bytes,
               x->unsettable ? "  *" : "");
        marked += x->unsettable != NULL;
    }
    if (marked)
        printf("* not settable on glibc (%u settings): predicted only, never verified\n", marked);
    printf("heap/mapped: bytes retained at the end (break offset; mmapped chunks still held)\n"
           "faults: null (not predicted: the twin never touches block contents, so the pages a "
           "program first touches are not modelled)\n");
}

static void cli_whatif_csv(const char *dir, const struct cli_whatif_setting *s,
                           const unsigned *order, unsigned n)
{
    struct strbuf sb;
    strbuf_init(&sb);
    strbuf_puts(&sb, "rank,setting,glibc_params,glibc_settable");
    for (int k = 0; k < OS_CALL_COUNT; k++)
        strbuf_printf(&sb, ",%s", os_call_name((enum os_call)k));
    strbuf_puts(&sb, ",total,heap_bytes,mapped_bytes,retained_bytes,faults,error,verified");
    for (int k = 0; k < OS_CALL_COUNT; k++)
        strbuf_printf(&sb, ",measured_%s", os_call_name((enum os_call)k));
    strbuf_puts(&sb, ",measured_note\n");
    for (unsigned r = 0; r < n; r++) {
        const struct cli_whatif_setting *x = &s[order[r]];
        strbuf_printf(&sb, "%u,", r + 1);
        csv_field(&sb, x->text);
        strbuf_puts(&sb, ",");
        csv_field(&sb, x->glibc);
        strbuf_printf(&sb, ",%d", x->unsettable == NULL);
        for (int k = 0; k < OS_CALL_COUNT; k++)
            strbuf_printf(&sb, x->res.error ? "," : ",%llu",
                          (unsigned long long)x->res.os.calls[k]);
        if (x->res.error)
            strbuf_printf(&sb, ",,,,,,%s,%d", strerrorname_np(x->res.error), x->verified);
        else
            strbuf_printf(
                &sb, ",%llu,%llu,%llu,%llu,,,%d", (unsigned long long)whatif_total_calls(&x->res),
                (unsigned long long)x->res.heap_bytes, (unsigned long long)x->res.mapped_bytes,
                (unsigned long long)cli_whatif_retained(x), x->verified);
        for (int k = 0; k < OS_CALL_COUNT; k++)
            strbuf_printf(&sb, x->measured ? ",%llu" : ",",
                          (unsigned long long)x->measured_calls[k]);
        strbuf_puts(&sb, ",");
        csv_field(&sb, x->note);
        strbuf_puts(&sb, "\n");
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/whatif.csv", dir);
    atomic_file_write(path, sb.data ? sb.data : "", sb.len); /* a failure is reported at exit */
    strbuf_free(&sb);
}

/* Options into o. 0, or the exit status (help: 0 via *done, errors: 2). */
static int cli_whatif_parse(int argc, char **argv, struct cli_whatif_opts *o, bool *done)
{
    struct cli_parse p;
    cli_opt_init(&p, &cli_whatif_usage, argc, argv);
    for (int id; (id = cli_opt_next(&p)) != CLI_OPT_END;) {
        switch (id) {
        case CLI_OPT_HELP:
            *done = true;
            return 0;
        case CLI_OPT_ERROR:
            return 2;
        case CLI_OPT_ARG:
            if (o->trace)
                return cli_opt_error(&p, "one TRACE only (got '%s' and '%s')", o->trace, p.arg);
            o->trace = p.arg;
            break;
        case CLI_WHATIF_ID_PARAM:
            if (o->ngroups == CLI_WHATIF_MAX_GROUPS)
                return cli_opt_error(&p, "at most %d -p", CLI_WHATIF_MAX_GROUPS);
            o->groups[o->ngroups++] = p.arg;
            break;
        case CLI_WHATIF_ID_VERIFY:
            if (cli_opt_u64(&p, &o->verify, 0, 64) != 0)
                return 2;
            break;
        case CLI_WHATIF_ID_JOBS:
            if (cli_opt_u64(&p, &o->jobs, 1, 64) != 0)
                return 2;
            break;
        case CLI_ID_OUT:
            snprintf(o->out, sizeof o->out, "%s", p.arg);
            break;
        default:
            return cli_opt_error(&p, "unhandled option");
        }
    }
    if (!o->trace)
        return cli_opt_error(&p, "TRACE is required (a file from `faultline trace -o FILE`)");
    return 0;
}

/* The verified settings: the best n that glibc can take, then the default. */
static unsigned cli_whatif_pick(const struct cli_whatif_setting *s, const unsigned *order,
                                unsigned count, unsigned n, unsigned *pick)
{
    unsigned k = 0, def = count - 1; /* "default" is the last setting */
    for (unsigned r = 0; r < count && k < n; r++)
        if (order[r] != def && !s[order[r]].unsettable && !s[order[r]].res.error)
            pick[k++] = order[r];
    pick[k++] = def;
    return k;
}

static double cli_whatif_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cli_whatif_main(int argc, char **argv)
{
    struct cli_whatif_opts o = {.verify = 3, .jobs = 2};
    bool help = false;
    int rc = cli_whatif_parse(argc, argv, &o, &help);
    if (rc || help)
        return rc;
    struct cli_whatif_setting *s;
    unsigned count;
    if ((rc = cli_whatif_settings(&o, &s, &count)) != 0)
        return rc;
    double t0 = cli_whatif_now();
    struct whatif_trace t;
    char err[512];
    if (whatif_trace_load(o.trace, &t, err, sizeof err) != 0) {
        free(s);
        return cli_whatif_error("%s", err);
    }
    if (o.out[0] && cli_prepare_out(o.out, sizeof o.out) != 0) {
        whatif_trace_free(&t);
        free(s);
        return 2;
    }
    struct whatif_knobs *k = calloc(count, sizeof *k);
    struct whatif_result *res = calloc(count, sizeof *res);
    unsigned *order = calloc(count, sizeof *order);
    if (!k || !res || !order)
        abort();
    for (unsigned i = 0; i < count; i++)
        k[i] = s[i].knobs;
    if (whatif_predict(&t, k, count, (unsigned)o.jobs, res) != 0)
        fprintf(stderr, "faultline whatif: cannot start a replay: %s\n", strerror(errno));
    double secs = cli_whatif_now() - t0;
    unsigned failed = 0;
    for (unsigned i = 0; i < count; i++) {
        s[i].res = res[i];
        order[i] = i;
        failed += res[i].error != 0;
    }
    cli_whatif_sort_base = s;
    qsort(order, count, sizeof *order, cli_whatif_by_total);
    printf("whatif %s: %llu records, %u thread%s%s; %u settings predicted in %.3f s (%llu "
           "workers)\n",
           o.trace, (unsigned long long)t.n, t.nthreads, t.nthreads == 1 ? "" : "s",
           t.nthreads > 1 ? " (twin is single-arena: threads predicted on the main arena)" : "",
           count, secs, (unsigned long long)o.jobs);
    cli_whatif_print(s, order, count);
    whatif_trace_free(&t);
    unsigned bad_runs = 0;
    if (o.verify > 0 && FAULTLINE_SANITIZED) {
        /* ASan's allocator replaces glibc malloc in the runner: no glibc setting would apply */
        printf("verify: skipped: this faultline is built with ASan, whose allocator replaces "
               "glibc malloc in the runner (use a build without FAULTLINE_SANITIZE)\n");
    } else if (o.verify > 0) {
        unsigned pick[65];
        unsigned n = cli_whatif_pick(s, order, count, (unsigned)o.verify, pick);
        cli_whatif_verify_run(s, pick, n, o.trace);
        cli_whatif_verify_print(s, pick, n); /* a difference is a finding, not a failure */
        for (unsigned i = 0; i < n; i++)
            bad_runs += !s[pick[i]].measured && s[pick[i]].note[0] == 'r'; /* "run failed" */
    }
    if (o.out[0]) {
        cli_whatif_csv(o.out, s, order, count);
        printf("wrote %s/whatif.csv\n", cli_out_name(o.out));
    }
    free(k);
    free(res);
    free(order);
    free(s);
    return failed || bad_runs ? 1 : 0;
}
