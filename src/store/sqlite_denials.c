/* Revoked access JWTs in the SQLite store: a deny list by jti, pruned once the tokens have expired. */
#include <string.h>
#include "store/sqlite_internal.h"

sts_store_result_t sts__sqlite_token_deny(sts_store_t *self, const sts_denied_token_t *token, char *error,
                                          size_t error_size)
{
    sts__sqlite_store_t *store = (sts__sqlite_store_t *)self;
    sqlite3 *db = sts__sqlite_borrow(store, error, error_size);
    if (db == NULL)
        return STS_STORE_ERROR;
    if (sts__sqlite_begin(store, db, "revoking a token", error, error_size) != 0) {
        sts__sqlite_give_back(store, db);
        return STS_STORE_ERROR;
    }
    sqlite3_stmt *stmt = NULL;
    sts_store_result_t result = STS_STORE_ERROR;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO denied_tokens (jti, expires_time) VALUES (?1, ?2) ON CONFLICT (jti)"
                           " DO UPDATE SET expires_time = max(expires_time, excluded.expires_time)",
                           -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_bind_text(stmt, 1, token->jti, -1, SQLITE_STATIC) == SQLITE_OK &&
        sqlite3_bind_int64(stmt, 2, token->expires_time) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_DONE)
        result = STS_STORE_OK;
    else
        sts__sqlite_fail(db, "revoking a token", error, error_size);
    sqlite3_finalize(stmt);
    result = sts__sqlite_finish(store, db, result == STS_STORE_OK, result, "revoking a token", error, error_size);
    sts__sqlite_give_back(store, db);
    return result;
}

static void read_denied(sqlite3_stmt *stmt, sts_arena_t *arena, void *record)
{
    sts_denied_token_t *out = record;
    out->jti = sts__sqlite_text(stmt, 0, arena);
    out->expires_time = sqlite3_column_int64(stmt, 1);
}

sts_store_result_t sts__sqlite_denied_tokens(sts_store_t *self, const char *after, int limit, sts_arena_t *arena,
                                             sts_denied_token_t **out, size_t *count, int *more, char *error,
                                             size_t error_size)
{
    void *records = NULL;
    sts_store_result_t result = sts__sqlite_list_after(
        (sts__sqlite_store_t *)self, "SELECT jti, expires_time FROM denied_tokens WHERE jti > ?1 ORDER BY jti LIMIT ?2",
        after, limit, read_denied, sizeof(sts_denied_token_t), arena, &records, count, more, "listing revoked tokens",
        error, error_size);
    *out = records;
    return result;
}

sts_store_result_t sts__sqlite_denied_tokens_prune(sts_store_t *self, int64_t now, char *error, size_t error_size)
{
    return sts__sqlite_run((sts__sqlite_store_t *)self, "DELETE FROM denied_tokens WHERE expires_time < ?1", now,
                           "pruning revoked tokens", error, error_size);
}
