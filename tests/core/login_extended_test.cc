/* The ExtendedToken and ClientToken handlers: caps, refusals, and whose subject and roles the tokens carry. */
#include "core/login_fixture.h"

namespace
{

class LoginExtended : public LoginFixture
{
  protected:
    void SetUp() override
    {
        LoginFixture::SetUp();
        create_client("xco", {"viewer", "operator"}, 3600);
    }
    /* The verified token of a successful call, checked against an expected lifetime. */
    void expect_lifetime(const char *token, int64_t lifetime_s)
    {
        VerifiedToken verified;
        verify(token, verified);
        ASSERT_EQ(verified.result, STS_JWT_OK) << verified.why;
        EXPECT_NEAR(verified.identity.expires_at - verified.identity.issued_at_ms / 1000, lifetime_s, 1);
    }
};

TEST_F(LoginExtended, TheTokenIsTheClientsWithItsRolesAndNoRefreshToken)
{
    LoginCall &call = extended("xco", 600);
    ASSERT_EQ(call.status, STS_STATUS_OK) << call.message;
    auto *pair = call.as<Sts__V1__TokenPair>();
    EXPECT_STREQ(pair->token_type, "Bearer");
    EXPECT_STREQ(pair->refresh_token, "");
    EXPECT_STREQ(pair->message, "");
    VerifiedToken verified;
    verify(pair->access_token, verified);
    ASSERT_EQ(verified.result, STS_JWT_OK) << verified.why;
    EXPECT_STREQ(verified.identity.subject, "client:xco");
    EXPECT_STREQ(verified.identity.username, "xco");
    ASSERT_EQ(verified.identity.role_count, 2u);
    EXPECT_STREQ(verified.identity.roles[0], "viewer");
    EXPECT_STREQ(verified.identity.roles[1], "operator");
    EXPECT_NE(payload_of(pair->access_token).find("\"client_id\":\"xco\""), std::string::npos);
    expect_lifetime(pair->access_token, 600);
    /* The admin's own roles do not leak into it. */
    EXPECT_EQ(payload_of(pair->access_token).find("admin"), std::string::npos) << payload_of(pair->access_token);
}

TEST_F(LoginExtended, ExpiryIsCappedByTheClientAndByTheServiceAndTheMessageSaysSo)
{
    LoginCall &capped = extended("xco", 7200);
    ASSERT_EQ(capped.status, STS_STATUS_OK) << capped.message;
    EXPECT_STREQ(capped.as<Sts__V1__TokenPair>()->message,
                 "expiry capped to 3600 seconds, the longest client xco may get");
    expect_lifetime(capped.as<Sts__V1__TokenPair>()->access_token, 3600);
    /* Exactly the client's longest is no cap. */
    LoginCall &exact = extended("xco", 3600);
    ASSERT_EQ(exact.status, STS_STATUS_OK) << exact.message;
    EXPECT_STREQ(exact.as<Sts__V1__TokenPair>()->message, "");
    /* The service's client_max_lifetime binds clients registered with more before it was lowered. */
    login.client_max_lifetime_s = 1800;
    LoginCall &service_cap = extended("xco", 2400);
    ASSERT_EQ(service_cap.status, STS_STATUS_OK) << service_cap.message;
    EXPECT_STREQ(service_cap.as<Sts__V1__TokenPair>()->message,
                 "expiry capped to 1800 seconds, the longest client xco may get");
    expect_lifetime(service_cap.as<Sts__V1__TokenPair>()->access_token, 1800);
    /* The operator's notice follows the cap message, and stands alone when nothing was capped. */
    login.notice = "maintenance tonight";
    LoginCall &with_notice = extended("xco", 9999);
    ASSERT_EQ(with_notice.status, STS_STATUS_OK) << with_notice.message;
    EXPECT_STREQ(with_notice.as<Sts__V1__TokenPair>()->message,
                 "expiry capped to 1800 seconds, the longest client xco may get. maintenance tonight");
    LoginCall &notice_only = extended("xco", 60);
    EXPECT_STREQ(notice_only.as<Sts__V1__TokenPair>()->message, "maintenance tonight");
}

TEST_F(LoginExtended, BadRequestsAreRefusedWithTheRightStatusAndMessage)
{
    for (int32_t expiry : {0, -1, INT32_MIN}) {
        LoginCall &call = extended("xco", expiry);
        EXPECT_EQ(call.status, STS_STATUS_INVALID_ARGUMENT) << expiry;
        EXPECT_EQ(call.message, "expiry must be a positive number of seconds");
    }
    LoginCall &unknown = extended("ghost", 600);
    EXPECT_EQ(unknown.status, STS_STATUS_NOT_FOUND);
    EXPECT_EQ(unknown.message, "no client 'ghost'");
    LoginCall &bad_name = extended("xco\n", 600);
    EXPECT_EQ(bad_name.status, STS_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(bad_name.message.find("clientId"), std::string::npos) << bad_name.message;
    create_client("off", {"viewer"}, 3600, false);
    LoginCall &disabled = extended("off", 600);
    EXPECT_EQ(disabled.status, STS_STATUS_FAILED_PRECONDITION);
    EXPECT_EQ(disabled.message, "client off is disabled");
}

TEST_F(LoginExtended, OnlyAdminsMayAskForOne)
{
    LoginCall &denied = extended("xco", 600, &nobody);
    EXPECT_EQ(denied.status, STS_STATUS_PERMISSION_DENIED);
    EXPECT_EQ(denied.response, nullptr);
    Sts__V1__ExtendedTokenRequest request = STS__V1__EXTENDED_TOKEN_REQUEST__INIT;
    request.client_id = const_cast<char *>("xco");
    request.expiry = 600;
    EXPECT_EQ(invoke("/sts.v1.LoginService/ExtendedToken", &request.base).status, STS_STATUS_UNAUTHENTICATED);
}

TEST_F(LoginExtended, AClientTokenCarriesTheUsersRolesTheClientAllowsAndTheShorterLifetime)
{
    std::string id = create_user("alice", "pw", {"admin", "viewer", "operator"});
    LoginCall &call = client_token("alice", "pw", "xco");
    ASSERT_EQ(call.status, STS_STATUS_OK) << call.message;
    auto *out = call.as<Sts__V1__ClientTokenResponse>();
    EXPECT_STREQ(out->token_type, "Bearer");
    VerifiedToken verified;
    verify(out->access_token, verified);
    ASSERT_EQ(verified.result, STS_JWT_OK) << verified.why;
    EXPECT_EQ(verified.identity.subject, id);
    EXPECT_STREQ(verified.identity.username, "alice");
    ASSERT_EQ(verified.identity.role_count, 2u) << "admin is not allowed to xco";
    EXPECT_STREQ(verified.identity.roles[0], "viewer");
    EXPECT_STREQ(verified.identity.roles[1], "operator");
    EXPECT_NE(payload_of(out->access_token).find("\"client_id\":\"xco\""), std::string::npos);
    /* min(access_token_lifetime 3600, the client's 3600); then the client's when shorter. */
    expect_lifetime(out->access_token, 3600);
    create_client("short", {"viewer"}, 120);
    LoginCall &brief = client_token("alice", "pw", "short");
    ASSERT_EQ(brief.status, STS_STATUS_OK) << brief.message;
    expect_lifetime(brief.as<Sts__V1__ClientTokenResponse>()->access_token, 120);
    /* Refusals: unknown and disabled clients, before any password is checked. */
    EXPECT_EQ(client_token("alice", "pw", "ghost").status, STS_STATUS_NOT_FOUND);
    create_client("off", {"viewer"}, 3600, false);
    EXPECT_EQ(client_token("alice", "pw", "off").status, STS_STATUS_FAILED_PRECONDITION);
    EXPECT_EQ(client_token("alice", "wrong", "xco").status, STS_STATUS_UNAUTHENTICATED);
}

} // namespace
