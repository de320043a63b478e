/* The value grammar of -b/--backend and -w/--workload, the same in every command:
 *
 *   VALUE := SPEC ("," SPEC)*        SPEC := NAME [":" PARAM ("," PARAM)*]
 *
 * Commas separate both specs and a spec's parameters; a comma item starts a new SPEC exactly
 * when its NAME part (up to ':') contains no '=' and is a registered backend (for -b) or
 * workload (for -w). So `glibc,hybrid:threshold=64K,trim=off,mmap` is three backends, and in a
 * sweep `trim=128K,1M,off` stays one list. The options are repeatable; specs accumulate. */
#ifndef FAULTLINE_SPEC_H
#define FAULTLINE_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#define SPEC_MAX 64 /* specs per kind and command */

/* The grammar in words, for the --help of every command that takes -b/-w. */
#define SPEC_GRAMMAR_HELP                                                                          \
    "SPEC is NAME[:key=value,...]; see `faultline list backends|workloads`. -b and -w repeat,\n"   \
    "and one value may hold several specs: a comma item that is a registered name starts a\n"      \
    "new spec, any other continues the parameters (-b glibc,hybrid:threshold=64K,trim=off).\n"     \
    "Parameters are checked (types, ranges, min <= max, files) before anything is written.\n"

enum spec_kind { SPEC_BACKEND, SPEC_WORKLOAD };

struct spec_list {
    unsigned n;
    char *v[SPEC_MAX]; /* malloc'd specs */
};

/* Split value and append its specs, each validated (types, ranges, relations, files; in a
 * sweep every expansion). 0, or -1 with a one-line reason in err naming the option. */
int spec_add(struct spec_list *l, enum spec_kind kind, const char *value, bool sweep, char *err,
             size_t errlen);
void spec_free(struct spec_list *l);

#endif
