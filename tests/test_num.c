/* The strict number parsers and checked arithmetic (harness/util/num.c): signs, spaces,
 * overflow, inf/nan/1e999, ranges. */
#define _GNU_SOURCE
#include <math.h>

#include "num.h"
#include "test_util.h"

#define CHECK TEST_UTIL_CHECK

static void unsigned_ints(void)
{
    uint64_t v = 7;
    CHECK(num_parse_u64("0", 0, 10, &v) == 0 && v == 0, "0");
    CHECK(num_parse_u64("18446744073709551615", 0, UINT64_MAX, &v) == 0 && v == UINT64_MAX, "max");
    const char *bad[] = {"", "-1", "+1", " 1", "1 ", "1x", "0x10", "1e3", "-0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        errno = 0;
        CHECK(num_parse_u64(bad[i], 0, UINT64_MAX, &v) == -1 && errno == EINVAL, "'%s'", bad[i]);
    }
    errno = 0;
    CHECK(num_parse_u64("18446744073709551616", 0, UINT64_MAX, &v) == -1 && errno == ERANGE,
          "2^64 overflows");
    CHECK(num_parse_u64("99999999999999999999999", 0, UINT64_MAX, &v) == -1, "huge");
    CHECK(num_parse_u64("4294967295", 1, 1024, &v) == -1 && errno == ERANGE, "range");
    CHECK(v == UINT64_MAX, "failures leave *out alone");
}

static void signed_ints(void)
{
    int64_t v;
    CHECK(num_parse_i64("-9223372036854775808", INT64_MIN, INT64_MAX, &v) == 0 && v == INT64_MIN,
          "min");
    CHECK(num_parse_i64("+12", -20, 20, &v) == 0 && v == 12, "+12");
    CHECK(num_parse_i64("-9223372036854775809", INT64_MIN, INT64_MAX, &v) == -1, "below min");
    CHECK(num_parse_i64("9223372036854775808", INT64_MIN, INT64_MAX, &v) == -1, "above max");
    CHECK(num_parse_i64("-", INT64_MIN, INT64_MAX, &v) == -1, "sign only");
    CHECK(num_parse_i64("-1", 0, 10, &v) == -1 && errno == ERANGE, "negative refused by range");
}

static void floats(void)
{
    double d;
    CHECK(num_parse_double("1.5", 0, 10, &d) == 0 && d == 1.5, "1.5");
    CHECK(num_parse_double("2e3", 0, 1e4, &d) == 0 && d == 2000, "2e3");
    CHECK(num_parse_double("1e-400", 0, 1, &d) == 0 && d == 0, "underflow is 0");
    const char *bad[] = {"", "inf", "-inf", "nan", "0x1p3", " 1", "1,5", "1e999", "-1e999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(num_parse_double(bad[i], -INFINITY, INFINITY, &d) == -1, "'%s'", bad[i]);
    CHECK(num_parse_double("-0.5", 0, 1, &d) == -1 && errno == ERANGE, "sign by range");
    CHECK(num_parse_double("1e308", 0, 1e300, &d) == -1, "1e308 above max");
    CHECK(!num_metric_ok(-1, false) && num_metric_ok(-1, true), "negative metric");
    CHECK(!num_metric_ok(1e308, false) && !num_metric_ok(INFINITY, true) &&
              !num_metric_ok(NAN, true) && num_metric_ok(9e18, false),
          "metric magnitude");
}

static void arithmetic(void)
{
    int64_t r = 5;
    CHECK(num_mul_i64(INT64_MAX / 2 + 1, 2, &r) == false && r == 5, "mul overflow");
    CHECK(num_add_i64(INT64_MAX, 1, &r) == false && r == 5, "add overflow");
    CHECK(num_add_i64(-3, 4, &r) && r == 1, "add");
    CHECK(num_mul_i64(-3, 4, &r) && r == -12, "mul");
}

int main(void)
{
    unsigned_ints();
    signed_ints();
    floats();
    arithmetic();
    if (test_util_failures)
        return 1;
    test_util_say("ok: number parsing\n");
    return 0;
}
