/* `faultline whatif`: predicts, by replaying a trace through the hybrid twin, what glibc 2.36
 * would do under many settings, then measures the best few on glibc. The settings and what is
 * shared between the command (cli_whatif.c) and its verification (cli_whatif_verify.c). */
#ifndef FAULTLINE_CLI_WHATIF_H
#define FAULTLINE_CLI_WHATIF_H

#include <stdbool.h>
#include <stdint.h>

#include "os.h"
#include "whatif.h"

struct cli_whatif_setting {
    char text[256];         /* as the user writes it: "threshold=16K,trim=off", or "default" */
    char glibc[256];        /* the glibc backend's parameters for it ("" = none) */
    const char *unsettable; /* NULL, or why glibc's mallopt cannot take it */
    struct whatif_knobs knobs;
    struct whatif_result res;
    /* --verify */
    bool verified;
    bool measured; /* measured[] holds the tracepoint counts */
    uint64_t measured_calls[OS_CALL_COUNT];
    char note[160]; /* why there is no measurement, when there is none */
};

int cli_whatif_main(int argc, char **argv);

/* Runs the settings order[0..n) for real on glibc (faultline run -b glibc:... -w replay:...,
 * spawned from this binary) and fills their measured fields. trace: the path as given. */
void cli_whatif_verify_run(struct cli_whatif_setting *s, const unsigned *order, unsigned n,
                           const char *trace);
/* The predicted-vs-measured table on stdout; returns how many verified settings differ. */
unsigned cli_whatif_verify_print(const struct cli_whatif_setting *s, const unsigned *order,
                                 unsigned n);

#endif
