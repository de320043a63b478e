/* JSON output helpers over a strbuf: escaping, numbers that may be null. Reading JSON is
 * json_read.h (libjansson). */
#ifndef FAULTLINE_JSON_H
#define FAULTLINE_JSON_H

#include <stdbool.h>

#include "strbuf.h"

/* (json_str, not json_string: libjansson, the reader, exports json_string) */
void json_str(struct strbuf *sb, const char *s);
/* Numbers print as integers when they are integral, else with 6 significant digits. */
void json_number(struct strbuf *sb, double v);
void json_number_or_null(struct strbuf *sb, double v, bool valid);
/* "key": prefix (with a leading comma unless first). */
void json_key(struct strbuf *sb, const char *key, bool first);

#endif
