/* Strict number parsing and checked arithmetic (see num.h). strtoull alone accepts " -1" (as
 * 2^64-1), leading spaces and "+"; strtod accepts "inf", "nan" and hex floats: every one of
 * those reached a count or a size before this file existed. */
#define _POSIX_C_SOURCE 200809L
#include "num.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int num_fail(int err)
{
    errno = err;
    return -1;
}

/* Digits only, at least one. */
static bool num_all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

int num_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
    if (!text || !num_all_digits(text))
        return num_fail(EINVAL);
    uint64_t v = 0;
    for (const char *s = text; *s; s++) {
        uint64_t d = (uint64_t)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return num_fail(ERANGE);
        v = v * 10 + d;
    }
    if (v < min || v > max)
        return num_fail(ERANGE);
    *out = v;
    return 0;
}

int num_parse_i64(const char *text, int64_t min, int64_t max, int64_t *out)
{
    if (!text)
        return num_fail(EINVAL);
    bool neg = text[0] == '-';
    const char *digits = (text[0] == '-' || text[0] == '+') ? text + 1 : text;
    uint64_t mag;
    if (num_parse_u64(digits, 0, neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &mag) != 0)
        return -1;
    int64_t v = neg ? (mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag) : (int64_t)mag;
    if (v < min || v > max)
        return num_fail(ERANGE);
    *out = v;
    return 0;
}

int num_parse_double(const char *text, double min, double max, double *out)
{
    if (!text || !*text)
        return num_fail(EINVAL);
    /* decimal notation only: sign, digits, '.', exponent */
    for (const char *s = text; *s; s++)
        if (!strchr("0123456789.eE+-", *s))
            return num_fail(EINVAL);
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end)
        return num_fail(EINVAL);
    if (errno == ERANGE && fabs(v) > 1.0) /* overflow; underflow to ~0 is a fine value */
        return num_fail(ERANGE);
    if (!num_in_range(v, min, max))
        return num_fail(ERANGE);
    *out = v;
    return 0;
}

bool num_in_range(double v, double min, double max)
{
    return isfinite(v) && v >= min && v <= max;
}

bool num_metric_ok(double v, bool may_be_negative)
{
    return num_in_range(v, may_be_negative ? -0x1p63 : 0.0, 0x1p63);
}

bool num_add_i64(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return false;
    *out = r;
    return true;
}

bool num_mul_i64(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r))
        return false;
    *out = r;
    return true;
}
