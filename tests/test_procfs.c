/* Tests for the allocation-free /proc and /sys readers (harness/measure/procfs.c). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "os.h"
#include "test_util.h"
#include "procfs.h"

#define CHECK TEST_UTIL_CHECK

static void test_rss(void)
{
    enum { N = 4096 };
    size_t page = os_page_size();
    void *p = NULL;
    CHECK(os_mmap(NULL, N * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, &p) ==
              0,
          "mmap");
    /* Keep THP out of it: a huge page would make RSS jump by 2 MiB per touch. */
    os_madvise(p, N * page, MADV_NOHUGEPAGE);
    uint64_t before = procfs_rss_bytes();
    test_util_touch_pages(p, N, page);
    uint64_t after = procfs_rss_bytes();
    int64_t grew = (int64_t)(after - before) / (int64_t)page;
    printf("rss: %llu -> %llu bytes (+%lld pages for %d touched)\n", (unsigned long long)before,
           (unsigned long long)after, (long long)grew, N);
    CHECK(before > 0, "statm rss");
    /* RSS counters are per-CPU batched (up to ~64 pages of slack on 2 CPUs), hence +-128. */
    CHECK(grew >= N - 128 && grew <= N + 128, "rss grew by %lld pages, want ~%d", (long long)grew,
          N);
    /* Two reads of status: RSS first, so the later high-water mark must cover it even if
     * something faults in between. */
    uint64_t rss = procfs_vm_rss(0);
    uint64_t hwm = procfs_vm_hwm(0);
    printf("status: VmHWM %llu VmRSS %llu\n", (unsigned long long)hwm, (unsigned long long)rss);
    CHECK(rss > 0 && hwm >= rss, "VmHWM %llu >= VmRSS %llu", (unsigned long long)hwm,
          (unsigned long long)rss);
    CHECK(rss >= (uint64_t)N * page, "VmRSS includes the touched pages");
    uint64_t by_pid = procfs_vm_rss(getpid());
    CHECK(by_pid > 0 && (by_pid > rss ? by_pid - rss : rss - by_pid) <= 1024 * 1024,
          "pid and self agree: %llu vs %llu", (unsigned long long)by_pid, (unsigned long long)rss);
    CHECK(procfs_vm_hwm(999999999) == 0, "missing pid reads 0");
    os_munmap(p, N * page);
}

static void test_text(void)
{
    char buf[64];
    CHECK(procfs_read_text("/proc/sys/kernel/ostype", buf, sizeof buf) == 0 &&
              strcmp(buf, "Linux") == 0,
          "ostype '%s' (newline stripped)", buf);
    CHECK(procfs_read_text("/nonexistent/file", buf, sizeof buf) == -1, "missing file");
    char tiny[4];
    CHECK(procfs_read_text("/proc/sys/kernel/ostype", tiny, sizeof tiny) == 0 &&
              strcmp(tiny, "Lin") == 0,
          "truncated read '%s'", tiny);
    char mode[32] = "";
    CHECK(procfs_thp_mode(mode, sizeof mode) == 0, "thp mode");
    CHECK(strcmp(mode, "always") == 0 || strcmp(mode, "madvise") == 0 || strcmp(mode, "never") == 0,
          "thp mode '%s'", mode);
    char model[128] = "";
    CHECK(procfs_cpu_model(model, sizeof model) == 0 && model[0] != '\0' && !strchr(model, '\n'),
          "cpu model '%s'", model);
    printf("thp %s, cpu '%s'\n", mode, model);
}

int main(void)
{
    test_rss();
    test_text();
    if (test_util_failures) {
        fprintf(stderr, "test_procfs: %lu failure(s)\n", test_util_failures);
        return 1;
    }
    printf("test_procfs: all checks passed\n");
    return 0;
}
