#include <gtest/gtest.h>

#include <ctime>
#include <string>

extern "C" {
#include "util/timefmt.h"
}

namespace
{

std::string iso(sts_time_us_t t)
{
    char out[STS_TIME_ISO_MAX];
    int n = sts_time_format_iso_micro(t, out, sizeof(out));
    return n < 0 ? "<error>" : std::string(out, static_cast<size_t>(n));
}

std::string rfc3339(sts_time_us_t t, int digits)
{
    char out[STS_TIME_ISO_MAX];
    int n = sts_time_format_rfc3339(t, digits, out, sizeof(out));
    return n < 0 ? "<error>" : std::string(out, static_cast<size_t>(n));
}

sts_time_us_t parse(const std::string &text)
{
    sts_time_us_t t = 0;
    return sts_time_parse_rfc3339(text.data(), text.size(), &t) == 0 ? t : -1;
}

TEST(TimeFormat, CrayContractFormat)
{
    EXPECT_EQ(iso(1571066143480741LL), "2019-10-14T15:15:43.480741+00:00");
    EXPECT_EQ(iso(0), "1970-01-01T00:00:00.000000+00:00");
    EXPECT_EQ(iso(951782400000001LL), "2000-02-29T00:00:00.000001+00:00");
    char small[10];
    EXPECT_EQ(sts_time_format_iso_micro(0, small, sizeof(small)), -1);
}

/* The calendar arithmetic against the C library's gmtime_r, from year 0 to 9999 (every 9th day, every second of the
 * day visited in turn), and the limits around that range. */
TEST(TimeFormat, AgreesWithGmtimeOverTheWholeRange)
{
    const int64_t first = -62167219200LL, last = 253402300799LL; /* 0000-01-01T00:00:00, 9999-12-31T23:59:59 */
    int64_t checked = 0;
    for (int64_t secs = first, step = 0; secs <= last; secs += 9 * 86400 + 7, step++) {
        time_t tt = static_cast<time_t>(secs);
        struct tm tm;
        ASSERT_NE(gmtime_r(&tt, &tm), nullptr);
        char expected[64];
        strftime(expected, sizeof(expected), "%Y-%m-%dT%H:%M:%S", &tm);
        std::string text = std::string(expected) + ".000042+00:00";
        if (tm.tm_year + 1900 < 1000) /* strftime does not pad %Y */
            text = std::string(4 - std::to_string(tm.tm_year + 1900).size(), '0') + text;
        ASSERT_EQ(iso(secs * 1000000 + 42), text) << secs;
        std::string date_time = text.substr(0, 19);
        ASSERT_EQ(rfc3339(secs * 1000000 + 123042, 0), date_time + "Z") << secs;
        ASSERT_EQ(rfc3339(secs * 1000000 + 123042, 3), date_time + ".123Z") << secs;
        ASSERT_EQ(rfc3339(secs * 1000000 + 123042, 6), date_time + ".123042Z") << secs;
        ASSERT_EQ(rfc3339(secs * 1000000 + 123042, 9), date_time + ".123042000Z") << secs;
        checked++;
    }
    EXPECT_GT(checked, 400000);
    EXPECT_EQ(iso(last * 1000000 + 999999), "9999-12-31T23:59:59.999999+00:00");
    EXPECT_EQ(iso((last + 1) * 1000000), "<error>");
    EXPECT_EQ(iso(first * 1000000), "0000-01-01T00:00:00.000000+00:00");
    EXPECT_EQ(iso(first * 1000000 - 1), "<error>");
    EXPECT_EQ(iso(-1), "1969-12-31T23:59:59.999999+00:00");
}

TEST(TimeFormat, Rfc3339Digits)
{
    EXPECT_EQ(rfc3339(1571066143480741LL, 0), "2019-10-14T15:15:43Z");
    EXPECT_EQ(rfc3339(1571066143480741LL, 3), "2019-10-14T15:15:43.480Z");
    EXPECT_EQ(rfc3339(1571066143480741LL, 6), "2019-10-14T15:15:43.480741Z");
    EXPECT_EQ(rfc3339(1571066143480741LL, 9), "2019-10-14T15:15:43.480741000Z");
    EXPECT_EQ(rfc3339(0, 5), "<error>");
    EXPECT_EQ(rfc3339(0, 1), "<error>");
    EXPECT_EQ(rfc3339(0, -3), "<error>");
    EXPECT_EQ(rfc3339(253402300800LL * 1000000, 0), "<error>") << "past year 9999";
}

TEST(TimeFormat, ParsesUtcOffsetsAndFractions)
{
    EXPECT_EQ(parse("2019-10-14T15:15:43.480741+00:00"), 1571066143480741LL);
    EXPECT_EQ(parse("2019-10-14T15:15:43.480741Z"), 1571066143480741LL);
    EXPECT_EQ(parse("2019-10-14T15:15:43Z"), 1571066143000000LL);
    EXPECT_EQ(parse("2019-10-14T17:15:43.5+02:00"), 1571066143500000LL);
    EXPECT_EQ(parse("2019-10-14T10:15:43-05:00"), 1571066143000000LL);
    EXPECT_EQ(parse("2019-10-14T15:15:43.480741999Z"), 1571066143480741LL);
    for (sts_time_us_t t : {0LL, 1571066143480741LL, 4102444800123456LL})
        EXPECT_EQ(parse(iso(t)), t);
}

TEST(TimeFormat, RejectsMalformedTimestamps)
{
    for (const char *bad : {"", "yesterday", "2019-10-14", "2019-10-14T15:15:43", "2019-13-14T15:15:43Z",
                            "2019-10-14T25:15:43Z", "2019-10-14T15:15:43.Z", "2019-10-14T15:15:43+0000",
                            "2019-10-14T15:15:43Zjunk", "2019-10-14T15:15:43.1234567890Z"})
        EXPECT_EQ(parse(bad), -1) << bad;
}

TEST(TimeFormat, ClocksMove)
{
    int64_t a = sts_time_monotonic_ns();
    int64_t b = sts_time_monotonic_ns();
    EXPECT_GE(b, a);
    EXPECT_GT(sts_time_now(), 1700000000000000LL);
}

} // namespace
