/*
 * The key ring on a real SQLite store: what `stsd keys rotate` against a running stsd relies on (another ring on the
 * same store rotates; this one picks it up at its next reload), automatic rotation, and a wrong key-encryption key.
 */
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <unistd.h>
#include <vector>

extern "C" {
#include "auth/jwk.h"
#include "auth/jwt.h"
#include "core/key_ring.h"
#include "crypto/random.h"
#include "store/sqlite_store.h"
#include "util/timefmt.h"
}

namespace
{

const int64_t day_us = 86400LL * 1000000;

struct Changes {
    int calls = 0;
    uint64_t last_generation = 0;
    std::string last_active;
};

void record_change(void *data, const sts_key_ring_view_t *view)
{
    auto *changes = static_cast<Changes *>(data);
    changes->calls++;
    changes->last_generation = view->generation;
    changes->last_active = sts_signing_key_kid(view->keys[0]);
}

class KeyRing : public ::testing::Test
{
  protected:
    std::string dir, path;
    sts_store_t *store = nullptr;
    sts_key_ring_settings_t settings{};
    std::vector<sts_key_ring_t *> rings;
    char error[256] = "";
    std::string last_why;

    void SetUp() override
    {
        char tmpl[] = "/tmp/sts-key-ring-test-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir = tmpl;
        path = dir + "/sts.db";
        store = sts_sqlite_store_open(path.c_str(), error, sizeof(error));
        ASSERT_NE(store, nullptr) << error;
        settings.algorithm = STS_SIGNING_ES256;
        sts_random_bytes(settings.kek, sizeof(settings.kek));
        settings.verify_for_us = day_us;
    }
    void TearDown() override
    {
        for (sts_key_ring_t *ring : rings)
            sts_key_ring_destroy(ring);
        if (store != nullptr)
            store->destroy(store);
        for (const char *suffix : {"", "-wal", "-shm"})
            std::remove((path + suffix).c_str());
        rmdir(dir.c_str());
    }
    /* A ring as another process would open it: its own store connection on the same file. */
    sts_key_ring_t *open(const sts_key_ring_settings_t &with, int64_t now, sts_store_t *on = nullptr)
    {
        sts_key_ring_t *ring = sts_key_ring_create(&with, on != nullptr ? on : store, now, error, sizeof(error));
        if (ring != nullptr)
            rings.push_back(ring);
        return ring;
    }
    static std::vector<std::string> kids(sts_key_ring_t *ring)
    {
        const sts_key_ring_view_t *view = sts_key_ring_acquire(ring);
        std::vector<std::string> out;
        for (size_t i = 0; i < view->count; i++)
            out.push_back(sts_signing_key_kid(view->keys[i]));
        sts_key_ring_release(ring, view);
        return out;
    }
    static uint64_t generation(sts_key_ring_t *ring)
    {
        const sts_key_ring_view_t *view = sts_key_ring_acquire(ring);
        uint64_t out = view->generation;
        sts_key_ring_release(ring, view);
        return out;
    }
    /* Signs a payload with the ring's active key; returns the JWS. */
    static std::string sign(sts_key_ring_t *ring)
    {
        sts_buf_t out;
        sts_buf_init(&out, 16 * 1024);
        std::string payload = "{\"sub\":\"x\",\"exp\":" + std::to_string(time(nullptr) + 600) + "}";
        EXPECT_EQ(sts_key_ring_sign(ring, "at+jwt", payload.data(), payload.size(), &out), 0);
        std::string jws(out.data, out.len);
        sts_buf_dispose(&out);
        return jws;
    }
    static std::string kid_of(const std::string &token)
    {
        char kid[128] = "";
        EXPECT_EQ(sts_jwt_peek_kid(token.c_str(), token.size(), kid, sizeof(kid)), 0);
        return kid;
    }
    /* Whether token verifies with the JWKS ring publishes now (signature and kid; no claims are required). */
    bool verifies_with(sts_key_ring_t *ring, const std::string &token)
    {
        const sts_key_ring_view_t *view = sts_key_ring_acquire(ring);
        sts_jwk_set_t *set = nullptr;
        EXPECT_EQ(sts_jwk_set_parse(view->jwks, view->jwks_len, &set, error, sizeof(error)), 0) << error;
        sts_key_ring_release(ring, view);
        sts_jwt_rules_t rules{};
        rules.any_issuer = 1;
        rules.any_audience = 1;
        sts_jwt_identity_t identity;
        char why[256];
        sts_jwt_result_t result =
            sts_jwt_verify(set, &rules, token.c_str(), token.size(), time(nullptr), &identity, why, sizeof(why));
        if (result == STS_JWT_OK)
            sts_jwt_identity_dispose(&identity);
        else
            last_why = why;
        sts_jwk_set_free(set);
        return result == STS_JWT_OK;
    }
};

TEST_F(KeyRing, TheFirstRingMakesAKeyAndTheNextOpensTheSameOne)
{
    int64_t now = sts_time_now();
    sts_key_ring_t *first = open(settings, now);
    ASSERT_NE(first, nullptr) << error;
    std::vector<std::string> made = kids(first);
    ASSERT_EQ(made.size(), 1u);
    sts_key_ring_t *second = open(settings, now);
    ASSERT_NE(second, nullptr) << error;
    EXPECT_EQ(kids(second), made);
    std::string token = sign(second);
    EXPECT_EQ(kid_of(token), made[0]);
    EXPECT_TRUE(verifies_with(first, token)) << last_why;
}

TEST_F(KeyRing, AReloadPicksUpARotationMadeByAnotherRingOnTheSameStore)
{
    int64_t now = sts_time_now();
    Changes changes;
    sts_key_ring_settings_t running_settings = settings;
    running_settings.changed = record_change;
    running_settings.changed_data = &changes;
    /* "stsd" runs on its own connection; "stsd keys rotate" opens the store file again. */
    sts_key_ring_t *running = open(running_settings, now);
    ASSERT_NE(running, nullptr) << error;
    std::string old_kid = kids(running).at(0);
    std::string old_token = sign(running);
    EXPECT_EQ(changes.calls, 1);

    sts_store_t *cli_store = sts_sqlite_store_open(path.c_str(), error, sizeof(error));
    ASSERT_NE(cli_store, nullptr) << error;
    sts_key_ring_t *cli = sts_key_ring_create(&settings, cli_store, now, error, sizeof(error));
    ASSERT_NE(cli, nullptr) << error;
    ASSERT_EQ(sts_key_ring_rotate(cli, now + 1000, error, sizeof(error)), 0) << error;
    std::string new_kid = kids(cli).at(0);
    EXPECT_NE(new_kid, old_kid);
    sts_key_ring_destroy(cli);
    cli_store->destroy(cli_store);

    /* Until it reloads, the running ring still signs with the old key. */
    EXPECT_EQ(kid_of(sign(running)), old_kid);
    uint64_t before = generation(running);
    ASSERT_EQ(sts_key_ring_reload(running, now + 2000, error, sizeof(error)), 0) << error;
    EXPECT_EQ(kids(running), (std::vector<std::string>{new_kid, old_kid}));
    EXPECT_GT(generation(running), before);
    EXPECT_EQ(changes.calls, 2);
    EXPECT_EQ(changes.last_active, new_kid);
    std::string new_token = sign(running);
    EXPECT_EQ(kid_of(new_token), new_kid);
    EXPECT_TRUE(verifies_with(running, new_token)) << last_why;
    EXPECT_TRUE(verifies_with(running, old_token)) << last_why;

    /* A reload that finds the same keys publishes nothing new. */
    uint64_t settled = generation(running);
    ASSERT_EQ(sts_key_ring_reload(running, now + 3000, error, sizeof(error)), 0) << error;
    EXPECT_EQ(generation(running), settled);
    EXPECT_EQ(changes.calls, 2);
}

TEST_F(KeyRing, AViewBorrowedBeforeAChangeStaysIntactUntilReleased)
{
    int64_t now = sts_time_now();
    sts_key_ring_t *ring = open(settings, now);
    ASSERT_NE(ring, nullptr) << error;
    const sts_key_ring_view_t *held = sts_key_ring_acquire(ring);
    std::string held_kid = sts_signing_key_kid(held->keys[0]);
    std::string held_jwks(held->jwks, held->jwks_len);
    ASSERT_EQ(sts_key_ring_rotate(ring, now + 1, error, sizeof(error)), 0) << error;
    ASSERT_EQ(sts_key_ring_reload(ring, now + settings.verify_for_us + 2, error, sizeof(error)), 0) << error;
    EXPECT_EQ(kids(ring).size(), 1u);
    EXPECT_NE(kids(ring).at(0), held_kid);
    /* The borrowed snapshot was not freed under the borrower (ASan would see a use after free). */
    EXPECT_EQ(held->count, 1u);
    EXPECT_EQ(std::string(sts_signing_key_kid(held->keys[0])), held_kid);
    EXPECT_EQ(std::string(held->jwks, held->jwks_len), held_jwks);
    sts_key_ring_release(ring, held);
}

TEST_F(KeyRing, AnActiveKeyOlderThanTheRotationPeriodIsReplacedAtTheNextReload)
{
    int64_t now = sts_time_now();
    sts_key_ring_settings_t rotating = settings;
    rotating.rotate_after_us = 30 * day_us;
    sts_key_ring_t *ring = open(rotating, now);
    ASSERT_NE(ring, nullptr) << error;
    std::string first = kids(ring).at(0);
    ASSERT_EQ(sts_key_ring_reload(ring, now + 30 * day_us - 1, error, sizeof(error)), 0) << error;
    EXPECT_EQ(kids(ring), std::vector<std::string>{first});
    ASSERT_EQ(sts_key_ring_reload(ring, now + 30 * day_us, error, sizeof(error)), 0) << error;
    std::vector<std::string> after = kids(ring);
    ASSERT_EQ(after.size(), 2u);
    EXPECT_NE(after[0], first);
    EXPECT_EQ(after[1], first);
    /* A second ring on the store, reloading at the same moment, sees the rotation instead of making its own. */
    sts_key_ring_t *peer = open(rotating, now + 30 * day_us);
    ASSERT_NE(peer, nullptr) << error;
    EXPECT_EQ(kids(peer), after);
}

TEST_F(KeyRing, AnotherKeyEncryptionKeyCannotOpenTheRing)
{
    ASSERT_NE(open(settings, sts_time_now()), nullptr) << error;
    sts_key_ring_settings_t wrong = settings;
    wrong.kek[0] ^= 1;
    error[0] = '\0';
    EXPECT_EQ(open(wrong, sts_time_now()), nullptr);
    EXPECT_NE(error[0], '\0');
    /* Nothing was added to the store by the failed attempt. */
    sts_key_ring_t *again = open(settings, sts_time_now());
    ASSERT_NE(again, nullptr) << error;
    EXPECT_EQ(kids(again).size(), 1u);
}

} // namespace
