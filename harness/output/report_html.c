/* `faultline report DIR`: runs plots/plot.sh on a results directory, then writes index.html
 * (inline CSS, no scripts, no network) and report.md: context, a summary table with the best
 * value per column marked, a merge's timings per machine, every plot with a reading computed from
 * the CSVs, claims, warnings. */
#define _GNU_SOURCE
#include "report_html.h"

#include "cli_opt.h"
#include "json_read.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomic_file.h"
#include "callsites_out.h"
#include "config.h"
#include "csv.h"
#include "infile.h"
#include "report_doc.h"
#include "report_esc.h"
#include "report_front.h"
#include "report_machines.h"
#include "report_page.h"
#include "report_tails.h"
#include "report_tune.h"
#include "report_why.h"
#include "strbuf.h"

/* ---- run.json: the flat context object and the warnings array ---------------------------- */

static void report_html_read_json(struct report_doc *r)
{
    char path[RH_PATH];
    snprintf(path, sizeof path, "%s/run.json", r->dir);
    char err[512];
    size_t n = 0;
    char *js = infile_read(path, INFILE_MAX_BYTES, &n, err, sizeof err);
    if (!js && errno == ENOENT) {
        report_doc_warn(r, "run.json is missing: no context block and no run warnings");
        return;
    }
    if (!js) { /* a FIFO, a device or an oversized file: read nothing from it */
        report_doc_warn(r, "%s", err);
        return;
    }
    if (n == 0) {
        free(js);
        report_doc_warn(r, "run.json is empty");
        return;
    }
    /* through the one JSON reader (util/json_read, libjansson) */
    json_t *doc = json_read_buf(js, n, err, sizeof err);
    free(js);
    if (!doc) {
        report_doc_warn(r, "run.json: %s", err);
        return;
    }
    const char *key;
    json_t *v;
    json_object_foreach(json_object_get(doc, "context"), key, v)
    {
        if (r->nctx >= RH_CTX)
            break;
        snprintf(r->ctx_key[r->nctx], sizeof r->ctx_key[0], "%s", key);
        json_read_text(v, r->ctx_val[r->nctx], sizeof r->ctx_val[0]);
        r->nctx++;
    }
    const char *cmd = json_read_str(doc, "command");
    snprintf(r->command, sizeof r->command, "%s", cmd ? cmd : "");
    size_t i;
    json_array_foreach(json_read_get(doc, "warnings"), i, v)
    {
        if (r->nwarnings >= RH_WARN)
            break;
        if (json_is_string(v))
            snprintf(r->warnings[r->nwarnings++], sizeof r->warnings[0], "%s",
                     json_string_value(v));
    }
    json_decref(doc);
}

/* ---- loading ------------------------------------------------------------------------------ */

/* A missing file is normal (not every command writes every file); any other failure (FIFO,
 * device, oversized, malformed) is kept in r->load_err and stops the report. */
static bool report_html_load(struct report_doc *r, struct csv *c, const char *name)
{
    char path[RH_PATH];
    snprintf(path, sizeof path, "%s/%s", r->dir, name);
    if (csv_load(c, path) == 0)
        return true;
    if (errno != ENOENT && !r->load_err[0])
        snprintf(r->load_err, sizeof r->load_err, "%s", c->err);
    return false;
}

static void report_html_index_cells(struct report_doc *r)
{
    const struct csv *s = &r->samples;
    int cc = csv_col(s, "cell"), cb = csv_col(s, "backend"), cbp = csv_col(s, "backend_params");
    int cw = csv_col(s, "workload"), cwp = csv_col(s, "workload_params");
    r->cells = calloc(s->nrows + 1, sizeof *r->cells);
    if (!r->cells)
        abort();
    for (size_t i = 0; i < s->nrows; i++) {
        const char *id = csv_get(s, i, cc);
        if (!*id || report_doc_cell(r, id))
            continue;
        struct report_doc_cell *c = &r->cells[r->ncells++];
        snprintf(c->id, sizeof c->id, "%s", id);
        report_doc_label(c->backend, sizeof c->backend, csv_get(s, i, cb), csv_get(s, i, cbp));
        report_doc_label(c->workload, sizeof c->workload, csv_get(s, i, cw), csv_get(s, i, cwp));
    }
}

/* ---- the page ---------------------------------------------------------------------------- */

static const char report_html_css[] =
    "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;"
    "color:#222}\n"
    "table{border-collapse:collapse;margin:1em 0;font-size:0.9em;display:block;overflow-x:auto}\n"
    "th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}\n"
    "th{background:#f0f0f0}td.l,th.l{text-align:left}\n"
    "td.best{background:#d8f5d0;font-weight:bold}\n"
    "td.na{color:#999}\n"
    "figure{margin:1.5em 0}figure img{max-width:100%;border:1px solid #ddd}\n"
    "figcaption{margin-top:0.4em}\n"
    ".skip{color:#8a5a00}.warn{color:#a00}\n"
    ".holds{color:#070;font-weight:bold}.differs{color:#a00;font-weight:bold}\n"
    "code{background:#f4f4f4;padding:0 3px}\n"
    "tr.rec td{background:#d8f5d0;font-weight:bold}tr.ref td{font-style:italic}\n"
    "span.noisy{color:#b00000;font-weight:bold}\n";

/* ---- plot.sh ------------------------------------------------------------------------------ */

/* 0 ok, -1 could not run or failed (a warning says why). */
static int report_html_run_plots(struct report_doc *r)
{
    const char *pdir = getenv("FAULTLINE_PLOTS_DIR");
    char script[RH_PATH];
    snprintf(script, sizeof script, "%s/plot.sh",
             pdir && *pdir ? pdir : FAULTLINE_SOURCE_DIR "/plots");
    if (access(script, X_OK) != 0) {
        report_doc_warn(r,
                        "%s not found or not executable: set FAULTLINE_PLOTS_DIR to the plots/ "
                        "directory of the faultline sources",
                        script);
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        report_doc_warn(r, "cannot fork plots/plot.sh: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        /* plot.sh's progress line goes to stderr: stdout stays free for the report's path */
        dup2(2, 1);
        execl(script, script, r->dir, (char *)NULL);
        fprintf(stderr, "faultline report: cannot run %s: %s\n", script, strerror(errno));
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        report_doc_warn(r, "plots/plot.sh failed (status %d): plots are missing or stale",
                        WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
        return -1;
    }
    return 0;
}

enum { REPORT_HTML_ID_NO_PLOTS = CLI_ID_COMMAND, REPORT_HTML_ID_FRONT };

static const struct cli_opt report_html_opts[] = {
    {"no-plots", 0, NULL, "keep DIR/plots as it is (do not run gnuplot)", REPORT_HTML_ID_NO_PLOTS},
    {"front", 0, NULL,
     "DIR holds reports (a `make bench` run): write DIR/index.html linking each with its "
     "headline findings",
     REPORT_HTML_ID_FRONT},
    CLI_ROW_END,
};

static const struct cli_opt *const report_html_tables[] = {report_html_opts, NULL};

static const struct cli_usage report_html_usage = {
    .name = "report",
    .synopsis = "[--no-plots] DIR | --front DIR",
    .about = "Renders the plots of a results directory (plots/plot.sh; set FAULTLINE_PLOTS_DIR to "
             "use\nanother plots/ directory) and writes DIR/index.html and DIR/report.md.\n",
    .tables = report_html_tables,
    .examples = "faultline report results/runs/<id>\n"
                "faultline report --front results/runs/<bench-id>",
    .exit_status = "0 report written, 1 report written but plotting failed, 2 bad input",
};

static int report_html_write(const struct report_doc *r, const char *name, const struct strbuf *sb)
{
    char path[RH_PATH];
    snprintf(path, sizeof path, "%s/%s", r->dir, name);
    return atomic_file_write(path, sb->data ? sb->data : "", sb->len); /* reported at exit */
}

static void report_html_free(struct report_doc *r)
{
    strbuf_free(&r->html);
    strbuf_free(&r->md);
    csv_free(&r->samples);
    csv_free(&r->aggs);
    csv_free(&r->sweep);
    csv_free(&r->steps);
    csv_free(&r->seed);
    csv_free(&r->tune);
    free(r->cells);
    free(r);
}

int report_html_main(int argc, char **argv)
{
    bool no_plots = false, front = false;
    const char *dir = NULL;
    struct cli_parse p;
    cli_opt_init(&p, &report_html_usage, argc, argv);
    int c, exit_code = -1;
    while ((c = cli_opt_step(&p, &exit_code)) != CLI_OPT_END) {
        if (c == REPORT_HTML_ID_NO_PLOTS)
            no_plots = true;
        else if (c == REPORT_HTML_ID_FRONT)
            front = true;
        else if (dir)
            return cli_opt_error(&p, "unexpected argument '%s' (see faultline report --help)",
                                 p.arg);
        else
            dir = p.arg;
    }
    if (exit_code >= 0)
        return exit_code;
    if (!dir) {
        fprintf(stderr,
                "faultline report: missing results directory (see faultline report --help)\n");
        return 2;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "faultline report: %s: %s\n", dir,
                stat(dir, &st) != 0 ? strerror(errno) : "not a directory");
        return 2;
    }
    if (front)
        return report_front_write(dir);
    struct report_doc *r = calloc(1, sizeof *r);
    if (!r)
        abort();
    snprintf(r->dir, sizeof r->dir, "%s", dir);
    r->have_samples = report_html_load(r, &r->samples, "samples.csv");
    int samples_errno = errno;
    /* a `faultline tune --out DIR` directory holds only tune.csv */
    r->have_tune = report_html_load(r, &r->tune, "tune.csv");
    if (!r->have_samples && !r->have_tune) {
        if (r->load_err[0])
            fprintf(stderr, "faultline report: %s\n", r->load_err);
        else
            fprintf(stderr,
                    "faultline report: %s/samples.csv: %s (not a faultline results directory)\n",
                    dir, strerror(samples_errno));
        report_html_free(r);
        return 2;
    }
    r->have_aggs = report_html_load(r, &r->aggs, "aggregates.csv");
    r->have_sweep = report_html_load(r, &r->sweep, "sweep.csv");
    r->have_steps = report_html_load(r, &r->steps, "steps.csv");
    r->have_seed = report_html_load(r, &r->seed, "seed.csv");
    if (r->load_err[0]) {
        fprintf(stderr, "faultline report: %s\n", r->load_err);
        report_html_free(r);
        return 2;
    }
    report_html_index_cells(r);
    int plot_rc = no_plots ? 0 : report_html_run_plots(r);
    if (r->have_samples) /* a tune directory has no run.json to miss */
        report_html_read_json(r);
    report_page_collect_warnings(r);

    strbuf_init(&r->html);
    strbuf_init(&r->md);
    strbuf_printf(&r->html,
                  "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<title>faultline report</title>\n<style>\n%s</style>\n</head>\n<body>\n",
                  report_html_css);
    report_doc_heading(r, 1, "faultline report");
    if (r->have_samples) {
        report_page_context(r);
        report_page_summary(r);
        report_machines(r); /* merges of runs from two or more machines only */
    }
    report_tune(r);
    callsites_out_top(r->dir, 5, CALLSITES_OUT_HTML, &r->html); /* exec --callsites only */
    callsites_out_top(r->dir, 5, CALLSITES_OUT_MD, &r->md);
    report_tails(r->dir, true, &r->html); /* run --explain-tails only */
    report_tails(r->dir, false, &r->md);
    report_why(r->dir, &r->html, &r->md); /* faultline's own backends: ledger.csv */
    if (r->have_samples)
        report_page_plots(r, plot_rc == 0 && !no_plots);
    report_page_claims(r);
    report_page_warnings(r);
    strbuf_puts(&r->html, "</body>\n</html>\n");

    int rc =
        report_html_write(r, "index.html", &r->html) | report_html_write(r, "report.md", &r->md);
    if (rc == 0)
        printf("report: %s/index.html\n", r->dir);
    report_html_free(r);
    return rc ? 1 : plot_rc ? 1 : 0;
}
