/* A growable text buffer for building result files before they are written atomically. */
#ifndef FAULTLINE_STRBUF_H
#define FAULTLINE_STRBUF_H

#include <stddef.h>

struct strbuf {
    char *data;
    size_t len, cap;
};

void strbuf_init(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_add(struct strbuf *sb, const char *s, size_t n);
void strbuf_puts(struct strbuf *sb, const char *s);
void strbuf_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
