/* Where tracefs is mounted (see tracefs.c). */
#ifndef FAULTLINE_TRACEFS_H
#define FAULTLINE_TRACEFS_H

/* The tracefs directory (with an events/ folder), or NULL when there is none and it cannot be
 * mounted. Probed once per process; as root it mounts /sys/kernel/tracing if needed. */
const char *tracefs_dir(void);

#endif
