/* Scratch directories of the faultline process: /tmp/faultline-KIND-HOST-PID-XXXXXX (HOST: 8 hex
 * digits from the host name), and the removal of those left behind by a faultline that was
 * killed. */
#ifndef FAULTLINE_SCRATCH_H
#define FAULTLINE_SCRATCH_H

#include <stddef.h>

/* Creates a fresh directory (mode 0700) named after KIND and this process into buf; 0, or -1 with
 * errno set and buf empty. The first call of a process first removes the scratch directories
 * of faultline processes that no longer exist (scratch_sweep). */
int scratch_make(char *buf, size_t len, const char *kind);
/* Removes the directories /tmp/faultline-*-HOST-PID-XXXXXX of this host, owned by this user,
 * whose PID is not a live process. Other names (older faultlines, other hosts) are left alone. */
void scratch_sweep(void);
/* Removes dir and everything below it, following no symbolic links. */
void scratch_remove(const char *dir);
/* Removes everything below dir and keeps dir (a worker's directory, reused run after run). */
void scratch_clear(const char *dir);

#endif
