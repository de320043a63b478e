/* One GLIBC_TUNABLES setting of `faultline tune`: the four malloc knobs it varies, their
 * ranges, and the setting as a GLIBC_TUNABLES value or a short label. */
#ifndef FAULTLINE_TUNE_SETTING_H
#define FAULTLINE_TUNE_SETTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TUNE_UNSET    (-1)
#define TUNE_MMAP_MAX (32LL << 20) /* glibc's largest mmap_threshold (HEAP_MAX_SIZE / 2) */

enum tune_knob { TUNE_MMAP, TUNE_TRIM, TUNE_TOP_PAD, TUNE_ARENA, TUNE_KNOBS };

struct tune_setting_knob {
    const char *tunable; /* GLIBC_TUNABLES name */
    const char *param;   /* glibc backend parameter */
    const char *csv;
    bool size;
    int64_t min, max; /* what the refinement steps may reach */
};
extern const struct tune_setting_knob tune_setting_knobs[TUNE_KNOBS];

struct tune_setting {
    int64_t v[TUNE_KNOBS]; /* TUNE_UNSET: left to glibc */
};

void tune_setting_default(struct tune_setting *s);
bool tune_setting_is_default(const struct tune_setting *s);
bool tune_setting_equal(const struct tune_setting *a, const struct tune_setting *b);
void tune_setting_tunables(const struct tune_setting *s, char *buf, size_t len);
void tune_setting_short(const struct tune_setting *s, const char *sep, char *buf, size_t len);

#endif
