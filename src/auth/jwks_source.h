/* Where JWT verification keys come from: a JWKS file, PEM files, or a JWKS URL refreshed in the background. */
#ifndef STS_AUTH_JWKS_SOURCE_H
#define STS_AUTH_JWKS_SOURCE_H
#include <stddef.h>
#include <stdint.h>
#include "auth/jwk.h"

typedef struct sts_jwks_source_s sts_jwks_source_t;

/**
 * Settings; strings are copied. With none of the key sources given the source is fed by sts_jwks_source_replace
 * (the service's own keys).
 */
typedef struct {
    const char *jwks_file;
    const char *const *pem_files;
    size_t pem_file_count;
    const char *jwks_url;
    int refresh_seconds;     /**< URL: how often to fetch again */
    int min_refetch_seconds; /**< URL: least time between fetches asked for by unknown key ids */
    const char *ca_file;     /**< URL: CA bundle; NULL for the system store */
    /**
     * URL: how long the last keys fetched keep verifying while every fetch since fails (the URL answers garbage or
     * is gone); after that they are dropped until a fetch succeeds. 0: they are kept however old.
     */
    int max_age_seconds;
    /** Files: how often they are looked at (inode, size, times) and loaded again when one changed; 0: the default. */
    int file_check_ms;
} sts_jwks_settings_t;

/** How often the JWKS and PEM files are looked at for changes by default. */
#define STS_JWKS_FILE_CHECK_MS 5000

/**
 * Checks that url may serve JWT keys: https, or plain http only to a loopback host (127.0.0.0/8, [::1], localhost),
 * since keys fetched over an open network in clear text could be replaced by anyone on the path. Returns 0, or -1
 * with a message that names jwt_jwks_url and, at most, the URL's scheme and host (never the whole URL, which may
 * carry credentials). Thread-safe.
 */
int sts_jwks_url_check(const char *url, char *error, size_t error_size);

/**
 * Loads the file and PEM keys (and starts a thread that loads them again when they change), and for a URL fetches the
 * JWKS once before returning (a failed first fetch is logged and retried in the background) and starts the refresher
 * thread. Returns NULL with a message in error, also for a URL that sts_jwks_url_check refuses.
 */
sts_jwks_source_t *sts_jwks_source_create(const sts_jwks_settings_t *settings, char *error, size_t error_size);

/**
 * Borrows the current key set for one verification; every acquire must be paired with release. Never blocks on
 * the network. Thread-safe.
 */
const sts_jwk_set_t *sts_jwks_source_acquire(sts_jwks_source_t *source);
void sts_jwks_source_release(sts_jwks_source_t *source);

/** Asks the refresher to fetch again soon (an unknown key id arrived); rate-limited, never blocks. */
void sts_jwks_source_request_refresh(sts_jwks_source_t *source);

/**
 * Replaces the keys with set (ownership moves to the source; the old set is freed once no verification borrows it).
 * For sources without a URL. Thread-safe.
 */
void sts_jwks_source_replace(sts_jwks_source_t *source, sts_jwk_set_t *set);

/**
 * A number that changes whenever the key set does (a fetch, keys dropped for age, a replace): what was verified
 * under another number must be verified again. Thread-safe, lock-free.
 */
uint64_t sts_jwks_source_generation(const sts_jwks_source_t *source);

/** True when the current set has a key with this kid. Thread-safe. */
int sts_jwks_source_has_kid(sts_jwks_source_t *source, const char *kid);

/**
 * Asks the file watcher to load the JWKS and PEM files again now, changed or not (SIGHUP). The load happens on the
 * watcher's thread: new keys replace the file keys (at once when there is no URL, else merged at a fetch that is asked
 * for at once); files that fail to load are logged and the keys in use stay. Does nothing without files. Thread-safe;
 * never blocks on the files.
 */
void sts_jwks_source_reload_files(sts_jwks_source_t *source);

/** Stops the refresher and the file watcher and frees everything. */
void sts_jwks_source_destroy(sts_jwks_source_t *source);

#endif
