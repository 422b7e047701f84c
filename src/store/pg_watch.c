/*
 * The PostgreSQL store's watch: one connection of its own LISTENs on the change channel, and a thread turns each
 * notification into a call of the watcher's function, so that every replica's caches drop what another changed.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "store/pg_internal.h"
#include "util/log.h"

enum { POLL_MS = 200 };

static const struct {
    const char *kind;
    sts_store_change_t change;
} kinds[] = {{"users", STS_STORE_CHANGED_USERS},
             {"clients", STS_STORE_CHANGED_CLIENTS},
             {"denied", STS_STORE_CHANGED_DENIED_TOKENS},
             {"keys", STS_STORE_CHANGED_KEYS}};

/* Sleeps ms in short slices, returning early when the watch is stopped. */
static void pause_ms(sts__pg_store_t *store, int ms)
{
    for (int slept = 0; slept < ms && !atomic_load(&store->stop_watching); slept += 50) {
        struct timespec slice = {0, 50 * 1000000L};
        nanosleep(&slice, NULL);
    }
}

static PGconn *listen_again(sts__pg_store_t *store)
{
    char error[512];
    PGconn *conn = sts__pg_connect(store, error, sizeof(error));
    if (conn != NULL &&
        sts__pg_command(conn, "LISTEN " STS__PG_CHANNEL, NULL, "listening for changes", error, sizeof(error)) != 0) {
        sts_pq.finish(conn);
        conn = NULL;
    }
    if (conn == NULL)
        sts_log_warn("%s; caches of other replicas' changes expire on their own meanwhile", error);
    return conn;
}

/* Hands every pending notification to the watcher: tokens one by one, the other kinds once each. */
static void deliver(sts__pg_store_t *store, PGconn *conn)
{
    unsigned seen = 0;
    PGnotify *note;
    while ((note = sts_pq.notifies(conn)) != NULL) {
        if (strncmp(note->extra, "token:", 6) == 0)
            store->watch_fn(store->watch_arg, STS_STORE_CHANGED_ACCESS_TOKEN, note->extra + 6);
        size_t kind_len = strcspn(note->extra, ":");
        for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
            if (strlen(kinds[i].kind) == kind_len && strncmp(note->extra, kinds[i].kind, kind_len) == 0)
                seen |= 1u << i;
        }
        sts_pq.freemem(note);
    }
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (seen & (1u << i))
            store->watch_fn(store->watch_arg, kinds[i].change, NULL);
    }
}

static void *watch_loop(void *arg)
{
    sts__pg_store_t *store = arg;
    PGconn *conn = listen_again(store);
    int backoff_ms = 0;
    while (!atomic_load(&store->stop_watching)) {
        if (conn == NULL) {
            backoff_ms = sts__pg_next_backoff_ms(backoff_ms);
            pause_ms(store, backoff_ms);
            if ((conn = listen_again(store)) != NULL) {
                sts_log_info("database: listening for other replicas' changes again");
                /* What was announced while the connection was down is lost: every cache starts afresh. */
                store->watch_fn(store->watch_arg, STS_STORE_CHANGED_EVERYTHING, NULL);
                backoff_ms = 0;
            }
            continue;
        }
        struct pollfd ready = {.fd = sts_pq.socket(conn), .events = POLLIN};
        if (poll(&ready, 1, POLL_MS) <= 0)
            continue;
        if (!sts_pq.consumeInput(conn) || sts_pq.status(conn) != CONNECTION_OK) {
            sts_log_warn("database: the connection that listens for changes broke: %s", sts_pq.errorMessage(conn));
            sts_pq.finish(conn);
            conn = NULL;
            continue;
        }
        deliver(store, conn);
    }
    sts_pq.finish(conn);
    return NULL;
}

int sts__pg_watch(sts_store_t *self, sts_store_watch_fn fn, void *arg, char *error, size_t error_size)
{
    sts__pg_store_t *store = (sts__pg_store_t *)self;
    store->watch_fn = fn;
    store->watch_arg = arg;
    atomic_store(&store->stop_watching, 0);
    if (pthread_create(&store->watcher, NULL, watch_loop, store) != 0) {
        snprintf(error, error_size, "database: cannot start the thread that listens for changes");
        return -1;
    }
    store->watching = 1;
    return 0;
}

void sts__pg_unwatch(sts_store_t *self)
{
    sts__pg_store_t *store = (sts__pg_store_t *)self;
    if (!store->watching)
        return;
    atomic_store(&store->stop_watching, 1);
    pthread_join(store->watcher, NULL);
    store->watching = 0;
}
