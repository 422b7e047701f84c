#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <set>
#include <string>
#include <unistd.h>

extern "C" {
#include "auth/access_token_authenticator.h"
#include "core/secret_ring.h"
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

int hmac_matches(void *ring, const char *key_id, const char *token, size_t len, const uint8_t expected[32])
{
    return sts_secret_ring_hmac_matches(static_cast<sts_secret_ring_t *>(ring), key_id, token, len, expected);
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
    sts_secret_ring_t *keys = nullptr;
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
        sts_secret_ring_settings_t ring{};
        ring.purpose = STS_KEY_PURPOSE_TOKEN_HMAC;
        ring.verify_for_us = 3600LL * 1000000;
        ring.rotate_after_us = 60LL * 1000000;
        keys = sts_secret_ring_create(&ring, real, sts_time_now(), error, sizeof(error));
        ASSERT_NE(keys, nullptr) << error;
        sts_service_defaults(&service, &sts_gen_method_table);
        start(0, 0);
    }
    void TearDown() override
    {
        if (call_live)
            sts_call_dispose(&call);
        sts_access_token_authenticator_destroy(auth);
        sts_secret_ring_destroy(keys);
        real->destroy(real);
        for (const char *suffix : {"/sts.db", "/sts.db-wal", "/sts.db-shm"})
            std::remove((dir + suffix).c_str());
        rmdir(dir.c_str());
    }
    void start(int cache_ttl_ms, int unknown_ttl_ms)
    {
        if (auth != nullptr)
            sts_access_token_authenticator_destroy(auth);
        sts_access_token_settings_t settings = {&store.base, hmac_matches, keys,          rules,
                                                2,           cache_ttl_ms, unknown_ttl_ms};
        auth = sts_access_token_authenticator_create(&settings);
    }
    /* Stores a token for the identity and returns the bearer string. */
    std::string mint(int domain, const char *auth_id, const char *name, const char *ceiling, int64_t created = 0,
                     int64_t expires = 0)
    {
        sts_token_record_t record{};
        char token[STS_ACCESS_TOKEN_CHARS + 1];
        sts_access_token_mint(record.id, token);
        sts_secret_ring_hmac(keys, token, strlen(token), record.hmac, record.hmac_key_id);
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

/*
 * The HMAC keys rotate without invalidating anything: tokens hashed under the old key still authenticate, new ones
 * record the new key, and records from before key rings (no key id) are checked against every key.
 */
TEST_F(AccessTokenAuthenticator, KeyRotationKeepsTokensValid)
{
    std::string before = mint(0, "", "ops", nullptr);
    ASSERT_EQ(sts_secret_ring_reload(keys, sts_time_now() + 120LL * 1000000, error, sizeof(error)), 0) << error;
    std::string after = mint(0, "", "ops", nullptr);
    sts_token_record_t old_record, new_record;
    sts_arena_t arena;
    sts_arena_init(&arena);
    ASSERT_EQ(real->get(real, id_of(before).c_str(), &arena, &old_record, error, sizeof(error)), STS_STORE_OK);
    ASSERT_EQ(real->get(real, id_of(after).c_str(), &arena, &new_record, error, sizeof(error)), STS_STORE_OK);
    EXPECT_STRNE(old_record.hmac_key_id, new_record.hmac_key_id);
    EXPECT_EQ(strlen(new_record.hmac_key_id), static_cast<size_t>(STS_SECRET_ID_CHARS));
    sts_arena_dispose(&arena);
    EXPECT_EQ(authenticate(before), STS_STATUS_OK);
    EXPECT_EQ(authenticate(after), STS_STATUS_OK);

    /* A legacy record: hashed under a key of the ring, with no key id. */
    sts_token_record_t legacy{};
    char token[STS_ACCESS_TOKEN_CHARS + 1];
    sts_access_token_mint(legacy.id, token);
    char unused[STS_SECRET_ID_CHARS + 1];
    sts_secret_ring_hmac(keys, token, strlen(token), legacy.hmac, unused);
    legacy.user = {0, "", 0, 0, 0, 0, "", "ops"};
    legacy.creator = {0, "", 0, 0, 0, 0, "", "admin"};
    legacy.creation_time = sts_time_now();
    legacy.enabled = 1;
    ASSERT_EQ(real->create(real, &legacy, 100, error, sizeof(error)), STS_STORE_OK) << error;
    EXPECT_EQ(authenticate(token), STS_STATUS_OK);

    /* A record naming a key the ring does not hold never matches, even with the right HMAC under another key. */
    sts_token_record_t stray{};
    sts_access_token_mint(stray.id, token);
    sts_secret_ring_hmac(keys, token, strlen(token), stray.hmac, unused);
    snprintf(stray.hmac_key_id, sizeof(stray.hmac_key_id), "%s", "0000000000000000");
    stray.user = legacy.user;
    stray.creator = legacy.creator;
    stray.creation_time = sts_time_now();
    stray.enabled = 1;
    ASSERT_EQ(real->create(real, &stray, 100, error, sizeof(error)), STS_STORE_OK) << error;
    EXPECT_EQ(authenticate(token), STS_STATUS_UNAUTHENTICATED);
}

} // namespace
