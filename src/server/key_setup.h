/*
 * The service's own keys from the configuration: the key-encryption key file, the signing ring (logins' JWTs) and
 * the two symmetric rings (session-token sealing, access-token HMAC), all kept in the store.
 */
#ifndef STS_SERVER_KEY_SETUP_H
#define STS_SERVER_KEY_SETUP_H
#include <stddef.h>
#include "auth/jwks_source.h"
#include "core/key_ring.h"
#include "core/secret_ring.h"
#include "server/config.h"
#include "store/store.h"
#include "util/ticker.h"

/** Everything the keys own; lives as long as the service that points into it. */
typedef struct {
    sts_key_ring_t *signing;
    sts_secret_ring_t *session_keys; /**< the local issuer's sealing keys */
    sts_secret_ring_t *token_keys;   /**< the access-token HMAC keys */
    sts_secret_ring_t *refresh_keys; /**< the refresh-token key (one, never rotated) */
    sts_jwks_source_t *public_keys;  /**< the signing ring's public keys, kept in step, for verifying own JWTs */
    sts_ticker_t *reloader;          /**< picks up rotations by other processes and rotates when due */
} sts_key_setup_t;

/**
 * Reads or makes <data_dir>/keys.kek and opens the rings on store. The first start after an upgrade imports
 * the old key files (session_key_file or <data_dir>/session.key, <data_dir>/token.key) as the first keys of their
 * rings, so credentials and access tokens made with them stay valid. Returns 0, or -1 with a message. Release with
 * sts_key_setup_dispose after the service has stopped.
 */
int sts_key_setup_start(sts_key_setup_t *setup, const sts_config_t *config, sts_store_t *store, char *error,
                        size_t error_size);

/**
 * Reads every ring from the store again (another process rotated one), rotating what is due; a failure is logged and
 * the keys loaded before stay in use. Blocks on the store; thread-safe.
 */
void sts_key_setup_reload(sts_key_setup_t *setup);

void sts_key_setup_dispose(sts_key_setup_t *setup);

#endif
