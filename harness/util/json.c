/* JSON writing helpers (see json.h). */
#include "json.h"

#include <math.h>
#include <stdio.h>

void json_str(struct strbuf *sb, const char *s)
{
    strbuf_puts(sb, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            strbuf_puts(sb, "\\\"");
            break;
        case '\\':
            strbuf_puts(sb, "\\\\");
            break;
        case '\n':
            strbuf_puts(sb, "\\n");
            break;
        case '\t':
            strbuf_puts(sb, "\\t");
            break;
        case '\r':
            strbuf_puts(sb, "\\r");
            break;
        default:
            if (*p < 0x20)
                strbuf_printf(sb, "\\u%04x", *p);
            else
                strbuf_add(sb, (const char *)p, 1);
        }
    }
    strbuf_puts(sb, "\"");
}

void json_number(struct strbuf *sb, double v)
{
    if (!isfinite(v)) {
        strbuf_puts(sb, "null");
    } else if (v == floor(v) && fabs(v) < 9e15) {
        strbuf_printf(sb, "%.0f", v);
    } else {
        strbuf_printf(sb, "%.12g", v);
    }
}

void json_number_or_null(struct strbuf *sb, double v, bool valid)
{
    if (valid)
        json_number(sb, v);
    else
        strbuf_puts(sb, "null");
}

void json_key(struct strbuf *sb, const char *key, bool first)
{
    if (!first)
        strbuf_puts(sb, ",");
    json_str(sb, key);
    strbuf_puts(sb, ":");
}
