#include <gtest/gtest.h>

#include <cstring>
#include <string>

extern "C" {
#include "util/ldap_filter.h"
}

namespace
{

std::string escape(const std::string &value)
{
    std::string out(STS_LDAP_FILTER_ESCAPE_MAX(value.size()), '#');
    size_t n = sts_ldap_filter_escape(value.data(), value.size(), &out[0], out.size());
    EXPECT_LT(n, out.size());
    EXPECT_EQ(out[n], '\0');
    return out.substr(0, n);
}

/* RFC 4515's valueencoding read back: "\XX" is the byte 0xXX, anything else is itself. */
std::string unescape(const std::string &text)
{
    std::string out;
    for (size_t i = 0; i < text.size(); i++) {
        if (text[i] == '\\' && i + 2 < text.size()) {
            out += (char)std::stoi(text.substr(i + 1, 2), nullptr, 16);
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

TEST(LdapFilterEscape, Rfc4515Examples)
{
    /* RFC 4515 section 4, the values of its escaped examples. */
    EXPECT_EQ(escape("Parens R Us (for all your parenthetical needs)"),
              "Parens R Us \\28for all your parenthetical needs\\29");
    EXPECT_EQ(escape("*"), "\\2a");
    EXPECT_EQ(escape("C:\\MyFile"), "C:\\5cMyFile");
    EXPECT_EQ(escape(std::string("\x00\x00\x00\x04", 4)), "\\00\\00\\00\\04");
    EXPECT_EQ(escape("Lu\xc4\x8di\xc4\x87"), "Lu\\c4\\8di\\c4\\87");
    EXPECT_EQ(escape("\x04\x02Hi"), "\\04\\02Hi");
}

TEST(LdapFilterEscape, InjectionStaysOneValue)
{
    std::string escaped = escape("*)(uid=*");
    EXPECT_EQ(escaped, "\\2a\\29\\28uid=\\2a");
    std::string filter = "(&(objectClass=inetOrgPerson)(uid=" + escaped + "))";
    EXPECT_EQ(filter, "(&(objectClass=inetOrgPerson)(uid=\\2a\\29\\28uid=\\2a))");
    EXPECT_EQ(escape("admin)(|(objectClass=*"), "admin\\29\\28|\\28objectClass=\\2a");
    EXPECT_EQ(escape("\\2a"), "\\5c2a"); /* an escape sequence typed by the caller is taken literally */
}

TEST(LdapFilterEscape, OtherFilterCharactersAndPlainTextAreCopied)
{
    EXPECT_EQ(escape("alice"), "alice");
    EXPECT_EQ(escape("a=b&c|d!e~f>g<h i:j,k+l\"m;n/o'p-q_r.s@t"), "a=b&c|d!e~f>g<h i:j,k+l\"m;n/o'p-q_r.s@t");
    EXPECT_EQ(escape(""), "");
}

TEST(LdapFilterEscape, NulInsideTheValue)
{
    EXPECT_EQ(escape(std::string("alice\0*", 7)), "alice\\00\\2a");
    EXPECT_EQ(escape(std::string("\0", 1)), "\\00");
}

TEST(LdapFilterEscape, Utf8ControlAndDelBytesAreEscaped)
{
    EXPECT_EQ(escape("Jos\xc3\xa9"), "Jos\\c3\\a9");
    EXPECT_EQ(escape("\xe2\x82\xac"), "\\e2\\82\\ac");
    EXPECT_EQ(escape("\xff\x80"), "\\ff\\80");
    EXPECT_EQ(escape("a\tb\r\nc\x1f\x7f"), "a\\09b\\0d\\0ac\\1f\\7f");
}

TEST(LdapFilterEscape, EveryByteIsCopiedOrEscapedAndReadsBack)
{
    std::string all;
    for (int c = 0; c < 256; c++)
        all += (char)c;
    std::string escaped = escape(all);
    EXPECT_EQ(unescape(escaped), all);
    for (size_t i = 0; i < escaped.size(); i++) {
        unsigned char c = (unsigned char)escaped[i];
        ASSERT_TRUE(c >= 0x20 && c < 0x7f) << "byte " << (int)c << " at " << i;
        ASSERT_TRUE(c != '*' && c != '(' && c != ')') << escaped;
        if (c == '\\') {
            ASSERT_LT(i + 2, escaped.size());
            ASSERT_NE(std::string("0123456789abcdef").find(escaped[i + 1]), std::string::npos);
            ASSERT_NE(std::string("0123456789abcdef").find(escaped[i + 2]), std::string::npos);
            i += 2;
        }
    }
    /* 0x20-0x7e less '*', '(', ')', '\' are copied: 91 bytes; the other 165 take 3 bytes each. */
    EXPECT_EQ(escaped.size(), 91u + 3u * 165u);
}

TEST(LdapFilterEscape, ExactSizeBufferIsEnough)
{
    char out[8];
    memset(out, '#', sizeof(out));
    /* "a*" escapes to "a\2a": 4 bytes and the NUL. */
    EXPECT_EQ(sts_ldap_filter_escape("a*", 2, out, 5), 4u);
    EXPECT_STREQ(out, "a\\2a");
    EXPECT_EQ(out[5], '#');
    std::string worst(10, '(');
    std::string big(STS_LDAP_FILTER_ESCAPE_MAX(worst.size()), '#');
    EXPECT_EQ(sts_ldap_filter_escape(worst.data(), worst.size(), &big[0], big.size()), big.size() - 1);
    EXPECT_EQ(big.back(), '\0');
}

TEST(LdapFilterEscape, TooSmallBufferGetsNothingPartial)
{
    char out[8];
    memset(out, '#', sizeof(out));
    /* One byte short: the NUL does not fit. */
    EXPECT_EQ(sts_ldap_filter_escape("a*", 2, out, 4), 4u);
    EXPECT_EQ(out[0], '\0');
    EXPECT_EQ(std::string(out + 1, 7), "#######");
    /* Short in the middle of an escape. */
    memset(out, '#', sizeof(out));
    EXPECT_EQ(sts_ldap_filter_escape("ab*", 3, out, 3), 5u);
    EXPECT_EQ(out[0], '\0');
    EXPECT_EQ(std::string(out + 1, 7), "#######");
    /* One byte of room holds only the empty string. */
    memset(out, '#', sizeof(out));
    EXPECT_EQ(sts_ldap_filter_escape("x", 1, out, 1), 1u);
    EXPECT_EQ(out[0], '\0');
    EXPECT_EQ(out[1], '#');
}

TEST(LdapFilterEscape, SizeQueryWithoutABuffer)
{
    EXPECT_EQ(sts_ldap_filter_escape("*)(uid=*", 8, nullptr, 0), 16u);
    EXPECT_EQ(sts_ldap_filter_escape(nullptr, 0, nullptr, 0), 0u);
    char out[1] = {'#'};
    EXPECT_EQ(sts_ldap_filter_escape(nullptr, 0, out, sizeof(out)), 0u);
    EXPECT_EQ(out[0], '\0');
}

} // namespace
