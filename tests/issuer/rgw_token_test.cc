#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <string>
#include <thread>

extern "C" {
#include "issuer/rgw_token.h"
}

namespace
{

const uint8_t test_key[STS_RGW_KEY_BYTES] = {'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h',
                                             'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p'};

std::string u32(uint32_t v)
{
    return std::string{char(v), char(v >> 8), char(v >> 16), char(v >> 24)};
}

std::string str(const std::string &s)
{
    return u32(static_cast<uint32_t>(s.size())) + s;
}

sts_rgw_token_fields_t sample()
{
    sts_rgw_token_fields_t f{};
    f.access_key_id = "AK";
    f.secret_access_key = "SK";
    f.expiration = "2026-01-01T00:00:00Z";
    f.policy = "";
    f.role_id = "r-1";
    f.user_tenant = "";
    f.user_id = "alice";
    f.user_ns = "";
    f.acct_name = "";
    f.perm_mask = 0;
    f.is_admin = 0;
    f.acct_type = 4;
    f.role_session = "s";
    f.issued_at = "2025-12-31T23:00:00Z";
    return f;
}

TEST(RgwToken, EncodesTheDocumentedLayout)
{
    sts_rgw_token_fields_t f = sample();
    std::string user = str("") + str("alice") + str("");
    std::string body = str("AK") + str("SK") + str("2026-01-01T00:00:00Z") + str("") + str("r-1") + "\x02\x01" +
                       u32(static_cast<uint32_t>(user.size())) + user + str("") + u32(0) + std::string(1, '\0') +
                       u32(4) + str("s") + u32(0) + str("2025-12-31T23:00:00Z") + u32(0);
    std::string expected = std::string("\x05\x01", 2) + u32(static_cast<uint32_t>(body.size())) + body;
    sts_buf_t out;
    sts_buf_init(&out, 4096);
    ASSERT_EQ(sts_rgw_token_encode(&f, &out), 0);
    EXPECT_EQ(std::string(out.data, out.len), expected);
    sts_buf_dispose(&out);
}

TEST(RgwToken, SealThenOpenGivesTheFieldsBack)
{
    sts_arena_t arena;
    sts_arena_init(&arena);
    sts_rgw_token_fields_t f = sample();
    char *token = sts_rgw_token_seal(test_key, &f, &arena);
    ASSERT_NE(token, nullptr);
    sts_buf_t plain;
    sts_buf_init(&plain, 1 << 16);
    ASSERT_EQ(sts_rgw_token_open(test_key, token, &plain), 0);
    sts_rgw_token_fields_t back;
    ASSERT_EQ(sts_rgw_token_decode(reinterpret_cast<const uint8_t *>(plain.data), plain.len, &back, &arena), 0);
    EXPECT_STREQ(back.access_key_id, "AK");
    EXPECT_STREQ(back.user_id, "alice");
    EXPECT_STREQ(back.role_session, "s");
    EXPECT_EQ(back.acct_type, 4u);
    uint8_t wrong[STS_RGW_KEY_BYTES] = {0};
    sts_buf_reset(&plain);
    if (sts_rgw_token_open(wrong, token, &plain) == 0) { /* CBC may still unpad by chance; the layout then fails */
        EXPECT_NE(sts_rgw_token_decode(reinterpret_cast<const uint8_t *>(plain.data), plain.len, &back, &arena), 0);
    }
    sts_buf_dispose(&plain);
    sts_arena_dispose(&arena);
}

TEST(RgwToken, SealingFollowsTheKeyOnEveryThread)
{
    // CBC with RGW's fixed IV is deterministic: the same fields under the same key seal to the same token, whatever
    // was sealed before on this thread (each thread keeps its keyed context) and on whichever thread.
    uint8_t other_key[STS_RGW_KEY_BYTES];
    memcpy(other_key, test_key, sizeof(other_key));
    other_key[15] ^= 1;
    sts_rgw_token_fields_t f = sample();
    auto seal = [&f](const uint8_t *key) {
        sts_arena_t arena;
        sts_arena_init(&arena);
        char *token = sts_rgw_token_seal(key, &f, &arena);
        std::string out = token != nullptr ? token : "<null>";
        sts_arena_dispose(&arena);
        return out;
    };
    std::string first, other;
    std::thread([&] { first = seal(test_key); }).join();
    std::thread([&] { other = seal(other_key); }).join();
    ASSERT_NE(first, other);
    EXPECT_EQ(seal(test_key), first);
    EXPECT_EQ(seal(other_key), other);
    EXPECT_EQ(seal(test_key), first);
    EXPECT_EQ(seal(test_key), first) << "the IV starts afresh for each token";
    sts_buf_t plain;
    sts_buf_init(&plain, 1 << 16);
    EXPECT_EQ(sts_rgw_token_open(other_key, other.c_str(), &plain), 0);
    sts_buf_dispose(&plain);
}

TEST(RgwToken, MatchesATokenRgwIssuedByteForByte)
{
    std::string dir = std::string(__FILE__).substr(0, std::string(__FILE__).rfind('/'));
    std::ifstream file(dir + "/fixtures/rgw_assume_role_token.txt");
    std::string rgw_token;
    std::getline(file, rgw_token);
    ASSERT_FALSE(rgw_token.empty());
    sts_arena_t arena;
    sts_arena_init(&arena);
    sts_buf_t plain;
    sts_buf_init(&plain, 1 << 16);
    ASSERT_EQ(sts_rgw_token_open(test_key, rgw_token.c_str(), &plain), 0);
    sts_rgw_token_fields_t f;
    ASSERT_EQ(sts_rgw_token_decode(reinterpret_cast<const uint8_t *>(plain.data), plain.len, &f, &arena), 0);
    EXPECT_STREQ(f.role_session, "fixture-session");
    EXPECT_STREQ(f.user_id, "sts-tester");
    EXPECT_EQ(f.acct_type, 4u);
    EXPECT_EQ(std::string(f.expiration).back(), 'Z');
    EXPECT_EQ(strlen(f.role_id), 36u); /* a UUID */
    /* Our encoder, given RGW's field values, writes RGW's bytes, and sealing them gives RGW's token. */
    EXPECT_STREQ(sts_rgw_token_seal(test_key, &f, &arena), rgw_token.c_str());
    sts_buf_dispose(&plain);
    sts_arena_dispose(&arena);
}

TEST(RgwToken, RefusesWhatIsNotAVersion5Token)
{
    sts_arena_t arena;
    sts_arena_init(&arena);
    sts_rgw_token_fields_t f;
    const uint8_t short_one[] = {5, 1, 0};
    EXPECT_EQ(sts_rgw_token_decode(short_one, sizeof(short_one), &f, &arena), -1);
    const uint8_t v4[] = {4, 1, 0, 0, 0, 0};
    EXPECT_EQ(sts_rgw_token_decode(v4, sizeof(v4), &f, &arena), -1);
    sts_buf_t plain;
    sts_buf_init(&plain, 1024);
    EXPECT_EQ(sts_rgw_token_open(test_key, "not base64!", &plain), -1);
    sts_buf_dispose(&plain);
    sts_arena_dispose(&arena);
}

} // namespace
