/* The jemalloc peer: Debian's library preloaded into the measured child; ops are the libc symbols.
 */
#include "sysmalloc.h"

const struct backend_ops backend_jemalloc = {
    SYSMALLOC_PEER_OPS("jemalloc",
                       "jemalloc 5.3 from Debian (libjemalloc2), preloaded into the run",
                       "libjemalloc.so.2"),
};
