/* --format gbench: the results in Google Benchmark's JSON schema (1.7.1), so compare.py and other
 * tools built for it read faultline runs. One iteration entry per run (an iteration is one
 * allocator operation), and mean/median/stddev/cv aggregates for cells with >= 2 ok runs. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "results.h"

/* Context items that have a Google Benchmark name of their own. */
static const struct {
    const char *gb, *ours;
    bool numeric;
} report_gbench_ctx_map[] = {
    {"date", "date_utc", false},
    {"host_name", "host", false},
    {"num_cpus", "cpus", true},
};

static void report_gbench_context(const struct results *r, struct strbuf *sb)
{
    strbuf_puts(sb, "{\n");
    bool first = true;
    for (size_t i = 0; i < sizeof report_gbench_ctx_map / sizeof report_gbench_ctx_map[0]; i++) {
        const char *v = context_get(&r->ctx, report_gbench_ctx_map[i].ours);
        if (!v)
            continue;
        strbuf_puts(sb, first ? "    " : ",\n    ");
        json_key(sb, report_gbench_ctx_map[i].gb, true);
        first = false;
        if (report_gbench_ctx_map[i].numeric)
            strbuf_puts(sb, v);
        else
            json_str(sb, v);
    }
    strbuf_puts(sb, first ? "    " : ",\n    ");
    json_key(sb, "executable", true);
    json_str(sb, "faultline");
    /* Google Benchmark says "debug" or "release" (its own build); ours is the harness build. */
    const char *bt = context_get(&r->ctx, "build_type");
    char lower[64] = "unknown";
    if (bt) {
        size_t k = 0;
        for (; bt[k] && k + 1 < sizeof lower; k++)
            lower[k] = (char)tolower((unsigned char)bt[k]);
        lower[k] = '\0';
    }
    strbuf_puts(sb, ",\n    ");
    json_key(sb, "library_build_type", true);
    json_str(sb, strcmp(lower, "debug") ? "release" : "debug");
    /* Everything else faultline knows, under its own names (strings, as --benchmark_context). */
    for (unsigned i = 0; i < r->ctx.count; i++) {
        const struct context_item *it = &r->ctx.items[i];
        strbuf_puts(sb, ",\n    ");
        json_key(sb, it->key, true);
        if (it->numeric)
            strbuf_puts(sb, it->value);
        else
            json_str(sb, it->value);
    }
    strbuf_puts(sb, ",\n    ");
    json_key(sb, "faultline_command", true);
    json_str(sb, r->command);
    strbuf_puts(sb, "\n  }");
}

/* CPU time per operation of one run, or NAN. */
static double report_gbench_cpu_per_op(const struct run_result *run)
{
    const struct sample_values *m = &run->m;
    if (!m->valid[METRIC_ops] || m->v[METRIC_ops] <= 0 || !m->valid[METRIC_user_ns] ||
        !m->valid[METRIC_sys_ns])
        return NAN;
    return (m->v[METRIC_user_ns] + m->v[METRIC_sys_ns]) / m->v[METRIC_ops];
}

static void report_gbench_head(struct strbuf *sb, const char *name, unsigned family,
                               const char *run_type, unsigned reps, bool first)
{
    strbuf_puts(sb, first ? "\n    {" : ",\n    {");
    json_key(sb, "name", true);
    json_str(sb, name);
    json_key(sb, "family_index", false);
    json_number(sb, family);
    json_key(sb, "per_family_instance_index", false);
    json_number(sb, 0);
    json_key(sb, "run_type", false);
    json_str(sb, run_type);
    json_key(sb, "repetitions", false);
    json_number(sb, reps);
}

static void report_gbench_times(struct strbuf *sb, double real, double cpu)
{
    json_key(sb, "real_time", false);
    json_number(sb, isfinite(real) ? real : 0);
    json_key(sb, "cpu_time", false);
    json_number(sb, isfinite(cpu) ? cpu : 0);
    json_key(sb, "time_unit", false);
    json_str(sb, "ns");
}

/* One aggregate statistic of a summary. */
static double report_gbench_stat(const struct stats_summary *s, int which)
{
    switch (which) {
    case 0:
        return s->mean;
    case 1:
        return s->median;
    case 2:
        return s->stddev;
    default:
        return s->cv;
    }
}

static void report_gbench_aggregates(const struct results *r, unsigned c, const char *name,
                                     unsigned reps, struct strbuf *sb)
{
    static const char *const agg_names[4] = {"mean", "median", "stddev", "cv"};
    double *real = malloc((r->nruns + 1) * sizeof *real);
    double *cpu = malloc((r->nruns + 1) * sizeof *cpu);
    if (!real || !cpu)
        abort();
    size_t nreal = 0, ncpu = 0;
    for (unsigned i = 0; i < r->nruns; i++) {
        const struct run_result *run = &r->runs[i];
        if (run->cell != c || !run->ok)
            continue;
        if (run->m.valid[METRIC_ns_per_op])
            real[nreal++] = run->m.v[METRIC_ns_per_op];
        double cp = report_gbench_cpu_per_op(run);
        if (isfinite(cp))
            cpu[ncpu++] = cp;
    }
    struct stats_summary sr, sc;
    memset(&sr, 0, sizeof sr);
    memset(&sc, 0, sizeof sc);
    if (nreal)
        stats_summarize(real, nreal, &sr);
    if (ncpu)
        stats_summarize(cpu, ncpu, &sc);
    for (int a = 0; a < 4; a++) {
        char aname[RESULTS_SPEC_MAX * 2 + 16];
        snprintf(aname, sizeof aname, "%s_%s", name, agg_names[a]);
        report_gbench_head(sb, aname, c, "aggregate", reps, false);
        json_key(sb, "run_name", false);
        json_str(sb, name);
        json_key(sb, "threads", false);
        json_number(sb, 1);
        json_key(sb, "aggregate_name", false);
        json_str(sb, agg_names[a]);
        json_key(sb, "aggregate_unit", false);
        json_str(sb, a == 3 ? "percentage" : "time");
        json_key(sb, "iterations", false);
        json_number(sb, (double)sr.n);
        report_gbench_times(sb, nreal ? report_gbench_stat(&sr, a) : NAN,
                            ncpu ? report_gbench_stat(&sc, a) : NAN);
        for (int m = 0; m < METRIC_COUNT; m++) {
            struct stats_summary s;
            /* a metric nobody measured stays absent, as Google Benchmark omits counters */
            if (!results_cell_summary(r, c, m, &s) || s.n < 2)
                continue;
            json_key(sb, sample_metrics[m].name, false);
            json_number(sb, report_gbench_stat(&s, a));
        }
        strbuf_puts(sb, "}");
    }
    free(real);
    free(cpu);
}

static void report_gbench_render(const struct results *r, struct strbuf *sb)
{
    strbuf_puts(sb, "{\n  \"context\": ");
    report_gbench_context(r, sb);
    strbuf_puts(sb, ",\n  \"benchmarks\": [");
    bool first = true;
    for (unsigned c = 0; c < r->ncells; c++) {
        const struct cell *cl = &r->cells[c];
        char name[RESULTS_SPEC_MAX * 2 + 2];
        snprintf(name, sizeof name, "%s/%s", cl->backend_spec, cl->workload_spec);
        unsigned reps = 0, ok = 0;
        for (unsigned i = 0; i < r->nruns; i++)
            if (r->runs[i].cell == c) {
                reps++;
                ok += r->runs[i].ok;
            }
        for (unsigned i = 0; i < r->nruns; i++) {
            const struct run_result *run = &r->runs[i];
            if (run->cell != c)
                continue;
            report_gbench_head(sb, name, c, "iteration", reps, first);
            first = false;
            json_key(sb, "run_name", false);
            json_str(sb, name);
            json_key(sb, "repetition_index", false);
            json_number(sb, run->rep);
            json_key(sb, "threads", false);
            json_number(sb, 1);
            const struct sample_values *m = &run->m;
            if (!run->ok) {
                json_key(sb, "error_occurred", false);
                strbuf_puts(sb, "true");
                json_key(sb, "error_message", false);
                json_str(sb, run->outcome);
            }
            /* An iteration is one allocator operation: iterations = ops, time per op. */
            json_key(sb, "iterations", false);
            json_number(sb, run->ok && m->valid[METRIC_ops] ? m->v[METRIC_ops] : 0);
            report_gbench_times(sb,
                                run->ok && m->valid[METRIC_ns_per_op] ? m->v[METRIC_ns_per_op] : 0,
                                run->ok ? report_gbench_cpu_per_op(run) : 0);
            /* User counters: every measured metric of the run as a total for the run. */
            for (int k = 0; k < METRIC_COUNT && run->ok; k++) {
                if (!m->valid[k] || !isfinite(m->v[k]))
                    continue;
                json_key(sb, sample_metrics[k].name, false);
                json_number(sb, m->v[k]);
            }
            strbuf_puts(sb, "}");
        }
        if (ok >= 2)
            report_gbench_aggregates(r, c, name, reps, sb);
    }
    strbuf_puts(sb, first ? "]\n}\n" : "\n  ]\n}\n");
}

const struct reporter report_gbench = {"gbench", report_gbench_render};
