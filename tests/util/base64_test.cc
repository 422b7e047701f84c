#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

extern "C" {
#include "util/base64.h"
}

namespace
{

std::string encode(const std::string &in, sts_base64_variant_t variant)
{
    std::string out(sts_base64_encoded_len(in.size(), variant) + 1, '\0');
    long n =
        sts_base64_encode(reinterpret_cast<const uint8_t *>(in.data()), in.size(), out.data(), out.size(), variant);
    EXPECT_GE(n, 0);
    out.resize(n < 0 ? 0 : static_cast<size_t>(n));
    return out;
}

/* The decoded text, or "<error>" when decoding fails. */
std::string decode(const std::string &in, sts_base64_variant_t variant)
{
    std::vector<uint8_t> out(sts_base64_decoded_max(in.size()) + 1);
    long n = sts_base64_decode(in.data(), in.size(), out.data(), out.size(), variant);
    if (n < 0)
        return "<error>";
    return std::string(out.begin(), out.begin() + n);
}

TEST(Base64, Rfc4648Vectors)
{
    const char *vectors[][2] = {{"", ""},
                                {"f", "Zg=="},
                                {"fo", "Zm8="},
                                {"foo", "Zm9v"},
                                {"foob", "Zm9vYg=="},
                                {"fooba", "Zm9vYmE="},
                                {"foobar", "Zm9vYmFy"}};
    for (auto &v : vectors) {
        EXPECT_EQ(encode(v[0], STS_BASE64_STD), v[1]);
        EXPECT_EQ(decode(v[1], STS_BASE64_STD), v[0]);
        std::string raw = v[1];
        raw.erase(raw.find_last_not_of('=') + 1);
        EXPECT_EQ(encode(v[0], STS_BASE64_URL_RAW), raw);
        EXPECT_EQ(decode(raw, STS_BASE64_URL_RAW), v[0]);
    }
}

TEST(Base64, AlphabetsDiffer)
{
    std::string bytes("\xfb\xff\xfe", 3);
    EXPECT_EQ(encode(bytes, STS_BASE64_STD), "+//+");
    EXPECT_EQ(encode(bytes, STS_BASE64_URL_RAW), "-__-");
    EXPECT_EQ(decode("-__-", STS_BASE64_STD), "<error>");
    EXPECT_EQ(decode("+//+", STS_BASE64_URL_RAW), "<error>");
}

TEST(Base64, RoundTripsEveryLength)
{
    std::string data;
    for (int len = 0; len <= 100; len++) {
        for (auto variant : {STS_BASE64_STD, STS_BASE64_URL_RAW}) {
            std::string encoded = encode(data, variant);
            EXPECT_EQ(encoded.size(), sts_base64_encoded_len(data.size(), variant));
            EXPECT_EQ(decode(encoded, variant), data);
        }
        data.push_back(static_cast<char>(len * 37 + 11));
    }
}

TEST(Base64, StrictDecoding)
{
    EXPECT_EQ(decode("Zm9v!", STS_BASE64_STD), "<error>");
    EXPECT_EQ(decode("Zg=", STS_BASE64_STD), "<error>");  /* short padding */
    EXPECT_EQ(decode("Zg", STS_BASE64_STD), "<error>");   /* missing padding */
    EXPECT_EQ(decode("Z===", STS_BASE64_STD), "<error>"); /* too much padding */
    EXPECT_EQ(decode("Zm9v Zg==", STS_BASE64_STD), "<error>");
    EXPECT_EQ(decode("Zg==", STS_BASE64_URL_RAW), "<error>"); /* raw has no padding */
    EXPECT_EQ(decode("Z", STS_BASE64_URL_RAW), "<error>");    /* a lone character is never valid */
}

TEST(Base64, OutputTooSmallIsAnError)
{
    char out[4];
    EXPECT_EQ(sts_base64_encode(reinterpret_cast<const uint8_t *>("foobar"), 6, out, sizeof(out), STS_BASE64_STD), -1);
    uint8_t bytes[2];
    EXPECT_EQ(sts_base64_decode("Zm9vYmFy", 8, bytes, sizeof(bytes), STS_BASE64_STD), -1);
}

} // namespace

TEST(Base64, UrlSpanStopsAtTheFirstByteOutsideTheAlphabetAndAtLen)
{
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (int c = 0; c < 256; c++) {
        std::string text = std::string("ab") + (char)c + "cd";
        bool in = c != 0 && alphabet.find((char)c) != std::string::npos;
        EXPECT_EQ(sts_base64_url_span(text.data(), text.size()), in ? 5u : 2u) << "byte " << c;
    }
    for (size_t at = 0; at < 12; at++) {
        std::string text(12, 'x');
        text[at] = '.';
        EXPECT_EQ(sts_base64_url_span(text.data(), text.size()), at);
        EXPECT_EQ(sts_base64_url_span(text.data(), at), at) << "len bounds the span";
    }
    EXPECT_EQ(sts_base64_url_span("abcdef", 3), 3u);
    EXPECT_EQ(sts_base64_url_span("abc", 0), 0u);
    EXPECT_EQ(sts_base64_url_span(".abc", 4), 0u);
}
