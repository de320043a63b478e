/* The search of `faultline tune`: a coarse grid, then the neighbours of the best settings, each
 * batch evaluated on the program or the workload within the budget. */
#ifndef FAULTLINE_TUNE_SEARCH_H
#define FAULTLINE_TUNE_SEARCH_H

#include "tune.h"

void tune_search(struct tune_state *st);

#endif
