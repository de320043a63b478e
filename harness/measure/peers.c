/* Peer library lookup through ldconfig (see peers.h). */
#define _GNU_SOURCE
#include "peers.h"

#include <stdio.h>
#include <string.h>

int peers_resolve(const char *soname, char *path, size_t len)
{
    FILE *p = popen("/sbin/ldconfig -p 2>/dev/null || ldconfig -p 2>/dev/null", "r");
    if (!p)
        return -1;
    char line[1024];
    int found = -1;
    size_t sl = strlen(soname);
    while (fgets(line, sizeof line, p)) {
        /* "\tlibjemalloc.so.2 (libc6,x86-64) => /lib/x86_64-linux-gnu/libjemalloc.so.2" */
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (strncmp(s, soname, sl) != 0 || s[sl] != ' ')
            continue;
        char *arrow = strstr(s, "=> ");
        if (!arrow)
            continue;
        if (found == 0 && !strstr(s, "x86-64"))
            continue;
        snprintf(path, len, "%s", arrow + 3);
        path[strcspn(path, "\n")] = '\0';
        found = 0;
        if (strstr(s, "x86-64"))
            break;
    }
    pclose(p);
    return found;
}

const char *peers_package(const char *soname)
{
    if (!strncmp(soname, "libjemalloc", 11))
        return "libjemalloc2";
    if (!strncmp(soname, "libtcmalloc", 11))
        return "libtcmalloc-minimal4";
    if (!strncmp(soname, "libmimalloc", 11))
        return "libmimalloc2.0";
    return "?";
}
