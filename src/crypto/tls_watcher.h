/* A background thread that reloads the TLS certificate when its files change and watches its expiry. */
#ifndef STS_CRYPTO_TLS_WATCHER_H
#define STS_CRYPTO_TLS_WATCHER_H
#include "crypto/tls_credentials.h"

/**
 * Receives the operator notice about the serving certificate: the expiry notice of sts_tls_credentials_expiry_notice,
 * or NULL once there is none. Called only when it changes, from the thread that started the watcher (the first
 * time) and then from the watcher's thread. The string is borrowed for the call.
 */
typedef void (*sts_tls_notice_fn)(void *data, const char *notice);

typedef struct sts_tls_watcher_s sts_tls_watcher_t;

/**
 * Checks the serving certificate's expiry once (so the notice is set before the service starts), then starts a
 * ticker (util/ticker) that, every interval_seconds on CLOCK_MONOTONIC, refreshes source (sts_tls_source_refresh) and
 * checks the expiry again. A certificate expiring within warning_days is logged as a warning at most once a day. source
 * must outlive the watcher. Returns NULL if the thread cannot be started.
 */
sts_tls_watcher_t *sts_tls_watcher_start(sts_tls_source_t *source, int interval_seconds, int warning_days,
                                         sts_tls_notice_fn on_notice, void *data);

/**
 * Asks the watcher's thread to look at the files now rather than at the next interval (SIGHUP); changed files are
 * loaded as on a tick, and logged. NULL is ignored. Thread-safe; never blocks.
 */
void sts_tls_watcher_poke(sts_tls_watcher_t *watcher);

/** Stops and joins the thread and frees the watcher. NULL is ignored. */
void sts_tls_watcher_stop(sts_tls_watcher_t *watcher);

#endif
