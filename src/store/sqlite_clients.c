/* Registered clients in the SQLite store. */
#include <stdio.h>
#include <string.h>
#include "store/sqlite_internal.h"

#define CLIENT_COLUMNS                                                                                                 \
    "client_id, display_name, allowed_roles, max_lifetime_seconds, enabled, created_time, updated_time,"               \
    " secret_hmac, grants"

static void read_client(sqlite3_stmt *stmt, sts_arena_t *arena, void *record)
{
    sts_client_record_t *out = record;
    memset(out, 0, sizeof(*out));
    out->client_id = sts__sqlite_text(stmt, 0, arena);
    out->display_name = sts__sqlite_text(stmt, 1, arena);
    out->allowed_roles = sts__sqlite_text(stmt, 2, arena);
    out->max_lifetime_seconds = sqlite3_column_int64(stmt, 3);
    out->enabled = sqlite3_column_int(stmt, 4);
    out->created_time = sqlite3_column_int64(stmt, 5);
    out->updated_time = sqlite3_column_int64(stmt, 6);
    out->has_secret = sqlite3_column_bytes(stmt, 7) == (int)sizeof(out->secret_hmac);
    if (out->has_secret)
        memcpy(out->secret_hmac, sqlite3_column_blob(stmt, 7), sizeof(out->secret_hmac));
    out->grants = sts__sqlite_text(stmt, 8, arena);
}

sts_store_result_t sts__sqlite_client_create(sts_store_t *self, const sts_client_record_t *r, char *error,
                                             size_t error_size)
{
    sts__sqlite_store_t *store = (sts__sqlite_store_t *)self;
    sqlite3 *db = sts__sqlite_borrow(store, error, error_size);
    if (db == NULL)
        return STS_STORE_ERROR;
    sqlite3_stmt *stmt = NULL;
    sts_store_result_t result = STS_STORE_ERROR;
    if (sqlite3_prepare_v2(db, "INSERT INTO clients (" CLIENT_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                           -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, r->client_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, sts__sqlite_or_empty(r->display_name), -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, sts__sqlite_or_empty(r->allowed_roles), -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 4, r->max_lifetime_seconds);
        sqlite3_bind_int(stmt, 5, r->enabled != 0);
        sqlite3_bind_int64(stmt, 6, r->created_time);
        sqlite3_bind_int64(stmt, 7, r->updated_time);
        if (r->has_secret)
            sqlite3_bind_blob(stmt, 8, r->secret_hmac, sizeof(r->secret_hmac), SQLITE_STATIC);
        sqlite3_bind_text(stmt, 9, r->grants != NULL ? r->grants : "password,refresh_token", -1, SQLITE_STATIC);
        if (sqlite3_step(stmt) == SQLITE_DONE)
            result = STS_STORE_OK;
        else if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_PRIMARYKEY)
            result = STS_STORE_EXISTS;
    }
    if (result == STS_STORE_EXISTS && error != NULL)
        snprintf(error, error_size, "a client with clientId \"%s\" already exists", r->client_id);
    else if (result == STS_STORE_ERROR)
        sts__sqlite_fail(db, "inserting a client", error, error_size);
    sqlite3_finalize(stmt);
    sts__sqlite_give_back(store, db);
    return result;
}

static sts_store_result_t get_with(sqlite3 *db, const char *client_id, sts_arena_t *arena, sts_client_record_t *out,
                                   char *error, size_t error_size)
{
    return sts__sqlite_get_one(db, "SELECT " CLIENT_COLUMNS " FROM clients WHERE client_id = ?1", client_id,
                               read_client, arena, out, "reading a client", error, error_size);
}

sts_store_result_t sts__sqlite_client_get(sts_store_t *self, const char *client_id, sts_arena_t *arena,
                                          sts_client_record_t *out, char *error, size_t error_size)
{
    sts__sqlite_store_t *store = (sts__sqlite_store_t *)self;
    sqlite3 *db = sts__sqlite_borrow(store, error, error_size);
    if (db == NULL)
        return STS_STORE_ERROR;
    sts_store_result_t result = get_with(db, client_id, arena, out, error, error_size);
    sts__sqlite_give_back(store, db);
    return result;
}

sts_store_result_t sts__sqlite_client_list(sts_store_t *self, const char *after, int limit, sts_arena_t *arena,
                                           sts_client_record_t **out, size_t *count, int *more, char *error,
                                           size_t error_size)
{
    void *records = NULL;
    sts_store_result_t result = sts__sqlite_list_after(
        (sts__sqlite_store_t *)self,
        "SELECT " CLIENT_COLUMNS " FROM clients WHERE client_id > ?1 ORDER BY client_id LIMIT ?2", after, limit,
        read_client, sizeof(sts_client_record_t), arena, &records, count, more, "listing clients", error, error_size);
    *out = records;
    return result;
}

sts_store_result_t sts__sqlite_client_update(sts_store_t *self, const char *client_id,
                                             const sts_client_change_t *change, sts_arena_t *arena,
                                             sts_client_record_t *out, char *error, size_t error_size)
{
    sts__sqlite_store_t *store = (sts__sqlite_store_t *)self;
    sqlite3 *db = sts__sqlite_borrow(store, error, error_size);
    if (db == NULL)
        return STS_STORE_ERROR;
    /* A transaction, so out is the record this update wrote, not one a concurrent update wrote after it. */
    if (sts__sqlite_begin(store, db, "updating a client", error, error_size) != 0) {
        sts__sqlite_give_back(store, db);
        return STS_STORE_ERROR;
    }
    sqlite3_stmt *stmt = NULL;
    sts_store_result_t result = STS_STORE_ERROR;
    if (sqlite3_prepare_v2(
            db,
            "UPDATE clients SET display_name = coalesce(?2, display_name),"
            " allowed_roles = coalesce(?3, allowed_roles),"
            " max_lifetime_seconds = coalesce(?4, max_lifetime_seconds), enabled = coalesce(?5, enabled),"
            " updated_time = ?6 WHERE client_id = ?1",
            -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, client_id, -1, SQLITE_STATIC);
        if (change->display_name != NULL)
            sqlite3_bind_text(stmt, 2, change->display_name, -1, SQLITE_STATIC);
        if (change->allowed_roles != NULL)
            sqlite3_bind_text(stmt, 3, change->allowed_roles, -1, SQLITE_STATIC);
        if (change->max_lifetime_seconds != NULL)
            sqlite3_bind_int64(stmt, 4, *change->max_lifetime_seconds);
        if (change->enabled != NULL)
            sqlite3_bind_int(stmt, 5, *change->enabled != 0);
        sqlite3_bind_int64(stmt, 6, change->now);
        if (sqlite3_step(stmt) == SQLITE_DONE)
            result = sqlite3_changes(db) == 1 ? STS_STORE_OK : STS_STORE_NOT_FOUND;
    }
    if (result == STS_STORE_ERROR)
        sts__sqlite_fail(db, "updating a client", error, error_size);
    sqlite3_finalize(stmt);
    if (result == STS_STORE_OK && out != NULL)
        result = get_with(db, client_id, arena, out, error, error_size);
    result = sts__sqlite_finish(store, db, result == STS_STORE_OK, result, "updating a client", error, error_size);
    sts__sqlite_give_back(store, db);
    return result;
}

sts_store_result_t sts__sqlite_client_remove(sts_store_t *self, const char *client_id, char *error, size_t error_size)
{
    return sts__sqlite_change_one((sts__sqlite_store_t *)self, "DELETE FROM clients WHERE client_id = ?1", client_id,
                                  NULL, "deleting a client", error, error_size);
}
