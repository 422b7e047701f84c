#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

extern "C" {
#include "aws/client.h"
}

namespace
{

class AwsClient : public ::testing::Test
{
  protected:
    std::string dir, access_path, secret_path;
    char error[768] = "";
    static void TearDownTestSuite()
    {
        sts_aws_http_global_cleanup();
    }
    void SetUp() override
    {
        char tmpl[] = "/tmp/sts-aws-client-test-XXXXXX";
        dir = mkdtemp(tmpl);
        access_path = dir + "/access_key";
        secret_path = dir + "/secret_key";
        write(access_path, "AKIATEST", 0600);
        write(secret_path, "not-a-real-secret", 0600);
    }
    void TearDown() override
    {
        std::remove(access_path.c_str());
        std::remove(secret_path.c_str());
        rmdir(dir.c_str());
    }
    static void write(const std::string &path, const std::string &text, mode_t mode)
    {
        std::ofstream(path) << text;
        chmod(path.c_str(), mode);
    }
    sts_aws_connection_t connection(const char *url)
    {
        sts_aws_connection_t c{};
        c.url = url;
        c.region = "us-east-1";
        c.access_key_file = access_path.c_str();
        c.secret_key_file = secret_path.c_str();
        c.connect_timeout_ms = 1000;
        c.timeout_ms = 2000;
        return c;
    }
};

TEST_F(AwsClient, UrlCredentialsNeverReachMessages)
{
    sts_aws_client_t client;
    sts_aws_connection_t bad = connection("ftp://user:hunter2@127.0.0.1/");
    EXPECT_EQ(sts_aws_client_init(&client, &bad, error, sizeof(error)), -1);
    EXPECT_NE(std::string(error).find("'ftp://127.0.0.1/' is not an http or https URL"), std::string::npos) << error;
    EXPECT_EQ(std::string(error).find("hunter2"), std::string::npos) << error;

    /* Port 1 on loopback refuses at once: the message names the endpoint, without its user information. */
    sts_aws_connection_t good = connection("http://user:hunter2@127.0.0.1:1/");
    ASSERT_EQ(sts_aws_client_init(&client, &good, error, sizeof(error)), 0) << error;
    EXPECT_STREQ(client.shown_url, "http://127.0.0.1:1/");
    sts_arena_t arena;
    sts_arena_init(&arena);
    sts_aws_reply_t reply;
    sts_aws_client_call(&client, "sts", "Action=GetSessionToken&Version=2011-06-15", NULL, 0, &arena, &reply);
    EXPECT_EQ(reply.outcome, STS_AWS_UNREACHABLE);
    EXPECT_NE(std::string(reply.message).find("cannot reach the STS at http://127.0.0.1:1/"), std::string::npos)
        << reply.message;
    EXPECT_EQ(std::string(reply.message).find("hunter2"), std::string::npos) << reply.message;
    sts_arena_dispose(&arena);
    sts_aws_client_dispose(&client);
}

TEST_F(AwsClient, SharedCredentialFilesAreRefused)
{
    chmod(secret_path.c_str(), 0644);
    sts_aws_client_t client;
    sts_aws_connection_t c = connection("http://127.0.0.1:1/");
    EXPECT_EQ(sts_aws_client_init(&client, &c, error, sizeof(error)), STS_SECRET_FILE_NOT_PRIVATE);
    EXPECT_NE(std::string(error).find(secret_path + " must be private"), std::string::npos) << error;
}

} // namespace
