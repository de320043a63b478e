/* Numbers where they enter: one strict parser per type, used for command-line values and for
 * numbers read back from files. Integers are plain decimal (no sign unless the type is signed,
 * no spaces, no suffix) and overflow is an error, never a wrap; floats must be finite and in
 * range. Checked integer arithmetic for ranges derived from such numbers. */
#ifndef FAULTLINE_NUM_H
#define FAULTLINE_NUM_H

#include <stdbool.h>
#include <stdint.h>

/* Unsigned decimal in [min, max]. 0, or -1 with errno EINVAL (not a number) or ERANGE. */
int num_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out);
/* Signed decimal ("-12", "+3") in [min, max]. 0, or -1 with errno EINVAL or ERANGE. */
int num_parse_i64(const char *text, int64_t min, int64_t max, int64_t *out);
/* A finite float ("1.5", "2e3") in [min, max]; "inf", "nan", "1e999" and hex floats are
 * refused. 0, or -1 with errno EINVAL or ERANGE. */
int num_parse_double(const char *text, double min, double max, double *out);
/* True when v is finite and in [min, max]. */
bool num_in_range(double v, double min, double max);
/* A metric value read from a file: finite, and >= 0 unless the metric can shrink
 * (may_be_negative), with magnitude below 2^63 (every count, byte and ns metric fits an int64). */
bool num_metric_ok(double v, bool may_be_negative);
/* *out = a + b / a * b; false (and *out untouched) on signed overflow. */
bool num_add_i64(int64_t a, int64_t b, int64_t *out);
bool num_mul_i64(int64_t a, int64_t b, int64_t *out);

#endif
