/* The service's own keys in the PostgreSQL store, one ring per purpose; the keys arrive sealed and stay opaque. */
#include <stdio.h>
#include <string.h>
#include "store/pg_internal.h"

/* The retire and the insert, inside the transaction key_add opened. */
typedef struct {
    const sts_key_record_t *key;
    int64_t verify_for_us;
} addition_t;

static sts_store_result_t add_with(PGconn *conn, void *arg, int *commit, char *error, size_t error_size)
{
    const sts_key_record_t *key = ((const addition_t *)arg)->key;
    int64_t verify_for_us = ((const addition_t *)arg)->verify_for_us;
    sts__pg_params_t purpose = {0};
    sts__pg_text_param(&purpose, key->purpose);
    /* Replicas rotating at once take turns, so each retires the key the one before it made. */
    if (sts__pg_command(conn, "SELECT pg_advisory_xact_lock(hashtext('sts-key:' || $1))", &purpose,
                        "adding a signing key", error, error_size) != 0)
        return STS_STORE_ERROR;
    sts__pg_params_t retire = {0};
    sts__pg_int_param(&retire, key->created_time);
    sts__pg_int_param(&retire, key->created_time + verify_for_us);
    sts__pg_text_param(&retire, key->purpose);
    if (sts__pg_command(conn,
                        "UPDATE service_keys SET retired_time = $1, verify_until = $2 WHERE retired_time = 0"
                        " AND purpose = $3",
                        &retire, "adding a signing key", error, error_size) != 0)
        return STS_STORE_ERROR;
    sts__pg_params_t p = {0};
    sts__pg_text_param(&p, key->kid);
    sts__pg_text_param(&p, key->algorithm);
    sts__pg_bytes_param(&p, key->sealed_private, key->sealed_private_len);
    sts__pg_int_param(&p, key->created_time);
    sts__pg_text_param(&p, key->purpose);
    sts_store_result_t result =
        sts__pg_insert(conn,
                       "INSERT INTO service_keys (kid, algorithm, sealed_private, created_time,"
                       " retired_time, verify_until, purpose) VALUES ($1, $2, $3, $4, 0, 0, $5)",
                       &p, "adding a signing key", error, error_size);
    if (result == STS_STORE_EXISTS && error != NULL)
        snprintf(error, error_size, "a signing key with kid %s is already stored", key->kid);
    if (result == STS_STORE_OK)
        sts__pg_announce(conn, "keys", key->purpose);
    *commit = result == STS_STORE_OK;
    return result;
}

sts_store_result_t sts__pg_key_add(sts_store_t *self, const sts_key_record_t *key, int64_t verify_for_us, char *error,
                                   size_t error_size)
{
    addition_t addition = {key, verify_for_us};
    return sts__pg_transaction((sts__pg_store_t *)self, "adding a signing key", add_with, &addition, error, error_size);
}

static void read_key(const PGresult *r, int row, sts_arena_t *arena, sts_key_record_t *out)
{
    memset(out, 0, sizeof(*out));
    out->kid = sts__pg_string(r, row, 0, arena);
    out->algorithm = sts__pg_string(r, row, 1, arena);
    size_t len = 0;
    uint8_t *sealed = sts__pg_bytes(r, row, 2, arena, &len);
    out->sealed_private = sealed != NULL ? sealed : (const uint8_t *)"";
    out->sealed_private_len = len;
    out->created_time = sts__pg_int(r, row, 3);
    out->retired_time = sts__pg_int(r, row, 4);
    out->verify_until = sts__pg_int(r, row, 5);
    out->purpose = sts__pg_string(r, row, 6, arena);
}

sts_store_result_t sts__pg_key_list(sts_store_t *self, const char *purpose, int64_t now, sts_arena_t *arena,
                                    sts_key_record_t **out, size_t *count, char *error, size_t error_size)
{
    *out = NULL;
    *count = 0;
    sts__pg_store_t *store = (sts__pg_store_t *)self;
    PGconn *conn = sts__pg_borrow(store, error, error_size);
    if (conn == NULL)
        return STS_STORE_ERROR;
    sts__pg_params_t p = {0};
    sts__pg_int_param(&p, now);
    sts__pg_text_param(&p, purpose);
    PGresult *result = sts__pg_exec(conn,
                                    "SELECT kid, algorithm, sealed_private, created_time, retired_time, verify_until,"
                                    " purpose FROM service_keys WHERE purpose = $2 AND (verify_until = 0 OR"
                                    " verify_until > $1) ORDER BY created_time DESC, kid DESC",
                                    &p, "listing signing keys", error, error_size, NULL);
    sts__pg_give_back(store, conn);
    if (result == NULL)
        return STS_STORE_ERROR;
    int rows = sts_pq.ntuples(result);
    *out = sts_arena_calloc(arena, (size_t)(rows > 0 ? rows : 1) * sizeof(sts_key_record_t));
    for (int row = 0; row < rows; row++)
        read_key(result, row, arena, &(*out)[(*count)++]);
    sts_pq.clear(result);
    return STS_STORE_OK;
}

sts_store_result_t sts__pg_key_prune(sts_store_t *self, int64_t now, char *error, size_t error_size)
{
    return sts__pg_run((sts__pg_store_t *)self,
                       "DELETE FROM service_keys WHERE retired_time != 0 AND verify_until <= $1", now,
                       "pruning signing keys", error, error_size);
}
