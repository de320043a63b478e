/* A program with two named call sites for `faultline exec --callsites`: big_mapping() makes
 * allocations above glibc's largest dynamic mmap threshold (32 MiB), so every one is an mmap
 * and a munmap under glibc and hybrid (20 of them: more than the dynamic loader maps); grow_heap()
 * makes 20000 small ones that grow the heap with brk. The test checks that each is the top call
 * site of its syscall. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static void *volatile keep;
__attribute__((noinline)) static void big_mapping(int n)
{
    for (int i = 0; i < n; i++) {
        keep = malloc(40u << 20);
        free(keep);
    }
}
__attribute__((noinline)) static void grow_heap(int n)
{
    for (int i = 0; i < n; i++) {
        keep = malloc(1000);
        memset(keep, 1, 1000);
    }
}
int main(void)
{
    big_mapping(20);
    grow_heap(20000);
    puts("ok");
    return 0;
}
