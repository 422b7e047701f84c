/* What the PostgreSQL store's files share: the store object, borrowed connections, parameters, results, errors. */
#ifndef STS_STORE_PG_INTERNAL_H
#define STS_STORE_PG_INTERNAL_H
#include "dynload/pq.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "store/pg_store.h"
#include "store/store.h"

/** Connections kept open for reuse. */
#define STS__PG_MAX_IDLE_CONNECTIONS 32
/** Most parameters of one statement. */
#define STS__PG_MAX_PARAMS 20

/** The PostgreSQL store; base comes first so an sts_store_t * is one of these. */
typedef struct {
    sts_store_t base;
    char *url;
    char *password;
    char shown_url[256]; /**< the URL without its password, for messages */
    char options[64];    /**< "-c statement_timeout=N" */
    char connect_timeout[16];
    pthread_mutex_t lock; /**< guards idle, idle_count and the backoff */
    PGconn *idle[STS__PG_MAX_IDLE_CONNECTIONS];
    int idle_count;
    int64_t retry_at_ns; /**< no new connection before this (CLOCK_MONOTONIC) after a failed attempt */
    int backoff_ms;
    char last_failure[512];
    /* The watch (pg_watch.c): its thread, what it calls, and the flag that stops it. */
    pthread_t watcher;
    int watching;
    atomic_int stop_watching;
    sts_store_watch_fn watch_fn;
    void *watch_arg;
} sts__pg_store_t;

/** The parameters of one statement: text, SQL NULL, or binary bytes (bytea). */
typedef struct {
    int count;
    const char *values[STS__PG_MAX_PARAMS];
    int lengths[STS__PG_MAX_PARAMS];
    int formats[STS__PG_MAX_PARAMS];
    char numbers[STS__PG_MAX_PARAMS][24];
} sts__pg_params_t;

/** Appends a text parameter; NULL appends SQL NULL. text must outlive the statement. */
void sts__pg_text_param(sts__pg_params_t *params, const char *text);
/** Appends an integer parameter. */
void sts__pg_int_param(sts__pg_params_t *params, int64_t value);
/** Appends *value, or SQL NULL when value is NULL (a member an update leaves alone). */
void sts__pg_optional_int_param(sts__pg_params_t *params, const int64_t *value);
/** Appends 1 or 0 for *flag, or SQL NULL when flag is NULL. */
void sts__pg_optional_flag_param(sts__pg_params_t *params, const int *flag);
/** Appends a bytea parameter (len bytes, sent in binary). bytes must outlive the statement. */
void sts__pg_bytes_param(sts__pg_params_t *params, const uint8_t *bytes, size_t len);

/** The wait after another failed connection attempt: 100 ms after the first, then doubling, at most 5 s. */
int sts__pg_next_backoff_ms(int backoff_ms);

/** Opens a new connection with the store's settings; NULL with a message naming the database. */
PGconn *sts__pg_connect(sts__pg_store_t *store, char *error, size_t error_size);

/** The channel every change is announced on, and the payload's kinds ("token:<id>", "users", …). */
#define STS__PG_CHANNEL "sts_changes"

/**
 * Announces a change to every process watching the store (delivered when the transaction on conn commits, at once
 * outside one): kind is "token", "users", "clients", "denied", "keys"; key (or NULL) the token id. A failure is
 * logged, not returned: the watchers' cache lifetime still bounds how long they serve the old state.
 */
void sts__pg_announce(PGconn *conn, const char *kind, const char *key);

/** The store's watch and unwatch members (pg_watch.c). */
int sts__pg_watch(sts_store_t *self, sts_store_watch_fn fn, void *arg, char *error, size_t error_size);
void sts__pg_unwatch(sts_store_t *self);

/**
 * Lends the calling thread a connection of its own (an idle one, or a new one unless a failed attempt's backoff
 * runs); hand it back with sts__pg_give_back. Returns NULL with a message in error. Thread-safe.
 */
PGconn *sts__pg_borrow(sts__pg_store_t *store, char *error, size_t error_size);

/** Returns a borrowed connection; a broken one (or one with a transaction left open) is closed instead. */
void sts__pg_give_back(sts__pg_store_t *store, PGconn *conn);

/**
 * Runs sql with params (NULL: none) and returns its result (PQclear it), or NULL with "database: <what>: <the
 * server's primary message>" in error; sqlstate (when not NULL) receives the SQLSTATE of a failure, "" otherwise.
 * The message never carries bound values, so no secret reaches it.
 */
PGresult *sts__pg_exec(PGconn *conn, const char *sql, const sts__pg_params_t *params, const char *what, char *error,
                       size_t error_size, char sqlstate[6]);

/** Runs sql (no rows expected); 0, or -1 with the message in error. */
int sts__pg_command(PGconn *conn, const char *sql, const sts__pg_params_t *params, const char *what, char *error,
                    size_t error_size);

/** Rows a command changed, from its result. */
long sts__pg_changed(const PGresult *result);

/** Ends a transaction: COMMIT when commit is nonzero, else ROLLBACK. Returns result, or ERROR when COMMIT fails. */
sts_store_result_t sts__pg_finish(PGconn *conn, int commit, sts_store_result_t result, const char *what, char *error,
                                  size_t error_size);

/** Fills one record (of the reader's type) from row of result; strings go to arena. */
typedef void (*sts__pg_reader_t)(const PGresult *result, int row, sts_arena_t *arena, void *out);

/** One transaction's work on conn; *commit (0 on entry) says whether to keep what it did. */
typedef sts_store_result_t (*sts__pg_work_t)(PGconn *conn, void *arg, int *commit, char *error, size_t error_size);

/**
 * Borrows a connection and runs work(conn, arg) between BEGIN and COMMIT (ROLLBACK unless it set *commit), then gives
 * the connection back. Returns work's result, or ERROR with a message naming what.
 */
sts_store_result_t sts__pg_transaction(sts__pg_store_t *store, const char *what, sts__pg_work_t work, void *arg,
                                       char *error, size_t error_size);

/**
 * Runs sql, an INSERT, with params: OK, EXISTS when a unique constraint refused the row (the caller says which),
 * ERROR with a message naming what.
 */
sts_store_result_t sts__pg_insert(PGconn *conn, const char *sql, const sts__pg_params_t *params, const char *what,
                                  char *error, size_t error_size);

/**
 * Takes result (NULL: the statement failed; ERROR) and reads its first row into out (when not NULL): OK, or
 * NOT_FOUND when it has none. Clears result.
 */
sts_store_result_t sts__pg_first_row(PGresult *result, sts__pg_reader_t read, sts_arena_t *arena, void *out);

/** Column col of row as text copied into arena; "" for NULL. */
const char *sts__pg_string(const PGresult *result, int row, int col, sts_arena_t *arena);
/** Column col of row as an integer; 0 for NULL. */
int64_t sts__pg_int(const PGresult *result, int row, int col);
/**
 * Column col of row (bytea) decoded into arena; *len receives its length. NULL (and *len 0) for SQL NULL or
 * undecodable text.
 */
uint8_t *sts__pg_bytes(const PGresult *result, int row, int col, sts_arena_t *arena, size_t *len);
/** Copies a bytea column that must be exactly size bytes into out; 0, or -1 (out zeroed) when it is not. */
int sts__pg_fixed_bytes(const PGresult *result, int row, int col, uint8_t *out, size_t size);

/**
 * Runs sql, a query with $1 bound to key, on conn and reads its first row into out: OK, NOT_FOUND when there is no
 * row, ERROR with a message naming what.
 */
sts_store_result_t sts__pg_get_one(PGconn *conn, const char *sql, const char *key, sts__pg_reader_t read,
                                   sts_arena_t *arena, void *out, const char *what, char *error, size_t error_size);

/**
 * Keyset paging: borrows a connection and runs sql, a query with $1 bound to after ("" for NULL) and $2 to
 * limit + 1, ordered by its key. As sts__sqlite_list_after: up to limit records into an arena array, *more.
 */
sts_store_result_t sts__pg_list_after(sts__pg_store_t *store, const char *sql, const char *after, int limit,
                                      sts__pg_reader_t read, size_t record_size, sts_arena_t *arena, void **out,
                                      size_t *count, int *more, const char *what, char *error, size_t error_size);

/**
 * Borrows a connection and runs sql with $1 bound to key and $2 to *value (when not NULL), a statement that changes
 * at most one row: OK when it changed one (then, unless announce is NULL, announces it: sts__pg_announce(announce,
 * key)), NOT_FOUND when none, ERROR with a message naming what.
 */
sts_store_result_t sts__pg_change_one(sts__pg_store_t *store, const char *sql, const char *key, const int64_t *value,
                                      const char *announce, const char *what, char *error, size_t error_size);

/** Borrows a connection and runs sql with $1 bound to value: OK, or ERROR with a message naming what. */
sts_store_result_t sts__pg_run(sts__pg_store_t *store, const char *sql, int64_t value, const char *what, char *error,
                               size_t error_size);

/** Applies pending migrations in one transaction under an advisory lock. Returns 0, or -1 with a message. */
int sts__pg_migrate(PGconn *conn, char *error, size_t error_size);

/** "23505": a unique constraint refused the row. */
#define STS__PG_UNIQUE_VIOLATION "23505"

/* The members of sts_store_t; contracts in store/store.h. */

sts_store_result_t sts__pg_token_create(sts_store_t *self, const sts_token_record_t *record, int max_per_user,
                                        char *error, size_t error_size);
sts_store_result_t sts__pg_token_get(sts_store_t *self, const char *id, sts_arena_t *arena, sts_token_record_t *out,
                                     char *error, size_t error_size);
sts_store_result_t sts__pg_token_list(sts_store_t *self, const sts_store_filter_t *filter, const char *after, int limit,
                                      sts_arena_t *arena, sts_token_record_t **out, size_t *count, int *more,
                                      char *error, size_t error_size);
sts_store_result_t sts__pg_token_update(sts_store_t *self, const char *id, const int *enabled,
                                        const int64_t *expiration_time, sts_arena_t *arena, sts_token_record_t *out,
                                        char *error, size_t error_size);
sts_store_result_t sts__pg_token_remove(sts_store_t *self, const char *id, char *error, size_t error_size);
sts_store_result_t sts__pg_token_touch(sts_store_t *self, const char *id, int64_t last_used_time);
long long sts__pg_token_count(sts_store_t *self);

sts_store_result_t sts__pg_user_create(sts_store_t *self, const sts_user_record_t *record, char *error,
                                       size_t error_size);
sts_store_result_t sts__pg_user_get(sts_store_t *self, const char *id, const char *username, sts_arena_t *arena,
                                    sts_user_record_t *out, char *error, size_t error_size);
sts_store_result_t sts__pg_user_list(sts_store_t *self, const char *after, int limit, sts_arena_t *arena,
                                     sts_user_record_t **out, size_t *count, int *more, char *error, size_t error_size);
sts_store_result_t sts__pg_user_update(sts_store_t *self, const char *id, const sts_user_change_t *change,
                                       sts_arena_t *arena, sts_user_record_t *out, char *error, size_t error_size);
sts_store_result_t sts__pg_user_remove(sts_store_t *self, const char *id, int64_t now, char *error, size_t error_size);
sts_store_result_t sts__pg_user_removals(sts_store_t *self, const char *after, int limit, sts_arena_t *arena,
                                         sts_user_removal_t **out, size_t *count, int *more, char *error,
                                         size_t error_size);

sts_store_result_t sts__pg_client_create(sts_store_t *self, const sts_client_record_t *record, char *error,
                                         size_t error_size);
sts_store_result_t sts__pg_client_get(sts_store_t *self, const char *client_id, sts_arena_t *arena,
                                      sts_client_record_t *out, char *error, size_t error_size);
sts_store_result_t sts__pg_client_list(sts_store_t *self, const char *after, int limit, sts_arena_t *arena,
                                       sts_client_record_t **out, size_t *count, int *more, char *error,
                                       size_t error_size);
sts_store_result_t sts__pg_client_update(sts_store_t *self, const char *client_id, const sts_client_change_t *change,
                                         sts_arena_t *arena, sts_client_record_t *out, char *error, size_t error_size);
sts_store_result_t sts__pg_client_remove(sts_store_t *self, const char *client_id, char *error, size_t error_size);

sts_store_result_t sts__pg_key_add(sts_store_t *self, const sts_key_record_t *key, int64_t verify_for_us, char *error,
                                   size_t error_size);
sts_store_result_t sts__pg_key_list(sts_store_t *self, const char *purpose, int64_t now, sts_arena_t *arena,
                                    sts_key_record_t **out, size_t *count, char *error, size_t error_size);
sts_store_result_t sts__pg_key_prune(sts_store_t *self, int64_t now, char *error, size_t error_size);

sts_store_result_t sts__pg_refresh_create(sts_store_t *self, const sts_refresh_record_t *record, char *error,
                                          size_t error_size);
sts_store_result_t sts__pg_refresh_rotate(sts_store_t *self, const char *id, const uint8_t hmac[32], int64_t now,
                                          int64_t grace_us, const sts_refresh_record_t *next, sts_arena_t *arena,
                                          sts_refresh_record_t *old, char *error, size_t error_size);
sts_store_result_t sts__pg_refresh_revoke(sts_store_t *self, const char *id, const uint8_t hmac[32], char *error,
                                          size_t error_size);
sts_store_result_t sts__pg_refresh_find(sts_store_t *self, const char *id, const uint8_t hmac[32], const int64_t *now,
                                        sts_arena_t *arena, sts_refresh_record_t *out, char *error, size_t error_size);
sts_store_result_t sts__pg_refresh_prune(sts_store_t *self, int64_t now, char *error, size_t error_size);

sts_store_result_t sts__pg_login_failure_add(sts_store_t *self, const char *key, int64_t now_ms, int *failures,
                                             char *error, size_t error_size);
sts_store_result_t sts__pg_login_failure_get(sts_store_t *self, const char *key, int *failures, int64_t *last_ms,
                                             char *error, size_t error_size);
sts_store_result_t sts__pg_login_failure_clear(sts_store_t *self, const char *key, char *error, size_t error_size);
sts_store_result_t sts__pg_login_failure_prune(sts_store_t *self, int64_t before_ms, char *error, size_t error_size);

sts_store_result_t sts__pg_token_deny(sts_store_t *self, const sts_denied_token_t *token, char *error,
                                      size_t error_size);
sts_store_result_t sts__pg_denied_tokens(sts_store_t *self, const char *after, int limit, sts_arena_t *arena,
                                         sts_denied_token_t **out, size_t *count, int *more, char *error,
                                         size_t error_size);
sts_store_result_t sts__pg_denied_tokens_prune(sts_store_t *self, int64_t now, char *error, size_t error_size);

#endif
