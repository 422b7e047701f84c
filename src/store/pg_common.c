/* The PostgreSQL store's plumbing: connections lent per thread, parameters, results and error messages. */
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/pg_internal.h"
#include "util/log.h"
#include "util/timefmt.h"

enum { FIRST_BACKOFF_MS = 100, MAX_BACKOFF_MS = 5000 };

int sts__pg_next_backoff_ms(int backoff_ms)
{
    return backoff_ms == 0 ? FIRST_BACKOFF_MS : backoff_ms * 2 > MAX_BACKOFF_MS ? MAX_BACKOFF_MS : backoff_ms * 2;
}

void sts__pg_text_param(sts__pg_params_t *p, const char *text)
{
    p->values[p->count] = text;
    p->lengths[p->count] = 0;
    p->formats[p->count] = 0;
    p->count++;
}

void sts__pg_int_param(sts__pg_params_t *p, int64_t value)
{
    snprintf(p->numbers[p->count], sizeof(p->numbers[p->count]), "%" PRId64, value);
    sts__pg_text_param(p, p->numbers[p->count]);
}

void sts__pg_optional_int_param(sts__pg_params_t *p, const int64_t *value)
{
    if (value != NULL)
        sts__pg_int_param(p, *value);
    else
        sts__pg_text_param(p, NULL);
}

void sts__pg_optional_flag_param(sts__pg_params_t *p, const int *flag)
{
    int64_t value = flag != NULL && *flag != 0;
    sts__pg_optional_int_param(p, flag != NULL ? &value : NULL);
}

void sts__pg_bytes_param(sts__pg_params_t *p, const uint8_t *bytes, size_t len)
{
    /* A zero-length value must not be a NULL pointer, or libpq sends SQL NULL. */
    p->values[p->count] = bytes != NULL ? (const char *)bytes : "";
    p->lengths[p->count] = (int)len;
    p->formats[p->count] = 1;
    p->count++;
}

/* The first line of a libpq message, which is all a caller needs (the rest repeats context). */
static void first_line(const char *message, char *out, size_t size)
{
    size_t len = strcspn(message != NULL ? message : "", "\n");
    snprintf(out, size, "%.*s", (int)len, message != NULL ? message : "");
}

PGconn *sts__pg_connect(sts__pg_store_t *store, char *error, size_t error_size)
{
    const char *keys[6], *values[6];
    int n = 0;
    keys[n] = "dbname"; /* with expand_dbname, the URL itself, its sslmode and all */
    values[n++] = store->url;
    if (store->password != NULL) { /* else the URL's, or libpq's own (~/.pgpass, PGPASSWORD) */
        keys[n] = "password";
        values[n++] = store->password;
    }
    keys[n] = "options";
    values[n++] = store->options;
    keys[n] = "connect_timeout";
    values[n++] = store->connect_timeout;
    keys[n] = "application_name";
    values[n++] = "stsd";
    keys[n] = NULL;
    values[n] = NULL;
    PGconn *conn = sts_pq.connectdbParams(keys, values, 1);
    if (conn != NULL && sts_pq.status(conn) == CONNECTION_OK)
        return conn;
    char why[256];
    first_line(conn != NULL ? sts_pq.errorMessage(conn) : "out of memory", why, sizeof(why));
    sts_pq.finish(conn);
    snprintf(error, error_size, "database: cannot connect to %s: %s", store->shown_url, why);
    return NULL;
}

PGconn *sts__pg_borrow(sts__pg_store_t *store, char *error, size_t error_size)
{
    char scratch[512];
    if (error == NULL) {
        error = scratch;
        error_size = sizeof(scratch);
    }
    pthread_mutex_lock(&store->lock);
    PGconn *conn = NULL;
    while (conn == NULL && store->idle_count > 0) {
        conn = store->idle[--store->idle_count];
        /*
         * An idle session has nothing to read unless the server ended it (a restart, an administrator,
         * idle_session_timeout): it then sent an error and closed. Such a connection is dropped and the next one
         * tried, instead of failing the call.
         */
        struct pollfd said = {.fd = sts_pq.socket(conn), .events = POLLIN};
        if (sts_pq.status(conn) != CONNECTION_OK || poll(&said, 1, 0) != 0) {
            sts_pq.finish(conn);
            conn = NULL;
        }
    }
    int64_t now = sts_time_monotonic_ns();
    if (conn == NULL && now < store->retry_at_ns) {
        snprintf(error, error_size, "%s (retrying in %lld ms)", store->last_failure,
                 (long long)((store->retry_at_ns - now) / 1000000));
        pthread_mutex_unlock(&store->lock);
        return NULL;
    }
    pthread_mutex_unlock(&store->lock);
    if (conn != NULL)
        return conn;
    conn = sts__pg_connect(store, error, error_size);
    pthread_mutex_lock(&store->lock);
    if (conn == NULL) {
        /* Every thread would otherwise wait out its own connect timeout while the server is away. */
        store->backoff_ms = sts__pg_next_backoff_ms(store->backoff_ms);
        store->retry_at_ns = sts_time_monotonic_ns() + (int64_t)store->backoff_ms * 1000000;
        snprintf(store->last_failure, sizeof(store->last_failure), "%.500s", error);
    } else if (store->backoff_ms != 0) {
        store->backoff_ms = 0;
        store->retry_at_ns = 0;
        sts_log_info("database: connected to %s again", store->shown_url);
    }
    pthread_mutex_unlock(&store->lock);
    return conn;
}

void sts__pg_give_back(sts__pg_store_t *store, PGconn *conn)
{
    if (conn == NULL)
        return;
    if (sts_pq.status(conn) != CONNECTION_OK || sts_pq.transactionStatus(conn) != PQTRANS_IDLE) {
        sts_pq.finish(conn);
        return;
    }
    pthread_mutex_lock(&store->lock);
    if (store->idle_count < STS__PG_MAX_IDLE_CONNECTIONS) {
        store->idle[store->idle_count++] = conn;
        conn = NULL;
    }
    pthread_mutex_unlock(&store->lock);
    sts_pq.finish(conn);
}

PGresult *sts__pg_exec(PGconn *conn, const char *sql, const sts__pg_params_t *params, const char *what, char *error,
                       size_t error_size, char sqlstate[6])
{
    if (sqlstate != NULL)
        sqlstate[0] = '\0';
    /* Without parameters, PQexec: it also runs several statements at once (BEGIN with a lock, a migration). */
    PGresult *result = params == NULL ? sts_pq.exec(conn, sql)
                                      : sts_pq.execParams(conn, sql, params->count, NULL, params->values,
                                                          params->lengths, params->formats, 0);
    ExecStatusType status = sts_pq.resultStatus(result);
    if (result != NULL && (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK))
        return result;
    /* The primary message only: DETAIL can quote a row's values. */
    const char *primary = result != NULL ? sts_pq.resultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char why[256];
    first_line(primary != NULL ? primary : sts_pq.errorMessage(conn), why, sizeof(why));
    if (sqlstate != NULL && result != NULL && sts_pq.resultErrorField(result, PG_DIAG_SQLSTATE) != NULL)
        snprintf(sqlstate, 6, "%s", sts_pq.resultErrorField(result, PG_DIAG_SQLSTATE));
    if (error != NULL && sts_pq.status(conn) != CONNECTION_OK)
        snprintf(error, error_size, "database at %s:%s: %s: %s", sts_pq.host(conn), sts_pq.port(conn), what,
                 why[0] != '\0' ? why : "the connection failed");
    else if (error != NULL)
        snprintf(error, error_size, "database: %s: %s", what, why[0] != '\0' ? why : "the connection failed");
    sts_pq.clear(result);
    return NULL;
}

int sts__pg_command(PGconn *conn, const char *sql, const sts__pg_params_t *params, const char *what, char *error,
                    size_t error_size)
{
    PGresult *result = sts__pg_exec(conn, sql, params, what, error, error_size, NULL);
    sts_pq.clear(result);
    return result != NULL ? 0 : -1;
}

long sts__pg_changed(const PGresult *result)
{
    return strtol(sts_pq.cmdTuples((PGresult *)result), NULL, 10);
}

sts_store_result_t sts__pg_finish(PGconn *conn, int commit, sts_store_result_t result, const char *what, char *error,
                                  size_t error_size)
{
    if (!commit) {
        sts_pq.clear(sts_pq.exec(conn, "ROLLBACK"));
        return result;
    }
    return sts__pg_command(conn, "COMMIT", NULL, what, error, error_size) == 0 ? result : STS_STORE_ERROR;
}

void sts__pg_announce(PGconn *conn, const char *kind, const char *key)
{
    char payload[128];
    snprintf(payload, sizeof(payload), "%s%s%s", kind, key != NULL ? ":" : "", key != NULL ? key : "");
    sts__pg_params_t params = {0};
    sts__pg_text_param(&params, payload);
    char error[512];
    if (sts__pg_command(conn, "SELECT pg_notify('" STS__PG_CHANNEL "', $1)", &params, "announcing a change", error,
                        sizeof(error)) != 0)
        sts_log_warn("%s; other replicas see it when their caches expire", error);
}

sts_store_result_t sts__pg_transaction(sts__pg_store_t *store, const char *what, sts__pg_work_t work, void *arg,
                                       char *error, size_t error_size)
{
    PGconn *conn = sts__pg_borrow(store, error, error_size);
    if (conn == NULL)
        return STS_STORE_ERROR;
    sts_store_result_t result = STS_STORE_ERROR;
    if (sts__pg_command(conn, "BEGIN", NULL, what, error, error_size) == 0) {
        int commit = 0;
        result = work(conn, arg, &commit, error, error_size);
        result = sts__pg_finish(conn, commit, result, what, error, error_size);
    }
    sts__pg_give_back(store, conn);
    return result;
}

sts_store_result_t sts__pg_insert(PGconn *conn, const char *sql, const sts__pg_params_t *params, const char *what,
                                  char *error, size_t error_size)
{
    char state[6];
    PGresult *result = sts__pg_exec(conn, sql, params, what, error, error_size, state);
    sts_pq.clear(result);
    if (result != NULL)
        return STS_STORE_OK;
    return strcmp(state, STS__PG_UNIQUE_VIOLATION) == 0 ? STS_STORE_EXISTS : STS_STORE_ERROR;
}

sts_store_result_t sts__pg_first_row(PGresult *result, sts__pg_reader_t read, sts_arena_t *arena, void *out)
{
    if (result == NULL)
        return STS_STORE_ERROR;
    sts_store_result_t found = sts_pq.ntuples(result) > 0 ? STS_STORE_OK : STS_STORE_NOT_FOUND;
    if (found == STS_STORE_OK && out != NULL)
        read(result, 0, arena, out);
    sts_pq.clear(result);
    return found;
}

const char *sts__pg_string(const PGresult *result, int row, int col, sts_arena_t *arena)
{
    if (sts_pq.getisnull(result, row, col))
        return "";
    return sts_arena_strdup(arena, sts_pq.getvalue(result, row, col));
}

int64_t sts__pg_int(const PGresult *result, int row, int col)
{
    return sts_pq.getisnull(result, row, col) ? 0 : strtoll(sts_pq.getvalue(result, row, col), NULL, 10);
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

uint8_t *sts__pg_bytes(const PGresult *result, int row, int col, sts_arena_t *arena, size_t *len)
{
    *len = 0;
    if (sts_pq.getisnull(result, row, col))
        return NULL;
    /* Text results carry bytea in the hex format (bytea_output = hex, set on every connection): "\x0a1b…". */
    const char *text = sts_pq.getvalue(result, row, col);
    size_t text_len = (size_t)sts_pq.getlength(result, row, col);
    if (text_len < 2 || text[0] != '\\' || text[1] != 'x' || (text_len - 2) % 2 != 0)
        return NULL;
    size_t n = (text_len - 2) / 2;
    uint8_t *out = sts_arena_alloc(arena, n + 1);
    for (size_t i = 0; i < n; i++) {
        int high = hex_digit(text[2 + 2 * i]), low = hex_digit(text[3 + 2 * i]);
        if (high < 0 || low < 0)
            return NULL;
        out[i] = (uint8_t)(high << 4 | low);
    }
    *len = n;
    return out;
}

int sts__pg_fixed_bytes(const PGresult *result, int row, int col, uint8_t *out, size_t size)
{
    sts_arena_t arena;
    sts_arena_init(&arena);
    size_t len = 0;
    uint8_t *bytes = sts__pg_bytes(result, row, col, &arena, &len);
    int ok = bytes != NULL && len == size;
    if (ok)
        memcpy(out, bytes, size);
    else
        memset(out, 0, size);
    sts_arena_dispose(&arena);
    return ok ? 0 : -1;
}

sts_store_result_t sts__pg_get_one(PGconn *conn, const char *sql, const char *key, sts__pg_reader_t read,
                                   sts_arena_t *arena, void *out, const char *what, char *error, size_t error_size)
{
    sts__pg_params_t params = {0};
    sts__pg_text_param(&params, key);
    return sts__pg_first_row(sts__pg_exec(conn, sql, &params, what, error, error_size, NULL), read, arena, out);
}

sts_store_result_t sts__pg_list_after(sts__pg_store_t *store, const char *sql, const char *after, int limit,
                                      sts__pg_reader_t read, size_t record_size, sts_arena_t *arena, void **out,
                                      size_t *count, int *more, const char *what, char *error, size_t error_size)
{
    *out = sts_arena_calloc(arena, (size_t)(limit + 1) * record_size);
    *count = 0;
    *more = 0;
    PGconn *conn = sts__pg_borrow(store, error, error_size);
    if (conn == NULL)
        return STS_STORE_ERROR;
    sts__pg_params_t params = {0};
    sts__pg_text_param(&params, after != NULL ? after : "");
    sts__pg_int_param(&params, (int64_t)limit + 1); /* one extra row says whether another page exists */
    PGresult *result = sts__pg_exec(conn, sql, &params, what, error, error_size, NULL);
    sts__pg_give_back(store, conn);
    if (result == NULL)
        return STS_STORE_ERROR;
    int rows = sts_pq.ntuples(result);
    *more = rows > limit;
    for (int row = 0; row < rows && row < limit; row++)
        read(result, row, arena, (char *)*out + (size_t)row * record_size);
    *count = (size_t)(rows < limit ? rows : limit);
    sts_pq.clear(result);
    return STS_STORE_OK;
}

sts_store_result_t sts__pg_change_one(sts__pg_store_t *store, const char *sql, const char *key, const int64_t *value,
                                      const char *announce, const char *what, char *error, size_t error_size)
{
    PGconn *conn = sts__pg_borrow(store, error, error_size);
    if (conn == NULL)
        return STS_STORE_ERROR;
    sts__pg_params_t params = {0};
    sts__pg_text_param(&params, key);
    if (value != NULL)
        sts__pg_int_param(&params, *value);
    PGresult *result = sts__pg_exec(conn, sql, &params, what, error, error_size, NULL);
    sts_store_result_t changed = result == NULL                 ? STS_STORE_ERROR
                                 : sts__pg_changed(result) == 1 ? STS_STORE_OK
                                                                : STS_STORE_NOT_FOUND;
    sts_pq.clear(result);
    if (changed == STS_STORE_OK && announce != NULL)
        sts__pg_announce(conn, announce, key);
    sts__pg_give_back(store, conn);
    return changed;
}

sts_store_result_t sts__pg_run(sts__pg_store_t *store, const char *sql, int64_t value, const char *what, char *error,
                               size_t error_size)
{
    PGconn *conn = sts__pg_borrow(store, error, error_size);
    if (conn == NULL)
        return STS_STORE_ERROR;
    sts__pg_params_t params = {0};
    sts__pg_int_param(&params, value);
    int rc = sts__pg_command(conn, sql, &params, what, error, error_size);
    sts__pg_give_back(store, conn);
    return rc == 0 ? STS_STORE_OK : STS_STORE_ERROR;
}
