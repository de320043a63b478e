/* The report's "Timings per machine" section, from DIR/timings_by_machine.csv and
 * DIR/machines.csv (see report_machines.c). */
#ifndef FAULTLINE_REPORT_MACHINES_H
#define FAULTLINE_REPORT_MACHINES_H

#include "report_doc.h"

/* Appends the section to both pages when timings_by_machine.csv has rows from two or more
 * machines; nothing otherwise. A file that exists but cannot be read becomes a warning. */
void report_machines(struct report_doc *r);

#endif
