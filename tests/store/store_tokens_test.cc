/* Access-token records in the store: create, the per-user cap, listing, paging; SQLite's file and migrations. */
#include "store/store_fixture.h"

#include <set>
#include <vector>

namespace
{

class StoreTokens : public StoreFixture
{
  protected:
    static sts_token_record_t record(int n, const char *user, int domain = 0, const char *auth_id = nullptr)
    {
        sts_token_record_t r{};
        snprintf(r.id, sizeof(r.id), "%032d", n);
        r.user = {domain, auth_id != nullptr ? auth_id : user, 0, 0, 0, 0, "", user};
        r.creator = {11, "https://idp#42", 0, 0, 0, 0, "", "admin"};
        r.role_ceiling = "admin,viewer";
        r.creation_time = 1000 + n;
        r.enabled = 1;
        r.hmac[0] = static_cast<uint8_t>(n);
        return r;
    }
    sts_store_result_t create(int n, const char *user = "alice", int cap = 1000, int domain = 0,
                              const char *auth_id = nullptr)
    {
        sts_token_record_t r = record(n, user, domain, auth_id);
        return store->create(store, &r, cap, error, sizeof(error));
    }
    /* Follows pages of limit until the end, returning ids in the order seen. */
    std::vector<std::string> page_through(int limit, const char *user = nullptr, int delete_after_first = -1,
                                          const sts_store_identity_t *owner = nullptr)
    {
        sts_store_filter_t filter = {owner, user};
        std::vector<std::string> seen;
        std::string after;
        for (int page = 0; page < 1000; page++) {
            sts_token_record_t *rows = nullptr;
            size_t count = 0;
            int more = 0;
            EXPECT_EQ(
                store->list(store, &filter, after.c_str(), limit, &arena, &rows, &count, &more, error, sizeof(error)),
                STS_STORE_OK)
                << error;
            for (size_t i = 0; i < count; i++)
                seen.push_back(rows[i].id);
            if (page == 0 && delete_after_first >= 0) {
                char id[STS_TOKEN_ID_CHARS + 1];
                snprintf(id, sizeof(id), "%032d", delete_after_first);
                EXPECT_EQ(store->remove(store, id, error, sizeof(error)), STS_STORE_OK);
            }
            if (!more)
                break;
            EXPECT_EQ(count, static_cast<size_t>(limit));
            after = seen.back();
        }
        return seen;
    }
};

/* What only the SQLite store has: a database file, and the migrations of its own schema history. */
using SqliteFile = StoreTokens;

TEST_F(StoreTokens, CreateGetUpdateDelete)
{
    ASSERT_EQ(create(1), STS_STORE_OK) << error;
    sts_token_record_t got{};
    ASSERT_EQ(store->get(store, record(1, "").id, &arena, &got, error, sizeof(error)), STS_STORE_OK);
    EXPECT_STREQ(got.user.name, "alice");
    EXPECT_STREQ(got.creator.name, "admin");
    EXPECT_EQ(got.creator.domain, 11);
    EXPECT_STREQ(got.creator.auth_id, "https://idp#42");
    EXPECT_STREQ(got.role_ceiling, "admin,viewer");
    EXPECT_EQ(got.creation_time, 1001);
    EXPECT_EQ(got.enabled, 1);
    EXPECT_EQ(got.hmac[0], 1);
    EXPECT_FALSE(got.user.has_uid);
    int disabled = 0;
    int64_t expiry = 99;
    ASSERT_EQ(store->update(store, got.id, &disabled, nullptr, &arena, &got, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(got.enabled, 0);
    ASSERT_EQ(store->update(store, got.id, nullptr, &expiry, &arena, &got, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(got.expiration_time, 99);
    EXPECT_EQ(got.enabled, 0);
    EXPECT_EQ(store->touch(store, got.id, 12345), STS_STORE_OK);
    ASSERT_EQ(store->get(store, got.id, &arena, &got, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(got.last_used_time, 12345);
    EXPECT_EQ(store->count(store), 1);
    EXPECT_EQ(store->remove(store, got.id, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(store->remove(store, got.id, error, sizeof(error)), STS_STORE_NOT_FOUND);
    EXPECT_EQ(store->get(store, got.id, &arena, &got, error, sizeof(error)), STS_STORE_NOT_FOUND);
    EXPECT_EQ(store->update(store, got.id, &disabled, nullptr, &arena, &got, error, sizeof(error)),
              STS_STORE_NOT_FOUND);
    EXPECT_EQ(store->count(store), 0);
}

TEST_F(StoreTokens, PerUserCapIsTransactional)
{
    EXPECT_EQ(create(1, "alice", 2), STS_STORE_OK);
    EXPECT_EQ(create(2, "alice", 2), STS_STORE_OK);
    EXPECT_EQ(create(3, "alice", 2), STS_STORE_LIMIT);
    EXPECT_EQ(create(4, "bob", 2), STS_STORE_OK);
    EXPECT_EQ(store->count(store), 3);
    EXPECT_EQ(create(2, "carol", 2), STS_STORE_ERROR); /* duplicate id */
    EXPECT_NE(std::string(error).find("database: creating an access token"), std::string::npos) << error;
}

TEST_F(SqliteFile, SurvivesReopenAndTracksTheSchemaVersion)
{
    ASSERT_EQ(create(7), STS_STORE_OK);
    open();
    EXPECT_EQ(store->count(store), 1);
    store->destroy(store);
    store = nullptr;
    sqlite3 *db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_stmt *stmt = nullptr;
    sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &stmt, nullptr);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(stmt, 0), STS_SQLITE_SCHEMA_VERSION);
    sqlite3_finalize(stmt);
    sqlite3_exec(db, "UPDATE schema_version SET version = 99", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    EXPECT_EQ(sts_sqlite_store_open(path.c_str(), error, sizeof(error)), nullptr);
    EXPECT_EQ(std::string(error), "database: schema version 99 is newer than this stsd (" +
                                      std::to_string(STS_SQLITE_SCHEMA_VERSION) + "); upgrade stsd");
}

TEST_F(StoreTokens, TheCapAndTheOwnerFilterUseTheWholeIdentity)
{
    /* Same name, other auth_id or domain: other identities, each with its own cap (an admin may make them). */
    EXPECT_EQ(create(1, "alice", 1), STS_STORE_OK);
    EXPECT_EQ(create(2, "alice", 1), STS_STORE_LIMIT);
    EXPECT_EQ(create(3, "alice", 1, 0, "1001"), STS_STORE_OK);
    EXPECT_EQ(create(4, "alice", 1, 11, "https://idp#alice"), STS_STORE_OK);
    EXPECT_EQ(create(5, "alice", 1, 11, "https://idp#alice"), STS_STORE_LIMIT);
    sts_store_identity_t local_alice = {0, "alice", 0, 0, 0, 0, "", "alice"};
    sts_store_identity_t jwt_alice = {11, "https://idp#alice", 0, 0, 0, 0, "", "alice"};
    sts_store_identity_t nobody = {0, "", 0, 0, 0, 0, "", "alice"};
    EXPECT_EQ(page_through(10, nullptr, -1, &local_alice), std::vector<std::string>{record(1, "").id});
    EXPECT_EQ(page_through(10, nullptr, -1, &jwt_alice), std::vector<std::string>{record(4, "").id});
    EXPECT_TRUE(page_through(10, nullptr, -1, &nobody).empty());
    EXPECT_EQ(page_through(10, "alice").size(), 3u); /* the admins' search: by name or auth_id */
    EXPECT_EQ(page_through(10, "1001").size(), 1u);
}

TEST_F(StoreTokens, NoCeilingIsKeptApartFromAnEmptyOne)
{
    sts_token_record_t r = record(1, "root");
    r.role_ceiling = nullptr;
    ASSERT_EQ(store->create(store, &r, 10, error, sizeof(error)), STS_STORE_OK) << error;
    r = record(2, "nobody");
    r.role_ceiling = "";
    ASSERT_EQ(store->create(store, &r, 10, error, sizeof(error)), STS_STORE_OK) << error;
    sts_token_record_t got{};
    ASSERT_EQ(store->get(store, record(1, "").id, &arena, &got, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(got.role_ceiling, nullptr);
    ASSERT_EQ(store->get(store, record(2, "").id, &arena, &got, error, sizeof(error)), STS_STORE_OK);
    ASSERT_NE(got.role_ceiling, nullptr);
    EXPECT_STREQ(got.role_ceiling, "");
}

/* Tokens made under version 1's rules cannot say who could grant what: only stsd's own first token keeps its roles. */
TEST_F(SqliteFile, MigratingFromVersionOneStripsRolesOfOldTokens)
{
    store->destroy(store);
    store = nullptr;
    for (const char *suffix : {"", "-wal", "-shm"})
        std::remove((path + suffix).c_str());
    sqlite3 *db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    const char *v1 =
        "CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1);"
        "CREATE TABLE access_tokens (id TEXT PRIMARY KEY, user_key TEXT NOT NULL, user_domain INTEGER NOT NULL,"
        " user_auth_id TEXT NOT NULL, user_uid INTEGER, user_gid INTEGER, user_sid TEXT NOT NULL, user_name TEXT NOT"
        " NULL, creator TEXT NOT NULL, creation_time INTEGER NOT NULL, expiration_time INTEGER NOT NULL,"
        " last_used_time INTEGER NOT NULL, enabled INTEGER NOT NULL, hmac BLOB NOT NULL) WITHOUT ROWID;"
        "CREATE INDEX access_tokens_by_user ON access_tokens(user_key, id);"
        "CREATE INDEX access_tokens_by_name ON access_tokens(user_name, id);"
        "INSERT INTO access_tokens VALUES ('00000000000000000000000000000001', 'admin', 0, '', NULL, NULL, '',"
        " 'admin', 'stsd', 1, 0, 0, 1, x'00');"
        "INSERT INTO access_tokens VALUES ('00000000000000000000000000000002', 'alice', 0, 'alice', NULL, NULL, '',"
        " 'admin', 'alice', 2, 0, 0, 1, x'00');";
    ASSERT_EQ(sqlite3_exec(db, v1, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
    open();
    sts_token_record_t got{};
    ASSERT_EQ(store->get(store, "00000000000000000000000000000001", &arena, &got, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(got.role_ceiling, nullptr);
    EXPECT_STREQ(got.creator.name, "stsd");
    ASSERT_EQ(store->get(store, "00000000000000000000000000000002", &arena, &got, error, sizeof(error)), STS_STORE_OK);
    ASSERT_NE(got.role_ceiling, nullptr);
    EXPECT_STREQ(got.role_ceiling, "");
    EXPECT_STREQ(got.user.auth_id, "alice");
    EXPECT_STREQ(got.user.name, "admin");
}

TEST_F(StoreTokens, PaginationBoundaries)
{
    EXPECT_TRUE(page_through(7).empty()); /* an empty store */
    for (int i = 1; i <= 7; i++)
        ASSERT_EQ(create(i, i % 2 ? "alice" : "bob"), STS_STORE_OK);
    EXPECT_EQ(page_through(7).size(), 7u); /* exactly limit rows: one page, no next */
    ASSERT_EQ(create(8), STS_STORE_OK);
    std::vector<std::string> all = page_through(7); /* limit + 1 rows */
    EXPECT_EQ(all.size(), 8u);
    EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 8u);
    EXPECT_EQ(page_through(3, "alice").size(), 5u); /* a filter: 1, 3, 5, 7, 8 */
    EXPECT_EQ(page_through(3, "nobody").size(), 0u);
    /* Deleting a row not yet seen, during paging, neither repeats nor skips the others. */
    std::vector<std::string> during = page_through(3, nullptr, 6);
    EXPECT_EQ(during.size(), 7u);
    EXPECT_EQ(std::set<std::string>(during.begin(), during.end()).size(), 7u);
}

} // namespace
