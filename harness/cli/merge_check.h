/* Input validation for `faultline merge` (issue 12): results directories are data from another
 * machine, so nothing in them may name a path outside the tree or count a run twice. */
#ifndef FAULTLINE_MERGE_CHECK_H
#define FAULTLINE_MERGE_CHECK_H

#include <stdbool.h>

/* A faultline cell id: 'c' and 1..9 digits (c001). It becomes part of file names
 * (hist/<cell>-<op>.csv, timeline/<cell>-r<rep>.csv), so nothing else is accepted. */
bool merge_check_cell_id(const char *id);
/* Every input before OUT is created: samples.csv readable (regular file, RFC 4180), every
 * row's cell id, rep and seed well-formed, no directory given twice (same real path) and none
 * equal to OUT. 0, or 2 with one line on stderr. */
int merge_check_inputs(const char *out, int ndirs, char *const *dirs);

#endif
