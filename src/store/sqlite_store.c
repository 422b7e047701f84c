#include "store/sqlite_store.h"
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/log.h"

/* Connections kept open for reuse; each operation borrows one, so threads never share a connection. */
#define MAX_IDLE_CONNECTIONS 32
#define BUSY_TIMEOUT_MS      5000

/* Each entry moves the schema from version i to i + 1; applied in one transaction with the version bump. */
static const char *const migrations[] = {
    "CREATE TABLE access_tokens ("
    " id TEXT PRIMARY KEY, user_key TEXT NOT NULL, user_domain INTEGER NOT NULL, user_auth_id TEXT NOT NULL,"
    " user_uid INTEGER, user_gid INTEGER, user_sid TEXT NOT NULL, user_name TEXT NOT NULL, creator TEXT NOT NULL,"
    " creation_time INTEGER NOT NULL, expiration_time INTEGER NOT NULL, last_used_time INTEGER NOT NULL,"
    " enabled INTEGER NOT NULL, hmac BLOB NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX access_tokens_by_user ON access_tokens(user_key, id);"
    "CREATE INDEX access_tokens_by_name ON access_tokens(user_name, id);",
    /*
     * Ownership is the whole identity, and a token carries at most its creator's roles. Tokens made under the rules
     * before this version cannot say who could grant what, so they carry no roles (role_ceiling ''), except the one
     * stsd made for itself at first start.
     */
    "DROP INDEX access_tokens_by_user;"
    "ALTER TABLE access_tokens DROP COLUMN user_key;"
    "CREATE INDEX access_tokens_by_owner ON access_tokens(user_domain, user_auth_id, user_name, id);"
    "CREATE INDEX access_tokens_by_auth_id ON access_tokens(user_auth_id, id);"
    "ALTER TABLE access_tokens ADD COLUMN creator_domain INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE access_tokens ADD COLUMN creator_auth_id TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE access_tokens ADD COLUMN role_ceiling TEXT;"
    "UPDATE access_tokens SET role_ceiling = '' WHERE NOT (creator = 'stsd' AND user_domain = 0 AND"
    " user_auth_id = '' AND user_name = 'admin');",
};

typedef struct {
    sts_store_t base;
    char *path;
    pthread_mutex_t lock;
    sqlite3 *idle[MAX_IDLE_CONNECTIONS];
    int idle_count;
} sqlite_store_t;

static const char columns[] = "id, user_domain, user_auth_id, user_uid, user_gid, user_sid, user_name, creator,"
                              " creation_time, expiration_time, last_used_time, enabled, hmac, creator_domain,"
                              " creator_auth_id, role_ceiling";

/* The same identity, in the three columns that make it whole; bound by bind_owner. */
#define OWNER_IS "user_domain = :owner_domain AND user_auth_id = :owner_auth_id AND user_name = :owner_name"

static void fail(sqlite3 *db, const char *what, char *error, size_t error_size)
{
    if (error != NULL)
        snprintf(error, error_size, "database: %s: %s", what, db != NULL ? sqlite3_errmsg(db) : "cannot open");
}

static sqlite3 *open_connection(const char *path, char *error, size_t error_size)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        fail(db, path, error, error_size);
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", NULL, NULL,
                     NULL) != SQLITE_OK) {
        fail(db, "setting WAL mode", error, error_size);
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

static sqlite3 *borrow(sqlite_store_t *store, char *error, size_t error_size)
{
    pthread_mutex_lock(&store->lock);
    sqlite3 *db = store->idle_count > 0 ? store->idle[--store->idle_count] : NULL;
    pthread_mutex_unlock(&store->lock);
    return db != NULL ? db : open_connection(store->path, error, error_size);
}

static void give_back(sqlite_store_t *store, sqlite3 *db)
{
    pthread_mutex_lock(&store->lock);
    if (store->idle_count < MAX_IDLE_CONNECTIONS) {
        store->idle[store->idle_count++] = db;
        db = NULL;
    }
    pthread_mutex_unlock(&store->lock);
    sqlite3_close(db);
}

static const char *text_column(sqlite3_stmt *stmt, int column, sts_arena_t *arena)
{
    const unsigned char *text = sqlite3_column_text(stmt, column);
    return sts_arena_strdup(arena, text != NULL ? (const char *)text : "");
}

static void read_record(sqlite3_stmt *stmt, sts_arena_t *arena, sts_token_record_t *out)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->id, sizeof(out->id), "%s", (const char *)sqlite3_column_text(stmt, 0));
    out->user.domain = sqlite3_column_int(stmt, 1);
    out->user.auth_id = text_column(stmt, 2, arena);
    out->user.has_uid = sqlite3_column_type(stmt, 3) != SQLITE_NULL;
    out->user.uid = sqlite3_column_int64(stmt, 3);
    out->user.has_gid = sqlite3_column_type(stmt, 4) != SQLITE_NULL;
    out->user.gid = sqlite3_column_int64(stmt, 4);
    out->user.sid = text_column(stmt, 5, arena);
    out->user.name = text_column(stmt, 6, arena);
    out->creator.name = text_column(stmt, 7, arena);
    out->creation_time = sqlite3_column_int64(stmt, 8);
    out->expiration_time = sqlite3_column_int64(stmt, 9);
    out->last_used_time = sqlite3_column_int64(stmt, 10);
    out->enabled = sqlite3_column_int(stmt, 11);
    if (sqlite3_column_bytes(stmt, 12) == (int)sizeof(out->hmac))
        memcpy(out->hmac, sqlite3_column_blob(stmt, 12), sizeof(out->hmac));
    out->creator.domain = sqlite3_column_int(stmt, 13);
    out->creator.auth_id = text_column(stmt, 14, arena);
    out->creator.sid = "";
    out->role_ceiling = sqlite3_column_type(stmt, 15) == SQLITE_NULL ? NULL : text_column(stmt, 15, arena);
}

static void bind_owner(sqlite3_stmt *stmt, const sts_store_identity_t *owner)
{
    sqlite3_bind_int(stmt, sqlite3_bind_parameter_index(stmt, ":owner_domain"), owner->domain);
    sqlite3_bind_text(stmt, sqlite3_bind_parameter_index(stmt, ":owner_auth_id"), owner->auth_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, sqlite3_bind_parameter_index(stmt, ":owner_name"), owner->name, -1, SQLITE_STATIC);
}

static sts_store_result_t create(sts_store_t *self, const sts_token_record_t *r, int max_per_user, char *error,
                                 size_t error_size)
{
    sqlite_store_t *store = (sqlite_store_t *)self;
    sqlite3 *db = borrow(store, error, error_size);
    if (db == NULL)
        return STS_STORE_ERROR;
    sts_store_result_t result = STS_STORE_ERROR;
    sqlite3_stmt *count = NULL, *insert = NULL;
    /* IMMEDIATE takes the write lock first, so two creates cannot both see room for one more token. */
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        fail(db, "starting a transaction", error, error_size);
        give_back(store, db);
        return STS_STORE_ERROR;
    }
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM access_tokens WHERE " OWNER_IS, -1, &count, NULL) == SQLITE_OK)
        bind_owner(count, &r->user);
    if (count != NULL && sqlite3_step(count) == SQLITE_ROW) {
        if (sqlite3_column_int(count, 0) >= max_per_user) {
            result = STS_STORE_LIMIT;
        } else if (sqlite3_prepare_v2(db,
                                      "INSERT INTO access_tokens (id, user_domain, user_auth_id, user_uid, user_gid,"
                                      " user_sid, user_name, creator_domain, creator_auth_id, creator, creation_time,"
                                      " expiration_time, last_used_time, enabled, hmac, role_ceiling) VALUES (?1, ?2,"
                                      " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                                      -1, &insert, NULL) == SQLITE_OK) {
            sqlite3_bind_text(insert, 1, r->id, -1, SQLITE_STATIC);
            sqlite3_bind_int(insert, 2, r->user.domain);
            sqlite3_bind_text(insert, 3, r->user.auth_id, -1, SQLITE_STATIC);
            if (r->user.has_uid)
                sqlite3_bind_int64(insert, 4, r->user.uid);
            if (r->user.has_gid)
                sqlite3_bind_int64(insert, 5, r->user.gid);
            sqlite3_bind_text(insert, 6, r->user.sid, -1, SQLITE_STATIC);
            sqlite3_bind_text(insert, 7, r->user.name, -1, SQLITE_STATIC);
            sqlite3_bind_int(insert, 8, r->creator.domain);
            sqlite3_bind_text(insert, 9, r->creator.auth_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(insert, 10, r->creator.name, -1, SQLITE_STATIC);
            sqlite3_bind_int64(insert, 11, r->creation_time);
            sqlite3_bind_int64(insert, 12, r->expiration_time);
            sqlite3_bind_int64(insert, 13, r->last_used_time);
            sqlite3_bind_int(insert, 14, r->enabled);
            sqlite3_bind_blob(insert, 15, r->hmac, sizeof(r->hmac), SQLITE_STATIC);
            if (r->role_ceiling != NULL)
                sqlite3_bind_text(insert, 16, r->role_ceiling, -1, SQLITE_STATIC);
            if (sqlite3_step(insert) == SQLITE_DONE)
                result = STS_STORE_OK;
        }
    }
    if (result == STS_STORE_ERROR)
        fail(db, "creating an access token", error, error_size);
    sqlite3_finalize(count);
    sqlite3_finalize(insert);
    if (result == STS_STORE_OK && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        fail(db, "committing an access token", error, error_size);
        result = STS_STORE_ERROR;
    }
    if (result != STS_STORE_OK)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    give_back(store, db);
    return result;
}

static sts_store_result_t get_with(sqlite3 *db, const char *id, sts_arena_t *arena, sts_token_record_t *out,
                                   char *error, size_t error_size)
{
    char sql[512];
    snprintf(sql, sizeof(sql), "SELECT %s FROM access_tokens WHERE id = ?1", columns);
    sqlite3_stmt *stmt = NULL;
    sts_store_result_t result = STS_STORE_ERROR;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC) == SQLITE_OK) {
        int step = sqlite3_step(stmt);
        if (step == SQLITE_ROW) {
            read_record(stmt, arena, out);
            result = STS_STORE_OK;
        } else if (step == SQLITE_DONE) {
            result = STS_STORE_NOT_FOUND;
        }
    }
    if (result == STS_STORE_ERROR)
        fail(db, "reading an access token", error, error_size);
    sqlite3_finalize(stmt);
    return result;
}

static sts_store_result_t get(sts_store_t *self, const char *id, sts_arena_t *arena, sts_token_record_t *out,
                              char *error, size_t error_size)
{
    sqlite_store_t *store = (sqlite_store_t *)self;
    sqlite3 *db = borrow(store, error, error_size);
    if (db == NULL)
        return STS_STORE_ERROR;
    sts_store_result_t result = get_with(db, id, arena, out, error, error_size);
    give_back(store, db);
    return result;
}

static sts_store_result_t list(sts_store_t *self, const sts_store_filter_t *filter, const char *after, int limit,
                               sts_arena_t *arena, sts_token_record_t **out, size_t *count, int *more, char *error,
                               size_t error_size)
{
    sqlite_store_t *store = (sqlite_store_t *)self;
    sqlite3 *db = borrow(store, error, error_size);
    if (db == NULL)
        return STS_STORE_ERROR;
    char sql[640];
    const char *where = filter->owner != NULL             ? " AND " OWNER_IS
                        : filter->name_or_auth_id != NULL ? " AND (user_auth_id = :search OR user_name = :search)"
                                                          : "";
    snprintf(sql, sizeof(sql), "SELECT %s FROM access_tokens WHERE id > :after%s ORDER BY id LIMIT :limit", columns,
             where);
    sqlite3_stmt *stmt = NULL;
    sts_store_result_t result = STS_STORE_ERROR;
    *out = sts_arena_calloc(arena, (size_t)(limit + 1) * sizeof(sts_token_record_t));
    *count = 0;
    *more = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_text(stmt, sqlite3_bind_parameter_index(stmt, ":after"), after != NULL ? after : "", -1,
                          SQLITE_STATIC);
        /* One extra row says whether another page exists. */
        sqlite3_bind_int(stmt, sqlite3_bind_parameter_index(stmt, ":limit"), limit + 1);
        if (filter->owner != NULL)
            bind_owner(stmt, filter->owner);
        else if (filter->name_or_auth_id != NULL)
            sqlite3_bind_text(stmt, sqlite3_bind_parameter_index(stmt, ":search"), filter->name_or_auth_id, -1,
                              SQLITE_STATIC);
        int step;
        while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
            if ((int)*count == limit) {
                *more = 1;
                break;
            }
            read_record(stmt, arena, &(*out)[(*count)++]);
        }
        if (step == SQLITE_ROW || step == SQLITE_DONE)
            result = STS_STORE_OK;
    }
    if (result == STS_STORE_ERROR)
        fail(db, "listing access tokens", error, error_size);
    sqlite3_finalize(stmt);
    give_back(store, db);
    return result;
}

static sts_store_result_t update(sts_store_t *self, const char *id, const int *enabled, const int64_t *expiration_time,
                                 sts_arena_t *arena, sts_token_record_t *out, char *error, size_t error_size)
{
    sqlite_store_t *store = (sqlite_store_t *)self;
    sqlite3 *db = borrow(store, error, error_size);
    if (db == NULL)
        return STS_STORE_ERROR;
    sqlite3_stmt *stmt = NULL;
    sts_store_result_t result = STS_STORE_ERROR;
    if (sqlite3_prepare_v2(db,
                           "UPDATE access_tokens SET enabled = coalesce(?2, enabled),"
                           " expiration_time = coalesce(?3, expiration_time) WHERE id = ?1",
                           -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
        if (enabled != NULL)
            sqlite3_bind_int(stmt, 2, *enabled != 0);
        if (expiration_time != NULL)
            sqlite3_bind_int64(stmt, 3, *expiration_time);
        if (sqlite3_step(stmt) == SQLITE_DONE)
            result = sqlite3_changes(db) == 1 ? STS_STORE_OK : STS_STORE_NOT_FOUND;
    }
    sqlite3_finalize(stmt);
    if (result == STS_STORE_ERROR)
        fail(db, "updating an access token", error, error_size);
    if (result == STS_STORE_OK)
        result = get_with(db, id, arena, out, error, error_size);
    give_back(store, db);
    return result;
}

/* Runs a one-parameter statement that changes at most one row. */
static sts_store_result_t change_one(sqlite_store_t *store, const char *sql, const char *id, const int64_t *value,
                                     const char *what, char *error, size_t error_size)
{
    sqlite3 *db = borrow(store, error, error_size);
    if (db == NULL)
        return STS_STORE_ERROR;
    sqlite3_stmt *stmt = NULL;
    sts_store_result_t result = STS_STORE_ERROR;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
        if (value != NULL)
            sqlite3_bind_int64(stmt, 2, *value);
        if (sqlite3_step(stmt) == SQLITE_DONE)
            result = sqlite3_changes(db) == 1 ? STS_STORE_OK : STS_STORE_NOT_FOUND;
    }
    if (result == STS_STORE_ERROR)
        fail(db, what, error, error_size);
    sqlite3_finalize(stmt);
    give_back(store, db);
    return result;
}

static sts_store_result_t remove_token(sts_store_t *self, const char *id, char *error, size_t error_size)
{
    return change_one((sqlite_store_t *)self, "DELETE FROM access_tokens WHERE id = ?1", id, NULL,
                      "deleting an access token", error, error_size);
}

static sts_store_result_t touch(sts_store_t *self, const char *id, int64_t last_used_time)
{
    char error[256];
    sts_store_result_t result =
        change_one((sqlite_store_t *)self, "UPDATE access_tokens SET last_used_time = ?2 WHERE id = ?1", id,
                   &last_used_time, "recording a token's last use", error, sizeof(error));
    if (result == STS_STORE_ERROR)
        sts_log_warn("%s", error);
    return result;
}

static long long count_tokens(sts_store_t *self)
{
    sqlite_store_t *store = (sqlite_store_t *)self;
    sqlite3 *db = borrow(store, NULL, 0);
    if (db == NULL)
        return -1;
    sqlite3_stmt *stmt = NULL;
    long long n = -1;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM access_tokens", -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    give_back(store, db);
    return n;
}

static void destroy(sts_store_t *self)
{
    sqlite_store_t *store = (sqlite_store_t *)self;
    for (int i = 0; i < store->idle_count; i++)
        sqlite3_close(store->idle[i]);
    pthread_mutex_destroy(&store->lock);
    free(store->path);
    free(store);
}

static int schema_version(sqlite3 *db)
{
    sqlite3_stmt *stmt = NULL;
    int version = -1;
    if (sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        version = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    return version;
}

static int migrate(sqlite3 *db, char *error, size_t error_size)
{
    const int latest = (int)(sizeof(migrations) / sizeof(migrations[0]));
    if (sqlite3_exec(db, "BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);", NULL,
                     NULL, NULL) != SQLITE_OK) {
        fail(db, "creating the version table", error, error_size);
        return -1;
    }
    int version = schema_version(db);
    if (version < 0) {
        sqlite3_exec(db, "INSERT INTO schema_version VALUES (0)", NULL, NULL, NULL);
        version = 0;
    }
    if (version > latest) {
        snprintf(error, error_size, "database: schema version %d is newer than this stsd (%d); upgrade stsd", version,
                 latest);
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    for (; version < latest; version++) {
        char bump[64];
        snprintf(bump, sizeof(bump), "UPDATE schema_version SET version = %d", version + 1);
        if (sqlite3_exec(db, migrations[version], NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(db, bump, NULL, NULL, NULL) != SQLITE_OK) {
            fail(db, "migrating the schema", error, error_size);
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
    }
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        fail(db, "committing the schema", error, error_size);
        return -1;
    }
    return 0;
}

sts_store_t *sts_sqlite_store_open(const char *path, char *error, size_t error_size)
{
    /* Created 0600 before SQLite sees it: the WAL and shared-memory files inherit the database file's mode. */
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0)
        close(fd);
    sqlite3 *db = open_connection(path, error, error_size);
    if (db == NULL)
        return NULL;
    if (migrate(db, error, error_size) != 0) {
        sqlite3_close(db);
        return NULL;
    }
    sqlite_store_t *store = calloc(1, sizeof(*store));
    if (store == NULL || (store->path = strdup(path)) == NULL)
        sts_log_fatal("out of memory");
    pthread_mutex_init(&store->lock, NULL);
    store->idle[store->idle_count++] = db;
    store->base = (sts_store_t){.create = create,
                                .get = get,
                                .list = list,
                                .update = update,
                                .remove = remove_token,
                                .touch = touch,
                                .count = count_tokens,
                                .destroy = destroy};
    return &store->base;
}
