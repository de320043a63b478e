/* The independent clock for ci/lat-bias.sh: times every malloc(64) and every free of a churn
 * loop (malloc, free, repeat) with clock_gettime around each call, minus the minimum cost of an
 * empty timer pair, and prints p50/p90/p99 and the mean per kind. It shares no code with
 * faultline; the allocator is glibc's, or a faultline backend through LD_PRELOAD. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t lat_loop_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int lat_loop_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void lat_loop_print(const char *kind, uint64_t *v, size_t n)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (double)v[i];
    qsort(v, n, sizeof *v, lat_loop_cmp);
    printf("%s p50 %llu p90 %llu p99 %llu mean %.1f\n", kind, (unsigned long long)v[n / 2],
           (unsigned long long)v[n * 9 / 10], (unsigned long long)v[n * 99 / 100], sum / (double)n);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    uint64_t *m = malloc(n * sizeof *m), *f = malloc(n * sizeof *f);
    if (!m || !f || n == 0)
        return 2;
    uint64_t cost = UINT64_MAX;
    for (int i = 0; i < 2000; i++) {
        uint64_t a = lat_loop_now(), b = lat_loop_now();
        if (b - a < cost)
            cost = b - a;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t t0 = lat_loop_now();
        void *volatile p = malloc(64);
        uint64_t t1 = lat_loop_now();
        free(p);
        uint64_t t2 = lat_loop_now();
        m[i] = t1 - t0 > cost ? t1 - t0 - cost : 0;
        f[i] = t2 - t1 > cost ? t2 - t1 - cost : 0;
    }
    lat_loop_print("malloc", m, n);
    lat_loop_print("free", f, n);
    return 0;
}
