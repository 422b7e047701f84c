#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include "crypto/aead.h"
#include "crypto/random.h"
}

namespace
{

class Aead : public ::testing::Test
{
  protected:
    uint8_t key[STS_AEAD_KEY_BYTES];
    uint8_t nonce[STS_AEAD_NONCE_BYTES];
    sts_aead_t *aead = nullptr;
    const std::string aad = "header";
    const std::string text = "the credentials to protect";

    void SetUp() override
    {
        sts_random_bytes(key, sizeof(key));
        sts_random_bytes(nonce, sizeof(nonce));
        aead = sts_aead_create(key);
        ASSERT_NE(aead, nullptr);
    }
    void TearDown() override
    {
        sts_aead_destroy(aead);
    }
    std::vector<uint8_t> seal(const sts_aead_t *with)
    {
        std::vector<uint8_t> out(text.size() + STS_AEAD_TAG_BYTES);
        EXPECT_EQ(sts_aead_seal(with, nonce, reinterpret_cast<const uint8_t *>(aad.data()), aad.size(),
                                reinterpret_cast<const uint8_t *>(text.data()), text.size(), out.data()),
                  0);
        return out;
    }
    int open(const sts_aead_t *with, const std::vector<uint8_t> &sealed, const std::string &with_aad,
             std::string &plain)
    {
        plain.assign(sealed.size() - STS_AEAD_TAG_BYTES, '\0');
        return sts_aead_open(with, nonce, reinterpret_cast<const uint8_t *>(with_aad.data()), with_aad.size(),
                             sealed.data(), sealed.size(), reinterpret_cast<uint8_t *>(plain.data()));
    }
};

TEST_F(Aead, SealThenOpen)
{
    std::vector<uint8_t> sealed = seal(aead);
    EXPECT_NE(std::string(sealed.begin(), sealed.begin() + text.size()), text);
    std::string plain;
    ASSERT_EQ(open(aead, sealed, aad, plain), 0);
    EXPECT_EQ(plain, text);
}

TEST_F(Aead, AnyChangeFailsToOpen)
{
    std::vector<uint8_t> sealed = seal(aead);
    std::string plain;
    EXPECT_EQ(open(aead, sealed, "other header", plain), -1);
    for (size_t i = 0; i < sealed.size(); i++) {
        std::vector<uint8_t> altered = sealed;
        altered[i] ^= 0x01;
        EXPECT_EQ(open(aead, altered, aad, plain), -1) << "byte " << i;
        EXPECT_EQ(plain.find(text), std::string::npos);
    }
}

TEST_F(Aead, OtherKeyFailsToOpen)
{
    uint8_t other_key[STS_AEAD_KEY_BYTES];
    memcpy(other_key, key, sizeof(key));
    other_key[0] ^= 0x80;
    sts_aead_t *other = sts_aead_create(other_key);
    std::string plain;
    EXPECT_EQ(open(other, seal(aead), aad, plain), -1);
    sts_aead_destroy(other);
}

TEST(Sha256, KnownVector)
{
    uint8_t digest[32];
    sts_sha256("abc", 3, digest);
    static const uint8_t expected[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                                         0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                                         0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    EXPECT_EQ(memcmp(digest, expected, 32), 0);
}

static std::string sha256_hex(const std::string &data)
{
    uint8_t digest[32];
    sts_sha256(data.data(), data.size(), digest);
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (uint8_t b : digest)
        out += {hex[b >> 4], hex[b & 15]};
    return out;
}

TEST(Sha256, EachCallStartsAfreshOnEveryThread)
{
    // The context is kept per thread and reused: no call may see what an earlier one hashed.
    const std::string abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    const std::string empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    auto check = [&] {
        for (int i = 0; i < 3; i++) {
            EXPECT_EQ(sha256_hex("abc"), abc);
            EXPECT_EQ(sha256_hex(std::string(1000, 'x')).size(), 64u);
            EXPECT_EQ(sha256_hex(""), empty);
        }
    };
    check();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; t++)
        threads.emplace_back(check);
    for (auto &thread : threads)
        thread.join();
}

TEST(Random, CharsComeFromTheAlphabetAndCoverIt)
{
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    std::string out(4000, '\0');
    sts_random_chars(out.data(), out.size(), alphabet.data(), alphabet.size());
    std::set<char> seen(out.begin(), out.end());
    EXPECT_EQ(seen.size(), alphabet.size());
    for (char c : seen)
        EXPECT_NE(alphabet.find(c), std::string::npos);
}

TEST(Random, CharsAreUniformOverPowerOfTwoAndOtherAlphabets)
{
    // 1000 draws per character expected; a standard deviation is about 31, so 800..1200 never fails by chance, while
    // a bias (a mask on an alphabet that is not a power of two, a modulo without rejection) moves whole characters.
    const std::string base64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (const std::string &alphabet : {base64, base64.substr(0, 62), base64.substr(0, 48), std::string("xyz")}) {
        std::string out(alphabet.size() * 1000, '\0');
        sts_random_chars(out.data(), out.size(), alphabet.data(), alphabet.size());
        std::map<char, int> counts;
        for (char c : out)
            counts[c]++;
        EXPECT_EQ(counts.size(), alphabet.size()) << alphabet;
        for (const auto &[c, n] : counts) {
            EXPECT_NE(alphabet.find(c), std::string::npos) << alphabet;
            EXPECT_GT(n, 800) << "'" << c << "' in an alphabet of " << alphabet.size();
            EXPECT_LT(n, 1200) << "'" << c << "' in an alphabet of " << alphabet.size();
        }
    }
}

TEST(Random, BytesDiffer)
{
    uint8_t a[32], b[32];
    sts_random_bytes(a, sizeof(a));
    sts_random_bytes(b, sizeof(b));
    EXPECT_NE(memcmp(a, b, sizeof(a)), 0);
}

} // namespace
