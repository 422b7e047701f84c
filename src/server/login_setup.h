/* Building logins from the configuration: keys, revocations, throttle and the check of the service's own JWTs. */
#ifndef STS_SERVER_LOGIN_SETUP_H
#define STS_SERVER_LOGIN_SETUP_H
#include <stddef.h>
#include "auth/jwt_authenticator.h"
#include "core/user_directory.h"
#include "directory/ldap_directory.h"
#include "core/login.h"
#include "server/auth_setup.h"
#include "server/config.h"
#include "server/key_setup.h"
#include "store/store.h"
#include "util/ticker.h"

/** Everything logins own; lives as long as the service that points into it. */
typedef struct {
    sts_login_settings_t settings;
    sts_store_t *store;
    sts_name_list_t realms;
    const char *issuers[1], *audiences[1], *role_paths[1];
    sts_jwt_rules_t own_rules;
    sts_jwt_authenticator_t *own_jwt;                /**< verifies the service's own access tokens */
    sts_ticker_t *housekeeping;                      /**< forgets expired revocations and refresh tokens */
    sts_user_source_t sources[STS_USER_SOURCES_MAX]; /**< user_sources, in order */
    sts_user_directory_t *directory;                 /**< the LDAP directory when user_sources lists ldap */
} sts_login_setup_t;

/**
 * Loads the revocations from store and starts housekeeping; tokens are signed with keys->signing and verified with
 * keys->public_keys (both borrowed), refresh tokens hashed with the key of keys->refresh_keys.
 * Returns 0, or -1 with a message. Release with sts_login_setup_dispose after the service has stopped.
 */
int sts_login_setup_start(sts_login_setup_t *setup, const sts_config_t *config, sts_store_t *store,
                          const sts_key_setup_t *keys, char *error, size_t error_size);

/**
 * Rebuilds the revocations (users' "tokens not before", clients, revoked JWTs) from the store, so that changes another
 * process made apply here; a failure is logged and the maps stay as they were. Blocks on the store; thread-safe.
 */
void sts_login_setup_reload(sts_login_setup_t *setup);

void sts_login_setup_dispose(sts_login_setup_t *setup);

/** The LDAP settings of config (strings borrowed from it), with bind_password as given. */
void sts_login_ldap_settings(const sts_config_t *config, const char *bind_password, sts_ldap_settings_t *out);

/**
 * Builds the LDAP directory of config (contacting nothing) with its service password read from its private file and
 * wiped after. Returns 0 and *directory (the caller destroys it), or -1 with a message naming the option or file.
 */
int sts_login_directory_create(const sts_config_t *config, sts_user_directory_t **directory, char *error,
                               size_t error_size);

#endif
