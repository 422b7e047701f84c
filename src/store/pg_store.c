/* The PostgreSQL store: opening it, and the access-token records. Logins live in pg_users.c and its siblings. */
#include "store/pg_store.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/pg_internal.h"
#include "util/log.h"

#define TOKEN_COLUMNS                                                                                                  \
    "id, user_domain, user_auth_id, user_uid, user_gid, user_sid, user_name, creator, creation_time,"                  \
    " expiration_time, last_used_time, enabled, hmac, creator_domain, creator_auth_id, role_ceiling, hmac_key_id"

static void read_token(const PGresult *r, int row, sts_arena_t *arena, void *record)
{
    sts_token_record_t *out = record;
    memset(out, 0, sizeof(*out));
    snprintf(out->id, sizeof(out->id), "%s", sts_pq.getvalue(r, row, 0));
    out->user.domain = (int)sts__pg_int(r, row, 1);
    out->user.auth_id = sts__pg_string(r, row, 2, arena);
    out->user.has_uid = !sts_pq.getisnull(r, row, 3);
    out->user.uid = sts__pg_int(r, row, 3);
    out->user.has_gid = !sts_pq.getisnull(r, row, 4);
    out->user.gid = sts__pg_int(r, row, 4);
    out->user.sid = sts__pg_string(r, row, 5, arena);
    out->user.name = sts__pg_string(r, row, 6, arena);
    out->creator.name = sts__pg_string(r, row, 7, arena);
    out->creation_time = sts__pg_int(r, row, 8);
    out->expiration_time = sts__pg_int(r, row, 9);
    out->last_used_time = sts__pg_int(r, row, 10);
    out->enabled = (int)sts__pg_int(r, row, 11);
    sts__pg_fixed_bytes(r, row, 12, out->hmac, sizeof(out->hmac));
    out->creator.domain = (int)sts__pg_int(r, row, 13);
    out->creator.auth_id = sts__pg_string(r, row, 14, arena);
    out->creator.sid = "";
    out->role_ceiling = sts_pq.getisnull(r, row, 15) ? NULL : sts__pg_string(r, row, 15, arena);
    snprintf(out->hmac_key_id, sizeof(out->hmac_key_id), "%s", sts_pq.getvalue(r, row, 16));
}

/* The identity as one text, the key of the advisory lock that serialises the per-user cap. */
static void owner_key(const sts_store_identity_t *owner, char *out, size_t size)
{
    snprintf(out, size, "sts-owner:%d:%s:%s", owner->domain, owner->auth_id, owner->name);
}

typedef struct {
    const sts_token_record_t *record;
    int max_per_user;
} creation_t;

static sts_store_result_t create_with(PGconn *conn, void *arg, int *commit, char *error, size_t error_size)
{
    const creation_t *creation = arg;
    const sts_token_record_t *r = creation->record;
    char key[1024];
    owner_key(&r->user, key, sizeof(key));
    sts__pg_params_t owner = {0};
    sts__pg_text_param(&owner, key);
    /* Every replica creating a token for this identity queues here until the transaction ends. */
    if (sts__pg_command(conn, "SELECT pg_advisory_xact_lock(hashtext($1))", &owner, "creating an access token", error,
                        error_size) != 0)
        return STS_STORE_ERROR;
    sts__pg_params_t same = {0};
    sts__pg_int_param(&same, r->user.domain);
    sts__pg_text_param(&same, r->user.auth_id);
    sts__pg_text_param(&same, r->user.name);
    PGresult *count = sts__pg_exec(conn,
                                   "SELECT count(*) FROM access_tokens WHERE user_domain = $1 AND user_auth_id = $2"
                                   " AND user_name = $3",
                                   &same, "creating an access token", error, error_size, NULL);
    if (count == NULL)
        return STS_STORE_ERROR;
    int64_t held = sts__pg_int(count, 0, 0);
    sts_pq.clear(count);
    if (held >= creation->max_per_user)
        return STS_STORE_LIMIT;
    sts__pg_params_t p = {0};
    sts__pg_text_param(&p, r->id);
    sts__pg_int_param(&p, r->user.domain);
    sts__pg_text_param(&p, r->user.auth_id);
    sts__pg_optional_int_param(&p, r->user.has_uid ? &r->user.uid : NULL);
    sts__pg_optional_int_param(&p, r->user.has_gid ? &r->user.gid : NULL);
    sts__pg_text_param(&p, r->user.sid);
    sts__pg_text_param(&p, r->user.name);
    sts__pg_int_param(&p, r->creator.domain);
    sts__pg_text_param(&p, r->creator.auth_id);
    sts__pg_text_param(&p, r->creator.name);
    sts__pg_int_param(&p, r->creation_time);
    sts__pg_int_param(&p, r->expiration_time);
    sts__pg_int_param(&p, r->last_used_time);
    sts__pg_int_param(&p, r->enabled != 0);
    sts__pg_bytes_param(&p, r->hmac, sizeof(r->hmac));
    sts__pg_text_param(&p, r->role_ceiling);
    sts__pg_text_param(&p, r->hmac_key_id);
    /* Other replicas may remember this id as unknown (a guess before it existed): they must forget that. */
    sts__pg_announce(conn, "token", r->id);
    *commit = 1;
    return sts__pg_command(conn,
                           "INSERT INTO access_tokens (id, user_domain, user_auth_id, user_uid, user_gid, user_sid,"
                           " user_name, creator_domain, creator_auth_id, creator, creation_time, expiration_time,"
                           " last_used_time, enabled, hmac, role_ceiling, hmac_key_id) VALUES ($1, $2, $3, $4, $5,"
                           " $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
                           &p, "creating an access token", error, error_size) == 0
               ? STS_STORE_OK
               : STS_STORE_ERROR;
}

sts_store_result_t sts__pg_token_create(sts_store_t *self, const sts_token_record_t *r, int max_per_user, char *error,
                                        size_t error_size)
{
    creation_t creation = {r, max_per_user};
    return sts__pg_transaction((sts__pg_store_t *)self, "creating an access token", create_with, &creation, error,
                               error_size);
}

static sts_store_result_t get_with(PGconn *conn, const char *id, sts_arena_t *arena, sts_token_record_t *out,
                                   char *error, size_t error_size)
{
    return sts__pg_get_one(conn, "SELECT " TOKEN_COLUMNS " FROM access_tokens WHERE id = $1", id, read_token, arena,
                           out, "reading an access token", error, error_size);
}

sts_store_result_t sts__pg_token_get(sts_store_t *self, const char *id, sts_arena_t *arena, sts_token_record_t *out,
                                     char *error, size_t error_size)
{
    sts__pg_store_t *store = (sts__pg_store_t *)self;
    PGconn *conn = sts__pg_borrow(store, error, error_size);
    if (conn == NULL)
        return STS_STORE_ERROR;
    sts_store_result_t result = get_with(conn, id, arena, out, error, error_size);
    sts__pg_give_back(store, conn);
    return result;
}

sts_store_result_t sts__pg_token_list(sts_store_t *self, const sts_store_filter_t *filter, const char *after, int limit,
                                      sts_arena_t *arena, sts_token_record_t **out, size_t *count, int *more,
                                      char *error, size_t error_size)
{
    sts__pg_store_t *store = (sts__pg_store_t *)self;
    *out = sts_arena_calloc(arena, (size_t)(limit + 1) * sizeof(sts_token_record_t));
    *count = 0;
    *more = 0;
    sts__pg_params_t p = {0};
    sts__pg_text_param(&p, after != NULL ? after : "");
    sts__pg_int_param(&p, (int64_t)limit + 1); /* one extra row says whether another page exists */
    const char *where = "";
    if (filter->owner != NULL) {
        where = " AND user_domain = $3 AND user_auth_id = $4 AND user_name = $5";
        sts__pg_int_param(&p, filter->owner->domain);
        sts__pg_text_param(&p, filter->owner->auth_id);
        sts__pg_text_param(&p, filter->owner->name);
    } else if (filter->name_or_auth_id != NULL) {
        where = " AND (user_auth_id = $3 OR user_name = $3)";
        sts__pg_text_param(&p, filter->name_or_auth_id);
    }
    char sql[768];
    snprintf(sql, sizeof(sql), "SELECT " TOKEN_COLUMNS " FROM access_tokens WHERE id > $1%s ORDER BY id LIMIT $2",
             where);
    PGconn *conn = sts__pg_borrow(store, error, error_size);
    if (conn == NULL)
        return STS_STORE_ERROR;
    PGresult *result = sts__pg_exec(conn, sql, &p, "listing access tokens", error, error_size, NULL);
    sts__pg_give_back(store, conn);
    if (result == NULL)
        return STS_STORE_ERROR;
    int rows = sts_pq.ntuples(result);
    *more = rows > limit;
    for (int row = 0; row < rows && row < limit; row++)
        read_token(result, row, arena, &(*out)[(*count)++]);
    sts_pq.clear(result);
    return STS_STORE_OK;
}

sts_store_result_t sts__pg_token_update(sts_store_t *self, const char *id, const int *enabled,
                                        const int64_t *expiration_time, sts_arena_t *arena, sts_token_record_t *out,
                                        char *error, size_t error_size)
{
    sts__pg_store_t *store = (sts__pg_store_t *)self;
    PGconn *conn = sts__pg_borrow(store, error, error_size);
    if (conn == NULL)
        return STS_STORE_ERROR;
    sts__pg_params_t p = {0};
    sts__pg_text_param(&p, id);
    sts__pg_optional_flag_param(&p, enabled);
    sts__pg_optional_int_param(&p, expiration_time);
    /* RETURNING gives the row this update wrote, not one a concurrent update wrote after it. */
    PGresult *result = sts__pg_exec(conn,
                                    "UPDATE access_tokens SET enabled = coalesce($2::integer, enabled),"
                                    " expiration_time = coalesce($3::bigint, expiration_time) WHERE id = $1"
                                    " RETURNING " TOKEN_COLUMNS,
                                    &p, "updating an access token", error, error_size, NULL);
    sts_store_result_t found = sts__pg_first_row(result, read_token, arena, out);
    if (found == STS_STORE_OK)
        sts__pg_announce(conn, "token", id);
    sts__pg_give_back(store, conn);
    return found;
}

sts_store_result_t sts__pg_token_remove(sts_store_t *self, const char *id, char *error, size_t error_size)
{
    return sts__pg_change_one((sts__pg_store_t *)self, "DELETE FROM access_tokens WHERE id = $1", id, NULL, "token",
                              "deleting an access token", error, error_size);
}

sts_store_result_t sts__pg_token_touch(sts_store_t *self, const char *id, int64_t last_used_time)
{
    char error[256];
    sts_store_result_t result =
        sts__pg_change_one((sts__pg_store_t *)self, "UPDATE access_tokens SET last_used_time = $2 WHERE id = $1", id,
                           &last_used_time, NULL, "recording a token's last use", error, sizeof(error));
    if (result == STS_STORE_ERROR)
        sts_log_warn("%s", error);
    return result;
}

long long sts__pg_token_count(sts_store_t *self)
{
    sts__pg_store_t *store = (sts__pg_store_t *)self;
    PGconn *conn = sts__pg_borrow(store, NULL, 0);
    if (conn == NULL)
        return -1;
    PGresult *result = sts__pg_exec(conn, "SELECT count(*) FROM access_tokens", NULL, "counting tokens", NULL, 0, NULL);
    sts__pg_give_back(store, conn);
    long long n = result != NULL ? (long long)sts__pg_int(result, 0, 0) : -1;
    sts_pq.clear(result);
    return n;
}
