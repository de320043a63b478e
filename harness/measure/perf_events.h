/* Event-name resolution for --events: the built-in generic table, tracefs tracepoints and,
 * when built with libpfm4, native PMU names. Internal to the harness (perf.c, the CLI). */
#ifndef FAULTLINE_PERF_EVENTS_H
#define FAULTLINE_PERF_EVENTS_H

#include <linux/perf_event.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define PERF_MAX_HW   8  /* named events per session */
#define PERF_NAME_MAX 64 /* an event name as the user gave it */

/* Split a comma list into names (blanks trimmed, empty items skipped). 0, or -1 with a message
 * (a name too long, more than max names). */
int perf_events_split(const char *events, char names[][PERF_NAME_MAX], unsigned max, unsigned *n,
                      char *err, size_t errlen);
/* Resolve one name into attr (type, config, config1/2, exclude_*) and a provenance string. The
 * built-in table is tried first, then "subsystem:tracepoint" in tracefs, then libpfm4. Names
 * count user mode only unless given a ":k" or ":uk" modifier (tracepoints always count kernel
 * side, where they fire). 0, or -1 with "unknown event ...: valid names are ..." in err. */
int perf_events_resolve(const char *name, struct perf_event_attr *attr, char *resolved, size_t rlen,
                        char *err, size_t errlen);
/* True for events that occupy a PMU counter (hardware, cache, raw, dynamic PMU types). */
bool perf_events_is_hw(const struct perf_event_attr *attr);
/* Print the built-in table and the libpfm PMUs found ("faultline list events"). */
void perf_events_print(FILE *out);

/* Validate an --events list without opening anything (for CLI errors: exit 2). */
int perf_events_validate(const char *events, char *err, size_t errlen);

#endif
