/* What the SQLite store's files share: borrowed connections (threads never share one), transactions, queries. */
#include <stdio.h>
#include <time.h>
#include "store/sqlite_internal.h"

#define BUSY_TIMEOUT_MS 5000

/*
 * SQLite's own busy timeout sleeps 1, 2, 5, 10 ms and longer between tries. The writers that contend here are this
 * process's worker threads, whose transactions take well under a millisecond, so short sleeps find the lock free far
 * sooner: 50 us doubling to at most 1 ms, for BUSY_TIMEOUT_MS in all. Returns nonzero to try again.
 */
static int wait_for_writer(void *unused, int tries)
{
    (void)unused;
    static const long step_us[] = {50, 100, 200, 400, 800};
    long sleep_us = tries < 5 ? step_us[tries] : 1000;
    long waited_us = tries > 5 ? (long)(tries - 5) * 1000 : 0;
    for (int i = 0; i < tries && i < 5; i++)
        waited_us += step_us[i];
    if (waited_us >= BUSY_TIMEOUT_MS * 1000L)
        return 0;
    struct timespec pause = {0, sleep_us * 1000};
    nanosleep(&pause, NULL);
    return 1;
}

void sts__sqlite_fail(sqlite3 *db, const char *what, char *error, size_t error_size)
{
    if (error != NULL)
        snprintf(error, error_size, "database: %s: %s", what, db != NULL ? sqlite3_errmsg(db) : "cannot open");
}

sqlite3 *sts__sqlite_connect(const char *path, char *error, size_t error_size)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        sts__sqlite_fail(db, path, error, error_size);
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_handler(db, wait_for_writer, NULL);
    if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", NULL, NULL,
                     NULL) != SQLITE_OK) {
        sts__sqlite_fail(db, "setting WAL mode", error, error_size);
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

sqlite3 *sts__sqlite_borrow(sts__sqlite_store_t *store, char *error, size_t error_size)
{
    pthread_mutex_lock(&store->lock);
    sqlite3 *db = store->idle_count > 0 ? store->idle[--store->idle_count] : NULL;
    pthread_mutex_unlock(&store->lock);
    return db != NULL ? db : sts__sqlite_connect(store->path, error, error_size);
}

void sts__sqlite_give_back(sts__sqlite_store_t *store, sqlite3 *db)
{
    pthread_mutex_lock(&store->lock);
    if (store->idle_count < STS__SQLITE_MAX_IDLE_CONNECTIONS) {
        store->idle[store->idle_count++] = db;
        db = NULL;
    }
    pthread_mutex_unlock(&store->lock);
    sqlite3_close(db);
}

const char *sts__sqlite_text(sqlite3_stmt *stmt, int column, sts_arena_t *arena)
{
    const unsigned char *text = sqlite3_column_text(stmt, column);
    return sts_arena_strdup(arena, text != NULL ? (const char *)text : "");
}

int sts__sqlite_begin(sts__sqlite_store_t *store, sqlite3 *db, const char *what, char *error, size_t error_size)
{
    pthread_mutex_lock(&store->writer);
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK)
        return 0;
    pthread_mutex_unlock(&store->writer);
    sts__sqlite_fail(db, what, error, error_size);
    return -1;
}

sts_store_result_t sts__sqlite_finish(sts__sqlite_store_t *store, sqlite3 *db, int commit, sts_store_result_t result,
                                      const char *what, char *error, size_t error_size)
{
    if (commit && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        sts__sqlite_fail(db, what, error, error_size);
        commit = 0;
        result = STS_STORE_ERROR;
    }
    /* After a failed statement SQLite may already have rolled back; a second ROLLBACK then fails harmlessly. */
    if (!commit)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    pthread_mutex_unlock(&store->writer);
    return result;
}

sts_store_result_t sts__sqlite_change_one(sts__sqlite_store_t *store, const char *sql, const char *key,
                                          const int64_t *value, const char *what, char *error, size_t error_size)
{
    sqlite3 *db = sts__sqlite_borrow(store, error, error_size);
    if (db == NULL)
        return STS_STORE_ERROR;
    sqlite3_stmt *stmt = NULL;
    sts_store_result_t result = STS_STORE_ERROR;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
        if (value != NULL)
            sqlite3_bind_int64(stmt, 2, *value);
        if (sqlite3_step(stmt) == SQLITE_DONE)
            result = sqlite3_changes(db) == 1 ? STS_STORE_OK : STS_STORE_NOT_FOUND;
    }
    if (result == STS_STORE_ERROR)
        sts__sqlite_fail(db, what, error, error_size);
    sqlite3_finalize(stmt);
    sts__sqlite_give_back(store, db);
    return result;
}

sts_store_result_t sts__sqlite_get_one(sqlite3 *db, const char *sql, const char *key, sts__sqlite_reader_t read,
                                       sts_arena_t *arena, void *out, const char *what, char *error, size_t error_size)
{
    sqlite3_stmt *stmt = NULL;
    sts_store_result_t result = STS_STORE_ERROR;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC) == SQLITE_OK) {
        int step = sqlite3_step(stmt);
        if (step == SQLITE_ROW) {
            read(stmt, arena, out);
            result = STS_STORE_OK;
        } else if (step == SQLITE_DONE) {
            result = STS_STORE_NOT_FOUND;
        }
    }
    if (result == STS_STORE_ERROR)
        sts__sqlite_fail(db, what, error, error_size);
    sqlite3_finalize(stmt);
    return result;
}

sts_store_result_t sts__sqlite_list_after(sts__sqlite_store_t *store, const char *sql, const char *after, int limit,
                                          sts__sqlite_reader_t read, size_t record_size, sts_arena_t *arena, void **out,
                                          size_t *count, int *more, const char *what, char *error, size_t error_size)
{
    if (limit < 0)
        limit = 0;
    *out = sts_arena_calloc(arena, (size_t)(limit + 1) * record_size);
    *count = 0;
    *more = 0;
    sqlite3 *db = sts__sqlite_borrow(store, error, error_size);
    if (db == NULL)
        return STS_STORE_ERROR;
    sqlite3_stmt *stmt = NULL;
    sts_store_result_t result = STS_STORE_ERROR;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, after != NULL ? after : "", -1, SQLITE_STATIC);
        /* One extra row says whether another page exists. */
        sqlite3_bind_int(stmt, 2, limit + 1);
        int step;
        while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
            if ((int)*count == limit) {
                *more = 1;
                break;
            }
            read(stmt, arena, (char *)*out + *count * record_size);
            (*count)++;
        }
        if (step == SQLITE_ROW || step == SQLITE_DONE)
            result = STS_STORE_OK;
    }
    if (result == STS_STORE_ERROR)
        sts__sqlite_fail(db, what, error, error_size);
    sqlite3_finalize(stmt);
    sts__sqlite_give_back(store, db);
    return result;
}

sts_store_result_t sts__sqlite_run(sts__sqlite_store_t *store, const char *sql, int64_t value, const char *what,
                                   char *error, size_t error_size)
{
    sqlite3 *db = sts__sqlite_borrow(store, error, error_size);
    if (db == NULL)
        return STS_STORE_ERROR;
    sqlite3_stmt *stmt = NULL;
    sts_store_result_t result = STS_STORE_ERROR;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_bind_int64(stmt, 1, value) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_DONE)
        result = STS_STORE_OK;
    if (result == STS_STORE_ERROR)
        sts__sqlite_fail(db, what, error, error_size);
    sqlite3_finalize(stmt);
    sts__sqlite_give_back(store, db);
    return result;
}
