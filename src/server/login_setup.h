/* Building logins from the configuration: keys, revocations, throttle and the check of the service's own JWTs. */
#ifndef STS_SERVER_LOGIN_SETUP_H
#define STS_SERVER_LOGIN_SETUP_H
#include <stddef.h>
#include "auth/jwt_authenticator.h"
#include "core/login.h"
#include "server/config.h"
#include "store/store.h"
#include "util/ticker.h"

/** Everything logins own; lives as long as the service that points into it. */
typedef struct {
    sts_login_settings_t settings;
    sts_jwks_source_t *own_keys; /**< the ring's public keys, for own_jwt */
    const char *issuers[1], *audiences[1], *role_paths[1];
    sts_jwt_rules_t own_rules;
    sts_jwt_authenticator_t *own_jwt; /**< verifies the service's own access tokens */
    sts_ticker_t *housekeeping;       /**< reloads the keys (rotation), forgets expired revocations */
} sts_login_setup_t;

/**
 * Reads or makes the key-encryption key (keys.kek) and refresh-token key (refresh.key) in the data directory, opens
 * the key ring on store (making the first key), loads the revocations and starts housekeeping. Returns 0, or -1
 * with a message. Release with sts_login_setup_dispose after the service has stopped.
 */
int sts_login_setup_start(sts_login_setup_t *setup, const sts_config_t *config, sts_store_t *store, char *error,
                          size_t error_size);

/**
 * Opens only the key ring on store, with the configuration's key settings, for the command line (stsd keys rotate).
 * Returns NULL with a message.
 */
sts_key_ring_t *sts_login_open_key_ring(const sts_config_t *config, sts_store_t *store, char *error, size_t error_size);

void sts_login_setup_dispose(sts_login_setup_t *setup);

#endif
