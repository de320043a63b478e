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

/* The top-call-sites table of every backend in dir/callsites.csv (top k sites per ranking),
 * as Markdown (md) or console text. Returns false (nothing appended) without that file. */
bool callsites_out_top(const char *dir, unsigned k, bool md, struct strbuf *sb);

#endif
