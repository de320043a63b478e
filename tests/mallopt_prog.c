/* Runs under LD_PRELOAD=libfaultline-hybrid.so: three 1 MiB malloc/free pairs, after
 * mallopt(M_MMAP_THRESHOLD, 64K) when argv[1] is "mallopt". The test counts the mmaps through
 * FAULTLINE_STATS: 3 with the fixed threshold, 1 with glibc's dynamic one (the first free of an
 * mmapped block raises the threshold above 1 MiB). */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "mallopt") == 0) {
        int rc = mallopt(M_MMAP_THRESHOLD, 64 * 1024);
        if (rc != 1) {
            fprintf(stderr, "mallopt(M_MMAP_THRESHOLD, 64K) returned %d, expected 1\n", rc);
            return 1;
        }
    }
    for (int i = 0; i < 3; i++) {
        /* volatile: the compiler may otherwise drop a malloc/free pair whose memory is unused */
        char *volatile p = malloc(1 << 20);
        if (!p) {
            fprintf(stderr, "malloc(1M) failed\n");
            return 1;
        }
        memset(p, i + 1, 1 << 20);
        free(p);
    }
    return 0;
}
