/* Sweep expansion: a spec whose values are lists (`trim=128K,1M,off`), geometric ranges
 * (`threshold=4K..32M:x2`) or linear ranges (`n=0..10:+2`) becomes the cartesian product of
 * concrete specs, in a stable order (first key slowest, like hyperfine's -L). */
#ifndef FAULTLINE_SWEEP_H
#define FAULTLINE_SWEEP_H

#include <stddef.h>

#define SWEEP_MAX_SPECS 4096
#define SWEEP_MAX_KEYS  8

struct sweep_expansion {
    unsigned count;
    char **specs; /* malloc'd concrete specs */
    unsigned nkeys;
    char swept[SWEEP_MAX_KEYS][32]; /* keys with more than one value */
};

/* Expand one spec. Returns 0, or -1 with a one-line error. */
int sweep_expand(const char *spec, struct sweep_expansion *out, char *err, size_t errlen);
void sweep_free(struct sweep_expansion *e);

#endif
