/* `faultline whatif --verify`: each chosen setting is run for real on glibc by this same binary
 * (`faultline run -b glibc:PARAMS -w replay:file=TRACE --format csv`, so the measurement is the
 * ordinary one, child process and tracepoints included) and its sys_* counts are set beside the
 * prediction. The run's output goes to memfds: no file is created. */
#define _GNU_SOURCE
#include "cli_whatif.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "csv.h"

/* The whole content of a memfd (NUL-terminated, malloc'd), or NULL. */
static char *cli_whatif_verify_slurp(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return NULL;
    char *buf = malloc((size_t)st.st_size + 1);
    if (!buf)
        return NULL;
    ssize_t got = pread(fd, buf, (size_t)st.st_size, 0);
    buf[got > 0 ? got : 0] = '\0';
    return buf;
}

/* Runs argv with stdout and stderr in memfds; returns the exit status (or -1) and both texts. */
static int cli_whatif_verify_spawn(char *const argv[], char **out, char **errtext)
{
    int fo = memfd_create("whatif-out", MFD_CLOEXEC), fe = memfd_create("whatif-err", MFD_CLOEXEC);
    int status = -1;
    *out = *errtext = NULL;
    if (fo < 0 || fe < 0)
        goto done;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (dup2(fo, STDOUT_FILENO) < 0 || dup2(fe, STDERR_FILENO) < 0)
            _exit(127);
        execv(argv[0], argv);
        _exit(127);
    }
    if (pid < 0)
        goto done;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    *out = cli_whatif_verify_slurp(fo);
    *errtext = cli_whatif_verify_slurp(fe);
done:
    if (fo >= 0)
        close(fo);
    if (fe >= 0)
        close(fe);
    return status;
}

/* The sys_* counts of the run's one CSV row into s (or a note saying why not). */
static void cli_whatif_verify_parse(struct cli_whatif_setting *s, const char *text)
{
    struct csv c;
    if (csv_parse(&c, text, strlen(text), "run output") != 0 || c.nrows < 1) {
        snprintf(s->note, sizeof s->note, "run failed: it printed no result row");
        csv_free(&c); /* safe after a failed parse too */
        return;
    }
    const char *outcome = csv_get(&c, 0, csv_col(&c, "outcome"));
    if (strcmp(outcome, "ok") != 0) {
        snprintf(s->note, sizeof s->note, "run failed: outcome %s", outcome);
        csv_free(&c);
        return;
    }
    bool all = true;
    for (int k = 0; k < OS_CALL_COUNT; k++) {
        char col[32];
        snprintf(col, sizeof col, "sys_%s", os_call_name((enum os_call)k));
        double v;
        if (csv_num(&c, 0, csv_col(&c, col), &v) && v >= 0)
            s->measured_calls[k] = (uint64_t)v;
        else
            all = false;
    }
    s->measured = all;
    if (!all)
        snprintf(s->note, sizeof s->note,
                 "not measured: no syscall tracepoints here (sys_* empty; needs root and "
                 "tracefs)");
    csv_free(&c);
}

void cli_whatif_verify_run(struct cli_whatif_setting *s, const unsigned *order, unsigned n,
                           const char *trace)
{
    char self[PATH_MAX], backend[300], workload[PATH_MAX + 32], abs[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    self[len > 0 ? len : 0] = '\0';
    /* the run parses file= inside a spec: a path with a comma cannot be said there */
    const char *path = realpath(trace, abs) ? abs : trace;
    for (unsigned i = 0; i < n; i++) {
        struct cli_whatif_setting *x = &s[order[i]];
        x->verified = true;
        if (len <= 0 || strchr(path, ',')) {
            snprintf(x->note, sizeof x->note, "run failed: %s",
                     len <= 0 ? "cannot find this binary" : "the trace path holds a comma");
            continue;
        }
        snprintf(backend, sizeof backend, "glibc%s%s", x->glibc[0] ? ":" : "", x->glibc);
        snprintf(workload, sizeof workload, "replay:file=%s", path);
        char *argv[] = {self,     "run",     "-b",       backend,    "-w",
                        workload, "--runs",  "1",        "--no-out", "--format",
                        "csv",    "--quiet", "--settle", "0",        NULL};
        char *out, *err;
        int st = cli_whatif_verify_spawn(argv, &out, &err);
        if (st != 0 || !out) {
            char *nl = err ? strchr(err, '\n') : NULL;
            if (nl)
                *nl = '\0';
            snprintf(x->note, sizeof x->note, "run failed: exit %d%s%s", st,
                     err && err[0] ? ": " : "", err ? err : "");
        } else {
            cli_whatif_verify_parse(x, out);
        }
        free(out);
        free(err);
    }
}

unsigned cli_whatif_verify_print(const struct cli_whatif_setting *s, const unsigned *order,
                                 unsigned n)
{
    int w = 8, g = 12;
    for (unsigned i = 0; i < n; i++) {
        const struct cli_whatif_setting *x = &s[order[i]];
        if ((int)strlen(x->text) > w)
            w = (int)strlen(x->text);
        if ((int)strlen(x->glibc) > g)
            g = (int)strlen(x->glibc);
    }
    printf("\nverify: predicted/measured syscalls (measured: faultline run -b glibc:PARAMS -w "
           "replay:file=TRACE, syscall tracepoints)\n");
    printf("%-*s  %-*s", w, "setting", g, "glibc params");
    for (int k = 0; k < OS_CALL_COUNT; k++)
        printf(" %11s", os_call_name((enum os_call)k));
    printf("  match\n");
    unsigned differ = 0;
    for (unsigned i = 0; i < n; i++) {
        const struct cli_whatif_setting *x = &s[order[i]];
        printf("%-*s  %-*s", w, x->text, g, x->glibc[0] ? x->glibc : "(none)");
        if (!x->measured) {
            printf("  %s\n", x->note);
            continue;
        }
        char bad[96] = "";
        for (int k = 0; k < OS_CALL_COUNT; k++) {
            char cell[48];
            snprintf(cell, sizeof cell, "%llu/%llu", (unsigned long long)x->res.os.calls[k],
                     (unsigned long long)x->measured_calls[k]);
            printf(" %11s", cell);
            if (x->res.os.calls[k] != x->measured_calls[k])
                snprintf(bad + strlen(bad), sizeof bad - strlen(bad), "%s%s", bad[0] ? "," : "",
                         os_call_name((enum os_call)k));
        }
        printf("  %s%s\n", bad[0] ? "no: " : "yes", bad);
        differ += bad[0] != '\0';
    }
    unsigned measured = 0;
    for (unsigned i = 0; i < n; i++)
        measured += s[order[i]].measured;
    printf("verify: %u of %u measured settings differ from the prediction\n", differ, measured);
    return differ;
}
