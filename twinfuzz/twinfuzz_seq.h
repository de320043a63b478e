/* Op sequences for the differential fuzzer: seeded generation over tiny, small, large and huge
 * sizes with long- and short-lived blocks, the five settings (as leading mallopt ops), and the
 * text form the driver reads (one op a line; see twinfuzz/README.md). */
#ifndef TWINFUZZ_SEQ_H
#define TWINFUZZ_SEQ_H

#include <stddef.h>
#include <stdint.h>

#define TWINFUZZ_SEQ_MAX_LINE 64

struct twinfuzz_seq {
    char (*line)[TWINFUZZ_SEQ_MAX_LINE];
    size_t n, cap;
    size_t fixed; /* leading lines (the setting) that minimisation keeps */
};

struct twinfuzz_setting {
    const char *name;
    const char *mallopts; /* "P V;P V" */
    const char *what;
};

extern const struct twinfuzz_setting twinfuzz_seq_settings[];
extern const size_t twinfuzz_seq_nsettings;
const struct twinfuzz_setting *twinfuzz_seq_setting(const char *name);

/* The setting's mallopt lines, then nops random ops from seed. */
int twinfuzz_seq_generate(struct twinfuzz_seq *s, const struct twinfuzz_setting *set, uint64_t seed,
                          size_t nops);
int twinfuzz_seq_add(struct twinfuzz_seq *s, const char *line);
/* Reads a .ops file; lines starting with '#' are skipped, "# fixed N" sets fixed. */
int twinfuzz_seq_load(struct twinfuzz_seq *s, const char *path);
/* Writes it (with an optional comment header); keep[i] == 0 leaves line i out (keep NULL: all). */
int twinfuzz_seq_write(const struct twinfuzz_seq *s, const unsigned char *keep, const char *path,
                       const char *header);
void twinfuzz_seq_free(struct twinfuzz_seq *s);

#endif
