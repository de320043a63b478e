/* The reporter table and shared formatting helpers. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "results.h"

static const struct reporter *const report_table[] = {&report_console, &report_json,   &report_csv,
                                                      &report_md,      &report_gbench, NULL};

const struct reporter *report_find(const char *name)
{
    for (const struct reporter *const *r = report_table; *r; r++)
        if (!strcmp((*r)->name, name))
            return *r;
    return NULL;
}

void report_human(double v, const char *unit, char *buf, size_t len)
{
    if (!isfinite(v)) {
        snprintf(buf, len, "-");
    } else if (!strcmp(unit, "bytes")) {
        static const char *const u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
        int i = 0;
        double x = v;
        while (fabs(x) >= 1024 && i < 4) {
            x /= 1024;
            i++;
        }
        snprintf(buf, len, i ? "%.3g %s" : "%.0f %s", x, u[i]);
    } else if (!strcmp(unit, "ns")) {
        if (fabs(v) >= 1e9)
            snprintf(buf, len, "%.3g s", v / 1e9);
        else if (fabs(v) >= 1e6)
            snprintf(buf, len, "%.3g ms", v / 1e6);
        else if (fabs(v) >= 1e3)
            snprintf(buf, len, "%.3g us", v / 1e3);
        else
            snprintf(buf, len, "%.3g ns", v);
    } else if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(buf, len, "%.0f", v);
    } else {
        snprintf(buf, len, "%.4g", v);
    }
}
