#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <set>
#include <string>
#include <unistd.h>

extern "C" {
#include "auth/access_token_authenticator.h"
#include "core/service.h"
#include "crypto/access_token.h"
#include "store/sqlite_store.h"
#include "sts_methods.h"
}

namespace
{

/*
 * The real SQLite store, seen through a window that counts reads and can act right after one: the interleavings
 * of a concurrent admin (or another replica) that the authenticator must survive.
 */
struct WatchedStore {
    sts_store_t base;
    sts_store_t *real;
    int gets = 0;
    std::function<void(const char *)> after_get;
};

sts_store_result_t watched_get(sts_store_t *self, const char *id, sts_arena_t *arena, sts_token_record_t *out,
                               char *error, size_t error_size)
{
    auto *store = reinterpret_cast<WatchedStore *>(self);
    store->gets++;
    sts_store_result_t result = store->real->get(store->real, id, arena, out, error, error_size);
    if (store->after_get)
        store->after_get(id);
    return result;
}

sts_store_result_t watched_touch(sts_store_t *self, const char *id, int64_t when)
{
    auto *store = reinterpret_cast<WatchedStore *>(self);
    return store->real->touch(store->real, id, when);
}

const char *const admin_and_issuer[] = {"admin", "issuer"};
const char *const viewer[] = {"viewer"};
const sts_access_token_role_rule_t rules[] = {
    {"ops", nullptr, admin_and_issuer, 2},
    {nullptr, "JWT", viewer, 1},
};

class AccessTokenAuthenticator : public ::testing::Test
{
  protected:
    std::string dir;
    sts_store_t *real = nullptr;
    WatchedStore store{};
    uint8_t key[32] = {7};
    sts_service_t service;
    sts_access_token_authenticator_t *auth = nullptr;
    sts_call_t call;
    bool call_live = false;
    char error[256] = "";

    void SetUp() override
    {
        char tmpl[] = "/tmp/sts-auth-test-XXXXXX";
        dir = mkdtemp(tmpl);
        real = sts_sqlite_store_open((dir + "/sts.db").c_str(), error, sizeof(error));
        ASSERT_NE(real, nullptr) << error;
        store.base = *real;
        store.base.get = watched_get;
        store.base.touch = watched_touch;
        store.real = real;
        sts_service_defaults(&service, &sts_gen_method_table);
        start(0, 0);
    }
    void TearDown() override
    {
        if (call_live)
            sts_call_dispose(&call);
        sts_access_token_authenticator_destroy(auth);
        real->destroy(real);
        for (const char *suffix : {"/sts.db", "/sts.db-wal", "/sts.db-shm"})
            std::remove((dir + suffix).c_str());
        rmdir(dir.c_str());
    }
    void start(int cache_ttl_ms, int unknown_ttl_ms)
    {
        if (auth != nullptr)
            sts_access_token_authenticator_destroy(auth);
        sts_access_token_settings_t settings = {&store.base, key, rules, 2, cache_ttl_ms, unknown_ttl_ms};
        auth = sts_access_token_authenticator_create(&settings);
    }
    /* Stores a token for the identity and returns the bearer string. */
    std::string mint(int domain, const char *auth_id, const char *name, const char *ceiling, int64_t created = 0,
                     int64_t expires = 0)
    {
        sts_token_record_t record{};
        char token[STS_ACCESS_TOKEN_CHARS + 1];
        sts_access_token_mint(record.id, token);
        sts_access_token_hmac(key, token, strlen(token), record.hmac);
        record.user = {domain, auth_id, 0, 0, 0, 0, "", name};
        record.creator = {0, "", 0, 0, 0, 0, "", "admin"};
        record.role_ceiling = ceiling;
        record.creation_time = created != 0 ? created : sts_time_now();
        record.expiration_time = expires;
        record.enabled = 1;
        EXPECT_EQ(real->create(real, &record, 100, error, sizeof(error)), STS_STORE_OK) << error;
        return token;
    }
    static std::string id_of(const std::string &token)
    {
        return token.substr(strlen(STS_ACCESS_TOKEN_PREFIX), STS_ACCESS_TOKEN_ID_CHARS);
    }
    sts_status_t authenticate(const std::string &token)
    {
        if (call_live)
            sts_call_dispose(&call);
        sts_call_init(&call, &service, sts_gen_method_table.methods);
        call_live = true;
        return sts_access_token_authenticate(auth, &call, token.data(), token.size());
    }
    std::set<std::string> roles() const
    {
        return std::set<std::string>(call.principal.roles, call.principal.roles + call.principal.role_count);
    }
    void disable(const std::string &token)
    {
        int disabled = 0;
        sts_token_record_t record;
        sts_arena_t arena;
        sts_arena_init(&arena);
        EXPECT_EQ(real->update(real, id_of(token).c_str(), &disabled, nullptr, &arena, &record, error, sizeof(error)),
                  STS_STORE_OK);
        sts_arena_dispose(&arena);
    }
};

TEST_F(AccessTokenAuthenticator, RolesAreTheGrantsWithinTheCeiling)
{
    using Roles = std::set<std::string>;
    ASSERT_EQ(authenticate(mint(0, "", "ops", nullptr)), STS_STATUS_OK) << call.error_message;
    EXPECT_EQ(roles(), (Roles{"admin", "issuer"}));
    EXPECT_EQ(call.principal.domain, 0);
    EXPECT_STREQ(call.principal.name, "ops");
    EXPECT_STREQ(call.principal.auth_id, "");
    ASSERT_EQ(authenticate(mint(0, "", "ops", "issuer,viewer")), STS_STATUS_OK);
    EXPECT_EQ(roles(), (Roles{"issuer"}));
    ASSERT_EQ(authenticate(mint(0, "", "ops", "")), STS_STATUS_OK);
    EXPECT_EQ(roles(), Roles{});
    /* user:ops names the LOCAL user; the same name in another domain is someone else. */
    ASSERT_EQ(authenticate(mint(11, "https://idp#1", "ops", nullptr)), STS_STATUS_OK);
    EXPECT_EQ(roles(), (Roles{"viewer"}));
    EXPECT_EQ(call.principal.domain, 11);
    EXPECT_STREQ(call.principal.auth_id, "https://idp#1");
    ASSERT_EQ(authenticate(mint(3, "ops", "ops", nullptr)), STS_STATUS_OK);
    EXPECT_EQ(roles(), Roles{});
    ASSERT_EQ(authenticate(mint(0, "", "Ops", nullptr)), STS_STATUS_OK);
    EXPECT_EQ(roles(), Roles{});
}

/* A disable that commits while a cache miss reads the store: the stale read serves its own call, never the cache. */
TEST_F(AccessTokenAuthenticator, AnInvalidationDuringALookupIsNotCached)
{
    std::string token = mint(0, "", "ops", nullptr);
    store.after_get = [&](const char *id) {
        disable(token);
        sts_access_token_forget(auth, id);
        store.after_get = nullptr;
    };
    EXPECT_EQ(authenticate(token), STS_STATUS_OK);
    EXPECT_EQ(authenticate(token), STS_STATUS_UNAUTHENTICATED);
    EXPECT_NE(std::string(call.error_message).find("is disabled"), std::string::npos) << call.error_message;
    EXPECT_EQ(store.gets, 2);
}

/* A change no hook reported (another replica's) is seen once the cached entry's lifetime is over. */
TEST_F(AccessTokenAuthenticator, CachedEntriesLiveBoundedTimes)
{
    start(200, 0);
    std::string token = mint(0, "", "ops", nullptr);
    EXPECT_EQ(authenticate(token), STS_STATUS_OK);
    disable(token);
    EXPECT_EQ(authenticate(token), STS_STATUS_OK); /* still cached */
    EXPECT_EQ(store.gets, 1);
    usleep(300 * 1000);
    EXPECT_EQ(authenticate(token), STS_STATUS_UNAUTHENTICATED);
    EXPECT_EQ(store.gets, 2);
}

TEST_F(AccessTokenAuthenticator, UnknownIdsAreRememberedBriefly)
{
    start(0, 200);
    char id[STS_ACCESS_TOKEN_ID_CHARS + 1], token[STS_ACCESS_TOKEN_CHARS + 1];
    sts_access_token_mint(id, token);
    for (int i = 0; i < 3; i++) {
        EXPECT_EQ(authenticate(token), STS_STATUS_UNAUTHENTICATED);
        EXPECT_STREQ(call.error_message, "unknown access token");
    }
    EXPECT_EQ(store.gets, 1);
    usleep(300 * 1000);
    EXPECT_EQ(authenticate(token), STS_STATUS_UNAUTHENTICATED);
    EXPECT_EQ(store.gets, 2);
    /* A create (or any change) of that id forgets it at once. */
    sts_access_token_forget(auth, id);
    EXPECT_EQ(authenticate(token), STS_STATUS_UNAUTHENTICATED);
    EXPECT_EQ(store.gets, 3);
}

TEST_F(AccessTokenAuthenticator, TheLifetimeCapBindsTokensMadeBeforeIt)
{
    int64_t two_days_ago = sts_time_now() - 2LL * 86400 * 1000000;
    std::string token = mint(0, "", "ops", nullptr, two_days_ago, 0);
    EXPECT_EQ(authenticate(token), STS_STATUS_OK);
    service.max_access_token_lifetime_us = 86400LL * 1000000;
    start(0, 0);
    EXPECT_EQ(authenticate(token), STS_STATUS_UNAUTHENTICATED);
    EXPECT_NE(std::string(call.error_message).find("expired at"), std::string::npos) << call.error_message;
}

TEST_F(AccessTokenAuthenticator, CacheMissesAskForTheLookupPoolOnLoopThreads)
{
    sts_worker_pool_t *pool = sts_worker_pool_create(1, 1);
    service.pools[STS_WORK_LOOKUP] = pool;
    std::string token = mint(0, "", "ops", nullptr);
    EXPECT_EQ(authenticate(token), STS_STATUS_OK);
    EXPECT_EQ(call.wants, STS_WORK_LOOKUP);
    EXPECT_FALSE(call.principal.authenticated);
    EXPECT_EQ(store.gets, 0);
    call.runs_on = STS_WORK_LOOKUP;
    call.wants = STS_WORK_INLINE;
    EXPECT_EQ(sts_access_token_authenticate(auth, &call, token.data(), token.size()), STS_STATUS_OK);
    EXPECT_TRUE(call.principal.authenticated);
    EXPECT_EQ(authenticate(token), STS_STATUS_OK); /* now from the cache, on the loop thread */
    EXPECT_EQ(call.wants, STS_WORK_INLINE);
    EXPECT_EQ(store.gets, 1);
    service.pools[STS_WORK_LOOKUP] = nullptr;
    sts_worker_pool_destroy(pool);
}

} // namespace
