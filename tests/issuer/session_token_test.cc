#include <gtest/gtest.h>

#include <cstring>
#include <string>

extern "C" {
#include "crypto/random.h"
#include "issuer/session_token.h"
}

namespace
{

class SessionToken : public ::testing::Test
{
  protected:
    sts_arena_t arena;
    sts_session_sealer_t sealer{};
    sts_session_sealer_t other{};
    sts_session_record_t record{};

    static sts_session_sealer_t make_sealer()
    {
        uint8_t key[STS_AEAD_KEY_BYTES];
        sts_random_bytes(key, sizeof(key));
        sts_session_sealer_t s{};
        s.aead = sts_aead_create(key);
        uint8_t digest[32];
        sts_sha256(key, sizeof(key), digest);
        memcpy(s.key_id, digest, sizeof(s.key_id));
        return s;
    }
    void SetUp() override
    {
        sts_arena_init(&arena);
        sealer = make_sealer();
        other = make_sealer();
        record.access_key_id = "ASIAABCDEFGHIJKLMNOP";
        record.secret_access_key = "0123456789012345678901234567890123456789";
        record.subject = "alice";
        record.policy = "{\"Version\":\"2012-10-17\"}";
        record.issued_at = 1571066143480741LL;
        record.expiration = 1571069743480741LL;
    }
    void TearDown() override
    {
        sts_aead_destroy(sealer.aead);
        sts_aead_destroy(other.aead);
        sts_arena_dispose(&arena);
    }
    sts_verify_reason_t open(const sts_session_sealer_t &with, const std::string &token)
    {
        sts_session_record_t out{};
        return sts_session_token_open(&with, 1, token.c_str(), &out, &arena);
    }
};

TEST_F(SessionToken, SealThenOpenGivesTheRecord)
{
    char *token = sts_session_token_seal(&sealer, &record, &arena);
    ASSERT_NE(token, nullptr);
    EXPECT_EQ(std::string(token).find(record.secret_access_key), std::string::npos);
    sts_session_record_t out{};
    ASSERT_EQ(sts_session_token_open(&sealer, 1, token, &out, &arena), STS_VERIFY_VALID);
    EXPECT_STREQ(out.access_key_id, record.access_key_id);
    EXPECT_STREQ(out.secret_access_key, record.secret_access_key);
    EXPECT_STREQ(out.subject, "alice");
    EXPECT_STREQ(out.policy, record.policy);
    EXPECT_EQ(out.issued_at, record.issued_at);
    EXPECT_EQ(out.expiration, record.expiration);
    EXPECT_STRNE(sts_session_token_seal(&sealer, &record, &arena), token); /* a fresh nonce every time */
}

TEST_F(SessionToken, TamperedTokensAreRefused)
{
    std::string token = sts_session_token_seal(&sealer, &record, &arena);
    /* Past the 28 base64 characters of header (version, key id, nonce): ciphertext and tag. */
    for (size_t i = 30; i < token.size() - 4; i += 3) {
        std::string altered = token;
        altered[i] = altered[i] == 'A' ? 'B' : 'A';
        EXPECT_EQ(open(sealer, altered), STS_VERIFY_TAMPERED) << "position " << i;
    }
    std::string nonce_changed = token;
    nonce_changed[20] = nonce_changed[20] == 'A' ? 'B' : 'A';
    EXPECT_EQ(open(sealer, nonce_changed), STS_VERIFY_TAMPERED);
}

TEST_F(SessionToken, OtherKeyIsForeign)
{
    std::string token = sts_session_token_seal(&sealer, &record, &arena);
    EXPECT_EQ(open(other, token), STS_VERIFY_FOREIGN_KEY);
}

TEST_F(SessionToken, MalformedTokens)
{
    std::string token = sts_session_token_seal(&sealer, &record, &arena);
    EXPECT_EQ(open(sealer, ""), STS_VERIFY_MALFORMED);
    EXPECT_EQ(open(sealer, "not base64 at all!"), STS_VERIFY_MALFORMED);
    EXPECT_EQ(open(sealer, token.substr(0, 20)), STS_VERIFY_MALFORMED);
    EXPECT_EQ(open(sealer, std::string(STS_SESSION_TOKEN_MAX_CHARS + 4, 'A')), STS_VERIFY_MALFORMED);
    std::string version_changed = token;
    version_changed[0] = version_changed[0] == 'A' ? 'B' : 'A';
    EXPECT_EQ(open(sealer, version_changed), STS_VERIFY_MALFORMED);
}

TEST_F(SessionToken, OverlongFieldsCannotBeSealed)
{
    std::string huge(70000, 'p');
    record.policy = huge.c_str();
    EXPECT_EQ(sts_session_token_seal(&sealer, &record, &arena), nullptr);
}

} // namespace
