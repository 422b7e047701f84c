#include <gtest/gtest.h>

#include <cstring>
#include <string>

extern "C" {
#include "util/text.h"
}

namespace
{

std::string clean(const std::string &text, size_t max_bytes)
{
    std::string out(max_bytes + STS_TEXT_CLEAN_EXTRA, '#');
    size_t n = sts_text_clean(text.data(), text.size(), max_bytes, &out[0], out.size());
    EXPECT_EQ(out[n], '\0');
    return out.substr(0, n);
}

TEST(TextClean, ControlCharactersBecomeSpaces)
{
    EXPECT_EQ(clean("Access\r\nDenied\tnow\x1b[31m\x7f!", 256), "Access  Denied now [31m !");
    EXPECT_EQ(clean("", 256), "");
    EXPECT_EQ(clean("caf\xc3\xa9", 256), "caf\xc3\xa9");
}

TEST(TextClean, LongTextIsCutAtACharacterBoundary)
{
    std::string long_text(10 * 1024, 'x');
    std::string out = clean(long_text, 256);
    EXPECT_EQ(out.size(), 259u);
    EXPECT_EQ(out.substr(253), "xxx...");
    /* "é" is two bytes; a cut in its middle backs up before it. */
    EXPECT_EQ(clean("ab\xc3\xa9zz", 3), "ab...");
    EXPECT_EQ(clean("abc", 3), "abc");
}

std::string redact(const char *url)
{
    char out[256];
    return sts_url_redact(url, out, sizeof(out));
}

TEST(UrlRedact, UserInformationIsDropped)
{
    EXPECT_EQ(redact("https://user:pass@rgw.example:8443/sts?x=1"), "https://rgw.example:8443/sts?x=1");
    EXPECT_EQ(redact("http://user:p%40ss@word@127.0.0.1:7480"), "http://127.0.0.1:7480");
    EXPECT_EQ(redact("http://token@host/"), "http://host/");
    EXPECT_EQ(redact("http://host/path@not-userinfo"), "http://host/path@not-userinfo");
    EXPECT_EQ(redact("http://host?q=a@b"), "http://host?q=a@b");
    EXPECT_EQ(redact("https://rgw.example/"), "https://rgw.example/");
    EXPECT_EQ(redact("not a url@all"), "not a url@all");
    EXPECT_EQ(redact("/path://user:pass@x"), "/path://user:pass@x");
    char small[8];
    EXPECT_STREQ(sts_url_redact("https://u:p@host/", small, sizeof(small)), "https:/");
}

TEST(HexEncode, LowerCaseDigitsThenNul)
{
    const uint8_t bytes[] = {0x00, 0x0f, 0xa5, 0xff};
    char out[2 * sizeof(bytes) + 2];
    memset(out, 'x', sizeof(out));
    sts_hex_encode(bytes, sizeof(bytes), out);
    EXPECT_STREQ(out, "000fa5ff");
    EXPECT_EQ(out[sizeof(out) - 1], 'x') << "nothing written past the NUL";
    sts_hex_encode(bytes, 0, out);
    EXPECT_STREQ(out, "");
}

} // namespace
