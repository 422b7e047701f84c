#include <gtest/gtest.h>

#include <string>

extern "C" {
#include "rest/request.h"
}

namespace
{

long decode(const std::string &in, std::string &out, int plus_is_space)
{
    out.assign(in.size(), '\0');
    long n = sts_rest_percent_decode(in.data(), in.size(), out.data(), plus_is_space);
    if (n >= 0)
        out.resize(static_cast<size_t>(n));
    return n;
}

TEST(PercentDecode, PlainTextIsUnchanged)
{
    std::string out;
    EXPECT_EQ(decode("DurationSeconds", out, 1), 15);
    EXPECT_EQ(out, "DurationSeconds");
    EXPECT_EQ(decode("", out, 1), 0);
}

TEST(PercentDecode, EscapesAndPlus)
{
    std::string out;
    ASSERT_GE(decode("a%20b%2Fc%7e+d", out, 1), 0);
    EXPECT_EQ(out, "a b/c~ d");
    ASSERT_GE(decode("a+b", out, 0), 0);
    EXPECT_EQ(out, "a+b");
    ASSERT_GE(decode("%00x", out, 0), 0);
    EXPECT_EQ(out, std::string("\0x", 2));
}

TEST(PercentDecode, RejectsBadEscapes)
{
    std::string out;
    EXPECT_EQ(decode("%", out, 1), -1);
    EXPECT_EQ(decode("%2", out, 1), -1);
    EXPECT_EQ(decode("abc%", out, 1), -1);
    EXPECT_EQ(decode("%zz", out, 1), -1);
    EXPECT_EQ(decode("%g0", out, 1), -1);
}

} // namespace
