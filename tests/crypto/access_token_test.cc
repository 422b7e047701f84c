#include <gtest/gtest.h>

#include <regex>
#include <string>

extern "C" {
#include "crypto/access_token.h"
}

namespace
{

TEST(AccessToken, MintedTokensParseBackToTheirId)
{
    char id[STS_ACCESS_TOKEN_ID_CHARS + 1], token[STS_ACCESS_TOKEN_CHARS + 1];
    sts_access_token_mint(id, token);
    EXPECT_TRUE(std::regex_match(token, std::regex("sts-at-v1:[0-9a-f]{32}:[A-Za-z0-9_-]{43}"))) << token;
    char parsed[STS_ACCESS_TOKEN_ID_CHARS + 1];
    ASSERT_EQ(sts_access_token_parse(token, strlen(token), parsed), 0);
    EXPECT_STREQ(parsed, id);
    char other_id[STS_ACCESS_TOKEN_ID_CHARS + 1], other[STS_ACCESS_TOKEN_CHARS + 1];
    sts_access_token_mint(other_id, other);
    EXPECT_STRNE(other, token);
    EXPECT_STRNE(other_id, id);
}

TEST(AccessToken, MalformedTokensAreRefused)
{
    char id[STS_ACCESS_TOKEN_ID_CHARS + 1], token[STS_ACCESS_TOKEN_CHARS + 1];
    sts_access_token_mint(id, token);
    std::string good = token;
    auto refused = [&](const std::string &t) { return sts_access_token_parse(t.data(), t.size(), id) == -1; };
    EXPECT_TRUE(refused(""));
    EXPECT_TRUE(refused(good.substr(0, good.size() - 1)));
    EXPECT_TRUE(refused(good + "A"));
    EXPECT_TRUE(refused("sts-at-v2:" + good.substr(10)));
    std::string upper_id = good;
    upper_id[12] = 'G';
    EXPECT_TRUE(refused(upper_id));
    std::string bad_secret = good;
    bad_secret[good.size() - 5] = '+';
    EXPECT_TRUE(refused(bad_secret));
    std::string no_colon = good;
    no_colon[10 + STS_ACCESS_TOKEN_ID_CHARS] = '.';
    EXPECT_TRUE(refused(no_colon));
    EXPECT_TRUE(sts_access_token_recognised(good.data(), good.size()));
    EXPECT_FALSE(sts_access_token_recognised("eyJhbGciOi", 10));
}

TEST(AccessToken, HmacDependsOnKeyAndToken)
{
    uint8_t key[32] = {1}, other_key[32] = {2}, a[32], b[32], c[32];
    sts_access_token_hmac(key, "sts-at-v1:x", 11, a);
    sts_access_token_hmac(key, "sts-at-v1:y", 11, b);
    sts_access_token_hmac(other_key, "sts-at-v1:x", 11, c);
    EXPECT_NE(memcmp(a, b, 32), 0);
    EXPECT_NE(memcmp(a, c, 32), 0);
    sts_access_token_hmac(key, "sts-at-v1:x", 11, b);
    EXPECT_EQ(memcmp(a, b, 32), 0);
}

} // namespace
