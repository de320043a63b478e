/* Reading JSON: every JSON file faultline reads (run.json, the committed baselines) goes through
 * here, on top of libjansson (Debian libjansson-dev). Values are jansson's json_t: walk arrays
 * with json_array_size/json_array_get, objects with json_read_get. Writing stays in json.c,
 * which the measured child uses without allocating.
 *
 * Why jansson rather than cJSON (both in Debian 12): jansson reports the line, column and byte
 * offset of a syntax error (our bad-input lines name where a file is broken), rejects what
 * RFC 8259 rejects by default, and keeps integers and reals apart (counts stay exact up to
 * 2^63). */
#ifndef FAULTLINE_JSON_READ_H
#define FAULTLINE_JSON_READ_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The whole document of path, or NULL with "cannot read PATH: ..." or "PATH: line L column C
 * (byte B): what" in err. Free with json_decref. */
json_t *json_read_file(const char *path, char *err, size_t errlen);
/* The document in buf (len bytes, e.g. from infile_read); NULL with "line L column C (byte B):
 * what" in err. Free with json_decref. */
json_t *json_read_buf(const char *buf, size_t len, char *err, size_t errlen);
/* A scalar as text, the way the file spells it: strings as is, numbers, true/false/null; ""
 * for arrays and objects. */
void json_read_text(const json_t *v, char *out, size_t len);
/* obj[key] when obj is an object that has it, else NULL. */
const json_t *json_read_get(const json_t *obj, const char *key);
/* obj[key] as a string; NULL when missing or not a string. */
const char *json_read_str(const json_t *obj, const char *key);
/* obj[key] as a number into *out; false when missing, null or not a number. */
bool json_read_num(const json_t *obj, const char *key, double *out);

#endif
