/* The login throttle's counters in the PostgreSQL store, so that every replica counts the same failures. */
#include <string.h>
#include "store/pg_internal.h"

sts_store_result_t sts__pg_login_failure_add(sts_store_t *self, const char *key, int64_t now_ms, int *failures,
                                             char *error, size_t error_size)
{
    *failures = 0;
    sts__pg_store_t *store = (sts__pg_store_t *)self;
    PGconn *conn = sts__pg_borrow(store, error, error_size);
    if (conn == NULL)
        return STS_STORE_ERROR;
    sts__pg_params_t p = {0};
    sts__pg_text_param(&p, key);
    sts__pg_int_param(&p, now_ms);
    /* One statement: replicas counting at once each add one, and each gets the count its own addition made. */
    PGresult *result = sts__pg_exec(conn,
                                    "INSERT INTO login_failures (key, failures, last_ms) VALUES ($1, 1, $2)"
                                    " ON CONFLICT (key) DO UPDATE SET failures = login_failures.failures + 1,"
                                    " last_ms = greatest(login_failures.last_ms, excluded.last_ms) RETURNING failures",
                                    &p, "counting a failed login", error, error_size, NULL);
    sts__pg_give_back(store, conn);
    if (result == NULL)
        return STS_STORE_ERROR;
    *failures = (int)sts__pg_int(result, 0, 0);
    sts_pq.clear(result);
    return STS_STORE_OK;
}

sts_store_result_t sts__pg_login_failure_get(sts_store_t *self, const char *key, int *failures, int64_t *last_ms,
                                             char *error, size_t error_size)
{
    *failures = 0;
    *last_ms = 0;
    sts__pg_store_t *store = (sts__pg_store_t *)self;
    PGconn *conn = sts__pg_borrow(store, error, error_size);
    if (conn == NULL)
        return STS_STORE_ERROR;
    sts__pg_params_t p = {0};
    sts__pg_text_param(&p, key);
    PGresult *result = sts__pg_exec(conn, "SELECT failures, last_ms FROM login_failures WHERE key = $1", &p,
                                    "reading failed logins", error, error_size, NULL);
    sts__pg_give_back(store, conn);
    if (result == NULL)
        return STS_STORE_ERROR;
    sts_store_result_t found = sts_pq.ntuples(result) == 1 ? STS_STORE_OK : STS_STORE_NOT_FOUND;
    if (found == STS_STORE_OK) {
        *failures = (int)sts__pg_int(result, 0, 0);
        *last_ms = sts__pg_int(result, 0, 1);
    }
    sts_pq.clear(result);
    return found;
}

sts_store_result_t sts__pg_login_failure_clear(sts_store_t *self, const char *key, char *error, size_t error_size)
{
    sts_store_result_t result = sts__pg_change_one((sts__pg_store_t *)self, "DELETE FROM login_failures WHERE key = $1",
                                                   key, NULL, NULL, "forgetting failed logins", error, error_size);
    return result == STS_STORE_NOT_FOUND ? STS_STORE_OK : result;
}

sts_store_result_t sts__pg_login_failure_prune(sts_store_t *self, int64_t before_ms, char *error, size_t error_size)
{
    return sts__pg_run((sts__pg_store_t *)self, "DELETE FROM login_failures WHERE last_ms < $1", before_ms,
                       "pruning failed-login counters", error, error_size);
}
