/* The JSON reader (see json_read.h): thin, typed accessors over libjansson. */
#include "json_read.h"

#include <stdio.h>
#include <stdlib.h>

#include "infile.h"

json_t *json_read_file(const char *path, char *err, size_t errlen)
{
    /* infile first: a FIFO must not hang us, /dev/zero must not be read forever */
    char why[512];
    size_t len;
    char *text = infile_read(path, INFILE_MAX_BYTES, &len, why, sizeof why);
    if (!text) {
        snprintf(err, errlen, "cannot read %s", why);
        return NULL;
    }
    json_error_t e;
    json_t *doc = json_loadb(text, len, 0, &e);
    free(text);
    if (doc)
        return doc;
    snprintf(err, errlen, "%s: line %d column %d (byte %d): %s", path, e.line, e.column, e.position,
             e.text);
    return NULL;
}

json_t *json_read_buf(const char *buf, size_t len, char *err, size_t errlen)
{
    json_error_t e;
    json_t *doc = json_loadb(buf, len, 0, &e);
    if (!doc)
        snprintf(err, errlen, "line %d column %d (byte %d): %s", e.line, e.column, e.position,
                 e.text);
    return doc;
}

void json_read_text(const json_t *v, char *out, size_t len)
{
    out[0] = '\0';
    if (json_is_string(v)) {
        snprintf(out, len, "%s", json_string_value(v));
    } else if (json_is_integer(v)) {
        snprintf(out, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    } else if (json_is_real(v)) {
        snprintf(out, len, "%.15g", json_real_value(v));
    } else if (json_is_boolean(v) || json_is_null(v)) {
        snprintf(out, len, "%s", json_is_null(v) ? "null" : json_is_true(v) ? "true" : "false");
    }
}

const json_t *json_read_get(const json_t *obj, const char *key)
{
    return json_is_object(obj) ? json_object_get(obj, key) : NULL;
}

const char *json_read_str(const json_t *obj, const char *key)
{
    return json_string_value(json_read_get(obj, key)); /* NULL unless a string */
}

bool json_read_num(const json_t *obj, const char *key, double *out)
{
    const json_t *v = json_read_get(obj, key);
    if (!json_is_number(v))
        return false;
    *out = json_number_value(v);
    return true;
}
