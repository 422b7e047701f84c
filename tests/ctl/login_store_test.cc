#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

extern "C" {
#include "ctl/json.h"
#include "ctl/login_store.h"
#include "util/base64.h"
}

namespace
{

std::string jwt_with_payload(const std::string &payload)
{
    char encoded[1024];
    sts_base64_encode(reinterpret_cast<const uint8_t *>(payload.data()), payload.size(), encoded, sizeof(encoded),
                      STS_BASE64_URL_RAW);
    return std::string("eyJhbGciOiJFUzI1NiJ9.") + encoded + ".c2ln";
}

TEST(CtlLoginStore, JwtExpiry)
{
    EXPECT_EQ(sts_ctl_login_jwt_expiry(jwt_with_payload("{\"sub\":\"a\",\"exp\":1900000000}").c_str()), 1900000000);
    EXPECT_EQ(sts_ctl_login_jwt_expiry(jwt_with_payload("{\"sub\":\"a\"}").c_str()), 0);
    EXPECT_EQ(sts_ctl_login_jwt_expiry(jwt_with_payload("{\"exp\":\"soon\"}").c_str()), 0);
    EXPECT_EQ(sts_ctl_login_jwt_expiry(jwt_with_payload("not json").c_str()), 0);
    EXPECT_EQ(sts_ctl_login_jwt_expiry("no-dots"), 0);
    EXPECT_EQ(sts_ctl_login_jwt_expiry("one.dot"), 0);
    EXPECT_EQ(sts_ctl_login_jwt_expiry("a.!!!.c"), 0);
    EXPECT_EQ(sts_ctl_login_jwt_expiry((std::string("a.") + std::string(20000, 'A') + ".c").c_str()), 0);
}

class CtlLoginFile : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        char pattern[] = "/tmp/stsctl-store-XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        dir = pattern;
        path = dir + "/sub/dir/login.json";
    }
    void TearDown() override
    {
        std::string command = "rm -rf '" + dir + "'";
        ASSERT_EQ(system(command.c_str()), 0);
    }
    std::string dir, path;
};

TEST_F(CtlLoginFile, SaveAndLoadRoundTripPrivately)
{
    sts_ctl_login_t login = {};
    login.url = const_cast<char *>("http://127.0.0.1:9090");
    login.username = const_cast<char *>("al\"ice");
    login.access_token = const_cast<char *>("a.b.c");
    login.refresh_token = const_cast<char *>("sts-rt-v1:x:y");
    login.access_expires = 1900000000;
    umask(0);
    ASSERT_EQ(sts_ctl_login_save(path.c_str(), &login), 0);
    umask(022);
    struct stat info;
    ASSERT_EQ(stat(path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    ASSERT_EQ(stat((dir + "/sub/dir").c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0700u);
    sts_ctl_login_t loaded = {};
    ASSERT_EQ(sts_ctl_login_load(path.c_str(), &loaded), 0);
    EXPECT_STREQ(loaded.url, login.url);
    EXPECT_STREQ(loaded.username, "al\"ice");
    EXPECT_STREQ(loaded.access_token, "a.b.c");
    EXPECT_STREQ(loaded.refresh_token, "sts-rt-v1:x:y");
    EXPECT_EQ(loaded.access_expires, 1900000000);
    sts_ctl_login_dispose(&loaded);
    EXPECT_EQ(loaded.url, nullptr);
}

TEST_F(CtlLoginFile, MissingAndDamagedFiles)
{
    sts_ctl_login_t loaded = {};
    EXPECT_EQ(sts_ctl_login_load((dir + "/none.json").c_str(), &loaded), 1);
    for (const char *text :
         {"", "{", "[]", "{\"url\":\"u\"}",
          "{\"url\":\"u\",\"access-token\":\"a\",\"refresh-token\":\"r\",\"access-expires\":\"x\"}"}) {
        std::string damaged = dir + "/damaged.json";
        FILE *file = fopen(damaged.c_str(), "w");
        ASSERT_NE(file, nullptr);
        fputs(text, file);
        fclose(file);
        EXPECT_EQ(sts_ctl_login_load(damaged.c_str(), &loaded), -1) << text;
        EXPECT_EQ(loaded.url, nullptr);
    }
    // A symbolic link is not followed (another user could point it anywhere).
    std::string target = dir + "/target.json", link_path = dir + "/link.json";
    FILE *file = fopen(target.c_str(), "w");
    fputs("{\"url\":\"u\",\"access-token\":\"a\",\"refresh-token\":\"r\",\"access-expires\":1}", file);
    fclose(file);
    ASSERT_EQ(symlink(target.c_str(), link_path.c_str()), 0);
    EXPECT_EQ(sts_ctl_login_load(target.c_str(), &loaded), 0);
    sts_ctl_login_dispose(&loaded);
    EXPECT_EQ(sts_ctl_login_load(link_path.c_str(), &loaded), -1);
}

TEST(CtlJson, QuoteEscapes)
{
    char *quoted = sts_ctl_json_quote("a\"b\\c\n\x01/");
    EXPECT_STREQ(quoted, "a\\\"b\\\\c\\n\\u0001/");
    free(quoted);
    quoted = sts_ctl_json_quote("");
    EXPECT_STREQ(quoted, "");
    free(quoted);
}

} // namespace
