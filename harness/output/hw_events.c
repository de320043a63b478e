/* Requested perf events per run and per cell (see hw_events.h). */
#include "hw_events.h"

#include <stdlib.h>
#include <string.h>

#include "stats.h"

bool hw_events_run_value(const struct results *r, const struct run_result *run, unsigned k,
                         double *v)
{
    for (unsigned i = 0; k < r->nhw && i < run->hw_count; i++) {
        const struct perf_hw_value *h = &run->hw[i];
        if (!strcmp(h->name, r->hw_events[k]) && h->v.available) {
            *v = (double)h->v.value;
            return true;
        }
    }
    return false;
}

bool hw_events_cell_median(const struct results *r, unsigned cell, unsigned k, double *median)
{
    double *v = malloc((r->nruns + 1) * sizeof *v);
    if (!v)
        abort();
    size_t n = 0;
    for (unsigned i = 0; i < r->nruns; i++) {
        const struct run_result *run = &r->runs[i];
        if (run->cell == cell && run->ok && hw_events_run_value(r, run, k, &v[n]))
            n++;
    }
    if (n)
        *median = stats_median(v, n);
    free(v);
    return n > 0;
}
