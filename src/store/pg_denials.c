/* Revoked access JWTs in the PostgreSQL store: a deny list by jti, pruned once the tokens have expired. */
#include <string.h>
#include "store/pg_internal.h"

sts_store_result_t sts__pg_token_deny(sts_store_t *self, const sts_denied_token_t *token, char *error,
                                      size_t error_size)
{
    sts__pg_store_t *store = (sts__pg_store_t *)self;
    PGconn *conn = sts__pg_borrow(store, error, error_size);
    if (conn == NULL)
        return STS_STORE_ERROR;
    sts__pg_params_t p = {0};
    sts__pg_text_param(&p, token->jti);
    sts__pg_int_param(&p, token->expires_time);
    int rc =
        sts__pg_command(conn,
                        "INSERT INTO denied_tokens (jti, expires_time) VALUES ($1, $2) ON CONFLICT (jti)"
                        " DO UPDATE SET expires_time = greatest(denied_tokens.expires_time, excluded.expires_time)",
                        &p, "revoking a token", error, error_size);
    if (rc == 0)
        sts__pg_announce(conn, "denied", token->jti);
    sts__pg_give_back(store, conn);
    return rc == 0 ? STS_STORE_OK : STS_STORE_ERROR;
}

static void read_denied(const PGresult *r, int row, sts_arena_t *arena, void *record)
{
    sts_denied_token_t *out = record;
    out->jti = sts__pg_string(r, row, 0, arena);
    out->expires_time = sts__pg_int(r, row, 1);
}

sts_store_result_t sts__pg_denied_tokens(sts_store_t *self, const char *after, int limit, sts_arena_t *arena,
                                         sts_denied_token_t **out, size_t *count, int *more, char *error,
                                         size_t error_size)
{
    void *records = NULL;
    sts_store_result_t result = sts__pg_list_after(
        (sts__pg_store_t *)self, "SELECT jti, expires_time FROM denied_tokens WHERE jti > $1 ORDER BY jti LIMIT $2",
        after, limit, read_denied, sizeof(sts_denied_token_t), arena, &records, count, more, "listing revoked tokens",
        error, error_size);
    *out = records;
    return result;
}

sts_store_result_t sts__pg_denied_tokens_prune(sts_store_t *self, int64_t now, char *error, size_t error_size)
{
    return sts__pg_run((sts__pg_store_t *)self, "DELETE FROM denied_tokens WHERE expires_time < $1", now,
                       "pruning revoked tokens", error, error_size);
}
