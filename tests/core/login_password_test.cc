/*
 * The password work of the Login and ClientToken handlers: unknown users and wrong passwords cost exactly one
 * argon2id computation under the configured parameters, throttled attempts cost none, and an outdated hash is
 * replaced after a successful login.
 */
#include "core/login_fixture.h"

namespace
{

bool same(const sts_password_params_t &a, const sts_password_params_t &b)
{
    return a.memory_kib == b.memory_kib && a.iterations == b.iterations && a.parallelism == b.parallelism;
}

std::string text(const sts_password_params_t &p)
{
    return "m=" + std::to_string(p.memory_kib) + ",t=" + std::to_string(p.iterations) +
           ",p=" + std::to_string(p.parallelism);
}

class LoginWork : public LoginFixture
{
  protected:
    /* Distinctive parameters, so that a computation under them cannot be one under the fixture's defaults. */
    const sts_password_params_t configured = {72, 1, 1};

    /* Runs fn; expects exactly `expected` argon2id computations, the last one (when any) under `params`. */
    template <typename Fn> void expect_work(uint64_t expected, const sts_password_params_t &params, Fn fn)
    {
        const sts_password_params_t nothing = {0, 0, 0};
        uint64_t before = sts_password_computations();
        fn();
        EXPECT_EQ(sts_password_computations() - before, expected);
        if (expected == 0)
            return;
        sts_password_params_t last = nothing;
        sts_password_last_computation(&last);
        EXPECT_TRUE(same(last, params)) << "spent " << text(last) << ", expected " << text(params);
    }
};

TEST_F(LoginWork, UnknownUserAndWrongPasswordLoginsDoTheSameWork)
{
    login.password = configured;
    create_user("alice", "right password");
    /* Different addresses and users, so the throttle never steps in. */
    std::string unknown_message, wrong_message;
    expect_work(1, configured, [&] {
        LoginCall &call = login_as("nobody-here", "right password", "192.0.2.10");
        EXPECT_EQ(call.status, STS_STATUS_UNAUTHENTICATED);
        unknown_message = call.message;
    });
    expect_work(1, configured, [&] {
        LoginCall &call = login_as("alice", "wrong password", "192.0.2.11");
        EXPECT_EQ(call.status, STS_STATUS_UNAUTHENTICATED);
        wrong_message = call.message;
    });
    EXPECT_EQ(unknown_message, "wrong username or password");
    EXPECT_EQ(unknown_message, wrong_message);
    /* The right password: one verification, no re-hash (the hash is under the configured parameters). */
    expect_work(1, configured, [&] { EXPECT_EQ(login_as("alice", "right password").status, STS_STATUS_OK); });

    /* The dummy follows the configuration as it is now, not a fixed cost. */
    const sts_password_params_t stronger = {88, 2, 1};
    login.password = stronger;
    expect_work(1, stronger,
                [&] { EXPECT_EQ(login_as("nobody-else", "pw", "192.0.2.12").status, STS_STATUS_UNAUTHENTICATED); });
}

TEST_F(LoginWork, ClientTokenSpendsTheSameWorkForUnknownUsersAndWrongPasswords)
{
    login.password = configured;
    create_user("alice", "right password", {"viewer"});
    create_client("xco", {"viewer"}, 3600);
    std::string unknown_message, wrong_message;
    expect_work(1, configured, [&] {
        LoginCall &call = client_token("nobody-here", "right password", "xco", "192.0.2.20");
        EXPECT_EQ(call.status, STS_STATUS_UNAUTHENTICATED);
        unknown_message = call.message;
    });
    expect_work(1, configured, [&] {
        LoginCall &call = client_token("alice", "wrong password", "xco", "192.0.2.21");
        EXPECT_EQ(call.status, STS_STATUS_UNAUTHENTICATED);
        wrong_message = call.message;
    });
    EXPECT_EQ(unknown_message, "wrong username or password");
    EXPECT_EQ(unknown_message, wrong_message);
    expect_work(1, configured,
                [&] { EXPECT_EQ(client_token("alice", "right password", "xco").status, STS_STATUS_OK); });
}

TEST_F(LoginWork, ADisabledUserCostsTheSameAndIsToldOnlyAfterThePasswordMatched)
{
    login.password = configured;
    create_user("dora", "right password", {}, false);
    expect_work(1, configured, [&] {
        LoginCall &call = login_as("dora", "wrong password", "192.0.2.30");
        EXPECT_EQ(call.status, STS_STATUS_UNAUTHENTICATED);
        EXPECT_EQ(call.message, "wrong username or password");
    });
    expect_work(1, configured, [&] {
        LoginCall &call = login_as("dora", "right password", "192.0.2.31");
        EXPECT_EQ(call.status, STS_STATUS_UNAUTHENTICATED);
        EXPECT_EQ(call.message, "user dora is disabled; ask an admin to enable it");
    });
}

TEST_F(LoginWork, AThrottledAttemptComputesNothing)
{
    create_user("alice", "right password");
    for (int i = 0; i < 5; i++)
        expect_work(1, login.password,
                    [&] { EXPECT_EQ(login_as("alice", "wrong", "192.0.2.40").status, STS_STATUS_UNAUTHENTICATED); });
    /* The sixth attempt waits, even with the right password, and from another address (the username counts). */
    for (const char *peer : {"192.0.2.40", "198.51.100.7"}) {
        expect_work(0, login.password, [&] {
            LoginCall &call = login_as("alice", "right password", peer);
            EXPECT_EQ(call.status, STS_STATUS_RESOURCE_EXHAUSTED) << peer;
            EXPECT_GE(call.call.retry_after_seconds, 1);
            EXPECT_NE(call.message.find("too many failed logins"), std::string::npos) << call.message;
        });
    }
    /* An unknown user is throttled alike: five free failures, then nothing is computed. */
    for (int i = 0; i < 5; i++)
        expect_work(1, login.password,
                    [&] { EXPECT_EQ(login_as("ghost", "pw", "203.0.113.1").status, STS_STATUS_UNAUTHENTICATED); });
    expect_work(0, login.password,
                [&] { EXPECT_EQ(login_as("ghost", "pw", "203.0.113.2").status, STS_STATUS_RESOURCE_EXHAUSTED); });
    /* ClientToken shares the counters: the same user is throttled there too, before any hashing. */
    create_client("xco", {}, 3600);
    expect_work(0, login.password, [&] {
        EXPECT_EQ(client_token("alice", "right password", "xco", "198.51.100.8").status, STS_STATUS_RESOURCE_EXHAUSTED);
    });
}

TEST_F(LoginWork, ARefusedPasswordLengthComputesNothingForKnownAndUnknownUsers)
{
    create_user("alice", "right password");
    std::string huge(STS_PASSWORD_MAX_BYTES + 1, 'x');
    for (const char *username : {"alice", "nobody-here"}) {
        expect_work(0, login.password, [&] {
            LoginCall &call = login_as(username, huge.c_str());
            EXPECT_EQ(call.status, STS_STATUS_INVALID_ARGUMENT);
            EXPECT_EQ(call.message, "password must be 1 to 1024 bytes");
        });
    }
}

TEST_F(LoginWork, ARightPasswordUnderOldParametersIsRehashedOnce)
{
    const sts_password_params_t old_params = login.password;
    std::string id = create_user("alice", "right password");
    std::string old_hash = stored_hash(id);
    ASSERT_EQ(old_hash.rfind("$argon2id$v=19$" + text(old_params) + "$", 0), 0u) << old_hash;

    const sts_password_params_t current = {80, 1, 1};
    login.password = current;
    /* A wrong password under the old hash: one verification (under the stored parameters), nothing stored. */
    expect_work(1, old_params,
                [&] { EXPECT_EQ(login_as("alice", "wrong", "192.0.2.50").status, STS_STATUS_UNAUTHENTICATED); });
    EXPECT_EQ(stored_hash(id), old_hash);
    /* The right one: the verification, then a new hash under the current parameters. */
    expect_work(2, current, [&] { EXPECT_EQ(login_as("alice", "right password").status, STS_STATUS_OK); });
    std::string new_hash = stored_hash(id);
    EXPECT_NE(new_hash, old_hash);
    EXPECT_EQ(new_hash.rfind("$argon2id$v=19$" + text(current) + "$", 0), 0u) << new_hash;
    EXPECT_EQ(sts_password_verify(&current, new_hash.c_str(), "right password", 14), STS_PASSWORD_MATCH);
    /* From now on one verification under the new parameters, and the hash stays. */
    expect_work(1, current, [&] { EXPECT_EQ(login_as("alice", "right password").status, STS_STATUS_OK); });
    EXPECT_EQ(stored_hash(id), new_hash);
    /* The re-hash is not a password change: tokens issued before it still stand. */
    EXPECT_EQ(scalar("SELECT tokens_not_before FROM users WHERE id = '" + id + "'"), 0);
}

} // namespace
