// A C++ program with named call sites in a namespace for `faultline exec --callsites`: the test
// checks that the top mmap call site is shown demangled (work::big_map(unsigned long)), not as
// _ZN4work7big_mapEm. big_map makes 40 allocations of 40 MiB with new[] (above glibc's largest
// dynamic mmap threshold, so each is an mmap: more than the ~22 of the dynamic loader, which
// maps libstdc++ too), grow makes small ones that grow the heap.
#include <cstddef>
#include <cstdio>
#include <cstring>

namespace work
{
char *volatile keep; // the allocations are used, so new/delete pairs cannot be elided

__attribute__((noinline)) void big_map(std::size_t n)
{
    for (std::size_t i = 0; i < n; i++) {
        keep = new char[40u << 20];
        keep[0] = 1;
        delete[] keep;
    }
}

__attribute__((noinline)) void grow(std::size_t n)
{
    for (std::size_t i = 0; i < n; i++) {
        keep = new char[1000];
        std::memset(keep, 1, 1000);
    }
}
} // namespace work

int main()
{
    work::big_map(40);
    work::grow(20000);
    std::puts("ok");
    return 0;
}
