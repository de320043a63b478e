/* `faultline exec --timer hyperfine`: time every backend with `hyperfine -N`, read the numbers
 * back from its JSON export, and add them to run.json as a "hyperfine" object. */
#define _GNU_SOURCE
#include "cli_exec_hf.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cli_exec_backend.h"
#include "json.h"
#include "json_read.h"

static void cli_exec_hf_shell_quote(struct strbuf *sb, const char *s)
{
    bool plain = s[0] != '\0';
    for (const char *p = s; *p && plain; p++)
        plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./=:,+-@%",
                       *p) != NULL;
    if (plain) {
        strbuf_puts(sb, s);
        return;
    }
    strbuf_puts(sb, "'");
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            strbuf_puts(sb, "'\\''");
        else
            strbuf_add(sb, p, 1);
    }
    strbuf_puts(sb, "'");
}

/* `env K=V... CMD ARGS` for one backend (plain CMD for an untuned glibc). */
static void cli_exec_hf_command(const struct cli_exec_opts *o, const struct cli_exec_backend *b,
                                struct strbuf *sb)
{
    if (b->nenv || o->nenv) {
        strbuf_puts(sb, "env ");
        for (unsigned i = 0; i < b->nenv; i++) {
            cli_exec_hf_shell_quote(sb, b->env[i]);
            strbuf_puts(sb, " ");
        }
        for (unsigned i = 0; i < o->nenv; i++) {
            cli_exec_hf_shell_quote(sb, o->env[i]);
            strbuf_puts(sb, " ");
        }
    }
    for (char **a = o->cmd; *a; a++) {
        if (a != o->cmd)
            strbuf_puts(sb, " ");
        cli_exec_hf_shell_quote(sb, *a);
    }
}

/* One entry of hyperfine's "results" into b. The export is another program's file in a
 * directory anyone may have touched, so nothing in it is trusted: the entry must carry the
 * --command-name we gave this backend (results are matched by position, and a name that differs
 * means the positions do not line up), and a time that is not a finite, non-negative number of
 * seconds is refused rather than printed. 0, or -1 with the reason in why. */
static int cli_exec_hf_entry(const json_t *e, struct cli_exec_backend *b, char *why, size_t len)
{
    static const char *const keys[] = {"mean", "median", "min", "max"};
    double *vals[] = {&b->hf_mean, &b->hf_median, &b->hf_min, &b->hf_max};
    b->hf_valid = b->hf_stddev_valid = false;
    const char *name = json_read_str(e, "command");
    if (!name || strcmp(name, b->spec) != 0) {
        snprintf(why, len, "the entry for %s %s", b->spec,
                 name ? "names another command" : "has no \"command\" string");
        return -1;
    }
    for (unsigned k = 0; k < 4; k++) {
        double v;
        if (!json_read_num(e, keys[k], &v) || !isfinite(v) || v < 0) {
            snprintf(why, len, "the entry for %s has no valid \"%s\" (seconds)", b->spec, keys[k]);
            return -1;
        }
        *vals[k] = v;
    }
    /* stddev is null when hyperfine had a single run; absent is the same answer */
    b->hf_stddev_valid =
        json_read_num(e, "stddev", &b->hf_stddev) && isfinite(b->hf_stddev) && b->hf_stddev >= 0;
    b->hf_valid = true;
    return 0;
}

/* Fill hf_* of every runnable backend from hyperfine's export at path: its "results" come in
 * command order, one per runnable backend. Whatever cannot be read becomes a warning naming the
 * file and what is wrong, and that backend has no hyperfine timings. */
static void cli_exec_hf_read(const char *path, struct cli_exec_backend *bs, unsigned nb,
                             unsigned ncmd, struct results *r)
{
    char err[512], warn[sizeof r->warnings[0]];
    json_t *doc = json_read_file(path, err, sizeof err);
    const json_t *res = json_read_get(doc, "results");
    if (!doc || !json_is_array(res) || json_array_size(res) != ncmd) {
        if (doc)
            snprintf(err, sizeof err, "%s: \"results\" is not an array of %u entries", path, ncmd);
        snprintf(warn, sizeof warn,
                 "--timer hyperfine: cannot use its JSON export (%s); no hyperfine timings", err);
        results_warn(r, warn);
        json_decref(doc);
        return;
    }
    size_t at = 0;
    for (unsigned i = 0; i < nb; i++) {
        if (bs[i].skip[0])
            continue;
        if (cli_exec_hf_entry(json_array_get(res, at++), &bs[i], err, sizeof err) != 0) {
            snprintf(warn, sizeof warn, "--timer hyperfine: cannot use its JSON export (%s: %s)",
                     path, err);
            results_warn(r, warn);
        }
    }
    json_decref(doc);
}

/* Run hyperfine over every runnable backend; fill hf_* from its JSON export. 0 or -1. */
int cli_exec_hf_run(const struct cli_exec_opts *o, struct cli_exec_backend *bs, unsigned nb,
                    const char *json_path, struct results *r)
{
    char runs[16], warm[16];
    snprintf(runs, sizeof runs, "%u", o->runs < 2 ? 2 : o->runs);
    snprintf(warm, sizeof warm, "%u", o->warmup);
    struct strbuf cmds[CLI_MAX_SPECS];
    const char *argv[16 + 4 * CLI_MAX_SPECS];
    int argc = 0;
    argv[argc++] = "hyperfine";
    argv[argc++] = "-N";
    argv[argc++] = "-i"; /* a failing backend is an outcome here, not a reason to stop */
    argv[argc++] = "--warmup";
    argv[argc++] = warm;
    argv[argc++] = "--runs";
    argv[argc++] = runs;
    argv[argc++] = "--style";
    argv[argc++] = o->quiet ? "none" : "basic";
    argv[argc++] = "--export-json";
    argv[argc++] = json_path;
    unsigned ncmd = 0;
    for (unsigned i = 0; i < nb; i++) {
        strbuf_init(&cmds[i]);
        if (bs[i].skip[0])
            continue;
        cli_exec_hf_command(o, &bs[i], &cmds[i]);
        argv[argc++] = "--command-name";
        argv[argc++] = bs[i].spec;
        argv[argc++] = cmds[i].data;
        ncmd++;
    }
    argv[argc] = NULL;
    int rc = -1;
    if (ncmd == 0) {
        rc = 0;
        goto out;
    }
    struct cli_exec_backend none;
    memset(&none, 0, sizeof none);
    struct cli_exec_opts plain = *o;
    plain.nenv = 0;
    char **envp = cli_exec_backend_envp(&plain, &none, NULL);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(STDERR_FILENO, STDOUT_FILENO); /* our stdout carries the report only */
        execvpe("hyperfine", (char *const *)argv, envp);
        fprintf(stderr, "faultline: cannot run hyperfine: %s (apt-get install hyperfine)\n",
                strerror(errno));
        _exit(127);
    }
    free(envp);
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        results_warn(r, "--timer hyperfine: hyperfine failed or is not installed (apt-get "
                        "install hyperfine); no hyperfine timings");
        goto out;
    }
    cli_exec_hf_read(json_path, bs, nb, ncmd, r);
    rc = 0;
out:
    for (unsigned i = 0; i < nb; i++)
        strbuf_free(&cmds[i]);
    return rc;
}

/* "hyperfine": {...} object for run.json. */
void cli_exec_hf_json(const struct cli_exec_opts *o, const struct cli_exec_backend *bs, unsigned nb,
                      struct strbuf *sb)
{
    strbuf_puts(sb, "{");
    json_key(sb, "options", true);
    strbuf_printf(sb, "\"-N -i --warmup %u --runs %u\"", o->warmup, o->runs < 2 ? 2 : o->runs);
    json_key(sb, "results", false);
    strbuf_puts(sb, "[");
    bool first = true;
    for (unsigned i = 0; i < nb; i++) {
        const struct cli_exec_backend *b = &bs[i];
        if (!b->hf_valid)
            continue;
        strbuf_puts(sb, first ? "{" : ",{");
        first = false;
        json_key(sb, "backend", true);
        json_str(sb, b->spec);
        json_key(sb, "mean_ns", false);
        json_number(sb, b->hf_mean * 1e9);
        json_key(sb, "stddev_ns", false);
        json_number_or_null(sb, b->hf_stddev * 1e9, b->hf_stddev_valid);
        json_key(sb, "median_ns", false);
        json_number(sb, b->hf_median * 1e9);
        json_key(sb, "min_ns", false);
        json_number(sb, b->hf_min * 1e9);
        json_key(sb, "max_ns", false);
        json_number(sb, b->hf_max * 1e9);
        strbuf_puts(sb, "}");
    }
    strbuf_puts(sb, "]}");
}

/* Insert ,"hyperfine":obj before the closing brace of a JSON document. */
void cli_exec_hf_json_inject(struct strbuf *doc, const struct strbuf *obj)
{
    if (!doc->data)
        return;
    size_t end = doc->len;
    while (end > 0 && doc->data[end - 1] != '}')
        end--;
    if (end == 0)
        return;
    struct strbuf out;
    strbuf_init(&out);
    strbuf_add(&out, doc->data, end - 1);
    while (out.len > 0 && (out.data[out.len - 1] == '\n' || out.data[out.len - 1] == ' '))
        out.len--;
    strbuf_puts(&out, ",\n  \"hyperfine\": ");
    strbuf_add(&out, obj->data, obj->len);
    strbuf_puts(&out, "\n}\n");
    strbuf_free(doc);
    *doc = out;
}
