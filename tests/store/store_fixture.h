/* A SQLite store in a fresh temporary directory, and direct SQL to check what it wrote. */
#ifndef STS_TESTS_STORE_STORE_FIXTURE_H
#define STS_TESTS_STORE_STORE_FIXTURE_H
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <sqlite3.h>
#include <string>
#include <unistd.h>

extern "C" {
#include "store/sqlite_store.h"
}

class StoreFixture : public ::testing::Test
{
  public:
    /* A 32-character lower-case hex id made from n. */
    static std::string id(int n)
    {
        char text[STS_STORE_ID_CHARS + 1];
        snprintf(text, sizeof(text), "%032x", n);
        return text;
    }
    /*
     * A refresh token id(n) of family id(family) for user id(user): hmac filled with n, created at 0, living until
     * expires, its family until family_expires.
     */
    static sts_refresh_record_t refresh(int n, int family, int user, int64_t expires = 1000000000,
                                        int64_t family_expires = 5000000000)
    {
        sts_refresh_record_t r{};
        snprintf(r.id, sizeof(r.id), "%s", id(n).c_str());
        snprintf(r.family_id, sizeof(r.family_id), "%s", id(family).c_str());
        snprintf(r.user_id, sizeof(r.user_id), "%s", id(user).c_str());
        r.client_id = "xco";
        r.session_id = "session-1";
        memset(r.hmac, n, sizeof(r.hmac));
        r.expires_time = expires;
        r.family_expires_time = family_expires;
        return r;
    }

  protected:
    std::string dir, path;
    sts_store_t *store = nullptr;
    sts_arena_t arena;
    char error[256] = "";

    void SetUp() override
    {
        char tmpl[] = "/tmp/sts-store-test-XXXXXX";
        dir = mkdtemp(tmpl);
        path = dir + "/sts.db";
        sts_arena_init(&arena);
        open();
    }
    void TearDown() override
    {
        close();
        sts_arena_dispose(&arena);
        for (const char *suffix : {"", "-wal", "-shm"})
            std::remove((path + suffix).c_str());
        rmdir(dir.c_str());
    }
    void open()
    {
        close();
        store = sts_sqlite_store_open(path.c_str(), error, sizeof(error));
        ASSERT_NE(store, nullptr) << error;
    }
    void close()
    {
        if (store != nullptr)
            store->destroy(store);
        store = nullptr;
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
    /* Inserts an enabled user with id(n), this username, roles "viewer" and times from 1000. */
    sts_store_result_t add_user(int n, const char *username,
                                const char *hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA")
    {
        sts_user_record_t user{};
        snprintf(user.id, sizeof(user.id), "%s", id(n).c_str());
        user.username = username;
        user.password_hash = hash;
        user.roles = "viewer";
        user.enabled = 1;
        user.created_time = 1000 + n;
        user.updated_time = 1000 + n;
        return store->user_create(store, &user, error, sizeof(error));
    }
    sts_store_result_t add_refresh(int n, int family, int user, int64_t expires = 1000000000,
                                   int64_t family_expires = 5000000000)
    {
        sts_refresh_record_t r = refresh(n, family, user, expires, family_expires);
        return store->refresh_create(store, &r, error, sizeof(error));
    }
    /* Rotates token n (presenting hmac byte presented, n's own by default) at now; its successor is token next. */
    sts_store_result_t rotate(int n, int next, int64_t now, int64_t grace_us = 0, sts_refresh_record_t *old = nullptr,
                              int presented = -1)
    {
        uint8_t hmac[32];
        memset(hmac, presented >= 0 ? presented : n, sizeof(hmac));
        sts_refresh_record_t successor = refresh(next, 0, 0, now + 1000000000);
        successor.client_id = "ignored";
        successor.session_id = "ignored";
        successor.created_time = now;
        sts_refresh_record_t scratch;
        return store->refresh_rotate(store, id(n).c_str(), hmac, now, grace_us, &successor, &arena,
                                     old != nullptr ? old : &scratch, error, sizeof(error));
    }
    long long revoked(int n)
    {
        return scalar("SELECT revoked FROM refresh_tokens WHERE id = '" + id(n) + "'");
    }
};

#endif
