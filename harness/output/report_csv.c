/* CSV exports: samples.csv (one row per run), aggregates.csv (one row per cell), steps.csv,
 * sweep.csv (swept parameters as columns, medians) and seed.csv. Text is written by RFC 4180
 * (csv_field quotes a value holding a comma, quote or line break), so parameter lists keep the
 * commas the user typed and read back unchanged. An empty cell means "not measured", never
 * zero. */
#include <math.h>
#include <string.h>

#include "csv.h"
#include "param.h"
#include "hw_events.h"
#include "os.h"
#include "results.h"

/* Integers (nearly every metric) skip printf's float formatting, which dominated profiles of
 * large plans; the digits are the same as "%.0f" for |v| < 9e15. */
static void report_csv_value(struct strbuf *sb, double v, bool valid)
{
    if (!valid || !isfinite(v))
        return;
    if (v == floor(v) && fabs(v) < 9e15) {
        char buf[24], *p = buf + sizeof buf;
        unsigned long long u = (unsigned long long)fabs(v);
        do {
            *--p = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        if (v < 0)
            *--p = '-';
        strbuf_add(sb, p, (size_t)(buf + sizeof buf - p));
    } else {
        strbuf_printf(sb, "%.12g", v);
    }
}

static void report_csv_cell_columns(struct strbuf *sb, const struct cell *c)
{
    const char *cols[] = {c->id, c->backend, c->backend_params, c->workload, c->workload_params};
    csv_fields(sb, cols, 5);
}

void report_csv_samples_header(const struct results *r, struct strbuf *sb)
{
    strbuf_puts(sb, "cell,backend,backend_params,workload,workload_params,rep,seed,outcome");
    for (int m = 0; m < METRIC_COUNT; m++)
        strbuf_printf(sb, ",%s", sample_metrics[m].name);
    for (unsigned k = 0; k < r->nhw; k++) /* --events, after the fixed metrics */
        strbuf_printf(sb, ",hw_%s", r->hw_events[k]);
    strbuf_puts(sb, ",machine\n");
}

void report_csv_samples_row(const struct results *r, const struct run_result *run,
                            struct strbuf *sb)
{
    report_csv_cell_columns(sb, &r->cells[run->cell]);
    strbuf_printf(sb, ",%u,%llu,", run->rep, (unsigned long long)run->seed);
    csv_field(sb, run->outcome);
    for (int m = 0; m < METRIC_COUNT; m++) {
        strbuf_puts(sb, ",");
        report_csv_value(sb, run->m.v[m], run->m.valid[m]);
    }
    for (unsigned k = 0; k < r->nhw; k++) {
        double v;
        bool have = hw_events_run_value(r, run, k, &v);
        strbuf_puts(sb, ",");
        report_csv_value(sb, have ? v : 0, have);
    }
    strbuf_puts(sb, ",");
    if (run->machine < r->nmachines)
        strbuf_puts(sb, r->machines[run->machine].id);
    strbuf_puts(sb, "\n");
}

static void report_csv_render(const struct results *r, struct strbuf *sb)
{
    report_csv_samples_header(r, sb);
    for (unsigned i = 0; i < r->nruns; i++)
        report_csv_samples_row(r, &r->runs[i], sb);
}

void report_csv_aggregates(const struct results *r, struct strbuf *sb)
{
    static const char *const stat_names[] = {"median", "min", "max", "mean", "stddev", "cv"};
    strbuf_puts(sb, "cell,backend,backend_params,workload,workload_params,runs,ok_runs");
    for (int m = 0; m < METRIC_COUNT; m++)
        for (int s = 0; s < 6; s++)
            strbuf_printf(sb, ",%s_%s", sample_metrics[m].name, stat_names[s]);
    strbuf_puts(sb, "\n");
    for (unsigned c = 0; c < r->ncells; c++) {
        unsigned total, ok;
        results_cell_runs(r, c, &total, &ok);
        if (total == 0)
            continue;
        report_csv_cell_columns(sb, &r->cells[c]);
        strbuf_printf(sb, ",%u,%u", total, ok);
        for (int m = 0; m < METRIC_COUNT; m++) {
            struct stats_summary s;
            bool have = results_cell_summary(r, c, m, &s);
            double vals[6] = {s.median, s.min, s.max, s.mean, s.stddev, s.cv};
            for (int k = 0; k < 6; k++) {
                strbuf_puts(sb, ",");
                /* spread statistics only exist for >= 2 runs */
                report_csv_value(sb, vals[k], have && (k < 4 || s.n >= 2));
            }
        }
        strbuf_puts(sb, "\n");
    }
}

void report_csv_steps_header(struct strbuf *sb)
{
    strbuf_puts(sb, "cell,backend,backend_params,workload,workload_params,rep,step,label,ops,"
                    "break_offset,heap_bytes,mapped_bytes,minflt,majflt");
    /* one column per syscall kind the OS layer knows, tracepoints first, then the OS layer */
    for (int layer = 0; layer < 2; layer++)
        for (int k = 0; k < OS_CALL_COUNT; k++)
            strbuf_printf(sb, ",%s_%s", layer ? "os" : "sys", os_call_name((enum os_call)k));
    strbuf_puts(sb, "\n");
}

void report_csv_steps_rows(const struct results *r, const struct run_result *run, struct strbuf *sb)
{
    for (unsigned k = 0; k < run->step_count; k++) {
        const struct step_snapshot *s = &run->steps[k];
        report_csv_cell_columns(sb, &r->cells[run->cell]);
        strbuf_printf(sb, ",%u,%u,", run->rep, k);
        csv_field(sb, s->label);
        strbuf_printf(sb, ",%llu,%lld,", (unsigned long long)s->ops, (long long)s->break_offset);
        report_csv_value(sb, (double)s->heap_bytes, s->heap_bytes >= 0);
        strbuf_puts(sb, ",");
        report_csv_value(sb, (double)s->mapped_bytes, s->mapped_bytes >= 0);
        strbuf_printf(sb, ",%llu,%llu", (unsigned long long)s->minflt,
                      (unsigned long long)s->majflt);
        for (int j = 0; j < OS_CALL_COUNT; j++) {
            strbuf_puts(sb, ",");
            report_csv_value(sb, (double)s->sys[j], s->sys[j] >= 0);
        }
        for (int j = 0; j < OS_CALL_COUNT; j++) {
            strbuf_puts(sb, ",");
            report_csv_value(sb, (double)s->os[j], s->os[j] >= 0);
        }
        strbuf_puts(sb, "\n");
    }
}

void report_csv_steps(const struct results *r, struct strbuf *sb)
{
    report_csv_steps_header(sb);
    for (unsigned i = 0; i < r->nruns; i++)
        report_csv_steps_rows(r, &r->runs[i], sb);
}

/* The value of key in "k=v,k=v", or "" (the default was used). A value never holds a comma:
 * the spec grammar NAME:k=v,k=v has no way to write one. */
static void report_csv_param(const char *params, const char *key, char *out, size_t len)
{
    out[0] = '\0';
    size_t kl = strlen(key);
    for (const char *p = params; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > kl && !strncmp(p, key, kl) && p[kl] == '=') {
            size_t vl = n - kl - 1;
            if (vl >= len)
                vl = len - 1;
            memcpy(out, p + kl + 1, vl);
            out[vl] = '\0';
            return;
        }
        p += n;
        if (*p == ',')
            p++;
    }
}

void report_csv_sweep(const struct results *r, struct strbuf *sb)
{
    strbuf_puts(sb, "cell,backend,workload");
    for (unsigned k = 0; k < r->nsweep_keys; k++)
        strbuf_printf(sb, ",%s", r->sweep_keys[k]);
    strbuf_puts(sb, ",runs,ok_runs");
    for (int m = 0; m < METRIC_COUNT; m++)
        strbuf_printf(sb, ",%s", sample_metrics[m].name);
    strbuf_puts(sb, "\n");
    for (unsigned c = 0; c < r->ncells; c++) {
        const struct cell *cl = &r->cells[c];
        unsigned total, ok;
        results_cell_runs(r, c, &total, &ok);
        if (total == 0)
            continue;
        const char *cols[] = {cl->id, cl->backend, cl->workload};
        csv_fields(sb, cols, 3);
        for (unsigned k = 0; k < r->nsweep_keys; k++) {
            char v[128];
            report_csv_param(cl->backend_params, r->sweep_keys[k], v, sizeof v);
            if (!v[0])
                report_csv_param(cl->workload_params, r->sweep_keys[k], v, sizeof v);
            if (!v[0])
                report_csv_param(cl->run_params, r->sweep_keys[k], v, sizeof v);
            /* sizes as plain bytes so gnuplot can put them on a log axis */
            int64_t bytes;
            if (v[0] && param_parse_size(v, &bytes) == 0)
                strbuf_printf(sb, ",%lld", (long long)bytes);
            else {
                strbuf_puts(sb, ",");
                csv_field(sb, v);
            }
        }
        strbuf_printf(sb, ",%u,%u", total, ok);
        for (int m = 0; m < METRIC_COUNT; m++) {
            struct stats_summary s;
            strbuf_puts(sb, ",");
            if (results_cell_summary(r, c, m, &s))
                report_csv_value(sb, s.median, true);
        }
        strbuf_puts(sb, "\n");
    }
}

void report_csv_claims(const struct results *r, struct strbuf *sb)
{
    strbuf_puts(sb, "id,verdict,claim,measured\n");
    for (unsigned i = 0; i < r->nclaims; i++) {
        const struct claim *cl = &r->claims[i];
        const char *cols[] = {cl->id, cl->verdict, cl->claim, cl->measured};
        csv_fields(sb, cols, 4);
        strbuf_puts(sb, "\n");
    }
}

void report_csv_machines(const struct results *r, struct strbuf *sb)
{
    strbuf_puts(sb, "machine,count_key,runs,cpu_model,kernel,glibc,thp,build\n");
    for (unsigned i = 0; i < r->nmachines; i++) {
        const struct fingerprint *f = &r->machines[i];
        unsigned runs = 0;
        for (unsigned k = 0; k < r->nruns; k++)
            runs += r->runs[k].machine == i;
        strbuf_printf(sb, "%s,%s,%u,", f->id, f->count_id, runs);
        const char *fields[5] = {f->cpu_model, f->kernel, f->glibc, f->thp, f->build};
        csv_fields(sb, fields, 5);
        strbuf_puts(sb, "\n");
    }
}

void report_csv_timings_by_machine(const struct results *r, struct strbuf *sb)
{
    strbuf_puts(sb, "cell,backend,backend_params,workload,workload_params,machine,ok_runs");
    for (int m = 0; m < METRIC_COUNT; m++)
        if (fingerprint_timing_metric(m))
            strbuf_printf(sb, ",%s_median", sample_metrics[m].name);
    strbuf_puts(sb, "\n");
    for (unsigned c = 0; c < r->ncells; c++) {
        for (unsigned mi = 0; mi < r->nmachines; mi++) {
            unsigned ok = 0;
            for (unsigned i = 0; i < r->cells[c].nrun_idx; i++) {
                const struct run_result *run = &r->runs[r->cells[c].run_idx[i]];
                ok += run->ok && run->machine == mi;
            }
            if (!ok)
                continue;
            report_csv_cell_columns(sb, &r->cells[c]);
            strbuf_printf(sb, ",%s,%u", r->machines[mi].id, ok);
            for (int m = 0; m < METRIC_COUNT; m++) {
                if (!fingerprint_timing_metric(m))
                    continue;
                struct stats_summary s;
                strbuf_puts(sb, ",");
                if (results_cell_machine_summary(r, c, mi, m, &s))
                    report_csv_value(sb, s.median, true);
            }
            strbuf_puts(sb, "\n");
        }
    }
}

const struct reporter report_csv = {"csv", report_csv_render};
