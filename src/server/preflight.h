/* Every configuration check a start makes, run before anything touches the data directory or the network. */
#ifndef STS_SERVER_PREFLIGHT_H
#define STS_SERVER_PREFLIGHT_H
#include <stddef.h>
#include "server/config.h"

/**
 * Checks what sts_config_load cannot see from the values alone, exactly as a start would: the TLS files, the JWT key
 * files (JWKS and PEM), access_token_roles and client_cert_roles, the LDAP settings and its password file, the
 * upstream's access_key/secret_key, the RGW key file and a configured session_key_file. Reads files only: it creates
 * nothing, writes nothing in the data directory and contacts nothing (a JWKS URL is fetched at start). Call after
 * sts_server_apply_secret_file_policy. Returns 0, or -1 with a message in error naming the option and the file (never
 * a secret). Not thread-safe; call once at startup.
 */
int sts_server_preflight(const sts_config_t *config, char *error, size_t error_size);

#endif
