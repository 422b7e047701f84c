#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

extern "C" {
#include "directory/role_map.h"
}

namespace
{

class RoleMap : public ::testing::Test
{
  protected:
    sts_ldap_role_map_t map = {};
    char error[256] = "";
    void TearDown() override
    {
        sts_ldap_role_map_dispose(&map);
    }

    std::vector<std::string> roles_of(const char *dn, const char *cn)
    {
        const char *roles[STS_LDAP_ROLES_MAX];
        size_t count = 0;
        sts_ldap_role_map_apply(&map, dn, cn, roles, &count, STS_LDAP_ROLES_MAX);
        return std::vector<std::string>(roles, roles + count);
    }
};

TEST_F(RoleMap, CnAndDnGrants)
{
    ASSERT_EQ(sts_ldap_role_map_parse(" admins = admin ; cn=Operators, ou=groups,dc=sts,dc=test=operator|viewer;", &map,
                                      error, sizeof(error)),
              0)
        << error;
    ASSERT_EQ(map.count, 2u);
    EXPECT_EQ(roles_of("cn=admins,ou=groups,dc=sts,dc=test", "admins"), std::vector<std::string>{"admin"});
    EXPECT_EQ(roles_of("cn=whatever,dc=x", "ADMINS"), std::vector<std::string>{"admin"}) << "a cn ignores case";
    /* The DN grant matches whatever the case and the blanks after commas. */
    EXPECT_EQ(roles_of("CN=operators,OU=Groups, dc=sts, dc=test", "operators"),
              (std::vector<std::string>{"operator", "viewer"}));
    EXPECT_TRUE(roles_of("cn=operators,ou=groups,dc=other,dc=test", "operators").empty())
        << "a DN grant names one group, not every group with that cn";
    EXPECT_TRUE(roles_of("cn=admins2,ou=groups,dc=sts,dc=test", "admins2").empty());
    EXPECT_TRUE(roles_of("cn=admins,ou=groups,dc=sts,dc=test", nullptr).empty()) << "no cn: only DN grants apply";
}

TEST_F(RoleMap, RolesAreCollectedOnceAndBounded)
{
    ASSERT_EQ(sts_ldap_role_map_parse("a=x|y; b=y|z", &map, error, sizeof(error)), 0) << error;
    const char *roles[STS_LDAP_ROLES_MAX];
    size_t count = 0;
    sts_ldap_role_map_apply(&map, "cn=a,dc=t", "a", roles, &count, STS_LDAP_ROLES_MAX);
    sts_ldap_role_map_apply(&map, "cn=b,dc=t", "b", roles, &count, STS_LDAP_ROLES_MAX);
    EXPECT_EQ(std::vector<std::string>(roles, roles + count), (std::vector<std::string>{"x", "y", "z"}));
    count = 0;
    sts_ldap_role_map_apply(&map, "cn=a,dc=t", "a", roles, &count, 1);
    EXPECT_EQ(count, 1u);
}

TEST_F(RoleMap, EmptyIsAnEmptyMap)
{
    EXPECT_EQ(sts_ldap_role_map_parse("", &map, error, sizeof(error)), 0);
    EXPECT_EQ(map.count, 0u);
    EXPECT_EQ(sts_ldap_role_map_parse(" ; ", &map, error, sizeof(error)), 0);
    EXPECT_EQ(map.count, 0u);
}

TEST_F(RoleMap, BadGrantsAreNamed)
{
    struct {
        const char *text, *message;
    } cases[] = {
        {"admins", "ldap_role_map: 'admins' is not GROUP=role|role"},
        {"=admin", "ldap_role_map: '=admin' is not GROUP=role|role"},
        {" =admin", "ldap_role_map: '=admin' is not GROUP=role|role"},
        {"admins=", "ldap_role_map: group admins: role '' is not 1 to 64 ASCII letters, digits and . _ - :"},
        {"admins=a||b", "ldap_role_map: group admins: role '' is not 1 to 64 ASCII letters, digits and . _ - :"},
        {"admins=ad min",
         "ldap_role_map: group admins: role 'ad min' is not 1 to 64 ASCII letters, digits and . _ - :"},
        {"ok=x;admins=r,s", "ldap_role_map: group admins: role 'r,s' is not 1 to 64 ASCII letters, digits and . _ - :"},
    };
    for (const auto &c : cases) {
        EXPECT_EQ(sts_ldap_role_map_parse(c.text, &map, error, sizeof(error)), -1) << c.text;
        EXPECT_STREQ(error, c.message) << c.text;
        EXPECT_EQ(map.count, 0u);
    }
}

TEST(LdapDnCanonical, CaseAndBlanksAroundSeparators)
{
    char *canonical = sts_ldap_dn_canonical(" CN = Admins ,OU=Groups,  DC=sts+uid = x ");
    EXPECT_STREQ(canonical, "cn=admins,ou=groups,dc=sts+uid=x");
    free(canonical);
    canonical = sts_ldap_dn_canonical("cn=a b\\ ,dc=t");
    EXPECT_STREQ(canonical, "cn=a b\\ ,dc=t") << "inner and escaped blanks stay";
    free(canonical);
}

} // namespace
