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
}

namespace
{

class TempDir
{
  public:
    std::string path;
    TempDir()
    {
        char tmpl[] = "/tmp/sts-issuer-test-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir()
    {
        std::remove((path + "/session.key").c_str());
        std::remove((path + "/my.key").c_str());
        rmdir(path.c_str());
    }
};

std::string read_file(const std::string &path)
{
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

/* Issues with one issuer and verifies with the other: VALID exactly when both hold the same sealing key. */
sts_verify_reason_t cross_verify(sts_issuer_t *from, sts_issuer_t *to)
{
    sts_service_t service;
    sts_service_defaults(&service, nullptr);
    sts_method_t method{};
    method.name = "Test";
    sts_call_t call;
    sts_call_init(&call, &service, &method);
    sts_issue_params_t params{nullptr, 900, nullptr};
    sts_issued_credentials_t issued{};
    EXPECT_EQ(from->issue(from, &call, &params, &issued), STS_STATUS_OK);
    sts_verify_result_t result{};
    EXPECT_EQ(to->verify(to, &call, issued.access_key_id, issued.session_token, &result), STS_STATUS_OK);
    sts_call_dispose(&call);
    return result.reason;
}

TEST(SealingKey, GeneratedWithMode0600AndReused)
{
    TempDir dir;
    char error[512];
    sts_issuer_t *first = sts_local_issuer_create(nullptr, dir.path.c_str(), error, sizeof(error));
    ASSERT_NE(first, nullptr) << error;
    struct stat st;
    ASSERT_EQ(stat((dir.path + "/session.key").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    std::string text = read_file(dir.path + "/session.key");
    EXPECT_TRUE(std::regex_match(text, std::regex("[0-9a-f]{64}\\s*"))) << text;
    sts_issuer_t *second = sts_local_issuer_create(nullptr, dir.path.c_str(), error, sizeof(error));
    ASSERT_NE(second, nullptr) << error;
    EXPECT_EQ(cross_verify(first, second), STS_VERIFY_VALID);
    EXPECT_EQ(read_file(dir.path + "/session.key"), text);
    first->destroy(first);
    second->destroy(second);
}

TEST(SealingKey, BadFilesAreErrorsThatNameTheFileNotTheContent)
{
    TempDir dir;
    std::string path = dir.path + "/my.key";
    char error[512];
    for (const char *content : {"abc\n", "zz00000000000000000000000000000000000000000000000000000000000000",
                                "0000000000000000000000000000000000000000000000000000000000000000ff"}) {
        std::ofstream(path) << content;
        chmod(path.c_str(), 0600);
        EXPECT_EQ(sts_local_issuer_create(path.c_str(), dir.path.c_str(), error, sizeof(error)), nullptr) << content;
        EXPECT_NE(std::string(error).find(path), std::string::npos) << error;
        EXPECT_EQ(std::string(error).find(content), std::string::npos) << error;
    }
    EXPECT_EQ(sts_local_issuer_create((dir.path + "/missing.key").c_str(), dir.path.c_str(), error, sizeof(error)),
              nullptr);
    std::ofstream(path) << "  00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF \n";
    sts_issuer_t *issuer = sts_local_issuer_create(path.c_str(), dir.path.c_str(), error, sizeof(error));
    ASSERT_NE(issuer, nullptr) << error;
    issuer->destroy(issuer);
}

TEST(SealingKey, AKeyFileOthersMayReadIsRefused)
{
    TempDir dir;
    std::string path = dir.path + "/my.key";
    std::ofstream(path) << "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
    chmod(path.c_str(), 0644);
    char error[512];
    EXPECT_EQ(sts_local_issuer_create(path.c_str(), dir.path.c_str(), error, sizeof(error)), nullptr);
    EXPECT_NE(std::string(error).find("the session key file " + path + " must be private"), std::string::npos) << error;
    EXPECT_EQ(std::string(error).find("00112233"), std::string::npos) << error;
    chmod(path.c_str(), 0600);
    sts_issuer_t *issuer = sts_local_issuer_create(path.c_str(), dir.path.c_str(), error, sizeof(error));
    ASSERT_NE(issuer, nullptr) << error;
    issuer->destroy(issuer);
}

class LocalIssuer : public ::testing::Test
{
  protected:
    TempDir dir;
    TempDir other_dir;
    sts_issuer_t *issuer = nullptr;
    sts_issuer_t *other = nullptr;
    sts_service_t service;
    sts_method_t method{};
    sts_call_t call;

    void SetUp() override
    {
        char error[256];
        issuer = sts_local_issuer_create(nullptr, dir.path.c_str(), error, sizeof(error));
        ASSERT_NE(issuer, nullptr) << error;
        other = sts_local_issuer_create(nullptr, other_dir.path.c_str(), error, sizeof(error));
        ASSERT_NE(other, nullptr) << error;
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

TEST_F(LocalIssuer, ExpiredCredentials)
{
    sts_issued_credentials_t expired = issue(issuer, -10);
    sts_verify_result_t result = verify(expired.access_key_id, expired.session_token);
    EXPECT_EQ(result.reason, STS_VERIFY_EXPIRED);
    EXPECT_EQ(result.expiration, expired.expiration);
}

} // namespace
