/* The JSON reader (see json_read.h): thin, typed accessors over libjansson. */
#include "json_read.h"

#include <stdio.h>

json_t *json_read_file(const char *path, char *err, size_t errlen)
{
    json_error_t e;
    json_t *doc = json_load_file(path, 0, &e);
    if (doc)
        return doc;
    if (json_error_code(&e) == json_error_cannot_open_file)
        snprintf(err, errlen, "cannot read %s: %s", path, e.text);
    else
        snprintf(err, errlen, "%s: line %d column %d (byte %d): %s", path, e.line, e.column,
                 e.position, e.text);
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
