/* Fuzz target: the run.json reader of `faultline report` (report_html.c over util/json_read,
 * libjansson: the context object, "command", "warnings") and everything it feeds (the context
 * table and warnings in index.html and report.md). The input is run.json of a results
 * directory whose samples.csv is fixed (one fake-measure run); the report runs with
 * --no-plots. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report_html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* `faultline run -b glibc -w churn:count=2 --runs 1 --fake-measure` */
static const char fuzz_report_samples[] =
    "cell,backend,backend_params,workload,workload_params,rep,seed,outcome,wall_ns,user_ns,sys_ns,"
    "ops,ns_per_op,requested_bytes,touched_pages,minflt,majflt,perf_minflt,perf_majflt,sys_brk,sys_"
    "mmap,sys_munmap,sys_mremap,sys_madvise,os_brk,os_mmap,os_munmap,os_mremap,os_madvise,cycles,"
    "instructions,rss_start,rss_end,rss_peak,hwm_rss,break_growth,heap_bytes_end,mapped_bytes_end,"
    "mapped_bytes_peak,live_peak,cgroup_limit,cgroup_peak,cgroup_headroom,cgroup_failcnt,cgroup_"
    "oom_kills,cgroup_high_events,cgroup_max_events,cgroup_psi_some_ns,cgroup_psi_full_ns,rss_"
    "retained,bd_live,bd_overhead,bd_free_held,bd_untouched,bd_file,bd_shmem,bd_unattributed,"
    "lazyfree_end,anon_huge_peak,thp_fault_alloc,thp_fault_fallback,release_ns,settle_ns,retained_"
    "bytes,sys_mprotect,os_mprotect,foreign_brk,foreign_mmap,foreign_munmap,foreign_mremap,foreign_"
    "madvise,foreign_mprotect,machine\n"
    "c001,glibc,,churn,count=2,0,1,ok,1000,1010,1020,1030,1040,1050,1060,1070,1080,1090,1100,1110,"
    "1120,1130,1140,1150,1160,1170,1180,1190,1200,,,1230,1240,1250,1260,1270,1280,1290,1300,1310,,,"
    ",,,,,,,1410,1420,1430,1440,1450,1460,1470,1480,1490,1500,1510,1520,1530,1540,1550,1560,1570,"
    "1580,1590,1600,1610,1620,1630,mec899172\n";

static char fuzz_report_dir[64];

static void fuzz_report_cleanup(void)
{
    static const char *const names[] = {"samples.csv", "run.json", "index.html", "report.md"};
    char path[128];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", fuzz_report_dir, names[i]);
        unlink(path);
    }
    rmdir(fuzz_report_dir);
}

static void fuzz_report_write(const char *name, const void *data, size_t size)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", fuzz_report_dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        abort();
    for (size_t off = 0; off < size;) {
        ssize_t n = write(fd, (const char *)data + off, size - off);
        if (n <= 0)
            abort();
        off += (size_t)n;
    }
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fuzz_report_dir[0]) {
        /* /dev/shm: a report per input is a handful of small writes; keep them off the disk */
        snprintf(fuzz_report_dir, sizeof fuzz_report_dir, "/dev/shm/fuzz-report-XXXXXX");
        if (!mkdtemp(fuzz_report_dir)) {
            snprintf(fuzz_report_dir, sizeof fuzz_report_dir, "/tmp/fuzz-report-XXXXXX");
            if (!mkdtemp(fuzz_report_dir))
                abort();
        }
        atexit(fuzz_report_cleanup);
        fuzz_report_write("samples.csv", fuzz_report_samples, sizeof fuzz_report_samples - 1);
    }
    fuzz_report_write("run.json", data, size);
    char *argv[] = {"report", "--no-plots", fuzz_report_dir, NULL};
    (void)report_html_main(3, argv);
    return 0;
}
