/* Whether the service can do its job right now, as last found by the background readiness check. */
#ifndef STS_CORE_READINESS_H
#define STS_CORE_READINESS_H
#include <pthread.h>
#include <stddef.h>

/** Longest readiness message kept. */
#define STS_READINESS_MESSAGE_MAX 512

/**
 * Someone told when readiness flips (ready to not ready or back): a node the watcher owns, linked while watching.
 * changed runs on the thread calling sts_readiness_set, after the new state is in place (so it may read it), under
 * the watchers' lock: it must not block on anything that waits for readiness changes, nor watch or unwatch
 * (sts_stream_wake is the kind of thing it does).
 */
typedef struct sts_readiness_watcher_s {
    void (*changed)(void *arg);
    void *arg;
    struct sts_readiness_watcher_s *next;
} sts_readiness_watcher_t;

/**
 * Shared between the readiness thread (writer) and request threads (readers); every function is thread-safe.
 * Lifecycle: sts_readiness_init, any number of set/get, sts_readiness_dispose after all threads are done.
 */
typedef struct {
    pthread_mutex_t lock;
    int ready;
    char message[STS_READINESS_MESSAGE_MAX];
    /** An operator notice that leaves the service ready (a certificate about to expire); "" when none. */
    char notice[STS_READINESS_MESSAGE_MAX];
    /** Taken before lock, never the other way round: changed may read the readiness. */
    pthread_mutex_t watchers_lock;
    sts_readiness_watcher_t *watchers;
} sts_readiness_t;

/** Starts out ready with the message "ok". */
void sts_readiness_init(sts_readiness_t *readiness);

void sts_readiness_dispose(sts_readiness_t *readiness);

/** Records the outcome of a check; message must hold no secret. Tells every watcher when ready flips. */
void sts_readiness_set(sts_readiness_t *readiness, int ready, const char *message);

/** Returns the last outcome (non-zero: ready) and copies its message into message. */
int sts_readiness_get(sts_readiness_t *readiness, char *message, size_t message_size);

/**
 * Sets the operator notice (NULL or "" clears it): something to renew soon, which readiness probes and, later,
 * login responses report without the service becoming unready. notice must hold no secret.
 */
void sts_readiness_set_notice(sts_readiness_t *readiness, const char *notice);

/** Copies the notice into notice ("" when none); returns 1 when there is one, else 0. */
int sts_readiness_get_notice(sts_readiness_t *readiness, char *notice, size_t notice_size);

/** Starts telling watcher (owned by the caller, alive until unwatched) about flips. Thread-safe. */
void sts_readiness_watch(sts_readiness_t *readiness, sts_readiness_watcher_t *watcher);

/** Stops it; once this returns, watcher->changed is not running and never runs again. Thread-safe; not from
 * inside changed. */
void sts_readiness_unwatch(sts_readiness_t *readiness, sts_readiness_watcher_t *watcher);

#endif
