#include "server/config_options.h"
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "directory/role_map.h"
#include "util/log.h"

static int check_listen(const char *value, char *expected, size_t expected_size)
{
    const char *colon = strrchr(value, ':');
    char *end = NULL;
    long port = colon != NULL ? strtol(colon + 1, &end, 10) : -1;
    if (colon == NULL || colon == value || colon[1] == '\0' || *end != '\0' || port < 0 || port > 65535) {
        snprintf(expected, expected_size, "HOST:PORT with a port from 0 to 65535");
        return -1;
    }
    return 0;
}

static int check_database_url(const char *value, char *expected, size_t expected_size)
{
    if (strncmp(value, "postgres://", 11) == 0 || strncmp(value, "postgresql://", 13) == 0)
        return 0;
    snprintf(expected, expected_size, "a PostgreSQL URL, postgres://USER@HOST:PORT/DATABASE");
    return -1;
}

static int check_issuer(const char *value, char *expected, size_t expected_size)
{
    if (strcmp(value, "local") == 0 || strcmp(value, "sts") == 0 || strcmp(value, "rgw-native") == 0)
        return 0;
    snprintf(expected, expected_size, "'local', 'sts' or 'rgw-native'");
    return -1;
}

static int check_action(const char *value, char *expected, size_t expected_size)
{
    if (strcmp(value, "AssumeRole") == 0 || strcmp(value, "GetSessionToken") == 0)
        return 0;
    snprintf(expected, expected_size, "'AssumeRole' or 'GetSessionToken'");
    return -1;
}

static int check_audit_log_mode(const char *value, char *expected, size_t expected_size)
{
    if (strcmp(value, "sync") == 0 || strcmp(value, "batch") == 0)
        return 0;
    snprintf(expected, expected_size, "'sync' or 'batch'");
    return -1;
}

static int check_signing_algorithm(const char *value, char *expected, size_t expected_size)
{
    if (strcmp(value, "ES256") == 0 || strcmp(value, "EdDSA") == 0 || strcmp(value, "RS256") == 0)
        return 0;
    snprintf(expected, expected_size, "'ES256', 'EdDSA' or 'RS256'");
    return -1;
}

static int check_bool(const char *value, char *expected, size_t expected_size)
{
    if (strcmp(value, "true") == 0 || strcmp(value, "false") == 0)
        return 0;
    snprintf(expected, expected_size, "'true' or 'false'");
    return -1;
}

/* A comma-separated chain of authenticators; "none" (trust the gateway in front) stands alone. */
static int check_auth(const char *value, char *expected, size_t expected_size)
{
    int valid = value[0] != '\0';
    if (strcmp(value, "none") != 0) {
        for (const char *p = value; valid && *p != '\0'; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
            size_t len = strcspn(p, ",");
            valid = (len == 3 && strncmp(p, "jwt", 3) == 0) || (len == 12 && strncmp(p, "access-token", 12) == 0);
        }
    }
    if (valid)
        return 0;
    snprintf(expected, expected_size,
             "'none' (trust a gateway in front) or a list of authenticators: access-token, jwt");
    return -1;
}

static int check_log_level(const char *value, char *expected, size_t expected_size)
{
    sts_log_level_t level;
    if (sts_log_parse_level(value, &level) == 0)
        return 0;
    snprintf(expected, expected_size, "one of debug, info, warn, error");
    return -1;
}

static int check_log_format(const char *value, char *expected, size_t expected_size)
{
    sts_log_format_t format;
    if (sts_log_parse_format(value, &format) == 0)
        return 0;
    snprintf(expected, expected_size, "text or json");
    return -1;
}

static int check_not_empty(const char *value, char *expected, size_t expected_size)
{
    if (value[0] != '\0')
        return 0;
    snprintf(expected, expected_size, "a non-empty path");
    return -1;
}

/* One cn:NAME=role|role grant (surrounding blanks allowed); the roles are what follows the last '='. */
static int valid_cert_grant(const char *p, size_t len)
{
    while (len > 0 && (*p == ' ' || *p == '\t'))
        p++, len--;
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
        len--;
    const char *equals = len > 3 && strncmp(p, "cn:", 3) == 0 ? memrchr(p, '=', len) : NULL;
    if (equals == NULL || equals == p + 3 || equals == p + len - 1)
        return 0;
    for (const char *r = equals + 1; r < p + len; r++) {
        if (*r == '|' && (r == equals + 1 || r == p + len - 1 || r[1] == '|'))
            return 0;
    }
    return 1;
}

static int check_cert_roles(const char *value, char *expected, size_t expected_size)
{
    int valid = value[0] != '\0';
    for (const char *p = value; valid && *p != '\0'; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ','))
        valid = valid_cert_grant(p, strcspn(p, ","));
    if (valid)
        return 0;
    snprintf(expected, expected_size, "comma-separated cn:NAME=role|role grants");
    return -1;
}

/* user_sources: local and ldap, each at most once, in the order they are asked. */
static int check_user_sources(const char *value, char *expected, size_t expected_size)
{
    int seen_local = 0, seen_ldap = 0, valid = value[0] != '\0' && value[strlen(value) - 1] != ',';
    for (const char *p = value; valid && *p != '\0'; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
        size_t len = strcspn(p, ",");
        int local = len == 5 && strncmp(p, "local", 5) == 0, ldap = len == 4 && strncmp(p, "ldap", 4) == 0;
        valid = (local && !seen_local++) || (ldap && !seen_ldap++);
    }
    if (valid)
        return 0;
    snprintf(expected, expected_size, "a list of user sources, each once: local, ldap (e.g. 'local,ldap')");
    return -1;
}

static int check_role_map(const char *value, char *expected, size_t expected_size)
{
    sts_ldap_role_map_t map;
    char error[256];
    if (sts_ldap_role_map_parse(value, &map, error, sizeof(error)) == 0) {
        sts_ldap_role_map_dispose(&map);
        return 0;
    }
    snprintf(expected, expected_size, "GROUP=role|role grants separated by ';' (%.80s)",
             error + strlen("ldap_role_map: "));
    return -1;
}

#define STRING_OPTION(key, default_value, check, help)                                                                 \
    {                                                                                                                  \
#key, STS_OPTION_STRING, offsetof(sts_config_t, key), default_value, 0, 0, check, 1, help                      \
    }
#define NUMBER_OPTION(key, type, default_value, min, max, help)                                                        \
    {                                                                                                                  \
#key, type, offsetof(sts_config_t, key), default_value, min, max, NULL, 1, help                                \
    }

const sts_option_t sts_options[] = {
    {"config", STS_OPTION_STRING, offsetof(sts_config_t, config_file), NULL, 0, 0, check_not_empty, 0,
     "YAML file with any of these keys; flags and STS_* variables override it"},
    STRING_OPTION(rest_listen, "127.0.0.1:9090", check_listen, "REST (HTTP/1.1, h2c) listen address, HOST:PORT"),
    STRING_OPTION(grpc_listen, "127.0.0.1:50051", check_listen, "gRPC listen address, HOST:PORT"),
    STRING_OPTION(metrics_listen, NULL, check_listen,
                  "a listener of its own for GET /metrics, HOST:PORT (then not served on rest_listen); unset: "
                  "/metrics on rest_listen"),
    STRING_OPTION(data_dir, "/var/lib/sts", check_not_empty, "directory for the generated sealing key and state"),
    STRING_OPTION(database_url, NULL, check_database_url,
                  "PostgreSQL for the store, postgres://USER@HOST:PORT/DATABASE?sslmode=verify-full (replicas share "
                  "it); unset: SQLite at <data_dir>/sts.db"),
    STRING_OPTION(database_password_file, NULL, check_not_empty,
                  "file holding database_url's password (private: mode 0600); unset: the URL's or libpq's own"),
    NUMBER_OPTION(database_statement_timeout_ms, STS_OPTION_INT, "5000", 100, 600000,
                  "PostgreSQL: longest a statement may run before the server cancels it"),
    STRING_OPTION(key_encryption_key_file, NULL, check_not_empty,
                  "the key-encryption key (64 hex characters) sealing the key rings; default <data_dir>/keys.kek, "
                  "generated 0600; with database_url required, the same file for every replica"),
    NUMBER_OPTION(rest_threads, STS_OPTION_INT, "2", 1, 64, "REST event-loop threads (SO_REUSEPORT listeners)"),
    NUMBER_OPTION(grpc_threads, STS_OPTION_INT, "1", 1, 64, "gRPC completion-queue threads"),
    STRING_OPTION(endpoint_url, "", NULL, "S3 endpoint returned as EndpointURL (may be empty)"),
    STRING_OPTION(issuer, "local", check_issuer,
                  "credential issuer: local (self-contained sealed session tokens), sts (an upstream STS) or "
                  "rgw-native (Ceph RGW session tokens minted here with RGW's sts key)"),
    STRING_OPTION(session_key_file, NULL, check_not_empty,
                  "sealing key file (64 hex characters); default <data_dir>/session.key, generated 0600"),
    STRING_OPTION(secret_files_allow_shared, "false", check_bool,
                  "read secret files (keys, upstream credentials) even when group or others may read them or "
                  "another user owns them (warns at startup, naming each)"),
    NUMBER_OPTION(default_duration_seconds, STS_OPTION_INT, "3600", 900, 43200,
                  "credential lifetime when the caller asks for none"),
    NUMBER_OPTION(max_duration_seconds, STS_OPTION_INT, "43200", 900, 43200, "longest DurationSeconds accepted"),
    NUMBER_OPTION(min_duration_seconds, STS_OPTION_INT, "900", 1, 43200,
                  "shortest DurationSeconds accepted (lower it only for tests of expiry)"),
    NUMBER_OPTION(max_body_bytes, STS_OPTION_LONG, "65536", 1024, 16777216, "largest REST request body (413 above)"),
    NUMBER_OPTION(max_message_bytes, STS_OPTION_LONG, "65536", 1024, 16777216, "largest gRPC request message"),
    NUMBER_OPTION(max_connections, STS_OPTION_INT, "16384", 1, 1000000,
                  "REST connections open at once; beyond it new connections are closed at accept"),
    NUMBER_OPTION(header_timeout_ms, STS_OPTION_INT, "10000", 100, 600000,
                  "HTTP/1.1: from accept or the last response until the whole next request has arrived "
                  "(idle keep-alive and slow senders); also bounds the TLS handshake"),
    NUMBER_OPTION(idle_timeout_ms, STS_OPTION_INT, "60000", 100, 3600000,
                  "HTTP/2: a REST connection without open streams is closed (GOAWAY) after this"),
    NUMBER_OPTION(max_header_count, STS_OPTION_INT, "64", 1, 100, "REST request headers; more get 431"),
    NUMBER_OPTION(max_header_bytes, STS_OPTION_INT, "8192", 256, 65536,
                  "REST request header names and values together; more get 431"),
    NUMBER_OPTION(max_request_line_bytes, STS_OPTION_INT, "8192", 64, 65536,
                  "REST request method and target; longer gets 414"),
    NUMBER_OPTION(grpc_max_concurrent_streams, STS_OPTION_INT, "100", 1, 100000,
                  "gRPC calls one connection may have open at once"),
    NUMBER_OPTION(grpc_min_ping_interval_ms, STS_OPTION_INT, "300000", 100, 86400000,
                  "gRPC: client pings closer together than this (with no data sent between) count as strikes"),
    NUMBER_OPTION(grpc_max_ping_strikes, STS_OPTION_INT, "2", 0, 1000,
                  "gRPC: strikes before the connection is closed with GOAWAY ENHANCE_YOUR_CALM (0: unlimited)"),
    NUMBER_OPTION(grpc_max_connection_age_ms, STS_OPTION_INT, "1800000", 0, 2147483647,
                  "gRPC: a connection gets GOAWAY after this long, so clients rebalance (0: unlimited)"),
    NUMBER_OPTION(grpc_max_connection_age_grace_ms, STS_OPTION_INT, "30000", 0, 2147483647,
                  "gRPC: how long calls may still run after the connection age's GOAWAY"),
    STRING_OPTION(auth, NULL, check_auth,
                  "caller authentication chain: access-token, jwt, or none (behind a gateway); unset: access-token, "
                  "plus jwt when JWT keys are configured"),
    STRING_OPTION(log_level, "info", check_log_level, "debug, info, warn or error"),
    STRING_OPTION(
        audit_log, NULL, check_not_empty,
        "a file for the audit trail (JSON lines, appended, fsync'd per record, reopened on SIGHUP); unset: none"),
    STRING_OPTION(audit_log_mode, "sync", check_audit_log_mode,
                  "sync: each audit record written and fsync'd before its call goes on; batch: a writer thread writes "
                  "and fsyncs what gathered, as fast as the disk allows (a crash can lose the last milliseconds)"),
    STRING_OPTION(log_format, "text", check_log_format,
                  "text (\"<time> <level> <message>\") or json (one object per line); request lines included"),
    NUMBER_OPTION(shutdown_timeout_seconds, STS_OPTION_INT, "5", 1, 60,
                  "on SIGTERM/SIGINT, how long in-flight calls may take to finish"),
    STRING_OPTION(sts_endpoint_url, NULL, check_not_empty,
                  "sts issuer: the STS endpoint called (default: int_endpoint_url of the rados config)"),
    STRING_OPTION(role_arn, NULL, check_not_empty,
                  "sts issuer: RoleArn for AssumeRole (default: arn of the rados config)"),
    STRING_OPTION(sts_action, "AssumeRole", check_action, "sts issuer: AssumeRole or GetSessionToken"),
    STRING_OPTION(sts_region, "us-east-1", check_not_empty, "sts issuer: SigV4 region"),
    STRING_OPTION(creds_path, NULL, check_not_empty,
                  "sts issuer: directory with files access_key and secret_key, re-read when they change"),
    STRING_OPTION(rados_config_path, NULL, check_not_empty,
                  "the Cray STS rados_conf YAML (int_endpoint_url, ext_endpoint_url, arn) as drop-in defaults"),
    NUMBER_OPTION(upstream_connect_timeout_ms, STS_OPTION_INT, "2000", 100, 60000, "sts issuer: connect timeout"),
    NUMBER_OPTION(upstream_timeout_ms, STS_OPTION_INT, "10000", 100, 120000, "sts issuer: total timeout per call"),
    STRING_OPTION(ca_file, NULL, check_not_empty, "sts issuer: CA bundle for TLS to the STS (default: system store)"),
    STRING_OPTION(insecure_skip_tls_verify, "false", check_bool,
                  "sts issuer: do not verify the STS's TLS certificate (warns at startup)"),
    NUMBER_OPTION(worker_threads, STS_OPTION_INT, "16", 1, 256, "threads for blocking calls to the upstream"),
    NUMBER_OPTION(worker_queue, STS_OPTION_INT, "1024", 1, 1000000,
                  "upstream calls that may wait for a worker; more get RESOURCE_EXHAUSTED"),
    NUMBER_OPTION(readiness_interval_seconds, STS_OPTION_INT, "10", 1, 3600,
                  "how often the background readiness check calls the upstream"),
    STRING_OPTION(
        rgw_sts_key_file, NULL, check_not_empty,
        "rgw-native issuer: file holding RGW's 'rgw sts key' (root-equivalent: mode 0600, re-read when it changes)"),
    STRING_OPTION(rgw_sts_key_file_allow_shared, "false", check_bool,
                  "deprecated alias of secret_files_allow_shared (warns when used)"),
    STRING_OPTION(rgw_user, NULL, check_not_empty,
                  "rgw-native issuer: the RGW user sessions act for, as AssumeRole records its caller (uid or "
                  "tenant$uid)"),
    STRING_OPTION(rgw_role_id, NULL, check_not_empty,
                  "rgw-native issuer: the role's id; unset: looked up (and re-checked) with IAM GetRole for role_arn"),
    STRING_OPTION(jwt_jwks_file, NULL, check_not_empty, "jwt: a JWKS file of verification keys"),
    STRING_OPTION(jwt_jwks_url, NULL, check_not_empty,
                  "jwt: a JWKS URL (https; http only to a loopback host), fetched in the background and cached"),
    STRING_OPTION(jwt_public_keys, NULL, check_not_empty, "jwt: comma-separated PEM public key files"),
    STRING_OPTION(jwt_issuer, NULL, check_not_empty,
                  "jwt: comma-separated accepted issuers; required with JWT keys ('*' accepts any, warned about)"),
    STRING_OPTION(jwt_audience, NULL, check_not_empty,
                  "jwt: comma-separated accepted audiences; required with JWT keys ('*' accepts any, warned about)"),
    NUMBER_OPTION(jwt_leeway, STS_OPTION_INT, "60", 0, 3600, "jwt: seconds of clock skew allowed for exp, nbf, iat"),
    STRING_OPTION(jwt_username_claim, "preferred_username", check_not_empty, "jwt: the claim naming the caller"),
    STRING_OPTION(jwt_role_claims, "realm_access.roles,resource_access.<audience>.roles", check_not_empty,
                  "jwt: comma-separated claim paths holding role arrays"),
    NUMBER_OPTION(jwt_jwks_refresh_seconds, STS_OPTION_INT, "300", 10, 86400, "jwt: how often the JWKS URL is fetched"),
    NUMBER_OPTION(jwt_jwks_max_age_seconds, STS_OPTION_INT, "86400", 0, 2592000,
                  "jwt: how long keys from the JWKS URL keep verifying while every fetch fails; 0: forever"),
    STRING_OPTION(admin_roles, "admin", check_not_empty,
                  "comma-separated roles that administer every user's access tokens"),
    STRING_OPTION(issuer_roles, NULL, check_not_empty,
                  "comma-separated roles allowed to issue credentials (IssueToken); unset: 'admin', or admin_roles "
                  "when only that is set (the old meaning, warned about)"),
    STRING_OPTION(access_token_roles, "user:admin=admin", check_not_empty,
                  "roles of access-token callers: comma-separated user:NAME=role|role (LOCAL users) or "
                  "domain:DOMAIN=role|role, limited to the roles of the token's creator"),
    NUMBER_OPTION(max_tokens_per_user, STS_OPTION_INT, "2", 1, 1000, "access tokens one user may hold"),
    NUMBER_OPTION(max_access_token_lifetime, STS_OPTION_SECONDS, "90d", 1, 3650L * 86400,
                  "longest access-token lifetime (e.g. 90d, 12h); applies to every token, old ones included"),
    STRING_OPTION(self_service_tokens, "true", check_bool,
                  "whether callers without an admin role may create access tokens for themselves"),
    NUMBER_OPTION(store_worker_threads, STS_OPTION_INT, "4", 1, 256, "threads for calls that read and write the store"),
    NUMBER_OPTION(store_worker_queue, STS_OPTION_INT, "1024", 1, 1000000,
                  "store calls that may wait for a worker; more get RESOURCE_EXHAUSTED"),
    NUMBER_OPTION(lookup_worker_threads, STS_OPTION_INT, "2", 1, 256,
                  "threads that look up credentials missing from the authentication caches"),
    NUMBER_OPTION(lookup_worker_queue, STS_OPTION_INT, "256", 1, 1000000,
                  "credential lookups that may wait for a worker; more get RESOURCE_EXHAUSTED"),
    STRING_OPTION(tls_cert_file, NULL, check_not_empty,
                  "PEM certificate chain (server certificate first) for HTTPS and gRPC over TLS; re-read when it "
                  "changes"),
    STRING_OPTION(tls_key_file, NULL, check_not_empty,
                  "PEM private key of tls_cert_file, unencrypted and private (mode 0600); re-read when it changes"),
    STRING_OPTION(grpc_client_ca_file, NULL, check_not_empty,
                  "PEM CA certificates: gRPC clients must present a certificate they verify (mTLS); needs TLS"),
    STRING_OPTION(client_cert_roles, NULL, check_cert_roles,
                  "roles of gRPC callers authenticated by a client certificate: comma-separated cn:NAME=role|role"),
    STRING_OPTION(allow_plaintext, "false", check_bool,
                  "serve plain text on a non-loopback listener when TLS is not configured (warns at startup)"),
    NUMBER_OPTION(tls_expiry_warning_days, STS_OPTION_INT, "30", 0, 3650,
                  "report a TLS certificate expiring within this many days in /readyz and the log"),
    NUMBER_OPTION(tls_reload_seconds, STS_OPTION_INT, "10", 1, 3600,
                  "how often the TLS certificate, key and client CA files are checked for changes"),
    STRING_OPTION(issuer_url, NULL, check_not_empty,
                  "iss of the service's own tokens (logins); unset: http://HOST:PORT of rest_listen (https with TLS)"),
    STRING_OPTION(token_audience, "sts", check_not_empty, "aud of the service's own tokens"),
    NUMBER_OPTION(access_token_lifetime, STS_OPTION_SECONDS, "1h", 60, 86400,
                  "lifetime of the access JWTs that logins and refreshes return"),
    NUMBER_OPTION(refresh_token_lifetime, STS_OPTION_SECONDS, "24h", 60, 365L * 86400,
                  "lifetime of one refresh token (each refresh returns a new one)"),
    NUMBER_OPTION(refresh_family_lifetime, STS_OPTION_SECONDS, "7d", 60, 365L * 86400,
                  "absolute lifetime of a login's refresh tokens, however often they are refreshed"),
    NUMBER_OPTION(refresh_reuse_grace, STS_OPTION_SECONDS, "0", 0, 300,
                  "a refresh token used again within this time gets the same new refresh token instead of "
                  "revoking its family (for clients that retry)"),
    NUMBER_OPTION(client_max_lifetime, STS_OPTION_SECONDS, "30d", 60, 3650L * 86400,
                  "longest lifetime of a registered client's tokens (extended tokens); each client may have less"),
    NUMBER_OPTION(password_hash_memory_kib, STS_OPTION_INT, "19456", 8, 4194304,
                  "argon2id memory per hash, KiB (OWASP: 19456); one hash per password worker at once"),
    NUMBER_OPTION(password_hash_iterations, STS_OPTION_INT, "2", 1, 100, "argon2id passes (OWASP: 2)"),
    NUMBER_OPTION(password_hash_parallelism, STS_OPTION_INT, "1", 1, 16, "argon2id lanes (OWASP: 1)"),
    NUMBER_OPTION(password_worker_threads, STS_OPTION_INT, "2", 1, 64,
                  "threads hashing passwords: the most hashes at once (memory: this x password_hash_memory_kib)"),
    NUMBER_OPTION(password_worker_queue, STS_OPTION_INT, "256", 1, 1000000,
                  "logins that may wait for a password worker; more get RESOURCE_EXHAUSTED"),
    STRING_OPTION(signing_algorithm, "ES256", check_signing_algorithm,
                  "algorithm of new signing keys: ES256, EdDSA or RS256"),
    NUMBER_OPTION(signing_key_rotation, STS_OPTION_SECONDS, "30d", 0, 3650L * 86400,
                  "age at which the active signing key is replaced (0: never; stsd keys rotate does it at once)"),
    STRING_OPTION(login_notice, "", NULL, "a notice put in the message of every token response"),
    NUMBER_OPTION(login_free_failures, STS_OPTION_INT, "5", 1, 1000,
                  "failed logins in a row (per user and per address) before each try must wait"),
    NUMBER_OPTION(login_throttle_delay, STS_OPTION_SECONDS, "1", 1, 3600,
                  "the first wait after login_free_failures; it doubles with each further failure"),
    NUMBER_OPTION(login_throttle_max_delay, STS_OPTION_SECONDS, "15m", 1, 86400, "the longest wait between logins"),
    NUMBER_OPTION(login_lockout_failures, STS_OPTION_INT, "100", 1, 1000000,
                  "failed logins in a row after which a user is disabled until an admin enables them"),
    STRING_OPTION(
        realms, "shasta", check_not_empty,
        "comma-separated realms that /realms/{realm}/… and /keycloak/realms/{realm}/… accept (others are 404)"),
    STRING_OPTION(user_sources, "local", check_user_sources,
                  "where logins look users up, in order: local (this service's users), ldap (a directory); the first "
                  "that knows the username checks the password"),
    STRING_OPTION(ldap_url, NULL, check_not_empty,
                  "ldap: the directory, ldap://HOST:PORT (with StartTLS) or ldaps://HOST:PORT"),
    STRING_OPTION(ldap_bind_dn, NULL, check_not_empty,
                  "ldap: the service account that searches for users (search, then bind as the user)"),
    STRING_OPTION(ldap_bind_password_file, NULL, check_not_empty,
                  "ldap: file holding ldap_bind_dn's password (private: mode 0600)"),
    STRING_OPTION(ldap_base_dn, NULL, check_not_empty, "ldap: where users are searched (the subtree)"),
    STRING_OPTION(ldap_user_filter, "(uid=%s)", check_not_empty,
                  "ldap: the filter that finds a user, %s being the username (escaped, RFC 4515)"),
    STRING_OPTION(ldap_username_attribute, "uid", check_not_empty,
                  "ldap: the attribute whose value is the user's name in sts (a login as ALICE is the entry's alice)"),
    STRING_OPTION(ldap_user_dn_template, NULL, check_not_empty,
                  "ldap: instead of a search, bind directly as this DN, %s being the username (escaped, RFC 4514)"),
    STRING_OPTION(ldap_starttls, "true", check_bool,
                  "ldap: StartTLS on ldap:// URLs (false sends passwords in clear text; warned about)"),
    STRING_OPTION(ldap_ca_file, NULL, check_not_empty,
                  "ldap: PEM CAs that verify the directory's certificate (default: the system's)"),
    STRING_OPTION(ldap_group_base_dn, NULL, check_not_empty,
                  "ldap: where groups are searched for roles; unset: directory users get no roles"),
    STRING_OPTION(ldap_group_filter, "(member=%s)", check_not_empty,
                  "ldap: the filter that finds a user's groups, %s being the user's DN (escaped)"),
    STRING_OPTION(ldap_role_map, "", check_role_map,
                  "ldap: roles of group members: GROUP=role|role grants separated by ';', GROUP a cn or a full DN"),
    NUMBER_OPTION(ldap_timeout, STS_OPTION_SECONDS, "5", 1, 300,
                  "ldap: how long connecting, and then each operation, may take before the directory counts as "
                  "unavailable"),
    {NULL, STS_OPTION_STRING, 0, NULL, 0, 0, NULL, 0, NULL},
};

const sts_option_t *sts_option_find(const char *key, size_t len)
{
    for (const sts_option_t *option = sts_options; option->key != NULL; option++) {
        if (strlen(option->key) == len && memcmp(option->key, key, len) == 0)
            return option;
    }
    return NULL;
}

/* The multiplier of a duration's unit suffix; 0 when end is not one. */
static long unit_seconds(const char *end)
{
    static const struct {
        char unit;
        long seconds;
    } units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (end[0] == units[i].unit && end[1] == '\0')
            return units[i].seconds;
    }
    return end[0] == '\0' ? 1 : 0;
}

static int set_number(sts_config_t *config, const sts_option_t *option, const char *text, const char *source,
                      char *error, size_t error_size)
{
    char *end = NULL;
    errno = 0;
    long value = strtol(text, &end, 10);
    long unit = option->type == STS_OPTION_SECONDS ? unit_seconds(end) : (*end == '\0');
    int in_range =
        unit != 0 && value >= option->min / unit && value <= option->max / unit && value * unit >= option->min;
    if (text[0] == '\0' || errno != 0 || !in_range) {
        if (option->type == STS_OPTION_SECONDS)
            snprintf(error, error_size,
                     "%s: expected a duration from %lds to %lds (a number with s, m, h or d), got '%.64s'", source,
                     option->min, option->max, text);
        else
            snprintf(error, error_size, "%s: expected an integer from %ld to %ld, got '%.64s'", source, option->min,
                     option->max, text);
        return -1;
    }
    value *= unit;
    char *field = (char *)config + option->offset;
    if (option->type == STS_OPTION_INT)
        *(int *)field = (int)value;
    else
        *(long *)field = value;
    return 0;
}

int sts_option_set(sts_config_t *config, const sts_option_t *option, const char *text, const char *source, char *error,
                   size_t error_size)
{
    if (option->type != STS_OPTION_STRING)
        return set_number(config, option, text, source, error, error_size);
    char expected[128];
    if (option->check != NULL && option->check(text, expected, sizeof(expected)) != 0) {
        snprintf(error, error_size, "%s: expected %s, got '%.64s'", source, expected, text);
        return -1;
    }
    char **field = (char **)((char *)config + option->offset);
    free(*field);
    *field = strdup(text);
    if (*field == NULL)
        sts_log_fatal("out of memory");
    return 0;
}
