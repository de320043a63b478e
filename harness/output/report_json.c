/* run.json: context block, cells with latency summaries, every run with its metrics (null when
 * not measured) and steps, aggregates for cells with >= 2 ok runs, seed claims. */
#include <string.h>

#include "json.h"
#include "results.h"

static void report_json_hist(const struct hist *h, struct strbuf *sb)
{
    strbuf_puts(sb, "{");
    json_key(sb, "count", true);
    json_number(sb, (double)h->count);
    json_key(sb, "mean", false);
    json_number(sb, hist_mean(h));
    static const struct {
        const char *k;
        double p;
    } pct[] = {{"p50", 50}, {"p90", 90}, {"p99", 99}, {"p99_9", 99.9}};
    for (size_t i = 0; i < sizeof pct / sizeof pct[0]; i++) {
        json_key(sb, pct[i].k, false);
        json_number(sb, (double)hist_percentile(h, pct[i].p));
    }
    json_key(sb, "max", false);
    json_number(sb, (double)h->max);
    strbuf_puts(sb, "}");
}

static void report_json_steps(const struct run_result *run, struct strbuf *sb)
{
    strbuf_puts(sb, "[");
    for (unsigned i = 0; i < run->step_count; i++) {
        const struct step_snapshot *s = &run->steps[i];
        strbuf_puts(sb, i ? ",{" : "{");
        json_key(sb, "label", true);
        json_str(sb, s->label);
        json_key(sb, "ops", false);
        json_number(sb, (double)s->ops);
        json_key(sb, "break_offset", false);
        json_number(sb, (double)s->break_offset);
        json_key(sb, "heap_bytes", false);
        json_number_or_null(sb, (double)s->heap_bytes, s->heap_bytes >= 0);
        json_key(sb, "mapped_bytes", false);
        json_number_or_null(sb, (double)s->mapped_bytes, s->mapped_bytes >= 0);
        json_key(sb, "minflt", false);
        json_number(sb, (double)s->minflt);
        json_key(sb, "majflt", false);
        json_number(sb, (double)s->majflt);
        json_key(sb, "sys", false);
        strbuf_puts(sb, "{");
        for (int k = 0; k < OS_CALL_COUNT; k++) {
            json_key(sb, os_call_name((enum os_call)k), k == 0);
            json_number_or_null(sb, (double)s->sys[k], s->sys[k] >= 0);
        }
        strbuf_puts(sb, "}");
        json_key(sb, "os", false);
        strbuf_puts(sb, "{");
        for (int k = 0; k < OS_CALL_COUNT; k++) {
            json_key(sb, os_call_name((enum os_call)k), k == 0);
            json_number_or_null(sb, (double)s->os[k], s->os[k] >= 0);
        }
        strbuf_puts(sb, "}}");
    }
    strbuf_puts(sb, "]");
}

/* The object's opening and its run-wide members: schema, context, command, inputs, warnings,
 * events and how latency was sampled. */
static void report_json_head(const struct results *r, struct strbuf *sb)
{
    strbuf_puts(sb, "{\n");
    json_key(sb, "schema_version", true);
    json_number(sb, RESULTS_SCHEMA_VERSION);
    strbuf_puts(sb, ",\n");
    json_key(sb, "context", true);
    context_write_json(&r->ctx, sb);
    strbuf_puts(sb, ",\n");
    json_key(sb, "command", true);
    json_str(sb, r->command);
    strbuf_puts(sb, ",\n");
    results_inputs_render(&r->inputs, sb); /* merged runs only: "hosts", "inputs" */
    json_key(sb, "warnings", true);
    strbuf_puts(sb, "[");
    for (unsigned i = 0; i < r->nwarnings; i++) {
        if (i)
            strbuf_puts(sb, ",");
        json_str(sb, r->warnings[i]);
    }
    strbuf_puts(sb, "],\n");
    json_key(sb, "hw_events", true);
    strbuf_puts(sb, "[");
    for (unsigned i = 0; i < r->nhw; i++) {
        if (i)
            strbuf_puts(sb, ",");
        json_str(sb, r->hw_events[i]);
    }
    strbuf_puts(sb, "],\n");
    json_key(sb, "latency_method", true);
    strbuf_puts(sb, "{");
    json_key(sb, "how", true);
    json_str(sb, "one countdown per op kind: every sample_every-th call of each kind, and "
                 "every request of always_timed_request_bytes or more, is timed with "
                 "`clock` (tsc: the invariant TSC, rdtsc..lfence+rdtsc, converted to ns against "
                 "CLOCK_MONOTONIC; monotonic: CLOCK_MONOTONIC) minus timer_cost_ns; count, "
                 "mean and percentiles are those of the samples, unweighted (see "
                 "results/README.md)");
    json_key(sb, "clock", false);
    if (r->nruns && r->runs[0].timer_clock[0])
        json_str(sb, r->runs[0].timer_clock);
    else
        strbuf_puts(sb, "null");
    json_key(sb, "sample_every", false);
    json_number(sb, (double)r->lat_sample_every);
    json_key(sb, "always_timed_request_bytes", false);
    json_number(sb, 65536);
    json_key(sb, "timer_cost_ns", false);
    json_number_or_null(sb, r->nruns ? (double)r->runs[0].timer_cost_ns : 0, r->nruns > 0);
    strbuf_puts(sb, "},\n");
}

/* "cells": each cell's names and parameters and its latency histograms. */
static void report_json_cells(const struct results *r, struct strbuf *sb)
{
    json_key(sb, "cells", true);
    strbuf_puts(sb, "[");
    for (unsigned c = 0; c < r->ncells; c++) {
        const struct cell *cl = &r->cells[c];
        strbuf_puts(sb, c ? ",\n {" : "\n {");
        json_key(sb, "id", true);
        json_str(sb, cl->id);
        json_key(sb, "backend", false);
        json_str(sb, cl->backend);
        json_key(sb, "backend_spec", false);
        json_str(sb, cl->backend_spec);
        json_key(sb, "backend_params", false);
        json_str(sb, cl->backend_params);
        json_key(sb, "workload", false);
        json_str(sb, cl->workload);
        json_key(sb, "workload_spec", false);
        json_str(sb, cl->workload_spec);
        json_key(sb, "workload_params", false);
        json_str(sb, cl->workload_params);
        json_key(sb, "run_params", false);
        json_str(sb, cl->run_params);
        json_key(sb, "latency_ns", false);
        strbuf_puts(sb, "{");
        bool first = true;
        for (int k = 0; cl->hist && k < OP_COUNT; k++) {
            if (cl->hist[k].count == 0)
                continue;
            json_key(sb, sample_op_names[k], first);
            first = false;
            report_json_hist(&cl->hist[k], sb);
        }
        strbuf_puts(sb, "}}");
    }
    strbuf_puts(sb, "],\n");
}

/* "runs": each run's outcome, metrics, hardware events and steps. */
static void report_json_runs(const struct results *r, struct strbuf *sb)
{
    json_key(sb, "runs", true);
    strbuf_puts(sb, "[");
    for (unsigned i = 0; i < r->nruns; i++) {
        const struct run_result *run = &r->runs[i];
        strbuf_puts(sb, i ? ",\n {" : "\n {");
        json_key(sb, "cell", true);
        json_str(sb, r->cells[run->cell].id);
        json_key(sb, "backend", false);
        json_str(sb, r->cells[run->cell].backend_spec);
        json_key(sb, "workload", false);
        json_str(sb, r->cells[run->cell].workload_spec);
        json_key(sb, "rep", false);
        json_number(sb, run->rep);
        json_key(sb, "seed", false);
        json_number(sb, (double)run->seed);
        json_key(sb, "outcome", false);
        json_str(sb, run->outcome);
        json_key(sb, "metrics", false);
        strbuf_puts(sb, "{");
        for (int m = 0; m < METRIC_COUNT; m++) {
            json_key(sb, sample_metrics[m].name, m == 0);
            json_number_or_null(sb, run->m.v[m], run->m.valid[m]);
        }
        strbuf_puts(sb, "}");
        json_key(sb, "hw", false);
        strbuf_puts(sb, "[");
        for (unsigned k = 0; k < run->hw_count; k++) {
            const struct perf_hw_value *h = &run->hw[k];
            strbuf_puts(sb, k ? ",{" : "{");
            json_key(sb, "name", true);
            json_str(sb, h->name);
            json_key(sb, "resolved", false);
            json_str(sb, h->resolved);
            json_key(sb, "value", false);
            json_number_or_null(sb, (double)h->v.value, h->v.available);
            json_key(sb, "time_enabled", false);
            json_number_or_null(sb, (double)h->v.time_enabled, h->v.available);
            json_key(sb, "time_running", false);
            json_number_or_null(sb, (double)h->v.time_running, h->v.available);
            strbuf_puts(sb, "}");
        }
        strbuf_puts(sb, "]");
        json_key(sb, "steps", false);
        report_json_steps(run, sb);
        strbuf_puts(sb, "}");
    }
    strbuf_puts(sb, "],\n");
}

/* "aggregates": per cell with two or more ok runs, each metric's summary statistics. */
static void report_json_aggregates(const struct results *r, struct strbuf *sb)
{
    json_key(sb, "aggregates", true);
    strbuf_puts(sb, "[");
    bool first_agg = true;
    for (unsigned c = 0; c < r->ncells; c++) {
        unsigned total, ok;
        results_cell_runs(r, c, &total, &ok);
        if (ok < 2)
            continue; /* no aggregates for a single run */
        strbuf_puts(sb, first_agg ? "\n {" : ",\n {");
        first_agg = false;
        json_key(sb, "cell", true);
        json_str(sb, r->cells[c].id);
        json_key(sb, "runs", false);
        json_number(sb, total);
        json_key(sb, "ok_runs", false);
        json_number(sb, ok);
        json_key(sb, "metrics", false);
        strbuf_puts(sb, "{");
        bool first = true;
        for (int m = 0; m < METRIC_COUNT; m++) {
            struct stats_summary s;
            json_key(sb, sample_metrics[m].name, first);
            first = false;
            if (!results_cell_summary(r, c, m, &s) || s.n < 2) {
                strbuf_puts(sb, "null");
                continue;
            }
            strbuf_puts(sb, "{");
            json_key(sb, "n", true);
            json_number(sb, (double)s.n);
            json_key(sb, "median", false);
            json_number(sb, s.median);
            json_key(sb, "mean", false);
            json_number(sb, s.mean);
            json_key(sb, "stddev", false);
            json_number(sb, s.stddev);
            json_key(sb, "cv", false);
            json_number(sb, s.cv);
            json_key(sb, "min", false);
            json_number(sb, s.min);
            json_key(sb, "max", false);
            json_number(sb, s.max);
            strbuf_puts(sb, "}");
        }
        strbuf_puts(sb, "}}");
    }
    strbuf_puts(sb, "],\n");
}

/* "claims", the last member; it closes the object. */
static void report_json_claims(const struct results *r, struct strbuf *sb)
{
    json_key(sb, "claims", true);
    strbuf_puts(sb, "[");
    for (unsigned i = 0; i < r->nclaims; i++) {
        strbuf_puts(sb, i ? ",\n {" : "\n {");
        json_key(sb, "id", true);
        json_str(sb, r->claims[i].id);
        json_key(sb, "claim", false);
        json_str(sb, r->claims[i].claim);
        json_key(sb, "measured", false);
        json_str(sb, r->claims[i].measured);
        json_key(sb, "verdict", false);
        json_str(sb, r->claims[i].verdict);
        strbuf_puts(sb, "}");
    }
    strbuf_puts(sb, "]\n}\n");
}

static void report_json_render(const struct results *r, struct strbuf *sb)
{
    report_json_head(r, sb);
    report_json_cells(r, sb);
    report_json_runs(r, sb);
    report_json_aggregates(r, sb);
    report_json_claims(r, sb);
}

const struct reporter report_json = {"json", report_json_render};
