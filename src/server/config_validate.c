/* Settings that only make sense together: the defaults that depend on others, and the cross-field checks. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "auth/jwks_source.h"
#include "crypto/password.h"
#include "server/config_options.h"
#include "server/login_setup.h"
#include "util/log.h"

/* STS_AUTH unset: authentication is still required: access tokens, plus JWTs when JWT keys are configured. */
static void choose_auth(sts_config_t *config)
{
    if (config->auth != NULL)
        return;
    int jwt = config->jwt_jwks_file != NULL || config->jwt_jwks_url != NULL || config->jwt_public_keys != NULL;
    config->auth = strdup(jwt ? "access-token,jwt" : "access-token");
    if (config->auth == NULL)
        sts_log_fatal("out of memory");
    config->auth_defaulted = 1;
}

/*
 * issuer_roles unset: "admin" by default. A configuration that set only admin_roles meant it for issuing too (the
 * single role list of earlier versions), so it keeps that meaning; the server warns about it once.
 */
static void choose_issuer_roles(sts_config_t *config)
{
    if (config->issuer_roles != NULL)
        return;
    config->issuer_roles_defaulted = strcmp(config->admin_roles, "admin") != 0;
    config->issuer_roles = strdup(config->issuer_roles_defaulted ? config->admin_roles : "admin");
    if (config->issuer_roles == NULL)
        sts_log_fatal("out of memory");
}

/* A comma-separated list of accepted values: 1 for exactly "*", 0 for real values, -1 (with error) otherwise. */
static int accept_list(const char *option, const char *text, const char *what, char *error, size_t error_size)
{
    size_t items = 0, stars = 0;
    for (const char *p = text; *p != '\0';) {
        p += strspn(p, " \t,");
        size_t len = strcspn(p, ",");
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len > 0) {
            items++;
            stars += len == 1 && *p == '*';
        }
        p += strcspn(p, ",");
    }
    if (items == 0) {
        snprintf(error, error_size, "%s lists no %s", option, what);
        return -1;
    }
    if (stars > 0 && items > 1) {
        snprintf(error, error_size, "%s: '*' (accept any %s) cannot be combined with other values", option, what);
        return -1;
    }
    return stars > 0;
}

/*
 * JWTs from another issuer are only as safe as the issuer and audience checks: both must be configured, and
 * accepting any value takes an explicit '*' (warned about at startup). Keys must not travel in clear text.
 */
static int validate_jwt(const sts_config_t *config, char *error, size_t error_size)
{
    if (config->jwt_jwks_url != NULL && sts_jwks_url_check(config->jwt_jwks_url, error, error_size) != 0)
        return -1;
    if (strstr(config->auth, "jwt") == NULL)
        return 0;
    const struct {
        const char *option, *value, *what, *claim;
    } lists[] = {
        {"jwt_issuer", config->jwt_issuer, "issuer", "iss"},
        {"jwt_audience", config->jwt_audience, "audience", "aud"},
    };
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        if (lists[i].value == NULL) {
            snprintf(error, error_size,
                     "%s is required with JWT keys (jwt_jwks_file, jwt_jwks_url or jwt_public_keys): list the "
                     "accepted %s values, or set it to '*' to accept any %s (not recommended)",
                     lists[i].option, lists[i].claim, lists[i].what);
            return -1;
        }
        if (accept_list(lists[i].option, lists[i].value, lists[i].what, error, error_size) < 0)
            return -1;
    }
    return 0;
}

int sts_config_listen_is_loopback(const char *listen)
{
    const char *colon = strrchr(listen, ':');
    size_t len = colon != NULL ? (size_t)(colon - listen) : strlen(listen);
    if (len >= 2 && listen[0] == '[' && listen[len - 1] == ']') {
        listen++;
        len -= 2;
    }
    char host[64];
    if (len == 0 || len >= sizeof(host))
        return 0;
    memcpy(host, listen, len);
    host[len] = '\0';
    if (strcasecmp(host, "localhost") == 0)
        return 1;
    struct in_addr v4;
    struct in6_addr v6;
    if (inet_pton(AF_INET, host, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host, &v6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
    return 0;
}

/* TLS settings that only make sense together, and the refusal to serve plain text beyond this host. */
static int validate_tls(const sts_config_t *config, char *error, size_t error_size)
{
    int tls = config->tls_cert_file != NULL;
    if (tls != (config->tls_key_file != NULL)) {
        snprintf(error, error_size,
                 "tls_cert_file and tls_key_file go together: set both (TLS on both listeners) or "
                 "neither");
        return -1;
    }
    if (config->grpc_client_ca_file != NULL && !tls) {
        snprintf(error, error_size,
                 "grpc_client_ca_file (client certificates on gRPC) needs TLS: set tls_cert_file and "
                 "tls_key_file too");
        return -1;
    }
    if (config->client_cert_roles != NULL && config->grpc_client_ca_file == NULL) {
        snprintf(error, error_size,
                 "client_cert_roles needs grpc_client_ca_file: only verified client certificates are "
                 "given roles");
        return -1;
    }
    if (tls)
        return 0;
    const char *names[] = {"rest_listen", "grpc_listen"};
    const char *values[] = {config->rest_listen, config->grpc_listen};
    for (int i = 0; i < 2; i++) {
        if (sts_config_listen_is_loopback(values[i]))
            continue;
        if (strcmp(config->allow_plaintext, "true") != 0) {
            snprintf(error, error_size,
                     "%s %.200s is not a loopback address and TLS is not configured: set tls_cert_file and "
                     "tls_key_file, or allow_plaintext: true to send tokens and keys in clear text anyway",
                     names[i], values[i]);
            return -1;
        }
        sts_log_warn("%s %s will serve plain text beyond this host (allow_plaintext: true): tokens, passwords and "
                     "secret keys cross the network unencrypted",
                     names[i], values[i]);
    }
    return 0;
}

/* Cross-checks of the login options, and the issuer URL derived from the REST listener when unset. */
static int validate_logins(sts_config_t *config, char *error, size_t error_size)
{
    sts_password_params_t params = {(uint32_t)config->password_hash_memory_kib,
                                    (uint32_t)config->password_hash_iterations,
                                    (uint32_t)config->password_hash_parallelism};
    if (sts_password_params_check(&params, error, error_size) != 0)
        return -1;
    if (config->refresh_token_lifetime > config->refresh_family_lifetime) {
        snprintf(error, error_size, "refresh_token_lifetime (%lds) must not exceed refresh_family_lifetime (%lds)",
                 config->refresh_token_lifetime, config->refresh_family_lifetime);
        return -1;
    }
    if (config->login_throttle_delay > config->login_throttle_max_delay) {
        snprintf(error, error_size, "login_throttle_delay (%lds) must not exceed login_throttle_max_delay (%lds)",
                 config->login_throttle_delay, config->login_throttle_max_delay);
        return -1;
    }
    if (config->issuer_url == NULL) {
        char url[512];
        snprintf(url, sizeof(url), "%s://%s", config->tls_cert_file != NULL ? "https" : "http", config->rest_listen);
        config->issuer_url = strdup(url);
        if (config->issuer_url == NULL)
            sts_log_fatal("out of memory");
    }
    return 0;
}

/* The directory's settings, checked without contacting it; the service password file is read at startup. */
/* Replicas sharing a database must seal and open its key rings with one key; a generated one would be per replica. */
static int validate_database(const sts_config_t *config, char *error, size_t error_size)
{
    if (config->database_url == NULL) {
        if (config->database_password_file != NULL) {
            snprintf(error, error_size, "database_password_file is set but database_url is not");
            return -1;
        }
        return 0;
    }
    if (config->key_encryption_key_file == NULL) {
        snprintf(error, error_size,
                 "database_url needs key_encryption_key_file: every replica must seal its keys with the same "
                 "key-encryption key (64 hex characters in a file of mode 0600, e.g. made once with `openssl rand "
                 "-hex 32`), which stsd must not generate per replica");
        return -1;
    }
    return 0;
}

static int validate_ldap(const sts_config_t *config, char *error, size_t error_size)
{
    if (strstr(config->user_sources, "ldap") == NULL) {
        if (config->ldap_url != NULL)
            sts_log_warn("ldap_url is set, but user_sources (%s) does not list ldap: the directory is not used",
                         config->user_sources);
        return 0;
    }
    if (config->ldap_url == NULL) {
        snprintf(error, error_size, "user_sources lists ldap: set ldap_url, the directory (ldap:// or ldaps://)");
        return -1;
    }
    sts_ldap_settings_t settings;
    sts_login_ldap_settings(config, config->ldap_bind_password_file, &settings);
    if (sts_ldap_settings_check(&settings, error, error_size) != 0)
        return -1;
    if (strncmp(config->ldap_url, "ldap://", 7) == 0 && !settings.starttls)
        sts_log_warn("ldap_starttls is false: passwords go to %s in clear text", config->ldap_url);
    return 0;
}

int sts__config_validate(sts_config_t *config, char *error, size_t error_size)
{
    choose_auth(config);
    choose_issuer_roles(config);
    if (validate_tls(config, error, error_size) != 0)
        return -1;
    int jwt_keys = config->jwt_jwks_file != NULL || config->jwt_jwks_url != NULL || config->jwt_public_keys != NULL;
    if (jwt_keys && strstr(config->auth, "jwt") == NULL) {
        /* Keys that are never used would let an operator believe JWTs are accepted (or checked) when they are not. */
        snprintf(error, error_size,
                 "JWT keys are configured (%s) but auth (%.64s) does not list jwt: add jwt to auth (e.g. "
                 "access-token,jwt) or remove the JWT key settings",
                 config->jwt_jwks_file != NULL  ? "jwt_jwks_file"
                 : config->jwt_jwks_url != NULL ? "jwt_jwks_url"
                                                : "jwt_public_keys",
                 config->auth);
        return -1;
    }
    if (strstr(config->auth, "jwt") != NULL && !jwt_keys) {
        snprintf(error, error_size, "STS_AUTH=jwt needs keys: jwt_jwks_file, jwt_jwks_url or jwt_public_keys");
        return -1;
    }
    if (validate_jwt(config, error, error_size) != 0 || validate_logins(config, error, error_size) != 0 ||
        validate_ldap(config, error, error_size) != 0 || validate_database(config, error, error_size) != 0)
        return -1;
    if (config->min_duration_seconds > config->default_duration_seconds) {
        snprintf(error, error_size, "min_duration_seconds (%d) must not exceed default_duration_seconds (%d)",
                 config->min_duration_seconds, config->default_duration_seconds);
        return -1;
    }
    if (config->rados_config_path != NULL && sts_config_load_rados(config, error, error_size) != 0)
        return -1;
    if (strcmp(config->issuer, "rgw-native") == 0) {
        if (config->rgw_sts_key_file == NULL || config->rgw_user == NULL) {
            snprintf(error, error_size, "issuer rgw-native needs rgw_sts_key_file and rgw_user");
            return -1;
        }
        if (config->rgw_role_id == NULL &&
            (config->role_arn == NULL || config->sts_endpoint_url == NULL || config->creds_path == NULL)) {
            snprintf(error, error_size,
                     "issuer rgw-native needs rgw_role_id, or role_arn, sts_endpoint_url and creds_path (or a rados "
                     "config) to look the role up");
            return -1;
        }
    }
    if (strcmp(config->issuer, "sts") == 0) {
        if (config->sts_endpoint_url == NULL) {
            snprintf(error, error_size, "issuer sts needs sts_endpoint_url (or int_endpoint_url in the rados config)");
            return -1;
        }
        if (config->creds_path == NULL) {
            snprintf(error, error_size, "issuer sts needs creds_path, a directory with access_key and secret_key");
            return -1;
        }
    }
    if (config->default_duration_seconds > config->max_duration_seconds) {
        snprintf(error, error_size, "default_duration_seconds (%d) must not exceed max_duration_seconds (%d)",
                 config->default_duration_seconds, config->max_duration_seconds);
        return -1;
    }
    return 0;
}
