/* Refresh tokens in the SQLite store: families, atomic rotation, reuse detection. */
#include <stdio.h>
#include <string.h>
#include "store/sqlite_internal.h"
#include "util/text.h"

/* How long refresh_prune keeps a token after its lifetime ended. */
#define PRUNE_AFTER_US (24LL * 3600 * 1000000)

#define REFRESH_COLUMNS                                                                                                \
    "r.id, r.family_id, r.user_id, r.client_id, r.session_id, r.hmac, r.created_time, r.expires_time,"                 \
    " r.family_expires_time, r.used_time, r.revoked"

static void read_refresh(sqlite3_stmt *stmt, sts_arena_t *arena, sts_refresh_record_t *out)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->id, sizeof(out->id), "%s", (const char *)sqlite3_column_text(stmt, 0));
    snprintf(out->family_id, sizeof(out->family_id), "%s", (const char *)sqlite3_column_text(stmt, 1));
    snprintf(out->user_id, sizeof(out->user_id), "%s", (const char *)sqlite3_column_text(stmt, 2));
    out->client_id = sts__sqlite_text(stmt, 3, arena);
    out->session_id = sts__sqlite_text(stmt, 4, arena);
    if (sqlite3_column_bytes(stmt, 5) == (int)sizeof(out->hmac))
        memcpy(out->hmac, sqlite3_column_blob(stmt, 5), sizeof(out->hmac));
    out->created_time = sqlite3_column_int64(stmt, 6);
    out->expires_time = sqlite3_column_int64(stmt, 7);
    out->family_expires_time = sqlite3_column_int64(stmt, 8);
    out->used_time = sqlite3_column_int64(stmt, 9);
    out->revoked = sqlite3_column_int(stmt, 10);
}

/*
 * Finds the token with this id and hmac. With now: only a live one (not revoked, neither lifetime over, its user
 * enabled). Without: in any state (logout of an old token still ends its family).
 */
static sts_store_result_t find(sqlite3 *db, const char *id, const uint8_t hmac[32], const int64_t *now,
                               sts_arena_t *arena, sts_refresh_record_t *out, char *error, size_t error_size)
{
    const char *sql = now != NULL ? "SELECT " REFRESH_COLUMNS " FROM refresh_tokens r JOIN users u ON u.id = r.user_id"
                                    " WHERE r.id = ?1 AND r.revoked = 0 AND ?2 < r.expires_time"
                                    " AND ?2 < r.family_expires_time AND u.enabled != 0"
                                  : "SELECT " REFRESH_COLUMNS " FROM refresh_tokens r WHERE r.id = ?1";
    sqlite3_stmt *stmt = NULL;
    sts_store_result_t result = STS_STORE_ERROR;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC) == SQLITE_OK &&
        (now == NULL || sqlite3_bind_int64(stmt, 2, *now) == SQLITE_OK)) {
        int step = sqlite3_step(stmt);
        if (step == SQLITE_ROW) {
            read_refresh(stmt, arena, out);
            result = sts_bytes_equal(out->hmac, hmac, sizeof(out->hmac)) ? STS_STORE_OK : STS_STORE_NOT_FOUND;
        } else if (step == SQLITE_DONE) {
            result = STS_STORE_NOT_FOUND;
        }
    }
    if (result == STS_STORE_ERROR)
        sts__sqlite_fail(db, "finding a refresh token", error, error_size);
    sqlite3_finalize(stmt);
    if (result != STS_STORE_OK)
        memset(out, 0, sizeof(*out));
    return result;
}

/* Inserts own's id, hmac, times and state into family's family (family, user, client, session, family lifetime). */
static int insert(sqlite3 *db, const sts_refresh_record_t *own, const sts_refresh_record_t *family)
{
    sqlite3_stmt *stmt = NULL;
    int ok = 0;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO refresh_tokens (id, family_id, user_id, client_id, session_id, hmac,"
                           " created_time, expires_time, family_expires_time, used_time, revoked)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                           -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, own->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, family->family_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, family->user_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 4, sts__sqlite_or_empty(family->client_id), -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 5, sts__sqlite_or_empty(family->session_id), -1, SQLITE_STATIC);
        sqlite3_bind_blob(stmt, 6, own->hmac, sizeof(own->hmac), SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 7, own->created_time);
        sqlite3_bind_int64(stmt, 8, own->expires_time);
        sqlite3_bind_int64(stmt, 9, family->family_expires_time);
        sqlite3_bind_int64(stmt, 10, own->used_time);
        sqlite3_bind_int(stmt, 11, own->revoked != 0);
        ok = sqlite3_step(stmt) == SQLITE_DONE;
    }
    sqlite3_finalize(stmt);
    return ok;
}

/* Runs sql with ?1 bound to key; 0, or -1. */
static int exec_with(sqlite3 *db, const char *sql, const char *key)
{
    sqlite3_stmt *stmt = NULL;
    int ok = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
             sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_DONE;
    sqlite3_finalize(stmt);
    return ok ? 0 : -1;
}

static int revoke_family(sqlite3 *db, const char *family_id)
{
    return exec_with(db, "UPDATE refresh_tokens SET revoked = 1 WHERE family_id = ?1", family_id);
}

sts_store_result_t sts__sqlite_refresh_create(sts_store_t *self, const sts_refresh_record_t *record, char *error,
                                              size_t error_size)
{
    sts__sqlite_store_t *store = (sts__sqlite_store_t *)self;
    sqlite3 *db = sts__sqlite_borrow(store, error, error_size);
    if (db == NULL)
        return STS_STORE_ERROR;
    sts_store_result_t result = insert(db, record, record) ? STS_STORE_OK : STS_STORE_ERROR;
    if (result == STS_STORE_ERROR)
        sts__sqlite_fail(db, "inserting a refresh token", error, error_size);
    sts__sqlite_give_back(store, db);
    return result;
}

/* Marks old used and inserts next in its family: the winner's step of a rotation. */
static sts_store_result_t use(sqlite3 *db, sts_refresh_record_t *old, const sts_refresh_record_t *next, int64_t now,
                              char *error, size_t error_size)
{
    sqlite3_stmt *stmt = NULL;
    int changed = -1;
    /*
     * The conditions repeat what find saw: under BEGIN IMMEDIATE nobody can have changed it since, and should that
     * ever not hold, a rotation that changed nothing must not count as a win.
     */
    if (sqlite3_prepare_v2(db,
                           "UPDATE refresh_tokens SET used_time = ?2 WHERE id = ?1 AND used_time = 0 AND revoked = 0",
                           -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_bind_text(stmt, 1, old->id, -1, SQLITE_STATIC) == SQLITE_OK &&
        sqlite3_bind_int64(stmt, 2, now) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_DONE)
        changed = sqlite3_changes(db);
    sqlite3_finalize(stmt);
    if (changed < 0) {
        sts__sqlite_fail(db, "marking a refresh token used", error, error_size);
        return STS_STORE_ERROR;
    }
    if (changed != 1) {
        if (error != NULL)
            snprintf(error, error_size, "database: rotating a refresh token: it changed during the transaction");
        return STS_STORE_ERROR;
    }
    sts_refresh_record_t fresh = *next;
    fresh.used_time = 0;
    fresh.revoked = 0;
    if (!insert(db, &fresh, old)) {
        sts__sqlite_fail(db, "inserting a refresh token", error, error_size);
        return STS_STORE_ERROR;
    }
    old->used_time = now;
    return STS_STORE_OK;
}

sts_store_result_t sts__sqlite_refresh_rotate(sts_store_t *self, const char *id, const uint8_t hmac[32], int64_t now,
                                              int64_t grace_us, const sts_refresh_record_t *next, sts_arena_t *arena,
                                              sts_refresh_record_t *old, char *error, size_t error_size)
{
    sts__sqlite_store_t *store = (sts__sqlite_store_t *)self;
    memset(old, 0, sizeof(*old));
    sqlite3 *db = sts__sqlite_borrow(store, error, error_size);
    if (db == NULL)
        return STS_STORE_ERROR;
    /* The write lock from the start: concurrent rotations of one token run one after the other. */
    if (sts__sqlite_begin(store, db, "rotating a refresh token", error, error_size) != 0) {
        sts__sqlite_give_back(store, db);
        return STS_STORE_ERROR;
    }
    int commit = 0;
    sts_store_result_t result = find(db, id, hmac, &now, arena, old, error, error_size);
    if (result == STS_STORE_OK) {
        if (old->used_time == 0) {
            result = use(db, old, next, now, error, error_size);
            commit = result == STS_STORE_OK;
        } else if (grace_us > 0 && now - old->used_time <= grace_us) {
            result = STS_STORE_REPLAYED;
        } else if (revoke_family(db, old->family_id) == 0) {
            old->revoked = 1;
            result = STS_STORE_REUSED;
            commit = 1;
        } else {
            sts__sqlite_fail(db, "revoking a refresh family", error, error_size);
            result = STS_STORE_ERROR;
        }
    }
    result = sts__sqlite_finish(store, db, commit, result, "rotating a refresh token", error, error_size);
    if (result == STS_STORE_ERROR || result == STS_STORE_NOT_FOUND)
        memset(old, 0, sizeof(*old));
    sts__sqlite_give_back(store, db);
    return result;
}

sts_store_result_t sts__sqlite_refresh_revoke(sts_store_t *self, const char *id, const uint8_t hmac[32], char *error,
                                              size_t error_size)
{
    sts__sqlite_store_t *store = (sts__sqlite_store_t *)self;
    sqlite3 *db = sts__sqlite_borrow(store, error, error_size);
    if (db == NULL)
        return STS_STORE_ERROR;
    if (sts__sqlite_begin(store, db, "revoking a refresh family", error, error_size) != 0) {
        sts__sqlite_give_back(store, db);
        return STS_STORE_ERROR;
    }
    sts_arena_t arena;
    sts_arena_init(&arena);
    sts_refresh_record_t found;
    sts_store_result_t result = find(db, id, hmac, NULL, &arena, &found, error, error_size);
    if (result == STS_STORE_OK && revoke_family(db, found.family_id) != 0) {
        sts__sqlite_fail(db, "revoking a refresh family", error, error_size);
        result = STS_STORE_ERROR;
    }
    sts_arena_dispose(&arena);
    result =
        sts__sqlite_finish(store, db, result == STS_STORE_OK, result, "revoking a refresh family", error, error_size);
    sts__sqlite_give_back(store, db);
    return result;
}

sts_store_result_t sts__sqlite_refresh_find(sts_store_t *self, const char *id, const uint8_t hmac[32],
                                            const int64_t *now, sts_arena_t *arena, sts_refresh_record_t *out,
                                            char *error, size_t error_size)
{
    sts__sqlite_store_t *store = (sts__sqlite_store_t *)self;
    sqlite3 *db = sts__sqlite_borrow(store, error, error_size);
    if (db == NULL)
        return STS_STORE_ERROR;
    sts_store_result_t result = find(db, id, hmac, now, arena, out, error, error_size);
    if (result == STS_STORE_OK && now != NULL && out->used_time != 0) {
        memset(out, 0, sizeof(*out)); /* rotated: only its successor is live */
        result = STS_STORE_NOT_FOUND;
    }
    sts__sqlite_give_back(store, db);
    return result;
}

sts_store_result_t sts__sqlite_refresh_prune(sts_store_t *self, int64_t now, char *error, size_t error_size)
{
    return sts__sqlite_run((sts__sqlite_store_t *)self,
                           "DELETE FROM refresh_tokens WHERE expires_time < ?1 OR family_expires_time < ?1",
                           now - PRUNE_AFTER_US, "pruning refresh tokens", error, error_size);
}
