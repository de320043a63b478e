/* Fault injection for the regression gate's own tests: FAULTLINE_INJECT, read once in the
 * measured child, wraps the backend ops table so a known, countable regression appears. */
#ifndef FAULTLINE_INJECT_H
#define FAULTLINE_INJECT_H

#include <stdbool.h>

#include "backend.h"

/* Every INJECT_TOUCH_EVERY-th allocation writes one byte of a fresh page (one extra minor fault).
 */
#define INJECT_TOUCH_EVERY 64
/* Every INJECT_MMAP_EVERY-th allocator op does one extra os_mmap + os_munmap pair. */
#define INJECT_MMAP_EVERY 1000

enum inject_kind { INJECT_NONE, INJECT_TOUCH64, INJECT_MMAP1000 };

/* Reads FAULTLINE_INJECT (once; later calls are no-ops) and prepares what the injection needs
 * (the touch pool is mapped here, outside the measured phase). An unknown value prints one line
 * naming the valid ones and injects nothing. */
void inject_init(void);
/* The injection in force (inject_init first). */
enum inject_kind inject_kind(void);
/* ops itself when nothing is injected, else a wrapped copy whose allocation calls add the
 * injected work before delegating to ops. Calls inject_init. */
const struct backend_ops *inject_wrap(const struct backend_ops *ops);

#endif
