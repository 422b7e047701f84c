#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

extern "C" {
#include "core/call.h"
#include "core/service.h"
#include "issuer/local_issuer.h"
#include "store/sqlite_store.h"
#include "util/timefmt.h"
}

namespace
{

/* A ring of sealing keys on its own store, as stsd keeps them. */
class Keys
{
  public:
    std::string path;
    sts_store_t *store = nullptr;
    sts_secret_ring_t *ring = nullptr;
    Keys()
    {
        char tmpl[] = "/tmp/sts-issuer-test-XXXXXX";
        path = mkdtemp(tmpl);
        char error[256];
        store = sts_sqlite_store_open((path + "/sts.db").c_str(), error, sizeof(error));
        EXPECT_NE(store, nullptr) << error;
        sts_secret_ring_settings_t settings{};
        settings.purpose = STS_KEY_PURPOSE_SESSION_SEAL;
        settings.verify_for_us = 3600LL * 1000000;
        settings.rotate_after_us = 60LL * 1000000;
        ring = sts_secret_ring_create(&settings, store, sts_time_now(), error, sizeof(error));
        EXPECT_NE(ring, nullptr) << error;
    }
    ~Keys()
    {
        sts_secret_ring_destroy(ring);
        store->destroy(store);
        for (const char *file : {"/sts.db", "/sts.db-wal", "/sts.db-shm"})
            std::remove((path + file).c_str());
        rmdir(path.c_str());
    }
};

class LocalIssuer : public ::testing::Test
{
  protected:
    Keys keys;
    Keys other_keys;
    sts_issuer_t *issuer = nullptr;
    sts_issuer_t *other = nullptr;
    sts_service_t service;
    sts_method_t method{};
    sts_call_t call;

    void SetUp() override
    {
        issuer = sts_local_issuer_create(keys.ring);
        other = sts_local_issuer_create(other_keys.ring);
        sts_service_defaults(&service, nullptr);
        method.name = "Test";
        sts_call_init(&call, &service, &method);
    }
    void TearDown() override
    {
        sts_call_dispose(&call);
        issuer->destroy(issuer);
        other->destroy(other);
    }
    sts_issued_credentials_t issue(sts_issuer_t *with, int32_t duration, const char *subject = nullptr)
    {
        sts_issue_params_t params{subject, duration, nullptr};
        sts_issued_credentials_t out{};
        EXPECT_EQ(with->issue(with, &call, &params, &out), STS_STATUS_OK);
        return out;
    }
    sts_verify_result_t verify(const char *access_key_id, const char *token)
    {
        sts_verify_result_t out{};
        EXPECT_EQ(issuer->verify(issuer, &call, access_key_id, token, &out), STS_STATUS_OK);
        return out;
    }
};

TEST_F(LocalIssuer, IssuesWellFormedDistinctCredentials)
{
    sts_issued_credentials_t a = issue(issuer, 3600, "alice");
    sts_issued_credentials_t b = issue(issuer, 900);
    EXPECT_TRUE(std::regex_match(a.access_key_id, std::regex("ASIA[A-Z2-7]{16}"))) << a.access_key_id;
    EXPECT_EQ(strlen(a.secret_access_key), 40u);
    EXPECT_STRNE(a.access_key_id, b.access_key_id);
    EXPECT_STRNE(a.secret_access_key, b.secret_access_key);
    EXPECT_NEAR(static_cast<double>(a.expiration - sts_time_now()), 3600e6, 60e6);
    EXPECT_NEAR(static_cast<double>(b.expiration - sts_time_now()), 900e6, 60e6);
}

TEST_F(LocalIssuer, VerifiesItsOwnCredentials)
{
    sts_issued_credentials_t a = issue(issuer, 3600, "alice");
    sts_verify_result_t result = verify(a.access_key_id, a.session_token);
    EXPECT_EQ(result.reason, STS_VERIFY_VALID);
    EXPECT_STREQ(result.subject, "alice");
    EXPECT_EQ(result.expiration, a.expiration);
}

TEST_F(LocalIssuer, ExplainsInvalidCredentials)
{
    sts_issued_credentials_t a = issue(issuer, 3600);
    sts_issued_credentials_t b = issue(issuer, 3600);
    EXPECT_EQ(verify(b.access_key_id, a.session_token).reason, STS_VERIFY_ACCESS_KEY_MISMATCH);
    sts_issued_credentials_t foreign = issue(other, 3600);
    EXPECT_EQ(verify(foreign.access_key_id, foreign.session_token).reason, STS_VERIFY_FOREIGN_KEY);
    EXPECT_EQ(verify(a.access_key_id, "garbage").reason, STS_VERIFY_MALFORMED);
    std::string tampered = a.session_token;
    tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
    EXPECT_EQ(verify(a.access_key_id, tampered.c_str()).reason, STS_VERIFY_TAMPERED);
}

/* After a rotation new tokens carry the new key, and those sealed before still open until their key is dropped. */
TEST_F(LocalIssuer, RotationKeepsOutstandingCredentialsValid)
{
    sts_issued_credentials_t before = issue(issuer, 3600, "alice");
    char error[256];
    int64_t later = sts_time_now() + 120LL * 1000000; /* past rotate_after */
    ASSERT_EQ(sts_secret_ring_reload(keys.ring, later, error, sizeof(error)), 0) << error;
    const sts_secret_view_t *view = sts_secret_ring_acquire(keys.ring);
    ASSERT_EQ(view->count, 2u);
    sts_secret_ring_release(keys.ring, view);
    sts_issued_credentials_t after = issue(issuer, 3600, "bob");
    EXPECT_EQ(verify(before.access_key_id, before.session_token).reason, STS_VERIFY_VALID);
    EXPECT_EQ(verify(after.access_key_id, after.session_token).reason, STS_VERIFY_VALID);
    EXPECT_NE(std::string(before.session_token).substr(0, 12), std::string(after.session_token).substr(0, 12))
        << "the header names another key";
    /* Once the old key's verify_until has passed, what it sealed no longer opens. */
    ASSERT_EQ(keys.store->key_prune(keys.store, later + 3601LL * 1000000, error, sizeof(error)), STS_STORE_OK);
    ASSERT_EQ(sts_secret_ring_reload(keys.ring, later + 3601LL * 1000000, error, sizeof(error)), 0) << error;
    EXPECT_EQ(verify(before.access_key_id, before.session_token).reason, STS_VERIFY_FOREIGN_KEY);
}

TEST_F(LocalIssuer, ExpiredCredentials)
{
    sts_issued_credentials_t expired = issue(issuer, -10);
    sts_verify_result_t result = verify(expired.access_key_id, expired.session_token);
    EXPECT_EQ(result.reason, STS_VERIFY_EXPIRED);
    EXPECT_EQ(result.expiration, expired.expiration);
}

} // namespace
