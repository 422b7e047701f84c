/* What only the PostgreSQL store has: replicas sharing one database, its migrations, connections and messages. */
#include "store/store_fixture.h"

#include <algorithm>
#include <set>
#include <thread>
#include <vector>

namespace
{

using Postgres = StoreFixture;

TEST(PostgresUrl, PasswordsAreRedacted)
{
    char out[256];
    sts_pg_url_redact("postgres://sts:s3cret@db.example:5432/sts?sslmode=verify-full", out, sizeof(out));
    EXPECT_STREQ(out, "postgres://sts:***@db.example:5432/sts?sslmode=verify-full");
    sts_pg_url_redact("postgres://sts@db/sts?password=s3cret&sslmode=require", out, sizeof(out));
    EXPECT_STREQ(out, "postgres://sts@db/sts?password=***&sslmode=require");
    sts_pg_url_redact("postgresql://a:b:c@h/d", out, sizeof(out));
    EXPECT_STREQ(out, "postgresql://a:***@h/d");
    sts_pg_url_redact("postgres://h/d", out, sizeof(out));
    EXPECT_STREQ(out, "postgres://h/d");
}

TEST_F(Postgres, ReplicasStartingAtOnceApplyTheMigrationsOnce)
{
    close();
    ASSERT_EQ(pg_admin("DROP DATABASE " + database + " WITH (FORCE)"), "");
    ASSERT_EQ(pg_admin("CREATE DATABASE " + database + " OWNER sts"), "");
    std::vector<sts_store_t *> replicas(4, nullptr);
    std::vector<std::string> errors(4);
    std::vector<std::thread> starting;
    for (size_t i = 0; i < replicas.size(); i++)
        starting.emplace_back([&, i] {
            char message[256] = "";
            sts_pg_settings_t settings = {path.c_str(), password.c_str(), 0, 0};
            replicas[i] = sts_pg_store_open(&settings, message, sizeof(message));
            errors[i] = message;
        });
    for (auto &thread : starting)
        thread.join();
    for (size_t i = 0; i < replicas.size(); i++) {
        EXPECT_NE(replicas[i], nullptr) << errors[i];
        if (replicas[i] != nullptr)
            replicas[i]->destroy(replicas[i]);
    }
    EXPECT_EQ(scalar("SELECT version FROM schema_version"), STS_PG_SCHEMA_VERSION);
    EXPECT_EQ(scalar("SELECT count(*) FROM schema_version"), 1);
    open();
}

TEST_F(Postgres, ANewerSchemaIsRefused)
{
    close();
    ASSERT_EQ(scalar("UPDATE schema_version SET version = 99 RETURNING version"), 99);
    EXPECT_EQ(open_another(), nullptr);
    EXPECT_EQ(std::string(error), "database: schema version 99 is newer than this stsd (" +
                                      std::to_string(STS_PG_SCHEMA_VERSION) + "); upgrade stsd");
}

TEST_F(Postgres, AWrongPasswordOrAnUnreachableServerIsAnErrorWithoutThePassword)
{
    sts_pg_settings_t wrong = {path.c_str(), "not-the-password", 0, 0};
    EXPECT_EQ(sts_pg_store_open(&wrong, error, sizeof(error)), nullptr);
    EXPECT_NE(std::string(error).find("database: cannot connect to " + path + ": "), std::string::npos) << error;
    EXPECT_NE(std::string(error).find("password authentication failed"), std::string::npos) << error;
    EXPECT_EQ(std::string(error).find("not-the-password"), std::string::npos) << error;
    std::string in_url = "postgres://sts:url-secret@127.0.0.1:1/" + database;
    sts_pg_settings_t closed = {in_url.c_str(), nullptr, 0, 0};
    EXPECT_EQ(sts_pg_store_open(&closed, error, sizeof(error)), nullptr);
    EXPECT_NE(std::string(error).find("database: cannot connect to postgres://sts:***@127.0.0.1:1/"), std::string::npos)
        << error;
    EXPECT_EQ(std::string(error).find("url-secret"), std::string::npos) << error;
}

/* Three replicas rotate the same refresh token at once, twenty times over: exactly one wins, nobody sees an error. */
TEST_F(Postgres, ConcurrentRotationsOnThreeReplicasExactlyOneWins)
{
    ASSERT_EQ(add_user(1, "alice"), STS_STORE_OK) << error;
    ASSERT_EQ(add_refresh(11, 101, 1), STS_STORE_OK) << error;
    std::vector<sts_store_t *> replicas = {store, open_another(), open_another()};
    ASSERT_NE(replicas[1], nullptr) << error;
    ASSERT_NE(replicas[2], nullptr) << error;
    std::vector<sts_store_result_t> results(20, STS_STORE_ERROR);
    std::atomic<int> ready{0};
    std::vector<std::thread> pool;
    for (int i = 0; i < 20; i++)
        pool.emplace_back([&, i] {
            sts_arena_t mine;
            sts_arena_init(&mine);
            char message[256] = "";
            uint8_t hmac[32];
            memset(hmac, 11, sizeof(hmac));
            sts_refresh_record_t next = StoreFixture::refresh(100 + i, 0, 0), old;
            ready++;
            while (ready.load() < 20)
                std::this_thread::yield();
            sts_store_t *replica = replicas[(size_t)i % 3];
            results[(size_t)i] = replica->refresh_rotate(replica, StoreFixture::id(11).c_str(), hmac, 100, 0, &next,
                                                         &mine, &old, message, sizeof(message));
            EXPECT_NE(results[(size_t)i], STS_STORE_ERROR) << message;
            sts_arena_dispose(&mine);
        });
    for (auto &thread : pool)
        thread.join();
    replicas[1]->destroy(replicas[1]);
    replicas[2]->destroy(replicas[2]);
    std::map<sts_store_result_t, int> tally;
    for (sts_store_result_t result : results)
        tally[result]++;
    EXPECT_EQ(tally[STS_STORE_OK], 1);
    EXPECT_EQ(tally[STS_STORE_OK] + tally[STS_STORE_REUSED] + tally[STS_STORE_NOT_FOUND], 20);
    EXPECT_EQ(scalar("SELECT count(*) FROM refresh_tokens"), 2);
}

/* Two replicas rotate the signing key at once: both keys are kept, and exactly one of them is active. */
TEST_F(Postgres, ConcurrentKeyRotationsLeaveOneActiveKey)
{
    sts_store_t *other = open_another();
    ASSERT_NE(other, nullptr) << error;
    static const uint8_t sealed[] = {1, 2, 3};
    for (int round = 0; round < 10; round++) {
        std::string a = "a" + std::to_string(round), b = "b" + std::to_string(round);
        sts_store_result_t results[2];
        std::thread first([&] {
            char message[256];
            sts_key_record_t key{a.c_str(), STS_KEY_PURPOSE_JWS, "ES256", sealed, sizeof(sealed), 100 + round, 0, 0};
            results[0] = store->key_add(store, &key, 1000, message, sizeof(message));
        });
        std::thread second([&] {
            char message[256];
            sts_key_record_t key{b.c_str(), STS_KEY_PURPOSE_JWS, "ES256", sealed, sizeof(sealed), 100 + round, 0, 0};
            results[1] = other->key_add(other, &key, 1000, message, sizeof(message));
        });
        first.join();
        second.join();
        EXPECT_EQ(results[0], STS_STORE_OK);
        EXPECT_EQ(results[1], STS_STORE_OK);
        EXPECT_EQ(scalar("SELECT count(*) FROM service_keys WHERE retired_time = 0"), 1) << "round " << round;
    }
    EXPECT_EQ(scalar("SELECT count(*) FROM service_keys"), 20);
    other->destroy(other);
}

/* The per-user cap holds when replicas create tokens for one identity at once (a cap of 1: the tightest race). */
TEST_F(Postgres, ThePerUserCapHoldsAcrossReplicas)
{
    std::vector<sts_store_t *> replicas = {store, open_another(), open_another()};
    ASSERT_NE(replicas[1], nullptr) << error;
    ASSERT_NE(replicas[2], nullptr) << error;
    std::vector<sts_store_result_t> results(30, STS_STORE_ERROR);
    std::atomic<int> ready{0};
    std::vector<std::thread> pool;
    for (int i = 0; i < 30; i++)
        pool.emplace_back([&, i] {
            char message[256] = "";
            ready++;
            while (ready.load() < 30)
                std::this_thread::yield();
            sts_token_record_t r{};
            snprintf(r.id, sizeof(r.id), "%032d", i);
            r.user = {0, "alice", 0, 0, 0, 0, "", "alice"};
            r.creator = {0, "admin", 0, 0, 0, 0, "", "admin"};
            r.enabled = 1;
            sts_store_t *replica = replicas[(size_t)i % 3];
            results[(size_t)i] = replica->create(replica, &r, 1, message, sizeof(message));
            EXPECT_NE(results[(size_t)i], STS_STORE_ERROR) << message;
        });
    for (auto &thread : pool)
        thread.join();
    replicas[1]->destroy(replicas[1]);
    replicas[2]->destroy(replicas[2]);
    int created = 0;
    for (sts_store_result_t result : results)
        created += result == STS_STORE_OK;
    EXPECT_EQ(created, 1);
    EXPECT_EQ(scalar("SELECT count(*) FROM access_tokens"), 1);
}

/* The login throttle's counters: replicas counting one key at once each get the count their own failure made. */
TEST_F(Postgres, LoginFailureCountersAreAtomicAcrossReplicas)
{
    std::vector<sts_store_t *> replicas = {store, open_another(), open_another()};
    ASSERT_NE(replicas[1], nullptr) << error;
    ASSERT_NE(replicas[2], nullptr) << error;
    std::vector<int> counts(30, 0);
    std::vector<std::thread> pool;
    for (int i = 0; i < 30; i++)
        pool.emplace_back([&, i] {
            char message[256] = "";
            sts_store_t *replica = replicas[(size_t)i % 3];
            EXPECT_EQ(replica->login_failure_add(replica, "k1", 1000 + i, &counts[(size_t)i], message, sizeof(message)),
                      STS_STORE_OK)
                << message;
        });
    for (auto &thread : pool)
        thread.join();
    replicas[1]->destroy(replicas[1]);
    replicas[2]->destroy(replicas[2]);
    std::sort(counts.begin(), counts.end());
    for (int i = 0; i < 30; i++)
        EXPECT_EQ(counts[(size_t)i], i + 1);
    int failures = 0;
    int64_t last = 0;
    ASSERT_EQ(store->login_failure_get(store, "k1", &failures, &last, error, sizeof(error)), STS_STORE_OK) << error;
    EXPECT_EQ(failures, 30);
    EXPECT_EQ(last, 1029); /* the latest failure, whatever order they arrived in */
    EXPECT_EQ(store->login_failure_get(store, "k2", &failures, &last, error, sizeof(error)), STS_STORE_NOT_FOUND);
    EXPECT_EQ(failures, 0);
    ASSERT_EQ(store->login_failure_add(store, "k2", 5000, &failures, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(store->login_failure_clear(store, "k1", error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(store->login_failure_clear(store, "k1", error, sizeof(error)), STS_STORE_OK); /* already gone: fine */
    EXPECT_EQ(store->login_failure_get(store, "k1", &failures, &last, error, sizeof(error)), STS_STORE_NOT_FOUND);
    EXPECT_EQ(store->login_failure_prune(store, 5000, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(scalar("SELECT count(*) FROM login_failures"), 1);
    EXPECT_EQ(store->login_failure_prune(store, 5001, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(scalar("SELECT count(*) FROM login_failures"), 0);
}

} // namespace
