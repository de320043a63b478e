/* Equivalence of the hybrid backend with glibc 2.36: the same brk/mmap/munmap syscall kinds,
 * step by step, for the reference seed sequence and for 3x malloc(1 MiB)+free, with the
 * dynamic threshold and with a fixed 128K threshold, traced by strace in both runs. */
#define _GNU_SOURCE
#include "backend.h"
#include "param.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define STRACE_PATH "/usr/bin/strace"
#define MAX_STEPS   16
#define MAX_KINDS   16

extern const struct backend_ops backend_hybrid;

/* ---- the traced child: no stdio and no glibc malloc around the sequence ------------------ */

static void mark(const char *name)
{
    char b[96] = "@@";
    size_t n = strlen(name);
    if (n > sizeof b - 4)
        n = sizeof b - 4;
    memcpy(b + 2, name, n);
    b[2 + n] = '\n';
    if (write(2, b, n + 3) < 0)
        _exit(3);
}

static void *(*volatile seq_malloc)(size_t);
static void (*volatile seq_free)(void *);

static int child_run(const char *mode, const char *seq, const char *thr)
{
    bool fixed = !strcmp(thr, "fixed");
    if (!strcmp(mode, "glibc")) {
        if (fixed && mallopt(M_MMAP_THRESHOLD, 128 * 1024) != 1)
            return 4;
        seq_malloc = malloc;
        seq_free = free;
    } else {
        struct param_values pv;
        char err[256];
        if (param_apply(backend_hybrid.params, "backend hybrid", fixed ? "threshold=128K" : "", &pv,
                        err, sizeof err) != 0 ||
            backend_hybrid.init(&pv) != 0)
            return 5;
        seq_malloc = backend_hybrid.malloc;
        seq_free = backend_hybrid.free;
    }
    /* Learn the break before the sequence in both runs (glibc's first sbrk costs a brk(0)). */
    if (sbrk(0) == (void *)-1)
        return 6;
    if (!strcmp(seq, "mib")) {
        /* glibc's first malloc creates its tcache (a brk growth); ours has none. Start both
         * heaps before the first marker so that step 1 compares only the 1 MiB request. */
        seq_free(seq_malloc(1));
    }
    mark("start");
    if (!strcmp(seq, "seed")) {
        void *a = seq_malloc(30 * 1024);
        mark("A=malloc(30K)");
        void *b = seq_malloc(40 * 1024);
        mark("B=malloc(40K)");
        void *c = seq_malloc(200 * 1024);
        mark("C=malloc(200K)");
        void *d = seq_malloc(100 * 1024);
        mark("D=malloc(100K)");
        seq_free(c);
        mark("free(C)");
        seq_free(b);
        mark("free(B)");
        seq_free(d);
        mark("free(D)");
        seq_free(a);
        mark("free(A)");
    } else {
        for (int i = 0; i < 3; i++) {
            char m[] = "p=malloc(1M) #0", f[] = "free(p) #0";
            m[sizeof m - 2] = f[sizeof f - 2] = (char)('0' + i);
            void *p = seq_malloc(1 << 20);
            mark(m);
            seq_free(p);
            mark(f);
        }
    }
    mark("end");
    return 0;
}

/* ---- the driver --------------------------------------------------------------------------- */

struct trace {
    int nsteps;
    char name[MAX_STEPS][64];
    int nkinds[MAX_STEPS];
    char kind[MAX_STEPS][MAX_KINDS][8];
};

static int run_traced(const char *self, const char *mode, const char *seq, const char *thr,
                      struct trace *t)
{
    char file[] = "/tmp/fl_heap_strace_XXXXXX";
    int fd = mkstemp(file);
    if (fd < 0) {
        perror("mkstemp");
        return -1;
    }
    close(fd);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 2);
        execl(STRACE_PATH, "strace", "-f", "-e", "trace=brk,mmap,munmap,write", "-o", file, self,
              "run", mode, seq, thr, (char *)NULL);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "strace run %s %s %s failed (status %d)\n", mode, seq, thr, st);
        unlink(file);
        return -1;
    }
    FILE *f = fopen(file, "r");
    if (!f) {
        unlink(file);
        return -1;
    }
    memset(t, 0, sizeof *t);
    bool started = false, ended = false;
    char line[1024];
    while (fgets(line, sizeof line, f) && !ended) {
        char *s = line;
        while (*s >= '0' && *s <= '9')
            s++;
        while (*s == ' ')
            s++;
        char *at = strstr(s, "\"@@");
        if (!strncmp(s, "write(2,", 8) && at) {
            char *name = at + 3, *endq = strstr(name, "\\n\"");
            if (!endq)
                continue;
            *endq = '\0';
            if (!strcmp(name, "start")) {
                started = true;
            } else if (started && !strcmp(name, "end")) {
                ended = true;
            } else if (started && t->nsteps < MAX_STEPS) {
                snprintf(t->name[t->nsteps], sizeof t->name[0], "%s", name);
                t->nsteps++;
            }
            continue;
        }
        if (!started)
            continue;
        const char *kinds[] = {"brk(", "mmap(", "munmap("};
        for (int k = 0; k < 3; k++) {
            if (!strncmp(s, kinds[k], strlen(kinds[k]))) {
                int i = t->nsteps; /* syscalls before marker i belong to step i */
                if (i < MAX_STEPS && t->nkinds[i] < MAX_KINDS) {
                    snprintf(t->kind[i][t->nkinds[i]], sizeof t->kind[0][0], "%.*s",
                             (int)strlen(kinds[k]) - 1, kinds[k]);
                    t->nkinds[i]++;
                }
            }
        }
    }
    fclose(f);
    unlink(file);
    if (!ended) {
        fprintf(stderr, "%s %s %s: no end marker in the trace\n", mode, seq, thr);
        return -1;
    }
    return 0;
}

static void steps_format(const struct trace *t, int i, char *buf, size_t len)
{
    buf[0] = '\0';
    for (int k = 0; k < t->nkinds[i]; k++) {
        if (k)
            strncat(buf, " ", len - strlen(buf) - 1);
        strncat(buf, t->kind[i][k], len - strlen(buf) - 1);
    }
    if (!buf[0])
        snprintf(buf, len, "-");
}

static void trace_print(FILE *out, const char *what, const struct trace *t)
{
    fprintf(out, "  %s:\n", what);
    for (int i = 0; i < t->nsteps; i++) {
        char b[256];
        steps_format(t, i, b, sizeof b);
        fprintf(out, "    %-16s %s\n", t->name[i], b);
    }
}

/* Expected kinds per step, from the reference notes (tables 3, 3-fixed, 4 and 4-off). */
static const char *expected(const char *seq, const char *thr, int step)
{
    static const char *seed_dyn[] = {"brk", "-", "mmap", "brk", "munmap", "-", "-", "-"};
    static const char *seed_fix[] = {"brk", "-", "mmap", "brk", "munmap", "-", "brk", "brk"};
    static const char *mib_dyn[] = {"mmap", "munmap", "brk", "-", "-", "-"};
    static const char *mib_fix[] = {"mmap", "munmap", "mmap", "munmap", "mmap", "munmap"};
    bool fixed = !strcmp(thr, "fixed");
    if (!strcmp(seq, "seed"))
        return step < 8 ? (fixed ? seed_fix : seed_dyn)[step] : NULL;
    return step < 6 ? (fixed ? mib_fix : mib_dyn)[step] : NULL;
}

static int compare(const char *self, const char *seq, const char *thr)
{
    struct trace g, h;
    if (run_traced(self, "glibc", seq, thr, &g) != 0 ||
        run_traced(self, "hybrid", seq, thr, &h) != 0)
        return -1;
    int bad = g.nsteps != h.nsteps;
    for (int i = 0; i < g.nsteps && i < h.nsteps; i++) {
        char a[256], b[256];
        steps_format(&g, i, a, sizeof a);
        steps_format(&h, i, b, sizeof b);
        const char *want = expected(seq, thr, i);
        if (strcmp(a, b) != 0 || strcmp(g.name[i], h.name[i]) != 0) {
            fprintf(stderr, "%s/%s step %d (%s): glibc [%s] vs hybrid [%s]\n", seq, thr, i + 1,
                    g.name[i], a, b);
            bad = 1;
        }
        if (!want || strcmp(a, want) != 0) {
            fprintf(stderr, "%s/%s step %d (%s): glibc did [%s], the reference says [%s]\n", seq,
                    thr, i + 1, g.name[i], a, want ? want : "(no step)");
            bad = 1;
        }
    }
    if (bad) {
        fprintf(stderr, "FAIL %s/%s\n", seq, thr);
        trace_print(stderr, "glibc", &g);
        trace_print(stderr, "hybrid", &h);
        return -1;
    }
    printf("ok   %s/%s: %d steps identical\n", seq, thr, g.nsteps);
    trace_print(stdout, "glibc and hybrid", &g);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "run"))
        return child_run(argv[2], argv[3], argv[4]);
    if (access(STRACE_PATH, X_OK) != 0) {
        printf("SKIP: %s is missing (apt-get install strace): cannot trace syscalls\n",
               STRACE_PATH);
        return 77;
    }
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return 1;
    self[n] = '\0';
    /* Probe that ptrace works here (a container may forbid it). */
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, 1);
            dup2(null, 2);
        }
        execl(STRACE_PATH, "strace", "-o", "/dev/null", "/bin/true", (char *)NULL);
        _exit(127);
    }
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        printf("SKIP: strace cannot trace a child here (ptrace not permitted?)\n");
        return 77;
    }
    int failed = 0, passed = 0;
    const char *seqs[] = {"seed", "mib"}, *thrs[] = {"dynamic", "fixed"};
    for (int s = 0; s < 2; s++)
        for (int t = 0; t < 2; t++)
            if (compare(self, seqs[s], thrs[t]) == 0)
                passed++;
            else
                failed++;
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
