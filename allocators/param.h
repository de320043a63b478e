/* Plug-in parameters: each backend and workload declares a table of param_def; specs of the
 * form NAME[:key=value,...] are parsed and validated against it. Parsing, validation, --help and
 * `faultline list` output all come from the same table. */
#ifndef FAULTLINE_PARAM_H
#define FAULTLINE_PARAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum param_type {
    PARAM_SIZE,   /* bytes; accepts K/M/G binary suffixes; "off" if PARAM_ALLOW_OFF */
    PARAM_INT,    /* decimal integer */
    PARAM_SWITCH, /* on/off (also 1/0, yes/no, true/false) */
    PARAM_ENUM,   /* one of choices, "a|b|c" */
    PARAM_STRING, /* free text (file names) */
};

#define PARAM_ALLOW_OFF 1u /* a size that also accepts "off" (value PARAM_OFF) */
#define PARAM_FILE      2u /* a PARAM_STRING naming a file that must exist and be readable */
#define PARAM_OFF       (-1)
#define PARAM_MAX       24 /* parameters per plug-in */
#define PARAM_STR_MAX   256

struct param_def {
    const char *name;
    enum param_type type;
    const char *def; /* default as text, parsed like user input; NULL = unset by default */
    int64_t min, max;
    const char *choices; /* PARAM_ENUM: "a|b|c" */
    unsigned flags;
    const char *doc;
};

struct param_value {
    const struct param_def *def;
    int64_t num;             /* SIZE/INT/SWITCH(0/1)/ENUM(index) */
    char str[PARAM_STR_MAX]; /* ENUM choice or STRING text, also the text as given */
    bool set;                /* given explicitly in the spec (defaults are not "set") */
    bool has_value;          /* set or defaulted */
};

struct param_values {
    unsigned count;
    struct param_value v[PARAM_MAX];
};

/* Parse one value for def. Returns 0, or -1 with a one-line reason in err. */
int param_parse_value(const struct param_def *def, const char *text, struct param_value *out,
                      char *err, size_t errlen);
/* Fill out with defaults from a table terminated by {NULL}. */
void param_defaults(const struct param_def *table, struct param_values *out);
/* Apply "key=value,key=value" (may be empty) over defaults, then the checks that span values:
 * a table declaring both "min" and "max" needs min <= max; a PARAM_FILE must be readable.  what
 * names the plug-in in errors
 * ("backend hybrid"). Returns 0 or -1 with a one-line error naming the key and valid values. */
int param_apply(const struct param_def *table, const char *what, const char *list,
                struct param_values *out, char *err, size_t errlen);
/* Split "NAME[:params]" into name (copied into name, namelen) and params pointer (or "").
 * "NAME:" (an empty parameter list) is refused: -1, like a missing name. */
int param_split_spec(const char *spec, char *name, size_t namelen, const char **params);

/* Accessors by key. A lookup of a key the table does not declare is a programmer error. */
int64_t param_num(const struct param_values *pv, const char *key);
const char *param_str(const struct param_values *pv, const char *key);
bool param_is_set(const struct param_values *pv, const char *key);
bool param_has_value(const struct param_values *pv, const char *key);

/* Parse a size such as "4096", "64K", "1M", "2G" (binary units). Rejects negatives, garbage,
 * overflow. Returns 0 or -1. */
int param_parse_size(const char *text, int64_t *out);
/* Human size: 131072 -> "128K", 1000 -> "1000". */
void param_format_size(int64_t v, char *buf, size_t len);
/* Canonical "key=value,..." of explicitly set values (in table order). */
void param_format_set(const struct param_values *pv, char *buf, size_t len);
/* Describe the valid range of a def ("4K..1G or off", "on|off", "lifo|fifo|random"). */
void param_describe_range(const struct param_def *def, char *buf, size_t len);

#endif
