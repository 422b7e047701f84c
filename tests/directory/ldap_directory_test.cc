#include <gtest/gtest.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <chrono>
#include <string>

extern "C" {
#include "directory/ldap_directory.h"
}

namespace
{

sts_ldap_settings_t search_settings()
{
    sts_ldap_settings_t s = {};
    s.url = "ldap://127.0.0.1:1";
    s.bind_dn = "cn=sts,dc=example";
    s.bind_password = "service-secret";
    s.base_dn = "dc=example";
    s.user_filter = "(uid=%s)";
    s.starttls = 1;
    s.group_filter = "(member=%s)";
    s.role_map = "";
    s.timeout_ms = 2000;
    return s;
}

std::string check(const sts_ldap_settings_t &s)
{
    char error[512] = "";
    return sts_ldap_settings_check(&s, error, sizeof(error)) == 0 ? "ok" : error;
}

TEST(LdapSettings, OneWayToFindUsers)
{
    sts_ldap_settings_t s = search_settings();
    EXPECT_EQ(check(s), "ok");
    s.user_dn_template = "uid=%s,dc=example";
    EXPECT_NE(check(s).find("either ldap_bind_dn"), std::string::npos);
    s.bind_dn = nullptr;
    EXPECT_EQ(check(s), "ok") << "direct bind";
    s.user_dn_template = nullptr;
    EXPECT_NE(check(s).find("either ldap_bind_dn"), std::string::npos);
    s = search_settings();
    s.bind_password = nullptr;
    EXPECT_EQ(check(s), "ldap_bind_dn needs ldap_bind_password_file and ldap_base_dn");
    s = search_settings();
    s.base_dn = nullptr;
    EXPECT_EQ(check(s), "ldap_bind_dn needs ldap_bind_password_file and ldap_base_dn");
}

TEST(LdapSettings, BadValuesNameTheirOption)
{
    sts_ldap_settings_t s = search_settings();
    s.url = "http://127.0.0.1:389";
    EXPECT_EQ(check(s), "ldap_url must be an ldap:// or ldaps:// URL, got 'http://127.0.0.1:389'");
    s = search_settings();
    s.user_filter = "(uid=alice)";
    EXPECT_EQ(check(s), "ldap_user_filter must hold %s (where the username goes) exactly once, not 0 times");
    s = search_settings();
    s.group_filter = "(member=%s)(x=%s)";
    EXPECT_EQ(check(s), "ldap_group_filter must hold %s (where the username goes) exactly once, not 2 times");
    s = search_settings();
    s.bind_dn = nullptr;
    s.user_dn_template = "uid=alice";
    EXPECT_EQ(check(s), "ldap_user_dn_template must hold %s (where the username goes) exactly once, not 0 times");
    s = search_settings();
    s.role_map = "admins=admin";
    EXPECT_EQ(check(s), "ldap_role_map needs ldap_group_base_dn, where the groups are searched");
    s.group_base_dn = "ou=groups,dc=example";
    EXPECT_EQ(check(s), "ok");
    s.role_map = "admins";
    EXPECT_EQ(check(s), "ldap_role_map: 'admins' is not GROUP=role|role");
}

/* A port nothing listens on: taken from the kernel, then closed. */
int closed_port()
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address = {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(address);
    bind(fd, (sockaddr *)&address, sizeof(address));
    getsockname(fd, (sockaddr *)&address, &len);
    close(fd);
    return ntohs(address.sin_port);
}

class LdapDirectory : public ::testing::Test
{
  protected:
    sts_user_directory_t *directory = nullptr;
    sts_arena_t arena;
    std::string url;
    void SetUp() override
    {
        sts_arena_init(&arena);
        url = "ldap://127.0.0.1:" + std::to_string(closed_port());
        sts_ldap_settings_t s = search_settings();
        s.url = url.c_str();
        char error[256];
        ASSERT_EQ(sts_ldap_directory_create(&s, &directory, error, sizeof(error)), 0) << error;
    }
    void TearDown() override
    {
        if (directory != nullptr)
            directory->destroy(directory);
        sts_arena_dispose(&arena);
    }
};

/* An empty password never reaches the directory (an unauthenticated bind would succeed): here the directory is
   down, so asking it would give UNAVAILABLE. */
TEST_F(LdapDirectory, AnEmptyPasswordIsRefusedWithoutAskingTheDirectory)
{
    EXPECT_EQ(directory->name, url);
    sts_directory_user_t user;
    char error[512] = "";
    EXPECT_EQ(directory->authenticate(directory, "alice", "", &arena, &user, error, sizeof(error)),
              STS_DIRECTORY_WRONG_PASSWORD);
    EXPECT_STREQ(error, "");
}

TEST_F(LdapDirectory, AnUnreachableDirectoryIsUnavailableAndSaysWhy)
{
    sts_directory_user_t user;
    char error[512] = "";
    auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(directory->authenticate(directory, "alice", "pw", &arena, &user, error, sizeof(error)),
              STS_DIRECTORY_UNAVAILABLE);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
    EXPECT_NE(std::string(error).find("Can't contact LDAP server"), std::string::npos) << error;
    EXPECT_EQ(std::string(error).find("service-secret"), std::string::npos) << error;
    EXPECT_EQ(std::string(error).find("pw"), std::string::npos) << error;
}

/* A server that takes the connection (the kernel's backlog) and never answers: each step must time out. */
TEST(LdapDirectoryTimeouts, ASilentServerIsUnavailableWithinTheTimeout)
{
    alarm(30); /* a hang is the failure this test looks for: end it here rather than at ctest's timeout */
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address = {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(address);
    ASSERT_EQ(bind(listener, (sockaddr *)&address, sizeof(address)), 0);
    ASSERT_EQ(listen(listener, 16), 0);
    getsockname(listener, (sockaddr *)&address, &len);
    std::string port = std::to_string(ntohs(address.sin_port));
    for (const std::string &url : {"ldap://127.0.0.1:" + port, "ldaps://127.0.0.1:" + port}) {
        for (int starttls : {1, 0}) {
            sts_ldap_settings_t s = search_settings();
            s.url = url.c_str();
            s.starttls = starttls;
            s.timeout_ms = 1000;
            sts_user_directory_t *directory = nullptr;
            char error[512] = "";
            ASSERT_EQ(sts_ldap_directory_create(&s, &directory, error, sizeof(error)), 0) << error;
            sts_arena_t arena;
            sts_arena_init(&arena);
            sts_directory_user_t user;
            auto started = std::chrono::steady_clock::now();
            EXPECT_EQ(directory->authenticate(directory, "alice", "pw", &arena, &user, error, sizeof(error)),
                      STS_DIRECTORY_UNAVAILABLE)
                << url;
            auto took = std::chrono::steady_clock::now() - started;
            EXPECT_LT(took, std::chrono::milliseconds(3500)) << url << " starttls=" << starttls << ": " << error;
            EXPECT_GE(took, std::chrono::milliseconds(900)) << url << ": " << error;
            directory->destroy(directory);
            sts_arena_dispose(&arena);
        }
    }
    close(listener);
    alarm(0);
}

} // namespace
