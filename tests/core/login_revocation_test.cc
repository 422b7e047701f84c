/*
 * Revocation of the service's own access tokens (sts_login_check_token) after changes made through the UserService
 * and ClientService handlers, and its state rebuilt from the store after a restart.
 */
#include "core/login_fixture.h"

namespace
{

/* A token's subject and issue time, what the check of every authentication looks at. */
struct Issued {
    std::string token, subject, client_id;
    long long issued_at_ms = 0;
};

class LoginRevocation : public LoginFixture
{
  protected:
    Issued issued(const std::string &token)
    {
        VerifiedToken verified;
        verify(token, verified);
        EXPECT_EQ(verified.result, STS_JWT_OK) << verified.why;
        if (verified.result != STS_JWT_OK)
            return {};
        return {token, verified.identity.subject, verified.identity.client_id, verified.identity.issued_at_ms};
    }
    Issued user_token(const char *username, const char *password)
    {
        LoginCall &call = login_as(username, password);
        EXPECT_EQ(call.status, STS_STATUS_OK) << call.message;
        return call.status == STS_STATUS_OK ? issued(call.as<Sts__V1__TokenPair>()->access_token) : Issued{};
    }
    Issued extended_token(const char *client_id)
    {
        LoginCall &call = extended(client_id, 600);
        EXPECT_EQ(call.status, STS_STATUS_OK) << call.message;
        return call.status == STS_STATUS_OK ? issued(call.as<Sts__V1__TokenPair>()->access_token) : Issued{};
    }
    Issued client_user_token(const char *username, const char *password, const char *client_id)
    {
        LoginCall &call = client_token(username, password, client_id);
        EXPECT_EQ(call.status, STS_STATUS_OK) << call.message;
        return call.status == STS_STATUS_OK ? issued(call.as<Sts__V1__ClientTokenResponse>()->access_token) : Issued{};
    }
    /* NULL when the token stands, else why not. */
    const char *check(const Issued &token)
    {
        EXPECT_FALSE(token.subject.empty());
        return sts_login_check_token(&login, token.subject.c_str(), token.client_id.c_str(), nullptr,
                                     token.issued_at_ms);
    }
    std::string refused(const Issued &token)
    {
        const char *why = check(token);
        return why != nullptr ? why : "";
    }

    LoginCall &set_enabled(const std::string &user_id, bool enabled)
    {
        Sts__V1__UpdateUserRequest request = STS__V1__UPDATE_USER_REQUEST__INIT;
        request.id = const_cast<char *>(user_id.c_str());
        request.enabled_value_case = STS__V1__UPDATE_USER_REQUEST__ENABLED_VALUE_ENABLED;
        request.enabled = enabled;
        return invoke("/sts.v1.UserService/UpdateUser", &request.base, &admin);
    }
    LoginCall &set_password(const std::string &user_id, const char *password, const LoginPrincipal *as,
                            const char *old_password = "")
    {
        Sts__V1__SetPasswordRequest request = STS__V1__SET_PASSWORD_REQUEST__INIT;
        request.id = const_cast<char *>(user_id.c_str());
        request.password = const_cast<char *>(password);
        request.old_password = const_cast<char *>(old_password);
        return invoke("/sts.v1.UserService/SetPassword", &request.base, as);
    }
    LoginCall &set_roles(const std::string &user_id, std::vector<std::string> roles)
    {
        Sts__V1__SetUserRolesRequest request = STS__V1__SET_USER_ROLES_REQUEST__INIT;
        std::vector<char *> pointers;
        for (auto &role : roles)
            pointers.push_back(const_cast<char *>(role.c_str()));
        request.id = const_cast<char *>(user_id.c_str());
        request.roles = pointers.data();
        request.n_roles = pointers.size();
        return invoke("/sts.v1.UserService/SetUserRoles", &request.base, &admin);
    }
    LoginCall &delete_user(const std::string &user_id)
    {
        Sts__V1__DeleteUserRequest request = STS__V1__DELETE_USER_REQUEST__INIT;
        request.id = const_cast<char *>(user_id.c_str());
        return invoke("/sts.v1.UserService/DeleteUser", &request.base, &admin);
    }
    LoginCall &update_client(const char *client_id, const char *display_name, int enabled = -1)
    {
        Sts__V1__UpdateClientRequest request = STS__V1__UPDATE_CLIENT_REQUEST__INIT;
        request.client_id = const_cast<char *>(client_id);
        if (display_name != nullptr) {
            request.display_name_value_case = STS__V1__UPDATE_CLIENT_REQUEST__DISPLAY_NAME_VALUE_DISPLAY_NAME;
            request.display_name = const_cast<char *>(display_name);
        }
        if (enabled >= 0) {
            request.enabled_value_case = STS__V1__UPDATE_CLIENT_REQUEST__ENABLED_VALUE_ENABLED;
            request.enabled = enabled;
        }
        return invoke("/sts.v1.ClientService/UpdateClient", &request.base, &admin);
    }
    LoginCall &set_client_roles(const char *client_id, std::vector<std::string> roles)
    {
        Sts__V1__SetClientRolesRequest request = STS__V1__SET_CLIENT_ROLES_REQUEST__INIT;
        std::vector<char *> pointers;
        for (auto &role : roles)
            pointers.push_back(const_cast<char *>(role.c_str()));
        request.client_id = const_cast<char *>(client_id);
        request.allowed_roles = pointers.data();
        request.n_allowed_roles = pointers.size();
        return invoke("/sts.v1.ClientService/SetClientRoles", &request.base, &admin);
    }
    LoginCall &delete_client(const char *client_id)
    {
        Sts__V1__DeleteClientRequest request = STS__V1__DELETE_CLIENT_REQUEST__INIT;
        request.client_id = const_cast<char *>(client_id);
        return invoke("/sts.v1.ClientService/DeleteClient", &request.base, &admin);
    }
    LoginPrincipal self(const std::string &user_id, const char *name)
    {
        return {name, STS__V1__IDENTITY_DOMAIN__JWT, std::string(issuer) + "#" + user_id, {}};
    }
};

const char user_revoked[] =
    "the token has been revoked (its user was disabled, deleted or changed password); log in again";
const char client_gone[] = "the token's client has been deleted or disabled";
const char client_changed[] = "the token's client has changed since the token was issued; ask for a new token";

TEST_F(LoginRevocation, TheCheckComparesWholeMillisecondsAndVoidsTheChangesOwn)
{
    /* A change at 1000.5 ms voids tokens issued in millisecond 1000 and before; 1001 is after it. */
    sts_revocations_put(login.users_not_before, "u1", 1000500);
    EXPECT_STREQ(sts_login_check_token(&login, "u1", nullptr, nullptr, 999), user_revoked);
    EXPECT_STREQ(sts_login_check_token(&login, "u1", nullptr, nullptr, 1000), user_revoked);
    EXPECT_EQ(sts_login_check_token(&login, "u1", nullptr, nullptr, 1001), nullptr);
    sts_revocations_put(login.users_not_before, "u2", 2000000);
    EXPECT_STREQ(sts_login_check_token(&login, "u2", nullptr, nullptr, 1999), user_revoked);
    EXPECT_EQ(sts_login_check_token(&login, "u2", nullptr, nullptr, 2000), nullptr);
    /* Users without an entry stand; clients without one do not (deleted or disabled). */
    EXPECT_EQ(sts_login_check_token(&login, "u3", nullptr, nullptr, 0), nullptr);
    EXPECT_STREQ(sts_login_check_token(&login, "client:xco", nullptr, nullptr, 5000), client_gone);
    sts_revocations_put(login.clients_valid_since, "xco", 1000500);
    EXPECT_STREQ(sts_login_check_token(&login, "client:xco", nullptr, nullptr, 1000), client_changed);
    EXPECT_EQ(sts_login_check_token(&login, "client:xco", nullptr, nullptr, 1001), nullptr);
    /* The prefix decides: a user whose id is the client's id is a user. */
    EXPECT_EQ(sts_login_check_token(&login, "xco", nullptr, nullptr, 1000), nullptr);
    /* A user's token issued through a client needs both the user and the client to stand. */
    EXPECT_EQ(sts_login_check_token(&login, "u1", "xco", nullptr, 1001), nullptr);
    EXPECT_EQ(sts_login_check_token(&login, "u1", "", nullptr, 1001), nullptr);
    EXPECT_STREQ(sts_login_check_token(&login, "u1", "xco", nullptr, 1000), user_revoked);
    EXPECT_STREQ(sts_login_check_token(&login, "u3", "xco", nullptr, 1000), client_changed);
    EXPECT_STREQ(sts_login_check_token(&login, "u3", "cli", nullptr, 1001), client_gone);
}

TEST_F(LoginRevocation, ARevokedJtiIsDeniedUntilItExpiresAlsoAfterAReload)
{
    EXPECT_EQ(sts_login_check_token(&login, "u1", nullptr, "j1", 1001), nullptr);
    sts_denied_token_t denied{"j1", sts_time_now() + 60000000};
    ASSERT_EQ(store->token_deny(store, &denied, error, sizeof(error)), STS_STORE_OK) << error;
    sts_denied_token_t expired{"j2", sts_time_now() - 1};
    ASSERT_EQ(store->token_deny(store, &expired, error, sizeof(error)), STS_STORE_OK) << error;
    ASSERT_EQ(
        sts_login_load_revocations(&login, store, sts_time_now(), ring_settings.verify_for_us, error, sizeof(error)), 0)
        << error;
    EXPECT_STREQ(sts_login_check_token(&login, "u1", nullptr, "j1", 1001), "the token has been revoked");
    EXPECT_STREQ(sts_login_check_token(&login, "client:xco", "xco", "j1", 1001), "the token has been revoked");
    EXPECT_EQ(sts_login_check_token(&login, "u1", nullptr, "j2", 1001), nullptr) << "expired: its exp decides";
    EXPECT_EQ(sts_login_check_token(&login, "u1", nullptr, "J1", 1001), nullptr);
    EXPECT_EQ(sts_login_check_token(&login, "u1", nullptr, "", 1001), nullptr);
    EXPECT_EQ(sts_login_check_token(&login, "u1", nullptr, nullptr, 1001), nullptr);
}

TEST_F(LoginRevocation, DisablingAUserVoidsTokensIssuedBeforeButNotAfter)
{
    std::string id = create_user("alice", "pw", {"viewer"});
    Issued before = user_token("alice", "pw");
    ASSERT_EQ(before.subject, id);
    EXPECT_EQ(check(before), nullptr);
    ASSERT_EQ(set_enabled(id, false).status, STS_STATUS_OK);
    EXPECT_EQ(refused(before), user_revoked);
    /* Enabling again does not revive them; new logins get tokens that stand. */
    ASSERT_EQ(set_enabled(id, true).status, STS_STATUS_OK);
    EXPECT_EQ(refused(before), user_revoked);
    Issued after = user_token("alice", "pw");
    EXPECT_EQ(check(after), nullptr);
    /* Another user is not touched. */
    create_user("bob", "pw");
    Issued bob = user_token("bob", "pw");
    ASSERT_EQ(set_enabled(id, false).status, STS_STATUS_OK);
    EXPECT_EQ(refused(after), user_revoked);
    EXPECT_EQ(check(bob), nullptr);
}

TEST_F(LoginRevocation, APasswordChangeByAnAdminOrTheUserVoidsEarlierTokens)
{
    std::string id = create_user("alice", "old pw", {"viewer"});
    Issued first = user_token("alice", "old pw");
    ASSERT_EQ(set_password(id, "new pw", &admin).status, STS_STATUS_OK);
    EXPECT_EQ(refused(first), user_revoked);
    EXPECT_EQ(login_as("alice", "old pw").status, STS_STATUS_UNAUTHENTICATED);
    Issued second = user_token("alice", "new pw");
    EXPECT_EQ(check(second), nullptr);

    /* The user themselves, logged in with this service's token, given the old password. */
    LoginPrincipal alice = self(id, "alice");
    LoginCall &wrong_old = set_password(id, "newer pw", &alice, "not the old one");
    EXPECT_EQ(wrong_old.status, STS_STATUS_PERMISSION_DENIED);
    EXPECT_EQ(wrong_old.message, "old_password is wrong");
    EXPECT_EQ(check(second), nullptr) << "a refused change revokes nothing";
    ASSERT_EQ(set_password(id, "newer pw", &alice, "new pw").status, STS_STATUS_OK);
    EXPECT_EQ(refused(second), user_revoked);

    /* Nobody else may: another user's token, or the same user id under another issuer. */
    std::string bob_id = create_user("bob", "pw");
    LoginPrincipal bob = self(bob_id, "bob");
    EXPECT_EQ(set_password(id, "bobs choice", &bob, "newer pw").status, STS_STATUS_PERMISSION_DENIED);
    LoginPrincipal impostor = {"alice", STS__V1__IDENTITY_DOMAIN__JWT, "https://evil.test#" + id, {}};
    EXPECT_EQ(set_password(id, "evil choice", &impostor, "newer pw").status, STS_STATUS_PERMISSION_DENIED);
    LoginPrincipal local = {"alice", STS__V1__IDENTITY_DOMAIN__LOCAL, std::string(issuer) + "#" + id, {}};
    EXPECT_EQ(set_password(id, "local choice", &local, "newer pw").status, STS_STATUS_PERMISSION_DENIED);
    EXPECT_EQ(login_as("alice", "newer pw").status, STS_STATUS_OK);
}

TEST_F(LoginRevocation, ChangingRolesOrDeletingAUserVoidsTheirTokens)
{
    std::string id = create_user("alice", "pw", {"viewer"});
    Issued first = user_token("alice", "pw");
    ASSERT_EQ(set_roles(id, {"viewer", "admin"}).status, STS_STATUS_OK);
    EXPECT_EQ(refused(first), user_revoked) << "a token must not keep roles its user lost";
    Issued second = user_token("alice", "pw");
    EXPECT_EQ(check(second), nullptr);
    ASSERT_EQ(delete_user(id).status, STS_STATUS_OK);
    EXPECT_EQ(refused(second), user_revoked);
    EXPECT_EQ(delete_user(id).status, STS_STATUS_NOT_FOUND);
}

TEST_F(LoginRevocation, ExtendedTokensDieWithTheirClientsChangeDisablingOrDeletion)
{
    create_client("xco", {"viewer"}, 3600);
    create_client("cli", {"viewer"}, 3600);
    Issued first = extended_token("xco");
    ASSERT_EQ(first.subject, "client:xco");
    Issued other = extended_token("cli");
    EXPECT_EQ(check(first), nullptr);

    ASSERT_EQ(update_client("xco", "renamed").status, STS_STATUS_OK);
    EXPECT_EQ(refused(first), client_changed);
    Issued second = extended_token("xco");
    EXPECT_EQ(check(second), nullptr);

    ASSERT_EQ(update_client("xco", nullptr, 0).status, STS_STATUS_OK);
    EXPECT_EQ(refused(second), client_gone);
    EXPECT_EQ(extended("xco", 600).status, STS_STATUS_FAILED_PRECONDITION);
    ASSERT_EQ(update_client("xco", nullptr, 1).status, STS_STATUS_OK);
    EXPECT_EQ(refused(second), client_changed) << "enabling again does not revive earlier tokens";
    Issued third = extended_token("xco");
    EXPECT_EQ(check(third), nullptr);

    ASSERT_EQ(set_client_roles("xco", {}).status, STS_STATUS_OK);
    EXPECT_EQ(refused(third), client_changed);
    Issued fourth = extended_token("xco");
    ASSERT_EQ(delete_client("xco").status, STS_STATUS_OK);
    EXPECT_EQ(refused(fourth), client_gone);
    /* The other client's token lived through all of it. */
    EXPECT_EQ(check(other), nullptr);
}

TEST_F(LoginRevocation, ClientTokensOfUsersDieWithTheirClientsChangeDisablingOrDeletion)
{
    create_user("alice", "pw", {"viewer"});
    create_client("xco", {"viewer"}, 3600);
    create_client("cli", {"viewer"}, 3600);
    Issued plain = user_token("alice", "pw");
    Issued through_xco = client_user_token("alice", "pw", "xco");
    Issued through_cli = client_user_token("alice", "pw", "cli");
    ASSERT_EQ(through_xco.client_id, "xco") << payload_of(through_xco.token);
    ASSERT_EQ(plain.client_id, "");
    EXPECT_EQ(check(through_xco), nullptr);

    ASSERT_EQ(update_client("xco", nullptr, 0).status, STS_STATUS_OK);
    EXPECT_EQ(refused(through_xco), client_gone);
    EXPECT_EQ(check(through_cli), nullptr);
    ASSERT_EQ(update_client("xco", nullptr, 1).status, STS_STATUS_OK);
    EXPECT_EQ(refused(through_xco), client_changed) << "enabling again does not revive earlier tokens";
    Issued again = client_user_token("alice", "pw", "xco");
    EXPECT_EQ(check(again), nullptr);
    /* The client's allowed roles shrink: a token holding the old ones must not live on. */
    ASSERT_EQ(set_client_roles("xco", {}).status, STS_STATUS_OK);
    EXPECT_EQ(refused(again), client_changed);

    ASSERT_EQ(delete_client("cli").status, STS_STATUS_OK);
    EXPECT_EQ(refused(through_cli), client_gone);
    /* A login token, issued through no client, is untouched by all of it. */
    EXPECT_EQ(check(plain), nullptr);
}

/*
 * A change voids tokens issued in its own millisecond, since a token of that millisecond may predate it. A token
 * asked for right after a change, within the same millisecond (a script registering a client, then asking for its
 * extended token), must still not be born void.
 */
TEST_F(LoginRevocation, ATokenAskedForInTheMillisecondOfAChangeStands)
{
    for (int i = 0; i < 40; i++) {
        std::string client_id = "c" + std::to_string(i);
        create_client(client_id.c_str(), {"viewer"}, 3600);
        Issued token = extended_token(client_id.c_str());
        ASSERT_EQ(check(token), nullptr) << "attempt " << i;
    }
    create_client("xco", {"viewer"}, 3600);
    std::string id = create_user("alice", "pw", {"viewer"});
    for (int i = 0; i < 20; i++) {
        ASSERT_EQ(set_roles(id, {"viewer"}).status, STS_STATUS_OK);
        Issued token = user_token("alice", "pw");
        ASSERT_EQ(check(token), nullptr) << "attempt " << i;
        ASSERT_EQ(set_client_roles("xco", {"viewer"}).status, STS_STATUS_OK);
        Issued through_client = client_user_token("alice", "pw", "xco");
        ASSERT_EQ(check(through_client), nullptr) << "attempt " << i;
    }
}

TEST_F(LoginRevocation, ARestartRebuildsTheMapsFromTheStore)
{
    std::string disabled = create_user("alice", "pw");
    std::string changed = create_user("bob", "pw");
    std::string deleted = create_user("dave", "pw");
    create_user("carol", "pw");
    create_client("xco", {"viewer"}, 3600);
    create_client("cli", {"viewer"}, 3600);
    create_client("old", {"viewer"}, 3600);
    create_client("gone", {"viewer"}, 3600);
    Issued alice = user_token("alice", "pw");
    Issued bob = user_token("bob", "pw");
    Issued carol = user_token("carol", "pw");
    Issued dave = user_token("dave", "pw");
    Issued xco = extended_token("xco");
    Issued cli = extended_token("cli");
    Issued old = extended_token("old");
    Issued gone = extended_token("gone");
    Issued carol_via_old = client_user_token("carol", "pw", "old");
    ASSERT_EQ(set_enabled(disabled, false).status, STS_STATUS_OK);
    ASSERT_EQ(set_password(changed, "new pw", &admin).status, STS_STATUS_OK);
    ASSERT_EQ(delete_user(deleted).status, STS_STATUS_OK);
    ASSERT_EQ(update_client("cli", "renamed").status, STS_STATUS_OK);
    ASSERT_EQ(update_client("old", nullptr, 0).status, STS_STATUS_OK);
    ASSERT_EQ(delete_client("gone").status, STS_STATUS_OK);
    Issued bob_after = user_token("bob", "new pw");
    Issued cli_after = extended_token("cli");

    for (int round = 0; round < 2; round++) {
        SCOPED_TRACE(round == 0 ? "before the restart" : "after the restart");
        EXPECT_EQ(refused(alice), user_revoked);
        EXPECT_EQ(refused(bob), user_revoked);
        EXPECT_EQ(check(bob_after), nullptr);
        EXPECT_EQ(check(carol), nullptr);
        EXPECT_EQ(refused(dave), user_revoked);
        EXPECT_EQ(check(xco), nullptr);
        EXPECT_EQ(refused(cli), client_changed);
        EXPECT_EQ(check(cli_after), nullptr);
        EXPECT_EQ(refused(old), client_gone);
        EXPECT_EQ(refused(gone), client_gone);
        EXPECT_EQ(refused(carol_via_old), client_gone);
        if (round == 0) {
            ASSERT_NO_FATAL_FAILURE(restart());
        }
    }
    /* The restarted ring still verifies what was signed before (issued() verifies). */
    EXPECT_EQ(issued(carol.token).subject, carol.subject);
}

TEST_F(LoginRevocation, ARestartForgetsChangesOlderThanTheLongestTokenLifetime)
{
    std::string id = create_user("alice", "pw");
    ASSERT_EQ(set_enabled(id, false).status, STS_STATUS_OK);
    ASSERT_EQ(set_enabled(id, true).status, STS_STATUS_OK);
    ASSERT_NO_FATAL_FAILURE(restart());
    int64_t time_us = 0;
    ASSERT_TRUE(sts_revocations_get(login.users_not_before, id.c_str(), &time_us)) << "a recent change is loaded";
    /* Loaded when every token the change could void has expired, it is left out; at the cutoff it is kept. */
    sts_revocations_remove(login.users_not_before, id.c_str());
    ASSERT_EQ(sts_login_load_revocations(&login, store, time_us + ring_settings.verify_for_us + 1,
                                         ring_settings.verify_for_us, error, sizeof(error)),
              0)
        << error;
    int64_t loaded = 0;
    EXPECT_FALSE(sts_revocations_get(login.users_not_before, id.c_str(), &loaded));
    ASSERT_EQ(sts_login_load_revocations(&login, store, time_us + ring_settings.verify_for_us,
                                         ring_settings.verify_for_us, error, sizeof(error)),
              0)
        << error;
    EXPECT_TRUE(sts_revocations_get(login.users_not_before, id.c_str(), &loaded));
    EXPECT_EQ(loaded, time_us);
}

} // namespace
