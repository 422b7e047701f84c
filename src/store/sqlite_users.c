/* Login users in the SQLite store. */
#include <stdio.h>
#include <string.h>
#include "store/sqlite_internal.h"

#define USER_COLUMNS                                                                                                   \
    "id, username, password_hash, roles, enabled, created_time, updated_time, tokens_not_before, source"

static void read_user(sqlite3_stmt *stmt, sts_arena_t *arena, void *record)
{
    sts_user_record_t *out = record;
    memset(out, 0, sizeof(*out));
    snprintf(out->id, sizeof(out->id), "%s", (const char *)sqlite3_column_text(stmt, 0));
    out->username = sts__sqlite_text(stmt, 1, arena);
    out->password_hash = sts__sqlite_text(stmt, 2, arena);
    out->roles = sts__sqlite_text(stmt, 3, arena);
    out->enabled = sqlite3_column_int(stmt, 4);
    out->created_time = sqlite3_column_int64(stmt, 5);
    out->updated_time = sqlite3_column_int64(stmt, 6);
    out->tokens_not_before = sqlite3_column_int64(stmt, 7);
    out->source = sts__sqlite_text(stmt, 8, arena);
}

sts_store_result_t sts__sqlite_user_create(sts_store_t *self, const sts_user_record_t *r, char *error,
                                           size_t error_size)
{
    sts__sqlite_store_t *store = (sts__sqlite_store_t *)self;
    sqlite3 *db = sts__sqlite_borrow(store, error, error_size);
    if (db == NULL)
        return STS_STORE_ERROR;
    sqlite3_stmt *stmt = NULL;
    sts_store_result_t result = STS_STORE_ERROR;
    if (sqlite3_prepare_v2(db, "INSERT INTO users (" USER_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", -1,
                           &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, r->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, r->username, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, sts__sqlite_or_empty(r->password_hash), -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 4, sts__sqlite_or_empty(r->roles), -1, SQLITE_STATIC);
        sqlite3_bind_int(stmt, 5, r->enabled != 0);
        sqlite3_bind_int64(stmt, 6, r->created_time);
        sqlite3_bind_int64(stmt, 7, r->updated_time);
        sqlite3_bind_int64(stmt, 8, r->tokens_not_before);
        sqlite3_bind_text(stmt, 9, sts__sqlite_or_empty(r->source), -1, SQLITE_STATIC);
        if (sqlite3_step(stmt) == SQLITE_DONE)
            result = STS_STORE_OK;
        /* The id is random, so only the username's own UNIQUE constraint means "taken"; a clashing id is a fault. */
        else if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_UNIQUE)
            result = STS_STORE_EXISTS;
    }
    if (result == STS_STORE_EXISTS && error != NULL)
        snprintf(error, error_size, "a user named \"%s\" already exists", r->username);
    else if (result == STS_STORE_ERROR)
        sts__sqlite_fail(db, "inserting a user", error, error_size);
    sqlite3_finalize(stmt);
    sts__sqlite_give_back(store, db);
    return result;
}

static sts_store_result_t get_with(sqlite3 *db, const char *id, const char *username, sts_arena_t *arena,
                                   sts_user_record_t *out, char *error, size_t error_size)
{
    if (id != NULL)
        return sts__sqlite_get_one(db, "SELECT " USER_COLUMNS " FROM users WHERE id = ?1", id, read_user, arena, out,
                                   "reading a user", error, error_size);
    return sts__sqlite_get_one(db, "SELECT " USER_COLUMNS " FROM users WHERE username = ?1", username, read_user, arena,
                               out, "reading a user", error, error_size);
}

sts_store_result_t sts__sqlite_user_get(sts_store_t *self, const char *id, const char *username, sts_arena_t *arena,
                                        sts_user_record_t *out, char *error, size_t error_size)
{
    if ((id == NULL) == (username == NULL)) {
        if (error != NULL)
            snprintf(error, error_size, "database: reading a user: give either an id or a username");
        return STS_STORE_ERROR;
    }
    sts__sqlite_store_t *store = (sts__sqlite_store_t *)self;
    sqlite3 *db = sts__sqlite_borrow(store, error, error_size);
    if (db == NULL)
        return STS_STORE_ERROR;
    sts_store_result_t result = get_with(db, id, username, arena, out, error, error_size);
    sts__sqlite_give_back(store, db);
    return result;
}

sts_store_result_t sts__sqlite_user_list(sts_store_t *self, const char *after, int limit, sts_arena_t *arena,
                                         sts_user_record_t **out, size_t *count, int *more, char *error,
                                         size_t error_size)
{
    void *records = NULL;
    sts_store_result_t result = sts__sqlite_list_after(
        (sts__sqlite_store_t *)self,
        "SELECT " USER_COLUMNS " FROM users WHERE username > ?1 ORDER BY username LIMIT ?2", after, limit, read_user,
        sizeof(sts_user_record_t), arena, &records, count, more, "listing users", error, error_size);
    *out = records;
    return result;
}

/* The update proper, inside the transaction user_update opened. */
static sts_store_result_t update_with(sqlite3 *db, const char *id, const sts_user_change_t *change, char *error,
                                      size_t error_size)
{
    sqlite3_stmt *stmt = NULL;
    sts_store_result_t result = STS_STORE_ERROR;
    if (sqlite3_prepare_v2(db,
                           "UPDATE users SET password_hash = coalesce(?2, password_hash), roles = coalesce(?3, roles),"
                           " enabled = coalesce(?4, enabled), updated_time = ?5, tokens_not_before = CASE WHEN ?6"
                           " THEN max(tokens_not_before, ?5) ELSE tokens_not_before END WHERE id = ?1",
                           -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
        if (change->password_hash != NULL)
            sqlite3_bind_text(stmt, 2, change->password_hash, -1, SQLITE_STATIC);
        if (change->roles != NULL)
            sqlite3_bind_text(stmt, 3, change->roles, -1, SQLITE_STATIC);
        if (change->enabled != NULL)
            sqlite3_bind_int(stmt, 4, *change->enabled != 0);
        sqlite3_bind_int64(stmt, 5, change->now);
        sqlite3_bind_int(stmt, 6, change->revoke_sessions != 0);
        if (sqlite3_step(stmt) == SQLITE_DONE)
            result = sqlite3_changes(db) == 1 ? STS_STORE_OK : STS_STORE_NOT_FOUND;
    }
    sqlite3_finalize(stmt);
    if (result == STS_STORE_OK && change->revoke_sessions) {
        stmt = NULL;
        if (sqlite3_prepare_v2(db, "UPDATE refresh_tokens SET revoked = 1 WHERE user_id = ?1", -1, &stmt, NULL) !=
                SQLITE_OK ||
            sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC) != SQLITE_OK || sqlite3_step(stmt) != SQLITE_DONE)
            result = STS_STORE_ERROR;
        sqlite3_finalize(stmt);
    }
    if (result == STS_STORE_ERROR)
        sts__sqlite_fail(db, "updating a user", error, error_size);
    return result;
}

sts_store_result_t sts__sqlite_user_update(sts_store_t *self, const char *id, const sts_user_change_t *change,
                                           sts_arena_t *arena, sts_user_record_t *out, char *error, size_t error_size)
{
    sts__sqlite_store_t *store = (sts__sqlite_store_t *)self;
    sqlite3 *db = sts__sqlite_borrow(store, error, error_size);
    if (db == NULL)
        return STS_STORE_ERROR;
    if (sts__sqlite_begin(store, db, "updating a user", error, error_size) != 0) {
        sts__sqlite_give_back(store, db);
        return STS_STORE_ERROR;
    }
    sts_store_result_t result = update_with(db, id, change, error, error_size);
    if (result == STS_STORE_OK && out != NULL)
        result = get_with(db, id, NULL, arena, out, error, error_size);
    result = sts__sqlite_finish(store, db, result == STS_STORE_OK, result, "updating a user", error, error_size);
    sts__sqlite_give_back(store, db);
    return result;
}

/* The delete and its record, inside the transaction user_remove opened. */
static sts_store_result_t remove_with(sqlite3 *db, const char *id, int64_t now)
{
    sqlite3_stmt *remove = NULL, *record = NULL;
    sts_store_result_t result = STS_STORE_ERROR;
    /* The user's refresh tokens go with it: ON DELETE CASCADE, with foreign keys on in every connection. */
    if (sqlite3_prepare_v2(db, "DELETE FROM users WHERE id = ?1", -1, &remove, NULL) == SQLITE_OK &&
        sqlite3_bind_text(remove, 1, id, -1, SQLITE_STATIC) == SQLITE_OK && sqlite3_step(remove) == SQLITE_DONE)
        result = sqlite3_changes(db) == 1 ? STS_STORE_OK : STS_STORE_NOT_FOUND;
    if (result == STS_STORE_OK &&
        (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO user_removals (id, removed_time) VALUES (?1, ?2)", -1, &record,
                            NULL) != SQLITE_OK ||
         sqlite3_bind_text(record, 1, id, -1, SQLITE_STATIC) != SQLITE_OK ||
         sqlite3_bind_int64(record, 2, now) != SQLITE_OK || sqlite3_step(record) != SQLITE_DONE))
        result = STS_STORE_ERROR;
    sqlite3_finalize(remove);
    sqlite3_finalize(record);
    return result;
}

sts_store_result_t sts__sqlite_user_remove(sts_store_t *self, const char *id, int64_t now, char *error,
                                           size_t error_size)
{
    sts__sqlite_store_t *store = (sts__sqlite_store_t *)self;
    sqlite3 *db = sts__sqlite_borrow(store, error, error_size);
    if (db == NULL)
        return STS_STORE_ERROR;
    if (sts__sqlite_begin(store, db, "deleting a user", error, error_size) != 0) {
        sts__sqlite_give_back(store, db);
        return STS_STORE_ERROR;
    }
    sts_store_result_t result = remove_with(db, id, now);
    if (result == STS_STORE_ERROR)
        sts__sqlite_fail(db, "deleting a user", error, error_size);
    result = sts__sqlite_finish(store, db, result == STS_STORE_OK, result, "deleting a user", error, error_size);
    sts__sqlite_give_back(store, db);
    return result;
}

static void read_removal(sqlite3_stmt *stmt, sts_arena_t *arena, void *record)
{
    (void)arena;
    sts_user_removal_t *out = record;
    snprintf(out->id, sizeof(out->id), "%s", (const char *)sqlite3_column_text(stmt, 0));
    out->removed_time = sqlite3_column_int64(stmt, 1);
}

sts_store_result_t sts__sqlite_user_removals(sts_store_t *self, const char *after, int limit, sts_arena_t *arena,
                                             sts_user_removal_t **out, size_t *count, int *more, char *error,
                                             size_t error_size)
{
    void *records = NULL;
    sts_store_result_t result = sts__sqlite_list_after(
        (sts__sqlite_store_t *)self, "SELECT id, removed_time FROM user_removals WHERE id > ?1 ORDER BY id LIMIT ?2",
        after, limit, read_removal, sizeof(sts_user_removal_t), arena, &records, count, more, "listing deleted users",
        error, error_size);
    *out = records;
    return result;
}
