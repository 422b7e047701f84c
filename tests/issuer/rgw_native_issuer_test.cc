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
#include "crypto/secret_file.h"
#include "issuer/rgw_native_issuer.h"
#include "issuer/rgw_token.h"
}

namespace
{

const char role_id[] = "6d2dd10e-1b85-4cd4-b541-7cca28661136";
const char key_text[] = "abcdefghijklmnopqrstuvwxyz"; /* RGW uses the first 16 bytes */

class RgwNativeIssuer : public ::testing::Test
{
  protected:
    std::string dir, key_path;
    sts_issuer_t *issuer = nullptr;
    sts_service_t service;
    sts_method_t method{};
    sts_call_t call;
    sts_arena_t arena;
    char error[512] = "";

    void SetUp() override
    {
        char tmpl[] = "/tmp/sts-rgw-native-test-XXXXXX";
        dir = mkdtemp(tmpl);
        key_path = dir + "/rgw.key";
        write_key(key_text, 0600);
        sts_service_defaults(&service, nullptr);
        method.name = "Test";
        sts_call_init(&call, &service, &method);
        sts_arena_init(&arena);
    }
    void TearDown() override
    {
        if (issuer != nullptr)
            issuer->destroy(issuer);
        sts_call_dispose(&call);
        sts_arena_dispose(&arena);
        std::remove(key_path.c_str());
        rmdir(dir.c_str());
    }
    void write_key(const std::string &text, mode_t mode)
    {
        std::ofstream(key_path) << text << "\n";
        chmod(key_path.c_str(), mode);
    }
    sts_issuer_t *create(int32_t max_duration = 43200, const char *user = "sts-tester")
    {
        sts_rgw_native_settings_t settings{};
        settings.key_file = key_path.c_str();
        settings.user = user;
        settings.role_id = role_id;
        settings.max_duration_seconds = max_duration;
        return sts_rgw_native_issuer_create(&settings, error, sizeof(error));
    }
    sts_status_t issue(int32_t duration, const char *subject, const char *policy, sts_issued_credentials_t *out)
    {
        sts_issue_params_t params{subject, duration, policy};
        return issuer->issue(issuer, &call, &params, out);
    }
    /* Opens a token with the first 16 bytes of key. */
    bool open(const char *token, const char *key, sts_rgw_token_fields_t *fields)
    {
        sts_buf_t plain;
        sts_buf_init(&plain, 64 * 1024);
        bool ok = sts_rgw_token_open(reinterpret_cast<const uint8_t *>(key), token, &plain) == 0 &&
                  sts_rgw_token_decode(reinterpret_cast<const uint8_t *>(plain.data), plain.len, fields, &arena) == 0;
        sts_buf_dispose(&plain);
        return ok;
    }
    sts_time_us_t parse(const char *text)
    {
        sts_time_us_t t = 0;
        EXPECT_EQ(sts_time_parse_rfc3339(text, strlen(text), &t), 0) << text;
        return t;
    }
};

TEST_F(RgwNativeIssuer, MintsTheTokenRgwWouldMint)
{
    issuer = create(43200, "tenant1$alice");
    ASSERT_NE(issuer, nullptr) << error;
    EXPECT_EQ(issuer->blocking, 0);
    sts_issued_credentials_t out{};
    ASSERT_EQ(issue(3600, "bob@example.com", nullptr, &out), STS_STATUS_OK);
    EXPECT_TRUE(std::regex_match(out.access_key_id, std::regex("[A-Z0-9]{20}"))) << out.access_key_id;
    EXPECT_EQ(strlen(out.secret_access_key), 40u);
    sts_rgw_token_fields_t f{};
    ASSERT_TRUE(open(out.session_token, key_text, &f));
    EXPECT_STREQ(f.access_key_id, out.access_key_id);
    EXPECT_STREQ(f.secret_access_key, out.secret_access_key);
    EXPECT_STREQ(f.role_id, role_id);
    EXPECT_STREQ(f.user_tenant, "tenant1");
    EXPECT_STREQ(f.user_id, "alice");
    EXPECT_STREQ(f.user_ns, "");
    EXPECT_EQ(f.acct_type, 4u);
    EXPECT_EQ(f.perm_mask, 0u);
    EXPECT_STREQ(f.policy, "");
    EXPECT_TRUE(std::regex_match(f.role_session, std::regex("bob@example.com-[A-Za-z0-9]{6}"))) << f.role_session;
    std::regex rgw_time("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z");
    EXPECT_TRUE(std::regex_match(f.expiration, rgw_time)) << f.expiration;
    EXPECT_TRUE(std::regex_match(f.issued_at, rgw_time)) << f.issued_at;
    EXPECT_EQ(parse(f.expiration) - parse(f.issued_at), 3600LL * 1000000);
    EXPECT_EQ(parse(f.expiration), out.expiration);
    EXPECT_NEAR(static_cast<double>(out.expiration - sts_time_now()), 3600e6, 60e6);
}

TEST_F(RgwNativeIssuer, LifetimeIsCappedByTheConfiguredMaximum)
{
    issuer = create(900);
    ASSERT_NE(issuer, nullptr) << error;
    sts_issued_credentials_t out{};
    ASSERT_EQ(issue(43200, nullptr, nullptr, &out), STS_STATUS_OK);
    sts_rgw_token_fields_t f{};
    ASSERT_TRUE(open(out.session_token, key_text, &f));
    EXPECT_EQ(parse(f.expiration) - parse(f.issued_at), 900LL * 1000000);
    EXPECT_EQ(parse(f.expiration), out.expiration);
}

TEST_F(RgwNativeIssuer, ExpirationIsNeverEmpty)
{
    issuer = create();
    ASSERT_NE(issuer, nullptr) << error;
    for (int32_t duration : {0, 1, 900, 43200}) {
        sts_issued_credentials_t out{};
        ASSERT_EQ(issue(duration, nullptr, nullptr, &out), STS_STATUS_OK);
        sts_rgw_token_fields_t f{};
        ASSERT_TRUE(open(out.session_token, key_text, &f));
        ASSERT_NE(f.expiration[0], '\0') << "duration " << duration;
        EXPECT_EQ(f.expiration[strlen(f.expiration) - 1], 'Z');
        EXPECT_EQ(parse(f.expiration) - parse(f.issued_at), duration * 1000000LL);
        EXPECT_TRUE(std::regex_match(f.role_session, std::regex("sts-[A-Za-z0-9]{12}"))) << f.role_session;
    }
}

TEST_F(RgwNativeIssuer, PolicyIsCarriedAndMustBeAJsonObject)
{
    issuer = create();
    ASSERT_NE(issuer, nullptr) << error;
    const char policy[] = R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]})";
    sts_issued_credentials_t out{};
    ASSERT_EQ(issue(900, nullptr, policy, &out), STS_STATUS_OK);
    sts_rgw_token_fields_t f{};
    ASSERT_TRUE(open(out.session_token, key_text, &f));
    EXPECT_STREQ(f.policy, policy);
    std::string too_long = "{\"Version\":\"" + std::string(2100, 'x') + "\"}";
    for (const char *bad : {"not json", "[1,2]", "{\"a\":", "", too_long.c_str()}) {
        EXPECT_EQ(issue(900, nullptr, bad, &out), STS_STATUS_INVALID_ARGUMENT) << bad;
        EXPECT_NE(std::string(sts_call_error_message(&call, STS_STATUS_INVALID_ARGUMENT)).find("Policy"),
                  std::string::npos);
    }
}

TEST_F(RgwNativeIssuer, KeyFileMustBePrivateUnlessOverridden)
{
    write_key(key_text, 0644);
    EXPECT_EQ(create(), nullptr);
    EXPECT_NE(std::string(error).find(key_path), std::string::npos) << error;
    EXPECT_NE(std::string(error).find("must be private"), std::string::npos) << error;
    EXPECT_NE(std::string(error).find("secret_files_allow_shared"), std::string::npos) << error;
    EXPECT_NE(std::string(error).find("root-equivalent"), std::string::npos) << error;
    EXPECT_EQ(std::string(error).find("abcdefgh"), std::string::npos) << error;
    sts_secret_files_allow_shared(1);
    issuer = create();
    sts_secret_files_allow_shared(0);
    EXPECT_NE(issuer, nullptr) << error;
}

TEST_F(RgwNativeIssuer, BadKeyFilesAreErrorsNamingTheFileNotTheKey)
{
    write_key("short-key", 0600);
    EXPECT_EQ(create(), nullptr);
    EXPECT_NE(std::string(error).find("at least 16 characters"), std::string::npos) << error;
    EXPECT_EQ(std::string(error).find("short-key"), std::string::npos) << error;
    std::remove(key_path.c_str());
    EXPECT_EQ(create(), nullptr);
    EXPECT_NE(std::string(error).find(key_path), std::string::npos) << error;
}

TEST_F(RgwNativeIssuer, NeedsAUserAndARoleIdOrAWayToLookItUp)
{
    EXPECT_EQ(create(43200, ""), nullptr);
    EXPECT_NE(std::string(error).find("rgw_user"), std::string::npos) << error;
    sts_rgw_native_settings_t settings{};
    settings.key_file = key_path.c_str();
    settings.user = "u";
    settings.role_arn = "arn:aws:iam:::role/r";
    EXPECT_EQ(sts_rgw_native_issuer_create(&settings, error, sizeof(error)), nullptr);
    EXPECT_NE(std::string(error).find("rgw_role_id"), std::string::npos) << error;
}

TEST_F(RgwNativeIssuer, RotatedKeyFileIsPickedUpByTheBackgroundCheck)
{
    issuer = create();
    ASSERT_NE(issuer, nullptr) << error;
    const char rotated[] = "ZYXWVUTSRQPONMLKJIH";
    write_key(rotated, 0600);
    sts_issued_credentials_t out{};
    sts_rgw_token_fields_t f{};
    ASSERT_EQ(issue(900, nullptr, nullptr, &out), STS_STATUS_OK);
    EXPECT_TRUE(open(out.session_token, key_text, &f)); /* issuing does not look at the file */
    char message[256];
    EXPECT_EQ(issuer->check(issuer, message, sizeof(message)), STS_STATUS_OK) << message;
    ASSERT_EQ(issue(900, nullptr, nullptr, &out), STS_STATUS_OK);
    EXPECT_TRUE(open(out.session_token, rotated, &f));
    /* A broken rotation (a key too short) keeps the last good key. */
    write_key("short", 0600);
    EXPECT_EQ(issuer->check(issuer, message, sizeof(message)), STS_STATUS_OK) << message;
    ASSERT_EQ(issue(900, nullptr, nullptr, &out), STS_STATUS_OK);
    EXPECT_TRUE(open(out.session_token, rotated, &f));
}

} // namespace
