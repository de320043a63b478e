/* Results in memory and the results directory (see results.h). */
#define _GNU_SOURCE
#include "results.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "workload.h"
#include "atomic_file.h"
#include "report_memory.h"

void results_init(struct results *r, const char *dir, int argc, char **argv)
{
    memset(r, 0, sizeof *r);
    snprintf(r->dir, sizeof r->dir, "%s", dir ? dir : "");
    size_t used = 0;
    for (int i = 0; i < argc && used + 2 < sizeof r->command; i++) {
        int n =
            snprintf(r->command + used, sizeof r->command - used, "%s%s", i ? " " : "", argv[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    context_collect(&r->ctx);
}

void results_free(struct results *r)
{
    for (unsigned i = 0; i < r->ncells; i++)
        free(r->cells[i].hist);
    for (unsigned i = 0; i < r->nruns; i++)
        free(r->runs[i].steps);
    free(r->cells);
    free(r->runs);
    free(r->claims);
    memset(r, 0, sizeof *r);
}

unsigned results_add_cell(struct results *r, const char *backend_spec, const char *workload_spec)
{
    struct cell *cells = realloc(r->cells, (r->ncells + 1) * sizeof *cells);
    if (!cells)
        abort();
    r->cells = cells;
    struct cell *c = &cells[r->ncells];
    memset(c, 0, sizeof *c);
    snprintf(c->id, sizeof c->id, "c%03u", r->ncells + 1);
    snprintf(c->backend_spec, sizeof c->backend_spec, "%s", backend_spec);
    snprintf(c->workload_spec, sizeof c->workload_spec, "%s", workload_spec);
    char err[256];
    struct param_values pv;
    const struct backend_ops *b;
    const struct workload *w;
    if (backend_parse_spec(backend_spec, &b, &pv, err, sizeof err) == 0) {
        snprintf(c->backend, sizeof c->backend, "%s", b->name);
        param_format_set(&pv, c->backend_params, sizeof c->backend_params);
    }
    if (workload_parse_spec(workload_spec, &w, &pv, err, sizeof err) == 0) {
        snprintf(c->workload, sizeof c->workload, "%s", w->name);
        param_format_set(&pv, c->workload_params, sizeof c->workload_params);
    }
    return r->ncells++;
}

void results_warn(struct results *r, const char *text)
{
    for (unsigned i = 0; i < r->nwarnings; i++)
        if (!strcmp(r->warnings[i], text))
            return;
    if (r->nwarnings < RESULTS_WARN_MAX)
        snprintf(r->warnings[r->nwarnings++], sizeof r->warnings[0], "%s", text);
}

static void results_write_timeline(const struct results *r, const struct run_result *run,
                                   const struct run_record *rec)
{
    if (!r->dir[0] || !rec || rec->timeline_count == 0)
        return;
    struct strbuf sb;
    strbuf_init(&sb);
    strbuf_puts(&sb, "ops,rss_bytes,break_offset,mapped_bytes,live_bytes,minflt\n");
    for (unsigned i = 0; i < rec->timeline_count && i < SAMPLE_TIMELINE_MAX; i++) {
        const struct timeline_point *p = &rec->timeline[i];
        strbuf_printf(&sb, "%llu,%llu,%lld,", (unsigned long long)p->ops,
                      (unsigned long long)p->rss_bytes, (long long)p->break_offset);
        if (p->mapped_bytes >= 0)
            strbuf_printf(&sb, "%lld", (long long)p->mapped_bytes);
        strbuf_printf(&sb, ",%lld,%llu\n", (long long)p->live_bytes, (unsigned long long)p->minflt);
    }
    char path[4352];
    snprintf(path, sizeof path, "%s/timeline", r->dir);
    atomic_file_mkdirs(path);
    snprintf(path, sizeof path, "%s/timeline/%s-r%u.csv", r->dir, r->cells[run->cell].id, run->rep);
    atomic_file_write(path, sb.data, sb.len); /* a failure is reported once, at exit */
    strbuf_free(&sb);
}

void results_add_run(struct results *r, const struct run_result *run, const struct run_record *rec)
{
    if (r->nruns == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->runs = realloc(r->runs, r->cap * sizeof *r->runs);
        if (!r->runs)
            abort();
    }
    struct run_result *dst = &r->runs[r->nruns++];
    *dst = *run;
    dst->steps = NULL;
    dst->step_count = 0;
    if (rec && rec->magic == RUN_RECORD_MAGIC) {
        unsigned n = rec->step_count < SAMPLE_STEPS_MAX ? rec->step_count : SAMPLE_STEPS_MAX;
        if (n) {
            dst->steps = malloc(n * sizeof *dst->steps);
            if (!dst->steps)
                abort();
            memcpy(dst->steps, rec->steps, n * sizeof *dst->steps);
            dst->step_count = n;
        }
        struct cell *c = &r->cells[run->cell];
        if (run->ok) {
            if (!c->hist) {
                c->hist = calloc(OP_COUNT, sizeof *c->hist);
                if (!c->hist)
                    abort();
                for (int k = 0; k < OP_COUNT; k++)
                    hist_reset(&c->hist[k]);
            }
            for (int k = 0; k < OP_COUNT; k++)
                hist_merge(&c->hist[k], &rec->hist[k]);
        }
        for (unsigned i = 0; i < rec->warning_count && i < 4; i++)
            results_warn(r, rec->warnings[i]);
        if (rec->lat_sample_every)
            r->lat_sample_every = rec->lat_sample_every;
        if (r->nhw == 0)
            for (unsigned i = 0; i < rec->hw_count && i < PERF_MAX_HW; i++)
                snprintf(r->hw_events[r->nhw++], PERF_NAME_MAX, "%s", rec->hw[i].name);
        results_write_timeline(r, dst, rec);
        report_memory_write_run(r, dst, rec);
    }
}

unsigned results_failed_runs(const struct results *r)
{
    unsigned n = 0;
    for (unsigned i = 0; i < r->nruns; i++)
        n += !r->runs[i].ok;
    return n;
}

void results_cell_runs(const struct results *r, unsigned cell, unsigned *total, unsigned *ok)
{
    *total = *ok = 0;
    for (unsigned i = 0; i < r->nruns; i++) {
        if (r->runs[i].cell != cell)
            continue;
        (*total)++;
        *ok += r->runs[i].ok;
    }
}

bool results_cell_summary(const struct results *r, unsigned cell, int metric,
                          struct stats_summary *out)
{
    double *v = malloc((r->nruns + 1) * sizeof *v);
    if (!v)
        abort();
    size_t n = 0;
    for (unsigned i = 0; i < r->nruns; i++) {
        const struct run_result *run = &r->runs[i];
        if (run->cell == cell && run->ok && run->m.valid[metric])
            v[n++] = run->m.v[metric];
    }
    if (n)
        stats_summarize(v, n, out);
    free(v);
    return n > 0;
}

static int results_put(const struct results *r, const char *name, const struct strbuf *sb)
{
    char path[4352];
    snprintf(path, sizeof path, "%s/%s", r->dir, name);
    /* no message here: the dispatcher prints one line for all failed writes */
    return atomic_file_write(path, sb->data ? sb->data : "", sb->len);
}

int results_write(struct results *r)
{
    if (!r->dir[0])
        return 0;
    if (atomic_file_mkdirs(r->dir) != 0)
        return -1;
    struct strbuf sb;
    strbuf_init(&sb);
    int rc = 0;
    report_json.render(r, &sb);
    rc |= results_put(r, "run.json", &sb);
    strbuf_reset(&sb);
    report_csv.render(r, &sb);
    rc |= results_put(r, "samples.csv", &sb);
    strbuf_reset(&sb);
    report_csv_aggregates(r, &sb);
    rc |= results_put(r, "aggregates.csv", &sb);
    strbuf_reset(&sb);
    report_csv_steps(r, &sb);
    rc |= results_put(r, "steps.csv", &sb);
    if (r->nsweep_keys) {
        strbuf_reset(&sb);
        report_csv_sweep(r, &sb);
        rc |= results_put(r, "sweep.csv", &sb);
    }
    if (r->nclaims) {
        strbuf_reset(&sb);
        report_csv_claims(r, &sb);
        rc |= results_put(r, "seed.csv", &sb);
    }
    char path[4352];
    snprintf(path, sizeof path, "%s/hist", r->dir);
    atomic_file_mkdirs(path);
    for (unsigned c = 0; c < r->ncells; c++) {
        if (!r->cells[c].hist)
            continue;
        for (int k = 0; k < OP_COUNT; k++) {
            if (r->cells[c].hist[k].count == 0)
                continue;
            char *buf = NULL;
            size_t len = 0;
            FILE *mem = open_memstream(&buf, &len);
            if (!mem)
                abort();
            hist_write_csv(&r->cells[c].hist[k], mem);
            fclose(mem);
            snprintf(path, sizeof path, "%s/hist/%s-%s.csv", r->dir, r->cells[c].id,
                     sample_op_names[k]);
            if (atomic_file_write(path, buf, len) != 0)
                rc = -1;
            free(buf);
        }
    }
    strbuf_free(&sb);
    return rc ? -1 : 0;
}
