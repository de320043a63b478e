/* Locating the Debian peer allocators (jemalloc, tcmalloc, mimalloc) through the dynamic
 * linker's cache (ldconfig -p), never through hard-coded paths. */
#ifndef FAULTLINE_PEERS_H
#define FAULTLINE_PEERS_H

#include <stddef.h>

/* Full path of soname from `ldconfig -p` (x86-64 entries first). 0, or -1 if not installed. */
int peers_resolve(const char *soname, char *path, size_t len);
/* The Debian package that ships soname, for "apt-get install" hints. */
const char *peers_package(const char *soname);

#endif
