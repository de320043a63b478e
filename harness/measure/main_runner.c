/* faultline-runner: the small program the harness execs for every measured run, so each run
 * starts from a fresh process image (fresh glibc heap, fresh break, fresh counters). It is
 * driven only by faultline; its record goes to a shared memfd, never to stdout. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "child.h"
#include "config.h"
#include "runlimits.h"

#if FAULTLINE_SANITIZED
/* ASan: a failed allocation returns NULL (ENOMEM), as the real malloc does, so a run beyond
 * --data-limit ends as `failed: ENOMEM` rather than as an ASan out-of-memory report */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}
#endif

static uint64_t runner_number(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    return *end ? 0 : (uint64_t)v;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"backend", required_argument, 0, 'b'},
        {"workload", required_argument, 0, 'w'},
        {"seed", required_argument, 0, 's'},
        {"record-fd", required_argument, 0, 'r'},
        {"events", required_argument, 0, 'e'},
        {"no-perf", no_argument, 0, 'n'},
        {"no-measure", no_argument, 0, 'm'},
        {"lat-sample", required_argument, 0, 'l'},
        {"timeline-every", required_argument, 0, 't'},
        {"tmpdir", required_argument, 0, 'd'},
        {"settle-ms", required_argument, 0, 'S'},
        {"settle-full", no_argument, 0, 'F'},
        {"data-limit", required_argument, 0, 'D'},
        {"version", no_argument, 0, 'V'},
        {0, 0, 0, 0},
    };
    struct child_config cfg;
    memset(&cfg, 0, sizeof cfg);
    int record_fd = -1;
    int c;
    while ((c = getopt_long(argc, argv, "V", longopts, NULL)) != -1) {
        switch (c) {
        case 'V': /* every binary answers -V/--version (the runner is execed by faultline only) */
            printf("faultline-runner %s (%s, %s)\n", FAULTLINE_VERSION, FAULTLINE_GIT_SHA,
                   FAULTLINE_BUILD_TYPE);
            return 0;
        case 'b':
            cfg.backend_spec = optarg;
            break;
        case 'w':
            cfg.workload_spec = optarg;
            break;
        case 's':
            cfg.seed = runner_number(optarg);
            break;
        case 'r':
            record_fd = (int)runner_number(optarg);
            break;
        case 'e':
            cfg.events = optarg;
            break;
        case 'n':
            cfg.no_perf = true;
            break;
        case 'm':
            cfg.no_measure = true;
            break;
        case 'l':
            cfg.lat_sample_every = runner_number(optarg);
            break;
        case 't':
            cfg.timeline_every = runner_number(optarg);
            break;
        case 'd':
            cfg.tmpdir = optarg;
            break;
        case 'S':
            cfg.settle_ms = (unsigned)runner_number(optarg);
            break;
        case 'F':
            cfg.settle_full = true;
            break;
        case 'D': /* sanitizer builds: the limit on top of what the runner holds now */
            if (runlimits_data_apply(runner_number(optarg)) != 0) {
                perror("faultline-runner: --data-limit");
                return 2;
            }
            break;
        default:
            fprintf(stderr, "faultline-runner: internal tool, started by faultline run\n");
            return 2;
        }
    }
    if (!cfg.backend_spec || !cfg.workload_spec || record_fd < 0) {
        fprintf(stderr, "faultline-runner: internal tool, started by faultline run\n");
        return 2;
    }
    struct run_record *rec =
        mmap(NULL, sizeof *rec, PROT_READ | PROT_WRITE, MAP_SHARED, record_fd, 0);
    if (rec == MAP_FAILED) {
        perror("faultline-runner: mmap record");
        return 2;
    }
    close(record_fd);
    int code = child_run(&cfg, rec);
    /* _exit: no atexit handlers or stdio flushing that could touch the allocator under test. */
    _exit(code);
}
