/* Registered clients in the PostgreSQL store. */
#include <stdio.h>
#include <string.h>
#include "store/pg_internal.h"

#define CLIENT_COLUMNS                                                                                                 \
    "client_id, display_name, allowed_roles, max_lifetime_seconds, enabled, created_time, updated_time,"               \
    " secret_hmac, grants"

static void read_client(const PGresult *r, int row, sts_arena_t *arena, void *record)
{
    sts_client_record_t *out = record;
    memset(out, 0, sizeof(*out));
    out->client_id = sts__pg_string(r, row, 0, arena);
    out->display_name = sts__pg_string(r, row, 1, arena);
    out->allowed_roles = sts__pg_string(r, row, 2, arena);
    out->max_lifetime_seconds = sts__pg_int(r, row, 3);
    out->enabled = (int)sts__pg_int(r, row, 4);
    out->created_time = sts__pg_int(r, row, 5);
    out->updated_time = sts__pg_int(r, row, 6);
    out->has_secret = sts__pg_fixed_bytes(r, row, 7, out->secret_hmac, sizeof(out->secret_hmac)) == 0;
    out->grants = sts__pg_string(r, row, 8, arena);
}

sts_store_result_t sts__pg_client_create(sts_store_t *self, const sts_client_record_t *r, char *error,
                                         size_t error_size)
{
    sts__pg_store_t *store = (sts__pg_store_t *)self;
    PGconn *conn = sts__pg_borrow(store, error, error_size);
    if (conn == NULL)
        return STS_STORE_ERROR;
    sts__pg_params_t p = {0};
    sts__pg_text_param(&p, r->client_id);
    sts__pg_text_param(&p, r->display_name != NULL ? r->display_name : "");
    sts__pg_text_param(&p, r->allowed_roles != NULL ? r->allowed_roles : "");
    sts__pg_int_param(&p, r->max_lifetime_seconds);
    sts__pg_int_param(&p, r->enabled != 0);
    sts__pg_int_param(&p, r->created_time);
    sts__pg_int_param(&p, r->updated_time);
    if (r->has_secret)
        sts__pg_bytes_param(&p, r->secret_hmac, sizeof(r->secret_hmac));
    else
        sts__pg_text_param(&p, NULL);
    sts__pg_text_param(&p, r->grants != NULL ? r->grants : "password,refresh_token");
    char state[6];
    PGresult *result =
        sts__pg_exec(conn, "INSERT INTO clients (" CLIENT_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", &p,
                     "inserting a client", error, error_size, state);
    sts__pg_give_back(store, conn);
    sts_pq.clear(result);
    if (result != NULL)
        return STS_STORE_OK;
    if (strcmp(state, STS__PG_UNIQUE_VIOLATION) != 0)
        return STS_STORE_ERROR;
    if (error != NULL)
        snprintf(error, error_size, "a client with clientId \"%s\" already exists", r->client_id);
    return STS_STORE_EXISTS;
}

sts_store_result_t sts__pg_client_get(sts_store_t *self, const char *client_id, sts_arena_t *arena,
                                      sts_client_record_t *out, char *error, size_t error_size)
{
    sts__pg_store_t *store = (sts__pg_store_t *)self;
    PGconn *conn = sts__pg_borrow(store, error, error_size);
    if (conn == NULL)
        return STS_STORE_ERROR;
    sts_store_result_t result =
        sts__pg_get_one(conn, "SELECT " CLIENT_COLUMNS " FROM clients WHERE client_id = $1", client_id, read_client,
                        arena, out, "reading a client", error, error_size);
    sts__pg_give_back(store, conn);
    return result;
}

sts_store_result_t sts__pg_client_list(sts_store_t *self, const char *after, int limit, sts_arena_t *arena,
                                       sts_client_record_t **out, size_t *count, int *more, char *error,
                                       size_t error_size)
{
    void *records = NULL;
    sts_store_result_t result = sts__pg_list_after(
        (sts__pg_store_t *)self,
        "SELECT " CLIENT_COLUMNS " FROM clients WHERE client_id > $1 ORDER BY client_id LIMIT $2", after, limit,
        read_client, sizeof(sts_client_record_t), arena, &records, count, more, "listing clients", error, error_size);
    *out = records;
    return result;
}

sts_store_result_t sts__pg_client_update(sts_store_t *self, const char *client_id, const sts_client_change_t *change,
                                         sts_arena_t *arena, sts_client_record_t *out, char *error, size_t error_size)
{
    sts__pg_store_t *store = (sts__pg_store_t *)self;
    PGconn *conn = sts__pg_borrow(store, error, error_size);
    if (conn == NULL)
        return STS_STORE_ERROR;
    sts__pg_params_t p = {0};
    sts__pg_text_param(&p, client_id);
    sts__pg_text_param(&p, change->display_name);
    sts__pg_text_param(&p, change->allowed_roles);
    sts__pg_optional_int_param(&p, change->max_lifetime_seconds);
    sts__pg_optional_flag_param(&p, change->enabled);
    sts__pg_int_param(&p, change->now);
    /* RETURNING gives the row this update wrote, not one a concurrent update wrote after it. */
    PGresult *result = sts__pg_exec(conn,
                                    "UPDATE clients SET display_name = coalesce($2, display_name),"
                                    " allowed_roles = coalesce($3, allowed_roles),"
                                    " max_lifetime_seconds = coalesce($4::bigint, max_lifetime_seconds),"
                                    " enabled = coalesce($5::integer, enabled), updated_time = $6"
                                    " WHERE client_id = $1 RETURNING " CLIENT_COLUMNS,
                                    &p, "updating a client", error, error_size, NULL);
    sts_store_result_t found = sts__pg_first_row(result, read_client, arena, out);
    if (found == STS_STORE_OK)
        sts__pg_announce(conn, "clients", client_id);
    sts__pg_give_back(store, conn);
    return found;
}

sts_store_result_t sts__pg_client_remove(sts_store_t *self, const char *client_id, char *error, size_t error_size)
{
    return sts__pg_change_one((sts__pg_store_t *)self, "DELETE FROM clients WHERE client_id = $1", client_id, NULL,
                              "clients", "deleting a client", error, error_size);
}
