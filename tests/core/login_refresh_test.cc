/*
 * The refresh-token family state machine through the Refresh handler: rotation, reuse revoking the family, the reuse
 * grace, each token's own lifetime and the family's absolute one.
 */
#include "core/login_fixture.h"

#include <chrono>
#include <thread>

extern "C" {
#include "crypto/access_token.h"
}

namespace
{

struct Pair {
    sts_status_t status;
    std::string message, access, refresh;
};

class LoginRefresh : public LoginFixture
{
  protected:
    std::string user_id;

    void SetUp() override
    {
        LoginFixture::SetUp();
        user_id = create_user("alice", "pw", {"viewer"});
    }
    static Pair pair_of(LoginCall &call)
    {
        Pair out{call.status, call.message, "", ""};
        if (call.status == STS_STATUS_OK) {
            auto *pair = call.as<Sts__V1__TokenPair>();
            out.access = pair->access_token;
            out.refresh = pair->refresh_token;
            EXPECT_STREQ(pair->token_type, "Bearer");
        }
        return out;
    }
    Pair start()
    {
        Pair pair = pair_of(login_as("alice", "pw"));
        EXPECT_EQ(pair.status, STS_STATUS_OK) << pair.message;
        return pair;
    }
    Pair use(const std::string &token)
    {
        return pair_of(refresh(token));
    }
    /* The session id of a valid access token. */
    std::string session_of(const std::string &access)
    {
        VerifiedToken verified;
        verify(access, verified);
        EXPECT_EQ(verified.result, STS_JWT_OK) << verified.why;
        return verified.result == STS_JWT_OK ? verified.identity.session_id : "";
    }
    /*
     * The token with one character of its secret changed: still well formed (the last character is left alone, since
     * only some values of it are canonical base64url), but not the token the service made.
     */
    static std::string forge(std::string token)
    {
        char &c = token[token.size() - 5];
        c = c == 'A' ? 'B' : 'A';
        return token;
    }
    long long family_rows(const char *where)
    {
        return scalar(std::string("SELECT count(*) FROM refresh_tokens WHERE user_id = '") + user_id + "' AND " +
                      where);
    }
};

TEST_F(LoginRefresh, EachRefreshRotatesToANewTokenOfTheSameSession)
{
    Pair first = start();
    ASSERT_EQ(first.refresh.rfind(STS_REFRESH_TOKEN_PREFIX, 0), 0u) << first.refresh;
    std::string session = session_of(first.access);
    Pair second = use(first.refresh);
    ASSERT_EQ(second.status, STS_STATUS_OK) << second.message;
    EXPECT_NE(second.refresh, first.refresh);
    EXPECT_NE(second.access, first.access);
    EXPECT_EQ(session_of(second.access), session);
    Pair third = use(second.refresh);
    ASSERT_EQ(third.status, STS_STATUS_OK) << third.message;
    EXPECT_EQ(session_of(third.access), session);
    /* One family of three tokens, two of them used, none revoked; only HMACs are stored. */
    EXPECT_EQ(family_rows("1"), 3);
    EXPECT_EQ(family_rows("used_time != 0"), 2);
    EXPECT_EQ(family_rows("revoked != 0"), 0);
    EXPECT_EQ(scalar("SELECT count(DISTINCT family_id) FROM refresh_tokens"), 1);
    /* A second login is a family of its own. */
    start();
    EXPECT_EQ(scalar("SELECT count(DISTINCT family_id) FROM refresh_tokens"), 2);
}

TEST_F(LoginRefresh, ReusingARotatedTokenRevokesTheWholeFamilyButNoOther)
{
    Pair first = start();
    Pair other_login = start();
    Pair second = use(first.refresh);
    ASSERT_EQ(second.status, STS_STATUS_OK) << second.message;
    Pair reuse = use(first.refresh);
    EXPECT_EQ(reuse.status, STS_STATUS_UNAUTHENTICATED);
    EXPECT_EQ(reuse.message, "the refresh token was used already, so its whole family is now revoked; log in again");
    /* The successor the legitimate holder (or the thief) has is dead too. */
    Pair successor = use(second.refresh);
    EXPECT_EQ(successor.status, STS_STATUS_UNAUTHENTICATED);
    EXPECT_EQ(successor.message,
              "the refresh token is unknown, expired or revoked, or its user is disabled; log in again");
    /* The other login of the same user is untouched. */
    Pair unrelated = use(other_login.refresh);
    EXPECT_EQ(unrelated.status, STS_STATUS_OK) << unrelated.message;
}

TEST_F(LoginRefresh, ARetryWithinTheGraceGetsTheSameRefreshTokenAndRevokesNothing)
{
    login.refresh_reuse_grace_s = 30;
    Pair first = start();
    Pair second = use(first.refresh);
    ASSERT_EQ(second.status, STS_STATUS_OK) << second.message;
    Pair retry = use(first.refresh);
    ASSERT_EQ(retry.status, STS_STATUS_OK) << retry.message;
    EXPECT_EQ(retry.refresh, second.refresh);
    VerifiedToken access;
    verify(retry.access, access);
    EXPECT_EQ(access.result, STS_JWT_OK) << access.why;
    EXPECT_EQ(family_rows("revoked != 0"), 0);
    EXPECT_EQ(family_rows("1"), 2) << "a replay inserts nothing";
    /* The successor works as usual: the family lives on. */
    Pair third = use(second.refresh);
    ASSERT_EQ(third.status, STS_STATUS_OK) << third.message;
    /* Without a grace the same retry is a reuse. */
    login.refresh_reuse_grace_s = 0;
    EXPECT_EQ(use(second.refresh).status, STS_STATUS_UNAUTHENTICATED);
    EXPECT_EQ(use(third.refresh).status, STS_STATUS_UNAUTHENTICATED);
    EXPECT_EQ(family_rows("revoked = 0"), 0);
}

TEST_F(LoginRefresh, ForgedMalformedAndForeignTokensAreRefusedWithoutRevokingAnything)
{
    Pair first = start();
    Pair forged = use(forge(first.refresh));
    EXPECT_EQ(forged.status, STS_STATUS_UNAUTHENTICATED);
    EXPECT_EQ(forged.message,
              "the refresh token is unknown, expired or revoked, or its user is disabled; log in again");
    EXPECT_EQ(use(STS_ACCESS_TOKEN_PREFIX + first.refresh.substr(strlen(STS_REFRESH_TOKEN_PREFIX))).status,
              STS_STATUS_UNAUTHENTICATED);
    EXPECT_EQ(use("").status, STS_STATUS_UNAUTHENTICATED);
    Pair wrong_grant = pair_of(refresh(first.refresh, "password"));
    EXPECT_EQ(wrong_grant.status, STS_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(wrong_grant.message, "grant-type must be refresh_token");
    /* A refresh token made under another refresh key is unknown here. */
    login.refresh_key[0] ^= 1;
    EXPECT_EQ(use(first.refresh).status, STS_STATUS_UNAUTHENTICATED);
    login.refresh_key[0] ^= 1;
    EXPECT_EQ(family_rows("used_time != 0 OR revoked != 0"), 0);
    EXPECT_EQ(use(first.refresh).status, STS_STATUS_OK);
}

TEST_F(LoginRefresh, LogoutRevokesTheFamily)
{
    Pair first = start();
    Pair second = use(first.refresh);
    Sts__V1__RevokeRequest request = STS__V1__REVOKE_REQUEST__INIT;
    request.refresh_token = const_cast<char *>(first.refresh.c_str());
    LoginCall &revoked = invoke("/sts.v1.LoginService/Revoke", &request.base);
    ASSERT_EQ(revoked.status, STS_STATUS_OK) << revoked.message;
    EXPECT_EQ(use(second.refresh).status, STS_STATUS_UNAUTHENTICATED);
    /* An unknown token is no error (RFC 7009), a malformed one is. */
    std::string forged = forge(second.refresh);
    request.refresh_token = const_cast<char *>(forged.c_str());
    EXPECT_EQ(invoke("/sts.v1.LoginService/Revoke", &request.base).status, STS_STATUS_OK);
    request.refresh_token = const_cast<char *>("not a token");
    EXPECT_EQ(invoke("/sts.v1.LoginService/Revoke", &request.base).status, STS_STATUS_INVALID_ARGUMENT);
}

/*
 * Lifetimes run on the real clock: tokens made with 1-second lifetimes, then 1.1 seconds of waiting (the one sleep
 * of this file). The settings are read when a token is made, so each login below gets its own.
 */
TEST_F(LoginRefresh, ATokenPastItsLifetimeAndAFamilyPastItsAbsoluteLifetimeAreRefused)
{
    /* A: the token's own lifetime is 1 s, its family's 100 s. */
    login.refresh_token_lifetime_s = 1;
    login.refresh_family_lifetime_s = 100;
    Pair a = start();
    /* B: the family's is 1 s; its successor (made with a 100 s lifetime of its own) inherits the family's end. */
    login.refresh_token_lifetime_s = 100;
    login.refresh_family_lifetime_s = 1;
    Pair b = use(start().refresh);
    ASSERT_EQ(b.status, STS_STATUS_OK) << b.message;
    /* C: both 100 s: the control, which must still work after the wait. */
    login.refresh_family_lifetime_s = 100;
    Pair c = start();
    /* D: a rotation with a 1 s grace; a retry after the wait is a reuse. */
    login.refresh_reuse_grace_s = 1;
    Pair d = start();
    Pair d2 = use(d.refresh);
    ASSERT_EQ(d2.status, STS_STATUS_OK) << d2.message;
    ASSERT_EQ(use(d.refresh).refresh, d2.refresh) << "within the grace";

    std::this_thread::sleep_for(std::chrono::milliseconds(1100));

    Pair expired = use(a.refresh);
    EXPECT_EQ(expired.status, STS_STATUS_UNAUTHENTICATED);
    EXPECT_EQ(expired.message,
              "the refresh token is unknown, expired or revoked, or its user is disabled; log in again");
    EXPECT_EQ(use(b.refresh).status, STS_STATUS_UNAUTHENTICATED);
    EXPECT_EQ(use(c.refresh).status, STS_STATUS_OK);
    /* An expired token is refused without revoking its family (that is for reuse only). */
    EXPECT_EQ(family_rows("revoked != 0"), 0);
    Pair late_retry = use(d.refresh);
    EXPECT_EQ(late_retry.status, STS_STATUS_UNAUTHENTICATED);
    EXPECT_EQ(late_retry.message,
              "the refresh token was used already, so its whole family is now revoked; log in again");
    EXPECT_EQ(use(d2.refresh).status, STS_STATUS_UNAUTHENTICATED);
}

TEST_F(LoginRefresh, ADisabledUserCannotRefreshAndReenablingDoesNotReviveTheFamily)
{
    Pair first = start();
    Sts__V1__UpdateUserRequest request = STS__V1__UPDATE_USER_REQUEST__INIT;
    request.id = const_cast<char *>(user_id.c_str());
    request.enabled_value_case = STS__V1__UPDATE_USER_REQUEST__ENABLED_VALUE_ENABLED;
    request.enabled = 0;
    ASSERT_EQ(invoke("/sts.v1.UserService/UpdateUser", &request.base, &admin).status, STS_STATUS_OK);
    EXPECT_EQ(use(first.refresh).status, STS_STATUS_UNAUTHENTICATED);
    request.enabled = 1;
    ASSERT_EQ(invoke("/sts.v1.UserService/UpdateUser", &request.base, &admin).status, STS_STATUS_OK);
    EXPECT_EQ(use(first.refresh).status, STS_STATUS_UNAUTHENTICATED);
    EXPECT_EQ(use(start().refresh).status, STS_STATUS_OK);
}

} // namespace
