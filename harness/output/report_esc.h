/* Escaping of values for HTML and Markdown pages (the only way values reach them). */
#ifndef FAULTLINE_REPORT_ESC_H
#define FAULTLINE_REPORT_ESC_H

#include "strbuf.h"

/* s as HTML text or a double-quoted attribute value: < > & " as entities. */
void report_esc_html(struct strbuf *sb, const char *s);
/* s as Markdown text or a table cell: markup characters backslash-escaped, < > & as entities,
 * line breaks as spaces. */
void report_esc_md(struct strbuf *sb, const char *s);

#endif
