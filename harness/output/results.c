/* Results in memory and the results directory (see results.h). */
#define _GNU_SOURCE
#include "results.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "workload.h"
#include "atomic_file.h"
#include "results_log.h"
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
    /* the run id: how merge recognises the same run delivered twice (copied directories) */
    uint64_t id[2] = {0, 0};
    if (getrandom(id, sizeof id, 0) != (ssize_t)sizeof id)
        id[0] = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid(), id[1] = (uint64_t)clock();
    char idtext[40];
    snprintf(idtext, sizeof idtext, "%016llx%016llx", (unsigned long long)id[0],
             (unsigned long long)id[1]);
    context_set(&r->ctx, "run_id", idtext, false);
    struct fingerprint self;
    fingerprint_from_context(&r->ctx, &self);
    results_add_machine(r, &self);
}

unsigned results_add_machine(struct results *r, const struct fingerprint *fp)
{
    for (unsigned i = 0; i < r->nmachines; i++)
        if (!strcmp(r->machines[i].id, fp->id))
            return i;
    struct fingerprint *m = realloc(r->machines, (r->nmachines + 1) * sizeof *m);
    if (!m)
        abort();
    r->machines = m;
    m[r->nmachines] = *fp;
    return r->nmachines++;
}

void results_free(struct results *r)
{
    for (unsigned i = 0; i < r->ncells; i++) {
        free(r->cells[i].hist);
        free(r->cells[i].run_idx);
    }
    for (unsigned i = 0; i < r->nruns; i++)
        free(r->runs[i].steps);
    free(r->cells);
    free(r->runs);
    free(r->claims);
    free(r->machines);
    results_inputs_free(&r->inputs);
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

/* Whole-file write through a temporary name and rename, so readers never see a torn file.
 * `durable` goes through atomic_file_write (fsync before the rename); otherwise no fsync: used
 * during a plan for files that are regenerated (and fsynced) at its end, and for new per-run
 * files that the group commit and the final syncfs cover (see results_log.c). */
static int results_put_path(const char *path, const char *data, size_t len, bool durable)
{
    if (durable || strncmp(path, "/dev/", 5) == 0)
        return atomic_file_write(path, data ? data : "", len);
    return atomic_file_write_nosync(path, data ? data : "", len);
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
    results_put_path(path, sb.data, sb.len, false); /* a failure is reported once, at exit */
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
    struct cell *owner = &r->cells[run->cell];
    if (owner->nrun_idx == owner->cap_run_idx) {
        owner->cap_run_idx = owner->cap_run_idx ? owner->cap_run_idx * 2 : 4;
        owner->run_idx = realloc(owner->run_idx, owner->cap_run_idx * sizeof *owner->run_idx);
        if (!owner->run_idx)
            abort();
    }
    owner->run_idx[owner->nrun_idx++] = r->nruns;
    owner->dirty = true;
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

/* Both walk only the cell's own runs (cell.run_idx): with every cell summarized for every
 * metric, scanning all runs made aggregates quadratic in the plan size. */
void results_cell_runs(const struct results *r, unsigned cell, unsigned *total, unsigned *ok)
{
    const struct cell *c = &r->cells[cell];
    *total = c->nrun_idx;
    *ok = 0;
    for (unsigned i = 0; i < c->nrun_idx; i++)
        *ok += r->runs[c->run_idx[i]].ok;
}

/* Summary over the cell's ok runs with a value, of one machine (machine < 0: any machine,
 * but a timing metric spanning machines has none). */
static bool results_summary_of(const struct results *r, unsigned cell, int machine, int metric,
                               struct stats_summary *out)
{
    const struct cell *c = &r->cells[cell];
    double small[64];
    double *v = c->nrun_idx <= 64 ? small : malloc(c->nrun_idx * sizeof *v);
    if (!v)
        abort();
    size_t n = 0;
    int first_machine = -1;
    bool mixed = false;
    for (unsigned i = 0; i < c->nrun_idx; i++) {
        const struct run_result *run = &r->runs[c->run_idx[i]];
        if (!run->ok || !run->m.valid[metric] ||
            (machine >= 0 && run->machine != (unsigned)machine))
            continue;
        if (first_machine < 0)
            first_machine = (int)run->machine;
        mixed |= run->machine != (unsigned)first_machine;
        v[n++] = run->m.v[metric];
    }
    if (mixed && fingerprint_timing_metric(metric))
        n = 0;
    if (n)
        stats_summarize(v, n, out);
    if (v != small)
        free(v);
    return n > 0;
}

bool results_cell_summary(const struct results *r, unsigned cell, int metric,
                          struct stats_summary *out)
{
    return results_summary_of(r, cell, -1, metric, out);
}

bool results_cell_machine_summary(const struct results *r, unsigned cell, unsigned machine,
                                  int metric, struct stats_summary *out)
{
    return results_summary_of(r, cell, (int)machine, metric, out);
}

static int results_cmp_plan_order(const void *a, const void *b)
{
    const struct run_result *x = a, *y = b;
    if (x->rep != y->rep)
        return x->rep < y->rep ? -1 : 1;
    return x->cell < y->cell ? -1 : x->cell > y->cell;
}

void results_sort_runs(struct results *r)
{
    qsort(r->runs, r->nruns, sizeof *r->runs, results_cmp_plan_order);
    for (unsigned c = 0; c < r->ncells; c++)
        r->cells[c].nrun_idx = 0;
    for (unsigned i = 0; i < r->nruns; i++) {
        struct cell *c = &r->cells[r->runs[i].cell];
        c->run_idx[c->nrun_idx++] = i; /* capacity is already there: same runs, new order */
    }
}

static long results_put(const struct results *r, const char *name, const struct strbuf *sb,
                        bool durable)
{
    char path[4352];
    snprintf(path, sizeof path, "%s/%s", r->dir, name);
    /* no message here: the dispatcher prints one line for all failed writes */
    if (results_put_path(path, sb->data, sb->len, durable) != 0)
        return -1;
    return (long)sb->len;
}

static long results_write_hists(struct results *r, bool durable)
{
    char path[4352];
    snprintf(path, sizeof path, "%s/hist", r->dir);
    atomic_file_mkdirs(path);
    long bytes = 0;
    for (unsigned c = 0; c < r->ncells; c++) {
        if (!r->cells[c].hist || !r->cells[c].dirty)
            continue;
        r->cells[c].dirty = false;
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
            if (results_put_path(path, buf, len, durable) != 0)
                bytes = -1;
            else if (bytes >= 0)
                bytes += (long)len;
            free(buf);
        }
    }
    return bytes;
}

long results_write_json(struct results *r)
{
    if (!r->dir[0])
        return 0;
    struct strbuf sb;
    strbuf_init(&sb);
    report_json.render(r, &sb);
    long n = results_put(r, "run.json", &sb, false);
    strbuf_free(&sb);
    return n;
}

long results_write_derived(struct results *r, bool durable)
{
    if (!r->dir[0])
        return 0;
    struct strbuf sb;
    strbuf_init(&sb);
    long total = 0, n;
    bool bad = false;
    report_json.render(r, &sb);
    bad |= (n = results_put(r, "run.json", &sb, durable)) < 0;
    total += n;
    strbuf_reset(&sb);
    report_csv_aggregates(r, &sb);
    bad |= (n = results_put(r, "aggregates.csv", &sb, durable)) < 0;
    total += n;
    if (r->nsweep_keys) {
        strbuf_reset(&sb);
        report_csv_sweep(r, &sb);
        bad |= (n = results_put(r, "sweep.csv", &sb, durable)) < 0;
        total += n;
    }
    if (r->nclaims) {
        strbuf_reset(&sb);
        report_csv_claims(r, &sb);
        bad |= (n = results_put(r, "seed.csv", &sb, durable)) < 0;
        total += n;
    }
    strbuf_reset(&sb);
    report_csv_machines(r, &sb);
    bad |= (n = results_put(r, "machines.csv", &sb, durable)) < 0;
    total += n;
    if (r->nmachines > 1) {
        strbuf_reset(&sb);
        report_csv_timings_by_machine(r, &sb);
        bad |= (n = results_put(r, "timings_by_machine.csv", &sb, durable)) < 0;
        total += n;
    }
    bad |= (n = results_write_hists(r, durable)) < 0;
    total += n;
    strbuf_free(&sb);
    return bad ? -1 : total;
}

int results_write(struct results *r)
{
    if (!r->dir[0])
        return 0;
    if (atomic_file_mkdirs(r->dir) != 0)
        return -1;
    struct strbuf sb;
    strbuf_init(&sb);
    bool bad = false;
    report_csv.render(r, &sb);
    bad |= results_put(r, "samples.csv", &sb, true) < 0;
    strbuf_reset(&sb);
    report_csv_steps(r, &sb);
    bad |= results_put(r, "steps.csv", &sb, true) < 0;
    strbuf_free(&sb);
    for (unsigned c = 0; c < r->ncells; c++)
        r->cells[c].dirty = true;
    bad |= results_write_derived(r, true) < 0;
    if (r->log)
        bad |= results_log_reopen(r) != 0;
    return bad ? -1 : 0;
}
