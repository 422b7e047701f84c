#include <gtest/gtest.h>

#include <sys/time.h>
#include <ldap.h>

#include <string>

extern "C" {
#include "directory/ldap_text.h"
}

namespace
{

std::string dn_escape(const std::string &value)
{
    std::string out(STS_LDAP_DN_ESCAPE_MAX(value.size()), '#');
    size_t n = sts_ldap_dn_escape(value.data(), value.size(), &out[0], out.size());
    EXPECT_LT(n, out.size());
    EXPECT_EQ(out[n], '\0');
    return out.substr(0, n);
}

/* What libldap reads back from "uid=<escaped>,ou=people,dc=example": the RDN count and the uid value. */
void parse_back(const std::string &escaped, size_t *rdns, std::string *uid)
{
    std::string dn = "uid=" + escaped + ",ou=people,dc=example";
    LDAPDN parsed = nullptr;
    ASSERT_EQ(ldap_str2dn(dn.c_str(), &parsed, LDAP_DN_FORMAT_LDAPV3), LDAP_SUCCESS) << dn;
    size_t n = 0;
    while (parsed[n] != nullptr)
        n++;
    *rdns = n;
    ASSERT_NE(parsed[0][0], nullptr);
    EXPECT_EQ(parsed[0][1], nullptr) << "the first RDN must stay single-valued: " << dn;
    *uid = std::string(parsed[0][0]->la_value.bv_val, parsed[0][0]->la_value.bv_len);
    ldap_dnfree(parsed);
}

TEST(LdapDnEscape, PlainNamesAreCopied)
{
    EXPECT_EQ(dn_escape("alice"), "alice");
    EXPECT_EQ(dn_escape("john.doe-2_x@example.org"), "john.doe-2_x@example.org");
    EXPECT_EQ(dn_escape(""), "");
}

TEST(LdapDnEscape, SpecialCharactersGetABackslash)
{
    EXPECT_EQ(dn_escape("a,b"), "a\\,b");
    EXPECT_EQ(dn_escape("a+b=c"), "a\\+b\\=c");
    EXPECT_EQ(dn_escape("\"<>;\\"), "\\\"\\<\\>\\;\\\\");
    EXPECT_EQ(dn_escape("#lead"), "\\#lead");
    EXPECT_EQ(dn_escape("mid#dle"), "mid#dle");
    EXPECT_EQ(dn_escape(" both "), "\\ both\\ ");
    EXPECT_EQ(dn_escape("in side"), "in side");
    EXPECT_EQ(dn_escape(std::string("a\0b\n\x7f\xc3\xa9", 7)), "a\\00b\\0a\\7f\\c3\\a9");
}

/* The attacker's usernames: whatever they hold, libldap parses the DN back to the same three RDNs and the value. */
TEST(LdapDnEscape, HostileNamesStayOneValue)
{
    const std::string hostile[] = {"alice,ou=admins",
                                   "alice+cn=admin",
                                   "x,dc=evil,dc=org",
                                   "a\\,b",
                                   "#3041",
                                   " alice",
                                   "alice ",
                                   "\"quoted\"",
                                   "<angle>;semi",
                                   "cn=admin",
                                   std::string("n\0ul", 4),
                                   "*)(uid=*",
                                   "\xc3\xa9l\xc3\xa8ve"};
    for (const std::string &name : hostile) {
        size_t rdns = 0;
        std::string uid;
        parse_back(dn_escape(name), &rdns, &uid);
        EXPECT_EQ(rdns, 3u) << name;
        EXPECT_EQ(uid, name);
    }
}

TEST(LdapDnEscape, TooSmallABufferGetsAnEmptyString)
{
    char out[4] = "zzz";
    EXPECT_EQ(sts_ldap_dn_escape("a,b", 3, out, sizeof(out)), 4u);
    EXPECT_STREQ(out, "");
    EXPECT_EQ(sts_ldap_dn_escape("a,b", 3, nullptr, 0), 4u);
}

TEST(LdapTemplate, NeedsExactlyOneValue)
{
    char error[256];
    EXPECT_EQ(sts_ldap_template_check("(uid=%s)", "ldap_user_filter", error, sizeof(error)), 0);
    EXPECT_EQ(sts_ldap_template_check("(&(uid=%s)(x=100%%))", "ldap_user_filter", error, sizeof(error)), 0);
    EXPECT_EQ(sts_ldap_template_check("(uid=alice)", "ldap_user_filter", error, sizeof(error)), -1);
    EXPECT_STREQ(error, "ldap_user_filter must hold %s (where the username goes) exactly once, not 0 times");
    EXPECT_EQ(sts_ldap_template_check("(|(uid=%s)(mail=%s))", "ldap_user_filter", error, sizeof(error)), -1);
    EXPECT_STREQ(error, "ldap_user_filter must hold %s (where the username goes) exactly once, not 2 times");
    EXPECT_EQ(sts_ldap_template_check("uid=%d,ou=people", "ldap_user_dn_template", error, sizeof(error)), -1);
    EXPECT_STREQ(error, "ldap_user_dn_template: a '%' must start %s (the username) or %% (a literal '%')");
    EXPECT_EQ(sts_ldap_template_check("uid=%s%", "ldap_user_dn_template", error, sizeof(error)), -1);
}

TEST(LdapTemplate, FillsTheValueAndLiteralPercents)
{
    char out[64];
    EXPECT_EQ(sts_ldap_template_fill("(&(uid=%s)(x=100%%))", "a\\2a", out, sizeof(out)), 21u);
    EXPECT_STREQ(out, "(&(uid=a\\2a)(x=100%))");
    char small[8] = "zzz";
    EXPECT_EQ(sts_ldap_template_fill("(uid=%s)", "alice", small, sizeof(small)), 11u);
    EXPECT_STREQ(small, "");
}

} // namespace
