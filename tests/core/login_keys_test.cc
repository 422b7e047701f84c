/*
 * Login tokens signed through the key ring verify with the ring's published JWKS, for each algorithm, across a key
 * rotation and after the retired key's verification period.
 */
#include "core/login_fixture.h"

#include <algorithm>

namespace
{

class LoginKeys : public LoginFixture, public ::testing::WithParamInterface<sts_signing_alg_t>
{
  protected:
    void SetUp() override
    {
        algorithm = GetParam();
        LoginFixture::SetUp();
    }
    std::string login_token(const char *username, const char *password)
    {
        LoginCall &call = login_as(username, password);
        EXPECT_EQ(call.status, STS_STATUS_OK) << call.message;
        return call.status == STS_STATUS_OK ? call.as<Sts__V1__TokenPair>()->access_token : "";
    }
    std::string header_of(const std::string &token)
    {
        std::string part = token.substr(0, token.find('.'));
        std::string out(sts_base64_decoded_max(part.size()) + 1, '\0');
        long len = sts_base64_decode(part.data(), part.size(), reinterpret_cast<uint8_t *>(&out[0]), out.size(),
                                     STS_BASE64_URL_RAW);
        out.resize(len > 0 ? static_cast<size_t>(len) : 0);
        return out;
    }
    std::string jwks_text()
    {
        const sts_key_ring_view_t *view = sts_key_ring_acquire(login.keys);
        std::string text(view->jwks, view->jwks_len);
        sts_key_ring_release(login.keys, view);
        return text;
    }
};

INSTANTIATE_TEST_SUITE_P(login, LoginKeys, ::testing::Values(STS_SIGNING_ES256, STS_SIGNING_EDDSA, STS_SIGNING_RS256),
                         [](const ::testing::TestParamInfo<sts_signing_alg_t> &info) {
                             return std::string(sts_signing_alg_name(info.param));
                         });

TEST_P(LoginKeys, ALoginTokenVerifiesWithTheRingsJwksUnderTheSettingsIssuerAndAudience)
{
    std::string id = create_user("alice", "pw", {"admin", "viewer"});
    std::string token = login_token("alice", "pw");
    std::vector<std::string> kids = kids_now();
    ASSERT_EQ(kids.size(), 1u);
    EXPECT_EQ(header_of(token), std::string("{\"alg\":\"") + sts_signing_alg_name(GetParam()) +
                                    "\",\"typ\":\"at+jwt\",\"kid\":\"" + kids[0] + "\"}");
    VerifiedToken verified;
    verify(token, verified);
    ASSERT_EQ(verified.result, STS_JWT_OK) << verified.why;
    EXPECT_STREQ(verified.identity.subject, id.c_str());
    EXPECT_STREQ(verified.identity.issuer, issuer);
    EXPECT_STREQ(verified.identity.username, "alice");
    ASSERT_EQ(verified.identity.role_count, 2u);
    EXPECT_STREQ(verified.identity.roles[0], "admin");
    EXPECT_STREQ(verified.identity.roles[1], "viewer");
    EXPECT_EQ(strlen(verified.identity.session_id), static_cast<size_t>(STS_STORE_ID_CHARS));
    long long now = time(nullptr);
    EXPECT_NEAR(verified.identity.expires_at, now + login.access_token_lifetime_s, 2);
    EXPECT_NEAR(verified.identity.issued_at_ms, now * 1000LL, 2000);

    /* Another issuer or audience than the settings' is refused: the rules are not trivially open. */
    const char *configured_audience = login.audience;
    login.audience = "someone-else";
    VerifiedToken foreign_audience;
    verify(token, foreign_audience);
    EXPECT_EQ(foreign_audience.result, STS_JWT_WRONG_AUDIENCE);
    login.audience = configured_audience;
    login.issuer_url = "https://other.test";
    VerifiedToken foreign_issuer;
    verify(token, foreign_issuer);
    EXPECT_EQ(foreign_issuer.result, STS_JWT_WRONG_ISSUER);
    login.issuer_url = issuer;

    /* GetJwks publishes the same key the ring signs with. */
    Sts__V1__GetJwksRequest request = STS__V1__GET_JWKS_REQUEST__INIT;
    LoginCall &jwks = invoke("/sts.v1.LoginService/GetJwks", &request.base);
    ASSERT_EQ(jwks.status, STS_STATUS_OK) << jwks.message;
    ASSERT_EQ(jwks.as<Sts__V1__Jwks>()->n_keys, 1u);
    EXPECT_EQ(jwks.as<Sts__V1__Jwks>()->keys[0]->kid, kids[0]);
    EXPECT_STREQ(jwks.as<Sts__V1__Jwks>()->keys[0]->alg, sts_signing_alg_name(GetParam()));
}

TEST_P(LoginKeys, RotationKeepsOldTokensValidSignsWithTheNewKidAndDropsTheOldKeyWhenItsTokensHaveExpired)
{
    create_user("alice", "pw", {"viewer"});
    std::string old_token = login_token("alice", "pw");
    std::string old_kid = kids_now().at(0);
    ASSERT_EQ(kid_of(old_token), old_kid);

    int64_t rotated_at = sts_time_now();
    ASSERT_EQ(sts_key_ring_rotate(login.keys, rotated_at, error, sizeof(error)), 0) << error;
    std::vector<std::string> kids = kids_now();
    ASSERT_EQ(kids.size(), 2u);
    std::string new_kid = kids[0];
    EXPECT_NE(new_kid, old_kid);
    EXPECT_EQ(kids[1], old_kid);

    /* The old token still verifies with the JWKS published after the rotation. */
    VerifiedToken old_after_rotation;
    verify(old_token, old_after_rotation);
    EXPECT_EQ(old_after_rotation.result, STS_JWT_OK) << old_after_rotation.why;
    /* A new login is signed by the new key, and verifies too. */
    std::string new_token = login_token("alice", "pw");
    EXPECT_EQ(kid_of(new_token), new_kid);
    VerifiedToken fresh;
    verify(new_token, fresh);
    EXPECT_EQ(fresh.result, STS_JWT_OK) << fresh.why;

    /* Until the retired key's verify_until, a reload keeps it. */
    int64_t until = rotated_at + ring_settings.verify_for_us;
    ASSERT_EQ(sts_key_ring_reload(login.keys, until - 1000000, error, sizeof(error)), 0) << error;
    EXPECT_EQ(kids_now(), (std::vector<std::string>{new_kid, old_kid}));
    /* Past it, the old kid is gone from the ring, the store and the JWKS; its tokens no longer verify. */
    ASSERT_EQ(sts_key_ring_reload(login.keys, until + 1, error, sizeof(error)), 0) << error;
    EXPECT_EQ(kids_now(), std::vector<std::string>{new_kid});
    std::string jwks = jwks_text();
    EXPECT_EQ(jwks.find(old_kid), std::string::npos) << jwks;
    EXPECT_NE(jwks.find(new_kid), std::string::npos) << jwks;
    EXPECT_EQ(scalar("SELECT count(*) FROM service_keys WHERE kid = '" + old_kid + "'"), 0);
    VerifiedToken old_after_expiry;
    verify(old_token, old_after_expiry);
    EXPECT_EQ(old_after_expiry.result, STS_JWT_UNKNOWN_KID) << old_after_expiry.why;
    VerifiedToken new_after_expiry;
    verify(new_token, new_after_expiry);
    EXPECT_EQ(new_after_expiry.result, STS_JWT_OK) << new_after_expiry.why;
}

TEST_P(LoginKeys, TheRotateSigningKeyMethodIsForAdminsAndRotatesTheRing)
{
    create_user("alice", "pw");
    std::string before = kids_now().at(0);
    Sts__V1__RotateSigningKeyRequest request = STS__V1__ROTATE_SIGNING_KEY_REQUEST__INIT;
    LoginCall &denied = invoke("/sts.v1.SigningKeyService/RotateSigningKey", &request.base, &nobody);
    EXPECT_EQ(denied.status, STS_STATUS_PERMISSION_DENIED);
    EXPECT_EQ(kids_now(), std::vector<std::string>{before});
    LoginCall &rotated = invoke("/sts.v1.SigningKeyService/RotateSigningKey", &request.base, &admin);
    ASSERT_EQ(rotated.status, STS_STATUS_OK) << rotated.message;
    std::vector<std::string> kids = kids_now();
    ASSERT_EQ(kids.size(), 2u);
    EXPECT_EQ(rotated.as<Sts__V1__SigningKey>()->kid, kids[0]);
    EXPECT_STREQ(rotated.as<Sts__V1__SigningKey>()->algorithm, sts_signing_alg_name(GetParam()));
    EXPECT_EQ(kids[1], before);
    EXPECT_EQ(kid_of(login_token("alice", "pw")), kids[0]);
}

/* The ring of another deployment (another key-encryption key, another store) signs nothing this JWKS accepts. */
TEST_P(LoginKeys, ATokenOfAnotherRingDoesNotVerify)
{
    create_user("alice", "pw");
    std::string token = login_token("alice", "pw");
    char other_dir[] = "/tmp/sts-login-other-XXXXXX";
    ASSERT_NE(mkdtemp(other_dir), nullptr);
    std::string other_path = std::string(other_dir) + "/sts.db";
    sts_store_t *other_store = sts_sqlite_store_open(other_path.c_str(), error, sizeof(error));
    ASSERT_NE(other_store, nullptr) << error;
    sts_key_ring_settings_t other_settings = ring_settings;
    sts_random_bytes(other_settings.kek, sizeof(other_settings.kek));
    sts_key_ring_t *other = sts_key_ring_create(&other_settings, other_store, sts_time_now(), error, sizeof(error));
    ASSERT_NE(other, nullptr) << error;
    const sts_key_ring_view_t *view = sts_key_ring_acquire(other);
    sts_jwk_set_t *other_keys = nullptr;
    ASSERT_EQ(sts_jwk_set_parse(view->jwks, view->jwks_len, &other_keys, error, sizeof(error)), 0) << error;
    sts_key_ring_release(other, view);
    VerifiedToken verified;
    verify(token, verified, other_keys);
    EXPECT_EQ(verified.result, STS_JWT_UNKNOWN_KID);
    sts_jwk_set_free(other_keys);
    sts_key_ring_destroy(other);
    other_store->destroy(other_store);
    for (const char *suffix : {"", "-wal", "-shm"})
        std::remove((other_path + suffix).c_str());
    rmdir(other_dir);
}

} // namespace
