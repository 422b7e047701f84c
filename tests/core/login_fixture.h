/*
 * Logins end to end inside core: the real handlers, dispatched by gRPC path, against a real SQLite store in a fresh
 * temporary directory and a real key ring sealed under a random key-encryption key. Nothing is mocked; only the
 * principal of a call is set by the test (what the authenticator chain would have established).
 */
#ifndef STS_TESTS_CORE_LOGIN_FIXTURE_H
#define STS_TESTS_CORE_LOGIN_FIXTURE_H
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <sqlite3.h>
#include <string>
#include <unistd.h>
#include <vector>

extern "C" {
#include "auth/jwk.h"
#include "auth/jwt.h"
#include "core/dispatch.h"
#include "core/key_ring.h"
#include "core/login.h"
#include "core/service.h"
#include "crypto/random.h"
#include "store/sqlite_store.h"
#include "sts_methods.h"
#include "util/base64.h"
#include "util/timefmt.h"
}

/** Who a call runs as: what authentication would have put in call->principal. */
struct LoginPrincipal {
    std::string name;
    int domain = STS__V1__IDENTITY_DOMAIN__LOCAL;
    std::string auth_id;
    std::vector<std::string> roles;
};

/** One finished call: its status, message and response (in the call's arena, which lives as long as this). */
struct LoginCall {
    sts_call_t call;
    sts_status_t status = STS_STATUS_OK;
    ProtobufCMessage *response = nullptr;
    std::string message;
    LoginCall() = default;
    LoginCall(const LoginCall &) = delete;
    LoginCall &operator=(const LoginCall &) = delete;
    ~LoginCall()
    {
        sts_call_dispose(&call);
    }
    template <typename T> T *as() const
    {
        return reinterpret_cast<T *>(response);
    }
};

/** A verified token's identity, released with the object. */
struct VerifiedToken {
    sts_jwt_result_t result = STS_JWT_MALFORMED;
    std::string why;
    sts_jwt_identity_t identity{};
    VerifiedToken() = default;
    VerifiedToken(const VerifiedToken &) = delete;
    VerifiedToken &operator=(const VerifiedToken &) = delete;
    ~VerifiedToken()
    {
        if (result == STS_JWT_OK)
            sts_jwt_identity_dispose(&identity);
    }
};

class LoginFixture : public ::testing::Test
{
  public:
    static constexpr const char *issuer = "https://sts.test";
    static constexpr const char *audience = "sts-test";

  protected:
    std::string dir, path;
    sts_store_t *store = nullptr;
    /* Set before SetUp (e.g. by a parameterised test) to sign with another algorithm. */
    sts_signing_alg_t algorithm = STS_SIGNING_ES256;
    sts_key_ring_settings_t ring_settings{};
    sts_login_settings_t login{};
    sts_service_t service{};
    /* The principal of the next calls; nullptr: anonymous (only public methods succeed). */
    const LoginPrincipal *caller = nullptr;
    LoginPrincipal admin{"root", STS__V1__IDENTITY_DOMAIN__LOCAL, "root", {"admin"}};
    LoginPrincipal nobody{"mallory", STS__V1__IDENTITY_DOMAIN__LOCAL, "mallory", {"viewer"}};
    std::vector<std::unique_ptr<LoginCall>> calls;
    char error[256] = "";

    void SetUp() override
    {
        char tmpl[] = "/tmp/sts-login-test-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir = tmpl;
        path = dir + "/sts.db";
        store = sts_sqlite_store_open(path.c_str(), error, sizeof(error));
        ASSERT_NE(store, nullptr) << error;
        ring_settings.algorithm = algorithm;
        sts_random_bytes(ring_settings.kek, sizeof(ring_settings.kek));
        sts_random_bytes(login.refresh_key, sizeof(login.refresh_key));
        login.password = {64, 1, 1};
        login.issuer_url = issuer;
        login.audience = audience;
        login.notice = "";
        login.access_token_lifetime_s = 3600;
        login.refresh_token_lifetime_s = 86400;
        login.refresh_family_lifetime_s = 7 * 86400;
        login.refresh_reuse_grace_s = 0;
        login.client_max_lifetime_s = 30 * 86400;
        login.lock_after = 100;
        /* Retired keys verify as long as the longest token the service signs could live. */
        ring_settings.verify_for_us = login.client_max_lifetime_s * 1000000LL;
        ASSERT_NO_FATAL_FAILURE(start_login_state());
        sts_service_defaults(&service, &sts_gen_method_table);
        service.store = store;
        service.login = &login;
        service.authenticate = authenticate;
        service.authenticate_data = this;
    }
    void TearDown() override
    {
        calls.clear();
        stop_login_state();
        if (store != nullptr)
            store->destroy(store);
        for (const char *suffix : {"", "-wal", "-shm"})
            std::remove((path + suffix).c_str());
        rmdir(dir.c_str());
    }

    /* What sts_login_setup_start builds: the ring on the store, fresh maps and throttle, revocations loaded. */
    void start_login_state()
    {
        login.keys = sts_key_ring_create(&ring_settings, store, sts_time_now(), error, sizeof(error));
        ASSERT_NE(login.keys, nullptr) << error;
        login.users_not_before = sts_revocations_create();
        login.clients_valid_since = sts_revocations_create();
        login.denied_tokens = sts_revocations_create();
        sts_login_throttle_settings_t throttle = {5, 1000, 900000, 100, 65536};
        login.throttle = sts_login_throttle_create(&throttle);
        ASSERT_NE(login.throttle, nullptr);
        ASSERT_EQ(sts_login_load_revocations(&login, store, sts_time_now(), ring_settings.verify_for_us, error,
                                             sizeof(error)),
                  0)
            << error;
    }
    void stop_login_state()
    {
        sts_key_ring_destroy(login.keys);
        sts_revocations_destroy(login.users_not_before);
        sts_revocations_destroy(login.clients_valid_since);
        sts_revocations_destroy(login.denied_tokens);
        if (login.throttle != nullptr)
            sts_login_throttle_destroy(login.throttle);
        login.keys = nullptr;
        login.users_not_before = login.clients_valid_since = login.denied_tokens = nullptr;
        login.throttle = nullptr;
    }
    /* A process restart: everything in memory is built again, from the same store file (reopened too). */
    void restart()
    {
        calls.clear();
        stop_login_state();
        store->destroy(store);
        store = sts_sqlite_store_open(path.c_str(), error, sizeof(error));
        ASSERT_NE(store, nullptr) << error;
        service.store = store;
        ASSERT_NO_FATAL_FAILURE(start_login_state());
    }

    static sts_status_t authenticate(void *data, sts_call_t *call)
    {
        const LoginPrincipal *who = static_cast<LoginFixture *>(data)->caller;
        if (who == nullptr)
            return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED, "no credentials");
        sts_principal_t *p = &call->principal;
        p->authenticated = 1;
        p->domain = who->domain;
        p->auth_id = sts_arena_strdup(&call->arena, who->auth_id.c_str());
        p->name = sts_arena_strdup(&call->arena, who->name.c_str());
        const char **roles =
            static_cast<const char **>(sts_arena_alloc(&call->arena, (who->roles.size() + 1) * sizeof(char *)));
        for (size_t i = 0; i < who->roles.size(); i++)
            roles[i] = sts_arena_strdup(&call->arena, who->roles[i].c_str());
        p->roles = roles;
        p->role_count = who->roles.size();
        return STS_STATUS_OK;
    }

    /*
     * Runs the method at grpc_path through sts_dispatch (authentication hook and per-method policy included; no
     * pools, so blocking handlers run on this thread) as principal as, from address peer.
     */
    LoginCall &invoke(const char *grpc_path, const ProtobufCMessage *request, const LoginPrincipal *as = nullptr,
                      const char *peer = "192.0.2.1")
    {
        const sts_method_t *method = sts_method_find_grpc(&sts_gen_method_table, grpc_path, strlen(grpc_path));
        EXPECT_NE(method, nullptr) << grpc_path;
        calls.push_back(std::make_unique<LoginCall>());
        LoginCall &out = *calls.back();
        sts_call_init(&out.call, &service, method);
        out.call.peer = peer;
        caller = as;
        out.status = sts_dispatch(&out.call, request, &out.response);
        caller = nullptr;
        EXPECT_EQ(out.call.wants, STS_WORK_INLINE);
        if (out.status != STS_STATUS_OK)
            out.message = sts_call_error_message(&out.call, out.status);
        return out;
    }

    /* Users and clients through the admin API. */
    std::string create_user(const char *username, const char *password, std::vector<std::string> roles = {},
                            bool enabled = true)
    {
        Sts__V1__CreateUserRequest request = STS__V1__CREATE_USER_REQUEST__INIT;
        std::vector<char *> role_pointers;
        for (auto &role : roles)
            role_pointers.push_back(const_cast<char *>(role.c_str()));
        request.username = const_cast<char *>(username);
        request.password = const_cast<char *>(password);
        request.roles = role_pointers.data();
        request.n_roles = role_pointers.size();
        request.enabled_value_case = STS__V1__CREATE_USER_REQUEST__ENABLED_VALUE_ENABLED;
        request.enabled = enabled;
        LoginCall &call = invoke("/sts.v1.UserService/CreateUser", &request.base, &admin);
        EXPECT_EQ(call.status, STS_STATUS_OK) << call.message;
        return call.status == STS_STATUS_OK ? call.as<Sts__V1__User>()->id : "";
    }
    LoginCall &create_client(const char *client_id, std::vector<std::string> allowed_roles, int32_t max_lifetime_s,
                             bool enabled = true)
    {
        Sts__V1__CreateClientRequest request = STS__V1__CREATE_CLIENT_REQUEST__INIT;
        std::vector<char *> role_pointers;
        for (auto &role : allowed_roles)
            role_pointers.push_back(const_cast<char *>(role.c_str()));
        request.client_id = const_cast<char *>(client_id);
        request.display_name = const_cast<char *>("test client");
        request.allowed_roles = role_pointers.data();
        request.n_allowed_roles = role_pointers.size();
        request.max_lifetime_value_case = STS__V1__CREATE_CLIENT_REQUEST__MAX_LIFETIME_VALUE_MAX_LIFETIME_SECONDS;
        request.max_lifetime_seconds = max_lifetime_s;
        request.enabled_value_case = STS__V1__CREATE_CLIENT_REQUEST__ENABLED_VALUE_ENABLED;
        request.enabled = enabled;
        LoginCall &call = invoke("/sts.v1.ClientService/CreateClient", &request.base, &admin);
        EXPECT_EQ(call.status, STS_STATUS_OK) << call.message;
        return call;
    }

    /* The four token paths and logout. */
    LoginCall &login_as(const char *username, const char *password, const char *peer = "192.0.2.1")
    {
        Sts__V1__LoginRequest request = STS__V1__LOGIN_REQUEST__INIT;
        request.username = const_cast<char *>(username);
        request.password = const_cast<char *>(password);
        return invoke("/sts.v1.LoginService/Login", &request.base, nullptr, peer);
    }
    LoginCall &refresh(const std::string &token, const char *grant_type = "refresh_token")
    {
        Sts__V1__RefreshRequest request = STS__V1__REFRESH_REQUEST__INIT;
        request.grant_type = const_cast<char *>(grant_type);
        request.refresh_token = const_cast<char *>(token.c_str());
        return invoke("/sts.v1.LoginService/Refresh", &request.base);
    }
    LoginCall &extended(const char *client_id, int32_t expiry, const LoginPrincipal *as = nullptr)
    {
        Sts__V1__ExtendedTokenRequest request = STS__V1__EXTENDED_TOKEN_REQUEST__INIT;
        request.client_id = const_cast<char *>(client_id);
        request.expiry = expiry;
        return invoke("/sts.v1.LoginService/ExtendedToken", &request.base, as != nullptr ? as : &admin);
    }
    LoginCall &client_token(const char *username, const char *password, const char *client_id,
                            const char *peer = "192.0.2.1")
    {
        Sts__V1__ClientTokenRequest request = STS__V1__CLIENT_TOKEN_REQUEST__INIT;
        request.username = const_cast<char *>(username);
        request.password = const_cast<char *>(password);
        request.client_id = const_cast<char *>(client_id);
        return invoke("/sts.v1.LoginService/ClientToken", &request.base, nullptr, peer);
    }

    /* The ring's current public keys, parsed as a relying party would parse the JWKS document. */
    sts_jwk_set_t *jwks_now()
    {
        const sts_key_ring_view_t *view = sts_key_ring_acquire(login.keys);
        sts_jwk_set_t *set = nullptr;
        EXPECT_EQ(sts_jwk_set_parse(view->jwks, view->jwks_len, &set, error, sizeof(error)), 0) << error;
        sts_key_ring_release(login.keys, view);
        return set;
    }
    std::vector<std::string> kids_now()
    {
        const sts_key_ring_view_t *view = sts_key_ring_acquire(login.keys);
        std::vector<std::string> kids;
        for (size_t i = 0; i < view->count; i++)
            kids.push_back(sts_signing_key_kid(view->keys[i]));
        sts_key_ring_release(login.keys, view);
        return kids;
    }
    /* Verifies token with the JWKS the ring publishes now, under the settings' issuer and audience. */
    void verify(const std::string &token, VerifiedToken &out, sts_jwk_set_t *keys = nullptr)
    {
        static const char *const role_paths[] = {"realm_access.roles"};
        const char *issuers[] = {login.issuer_url};
        const char *audiences[] = {login.audience};
        sts_jwt_rules_t rules{};
        rules.issuers = issuers;
        rules.issuer_count = 1;
        rules.audiences = audiences;
        rules.audience_count = 1;
        rules.username_claim = "preferred_username";
        rules.role_paths = role_paths;
        rules.role_path_count = 1;
        sts_jwk_set_t *owned = keys == nullptr ? jwks_now() : nullptr;
        char why[256] = "";
        /* The clock tokens are stamped with; time() reads a coarser one that may lag it by a tick. */
        out.result = sts_jwt_verify(keys != nullptr ? keys : owned, &rules, token.c_str(), token.size(),
                                    (long long)(sts_time_now() / 1000000), &out.identity, why, sizeof(why));
        out.why = why;
        sts_jwk_set_free(owned);
    }
    static std::string kid_of(const std::string &token)
    {
        char kid[128] = "";
        EXPECT_EQ(sts_jwt_peek_kid(token.c_str(), token.size(), kid, sizeof(kid)), 0);
        return kid;
    }
    /* The decoded JSON payload of a JWT (not verified). */
    static std::string payload_of(const std::string &token)
    {
        size_t first = token.find('.'), second = token.find('.', first + 1);
        std::string part = token.substr(first + 1, second - first - 1);
        std::string out(sts_base64_decoded_max(part.size()) + 1, '\0');
        long len = sts_base64_decode(part.data(), part.size(), reinterpret_cast<uint8_t *>(&out[0]), out.size(),
                                     STS_BASE64_URL_RAW);
        EXPECT_GE(len, 0);
        out.resize(len > 0 ? static_cast<size_t>(len) : 0);
        return out;
    }

    /* The stored record of a user, straight from the store. */
    std::string stored_hash(const std::string &id)
    {
        sts_arena_t arena;
        sts_arena_init(&arena);
        sts_user_record_t user;
        std::string hash;
        if (store->user_get(store, id.c_str(), nullptr, &arena, &user, error, sizeof(error)) == STS_STORE_OK)
            hash = user.password_hash;
        sts_arena_dispose(&arena);
        return hash;
    }
    /* The first column of the first row of sql, read with a connection of its own; -1 when there is no row. */
    long long scalar(const std::string &sql)
    {
        sqlite3 *db = nullptr;
        EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
        sqlite3_stmt *stmt = nullptr;
        long long value = -1;
        EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
        if (sqlite3_step(stmt) == SQLITE_ROW)
            value = sqlite3_column_int64(stmt, 0);
        sqlite3_finalize(stmt);
        sqlite3_close(db);
        return value;
    }
};

#endif
