/* Metric and op-kind name tables generated from metrics.def. */
#include "sample.h"

#include <string.h>

const struct metric_info sample_metrics[METRIC_COUNT] = {
#define METRIC(id, unit, source, doc) {#id, unit, source, doc},
#include "metrics.def"
#undef METRIC
};

const char *const sample_op_names[OP_COUNT] = {"malloc", "free",     "realloc",
                                               "calloc", "memalign", "touch"};

int sample_metric_index(const char *name)
{
    for (int i = 0; i < METRIC_COUNT; i++)
        if (!strcmp(sample_metrics[i].name, name))
            return i;
    return -1;
}

void sample_values_clear(struct sample_values *s)
{
    memset(s, 0, sizeof *s);
}
