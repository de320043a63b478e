/* The one size for path buffers in the harness. PATH_MAX (4096) for the directory part plus room
 * for the longest file name written under it ("/hist/<backend>__<workload>__NNNN.csv" and the
 * like), so joining a directory and a file name never needs a second, larger constant. */
#ifndef FAULTLINE_PATH_H
#define FAULTLINE_PATH_H

#define PATH_SIZE 4608

#endif
