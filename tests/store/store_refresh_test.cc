/* Refresh-token families in the store: rotation, reuse, grace, expiry, revocation, concurrency. */
#include "store/store_fixture.h"

#include <atomic>
#include <map>
#include <thread>
#include <vector>

namespace
{

class StoreRefresh : public StoreFixture
{
  protected:
    void SetUp() override
    {
        StoreFixture::SetUp();
        ASSERT_EQ(add_user(1, "alice"), STS_STORE_OK) << error;
        ASSERT_EQ(add_refresh(11, 101, 1), STS_STORE_OK) << error;
    }
    long long used_time(int n)
    {
        return scalar("SELECT used_time FROM refresh_tokens WHERE id = '" + id(n) + "'");
    }
    long long tokens()
    {
        return scalar("SELECT count(*) FROM refresh_tokens");
    }
};

TEST_F(StoreRefresh, RotationMarksTheOldUsedAndTheSuccessorJoinsTheFamily)
{
    sts_refresh_record_t old{};
    ASSERT_EQ(rotate(11, 12, 100, 0, &old), STS_STORE_OK) << error;
    EXPECT_EQ(old.id, id(11));
    EXPECT_EQ(old.family_id, id(101));
    EXPECT_EQ(old.user_id, id(1));
    EXPECT_STREQ(old.client_id, "xco");
    EXPECT_STREQ(old.session_id, "session-1");
    EXPECT_EQ(old.used_time, 100);
    EXPECT_EQ(old.revoked, 0);
    EXPECT_EQ(used_time(11), 100);
    /* The successor inherits family, user, client, session and the family's lifetime; its own times are its own. */
    const std::string successor = "FROM refresh_tokens WHERE id = '" + id(12) + "'";
    EXPECT_EQ(scalar("SELECT family_id = '" + id(101) + "' " + successor), 1);
    EXPECT_EQ(scalar("SELECT user_id = '" + id(1) + "' " + successor), 1);
    EXPECT_EQ(scalar("SELECT client_id = 'xco' AND session_id = 'session-1' " + successor), 1);
    EXPECT_EQ(scalar("SELECT family_expires_time " + successor), 5000000000);
    EXPECT_EQ(scalar("SELECT expires_time " + successor), 1000000100);
    EXPECT_EQ(scalar("SELECT created_time " + successor), 100);
    EXPECT_EQ(scalar("SELECT used_time + revoked " + successor), 0);
    uint8_t twelves[32];
    memset(twelves, 12, sizeof(twelves));
    sts_refresh_record_t found{};
    EXPECT_EQ(store->refresh_find(store, id(12).c_str(), twelves, nullptr, &arena, &found, error, sizeof(error)),
              STS_STORE_OK);
    ASSERT_EQ(rotate(12, 13, 200, 0, &old), STS_STORE_OK) << error;
    EXPECT_EQ(old.family_id, id(101));
}

TEST_F(StoreRefresh, ReuseWithoutGraceRevokesTheWholeFamilyIncludingTheSuccessor)
{
    ASSERT_EQ(add_refresh(21, 201, 1), STS_STORE_OK); /* another login of the same user */
    ASSERT_EQ(rotate(11, 12, 100), STS_STORE_OK);
    sts_refresh_record_t old{};
    EXPECT_EQ(rotate(11, 13, 100, 0, &old), STS_STORE_REUSED); /* the same instant: grace 0 is no grace */
    EXPECT_EQ(old.id, id(11));
    EXPECT_EQ(old.family_id, id(101));
    EXPECT_EQ(old.user_id, id(1));
    EXPECT_EQ(old.used_time, 100);
    EXPECT_EQ(revoked(11), 1);
    EXPECT_EQ(revoked(12), 1);
    EXPECT_EQ(tokens(), 3); /* no successor for the reuse */
    EXPECT_EQ(rotate(12, 14, 110), STS_STORE_NOT_FOUND);
    EXPECT_EQ(rotate(11, 15, 120), STS_STORE_NOT_FOUND); /* revoked now, so not even REUSED */
    EXPECT_EQ(revoked(21), 0);
    EXPECT_EQ(rotate(21, 22, 130), STS_STORE_OK);
}

TEST_F(StoreRefresh, ARetryWithinTheGraceChangesNothing)
{
    const int64_t grace = 10000000;
    ASSERT_EQ(rotate(11, 12, 100, grace), STS_STORE_OK);
    sts_refresh_record_t old{};
    EXPECT_EQ(rotate(11, 13, 100 + grace, grace, &old), STS_STORE_REPLAYED);
    EXPECT_EQ(old.family_id, id(101));
    EXPECT_EQ(old.used_time, 100);
    EXPECT_EQ(tokens(), 2);
    EXPECT_EQ(revoked(11), 0);
    EXPECT_EQ(revoked(12), 0);
    EXPECT_EQ(used_time(11), 100);
    EXPECT_EQ(rotate(11, 13, 101 + grace, grace), STS_STORE_REUSED);
    EXPECT_EQ(revoked(12), 1);
}

TEST_F(StoreRefresh, AWrongHmacFindsNothingAndChangesNothing)
{
    sts_refresh_record_t old{};
    EXPECT_EQ(rotate(11, 12, 100, 0, &old, 0x42), STS_STORE_NOT_FOUND);
    EXPECT_EQ(old.id[0], '\0');
    EXPECT_EQ(used_time(11), 0);
    EXPECT_EQ(tokens(), 1);
    ASSERT_EQ(rotate(11, 12, 100), STS_STORE_OK);
    /* Presenting a used token's id with the wrong secret must not revoke its family. */
    EXPECT_EQ(rotate(11, 13, 200, 0, nullptr, 0x42), STS_STORE_NOT_FOUND);
    uint8_t wrong[32];
    memset(wrong, 0x42, sizeof(wrong));
    EXPECT_EQ(store->refresh_revoke(store, id(12).c_str(), wrong, error, sizeof(error)), STS_STORE_NOT_FOUND);
    /* One byte off is as wrong as all of them. */
    uint8_t almost[32];
    memset(almost, 12, sizeof(almost));
    almost[31] ^= 1;
    EXPECT_EQ(store->refresh_revoke(store, id(12).c_str(), almost, error, sizeof(error)), STS_STORE_NOT_FOUND);
    EXPECT_EQ(revoked(11), 0);
    EXPECT_EQ(revoked(12), 0);
    EXPECT_EQ(rotate(12, 13, 300), STS_STORE_OK);
    EXPECT_EQ(rotate(99, 98, 300), STS_STORE_NOT_FOUND); /* no such id */
}

TEST_F(StoreRefresh, ExpiredTokensAndFamiliesAreNotFound)
{
    ASSERT_EQ(add_refresh(21, 201, 1, 1000, 5000), STS_STORE_OK);
    EXPECT_EQ(rotate(21, 22, 1000), STS_STORE_NOT_FOUND); /* its own lifetime: now == expires */
    EXPECT_EQ(used_time(21), 0);
    ASSERT_EQ(rotate(21, 22, 999), STS_STORE_OK);
    /* The successor lives past the family (now + 1e9) but the family ends at 5000. */
    ASSERT_EQ(rotate(22, 23, 4999), STS_STORE_OK);
    EXPECT_EQ(rotate(23, 24, 5000), STS_STORE_NOT_FOUND);
    EXPECT_EQ(used_time(23), 0);
    /* A used token past its lifetime is just expired: presenting it again revokes nothing. */
    EXPECT_EQ(rotate(21, 25, 1000), STS_STORE_NOT_FOUND);
    EXPECT_EQ(revoked(22), 0);
}

TEST_F(StoreRefresh, ADisabledUserCannotRefresh)
{
    sts_user_change_t change{};
    const int disabled = 0, enabled = 1;
    change.enabled = &disabled;
    change.now = 50;
    ASSERT_EQ(store->user_update(store, id(1).c_str(), &change, &arena, nullptr, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(rotate(11, 12, 100), STS_STORE_NOT_FOUND);
    EXPECT_EQ(used_time(11), 0);
    change.enabled = &enabled;
    ASSERT_EQ(store->user_update(store, id(1).c_str(), &change, &arena, nullptr, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(rotate(11, 12, 100), STS_STORE_OK);
}

TEST_F(StoreRefresh, LogoutRevokesTheFamilyFromAnyOfItsTokens)
{
    ASSERT_EQ(rotate(11, 12, 100), STS_STORE_OK);
    ASSERT_EQ(add_refresh(21, 201, 1), STS_STORE_OK);
    uint8_t hmac[32];
    memset(hmac, 12, sizeof(hmac));
    ASSERT_EQ(store->refresh_revoke(store, id(12).c_str(), hmac, error, sizeof(error)), STS_STORE_OK) << error;
    EXPECT_EQ(revoked(11), 1);
    EXPECT_EQ(revoked(12), 1);
    EXPECT_EQ(revoked(21), 0);
    EXPECT_EQ(rotate(12, 13, 200), STS_STORE_NOT_FOUND);
    /* Again, and through the used token: still that family. */
    EXPECT_EQ(store->refresh_revoke(store, id(12).c_str(), hmac, error, sizeof(error)), STS_STORE_OK);
    memset(hmac, 11, sizeof(hmac));
    EXPECT_EQ(store->refresh_revoke(store, id(11).c_str(), hmac, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(store->refresh_revoke(store, id(99).c_str(), hmac, error, sizeof(error)), STS_STORE_NOT_FOUND);
    EXPECT_EQ(rotate(21, 22, 200), STS_STORE_OK);
}

TEST_F(StoreRefresh, FindSeesOnlyLiveUnusedTokensWithNowAndAnyStateWithout)
{
    uint8_t hmac[32];
    memset(hmac, 11, sizeof(hmac));
    sts_refresh_record_t found{};
    int64_t now = 50;
    ASSERT_EQ(store->refresh_find(store, id(11).c_str(), hmac, &now, &arena, &found, error, sizeof(error)),
              STS_STORE_OK)
        << error;
    EXPECT_EQ(found.family_id, id(101));
    EXPECT_STREQ(found.client_id, "xco");
    now = 1000000000; /* its own lifetime is over */
    EXPECT_EQ(store->refresh_find(store, id(11).c_str(), hmac, &now, &arena, &found, error, sizeof(error)),
              STS_STORE_NOT_FOUND);
    now = 50;
    uint8_t wrong[32];
    memset(wrong, 11, sizeof(wrong));
    wrong[31] ^= 1;
    EXPECT_EQ(store->refresh_find(store, id(11).c_str(), wrong, &now, &arena, &found, error, sizeof(error)),
              STS_STORE_NOT_FOUND);
    ASSERT_EQ(rotate(11, 12, 100), STS_STORE_OK);
    now = 150; /* used: only its successor is live */
    EXPECT_EQ(store->refresh_find(store, id(11).c_str(), hmac, &now, &arena, &found, error, sizeof(error)),
              STS_STORE_NOT_FOUND);
    EXPECT_EQ(store->refresh_find(store, id(11).c_str(), hmac, nullptr, &arena, &found, error, sizeof(error)),
              STS_STORE_OK);
    EXPECT_EQ(found.used_time, 100);
    memset(hmac, 12, sizeof(hmac));
    ASSERT_EQ(store->refresh_revoke(store, id(12).c_str(), hmac, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(store->refresh_find(store, id(12).c_str(), hmac, &now, &arena, &found, error, sizeof(error)),
              STS_STORE_NOT_FOUND);
    ASSERT_EQ(store->refresh_find(store, id(12).c_str(), hmac, nullptr, &arena, &found, error, sizeof(error)),
              STS_STORE_OK);
    EXPECT_EQ(found.revoked, 1);
}

TEST_F(StoreRefresh, DeniedTokensAreListedInOrderKeepTheLaterExpiryAndArePruned)
{
    for (const char *jti : {"c", "a", "b"}) {
        sts_denied_token_t token{jti, 1000};
        ASSERT_EQ(store->token_deny(store, &token, error, sizeof(error)), STS_STORE_OK) << error;
    }
    sts_denied_token_t later{"a", 3000}, earlier{"b", 10};
    ASSERT_EQ(store->token_deny(store, &later, error, sizeof(error)), STS_STORE_OK);
    ASSERT_EQ(store->token_deny(store, &earlier, error, sizeof(error)), STS_STORE_OK);
    sts_denied_token_t *tokens = nullptr;
    size_t count = 0;
    int more = 0;
    ASSERT_EQ(store->denied_tokens(store, "", 2, &arena, &tokens, &count, &more, error, sizeof(error)), STS_STORE_OK);
    ASSERT_EQ(count, 2u);
    EXPECT_TRUE(more);
    EXPECT_STREQ(tokens[0].jti, "a");
    EXPECT_EQ(tokens[0].expires_time, 3000);
    EXPECT_STREQ(tokens[1].jti, "b");
    EXPECT_EQ(tokens[1].expires_time, 1000);
    ASSERT_EQ(store->denied_tokens(store, "b", 2, &arena, &tokens, &count, &more, error, sizeof(error)), STS_STORE_OK);
    ASSERT_EQ(count, 1u);
    EXPECT_FALSE(more);
    EXPECT_STREQ(tokens[0].jti, "c");
    ASSERT_EQ(store->denied_tokens_prune(store, 2000, error, sizeof(error)), STS_STORE_OK);
    ASSERT_EQ(store->denied_tokens(store, "", 10, &arena, &tokens, &count, &more, error, sizeof(error)), STS_STORE_OK);
    ASSERT_EQ(count, 1u);
    EXPECT_STREQ(tokens[0].jti, "a");
}

TEST_F(StoreRefresh, PruneDeletesTokensADayPastTheirLifetime)
{
    const int64_t day = 24LL * 3600 * 1000000;
    ASSERT_EQ(add_refresh(21, 201, 1, 1000, 5 * day), STS_STORE_OK);
    ASSERT_EQ(add_refresh(31, 301, 1, 5 * day, 2000), STS_STORE_OK);
    ASSERT_EQ(store->refresh_prune(store, day + 1000, error, sizeof(error)), STS_STORE_OK) << error;
    EXPECT_EQ(tokens(), 3);
    ASSERT_EQ(store->refresh_prune(store, day + 1001, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(tokens(), 2);
    EXPECT_EQ(revoked(21), -1);
    ASSERT_EQ(store->refresh_prune(store, day + 2001, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(tokens(), 1);
    EXPECT_EQ(revoked(11), 0);
}

/* Many rotations of one token at once, each on its own thread and connection: one wins. */
static std::map<sts_store_result_t, int> rotate_at_once(sts_store_t *store, int64_t grace)
{
    constexpr int threads = 20;
    std::atomic<int> ready{0};
    std::vector<sts_store_result_t> results(threads, STS_STORE_ERROR);
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; i++) {
        pool.emplace_back([&, i] {
            sts_arena_t arena;
            sts_arena_init(&arena);
            char error[256] = "";
            uint8_t hmac[32];
            memset(hmac, 11, sizeof(hmac));
            sts_refresh_record_t next = StoreFixture::refresh(100 + i, 0, 0);
            sts_refresh_record_t old;
            ready++;
            while (ready.load() < threads)
                std::this_thread::yield();
            results[i] = store->refresh_rotate(store, StoreFixture::id(11).c_str(), hmac, 100, grace, &next, &arena,
                                               &old, error, sizeof(error));
            EXPECT_NE(results[i], STS_STORE_ERROR) << error;
            sts_arena_dispose(&arena);
        });
    }
    for (auto &thread : pool)
        thread.join();
    std::map<sts_store_result_t, int> tally;
    for (sts_store_result_t result : results)
        tally[result]++;
    return tally;
}

TEST_F(StoreRefresh, TwentyConcurrentRotationsExactlyOneWins)
{
    std::map<sts_store_result_t, int> tally = rotate_at_once(store, 0);
    EXPECT_EQ(tally[STS_STORE_OK], 1);
    EXPECT_GE(tally[STS_STORE_REUSED], 1); /* the first loser revokes; later ones find the family revoked */
    EXPECT_EQ(tally[STS_STORE_OK] + tally[STS_STORE_REUSED] + tally[STS_STORE_NOT_FOUND], 20);
    EXPECT_EQ(tokens(), 2);
    EXPECT_EQ(scalar("SELECT count(*) FROM refresh_tokens WHERE revoked = 1"), 2);
}

TEST_F(StoreRefresh, TwentyConcurrentRetriesWithinTheGraceOneWinsTheRestReplay)
{
    std::map<sts_store_result_t, int> tally = rotate_at_once(store, 10000000);
    EXPECT_EQ(tally[STS_STORE_OK], 1);
    EXPECT_EQ(tally[STS_STORE_REPLAYED], 19);
    EXPECT_EQ(tokens(), 2);
    EXPECT_EQ(scalar("SELECT count(*) FROM refresh_tokens WHERE revoked = 1"), 0);
}

} // namespace
