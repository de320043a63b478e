/* Statistics for aggregates and the regression gate (see stats.h). */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int stats_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double stats_median(const double *values, size_t n)
{
    if (n == 0)
        return NAN;
    double *v = malloc(n * sizeof *v);
    if (!v)
        return NAN;
    memcpy(v, values, n * sizeof *v);
    qsort(v, n, sizeof *v, stats_cmp);
    double m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    free(v);
    return m;
}

void stats_summarize(const double *values, size_t n, struct stats_summary *out)
{
    memset(out, 0, sizeof *out);
    out->n = n;
    if (n == 0)
        return;
    double sum = 0, mn = values[0], mx = values[0];
    for (size_t i = 0; i < n; i++) {
        sum += values[i];
        if (values[i] < mn)
            mn = values[i];
        if (values[i] > mx)
            mx = values[i];
    }
    out->mean = sum / (double)n;
    out->min = mn;
    out->max = mx;
    out->median = stats_median(values, n);
    if (n >= 2) {
        double ss = 0;
        for (size_t i = 0; i < n; i++)
            ss += (values[i] - out->mean) * (values[i] - out->mean);
        out->stddev = sqrt(ss / (double)(n - 1));
        out->cv = out->mean != 0 ? out->stddev / fabs(out->mean) : 0;
    }
}

struct stats_ranked {
    double v;
    int group;
};

static int stats_cmp_ranked(const void *a, const void *b)
{
    const struct stats_ranked *x = a, *y = b;
    return x->v < y->v ? -1 : x->v > y->v;
}

double stats_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb)
{
    size_t n = na + nb;
    if (na == 0 || nb == 0)
        return 1.0;
    struct stats_ranked *r = malloc(n * sizeof *r);
    if (!r)
        return 1.0;
    for (size_t i = 0; i < na; i++)
        r[i] = (struct stats_ranked){a[i], 0};
    for (size_t i = 0; i < nb; i++)
        r[na + i] = (struct stats_ranked){b[i], 1};
    qsort(r, n, sizeof *r, stats_cmp_ranked);
    double rank_a = 0, tie_term = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && r[j + 1].v == r[i].v)
            j++;
        double avg = (double)(i + j) / 2.0 + 1.0; /* ranks are 1-based */
        double t = (double)(j - i + 1);
        tie_term += t * t * t - t;
        for (size_t k = i; k <= j; k++)
            if (r[k].group == 0)
                rank_a += avg;
        i = j + 1;
    }
    free(r);
    double u = rank_a - (double)na * (double)(na + 1) / 2.0;
    double mu = (double)na * (double)nb / 2.0;
    double sigma2 = (double)na * (double)nb / 12.0 *
                    ((double)(n + 1) - tie_term / ((double)n * (double)(n - 1)));
    if (sigma2 <= 0)
        return 1.0;
    double z = (fabs(u - mu) - 0.5) / sqrt(sigma2); /* continuity correction */
    if (z < 0)
        z = 0;
    return erfc(z / sqrt(2.0));
}
