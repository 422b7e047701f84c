/* Refresh tokens in the PostgreSQL store: families, atomic rotation across replicas, reuse detection. */
#include <stdio.h>
#include <string.h>
#include "store/pg_internal.h"
#include "util/text.h"

/* How long refresh_prune keeps a token after its lifetime ended. */
#define PRUNE_AFTER_US (24LL * 3600 * 1000000)

#define REFRESH_COLUMNS                                                                                                \
    "r.id, r.family_id, r.user_id, r.client_id, r.session_id, r.hmac, r.created_time, r.expires_time,"                 \
    " r.family_expires_time, r.used_time, r.revoked"

static void read_refresh(const PGresult *r, int row, sts_arena_t *arena, sts_refresh_record_t *out)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->id, sizeof(out->id), "%s", sts_pq.getvalue(r, row, 0));
    snprintf(out->family_id, sizeof(out->family_id), "%s", sts_pq.getvalue(r, row, 1));
    snprintf(out->user_id, sizeof(out->user_id), "%s", sts_pq.getvalue(r, row, 2));
    out->client_id = sts__pg_string(r, row, 3, arena);
    out->session_id = sts__pg_string(r, row, 4, arena);
    sts__pg_fixed_bytes(r, row, 5, out->hmac, sizeof(out->hmac));
    out->created_time = sts__pg_int(r, row, 6);
    out->expires_time = sts__pg_int(r, row, 7);
    out->family_expires_time = sts__pg_int(r, row, 8);
    out->used_time = sts__pg_int(r, row, 9);
    out->revoked = (int)sts__pg_int(r, row, 10);
}

/*
 * Finds the token with this id and hmac. With now: only a live one (not revoked, neither lifetime over, its user
 * enabled). Without: in any state. lock: FOR UPDATE, so a concurrent rotation of the same token on another replica
 * waits for this transaction and then sees what it wrote (READ COMMITTED re-reads a row it waited for).
 */
static sts_store_result_t find(PGconn *conn, const char *id, const uint8_t hmac[32], const int64_t *now, int lock,
                               sts_arena_t *arena, sts_refresh_record_t *out, char *error, size_t error_size)
{
    char sql[640];
    snprintf(sql, sizeof(sql), "%s%s",
             now != NULL ? "SELECT " REFRESH_COLUMNS " FROM refresh_tokens r JOIN users u ON u.id = r.user_id"
                           " WHERE r.id = $1 AND r.revoked = 0 AND $2 < r.expires_time"
                           " AND $2 < r.family_expires_time AND u.enabled != 0"
                         : "SELECT " REFRESH_COLUMNS " FROM refresh_tokens r WHERE r.id = $1",
             lock ? " FOR UPDATE OF r" : "");
    sts__pg_params_t p = {0};
    sts__pg_text_param(&p, id);
    if (now != NULL)
        sts__pg_int_param(&p, *now);
    memset(out, 0, sizeof(*out));
    PGresult *result = sts__pg_exec(conn, sql, &p, "finding a refresh token", error, error_size, NULL);
    if (result == NULL)
        return STS_STORE_ERROR;
    sts_store_result_t found = STS_STORE_NOT_FOUND;
    if (sts_pq.ntuples(result) == 1) {
        read_refresh(result, 0, arena, out);
        found = sts_bytes_equal(out->hmac, hmac, sizeof(out->hmac)) ? STS_STORE_OK : STS_STORE_NOT_FOUND;
    }
    sts_pq.clear(result);
    if (found != STS_STORE_OK)
        memset(out, 0, sizeof(*out));
    return found;
}

/* Inserts own's id, hmac, times and state into family's family (family, user, client, session, family lifetime). */
static int insert(PGconn *conn, const sts_refresh_record_t *own, const sts_refresh_record_t *family, char *error,
                  size_t error_size)
{
    sts__pg_params_t p = {0};
    sts__pg_text_param(&p, own->id);
    sts__pg_text_param(&p, family->family_id);
    sts__pg_text_param(&p, family->user_id);
    sts__pg_text_param(&p, family->client_id != NULL ? family->client_id : "");
    sts__pg_text_param(&p, family->session_id != NULL ? family->session_id : "");
    sts__pg_bytes_param(&p, own->hmac, sizeof(own->hmac));
    sts__pg_int_param(&p, own->created_time);
    sts__pg_int_param(&p, own->expires_time);
    sts__pg_int_param(&p, family->family_expires_time);
    sts__pg_int_param(&p, own->used_time);
    sts__pg_int_param(&p, own->revoked != 0);
    return sts__pg_command(conn,
                           "INSERT INTO refresh_tokens (id, family_id, user_id, client_id, session_id, hmac,"
                           " created_time, expires_time, family_expires_time, used_time, revoked)"
                           " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                           &p, "inserting a refresh token", error, error_size);
}

static int revoke_family(PGconn *conn, const char *family_id, char *error, size_t error_size)
{
    sts__pg_params_t p = {0};
    sts__pg_text_param(&p, family_id);
    return sts__pg_command(conn, "UPDATE refresh_tokens SET revoked = 1 WHERE family_id = $1", &p,
                           "revoking a refresh family", error, error_size);
}

sts_store_result_t sts__pg_refresh_create(sts_store_t *self, const sts_refresh_record_t *record, char *error,
                                          size_t error_size)
{
    sts__pg_store_t *store = (sts__pg_store_t *)self;
    PGconn *conn = sts__pg_borrow(store, error, error_size);
    if (conn == NULL)
        return STS_STORE_ERROR;
    int rc = insert(conn, record, record, error, error_size);
    sts__pg_give_back(store, conn);
    return rc == 0 ? STS_STORE_OK : STS_STORE_ERROR;
}

typedef struct {
    const char *id;
    const uint8_t *hmac;
    int64_t now, grace_us;
    const sts_refresh_record_t *next;
    sts_arena_t *arena;
    sts_refresh_record_t *old;
} rotation_t;

/* The rotation proper, inside the transaction refresh_rotate opened; *commit says whether to keep what it did. */
static sts_store_result_t rotate_with(PGconn *conn, void *arg, int *commit, char *error, size_t error_size)
{
    const rotation_t *rotation = arg;
    int64_t now = rotation->now;
    sts_refresh_record_t *old = rotation->old;
    sts_store_result_t result =
        find(conn, rotation->id, rotation->hmac, &now, 1, rotation->arena, old, error, error_size);
    if (result != STS_STORE_OK)
        return result;
    if (old->used_time == 0) {
        sts__pg_params_t p = {0};
        sts__pg_text_param(&p, old->id);
        sts__pg_int_param(&p, now);
        sts_refresh_record_t fresh = *rotation->next;
        fresh.used_time = 0;
        fresh.revoked = 0;
        if (sts__pg_command(conn, "UPDATE refresh_tokens SET used_time = $2 WHERE id = $1", &p,
                            "marking a refresh token used", error, error_size) != 0 ||
            insert(conn, &fresh, old, error, error_size) != 0)
            return STS_STORE_ERROR;
        old->used_time = now;
        *commit = 1;
        return STS_STORE_OK;
    }
    if (rotation->grace_us > 0 && now - old->used_time <= rotation->grace_us)
        return STS_STORE_REPLAYED;
    if (revoke_family(conn, old->family_id, error, error_size) != 0)
        return STS_STORE_ERROR;
    old->revoked = 1;
    *commit = 1;
    return STS_STORE_REUSED;
}

sts_store_result_t sts__pg_refresh_rotate(sts_store_t *self, const char *id, const uint8_t hmac[32], int64_t now,
                                          int64_t grace_us, const sts_refresh_record_t *next, sts_arena_t *arena,
                                          sts_refresh_record_t *old, char *error, size_t error_size)
{
    memset(old, 0, sizeof(*old));
    rotation_t rotation = {id, hmac, now, grace_us, next, arena, old};
    sts_store_result_t result = sts__pg_transaction((sts__pg_store_t *)self, "rotating a refresh token", rotate_with,
                                                    &rotation, error, error_size);
    if (result == STS_STORE_ERROR || result == STS_STORE_NOT_FOUND)
        memset(old, 0, sizeof(*old));
    return result;
}

sts_store_result_t sts__pg_refresh_revoke(sts_store_t *self, const char *id, const uint8_t hmac[32], char *error,
                                          size_t error_size)
{
    sts__pg_store_t *store = (sts__pg_store_t *)self;
    PGconn *conn = sts__pg_borrow(store, error, error_size);
    if (conn == NULL)
        return STS_STORE_ERROR;
    sts_arena_t arena;
    sts_arena_init(&arena);
    sts_refresh_record_t found;
    sts_store_result_t result = find(conn, id, hmac, NULL, 0, &arena, &found, error, error_size);
    if (result == STS_STORE_OK && revoke_family(conn, found.family_id, error, error_size) != 0)
        result = STS_STORE_ERROR;
    sts_arena_dispose(&arena);
    sts__pg_give_back(store, conn);
    return result;
}

sts_store_result_t sts__pg_refresh_find(sts_store_t *self, const char *id, const uint8_t hmac[32], const int64_t *now,
                                        sts_arena_t *arena, sts_refresh_record_t *out, char *error, size_t error_size)
{
    sts__pg_store_t *store = (sts__pg_store_t *)self;
    PGconn *conn = sts__pg_borrow(store, error, error_size);
    if (conn == NULL)
        return STS_STORE_ERROR;
    sts_store_result_t result = find(conn, id, hmac, now, 0, arena, out, error, error_size);
    if (result == STS_STORE_OK && now != NULL && out->used_time != 0) {
        memset(out, 0, sizeof(*out)); /* rotated: only its successor is live */
        result = STS_STORE_NOT_FOUND;
    }
    sts__pg_give_back(store, conn);
    return result;
}

sts_store_result_t sts__pg_refresh_prune(sts_store_t *self, int64_t now, char *error, size_t error_size)
{
    return sts__pg_run((sts__pg_store_t *)self,
                       "DELETE FROM refresh_tokens WHERE expires_time < $1 OR family_expires_time < $1",
                       now - PRUNE_AFTER_US, "pruning refresh tokens", error, error_size);
}
