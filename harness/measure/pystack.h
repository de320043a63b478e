/* The Python call stack of a thread of another, stopped process, read from its memory: finds
 * CPython's _PyRuntime in the process's python executable or libpython (libelf, the .dynsym
 * table), walks the interpreter's thread list to the thread, then its frames, naming each by the
 * code object's qualified name, file and first line. Offsets come from pyoffsets.c. Reads only
 * (process_vm_readv); a moving or torn structure gives fewer frames, never a crash. */
#ifndef FAULTLINE_PYSTACK_H
#define FAULTLINE_PYSTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PYSTACK_MAX_FRAMES 64

/* What is known of one process image. */
struct pystack_proc {
    pid_t pid;
    uintptr_t runtime; /* &_PyRuntime in that process; 0: not found (yet) */
    bool settled;      /* the lookup will not be tried again for this image */
    unsigned tries;
};

/* Looks for _PyRuntime in pid's mappings (a file named python* or libpython*) once per call
 * until found; gives up (settled) when the version differs from the build's headers. */
void pystack_find(struct pystack_proc *p);
/* The frames of thread tid, outermost first, folded ("a@f.py:1;b@f.py:9"), into out. Returns
 * the number of frames (0: not Python, not initialised yet, or no frame on this thread). */
unsigned pystack_read(const struct pystack_proc *p, pid_t tid, char *out, size_t len);
/* Why Python frames cannot be read at all in this build ("" when they can). */
const char *pystack_unavailable(void);

#endif
