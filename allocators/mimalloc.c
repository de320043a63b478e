/* The mimalloc peer: Debian's library preloaded into the measured child; ops are the libc symbols.
 */
#include "sysmalloc.h"

const struct backend_ops backend_mimalloc = {
    SYSMALLOC_PEER_OPS("mimalloc",
                       "mimalloc 2.0 from Debian (libmimalloc2.0), preloaded into the run",
                       "libmimalloc.so.2"),
};
