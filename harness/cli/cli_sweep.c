/* `faultline merge OUT DIR...`: join result directories (sweep shards from a CI matrix or a
 * batch cluster) into one: samples, steps, histograms and timelines are re-keyed by cell and
 * every file (run.json, aggregates, sweep.csv) is regenerated from them. Runs keep the machine
 * they were measured on (fingerprint.h): counts pool across machines that agree on the
 * count-affecting fields, timings never pool across machines (timings_by_machine.csv). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic_file.h"
#include "cli.h"
#include "csv.h"
#include "fingerprint.h"
#include "merge_check.h"

/* NAME + "k=v,k=v" -> "NAME:k=v,k=v" (the CSV keeps the commas, quoted) */
static void cli_merge_spec(const char *name, const char *params, char *out, size_t len)
{
    if (!params[0])
        snprintf(out, len, "%s", name);
    else
        snprintf(out, len, "%s:%s", name, params);
}

/* Cells are keyed by their specs and the count key of the machine: counts pool across
 * machines that agree on kernel, glibc, THP and build, and stay apart otherwise. */
static unsigned cli_merge_cell(struct results *r, const char *bspec, const char *wspec,
                               const char *count_id)
{
    for (unsigned i = 0; i < r->ncells; i++)
        if (!strcmp(r->cells[i].backend_spec, bspec) && !strcmp(r->cells[i].workload_spec, wspec) &&
            !strcmp(r->cells[i].count_id, count_id))
            return i;
    unsigned c = results_add_cell(r, bspec, wspec);
    snprintf(r->cells[c].count_id, sizeof r->cells[c].count_id, "%s", count_id);
    return c;
}

/* The machines of an input directory: its machines.csv (a merged directory names one per
 * run) and, for rows that name none, the context of its run.json. */
struct cli_merge_machines {
    struct csv csv;
    bool have_csv;
    struct fingerprint dir_fp;
};

static void cli_merge_machines_load(const struct context *ctx, const char *dir,
                                    struct cli_merge_machines *mm)
{
    fingerprint_from_context(ctx, &mm->dir_fp);
    char path[4200];
    snprintf(path, sizeof path, "%s/machines.csv", dir);
    mm->have_csv = csv_load(&mm->csv, path) == 0;
}

/* The machine of one samples row, added to the results when first used. */
static unsigned cli_merge_row_machine(struct results *r, const struct csv *s, size_t row,
                                      const struct cli_merge_machines *mm)
{
    int col = csv_col(s, "machine");
    const char *id = col >= 0 ? csv_get(s, row, col) : "";
    const struct csv *m = &mm->csv;
    for (size_t k = 0; id[0] && mm->have_csv && k < m->nrows; k++) {
        if (strcmp(csv_get(m, k, csv_col(m, "machine")), id) != 0)
            continue;
        struct fingerprint f;
        memset(&f, 0, sizeof f);
        snprintf(f.id, sizeof f.id, "%s", id);
        snprintf(f.count_id, sizeof f.count_id, "%s", csv_get(m, k, csv_col(m, "count_key")));
        snprintf(f.cpu_model, sizeof f.cpu_model, "%s", csv_get(m, k, csv_col(m, "cpu_model")));
        snprintf(f.kernel, sizeof f.kernel, "%s", csv_get(m, k, csv_col(m, "kernel")));
        snprintf(f.glibc, sizeof f.glibc, "%s", csv_get(m, k, csv_col(m, "glibc")));
        snprintf(f.thp, sizeof f.thp, "%s", csv_get(m, k, csv_col(m, "thp")));
        snprintf(f.build, sizeof f.build, "%s", csv_get(m, k, csv_col(m, "build")));
        return results_add_machine(r, &f);
    }
    return results_add_machine(r, &mm->dir_fp);
}

/* A run already merged (the same shard given twice, or a merged directory merged again with
 * one of its shards): merging is idempotent. */
static bool cli_merge_have_run(const struct results *r, unsigned cell, unsigned rep,
                               unsigned machine)
{
    const struct cell *c = &r->cells[cell];
    for (unsigned i = 0; i < c->nrun_idx; i++) {
        const struct run_result *run = &r->runs[c->run_idx[i]];
        if (run->rep == rep && run->machine == machine)
            return true;
    }
    return false;
}

static void cli_merge_sweep_keys(struct results *r, const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/sweep.csv", dir);
    struct csv c;
    if (csv_load(&c, path) != 0)
        return;
    int first = csv_col(&c, "workload"), last = csv_col(&c, "runs");
    for (int k = first + 1; first >= 0 && k < last; k++) {
        bool have = false;
        for (unsigned i = 0; i < r->nsweep_keys; i++)
            have |= !strcmp(r->sweep_keys[i], c.header[k]);
        if (!have && r->nsweep_keys < 8)
            snprintf(r->sweep_keys[r->nsweep_keys++], sizeof r->sweep_keys[0], "%s", c.header[k]);
    }
    csv_free(&c);
}

/* The runs DIR was made by (results_inputs.h): a run already merged from an earlier input (the
 * same run id: a copied directory, or a shard of a merged directory given too) makes the whole
 * input a duplicate, *dup_of names the earlier input. Returns the index of DIR's first entry in
 * r->inputs, or -1 when DIR is a duplicate. */
static int cli_merge_inputs(struct results *r, const char *dir, struct context *top,
                            const char **dup_of, bool *single)
{
    struct results_inputs mine = {0};
    char err[600];
    memset(top, 0, sizeof *top);
    if (results_inputs_read(dir, &mine, top, err, sizeof err) < 0) {
        /* no readable run.json: the rows still merge, the input is named without a context */
        struct results_input *in = calloc(1, sizeof *in);
        if (!in)
            abort();
        snprintf(in->dir, sizeof in->dir, "%s", dir);
        mine.v = in;
        mine.n = 1;
    }
    *single = mine.n == 1;
    bool all_seen = true;
    for (unsigned i = 0; i < mine.n && all_seen; i++) {
        int k = results_inputs_find(&r->inputs, mine.v[i].run_id);
        all_seen = k >= 0;
        if (k >= 0)
            *dup_of = r->inputs.v[k].dir;
    }
    if (all_seen) {
        results_inputs_free(&mine);
        return -1;
    }
    int first = (int)r->inputs.n;
    for (unsigned i = 0; i < mine.n; i++) {
        if (results_inputs_find(&r->inputs, mine.v[i].run_id) >= 0)
            continue; /* a shard merged already; its rows are skipped one by one below */
        struct results_input *v = realloc(r->inputs.v, (r->inputs.n + 1) * sizeof *v);
        if (!v)
            abort();
        r->inputs.v = v;
        v[r->inputs.n++] = mine.v[i];
    }
    results_inputs_free(&mine);
    return first;
}

/* The steps of the run (old_id, rep) in DIR's steps.csv, into rec. */
static void cli_merge_steps(const struct csv *st, const char *old_id, unsigned rep,
                            struct run_record *rec)
{
    for (size_t k = 0; k < st->nrows && rec->step_count < SAMPLE_STEPS_MAX; k++) {
        if (strcmp(csv_get(st, k, csv_col(st, "cell")), old_id) ||
            (unsigned)atoi(csv_get(st, k, csv_col(st, "rep"))) != rep)
            continue;
        struct step_snapshot *sn = &rec->steps[rec->step_count++];
        snprintf(sn->label, sizeof sn->label, "%s", csv_get(st, k, csv_col(st, "label")));
        double v;
        sn->ops = csv_num(st, k, csv_col(st, "ops"), &v) ? (uint64_t)v : 0;
        sn->break_offset = csv_num(st, k, csv_col(st, "break_offset"), &v) ? (int64_t)v : 0;
        sn->heap_bytes = csv_num(st, k, csv_col(st, "heap_bytes"), &v) ? (int64_t)v : -1;
        sn->mapped_bytes = csv_num(st, k, csv_col(st, "mapped_bytes"), &v) ? (int64_t)v : -1;
        sn->minflt = csv_num(st, k, csv_col(st, "minflt"), &v) ? (uint64_t)v : 0;
        sn->majflt = csv_num(st, k, csv_col(st, "majflt"), &v) ? (uint64_t)v : 0;
        for (int j = 0; j < OS_CALL_COUNT; j++) {
            char name[32];
            snprintf(name, sizeof name, "sys_%s", os_call_name((enum os_call)j));
            sn->sys[j] = csv_num(st, k, csv_col(st, name), &v) ? (int64_t)v : -1;
            snprintf(name, sizeof name, "os_%s", os_call_name((enum os_call)j));
            sn->os[j] = csv_num(st, k, csv_col(st, name), &v) ? (int64_t)v : -1;
        }
    }
}

/* DIR's histograms of the cell old_id, into rec, when this run is the cell's first ok one. */
static void cli_merge_hists(const struct results *r, const char *dir, const char *old_id,
                            unsigned cell, bool ok, struct run_record *rec)
{
    char path[4200];
    /* histograms are per cell: attach them to the cell's first ok run only */
    bool first_ok = ok;
    for (unsigned i = 0; first_ok && i < r->nruns; i++)
        first_ok = !(r->runs[i].cell == cell && r->runs[i].ok);
    for (int op = 0; first_ok && op < OP_COUNT; op++) {
        hist_reset(&rec->hist[op]);
        snprintf(path, sizeof path, "%s/hist/%s-%s.csv", dir, old_id, sample_op_names[op]);
        struct csv h;
        if (csv_load(&h, path) != 0)
            continue;
        double prev = 0;
        for (size_t k = 0; k < h.nrows; k++) {
            double v, cum;
            if (csv_num(&h, k, csv_col(&h, "value_ns"), &v) &&
                csv_num(&h, k, csv_col(&h, "cumulative"), &cum)) {
                hist_record(&rec->hist[op], (uint64_t)v, (uint64_t)(cum - prev));
                prev = cum;
            }
        }
        csv_free(&h);
    }
}

/* Copies DIR's timeline of (old_id, rep) under the merged cell's id. */
static void cli_merge_timeline(const struct results *r, const char *dir, const char *old_id,
                               unsigned cell, unsigned rep)
{
    /* the timeline file keeps its rows; only the cell id in its name changes */
    char from[4300], to[4300];
    snprintf(from, sizeof from, "%s/timeline/%s-r%u.csv", dir, old_id, rep);
    snprintf(to, sizeof to, "%s/timeline", r->dir);
    atomic_file_mkdirs(to);
    snprintf(to, sizeof to, "%s/timeline/%s-r%u.csv", r->dir, r->cells[cell].id, rep);
    FILE *f = fopen(from, "r");
    if (f) {
        char *data = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&data, &len);
        char buf[8192];
        size_t n;
        while (mem && (n = fread(buf, 1, sizeof buf, f)) > 0)
            fwrite(buf, 1, n, mem);
        fclose(f);
        if (mem) {
            fclose(mem);
            atomic_file_write(to, data, len);
        }
        free(data);
    }
}

static int cli_merge_dir(struct results *r, const char *dir, struct run_record *rec)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/samples.csv", dir);
    struct csv s, st;
    if (csv_load(&s, path) != 0)
        return cli_usage_error("merge: %s", s.err);
    snprintf(path, sizeof path, "%s/steps.csv", dir);
    bool have_steps = csv_load(&st, path) == 0;
    if (!have_steps && errno != ENOENT) {
        csv_free(&s);
        return cli_usage_error("merge: %s", st.err);
    }
    int cb = csv_col(&s, "backend"), cbp = csv_col(&s, "backend_params"),
        cw = csv_col(&s, "workload"), cwp = csv_col(&s, "workload_params"),
        crep = csv_col(&s, "rep"), cseed = csv_col(&s, "seed"), cout = csv_col(&s, "outcome"),
        ccell = csv_col(&s, "cell");
    if (cb < 0 || cw < 0 || crep < 0 || cout < 0 || ccell < 0) {
        csv_free(&s);
        if (have_steps)
            csv_free(&st);
        return cli_usage_error("merge %s: samples.csv lacks the faultline columns", dir);
    }
    static struct context top;
    const char *dup_of = "";
    bool single;
    int entry = cli_merge_inputs(r, dir, &top, &dup_of, &single);
    if (entry < 0) {
        fprintf(stderr,
                "faultline merge: warning: %s: %zu runs skipped: its run id was already merged "
                "from %s\n",
                dir, s.nrows, dup_of);
        csv_free(&s);
        if (have_steps)
            csv_free(&st);
        return 0;
    }
    struct cli_merge_machines mm;
    cli_merge_machines_load(&top, dir, &mm);
    unsigned dups = 0, merged = 0;
    for (size_t row = 0; row < s.nrows; row++) {
        char bspec[RESULTS_SPEC_MAX], wspec[RESULTS_SPEC_MAX];
        cli_merge_spec(csv_get(&s, row, cb), csv_get(&s, row, cbp), bspec, sizeof bspec);
        cli_merge_spec(csv_get(&s, row, cw), csv_get(&s, row, cwp), wspec, sizeof wspec);
        unsigned machine = cli_merge_row_machine(r, &s, row, &mm);
        unsigned cell = cli_merge_cell(r, bspec, wspec, r->machines[machine].count_id);
        /* the same cell, rep and machine from two inputs is one run counted twice: keep the
         * first (merging a shard twice, or a merged directory with its shards, is idempotent) */
        unsigned rep = (unsigned)strtoul(csv_get(&s, row, crep), NULL, 10); /* checked */
        if (cli_merge_have_run(r, cell, rep, machine)) {
            dups++;
            continue;
        }
        struct run_result run;
        memset(&run, 0, sizeof run);
        run.cell = cell;
        run.machine = machine;
        run.rep = rep;
        run.seed = strtoull(csv_get(&s, row, cseed), NULL, 10);
        snprintf(run.outcome, sizeof run.outcome, "%s", csv_get(&s, row, cout));
        run.ok = !strcmp(run.outcome, "ok");
        for (int m = 0; m < METRIC_COUNT; m++) {
            double v;
            if (csv_num(&s, row, csv_col(&s, sample_metrics[m].name), &v))
                sample_set(&run.m, (enum metric_id)m, v);
        }
        /* a record carrying this run's steps and histograms, so results_add_run merges them */
        memset(rec, 0, sizeof *rec);
        rec->magic = RUN_RECORD_MAGIC;
        const char *old_id = csv_get(&s, row, ccell);
        if (have_steps)
            cli_merge_steps(&st, old_id, run.rep, rec);
        cli_merge_hists(r, dir, old_id, cell, run.ok, rec);
        results_add_run(r, &run, rec);
        merged++;
        cli_merge_timeline(r, dir, old_id, cell, run.rep);
    }
    csv_free(&s);
    if (have_steps)
        csv_free(&st);
    if (mm.have_csv)
        csv_free(&mm.csv);
    cli_merge_sweep_keys(r, dir);
    if (single) { /* one run made DIR: the counts are its own */
        r->inputs.v[entry].runs = merged;
        r->inputs.v[entry].skipped = dups;
    }
    if (dups)
        fprintf(stderr,
                "faultline merge: warning: %s: %u runs skipped, their cell and rep were already "
                "merged from an earlier input\n",
                dir, dups);
    return 0;
}

static const struct cli_usage cli_merge_usage = {
    .name = "merge",
    .synopsis = "OUT DIR...",
    .about = "Joins result directories (e.g. sweep shards run with --shard K/N) into OUT:\n"
             "samples, steps, histograms and timelines, with aggregates and sweep.csv "
             "regenerated.\n",
    .examples = "faultline merge merged shard1 shard2",
    .exit_status = "0 merged, 1 a write failed, 2 bad input",
};

int cli_merge_main(int argc, char **argv)
{
    struct cli_parse p;
    cli_opt_init(&p, &cli_merge_usage, argc, argv);
    int c, exit_code = -1, nargs = 0;
    while ((c = cli_opt_step(&p, &exit_code)) != CLI_OPT_END)
        argv[++nargs] = (char *)p.arg; /* positionals to the front, in order */
    if (exit_code >= 0)
        return exit_code;
    argc = nargs + 1;
    if (argc < 3)
        return cli_usage_error("merge: expected OUT DIR... (at least one input directory)");
    for (int i = 2; i < argc; i++) {
        struct stat sb;
        char path[4200];
        snprintf(path, sizeof path, "%s/samples.csv", argv[i]);
        if (stat(path, &sb) != 0)
            return cli_usage_error("merge %s: not a faultline results directory (no samples.csv)",
                                   argv[i]);
    }
    if (merge_check_inputs(argv[1], argc - 2, argv + 2) != 0)
        return 2;
    char out[4200];
    snprintf(out, sizeof out, "%s", argv[1]);
    if (cli_prepare_out(out, sizeof out) != 0)
        return 2;
    struct results r;
    results_init(&r, out, argc, argv);
    r.nmachines = 0; /* the inputs' machines, not the merging one */
    struct run_record *rec = malloc(sizeof *rec);
    if (!rec)
        abort();
    int rc = 0;
    for (int i = 2; i < argc && rc == 0; i++)
        rc = cli_merge_dir(&r, argv[i], rec);
    free(rec);
    if (rc == 0 && results_write(&r) != 0)
        rc = 1;
    if (rc == 0)
        fprintf(stderr, "merged %d directories: %u cells, %u runs, %u machine%s -> %s\n", argc - 2,
                r.ncells, r.nruns, r.nmachines, r.nmachines == 1 ? "" : "s", cli_out_name(r.dir));
    results_free(&r);
    return rc;
}
