#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

extern "C" {
#include "directory/ldap_directory.h"
}

namespace
{

/* DIR/env of tests/ldap/slapd.sh, or empty when the test runs without the fixture. */
std::map<std::string, std::string> fixture()
{
    std::map<std::string, std::string> values;
    const char *dir = getenv("STS_LDAP_DIR");
    if (dir == nullptr)
        return values;
    std::ifstream in(std::string(dir) + "/env");
    for (std::string line; std::getline(in, line);) {
        size_t equals = line.find('=');
        if (equals != std::string::npos)
            values[line.substr(0, equals)] = line.substr(equals + 1);
    }
    return values;
}

std::string read_file(const std::string &path)
{
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/* The directory module alone against the real slapd: what reaches the filter and the DN when the username check in
   core is not there to stop it first. */
class LdapLive : public ::testing::Test
{
  protected:
    std::map<std::string, std::string> env;
    std::string service_password, dn_template;
    sts_arena_t arena;

    void SetUp() override
    {
        sts_arena_init(&arena);
        env = fixture();
        ASSERT_FALSE(env.empty()) << "no STS_LDAP_DIR/env: run it as ctest's directory_ldap_live (the ldap fixture)";
        service_password = read_file(env["LDAP_BIND_PASSWORD_FILE"]);
        dn_template = "uid=%s," + env["LDAP_PEOPLE_BASE"];
    }
    void TearDown() override
    {
        sts_arena_dispose(&arena);
    }

    sts_directory_result_t authenticate(bool direct, const std::string &username, const std::string &password,
                                        sts_directory_user_t *user = nullptr)
    {
        sts_ldap_settings_t s = {};
        s.url = env["LDAP_URL"].c_str();
        s.starttls = 1;
        s.ca_file = env["LDAP_CA_FILE"].c_str();
        if (direct) {
            s.user_dn_template = dn_template.c_str();
        } else {
            s.bind_dn = env["LDAP_BIND_DN"].c_str();
            s.bind_password = service_password.c_str();
            s.base_dn = env["LDAP_BASE"].c_str();
            s.user_filter = "(uid=%s)";
        }
        s.group_base_dn = env["LDAP_GROUPS_BASE"].c_str();
        s.group_filter = "(member=%s)";
        s.role_map = "admins=admin";
        s.timeout_ms = 3000;
        sts_user_directory_t *directory = nullptr;
        char error[512] = "";
        EXPECT_EQ(sts_ldap_directory_create(&s, &directory, error, sizeof(error)), 0) << error;
        sts_directory_user_t out;
        sts_directory_result_t result =
            directory->authenticate(directory, username.c_str(), password.c_str(), &arena, &out, error, sizeof(error));
        EXPECT_NE(result, STS_DIRECTORY_UNAVAILABLE) << error;
        if (user != nullptr)
            *user = out;
        directory->destroy(directory);
        return result;
    }
};

TEST_F(LdapLive, AliceLogsInWithHerGroupsRoles)
{
    for (bool direct : {false, true}) {
        sts_directory_user_t user;
        ASSERT_EQ(authenticate(direct, "alice", env["LDAP_ALICE_PASSWORD"], &user), STS_DIRECTORY_OK);
        EXPECT_STREQ(user.dn, env["LDAP_ALICE_DN"].c_str());
        EXPECT_STREQ(user.username, "alice");
        ASSERT_EQ(authenticate(direct, "ALICE", env["LDAP_ALICE_PASSWORD"], &user), STS_DIRECTORY_OK);
        EXPECT_STREQ(user.username, "alice") << "the entry's uid, not what was typed";
        EXPECT_STREQ(user.username, "alice");
        ASSERT_EQ(authenticate(direct, "ALICE", env["LDAP_ALICE_PASSWORD"], &user), STS_DIRECTORY_OK);
        EXPECT_STREQ(user.username, "alice") << "the entry's uid, not what was typed";
        ASSERT_EQ(user.role_count, 1u);
        EXPECT_STREQ(user.roles[0], "admin");
        EXPECT_EQ(authenticate(direct, "alice", "not-her-password"), STS_DIRECTORY_WRONG_PASSWORD);
    }
    EXPECT_EQ(authenticate(false, "nobody", "x"), STS_DIRECTORY_UNKNOWN_USER);
}

/* Usernames that, unescaped, would make the filter match alice (or everyone): none is alice, whatever the password. */
TEST_F(LdapLive, FilterMetacharactersMatchNobody)
{
    const char *hostile[] = {
        "*",        "al*",        "a*e", "*)(uid=*", "alice)(uid=*", "alice)(|(uid=*", "*)(|(objectClass=*",
        "alic\\65", "(uid=alice)"};
    for (const char *username : hostile) {
        EXPECT_EQ(authenticate(false, username, env["LDAP_ALICE_PASSWORD"]), STS_DIRECTORY_UNKNOWN_USER) << username;
    }
}

/*
 * With a DN template, a username cannot add RDNs or name another entry (the service account, the admin). (" alice"
 * is not here: uid's matching rule ignores surrounding spaces, so slapd takes "uid=\ alice" for alice by design.)
 */
TEST_F(LdapLive, DnMetacharactersNameNoOtherEntry)
{
    const std::string hostile[] = {
        "alice,ou=people", "sts-service,ou=services", "alice+cn=x", "x,uid=alice", "\\61lice", "alic\\65"};
    for (const std::string &username : hostile) {
        EXPECT_EQ(authenticate(true, username, env["LDAP_ALICE_PASSWORD"]), STS_DIRECTORY_WRONG_PASSWORD) << username;
        EXPECT_EQ(authenticate(true, username, service_password), STS_DIRECTORY_WRONG_PASSWORD) << username;
    }
}

} // namespace
