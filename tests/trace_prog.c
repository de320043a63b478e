/* A program with a known malloc-family call sequence between two marker calls, for the trace
 * tests: traced under libfaultline-trace.so, its dump must list exactly these calls. Prints the
 * peak live requested bytes of its own calls (the window), computed by hand. */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TRACE_PROG_N      100
#define TRACE_PROG_MARKER 123457
#define TRACE_PROG_WORKER 20000

static sem_t trace_prog_go, trace_prog_back;
static void *trace_prog_shared;      /* main's block the worker frees */
static void *trace_prog_handback[2]; /* worker's blocks main frees */
static long trace_prog_live, trace_prog_peak;

static void trace_prog_add(long n)
{
    trace_prog_live += n;
    if (trace_prog_live > trace_prog_peak)
        trace_prog_peak = trace_prog_live;
}

/* Worker: 3 mallocs, a free of main's block, a free of its own; hands 2 blocks back. Main is
 * blocked in sem_wait meanwhile, so the live count stays a single sequence. */
static void *trace_prog_worker(void *arg)
{
    (void)arg;
    sem_wait(&trace_prog_go);
    void *w[3];
    for (int i = 0; i < 3; i++) {
        w[i] = malloc(TRACE_PROG_WORKER);
        memset(w[i], i + 1, TRACE_PROG_WORKER);
        trace_prog_add(TRACE_PROG_WORKER);
    }
    free(trace_prog_shared);
    trace_prog_add(-64);
    free(w[0]);
    trace_prog_add(-TRACE_PROG_WORKER);
    trace_prog_handback[0] = w[1];
    trace_prog_handback[1] = w[2];
    sem_post(&trace_prog_back);
    return NULL;
}

/* "detached" mode: a thread that allocates, frees one of main's blocks and is still blocked
 * when main exits, so only the tracer's exit-time flush can save its records. */
static void *trace_prog_lingerer(void *arg)
{
    void *w[5];
    for (int i = 0; i < 5; i++)
        w[i] = malloc(777 + (size_t)i);
    free(arg);
    free(w[4]);
    sem_post(&trace_prog_back);
    for (;;)
        pause();
    return w[0];
}

static int trace_prog_detached(void)
{
    pthread_t t;
    void *mine = malloc(4242);
    if (!mine || pthread_create(&t, NULL, trace_prog_lingerer, mine) != 0)
        return 1;
    sem_wait(&trace_prog_back);
    exit(0);
}

/* "stress" mode: 4 threads swap fresh blocks into 256 shared slots and free what they take
 * out, so most frees are cross-thread and the tracer's map and order are under contention. */
#define TRACE_PROG_SLOTS 256
static _Atomic(void *) trace_prog_slot[TRACE_PROG_SLOTS];

static void *trace_prog_swapper(void *arg)
{
    unsigned x = (unsigned)(uintptr_t)arg * 2654435761u + 1;
    for (int i = 0; i < 20000; i++) {
        x = x * 1103515245u + 12345u;
        void *p = malloc(16 + (x >> 8) % 3000);
        if (!p)
            return p;
        *(volatile char *)p = 1;
        free(atomic_exchange(&trace_prog_slot[(x >> 20) % TRACE_PROG_SLOTS], p));
    }
    return NULL;
}

static int trace_prog_stress(void)
{
    pthread_t t[4];
    for (uintptr_t i = 0; i < 4; i++)
        if (pthread_create(&t[i], NULL, trace_prog_swapper, (void *)i) != 0)
            return 1;
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < TRACE_PROG_SLOTS; i++)
        free(atomic_exchange(&trace_prog_slot[i], NULL));
    return 0;
}

int main(int argc, char **argv)
{
    pthread_t t;
    sem_init(&trace_prog_go, 0, 0);
    sem_init(&trace_prog_back, 0, 0);
    if (argc > 1 && !strcmp(argv[1], "detached"))
        return trace_prog_detached();
    if (argc > 1 && !strcmp(argv[1], "stress"))
        return trace_prog_stress();
    if (pthread_create(&t, NULL, trace_prog_worker, NULL) != 0)
        return 1;

    void *marker = malloc(TRACE_PROG_MARKER); /* window start */
    trace_prog_add(TRACE_PROG_MARKER);
    void *b[TRACE_PROG_N];
    for (int i = 0; i < TRACE_PROG_N; i++) {
        b[i] = malloc(16 * (size_t)(i + 1));
        memset(b[i], 0x11, 16 * (size_t)(i + 1));
        trace_prog_add(16 * (i + 1));
    }
    for (int i = 0; i < TRACE_PROG_N; i += 2) {
        free(b[i]);
        trace_prog_add(-16 * (i + 1));
    }
    b[1] = realloc(b[1], 5000);
    trace_prog_add(5000 - 32);
    void *m = memalign(64, 1000);
    void *pm = NULL;
    if (posix_memalign(&pm, 256, 300) != 0)
        return 1;
    void *aa = aligned_alloc(128, 512);
    void *c = calloc(10, 20);
    void *ra = reallocarray(NULL, 10, 30);
    void *va = valloc(100);
    void *pv = pvalloc(100);
    /* glibc rounds the alignment up to 32; volatile, because clang rightly warns about 24. */
    volatile size_t odd_align = 24;
    void *odd = memalign(odd_align, 100);
    trace_prog_add(1000 + 300 + 512 + 200 + 300 + 100 + 4096 + 100); /* pvalloc: a whole page */
    if (!marker || !b[1] || !m || !aa || !c || !ra || !va || !pv || !odd)
        return 1;

    trace_prog_shared = b[3];
    sem_post(&trace_prog_go);
    sem_wait(&trace_prog_back);

    for (int i = 0; i < 2; i++) {
        free(trace_prog_handback[i]); /* cross-thread frees */
        trace_prog_add(-TRACE_PROG_WORKER);
    }
    free(m);
    free(pm);
    free(aa);
    free(c);
    free(ra);
    free(va);
    free(pv);
    free(odd);
    trace_prog_add(-(1000 + 300 + 512 + 200 + 300 + 100 + 4096 + 100));
    for (int i = 1; i < TRACE_PROG_N; i += 2) {
        if (i == 3)
            continue;
        free(b[i]);
        trace_prog_add(i == 1 ? -5000 : -16 * (i + 1));
    }
    free(NULL);   /* not recorded */
    free(marker); /* window end */
    trace_prog_add(-TRACE_PROG_MARKER);

    pthread_join(t, NULL);
    char line[64];
    int n = snprintf(line, sizeof line, "peak %ld live %ld\n", trace_prog_peak, trace_prog_live);
    return write(STDOUT_FILENO, line, (size_t)n) == n ? 0 : 1;
}
