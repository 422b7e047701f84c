/* The service's own keys in the SQLite store, one ring per purpose; the keys arrive sealed and stay opaque here. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "store/sqlite_internal.h"

/* The retire and the insert, inside the transaction key_add opened. */
static sts_store_result_t add_with(sqlite3 *db, const sts_key_record_t *key, int64_t verify_for_us)
{
    sqlite3_stmt *retire = NULL, *insert = NULL;
    sts_store_result_t result = STS_STORE_ERROR;
    if (sqlite3_prepare_v2(
            db, "UPDATE service_keys SET retired_time = ?1, verify_until = ?2 WHERE retired_time = 0 AND purpose = ?3",
            -1, &retire, NULL) == SQLITE_OK &&
        sqlite3_bind_int64(retire, 1, key->created_time) == SQLITE_OK &&
        sqlite3_bind_int64(retire, 2, key->created_time + verify_for_us) == SQLITE_OK &&
        sqlite3_bind_text(retire, 3, key->purpose, -1, SQLITE_STATIC) == SQLITE_OK &&
        sqlite3_step(retire) == SQLITE_DONE &&
        sqlite3_prepare_v2(db,
                           "INSERT INTO service_keys (kid, algorithm, sealed_private, created_time, retired_time,"
                           " verify_until, purpose) VALUES (?1, ?2, ?3, ?4, 0, 0, ?5)",
                           -1, &insert, NULL) == SQLITE_OK) {
        sqlite3_bind_text(insert, 1, key->kid, -1, SQLITE_STATIC);
        sqlite3_bind_text(insert, 2, key->algorithm, -1, SQLITE_STATIC);
        /* A zero-length blob would bind as NULL when the pointer is NULL; "" keeps it an (empty) blob. */
        sqlite3_bind_blob(insert, 3, key->sealed_private != NULL ? (const void *)key->sealed_private : "",
                          (int)key->sealed_private_len, SQLITE_STATIC);
        sqlite3_bind_int64(insert, 4, key->created_time);
        sqlite3_bind_text(insert, 5, key->purpose, -1, SQLITE_STATIC);
        if (sqlite3_step(insert) == SQLITE_DONE)
            result = STS_STORE_OK;
        else if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_PRIMARYKEY)
            result = STS_STORE_EXISTS;
    }
    sqlite3_finalize(retire);
    sqlite3_finalize(insert);
    return result;
}

sts_store_result_t sts__sqlite_key_add(sts_store_t *self, const sts_key_record_t *key, int64_t verify_for_us,
                                       char *error, size_t error_size)
{
    if (key->sealed_private_len > (size_t)INT_MAX) {
        if (error != NULL)
            snprintf(error, error_size, "database: adding a signing key: the sealed key is too large");
        return STS_STORE_ERROR;
    }
    sts__sqlite_store_t *store = (sts__sqlite_store_t *)self;
    sqlite3 *db = sts__sqlite_borrow(store, error, error_size);
    if (db == NULL)
        return STS_STORE_ERROR;
    if (sts__sqlite_begin(store, db, "adding a signing key", error, error_size) != 0) {
        sts__sqlite_give_back(store, db);
        return STS_STORE_ERROR;
    }
    sts_store_result_t result = add_with(db, key, verify_for_us);
    if (result == STS_STORE_EXISTS && error != NULL)
        snprintf(error, error_size, "a signing key with kid %s is already stored", key->kid);
    else if (result == STS_STORE_ERROR)
        sts__sqlite_fail(db, "adding a signing key", error, error_size);
    result = sts__sqlite_finish(store, db, result == STS_STORE_OK, result, "adding a signing key", error, error_size);
    sts__sqlite_give_back(store, db);
    return result;
}

static void read_key(sqlite3_stmt *stmt, sts_arena_t *arena, sts_key_record_t *out)
{
    memset(out, 0, sizeof(*out));
    out->kid = sts__sqlite_text(stmt, 0, arena);
    out->algorithm = sts__sqlite_text(stmt, 1, arena);
    size_t len = (size_t)sqlite3_column_bytes(stmt, 2);
    uint8_t *sealed = sts_arena_alloc(arena, len);
    if (len > 0)
        memcpy(sealed, sqlite3_column_blob(stmt, 2), len);
    out->sealed_private = sealed;
    out->sealed_private_len = len;
    out->created_time = sqlite3_column_int64(stmt, 3);
    out->retired_time = sqlite3_column_int64(stmt, 4);
    out->verify_until = sqlite3_column_int64(stmt, 5);
    out->purpose = sts__sqlite_text(stmt, 6, arena);
}

sts_store_result_t sts__sqlite_key_list(sts_store_t *self, const char *purpose, int64_t now, sts_arena_t *arena,
                                        sts_key_record_t **out, size_t *count, char *error, size_t error_size)
{
    *out = NULL;
    *count = 0;
    sts__sqlite_store_t *store = (sts__sqlite_store_t *)self;
    sqlite3 *db = sts__sqlite_borrow(store, error, error_size);
    if (db == NULL)
        return STS_STORE_ERROR;
    sqlite3_stmt *stmt = NULL;
    sts_store_result_t result = STS_STORE_ERROR;
    /* Few rows (one per rotation period still verifiable): grow the array by doubling, in the arena. */
    size_t capacity = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT kid, algorithm, sealed_private, created_time, retired_time, verify_until, purpose"
                           " FROM service_keys WHERE purpose = ?2 AND (verify_until = 0 OR verify_until > ?1)"
                           " ORDER BY created_time DESC, kid DESC",
                           -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_bind_int64(stmt, 1, now) == SQLITE_OK &&
        sqlite3_bind_text(stmt, 2, purpose, -1, SQLITE_STATIC) == SQLITE_OK) {
        int step;
        while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
            if (*count == capacity) {
                capacity = capacity == 0 ? 4 : capacity * 2;
                sts_key_record_t *grown = sts_arena_alloc(arena, capacity * sizeof(*grown));
                if (*count > 0)
                    memcpy(grown, *out, *count * sizeof(*grown));
                *out = grown;
            }
            read_key(stmt, arena, &(*out)[(*count)++]);
        }
        if (step == SQLITE_DONE)
            result = STS_STORE_OK;
    }
    if (result == STS_STORE_ERROR)
        sts__sqlite_fail(db, "listing signing keys", error, error_size);
    sqlite3_finalize(stmt);
    sts__sqlite_give_back(store, db);
    return result;
}

sts_store_result_t sts__sqlite_key_prune(sts_store_t *self, int64_t now, char *error, size_t error_size)
{
    return sts__sqlite_run((sts__sqlite_store_t *)self,
                           "DELETE FROM service_keys WHERE retired_time != 0 AND verify_until <= ?1", now,
                           "pruning signing keys", error, error_size);
}
