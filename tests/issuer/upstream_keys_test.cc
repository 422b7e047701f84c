#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

extern "C" {
#include "issuer/upstream_keys.h"
}

namespace
{

class UpstreamKeys : public ::testing::Test
{
  protected:
    std::string dir, access_path, secret_path;
    void SetUp() override
    {
        char tmpl[] = "/tmp/sts-keys-test-XXXXXX";
        dir = mkdtemp(tmpl);
        access_path = dir + "/access_key";
        secret_path = dir + "/secret_key";
    }
    void TearDown() override
    {
        std::remove(access_path.c_str());
        std::remove(secret_path.c_str());
        std::remove((dir + "/new").c_str());
        rmdir(dir.c_str());
    }
    void write(const std::string &path, const std::string &text)
    {
        std::ofstream(path + ".tmp") << text;
        std::rename((path + ".tmp").c_str(), path.c_str()); /* as Kubernetes swaps Secret files */
    }
};

TEST_F(UpstreamKeys, ReadsTrimmedValuesAndRereadsOnChange)
{
    write(access_path, "  AKIAFIRST\n");
    write(secret_path, "first-secret\n");
    sts_upstream_keys_t keys;
    char error[256];
    ASSERT_EQ(sts_upstream_keys_init(&keys, access_path.c_str(), secret_path.c_str(), error, sizeof(error)), 0)
        << error;
    char access[STS_UPSTREAM_KEY_MAX], secret[STS_UPSTREAM_KEY_MAX];
    sts_upstream_keys_get(&keys, access, secret);
    EXPECT_STREQ(access, "AKIAFIRST");
    EXPECT_STREQ(secret, "first-secret");
    write(secret_path, "second-secret-longer");
    sts_upstream_keys_get(&keys, access, secret);
    EXPECT_STREQ(secret, "second-secret-longer");
    write(secret_path, "");
    sts_upstream_keys_get(&keys, access, secret); /* an emptied file keeps the last good value */
    EXPECT_STREQ(secret, "second-secret-longer");
    sts_upstream_keys_dispose(&keys);
}

TEST_F(UpstreamKeys, MissingOrEmptyFilesAreErrorsNamingTheFile)
{
    write(access_path, "AKIA");
    sts_upstream_keys_t keys;
    char error[256];
    EXPECT_EQ(sts_upstream_keys_init(&keys, access_path.c_str(), secret_path.c_str(), error, sizeof(error)), -1);
    EXPECT_NE(std::string(error).find(secret_path), std::string::npos) << error;
    write(secret_path, " \n");
    EXPECT_EQ(sts_upstream_keys_init(&keys, access_path.c_str(), secret_path.c_str(), error, sizeof(error)), -1);
    EXPECT_NE(std::string(error).find("must hold one value"), std::string::npos) << error;
}

} // namespace
