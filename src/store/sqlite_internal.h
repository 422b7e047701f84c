/* What the SQLite store's files share: the store object, borrowed connections, transactions, error messages. */
#ifndef STS_STORE_SQLITE_INTERNAL_H
#define STS_STORE_SQLITE_INTERNAL_H
#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>
#include "store/store.h"

/** Connections kept open for reuse. */
#define STS__SQLITE_MAX_IDLE_CONNECTIONS 32

/** The SQLite store; base comes first so an sts_store_t * is one of these. */
typedef struct {
    sts_store_t base;
    char *path;
    pthread_mutex_t lock; /**< guards idle and idle_count */
    /**
     * Held from BEGIN IMMEDIATE to COMMIT: this process's writers queue here and are woken at once, instead of
     * polling SQLite's write lock with sleeps.
     */
    pthread_mutex_t writer;
    sqlite3 *idle[STS__SQLITE_MAX_IDLE_CONNECTIONS];
    int idle_count;
} sts__sqlite_store_t;

/**
 * Opens one connection to path: WAL, synchronous=FULL, foreign keys on, a busy timeout. Returns NULL with a message
 * in error.
 */
sqlite3 *sts__sqlite_connect(const char *path, char *error, size_t error_size);

/**
 * Lends the calling thread a connection of its own (an idle one, or a new one); hand it back with
 * sts__sqlite_give_back. Returns NULL with a message in error. Thread-safe.
 */
sqlite3 *sts__sqlite_borrow(sts__sqlite_store_t *store, char *error, size_t error_size);

/** Returns a borrowed connection (closing it when enough are idle). No transaction may be open on it. */
void sts__sqlite_give_back(sts__sqlite_store_t *store, sqlite3 *db);

/**
 * Writes "database: <what>: <SQLite's message>" to error (when not NULL). what says which operation failed; the
 * message never carries bound values, so no secret reaches it.
 */
void sts__sqlite_fail(sqlite3 *db, const char *what, char *error, size_t error_size);

/** The text in column, copied into arena; "" for NULL. */
const char *sts__sqlite_text(sqlite3_stmt *stmt, int column, sts_arena_t *arena);

/**
 * Starts a write transaction with BEGIN IMMEDIATE: it takes the write lock first, so what the transaction reads
 * stays true until it commits. Returns 0, or -1 with a message naming what.
 */
int sts__sqlite_begin(sts__sqlite_store_t *store, sqlite3 *db, const char *what, char *error, size_t error_size);

/**
 * Ends the transaction sts__sqlite_begin started: commits when commit is nonzero, else rolls back. Returns result,
 * or STS_STORE_ERROR (with a message naming what) when the commit fails.
 */
sts_store_result_t sts__sqlite_finish(sts__sqlite_store_t *store, sqlite3 *db, int commit, sts_store_result_t result,
                                      const char *what, char *error, size_t error_size);

/** NULL as "": the columns of the login tables are NOT NULL, and a record may leave a string out. */
static inline const char *sts__sqlite_or_empty(const char *text)
{
    return text != NULL ? text : "";
}

/**
 * Borrows a connection and runs sql, a statement with ?1 bound to key and ?2 to *value (when not NULL), that
 * changes at most one row: OK when it changed one, NOT_FOUND when none, ERROR with a message naming what.
 */
sts_store_result_t sts__sqlite_change_one(sts__sqlite_store_t *store, const char *sql, const char *key,
                                          const int64_t *value, const char *what, char *error, size_t error_size);

/** Borrows a connection and runs sql, one statement with ?1 bound to value: OK, or ERROR with a message naming what. */
sts_store_result_t sts__sqlite_run(sts__sqlite_store_t *store, const char *sql, int64_t value, const char *what,
                                   char *error, size_t error_size);

/** Fills one record (of the reader's type) from the current row; strings go to arena. */
typedef void (*sts__sqlite_reader_t)(sqlite3_stmt *stmt, sts_arena_t *arena, void *out);

/**
 * Runs sql, a query with ?1 bound to key, on db and reads its first row into out: OK, NOT_FOUND when there is no
 * row, ERROR with a message naming what.
 */
sts_store_result_t sts__sqlite_get_one(sqlite3 *db, const char *sql, const char *key, sts__sqlite_reader_t read,
                                       sts_arena_t *arena, void *out, const char *what, char *error, size_t error_size);

/**
 * Keyset paging: borrows a connection and runs sql, a query with ?1 bound to after ("" for NULL) and ?2 to
 * limit + 1, ordered by its key. Up to limit records of record_size bytes are read into an array allocated in arena
 * (*out, *count); *more says whether another page exists. ERROR with a message naming what.
 */
sts_store_result_t sts__sqlite_list_after(sts__sqlite_store_t *store, const char *sql, const char *after, int limit,
                                          sts__sqlite_reader_t read, size_t record_size, sts_arena_t *arena, void **out,
                                          size_t *count, int *more, const char *what, char *error, size_t error_size);

/** Applies pending migrations in one transaction. Returns 0, or -1 with a message in error. */
int sts__sqlite_migrate(sqlite3 *db, char *error, size_t error_size);

/* The members of sts_store_t for users, clients, keys and refresh tokens; contracts in store/store.h. */

sts_store_result_t sts__sqlite_user_create(sts_store_t *self, const sts_user_record_t *record, char *error,
                                           size_t error_size);
sts_store_result_t sts__sqlite_user_get(sts_store_t *self, const char *id, const char *username, sts_arena_t *arena,
                                        sts_user_record_t *out, char *error, size_t error_size);
sts_store_result_t sts__sqlite_user_list(sts_store_t *self, const char *after, int limit, sts_arena_t *arena,
                                         sts_user_record_t **out, size_t *count, int *more, char *error,
                                         size_t error_size);
sts_store_result_t sts__sqlite_user_update(sts_store_t *self, const char *id, const sts_user_change_t *change,
                                           sts_arena_t *arena, sts_user_record_t *out, char *error, size_t error_size);
sts_store_result_t sts__sqlite_user_remove(sts_store_t *self, const char *id, int64_t now, char *error,
                                           size_t error_size);
sts_store_result_t sts__sqlite_user_removals(sts_store_t *self, const char *after, int limit, sts_arena_t *arena,
                                             sts_user_removal_t **out, size_t *count, int *more, char *error,
                                             size_t error_size);

sts_store_result_t sts__sqlite_client_create(sts_store_t *self, const sts_client_record_t *record, char *error,
                                             size_t error_size);
sts_store_result_t sts__sqlite_client_get(sts_store_t *self, const char *client_id, sts_arena_t *arena,
                                          sts_client_record_t *out, char *error, size_t error_size);
sts_store_result_t sts__sqlite_client_list(sts_store_t *self, const char *after, int limit, sts_arena_t *arena,
                                           sts_client_record_t **out, size_t *count, int *more, char *error,
                                           size_t error_size);
sts_store_result_t sts__sqlite_client_update(sts_store_t *self, const char *client_id,
                                             const sts_client_change_t *change, sts_arena_t *arena,
                                             sts_client_record_t *out, char *error, size_t error_size);
sts_store_result_t sts__sqlite_client_remove(sts_store_t *self, const char *client_id, char *error, size_t error_size);

sts_store_result_t sts__sqlite_key_add(sts_store_t *self, const sts_key_record_t *key, int64_t verify_for_us,
                                       char *error, size_t error_size);
sts_store_result_t sts__sqlite_key_list(sts_store_t *self, const char *purpose, int64_t now, sts_arena_t *arena,
                                        sts_key_record_t **out, size_t *count, char *error, size_t error_size);
sts_store_result_t sts__sqlite_key_prune(sts_store_t *self, int64_t now, char *error, size_t error_size);

sts_store_result_t sts__sqlite_refresh_create(sts_store_t *self, const sts_refresh_record_t *record, char *error,
                                              size_t error_size);
sts_store_result_t sts__sqlite_refresh_rotate(sts_store_t *self, const char *id, const uint8_t hmac[32], int64_t now,
                                              int64_t grace_us, const sts_refresh_record_t *next, sts_arena_t *arena,
                                              sts_refresh_record_t *old, char *error, size_t error_size);
sts_store_result_t sts__sqlite_refresh_revoke(sts_store_t *self, const char *id, const uint8_t hmac[32], char *error,
                                              size_t error_size);
sts_store_result_t sts__sqlite_refresh_find(sts_store_t *self, const char *id, const uint8_t hmac[32],
                                            const int64_t *now, sts_arena_t *arena, sts_refresh_record_t *out,
                                            char *error, size_t error_size);
sts_store_result_t sts__sqlite_token_deny(sts_store_t *self, const sts_denied_token_t *token, char *error,
                                          size_t error_size);
sts_store_result_t sts__sqlite_denied_tokens(sts_store_t *self, const char *after, int limit, sts_arena_t *arena,
                                             sts_denied_token_t **out, size_t *count, int *more, char *error,
                                             size_t error_size);
sts_store_result_t sts__sqlite_denied_tokens_prune(sts_store_t *self, int64_t now, char *error, size_t error_size);
sts_store_result_t sts__sqlite_refresh_prune(sts_store_t *self, int64_t now, char *error, size_t error_size);

#endif
