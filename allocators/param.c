/* Spec and parameter parsing and validation for backends and workloads (see param.h). */
#include "param.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int param_parse_size(const char *text, int64_t *out)
{
    const char *s = text;
    if (*s == '\0' || !isdigit((unsigned char)*s))
        return -1; /* rejects "", "-1", "+1", " 1" */
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        if (!isxdigit((unsigned char)*s))
            return -1;
        errno = 0;
        char *end;
        unsigned long long v = strtoull(s, &end, 16);
        if (errno || *end || v > INT64_MAX)
            return -1;
        *out = (int64_t)v;
        return 0;
    }
    uint64_t v = 0;
    for (; isdigit((unsigned char)*s); s++) {
        if (v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    unsigned shift = 0;
    if (*s) {
        switch (*s) {
        case 'k':
        case 'K':
            shift = 10;
            break;
        case 'm':
        case 'M':
            shift = 20;
            break;
        case 'g':
        case 'G':
            shift = 30;
            break;
        default:
            return -1;
        }
        s++;
        if (*s == 'i' || *s == 'I') /* accept KiB/MiB spellings */
            s++;
        if (*s == 'b' || *s == 'B')
            s++;
        if (*s)
            return -1;
    }
    if (shift && v > ((uint64_t)INT64_MAX >> shift))
        return -1;
    v <<= shift;
    if (v > (uint64_t)INT64_MAX)
        return -1;
    *out = (int64_t)v;
    return 0;
}

void param_format_size(int64_t v, char *buf, size_t len)
{
    if (v == PARAM_OFF) {
        snprintf(buf, len, "off");
    } else if (v >= (1 << 30) && v % (1 << 30) == 0) {
        snprintf(buf, len, "%lldG", (long long)(v >> 30));
    } else if (v >= (1 << 20) && v % (1 << 20) == 0) {
        snprintf(buf, len, "%lldM", (long long)(v >> 20));
    } else if (v >= 1024 && v % 1024 == 0) {
        snprintf(buf, len, "%lldK", (long long)(v >> 10));
    } else {
        snprintf(buf, len, "%lld", (long long)v);
    }
}

void param_describe_range(const struct param_def *def, char *buf, size_t len)
{
    char lo[32], hi[32];
    switch (def->type) {
    case PARAM_SIZE:
        param_format_size(def->min, lo, sizeof lo);
        param_format_size(def->max, hi, sizeof hi);
        snprintf(buf, len, "a size %s..%s%s", lo, hi,
                 (def->flags & PARAM_ALLOW_OFF) ? " (K/M/G suffixes) or off" : " (K/M/G suffixes)");
        break;
    case PARAM_INT:
        snprintf(buf, len, "an integer %lld..%lld", (long long)def->min, (long long)def->max);
        break;
    case PARAM_SWITCH:
        snprintf(buf, len, "on|off");
        break;
    case PARAM_ENUM:
        snprintf(buf, len, "%s", def->choices);
        break;
    case PARAM_STRING:
        snprintf(buf, len, "text");
        break;
    }
}

static int param_enum_index(const char *choices, const char *text)
{
    size_t tl = strlen(text);
    int idx = 0;
    for (const char *c = choices; *c;) {
        const char *bar = strchr(c, '|');
        size_t n = bar ? (size_t)(bar - c) : strlen(c);
        if (n == tl && strncmp(c, text, n) == 0)
            return idx;
        idx++;
        if (!bar)
            break;
        c = bar + 1;
    }
    return -1;
}

int param_parse_value(const struct param_def *def, const char *text, struct param_value *out,
                      char *err, size_t errlen)
{
    char range[128];
    param_describe_range(def, range, sizeof range);
    out->def = def;
    if (strlen(text) >= PARAM_STR_MAX) {
        snprintf(err, errlen, "%s: value too long", def->name);
        return -1;
    }
    snprintf(out->str, sizeof out->str, "%s", text);
    int64_t v = 0;
    switch (def->type) {
    case PARAM_SIZE:
        if ((def->flags & PARAM_ALLOW_OFF) && strcmp(text, "off") == 0) {
            out->num = PARAM_OFF;
            return 0;
        }
        if (param_parse_size(text, &v) != 0 || v < def->min || v > def->max) {
            snprintf(err, errlen, "%s=%s: expected %s", def->name, text, range);
            return -1;
        }
        out->num = v;
        return 0;
    case PARAM_INT: {
        char *end;
        errno = 0;
        long long n = strtoll(text, &end, 10);
        if (*text == '\0' || *end || errno || n < def->min || n > def->max) {
            snprintf(err, errlen, "%s=%s: expected %s", def->name, text, range);
            return -1;
        }
        out->num = n;
        return 0;
    }
    case PARAM_SWITCH:
        if (!strcmp(text, "on") || !strcmp(text, "1") || !strcmp(text, "yes") ||
            !strcmp(text, "true")) {
            out->num = 1;
        } else if (!strcmp(text, "off") || !strcmp(text, "0") || !strcmp(text, "no") ||
                   !strcmp(text, "false")) {
            out->num = 0;
        } else {
            snprintf(err, errlen, "%s=%s: expected on|off", def->name, text);
            return -1;
        }
        return 0;
    case PARAM_ENUM: {
        int idx = param_enum_index(def->choices, text);
        if (idx < 0) {
            snprintf(err, errlen, "%s=%s: expected one of %s", def->name, text, def->choices);
            return -1;
        }
        out->num = idx;
        return 0;
    }
    case PARAM_STRING:
        out->num = 0;
        return 0;
    }
    return -1;
}

void param_defaults(const struct param_def *table, struct param_values *out)
{
    memset(out, 0, sizeof *out);
    char err[256];
    for (const struct param_def *d = table; d && d->name; d++) {
        assert(out->count < PARAM_MAX);
        struct param_value *pv = &out->v[out->count++];
        pv->def = d;
        if (d->def) {
            int rc = param_parse_value(d, d->def, pv, err, sizeof err);
            assert(rc == 0 && "bad default in a parameter table");
            (void)rc;
            pv->has_value = true;
        }
    }
}

static struct param_value *param_find(struct param_values *pv, const char *key, size_t keylen)
{
    for (unsigned i = 0; i < pv->count; i++)
        if (strlen(pv->v[i].def->name) == keylen && !strncmp(pv->v[i].def->name, key, keylen))
            return &pv->v[i];
    return NULL;
}

/* Checks over the whole list, so `random-mix:min=1M,max=1K` or a missing replay file is refused
 * while parsing the command line, before any directory is made or child is run. */
static int param_check_relations(const struct param_values *out, const char *what, char *err,
                                 size_t errlen)
{
    const struct param_value *min = NULL, *max = NULL;
    for (unsigned i = 0; i < out->count; i++) {
        const struct param_value *v = &out->v[i];
        if (!strcmp(v->def->name, "min") && v->has_value)
            min = v;
        if (!strcmp(v->def->name, "max") && v->has_value)
            max = v;
        if ((v->def->flags & PARAM_FILE) && v->has_value && access(v->str, R_OK) != 0) {
            snprintf(err, errlen, "%s: file=%s: %s (need a readable file)", what, v->str,
                     strerror(errno));
            return -1;
        }
    }
    if (min && max && min->num > max->num) {
        snprintf(err, errlen, "%s: min=%s is larger than max=%s (need min <= max)", what, min->str,
                 max->str);
        return -1;
    }
    return 0;
}

int param_apply(const struct param_def *table, const char *what, const char *list,
                struct param_values *out, char *err, size_t errlen)
{
    param_defaults(table, out);
    const char *s = list ? list : "";
    while (*s) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        char item[PARAM_STR_MAX + 64];
        if (n >= sizeof item) {
            snprintf(err, errlen, "%s: parameter too long", what);
            return -1;
        }
        memcpy(item, s, n);
        item[n] = '\0';
        char *eq = strchr(item, '=');
        if (!eq || eq == item) {
            snprintf(err, errlen, "%s: '%s' is not key=value", what, item);
            return -1;
        }
        *eq = '\0';
        struct param_value *pv = param_find(out, item, strlen(item));
        if (!pv) {
            char names[512] = "";
            for (const struct param_def *d = table; d && d->name; d++) {
                if (names[0])
                    strncat(names, ", ", sizeof names - strlen(names) - 1);
                strncat(names, d->name, sizeof names - strlen(names) - 1);
            }
            snprintf(err, errlen, "%s: unknown parameter '%s' (valid: %s)", what, item,
                     names[0] ? names : "none");
            return -1;
        }
        if (pv->set) {
            snprintf(err, errlen, "%s: parameter '%s' given twice", what, item);
            return -1;
        }
        char sub[256];
        if (param_parse_value(pv->def, eq + 1, pv, sub, sizeof sub) != 0) {
            snprintf(err, errlen, "%s: %s", what, sub);
            return -1;
        }
        pv->set = pv->has_value = true;
        s += n;
        if (*s == ',')
            s++;
    }
    return param_check_relations(out, what, err, errlen);
}

int param_split_spec(const char *spec, char *name, size_t namelen, const char **params)
{
    const char *colon = strchr(spec, ':');
    size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
    if (n == 0 || n >= namelen || (colon && !colon[1]))
        return -1;
    memcpy(name, spec, n);
    name[n] = '\0';
    *params = colon ? colon + 1 : "";
    return 0;
}

static const struct param_value *param_get(const struct param_values *pv, const char *key)
{
    for (unsigned i = 0; i < pv->count; i++)
        if (!strcmp(pv->v[i].def->name, key))
            return &pv->v[i];
    assert(!"parameter key not declared in the table");
    return NULL;
}

int64_t param_num(const struct param_values *pv, const char *key)
{
    const struct param_value *v = param_get(pv, key);
    return v ? v->num : 0;
}

const char *param_str(const struct param_values *pv, const char *key)
{
    const struct param_value *v = param_get(pv, key);
    return v && v->has_value ? v->str : "";
}

bool param_is_set(const struct param_values *pv, const char *key)
{
    const struct param_value *v = param_get(pv, key);
    return v && v->set;
}

bool param_has_value(const struct param_values *pv, const char *key)
{
    const struct param_value *v = param_get(pv, key);
    return v && v->has_value;
}

void param_format_set(const struct param_values *pv, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < pv->count; i++) {
        if (!pv->v[i].set)
            continue;
        int n = snprintf(buf + used, len - used, "%s%s=%s", used ? "," : "", pv->v[i].def->name,
                         pv->v[i].str);
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
    }
}
