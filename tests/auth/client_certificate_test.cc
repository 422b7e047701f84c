#include <gtest/gtest.h>

#include <string>
#include <vector>

extern "C" {
#include "auth/chain.h"
#include "auth/client_certificate_authenticator.h"
}

namespace
{

class ClientCertificate : public ::testing::Test
{
  protected:
    sts_call_t call;
    sts_client_certificate_authenticator_t *auth = nullptr;
    char error[256] = "";

    void SetUp() override
    {
        sts_call_init(&call, nullptr, nullptr);
    }
    void TearDown() override
    {
        sts_call_dispose(&call);
        sts_client_certificate_authenticator_destroy(auth);
    }
    const char *common_name(const char *subject)
    {
        return sts_client_certificate_common_name(&call.arena, subject);
    }
    std::vector<std::string> roles() const
    {
        return std::vector<std::string>(call.principal.roles, call.principal.roles + call.principal.role_count);
    }
    void authenticate(const char *grants, const char *subject)
    {
        sts_client_certificate_authenticator_destroy(auth);
        auth = sts_client_certificate_authenticator_create(grants, error, sizeof(error));
        ASSERT_NE(auth, nullptr) << error;
        sts_call_dispose(&call);
        sts_call_init(&call, nullptr, nullptr);
        call.client_certificate_subject = subject;
        ASSERT_EQ(sts_client_certificate_authenticate(auth, &call), STS_STATUS_OK);
    }
};

/* Subjects as OpenSSL's X509_NAME_print_ex(XN_FLAG_RFC2253) writes them, which is what gRPC hands over. */
TEST_F(ClientCertificate, CommonNameOfAnRfc2253Subject)
{
    EXPECT_STREQ(common_name("CN=robot"), "robot");
    EXPECT_STREQ(common_name("CN=robot-admin,O=Ops\\, Inc.,C=DE"), "robot-admin");
    EXPECT_STREQ(common_name("O=robot-admin,CN=x"), "x");
    EXPECT_STREQ(common_name("OU=cn:admin,CN=x"), "x");
    EXPECT_STREQ(common_name("CN=a\\,CN\\=b,O=o"), "a,CN=b");
    EXPECT_STREQ(common_name("CN=a\\+b+UID=7"), "a+b");
    EXPECT_STREQ(common_name("UID=7+CN=multi,O=o"), "multi");
    EXPECT_STREQ(common_name("cn=lower"), "lower");
    EXPECT_STREQ(common_name("2.5.4.3=by-oid"), "by-oid");
    EXPECT_STREQ(common_name("CN=caf\\C3\\A9"), "caf\xc3\xa9"); /* UTF-8 arrives hex-escaped */
    EXPECT_STREQ(common_name("CN=a\\\\b"), "a\\b");
    EXPECT_STREQ(common_name("CN="), "");
    EXPECT_EQ(common_name("O=only,C=DE"), nullptr);
    EXPECT_EQ(common_name(""), nullptr);
    EXPECT_EQ(common_name("CNX=no"), nullptr);
    EXPECT_EQ(common_name("ACN=no"), nullptr);
}

TEST_F(ClientCertificate, ControlCharactersStayEscaped)
{
    /* A NUL or newline inside the name must never shorten it into another name, nor reach a log line raw. */
    EXPECT_STREQ(common_name("CN=robot-admin\\00x"), "robot-admin\\00x");
    EXPECT_STREQ(common_name("CN=robot-admin\\0A"), "robot-admin\\0A");
    EXPECT_STREQ(common_name("CN=a\\7Fb"), "a\\7Fb");
    EXPECT_STREQ(common_name("CN=trailing\\"), "trailing\\");
}

TEST_F(ClientCertificate, PrincipalFromTheCertificate)
{
    authenticate("cn:robot-admin=admin|ops, cn:robot-ops=ops,cn:robot-admin=audit", "CN=robot-admin,O=Ops\\, Inc.");
    EXPECT_EQ(call.principal.authenticated, 1);
    EXPECT_EQ(call.principal.domain, 12); /* X509 */
    EXPECT_STREQ(call.principal.auth_id, "CN=robot-admin,O=Ops\\, Inc.");
    EXPECT_STREQ(call.principal.name, "robot-admin");
    EXPECT_EQ(roles(), (std::vector<std::string>{"admin", "ops", "audit"}));

    authenticate("cn:robot-admin=admin", "CN=robot-ops");
    EXPECT_EQ(call.principal.authenticated, 1);
    EXPECT_STREQ(call.principal.name, "robot-ops");
    EXPECT_TRUE(roles().empty());

    authenticate(nullptr, "CN=robot-admin");
    EXPECT_TRUE(roles().empty());

    authenticate("cn:name=with=equals=admin", "CN=name\\=with\\=equals");
    EXPECT_EQ(roles(), (std::vector<std::string>{"admin"}));
}

TEST_F(ClientCertificate, LookAlikesGetNoRoles)
{
    const char *subjects[] = {"CN=Robot-Admin",         "CN=robot-admin ",        "CN=robot-admin2",
                              "CN=robot-admin\\00x",    "CN=robot-admin\\0A",     "O=robot-admin,CN=x",
                              "CN=x,OU=cn:robot-admin", "CN=robot-admin\\,O\\=x", "O=robot-admin",
                              "CN=r\\D0\\BEbot-admin"};
    for (const char *subject : subjects) {
        authenticate("cn:robot-admin=admin", subject);
        EXPECT_TRUE(roles().empty()) << subject;
    }
    /* Without a CN the whole subject is the name, and it matches no grant. */
    authenticate("cn:robot-admin=admin", "O=robot-admin");
    EXPECT_STREQ(call.principal.name, "O=robot-admin");
}

TEST_F(ClientCertificate, MalformedGrantsAreRefusedByName)
{
    const char *bad[] = {"robot=admin", "cn:=admin", "cn:robot=", "cn:robot=a||b", "cn:robot=|a", "cn:robot", "x"};
    for (const char *grants : bad) {
        EXPECT_EQ(sts_client_certificate_authenticator_create(grants, error, sizeof(error)), nullptr) << grants;
        EXPECT_EQ(std::string(error), std::string("client_cert_roles: '") + grants + "' is not cn:NAME=role|role");
    }
}

TEST_F(ClientCertificate, TheChainLetsABearerTokenDecide)
{
    auth = sts_client_certificate_authenticator_create("cn:robot-admin=admin", error, sizeof(error));
    ASSERT_NE(auth, nullptr) << error;
    sts_auth_chain_t chain = {nullptr, nullptr, nullptr, auth};
    call.client_certificate_subject = "CN=robot-admin";
    EXPECT_EQ(sts_auth_chain_authenticate(&chain, &call), STS_STATUS_OK);
    EXPECT_EQ(roles(), (std::vector<std::string>{"admin"}));

    sts_call_dispose(&call);
    sts_call_init(&call, nullptr, nullptr);
    call.client_certificate_subject = "CN=robot-admin";
    call.authorization = "Bearer not-a-jwt";
    EXPECT_EQ(sts_auth_chain_authenticate(&chain, &call), STS_STATUS_UNAUTHENTICATED);
    EXPECT_EQ(call.principal.authenticated, 0);

    sts_call_dispose(&call);
    sts_call_init(&call, nullptr, nullptr);
    EXPECT_EQ(sts_auth_chain_authenticate(&chain, &call), STS_STATUS_UNAUTHENTICATED); /* neither */

    sts_auth_chain_t without = {nullptr, nullptr, nullptr, nullptr};
    sts_call_dispose(&call);
    sts_call_init(&call, nullptr, nullptr);
    call.client_certificate_subject = "CN=robot-admin"; /* only trusted when the chain has the authenticator */
    EXPECT_EQ(sts_auth_chain_authenticate(&without, &call), STS_STATUS_UNAUTHENTICATED);
}

} // namespace
