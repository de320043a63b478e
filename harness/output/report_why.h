/* The report's "Why each OS call" section, from DIR/ledger.csv (see report_why.c). */
#ifndef FAULTLINE_REPORT_WHY_H
#define FAULTLINE_REPORT_WHY_H

#include "strbuf.h"

/* Appends the section to both pages; nothing when DIR has no readable ledger.csv. */
void report_why(const char *dir, struct strbuf *html, struct strbuf *md);

#endif
