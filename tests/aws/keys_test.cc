#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

extern "C" {
#include "aws/keys.h"
}

namespace
{

class AwsKeys : public ::testing::Test
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
    void write(const std::string &path, const std::string &text, mode_t mode = 0600)
    {
        std::ofstream(path + ".tmp") << text;
        chmod((path + ".tmp").c_str(), mode);
        std::rename((path + ".tmp").c_str(), path.c_str()); /* as Kubernetes swaps Secret files */
    }
};

TEST_F(AwsKeys, ReadsTrimmedValuesAndRereadsOnChange)
{
    write(access_path, "  AKIAFIRST\n");
    write(secret_path, "first-secret\n");
    sts_aws_keys_t keys;
    char error[256];
    ASSERT_EQ(sts_aws_keys_init(&keys, access_path.c_str(), secret_path.c_str(), error, sizeof(error)), 0) << error;
    char access[STS_AWS_KEY_MAX], secret[STS_AWS_KEY_MAX];
    sts_aws_keys_get(&keys, access, secret);
    EXPECT_STREQ(access, "AKIAFIRST");
    EXPECT_STREQ(secret, "first-secret");
    write(secret_path, "second-secret-longer");
    sts_aws_keys_get(&keys, access, secret);
    EXPECT_STREQ(secret, "second-secret-longer");
    write(secret_path, "");
    sts_aws_keys_get(&keys, access, secret); /* an emptied file keeps the last good value */
    EXPECT_STREQ(secret, "second-secret-longer");
    sts_aws_keys_dispose(&keys);
}

TEST_F(AwsKeys, MissingOrEmptyFilesAreErrorsNamingTheFile)
{
    write(access_path, "AKIA");
    sts_aws_keys_t keys;
    char error[256];
    EXPECT_EQ(sts_aws_keys_init(&keys, access_path.c_str(), secret_path.c_str(), error, sizeof(error)), -1);
    EXPECT_NE(std::string(error).find(secret_path), std::string::npos) << error;
    write(secret_path, " \n");
    EXPECT_EQ(sts_aws_keys_init(&keys, access_path.c_str(), secret_path.c_str(), error, sizeof(error)), -1);
    EXPECT_NE(std::string(error).find("must hold one value"), std::string::npos) << error;
}

TEST_F(AwsKeys, SharedKeyFilesAreRefusedUnlessAllowed)
{
    for (mode_t mode : {0644, 0640, 0604, 0660, 0602}) {
        write(access_path, "AKIA", 0600);
        write(secret_path, "the-secret", mode);
        sts_aws_keys_t keys;
        char error[512];
        EXPECT_EQ(sts_aws_keys_init(&keys, access_path.c_str(), secret_path.c_str(), error, sizeof(error)),
                  STS_SECRET_FILE_NOT_PRIVATE)
            << std::oct << mode;
        EXPECT_NE(std::string(error).find(secret_path + " must be private"), std::string::npos) << error;
        EXPECT_NE(std::string(error).find("secret_files_allow_shared"), std::string::npos) << error;
        EXPECT_EQ(std::string(error).find("the-secret"), std::string::npos) << error;
    }
    write(access_path, "AKIA", 0644);
    write(secret_path, "the-secret", 0400);
    sts_aws_keys_t keys;
    char error[512];
    EXPECT_EQ(sts_aws_keys_init(&keys, access_path.c_str(), secret_path.c_str(), error, sizeof(error)),
              STS_SECRET_FILE_NOT_PRIVATE);
    EXPECT_NE(std::string(error).find(access_path), std::string::npos) << error;
    sts_secret_files_allow_shared(1);
    EXPECT_EQ(sts_aws_keys_init(&keys, access_path.c_str(), secret_path.c_str(), error, sizeof(error)), 0) << error;
    sts_secret_files_allow_shared(0);
    char access[STS_AWS_KEY_MAX], secret[STS_AWS_KEY_MAX];
    sts_aws_keys_get(&keys, access, secret);
    EXPECT_STREQ(secret, "the-secret");
    /* A rotation to a shared file keeps the last good values. */
    write(secret_path, "rotated-but-shared", 0644);
    sts_aws_keys_get(&keys, access, secret);
    EXPECT_STREQ(secret, "the-secret");
    write(secret_path, "rotated", 0600);
    sts_aws_keys_get(&keys, access, secret);
    EXPECT_STREQ(secret, "rotated");
    sts_aws_keys_dispose(&keys);
}

} // namespace
