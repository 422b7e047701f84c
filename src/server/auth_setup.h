/* Building the caller-authentication chain from the configuration. */
#ifndef STS_SERVER_AUTH_SETUP_H
#define STS_SERVER_AUTH_SETUP_H
#include <stddef.h>
#include "auth/chain.h"
#include "auth/jwt_authenticator.h"
#include "core/service.h"
#include "server/config.h"

/** A comma-separated option split into trimmed, non-empty items (heap-owned). */
typedef struct {
    char **items;
    size_t count;
} sts_name_list_t;

/** Splits text (NULL: nothing) into list. */
void sts_name_list_split(const char *text, sts_name_list_t *list);

/** Frees what sts_name_list_split made. */
void sts_name_list_free(sts_name_list_t *list);

/** Everything the chain owns; lives as long as the service that points into it. */
typedef struct {
    sts_name_list_t issuers, audiences, role_paths, pem_files, admin_roles, issuer_roles;
    sts_jwt_rules_t rules;
    sts_jwks_source_t *source;
    int has_jwks_file; /**< source reads jwt_jwks_file (then SIGHUP reloads it) */
    sts_jwt_authenticator_t *jwt;
    sts_name_list_t role_grants;
    sts_access_token_role_rule_t *role_rules;
    size_t role_rule_count;
    sts_access_token_authenticator_t *access_token;
    sts_client_certificate_authenticator_t *client_certificate;
    sts_auth_chain_t chain;
} sts_auth_setup_t;

/**
 * Sets service->authenticate (NULL for auth none), the admin roles and the token-change hook from config. The
 * access-token authenticator uses service->store and service->token_keys, which must be set already. own_jwt (may be
 * NULL) verifies the service's own tokens and joins every chain but "none". Returns 0,
 * or -1 with a message in error (for example an unreadable JWKS). Release with sts_auth_setup_dispose, after the
 * service has stopped.
 */
int sts_auth_setup_start(sts_auth_setup_t *setup, const sts_config_t *config, sts_service_t *service,
                         sts_jwt_authenticator_t *own_jwt, char *error, size_t error_size);

void sts_auth_setup_dispose(sts_auth_setup_t *setup);

/**
 * Loads the JWT key files (jwt_jwks_file, jwt_public_keys) again in the background (SIGHUP); the result is logged.
 * Returns 1 when there are such files, else 0. Thread-safe.
 */
int sts_auth_setup_reload(sts_auth_setup_t *setup);

/**
 * Parses access_token_roles ("user:NAME=role|role,domain:DOMAIN=role") as sts_auth_setup_start will, keeping nothing.
 * Returns 0, or -1 with a message in error naming the grant that is wrong. Thread-safe.
 */
int sts_auth_role_grants_check(const char *text, char *error, size_t error_size);

#endif
