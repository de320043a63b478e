/* The tcmalloc peer: Debian's library preloaded into the measured child; ops are the libc symbols.
 */
#include "sysmalloc.h"

const struct backend_ops backend_tcmalloc = {
    SYSMALLOC_PEER_OPS("tcmalloc",
                       "gperftools tcmalloc-minimal from Debian (libtcmalloc-minimal4), preloaded",
                       "libtcmalloc_minimal.so.4"),
};
