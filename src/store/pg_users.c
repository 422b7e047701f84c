/* Login users in the PostgreSQL store. */
#include <stdio.h>
#include <string.h>
#include "store/pg_internal.h"

#define USER_COLUMNS                                                                                                   \
    "id, username, password_hash, roles, enabled, created_time, updated_time, tokens_not_before, source"

static const char *or_empty(const char *text)
{
    return text != NULL ? text : "";
}

static void read_user(const PGresult *r, int row, sts_arena_t *arena, void *record)
{
    sts_user_record_t *out = record;
    memset(out, 0, sizeof(*out));
    snprintf(out->id, sizeof(out->id), "%s", sts_pq.getvalue(r, row, 0));
    out->username = sts__pg_string(r, row, 1, arena);
    out->password_hash = sts__pg_string(r, row, 2, arena);
    out->roles = sts__pg_string(r, row, 3, arena);
    out->enabled = (int)sts__pg_int(r, row, 4);
    out->created_time = sts__pg_int(r, row, 5);
    out->updated_time = sts__pg_int(r, row, 6);
    out->tokens_not_before = sts__pg_int(r, row, 7);
    out->source = sts__pg_string(r, row, 8, arena);
}

sts_store_result_t sts__pg_user_create(sts_store_t *self, const sts_user_record_t *r, char *error, size_t error_size)
{
    sts__pg_store_t *store = (sts__pg_store_t *)self;
    PGconn *conn = sts__pg_borrow(store, error, error_size);
    if (conn == NULL)
        return STS_STORE_ERROR;
    sts__pg_params_t p = {0};
    sts__pg_text_param(&p, r->id);
    sts__pg_text_param(&p, r->username);
    sts__pg_text_param(&p, or_empty(r->password_hash));
    sts__pg_text_param(&p, or_empty(r->roles));
    sts__pg_int_param(&p, r->enabled != 0);
    sts__pg_int_param(&p, r->created_time);
    sts__pg_int_param(&p, r->updated_time);
    sts__pg_int_param(&p, r->tokens_not_before);
    sts__pg_text_param(&p, or_empty(r->source));
    /* The id is random, so only a taken username means "exists"; a clashing id stays an error (its primary key). */
    PGresult *result = sts__pg_exec(conn,
                                    "INSERT INTO users (" USER_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                                    " ON CONFLICT (username) DO NOTHING",
                                    &p, "inserting a user", error, error_size, NULL);
    sts__pg_give_back(store, conn);
    if (result == NULL)
        return STS_STORE_ERROR;
    long inserted = sts__pg_changed(result);
    sts_pq.clear(result);
    if (inserted == 1)
        return STS_STORE_OK;
    if (error != NULL)
        snprintf(error, error_size, "a user named \"%s\" already exists", r->username);
    return STS_STORE_EXISTS;
}

static sts_store_result_t get_with(PGconn *conn, const char *id, const char *username, sts_arena_t *arena,
                                   sts_user_record_t *out, char *error, size_t error_size)
{
    if (id != NULL)
        return sts__pg_get_one(conn, "SELECT " USER_COLUMNS " FROM users WHERE id = $1", id, read_user, arena, out,
                               "reading a user", error, error_size);
    return sts__pg_get_one(conn, "SELECT " USER_COLUMNS " FROM users WHERE username = $1", username, read_user, arena,
                           out, "reading a user", error, error_size);
}

sts_store_result_t sts__pg_user_get(sts_store_t *self, const char *id, const char *username, sts_arena_t *arena,
                                    sts_user_record_t *out, char *error, size_t error_size)
{
    if ((id == NULL) == (username == NULL)) {
        if (error != NULL)
            snprintf(error, error_size, "database: reading a user: give either an id or a username");
        return STS_STORE_ERROR;
    }
    sts__pg_store_t *store = (sts__pg_store_t *)self;
    PGconn *conn = sts__pg_borrow(store, error, error_size);
    if (conn == NULL)
        return STS_STORE_ERROR;
    sts_store_result_t result = get_with(conn, id, username, arena, out, error, error_size);
    sts__pg_give_back(store, conn);
    return result;
}

sts_store_result_t sts__pg_user_list(sts_store_t *self, const char *after, int limit, sts_arena_t *arena,
                                     sts_user_record_t **out, size_t *count, int *more, char *error, size_t error_size)
{
    void *records = NULL;
    sts_store_result_t result = sts__pg_list_after(
        (sts__pg_store_t *)self, "SELECT " USER_COLUMNS " FROM users WHERE username > $1 ORDER BY username LIMIT $2",
        after, limit, read_user, sizeof(sts_user_record_t), arena, &records, count, more, "listing users", error,
        error_size);
    *out = records;
    return result;
}

typedef struct {
    const char *id;
    const sts_user_change_t *change;
    sts_arena_t *arena;
    sts_user_record_t *out;
} user_update_t;

/* The update proper, inside the transaction user_update opened; the new row goes to out (when not NULL). */
static sts_store_result_t update_with(PGconn *conn, void *arg, int *commit, char *error, size_t error_size)
{
    const user_update_t *update = arg;
    const char *id = update->id;
    const sts_user_change_t *change = update->change;
    sts__pg_params_t p = {0};
    sts__pg_text_param(&p, id);
    sts__pg_text_param(&p, change->password_hash);
    sts__pg_text_param(&p, change->roles);
    sts__pg_optional_flag_param(&p, change->enabled);
    sts__pg_int_param(&p, change->now);
    sts__pg_int_param(&p, change->revoke_sessions != 0);
    PGresult *result = sts__pg_exec(
        conn,
        "UPDATE users SET password_hash = coalesce($2, password_hash), roles = coalesce($3, roles),"
        " enabled = coalesce($4::integer, enabled), updated_time = $5, tokens_not_before = CASE WHEN $6::integer != 0"
        " THEN greatest(tokens_not_before, $5::bigint) ELSE tokens_not_before END WHERE id = $1"
        " RETURNING " USER_COLUMNS,
        &p, "updating a user", error, error_size, NULL);
    sts_store_result_t found = sts__pg_first_row(result, read_user, update->arena, update->out);
    if (found == STS_STORE_OK && change->revoke_sessions) {
        sts__pg_params_t user = {0};
        sts__pg_text_param(&user, id);
        if (sts__pg_command(conn, "UPDATE refresh_tokens SET revoked = 1 WHERE user_id = $1", &user, "updating a user",
                            error, error_size) != 0)
            found = STS_STORE_ERROR;
    }
    if (found == STS_STORE_OK)
        sts__pg_announce(conn, "users", id);
    *commit = found == STS_STORE_OK;
    return found;
}

sts_store_result_t sts__pg_user_update(sts_store_t *self, const char *id, const sts_user_change_t *change,
                                       sts_arena_t *arena, sts_user_record_t *out, char *error, size_t error_size)
{
    user_update_t update = {id, change, arena, out};
    return sts__pg_transaction((sts__pg_store_t *)self, "updating a user", update_with, &update, error, error_size);
}

sts_store_result_t sts__pg_user_remove(sts_store_t *self, const char *id, int64_t now, char *error, size_t error_size)
{
    sts__pg_store_t *store = (sts__pg_store_t *)self;
    PGconn *conn = sts__pg_borrow(store, error, error_size);
    if (conn == NULL)
        return STS_STORE_ERROR;
    sts__pg_params_t p = {0};
    sts__pg_text_param(&p, id);
    sts__pg_int_param(&p, now);
    /* One statement, so one transaction: the user goes (its refresh tokens by ON DELETE CASCADE) and its removal
     * is recorded, or neither. */
    PGresult *result = sts__pg_exec(conn,
                                    "WITH gone AS (DELETE FROM users WHERE id = $1 RETURNING id)"
                                    " INSERT INTO user_removals (id, removed_time) SELECT id, $2 FROM gone"
                                    " ON CONFLICT (id) DO UPDATE SET removed_time = excluded.removed_time",
                                    &p, "deleting a user", error, error_size, NULL);
    sts_store_result_t changed = result == NULL                 ? STS_STORE_ERROR
                                 : sts__pg_changed(result) == 1 ? STS_STORE_OK
                                                                : STS_STORE_NOT_FOUND;
    sts_pq.clear(result);
    if (changed == STS_STORE_OK)
        sts__pg_announce(conn, "users", id);
    sts__pg_give_back(store, conn);
    return changed;
}

static void read_removal(const PGresult *r, int row, sts_arena_t *arena, void *record)
{
    (void)arena;
    sts_user_removal_t *out = record;
    snprintf(out->id, sizeof(out->id), "%s", sts_pq.getvalue(r, row, 0));
    out->removed_time = sts__pg_int(r, row, 1);
}

sts_store_result_t sts__pg_user_removals(sts_store_t *self, const char *after, int limit, sts_arena_t *arena,
                                         sts_user_removal_t **out, size_t *count, int *more, char *error,
                                         size_t error_size)
{
    void *records = NULL;
    sts_store_result_t result = sts__pg_list_after(
        (sts__pg_store_t *)self, "SELECT id, removed_time FROM user_removals WHERE id > $1 ORDER BY id LIMIT $2", after,
        limit, read_removal, sizeof(sts_user_removal_t), arena, &records, count, more, "listing deleted users", error,
        error_size);
    *out = records;
    return result;
}
