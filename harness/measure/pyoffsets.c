/* The CPython structure offsets of pyoffsets.h, from the Python headers found at build time
 * (FAULTLINE_HAVE_PYTHON; CMake adds their include directory to this file only, so nothing
 * else in the harness sees Python.h). Python 3.11 and 3.12 share the walk pystack.c does
 * (thread state -> cframe -> interpreter frames -> code objects); 3.13 moved the current frame
 * and renamed f_code, so other versions build with valid = false and say so. */
#define _GNU_SOURCE /* the internal headers use POSIX's SSIZE_MAX (strict -std=c11 hides it) */
#include "pyoffsets.h"

#if defined(FAULTLINE_HAVE_PYTHON)
#define Py_BUILD_CORE 1
#include <limits.h>
#include <Python.h>
/* internal/ holds the interpreter's private structures; the build defines Py_BUILD_CORE only
 * here, to take their offsets */
#include <internal/pycore_frame.h>
#include <internal/pycore_interp.h>
#include <internal/pycore_runtime.h>
#endif

#if defined(FAULTLINE_HAVE_PYTHON) && PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030D0000

#include <string.h>

/* The state bitfield's bits as a mask of the 32-bit word at offsetof(state): bitfields have
 * no offsetof, so set one field in a zeroed object and read the word back. */
static uint32_t pyoffsets_state_mask(int which)
{
    PyASCIIObject o;
    memset(&o, 0, sizeof o);
    if (which == 0)
        o.state.compact = 1;
    else
        o.state.ascii = 1;
    uint32_t w;
    memcpy(&w, (const unsigned char *)&o + offsetof(PyASCIIObject, state), sizeof w);
    return w;
}

const struct pyoffsets *pyoffsets_get(void)
{
    static struct pyoffsets o = {
        .valid = true,
        .version_hex = PY_VERSION_HEX,
        .runtime_interp_head = offsetof(_PyRuntimeState, interpreters.head),
        .interp_threads_head = offsetof(PyInterpreterState, threads.head),
        .tstate_next = offsetof(PyThreadState, next),
        .tstate_native_tid = offsetof(PyThreadState, native_thread_id),
        .tstate_cframe = offsetof(PyThreadState, cframe),
        .cframe_current = offsetof(_PyCFrame, current_frame),
        .frame_code = offsetof(_PyInterpreterFrame, f_code),
        .frame_previous = offsetof(_PyInterpreterFrame, previous),
        .code_qualname = offsetof(PyCodeObject, co_qualname),
        .code_filename = offsetof(PyCodeObject, co_filename),
        .code_firstlineno = offsetof(PyCodeObject, co_firstlineno),
        .str_length = offsetof(PyASCIIObject, length),
        .str_state = offsetof(PyASCIIObject, state),
        .ascii_size = sizeof(PyASCIIObject),
    };
    if (!o.state_compact) {
        o.state_compact = pyoffsets_state_mask(0);
        o.state_ascii = pyoffsets_state_mask(1);
    }
    return &o;
}
#else
const struct pyoffsets *pyoffsets_get(void)
{
    static const struct pyoffsets o = {
        .valid = false,
#if defined(FAULTLINE_HAVE_PYTHON)
        .why =
            "this build's Python headers are neither 3.11 nor 3.12, whose frames faultline reads",
#else
        .why = "built without Python headers (apt-get install python3-dev, then rebuild)",
#endif
    };
    return &o;
}
#endif
