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
