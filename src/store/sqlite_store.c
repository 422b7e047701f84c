/* The SQLite store: opening it, and the access-token records. Logins live in sqlite_users.c and its siblings. */
#include "store/sqlite_store.h"
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/sqlite_internal.h"
#include "util/log.h"

static const char columns[] = "id, user_domain, user_auth_id, user_uid, user_gid, user_sid, user_name, creator,"
                              " creation_time, expiration_time, last_used_time, enabled, hmac, creator_domain,"
                              " creator_auth_id, role_ceiling, hmac_key_id";

/* The same identity, in the three columns that make it whole; bound by bind_owner. */
#define OWNER_IS "user_domain = :owner_domain AND user_auth_id = :owner_auth_id AND user_name = :owner_name"

static void read_record(sqlite3_stmt *stmt, sts_arena_t *arena, sts_token_record_t *out)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->id, sizeof(out->id), "%s", (const char *)sqlite3_column_text(stmt, 0));
    out->user.domain = sqlite3_column_int(stmt, 1);
    out->user.auth_id = sts__sqlite_text(stmt, 2, arena);
    out->user.has_uid = sqlite3_column_type(stmt, 3) != SQLITE_NULL;
    out->user.uid = sqlite3_column_int64(stmt, 3);
    out->user.has_gid = sqlite3_column_type(stmt, 4) != SQLITE_NULL;
    out->user.gid = sqlite3_column_int64(stmt, 4);
    out->user.sid = sts__sqlite_text(stmt, 5, arena);
    out->user.name = sts__sqlite_text(stmt, 6, arena);
    out->creator.name = sts__sqlite_text(stmt, 7, arena);
    out->creation_time = sqlite3_column_int64(stmt, 8);
    out->expiration_time = sqlite3_column_int64(stmt, 9);
    out->last_used_time = sqlite3_column_int64(stmt, 10);
    out->enabled = sqlite3_column_int(stmt, 11);
    if (sqlite3_column_bytes(stmt, 12) == (int)sizeof(out->hmac))
        memcpy(out->hmac, sqlite3_column_blob(stmt, 12), sizeof(out->hmac));
    out->creator.domain = sqlite3_column_int(stmt, 13);
    out->creator.auth_id = sts__sqlite_text(stmt, 14, arena);
    out->creator.sid = "";
    out->role_ceiling = sqlite3_column_type(stmt, 15) == SQLITE_NULL ? NULL : sts__sqlite_text(stmt, 15, arena);
    const unsigned char *key_id = sqlite3_column_text(stmt, 16);
    snprintf(out->hmac_key_id, sizeof(out->hmac_key_id), "%s", key_id != NULL ? (const char *)key_id : "");
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
    sts__sqlite_store_t *store = (sts__sqlite_store_t *)self;
    sqlite3 *db = sts__sqlite_borrow(store, error, error_size);
    if (db == NULL)
        return STS_STORE_ERROR;
    sts_store_result_t result = STS_STORE_ERROR;
    sqlite3_stmt *count = NULL, *insert = NULL;
    /* IMMEDIATE takes the write lock first, so two creates cannot both see room for one more token. */
    if (sts__sqlite_begin(store, db, "starting a transaction", error, error_size) != 0) {
        sts__sqlite_give_back(store, db);
        return STS_STORE_ERROR;
    }
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM access_tokens WHERE " OWNER_IS, -1, &count, NULL) == SQLITE_OK)
        bind_owner(count, &r->user);
    if (count != NULL && sqlite3_step(count) == SQLITE_ROW) {
        if (sqlite3_column_int(count, 0) >= max_per_user) {
            result = STS_STORE_LIMIT;
        } else if (sqlite3_prepare_v2(
                       db,
                       "INSERT INTO access_tokens (id, user_domain, user_auth_id, user_uid, user_gid,"
                       " user_sid, user_name, creator_domain, creator_auth_id, creator, creation_time,"
                       " expiration_time, last_used_time, enabled, hmac, role_ceiling, hmac_key_id) VALUES"
                       " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
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
            sqlite3_bind_text(insert, 17, r->hmac_key_id, -1, SQLITE_STATIC);
            if (sqlite3_step(insert) == SQLITE_DONE)
                result = STS_STORE_OK;
        }
    }
    if (result == STS_STORE_ERROR)
        sts__sqlite_fail(db, "creating an access token", error, error_size);
    sqlite3_finalize(count);
    sqlite3_finalize(insert);
    result =
        sts__sqlite_finish(store, db, result == STS_STORE_OK, result, "committing an access token", error, error_size);
    sts__sqlite_give_back(store, db);
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
        sts__sqlite_fail(db, "reading an access token", error, error_size);
    sqlite3_finalize(stmt);
    return result;
}

static sts_store_result_t get(sts_store_t *self, const char *id, sts_arena_t *arena, sts_token_record_t *out,
                              char *error, size_t error_size)
{
    sts__sqlite_store_t *store = (sts__sqlite_store_t *)self;
    sqlite3 *db = sts__sqlite_borrow(store, error, error_size);
    if (db == NULL)
        return STS_STORE_ERROR;
    sts_store_result_t result = get_with(db, id, arena, out, error, error_size);
    sts__sqlite_give_back(store, db);
    return result;
}

static sts_store_result_t list(sts_store_t *self, const sts_store_filter_t *filter, const char *after, int limit,
                               sts_arena_t *arena, sts_token_record_t **out, size_t *count, int *more, char *error,
                               size_t error_size)
{
    sts__sqlite_store_t *store = (sts__sqlite_store_t *)self;
    sqlite3 *db = sts__sqlite_borrow(store, error, error_size);
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
        sts__sqlite_fail(db, "listing access tokens", error, error_size);
    sqlite3_finalize(stmt);
    sts__sqlite_give_back(store, db);
    return result;
}

static sts_store_result_t update(sts_store_t *self, const char *id, const int *enabled, const int64_t *expiration_time,
                                 sts_arena_t *arena, sts_token_record_t *out, char *error, size_t error_size)
{
    sts__sqlite_store_t *store = (sts__sqlite_store_t *)self;
    sqlite3 *db = sts__sqlite_borrow(store, error, error_size);
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
        sts__sqlite_fail(db, "updating an access token", error, error_size);
    if (result == STS_STORE_OK)
        result = get_with(db, id, arena, out, error, error_size);
    sts__sqlite_give_back(store, db);
    return result;
}

static sts_store_result_t remove_token(sts_store_t *self, const char *id, char *error, size_t error_size)
{
    return sts__sqlite_change_one((sts__sqlite_store_t *)self, "DELETE FROM access_tokens WHERE id = ?1", id, NULL,
                                  "deleting an access token", error, error_size);
}

static sts_store_result_t touch(sts_store_t *self, const char *id, int64_t last_used_time)
{
    char error[256];
    sts_store_result_t result = sts__sqlite_change_one(
        (sts__sqlite_store_t *)self, "UPDATE access_tokens SET last_used_time = ?2 WHERE id = ?1", id, &last_used_time,
        "recording a token's last use", error, sizeof(error));
    if (result == STS_STORE_ERROR)
        sts_log_warn("%s", error);
    return result;
}

static long long count_tokens(sts_store_t *self)
{
    sts__sqlite_store_t *store = (sts__sqlite_store_t *)self;
    sqlite3 *db = sts__sqlite_borrow(store, NULL, 0);
    if (db == NULL)
        return -1;
    sqlite3_stmt *stmt = NULL;
    long long n = -1;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM access_tokens", -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sts__sqlite_give_back(store, db);
    return n;
}

static void destroy(sts_store_t *self)
{
    sts__sqlite_store_t *store = (sts__sqlite_store_t *)self;
    for (int i = 0; i < store->idle_count; i++)
        sqlite3_close(store->idle[i]);
    pthread_mutex_destroy(&store->lock);
    pthread_mutex_destroy(&store->writer);
    free(store->path);
    free(store);
}

sts_store_t *sts_sqlite_store_open(const char *path, char *error, size_t error_size)
{
    /* Created 0600 before SQLite sees it: the WAL and shared-memory files inherit the database file's mode. */
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0)
        close(fd);
    sqlite3 *db = sts__sqlite_connect(path, error, error_size);
    if (db == NULL)
        return NULL;
    if (sts__sqlite_migrate(db, error, error_size) != 0) {
        sqlite3_close(db);
        return NULL;
    }
    sts__sqlite_store_t *store = calloc(1, sizeof(*store));
    if (store == NULL || (store->path = strdup(path)) == NULL)
        sts_log_fatal("out of memory");
    pthread_mutex_init(&store->lock, NULL);
    pthread_mutex_init(&store->writer, NULL);
    store->idle[store->idle_count++] = db;
    store->base = (sts_store_t){.create = create,
                                .get = get,
                                .list = list,
                                .update = update,
                                .remove = remove_token,
                                .touch = touch,
                                .count = count_tokens,
                                .user_create = sts__sqlite_user_create,
                                .user_get = sts__sqlite_user_get,
                                .user_list = sts__sqlite_user_list,
                                .user_update = sts__sqlite_user_update,
                                .user_remove = sts__sqlite_user_remove,
                                .user_removals = sts__sqlite_user_removals,
                                .client_create = sts__sqlite_client_create,
                                .client_get = sts__sqlite_client_get,
                                .client_list = sts__sqlite_client_list,
                                .client_update = sts__sqlite_client_update,
                                .client_remove = sts__sqlite_client_remove,
                                .key_add = sts__sqlite_key_add,
                                .key_list = sts__sqlite_key_list,
                                .key_prune = sts__sqlite_key_prune,
                                .refresh_create = sts__sqlite_refresh_create,
                                .refresh_rotate = sts__sqlite_refresh_rotate,
                                .refresh_revoke = sts__sqlite_refresh_revoke,
                                .refresh_find = sts__sqlite_refresh_find,
                                .refresh_prune = sts__sqlite_refresh_prune,
                                .token_deny = sts__sqlite_token_deny,
                                .denied_tokens = sts__sqlite_denied_tokens,
                                .denied_tokens_prune = sts__sqlite_denied_tokens_prune,
                                .destroy = destroy};
    return &store->base;
}
