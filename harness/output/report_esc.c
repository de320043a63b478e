/* The one place where values from results files become page text: HTML and Markdown escaping
 * for index.html, report.md and the bench front page. Nothing else writes a value into a page. */
#include "report_esc.h"

/* < > & as entities, the part both page kinds share: returns 1 when c was one of them, so the
 * callers add only what their own markup needs on top. */
static int report_esc_entity(struct strbuf *sb, char c)
{
    switch (c) {
    case '<':
        strbuf_puts(sb, "&lt;");
        return 1;
    case '>':
        strbuf_puts(sb, "&gt;");
        return 1;
    case '&':
        strbuf_puts(sb, "&amp;");
        return 1;
    default:
        return 0;
    }
}

/* HTML text and attribute values (inside double quotes). */
void report_esc_html(struct strbuf *sb, const char *s)
{
    for (; *s; s++) {
        if (report_esc_entity(sb, *s))
            continue;
        if (*s == '"')
            strbuf_puts(sb, "&quot;");
        else
            strbuf_add(sb, s, 1);
    }
}

/* Markdown text: every character Markdown or the HTML it may contain would read as markup is
 * escaped (backslash for Markdown punctuation, entities for < > &), and a newline becomes a
 * space, so a value from the results can neither open a tag, a link, a code block or a new
 * table row. */
void report_esc_md(struct strbuf *sb, const char *s)
{
    for (; *s; s++) {
        if (report_esc_entity(sb, *s))
            continue;
        switch (*s) {
        case '\n':
        case '\r':
            strbuf_puts(sb, " ");
            break;
        case '\\':
        case '`':
        case '*':
        case '_':
        case '[':
        case ']':
        case '|':
        case '#':
            strbuf_add(sb, "\\", 1);
            strbuf_add(sb, s, 1);
            break;
        default:
            strbuf_add(sb, s, 1);
        }
    }
}
