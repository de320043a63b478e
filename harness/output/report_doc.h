/* The report being written (`faultline report DIR`): its inputs (the CSV files and run.json of
 * DIR), the HTML and Markdown text it grows, and the helpers every section uses to write the
 * same paragraph, heading or figure into both. */
#ifndef FAULTLINE_REPORT_DOC_H
#define FAULTLINE_REPORT_DOC_H

#include <stdbool.h>
#include <stddef.h>

#include "csv.h"
#include "strbuf.h"

#define RH_PATH  4864
#define RH_LABEL 320
#define RH_CTX   48
#define RH_WARN  64

struct report_doc_cell {
    char id[16];
    char backend[RH_LABEL];  /* backend[:params], as plot.sh labels it */
    char workload[RH_LABEL]; /* workload[:params] */
};

struct report_doc_val {
    char who[RH_LABEL];
    char where[RH_LABEL];
    double v;
};

struct report_doc {
    char dir[4096];
    struct csv samples, aggs, sweep, steps, seed, tune;
    bool have_samples, have_aggs, have_sweep, have_steps, have_seed, have_tune;
    struct report_doc_cell *cells;
    size_t ncells;
    char ctx_key[RH_CTX][48];
    char ctx_val[RH_CTX][256];
    int nctx;
    char warnings[RH_WARN][512];
    int nwarnings;
    char command[1024];
    struct strbuf html, md;
    char load_err[512]; /* the first input file that exists but cannot be read */
};

/* A paragraph (cls: its HTML class, or NULL) or a heading, in both the HTML and the Markdown. */
void report_doc_para(struct report_doc *r, const char *text, const char *cls);
void report_doc_heading(struct report_doc *r, int level, const char *text);
/* One table cell (tag "td" or "th") holding s, escaped, in both the HTML and the Markdown row;
 * cls is its HTML class or NULL. */
void report_doc_tcell(struct report_doc *r, const char *tag, const char *s, const char *cls);
/* The unit of a metric (metrics.def, else bytes for the RSS/break columns, else count). */
const char *report_doc_unit(const char *metric);
/* v in its unit for a reader: report_human, but counts with fractions as plain numbers. */
void report_doc_fmt(double v, const char *unit, char *buf, size_t len);
/* "name:params", or "name" when params is empty (as plot.sh labels series). */
void report_doc_label(char *out, size_t len, const char *name, const char *params);
/* Adds a line to the Warnings section (the first RH_WARN are kept). */
void report_doc_warn(struct report_doc *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void report_doc_range(const struct report_doc_val *v, size_t n, const char *unit, char *out,
                      size_t len);
/* Appends a zeroed value to *arr (grown by one); aborts when out of memory. */
struct report_doc_val *report_doc_push(struct report_doc_val **arr, size_t *n);
bool report_doc_syscalls(const struct csv *c, size_t row, const char *suffix, double *out);
/* The run.json context value of key, or NULL. */
const char *report_doc_ctx(const struct report_doc *r, const char *key);
/* The cell of samples.csv with this id, or NULL. */
const struct report_doc_cell *report_doc_cell(const struct report_doc *r, const char *id);
bool report_doc_manifest_fields(char *line, char *fields[4]);
/* The notes of plots/skipped.txt ("skipped NAME: reason"): the tuning plots' (tune-*) or all
 * the others, under heading (level 3, before the first note; NULL: none). */
void report_doc_skipped(struct report_doc *r, bool tune, const char *heading);
/* One plot of plots/manifest.txt (fields as split above) with its reading as caption. */
void report_doc_figure(struct report_doc *r, char *fields[4], const char *reading);

#endif
