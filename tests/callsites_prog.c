/* A program with two named call sites for `faultline exec --callsites`: big_mapping() makes
 * allocations above glibc's largest dynamic mmap threshold (32 MiB), so every one is an mmap
 * and a munmap under glibc and hybrid (20 of them: more than the dynamic loader maps); grow_heap()
 * makes 20000 small ones that grow the heap with brk, release_heap() frees them (glibc trims the
 * heap: brk down). The test checks that each is the top call site of its syscall, and under
 * glibc the policy reason of each call. */
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
static void *blocks[20000];
__attribute__((noinline)) static void grow_heap(int n)
{
    for (int i = 0; i < n; i++) {
        blocks[i] = keep = malloc(1000);
        memset(keep, 1, 1000);
    }
}
/* frees in allocation order: the blocks coalesce into one chunk that meets top at the last
 * free, which then trims the heap (one brk down) */
__attribute__((noinline)) static void release_heap(int n)
{
    for (int i = 0; i < n; i++)
        free(blocks[i]);
}
int main(void)
{
    big_mapping(20);
    grow_heap(20000);
    release_heap(20000);
    puts("ok");
    return 0;
}
