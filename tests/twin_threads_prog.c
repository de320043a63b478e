/* Two threads allocate at once: glibc gives the second its own arena (a 64 MiB-aligned heap
 * reserved with one 128 MiB PROT_NONE mmap); the hybrid twin is single-arena and must not. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>

static pthread_barrier_t twin_threads_bar;

static void *twin_threads_work(void *arg)
{
    pthread_barrier_wait(&twin_threads_bar);
    void *volatile p = malloc(100); /* volatile: gcc may drop a malloc/free pair */
    free(p);
    return arg;
}

int main(void)
{
    pthread_t t;
    pthread_barrier_init(&twin_threads_bar, NULL, 2);
    if (pthread_create(&t, NULL, twin_threads_work, NULL) != 0)
        return 1;
    void *volatile p = malloc(100);
    pthread_barrier_wait(&twin_threads_bar);
    pthread_join(t, NULL);
    free(p);
    return 0;
}
