/* `faultline trace`: runs a command with libfaultline-trace.so preloaded to capture its malloc
 * trace (optionally with its syscall and fault call sites, as exec --callsites), once without
 * to report the tracer's slowdown, and dumps trace files as text (read and validated by
 * workloads/trace_file.c, as for the replay workload). */
#define _GNU_SOURCE
#include "trace_cli.h"

#include "cli_opt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "atomic_file.h"
#include "callsites_out.h"
#include "trace_file.h"
#include "runner.h"

enum { TRACE_CLI_ID_DUMP = CLI_ID_COMMAND, TRACE_CLI_ID_NO_BASELINE, TRACE_CLI_ID_CALLSITES };

static const struct cli_opt trace_cli_opts[] = {
    {"out", 'o', "FILE", "write the trace of CMD to FILE", CLI_ID_OUT},
    {"dump", 0, "FILE", "print a trace file as text, one record per line", TRACE_CLI_ID_DUMP},
    {"no-baseline", 0, NULL, "skip the untraced second run (no slowdown figure)",
     TRACE_CLI_ID_NO_BASELINE},
    {"callsites", 0, "DIR",
     "also sample where CMD's brk/mmap/munmap/mremap/madvise/mprotect and\npage faults come from "
     "during the traced run (as exec --callsites):\nwrites DIR/callsites.csv and DIR/callsites/"
     "*.folded; needs root",
     TRACE_CLI_ID_CALLSITES},
    CLI_ROW_END,
};

static const struct cli_opt *const trace_cli_tables[] = {trace_cli_opts, NULL};

static const struct cli_usage trace_cli_usage = {
    .name = "trace",
    .synopsis = "-o FILE [--no-baseline] -- CMD [ARGS...]\n--dump FILE",
    .about =
        "Capture: runs CMD with LD_PRELOAD=libfaultline-trace.so (next to faultline), which "
        "writes\nevery malloc/free/calloc/realloc/memalign/posix_memalign/aligned_alloc/valloc/"
        "pvalloc/\nreallocarray call of CMD's process (not of its children) to FILE; then runs "
        "CMD once more\nuntraced (stdout to /dev/null) and prints records, threads and the "
        "tracer's slowdown on\nstderr.\n\n"
        "Dump: one record per line in global order, columns\n"
        "  seq thread op size align addr result\n"
        "(addr/result are block ids: 0 = NULL), then a '# records ...' summary line. A bad or\n"
        "truncated file gives one line naming the byte offset and exit status 2.\n\n"
        "Replay: faultline run -b BACKEND -w replay:file=FILE\n",
    .tables = trace_cli_tables,
    .examples = "faultline trace -o sort.fltrace -- sort big.txt\n"
                "faultline trace -o sort.fltrace --callsites sort-sites -- sort big.txt\n"
                "faultline trace --dump sort.fltrace",
    .exit_status = "CMD's, or 2 for bad input or an unreadable trace",
    .flags = CLI_STOP_AT_ARG,
};

/* Reads and validates path (workloads/trace_file.c). Returns 0, or 2 with one line on stderr. */
static int trace_cli_load(const char *path, struct trace_file *f)
{
    char err[8192];
    if (trace_file_load(path, f, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    return 0;
}

static int trace_cli_dump(const char *path)
{
    struct trace_file f;
    int rc = trace_cli_load(path, &f);
    if (rc)
        return rc;
    printf("# seq thread op size align addr result\n");
    for (uint64_t k = 0; k < f.n; k++) {
        const struct trace_format_record *r = &f.rec[f.order[k]];
        printf("%llu %u %s %llu %u %llu %llu\n", (unsigned long long)r->seq, r->thread,
               trace_format_op_name(r->op), (unsigned long long)r->size, r->align,
               (unsigned long long)r->addr, (unsigned long long)r->result);
    }
    printf("# records %llu threads %u blocks %llu peak_live %llu live_end %llu\n",
           (unsigned long long)f.n, f.threads, (unsigned long long)f.blocks,
           (unsigned long long)f.peak, (unsigned long long)f.live_end);
    trace_file_free(&f);
    return fflush(stdout) == 0 ? 0 : 1;
}

static double trace_cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Wait for pid; with call sites, copy the sampling rings every few ms meanwhile. */
static int trace_cli_wait(pid_t pid, struct callsites_run *csr)
{
    int status;
    for (;;) {
        pid_t w = waitpid(pid, &status, csr ? WNOHANG : 0);
        if (w == pid)
            return status;
        if (w < 0 && errno != EINTR)
            return -1;
        if (csr) {
            callsites_run_drain(csr);
            struct timespec ts = {0, 2000000};
            nanosleep(&ts, NULL);
        }
    }
}

/* Runs cmd and waits. lib != NULL: traced into out. cs != NULL: call sites of this run are
 * sampled into cs (the child waits on a pipe until the sampling is attached, enabled at exec).
 * Returns the wait status, or -1. */
static int trace_cli_spawn(char **cmd, const char *lib, const char *out, int status_fd,
                           double *secs, struct callsites_table *cs)
{
    int go[2] = {-1, -1};
    if (cs && pipe2(go, O_CLOEXEC) != 0)
        cs = NULL;
    double t0 = trace_cli_now();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "faultline trace: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        char c;
        if (cs && read(go[0], &c, 1) != 1)
            _exit(127);
        if (lib) {
            const char *old = getenv("LD_PRELOAD");
            char pre[8192], pidtxt[32];
            snprintf(pre, sizeof pre, "%s%s%s", lib, old && *old ? ":" : "", old ? old : "");
            snprintf(pidtxt, sizeof pidtxt, "%ld", (long)getpid());
            char fdtxt[16];
            snprintf(fdtxt, sizeof fdtxt, "%d", status_fd);
            if (setenv("LD_PRELOAD", pre, 1) || setenv("FAULTLINE_TRACE_OUT", out, 1) ||
                setenv("FAULTLINE_TRACE_PID", pidtxt, 1) ||
                (status_fd >= 0 && setenv("FAULTLINE_TRACE_STATUS_FD", fdtxt, 1)))
                _exit(127);
        } else {
            int null = open("/dev/null", O_WRONLY);
            if (null < 0 || dup2(null, STDOUT_FILENO) < 0)
                _exit(127);
            close(null);
        }
        execvp(cmd[0], cmd);
        fprintf(stderr, "faultline trace: cannot run %s: %s\n", cmd[0], strerror(errno));
        _exit(127);
    }
    struct callsites_run csr;
    bool sampling = false;
    if (cs) {
        sampling = callsites_run_open(&csr, pid, CALLCHAIN_FAULT_PERIOD) == 0;
        if (!sampling)
            fprintf(stderr, "faultline trace: %s\n", csr.cc.reason);
        close(go[0]);
        if (write(go[1], "g", 1) != 1) {
            /* the child is gone already: waitpid tells how */
        }
        close(go[1]);
    }
    int status = trace_cli_wait(pid, sampling ? &csr : NULL);
    *secs = trace_cli_now() - t0;
    if (cs)
        callsites_run_finish(&csr, cs, lib ? "libfaultline-trace.so" : "");
    return status;
}

/* --callsites DIR: the table of the traced run into DIR, its top call sites onto stderr. */
static void trace_cli_callsites(const char *dir, struct callsites_table *t)
{
    struct callsites_out_cell cell = {"c001", "glibc+trace", t};
    struct strbuf sb;
    strbuf_init(&sb);
    if (atomic_file_mkdirs(dir) != 0 || callsites_out_write(dir, &cell, 1) != 0)
        fprintf(stderr, "faultline trace: cannot write %s/callsites.csv: %s\n", dir,
                strerror(errno));
    else if (callsites_out_top(dir, 5, CALLSITES_OUT_CONSOLE, &sb))
        fprintf(stderr, "%s", sb.data ? sb.data : "");
    strbuf_free(&sb);
    callsites_table_free(t);
}

static int trace_cli_exit_code(int status)
{
    if (status < 0)
        return 1;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static int trace_cli_capture(const char *out, char **cmd, int baseline, const char *sites)
{
    char lib[4096];
    if (runner_sibling_path("libfaultline-trace.so", lib, sizeof lib) != 0) {
        fprintf(stderr, "faultline trace: libfaultline-trace.so not found next to faultline "
                        "(build the faultline-trace target)\n");
        return 2;
    }
    /* The tracer creates the file only once the command's first malloc runs: start clean so a
     * stale trace never passes for this one. */
    if (unlink(out) != 0 && errno != ENOENT) {
        fprintf(stderr, "faultline trace: cannot replace %s: %s\n", out, strerror(errno));
        return 2;
    }
    double traced = 0, plain = 0;
    struct callsites_table cs;
    memset(&cs, 0, sizeof cs);
    /* the tracer's first write error lands here (not close-on-exec: the command inherits it) */
    int status_fd = memfd_create("faultline-trace-status", 0);
    int zero = 0, werr = 0;
    if (status_fd >= 0 && pwrite(status_fd, &zero, sizeof zero, 0) != (ssize_t)sizeof zero) {
        close(status_fd);
        status_fd = -1;
    }
    int st = trace_cli_spawn(cmd, lib, out, status_fd, &traced, sites ? &cs : NULL);
    if (status_fd >= 0) {
        if (pread(status_fd, &werr, sizeof werr, 0) != (ssize_t)sizeof werr)
            werr = 0;
        close(status_fd);
    }
    if (sites)
        trace_cli_callsites(sites, &cs);
    int code = trace_cli_exit_code(st);
    if (code == 127) {
        unlink(out);
        return 127;
    }
    if (werr) { /* the file is cut short; keep it, and say why (the dispatcher's one line) */
        atomic_file_note_failure(out, werr);
        return code ? code : 1;
    }
    if (baseline && trace_cli_spawn(cmd, NULL, NULL, -1, &plain, NULL) < 0)
        baseline = 0;
    struct trace_file f;
    int rc = trace_cli_load(out, &f);
    if (rc)
        return rc;
    fprintf(stderr,
            "faultline trace: %s: %llu records, %u threads, %llu blocks, peak live %llu bytes", out,
            (unsigned long long)f.n, f.threads, (unsigned long long)f.blocks,
            (unsigned long long)f.peak);
    if (baseline && plain > 0)
        fprintf(stderr, "; traced %.3f s, untraced %.3f s, slowdown %.2fx\n", traced, plain,
                traced / plain);
    else
        fprintf(stderr, "; traced %.3f s\n", traced);
    if (code)
        fprintf(stderr, "faultline trace: %s exited with status %d\n", cmd[0], code);
    trace_file_free(&f);
    return code;
}

int trace_cli_main(int argc, char **argv)
{
    const char *out = NULL, *dump = NULL, *sites = NULL;
    int baseline = 1;
    struct cli_parse p;
    cli_opt_init(&p, &trace_cli_usage, argc, argv);
    int c, exit_code = -1;
    while ((c = cli_opt_step(&p, &exit_code)) != CLI_OPT_END) {
        if (c == CLI_ID_OUT)
            out = p.arg;
        else if (c == TRACE_CLI_ID_DUMP)
            dump = p.arg;
        else if (c == TRACE_CLI_ID_NO_BASELINE)
            baseline = 0;
        else if (c == TRACE_CLI_ID_CALLSITES)
            sites = p.arg;
    }
    if (exit_code >= 0)
        return exit_code;
    int i = p.ind;
    if (dump) {
        if (out || sites || i < argc) {
            fprintf(stderr, "faultline trace: --dump takes a file and nothing else\n");
            return 2;
        }
        return trace_cli_dump(dump);
    }
    if (!out || i >= argc) {
        fprintf(stderr, "faultline trace: need -o FILE and a command (faultline trace -o t.fltrace "
                        "-- sort in.txt)\n");
        return 2;
    }
    if (sites && !sites[0]) {
        fprintf(stderr, "faultline trace: --callsites: expected a directory\n");
        return 2;
    }
    return trace_cli_capture(out, argv + i, baseline, sites);
}
