/* The tuning advisor's test program: 16 threads each cycle 11 MiB buffers (malloc, touch every
 * page, free) 8 times, then the program prints its own resident set as retained_rss_kb=N.
 * Under default glibc settings per-thread arenas and the sliding mmap threshold keep the freed
 * 11 MiB blocks resident; a pinned mmap_threshold makes them mmapped and returned on free. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TUNE_PROG_THREADS 16
/* >= 2 so the sliding threshold moves; a cycle of mmapped blocks costs ~12 ms here */
#define TUNE_PROG_ITERS 8
#define TUNE_PROG_SIZE  (11u << 20)

static void *tune_prog_worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < TUNE_PROG_ITERS; i++) {
        volatile unsigned char *p = malloc(TUNE_PROG_SIZE);
        if (!p)
            abort();
        for (size_t off = 0; off < TUNE_PROG_SIZE; off += 4096)
            p[off] = (unsigned char)i;
        free((void *)p);
    }
    return NULL;
}

/* VmRSS in KiB from /proc/self/status, or -1. */
static long tune_prog_rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6))
            kb = strtol(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

int main(void)
{
    pthread_t t[TUNE_PROG_THREADS];
    for (int i = 0; i < TUNE_PROG_THREADS; i++)
        if (pthread_create(&t[i], NULL, tune_prog_worker, NULL) != 0)
            return 1;
    for (int i = 0; i < TUNE_PROG_THREADS; i++)
        pthread_join(t[i], NULL);
    printf("retained_rss_kb=%ld\n", tune_prog_rss_kb());
    return 0;
}
