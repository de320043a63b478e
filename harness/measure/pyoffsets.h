/* Where CPython keeps what pystack.c reads from another process: the byte offsets of the
 * interpreter's runtime, thread, frame, code and string structures, taken with offsetof from
 * the Python headers this build found (pyoffsets.c), so they are the compiler's, not copied
 * numbers. Valid only for the Python minor version the build saw (version_hex). */
#ifndef FAULTLINE_PYOFFSETS_H
#define FAULTLINE_PYOFFSETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pyoffsets {
    bool valid;                 /* false: built without Python headers, or a layout not handled */
    const char *why;            /* when !valid: one line */
    uint32_t version_hex;       /* PY_VERSION_HEX of the headers */
    size_t runtime_interp_head; /* _PyRuntimeState.interpreters.head */
    size_t interp_threads_head; /* PyInterpreterState.threads.head */
    size_t tstate_next, tstate_native_tid; /* PyThreadState.next, .native_thread_id */
    size_t tstate_cframe;                  /* PyThreadState.cframe */
    size_t cframe_current;                 /* _PyCFrame.current_frame */
    size_t frame_code, frame_previous;     /* _PyInterpreterFrame.f_code, .previous */
    size_t code_qualname, code_filename;   /* PyCodeObject.co_qualname, .co_filename */
    size_t code_firstlineno;               /* PyCodeObject.co_firstlineno (an int) */
    size_t str_length, str_state;          /* PyASCIIObject.length, .state */
    size_t ascii_size;                     /* sizeof(PyASCIIObject): an ASCII string's text */
    uint32_t state_compact, state_ascii;   /* the state bits, as a 32-bit word's masks */
};

/* The offsets (filled on the first call; the masks need a little arithmetic). */
const struct pyoffsets *pyoffsets_get(void);

#endif
