/* Call-site files and tables: callsites.csv (one row per backend, event and distinct stack),
 * folded stacks for flame-graph tools (callsites/<cell>-<event>.folded), and the "top call
 * sites by syscalls / by faults / by mapped bytes" table, from the tables in memory or from a
 * results directory's callsites.csv (for the report). */
#ifndef FAULTLINE_CALLSITES_OUT_H
#define FAULTLINE_CALLSITES_OUT_H

#include <stdbool.h>

#include "callsites.h"
#include "strbuf.h"

/* One backend's call sites. */
struct callsites_out_cell {
    const char *id;   /* "c001" */
    const char *spec; /* "hybrid:threshold=64K" */
    const struct callsites_table *t;
};

/* Write dir/callsites.csv and dir/callsites/<id>-<event>.folded. 0, or -1 with errno. */
int callsites_out_write(const char *dir, const struct callsites_out_cell *cells, unsigned n);

enum callsites_out_fmt { CALLSITES_OUT_CONSOLE, CALLSITES_OUT_MD, CALLSITES_OUT_HTML };

/* The "top call sites by syscalls / by faults / by mapped bytes" tables of every backend in
 * dir/callsites.csv (top k sites per ranking), as console text, a Markdown section or an HTML
 * section (for report.md / index.html). Returns false (nothing appended) without that file. */
bool callsites_out_top(const char *dir, unsigned k, enum callsites_out_fmt fmt, struct strbuf *sb);

#endif
