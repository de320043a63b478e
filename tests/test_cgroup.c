/* Tests for harness/measure/cgroup.c: spec parsing and bad input, hierarchy detection from
 * mountinfo texts of a v1-memory machine (like this VM) and a v2-only one, and, as root on a
 * machine with a memory controller, a real leaf: 96 MiB touched under a 64 MiB limit is
 * OOM-killed, under 128 MiB it survives with a kernel-recorded peak >= 96 MiB. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "test_util.h"

#define CHECK TEST_UTIL_CHECK
#define MiB   (1024 * 1024LL)

static void test_parse(void)
{
    struct cgroup_limits l;
    char err[512], text[256];
    CHECK(cgroup_parse("memory.max=64M,memory.high=48M", &l, err, sizeof err) == 0, "%s", err);
    CHECK(l.max == 64 * MiB && l.high == 48 * MiB && l.swap_max == CGROUP_UNSET, "values");
    cgroup_format(&l, text, sizeof text);
    CHECK(!strcmp(text, "memory.max=64M;memory.high=48M"), "format '%s'", text);
    CHECK(cgroup_parse("memory.limit_in_bytes=1G;memory.swap.max=0", &l, err, sizeof err) == 0,
          "%s", err);
    CHECK(l.max == 1024 * MiB && l.swap_max == 0, "v1 alias and swap 0");
    CHECK(cgroup_parse("memory.max=max", &l, err, sizeof err) == 0 && l.max == CGROUP_NO_LIMIT,
          "max");
    static const char *const bad[][2] = {
        {"memory.maxx=64M", "unknown key"},      {"cpu.max=1", "unknown key"},
        {"memory.max=100", "at least one page"}, {"memory.high=0", "at least one page"},
        {"memory.max=-1", "at least one page"},  {"memory.max=64Q", "at least one page"},
        {"memory.max", "expected key=size"},     {"", "expected key=size"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        CHECK(cgroup_parse(bad[i][0], &l, err, sizeof err) == -1, "'%s' rejected", bad[i][0]);
        CHECK(strstr(err, bad[i][1]) && !strchr(err, '\n'), "'%s': one line with '%s': %s",
              bad[i][0], bad[i][1], err);
    }
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL, "open %s", path);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_detect(void)
{
    char dir[] = "/tmp/fl-cgtest-XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    char mi[256], cg[256], v2[256], path[512];
    snprintf(mi, sizeof mi, "%s/mountinfo", dir);
    snprintf(cg, sizeof cg, "%s/cgroup", dir);
    snprintf(v2, sizeof v2, "%s/unified", dir);
    mkdir(v2, 0755);
    snprintf(path, sizeof path, "%s/cgroup.controllers", v2);
    write_file(path, "cpu io pids\n"); /* a v2 hierarchy without memory, as on this VM */
    char text[2048];
    snprintf(text, sizeof text,
             "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
             "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
             "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
             "40 30 0:37 / %s rw,relatime - cgroup2 cgroup2 rw\n",
             v2);
    write_file(mi, text);
    write_file(cg, "4:memory:/process_api/abc\n1:cpu:/\n0::/\n");
    struct cgroup_mounts m;
    CHECK(cgroup_detect_from(mi, cg, &m) == 0 && m.version == 1, "v1 memory found");
    CHECK(!strcmp(m.memory_dir, "/sys/fs/cgroup/memory/process_api/abc"), "dir %s", m.memory_dir);
    CHECK(!strcmp(m.v2_dir, v2), "v2 dir %s", m.v2_dir);

    /* v2 with memory: preferred; mount root "/sub" is stripped from the own path */
    write_file(path, "cpu memory pids\n");
    snprintf(text, sizeof text, "40 30 0:37 /sub %s rw - cgroup2 cgroup2 rw\n", v2);
    write_file(mi, text);
    write_file(cg, "0::/sub\n");
    CHECK(cgroup_detect_from(mi, cg, &m) == 0 && m.version == 2, "v2 memory found");
    CHECK(!strcmp(m.memory_dir, v2), "v2 dir %s", m.memory_dir);

    /* neither */
    write_file(path, "cpu\n");
    CHECK(cgroup_detect_from(mi, cg, &m) == -1 && strstr(m.reason, "no memory controller"),
          "reason '%s'", m.reason);
    unlink(path);
    unlink(mi);
    unlink(cg);
    rmdir(v2);
    rmdir(dir);
}

/* Fork a child into the leaf that touches `bytes`; returns its wait status. */
TEST_UTIL_NO_ASAN static int run_in_leaf(const struct cgroup_leaf *leaf, size_t bytes)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (cgroup_leaf_join(leaf) != 0)
            _exit(90);
        char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            _exit(91);
        for (size_t off = 0; off < bytes; off += 4096)
            p[off] = 1;
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

static int test_live(int version_wanted)
{
    char err[512];
    struct cgroup_mounts m;
    if (cgroup_usable(&m, err, sizeof err) != 0) {
        printf("live cgroup v%d: skipped (%s)\n", version_wanted, err);
        return 0;
    }
    if (m.version != version_wanted) {
        printf("live cgroup v%d: skipped (this machine's memory controller is on v%d)\n",
               version_wanted, m.version);
        return 0;
    }
    struct cgroup_limits l;
    struct cgroup_leaf leaf;
    struct cgroup_usage u;
    char name[64];
    snprintf(name, sizeof name, "faultline-test-%d", (int)getpid());
    CHECK(cgroup_parse("memory.max=64M", &l, err, sizeof err) == 0, "%s", err);
    CHECK(cgroup_leaf_create(&m, &l, name, &leaf, err, sizeof err) == 0, "%s", err);
    int st = run_in_leaf(&leaf, 96 * MiB);
    cgroup_leaf_read(&leaf, &u);
    printf("v%d 64M: status %#x peak %lld oom_kills %lld failcnt %lld psi some %lld us\n",
           m.version, st, (long long)u.peak, (long long)u.oom_kills, (long long)u.failcnt,
           (long long)u.psi_some_us);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "killed under 64M");
    CHECK(u.oom_kills == 1, "one OOM kill recorded: %lld", (long long)u.oom_kills);
    CHECK(m.version != 1 || u.failcnt > 0, "v1 failcnt counts refused charges");
    CHECK(u.peak > 60 * MiB && u.peak <= 64 * MiB, "peak at the limit: %lld", (long long)u.peak);
    CHECK(cgroup_leaf_remove(&leaf) == 0, "leaf removed");
    CHECK(access(leaf.dir, F_OK) != 0, "leaf gone");

    CHECK(cgroup_parse("memory.max=128M", &l, err, sizeof err) == 0, "%s", err);
    CHECK(cgroup_leaf_create(&m, &l, name, &leaf, err, sizeof err) == 0, "%s", err);
    char dir[CGROUP_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", leaf.dir);
    st = run_in_leaf(&leaf, 96 * MiB);
    cgroup_leaf_read(&leaf, &u);
    printf("v%d 128M: status %#x peak %lld oom_kills %lld\n", m.version, st, (long long)u.peak,
           (long long)u.oom_kills);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "ok under 128M");
    CHECK(u.oom_kills == 0, "no OOM kill");
    CHECK(u.peak >= 96 * MiB && u.peak < 128 * MiB, "peak >= 96 MiB: %lld", (long long)u.peak);
    CHECK(cgroup_leaf_remove(&leaf) == 0, "leaf removed");
    CHECK(access(dir, F_OK) != 0, "leaf gone");
    return 1;
}

int main(int argc, char **argv)
{
    test_parse();
    test_detect();
    int version = argc > 1 ? atoi(argv[1]) : 1;
    int ran = test_live(version);
    if (test_util_failures) {
        printf("%lu failures\n", test_util_failures);
        return 1;
    }
    if (!ran)
        return TEST_UTIL_SKIP; /* the reason was printed on one line above */
    printf("ok\n");
    return 0;
}
