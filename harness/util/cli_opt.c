/* The option-table parser and help generator behind every faultline command (see cli_opt.h).
 * Hand-written rather than getopt_long because the same table must also produce --help and the
 * error lines, and getopt_long's global state and its own messages are what made the nine
 * parsers drift apart. Exact long names only (no unique-prefix abbreviations), so adding an
 * option can never change what an existing command line means. */
#include "cli_opt.h"
#include "num.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static const struct cli_opt cli_opt_builtin[] = {
    {"help", 'h', NULL, "this help", 0},
    {"version", 'V', NULL, "print the version and exit", 0},
    CLI_ROW_END,
};

void cli_opt_init(struct cli_parse *p, const struct cli_usage *u, int argc, char **argv)
{
    memset(p, 0, sizeof *p);
    p->u = u;
    p->argc = argc;
    p->argv = argv;
    p->ind = 1;
}

void cli_opt_version(const char *program)
{
    printf("%s %s (%s, %s)\n", program, FAULTLINE_VERSION, FAULTLINE_GIT_SHA, FAULTLINE_BUILD_TYPE);
}

static const char *cli_opt_prog(const struct cli_usage *u)
{
    return strncmp(u->name, "faultline", 9) == 0 ? "" : "faultline ";
}

int cli_opt_error(const struct cli_parse *p, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s%s: ", cli_opt_prog(p->u), p->u->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 2;
}

/* The row for a long name (len bytes) or a short letter; NULL when none. */
static const struct cli_opt *cli_opt_find(const struct cli_usage *u, const char *name, size_t len,
                                          char letter)
{
    for (const struct cli_opt *const *t = u->tables; t && *t; t++)
        for (const struct cli_opt *o = *t; o->name; o++)
            if (letter ? o->short_name == letter
                       : strlen(o->name) == len && !strncmp(o->name, name, len))
                return o;
    for (const struct cli_opt *o = cli_opt_builtin; o->name; o++)
        if (letter ? o->short_name == letter
                   : strlen(o->name) == len && !strncmp(o->name, name, len))
            return o;
    return NULL;
}

/* "unknown option" with the valid spellings, generated from the tables. */
static int cli_opt_unknown(const struct cli_parse *p, const char *text)
{
    char valid[1024] = "";
    size_t n = 0;
    for (const struct cli_opt *const *t = p->u->tables; t && *t; t++)
        for (const struct cli_opt *o = *t; o->name && n < sizeof valid; o++)
            n += (size_t)snprintf(valid + n, sizeof valid - n, "%s--%s", n ? " " : "", o->name);
    return cli_opt_error(p, "unknown option '%s' (valid: %s%s--help; see %s%s --help)", text, valid,
                         n ? " " : "", cli_opt_prog(p->u), p->u->name);
}

/* The matched row o: take its value from inline (after '=' or a short bundle) or the next
 * argument, answer the built-ins. */
static int cli_opt_take(struct cli_parse *p, const struct cli_opt *o, const char *inline_val,
                        const char *spelled)
{
    p->opt = o;
    p->arg = NULL;
    if (o->id == 0 && o->short_name == 'h') {
        cli_opt_help(p->u, stdout);
        return CLI_OPT_HELP;
    }
    if (o->id == 0 && o->short_name == 'V') {
        cli_opt_version(cli_opt_prog(p->u)[0] ? "faultline" : p->u->name);
        return CLI_OPT_HELP;
    }
    if (!o->arg) {
        if (inline_val)
            return cli_opt_error(p, "%s takes no value (got '%s')", spelled, inline_val),
                   CLI_OPT_ERROR;
        return o->id;
    }
    if (inline_val) {
        p->arg = inline_val;
        return o->id;
    }
    if (p->ind >= p->argc)
        return cli_opt_error(p, "%s needs a value %s (see %s%s --help)", spelled, o->arg,
                             cli_opt_prog(p->u), p->u->name),
               CLI_OPT_ERROR;
    p->arg = p->argv[p->ind++];
    return o->id;
}

static int cli_opt_short(struct cli_parse *p)
{
    char letter = *p->bundle++;
    char spelled[3] = {'-', letter, 0};
    const struct cli_opt *o = cli_opt_find(p->u, NULL, 0, letter);
    if (!o) {
        p->bundle = NULL;
        return cli_opt_unknown(p, spelled), CLI_OPT_ERROR;
    }
    const char *inline_val = NULL;
    if (o->arg && *p->bundle) /* -r5: the rest is the value */
        inline_val = p->bundle;
    if (o->arg || !*p->bundle)
        p->bundle = NULL;
    return cli_opt_take(p, o, inline_val, spelled);
}

int cli_opt_next(struct cli_parse *p)
{
    if (p->bundle)
        return cli_opt_short(p);
    if (p->ind >= p->argc)
        return CLI_OPT_END;
    const char *a = p->argv[p->ind];
    if (!strcmp(a, "--")) {
        p->ind++;
        return CLI_OPT_END;
    }
    if (a[0] != '-' || !a[1]) {
        if (p->u->flags & CLI_STOP_AT_ARG)
            return CLI_OPT_END;
        p->arg = a;
        p->ind++;
        return CLI_OPT_ARG;
    }
    p->ind++;
    if (a[1] != '-') {
        p->bundle = a + 1;
        return cli_opt_short(p);
    }
    const char *name = a + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const struct cli_opt *o = cli_opt_find(p->u, name, len, 0);
    if (!o)
        return cli_opt_unknown(p, a), CLI_OPT_ERROR;
    char spelled[64];
    snprintf(spelled, sizeof spelled, "--%s", o->name);
    return cli_opt_take(p, o, eq ? eq + 1 : NULL, spelled);
}

int cli_opt_step(struct cli_parse *p, int *exit_code)
{
    int c = cli_opt_next(p);
    if (c == CLI_OPT_HELP || c == CLI_OPT_ERROR) {
        *exit_code = c == CLI_OPT_HELP ? 0 : 2;
        return CLI_OPT_END;
    }
    return c;
}

int cli_opt_u64(const struct cli_parse *p, uint64_t *out, uint64_t min, uint64_t max)
{
    const char *s = p->arg ? p->arg : "";
    if (num_parse_u64(s, min, max, out) != 0) /* digits only, overflow checked */
        return cli_opt_error(p, "--%s %s: expected an integer %llu..%llu", p->opt->name, s,
                             (unsigned long long)min, (unsigned long long)max);
    return 0;
}

/* One option row: "  -b, --backend SPEC   help", continuation lines indented to the help. */
static void cli_opt_help_row(const struct cli_opt *o, FILE *f)
{
    enum { COL = 26 };
    char left[96];
    int n = snprintf(left, sizeof left, "  %c%c%s--%s%s%s", o->short_name ? '-' : ' ',
                     o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ", o->name,
                     o->arg ? " " : "", o->arg ? o->arg : "");
    if (n >= COL - 1)
        fprintf(f, "%s\n%*s", left, COL, "");
    else
        fprintf(f, "%-*s", COL, left);
    for (const char *h = o->help; *h;) {
        size_t l = strcspn(h, "\n");
        fprintf(f, "%.*s\n", (int)l, h);
        h += l;
        if (*h == '\n' && *++h)
            fprintf(f, "%*s", COL, "");
    }
}

void cli_opt_help(const struct cli_usage *u, FILE *f)
{
    const char *prog = cli_opt_prog(u);
    for (const char *s = u->synopsis, *lead = "usage: "; s && *s; lead = "       ") {
        size_t l = strcspn(s, "\n");
        fprintf(f, "%s%s%s %.*s\n", lead, prog, u->name, (int)l, s);
        s += l + (s[l] == '\n');
    }
    if (u->about)
        fprintf(f, "\n%s", u->about);
    fputs("\noptions:\n", f);
    for (const struct cli_opt *const *t = u->tables; t && *t; t++)
        for (const struct cli_opt *o = *t; o->name; o++)
            cli_opt_help_row(o, f);
    for (const struct cli_opt *o = cli_opt_builtin; o->name; o++)
        cli_opt_help_row(o, f);
    if (u->examples) {
        fputs("\nexamples:\n", f);
        for (const char *s = u->examples; *s;) {
            size_t l = strcspn(s, "\n");
            fprintf(f, "  %.*s\n", (int)l, s);
            s += l + (s[l] == '\n');
        }
    }
    if (u->exit_status)
        fprintf(f, "\nexit status: %s\n", u->exit_status);
}
