/*
 * The store under test, and direct SQL to check what it wrote: SQLite in a fresh temporary directory, or, when
 * STS_TEST_PG_ENV names the env file of tests/pg/pg.sh, PostgreSQL, with a database of its own for each test (dropped
 * after it). The same tests run against both.
 */
#ifndef STS_TESTS_STORE_STORE_FIXTURE_H
#define STS_TESTS_STORE_STORE_FIXTURE_H
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <libpq-fe.h>
#include <map>
#include <sqlite3.h>
#include <string>
#include <unistd.h>

extern "C" {
#include "store/pg_store.h"
#include "store/sqlite_store.h"
}

/* The KEY=value lines of pg.sh's env file; empty when STS_TEST_PG_ENV is unset (the SQLite run). */
inline std::map<std::string, std::string> pg_env()
{
    std::map<std::string, std::string> env;
    const char *file = getenv("STS_TEST_PG_ENV");
    std::ifstream in(file != nullptr ? file : "");
    std::string line;
    while (std::getline(in, line)) {
        size_t eq = line.find('=');
        if (eq != std::string::npos)
            env[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return env;
}

/* Runs sql as the superuser over the server's socket; "" or the error. */
inline std::string pg_admin(const std::string &sql)
{
    PGconn *conn = PQconnectdb(pg_env()["PG_ADMIN_URL"].c_str());
    PGresult *result = PQexec(conn, sql.c_str());
    std::string problem = PQresultStatus(result) == PGRES_COMMAND_OK ? "" : PQerrorMessage(conn);
    PQclear(result);
    PQfinish(conn);
    return problem;
}

/* The first column of the first row of sql over a connection of its own; booleans as 1 and 0; -1 without a row. */
inline long long pg_scalar(const std::string &url, const std::string &password, const std::string &sql)
{
    const char *keys[] = {"dbname", "password", nullptr};
    const char *values[] = {url.c_str(), password.c_str(), nullptr};
    PGconn *conn = PQconnectdbParams(keys, values, 1);
    PGresult *result = PQexec(conn, sql.c_str());
    EXPECT_EQ(PQresultStatus(result), PGRES_TUPLES_OK) << PQerrorMessage(conn);
    long long value = -1;
    if (PQntuples(result) > 0) {
        std::string text = PQgetvalue(result, 0, 0);
        value = text == "t" ? 1 : text == "f" ? 0 : std::strtoll(text.c_str(), nullptr, 10);
    }
    PQclear(result);
    PQfinish(conn);
    return value;
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
    std::string dir, path;          /* SQLite */
    std::string database, password; /* PostgreSQL: path is its URL */
    sts_store_t *store = nullptr;
    sts_arena_t arena;
    char error[256] = "";

    static bool postgres()
    {
        return getenv("STS_TEST_PG_ENV") != nullptr;
    }
    void SetUp() override
    {
        sts_arena_init(&arena);
        if (postgres()) {
            static std::atomic<int> made{0};
            std::map<std::string, std::string> env = pg_env();
            database = "sts_test_" + std::to_string(getpid()) + "_" + std::to_string(made++);
            ASSERT_EQ(pg_admin("CREATE DATABASE " + database + " OWNER sts"), "");
            path = "postgres://sts@127.0.0.1:" + env["PG_PORT"] + "/" + database;
            std::ifstream in(env["PG_PASSWORD_FILE"]);
            std::getline(in, password);
        } else {
            char tmpl[] = "/tmp/sts-store-test-XXXXXX";
            dir = mkdtemp(tmpl);
            path = dir + "/sts.db";
        }
        open();
    }
    void TearDown() override
    {
        close();
        sts_arena_dispose(&arena);
        if (postgres()) {
            EXPECT_EQ(pg_admin("DROP DATABASE " + database + " WITH (FORCE)"), "");
            return;
        }
        for (const char *suffix : {"", "-wal", "-shm"})
            std::remove((path + suffix).c_str());
        rmdir(dir.c_str());
    }
    /* Opens the store at path: what a restart of stsd does. */
    sts_store_t *open_another()
    {
        if (!postgres())
            return sts_sqlite_store_open(path.c_str(), error, sizeof(error));
        sts_pg_settings_t settings = {path.c_str(), password.c_str(), 0, 0};
        return sts_pg_store_open(&settings, error, sizeof(error));
    }
    void open()
    {
        close();
        store = open_another();
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
        if (postgres())
            return pg_scalar(path, password, sql);
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
