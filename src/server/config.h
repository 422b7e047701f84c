/* stsd's configuration: defaults, a YAML file, STS_* environment variables and flags, each overriding the last. */
#ifndef STS_SERVER_CONFIG_H
#define STS_SERVER_CONFIG_H

#include <stddef.h>
#include <stdio.h>

typedef enum { STS_CONFIG_RUN, STS_CONFIG_CHECK, STS_CONFIG_HELP, STS_CONFIG_VERSION } sts_config_action_t;

/** The effective configuration. Strings are owned by the struct; sts_config_dispose frees them. */
typedef struct {
    sts_config_action_t action;
    char *config_file; /**< NULL when none */
    char *rest_listen; /**< HOST:PORT */
    char *grpc_listen; /**< HOST:PORT */
    char *data_dir;
    int rest_threads;
    int grpc_threads;
    char *endpoint_url;           /**< "" when none */
    char *issuer;                 /**< "local" */
    char *session_key_file;       /**< NULL: <data_dir>/session.key */
    char *database_url;           /**< PostgreSQL; NULL: SQLite under data_dir */
    char *database_password_file; /**< database_url's password; NULL: the URL's or libpq's own */
    int database_statement_timeout_ms;
    char *key_encryption_key_file;   /**< NULL: <data_dir>/keys.kek, generated */
    char *secret_files_allow_shared; /**< "true" reads secret files that others may read (with warnings) */
    int default_duration_seconds;
    int max_duration_seconds;
    int min_duration_seconds;
    long max_body_bytes;
    long max_message_bytes;
    /* Connection and request limits (README: Limits). */
    int max_connections;        /**< REST connections open at once; more are closed at accept */
    int header_timeout_ms;      /**< HTTP/1.1: accept or last response until the whole next request arrived */
    int idle_timeout_ms;        /**< HTTP/2: a connection without open streams is closed after this */
    int max_header_count;       /**< REST request headers; more get 431 */
    int max_header_bytes;       /**< REST request header names and values together; more get 431 */
    int max_request_line_bytes; /**< REST method and target; longer gets 414 */
    int grpc_max_concurrent_streams;
    int grpc_min_ping_interval_ms;        /**< pings closer than this (no data between) are strikes */
    int grpc_max_ping_strikes;            /**< strikes before GOAWAY ENHANCE_YOUR_CALM */
    int grpc_max_connection_age_ms;       /**< 0: unlimited */
    int grpc_max_connection_age_grace_ms; /**< time calls get after the age's GOAWAY */

    char *auth; /**< NULL when unset, else "none" */
    char *log_level;
    char *log_format;     /**< "text" or "json" */
    char *metrics_listen; /**< HOST:PORT of the metrics-only listener; NULL: /metrics on rest_listen */
    char *audit_log;      /**< the audit log file; NULL for none */
    char *audit_log_mode; /**< "sync" (each record on disk before its call goes on) or "batch" */
    int shutdown_timeout_seconds;
    /* The "sts" issuer (an upstream STS endpoint). */
    char *sts_endpoint_url; /**< where STS is called; NULL: int_endpoint_url from the rados config */
    char *role_arn;         /**< NULL: arn from the rados config */
    char *sts_action;       /**< AssumeRole or GetSessionToken */
    char *sts_region;
    char *creds_path;        /**< directory with access_key and secret_key files */
    char *rados_config_path; /**< the original deployment's YAML: int_endpoint_url, ext_endpoint_url, arn */
    int upstream_connect_timeout_ms;
    int upstream_timeout_ms;
    char *ca_file;                  /**< NULL: the system CA store */
    char *insecure_skip_tls_verify; /**< "true" or "false" */
    int worker_threads;
    int worker_queue;
    int readiness_interval_seconds;
    /* The "rgw-native" issuer (RGW session tokens minted locally); it shares the sts issuer's endpoint settings. */
    char *rgw_sts_key_file;              /**< holds RGW's `rgw sts key` */
    char *rgw_sts_key_file_allow_shared; /**< deprecated alias: "true" means secret_files_allow_shared=true */
    char *rgw_user;                      /**< "uid" or "tenant$uid" */
    char *rgw_role_id;                   /**< NULL: looked up with GetRole */
    /* Caller authentication (auth is the comma-separated chain: none, or jwt). */
    int auth_defaulted; /**< auth was unset and chosen by the safe defaults */
    char *jwt_jwks_file;
    char *jwt_jwks_url;
    char *jwt_public_keys; /**< comma-separated PEM files */
    char *jwt_issuer;      /**< comma-separated accepted iss values */
    char *jwt_audience;    /**< comma-separated accepted aud values */
    int jwt_leeway;
    char *jwt_username_claim;
    char *jwt_role_claims; /**< comma-separated dotted paths */
    int jwt_jwks_refresh_seconds;
    int jwt_jwks_max_age_seconds;
    char *admin_roles;          /**< comma-separated roles that administer every user's tokens */
    char *issuer_roles;         /**< comma-separated roles that may issue credentials; NULL: see validate */
    int issuer_roles_defaulted; /**< issuer_roles was unset and follows admin_roles (the old meaning) */
    char *access_token_roles;   /**< "user:NAME=role|role,domain:DOMAIN=role" grants for access-token callers */
    int max_tokens_per_user;
    long max_access_token_lifetime; /**< seconds */
    char *self_service_tokens;      /**< "true" or "false" */
    int store_worker_threads;
    int store_worker_queue;
    int lookup_worker_threads;
    int lookup_worker_queue;
    /* TLS on both listeners. */
    char *tls_cert_file;       /**< PEM chain, server certificate first; NULL: plain text */
    char *tls_key_file;        /**< PEM private key; set together with tls_cert_file */
    char *grpc_client_ca_file; /**< PEM CAs for gRPC client certificates (mTLS); NULL: none asked */
    char *client_cert_roles;   /**< "cn:NAME=role|role,…" grants for client-certificate callers */
    char *allow_plaintext;     /**< "true" lets a non-loopback listener serve without TLS */
    int tls_expiry_warning_days;
    int tls_reload_seconds;
    /* Logins and the service's own tokens. */
    char *issuer_url;             /**< iss of the service's tokens; NULL: derived from rest_listen */
    char *token_audience;         /**< aud of the service's tokens */
    long access_token_lifetime;   /**< seconds */
    long refresh_token_lifetime;  /**< seconds */
    long refresh_family_lifetime; /**< seconds */
    long refresh_reuse_grace;     /**< seconds */
    long client_max_lifetime;     /**< seconds */
    int password_hash_memory_kib;
    int password_hash_iterations;
    int password_hash_parallelism;
    int password_worker_threads;
    int password_worker_queue;
    char *signing_algorithm;   /**< ES256, EdDSA or RS256 */
    long signing_key_rotation; /**< seconds; 0: never */
    char *login_notice;        /**< "" for none */
    int login_free_failures;
    long login_throttle_delay;     /**< seconds */
    long login_throttle_max_delay; /**< seconds */
    int login_lockout_failures;
    char *realms; /**< comma-separated realms the Keycloak-style OAuth 2.0 paths accept */
    /* Users from a directory (LDAP). */
    char *user_sources;            /**< "local", "ldap", "local,ldap" or "ldap,local" */
    char *ldap_url;                /**< ldap:// or ldaps:// */
    char *ldap_bind_dn;            /**< search-then-bind's service account; NULL: direct bind */
    char *ldap_bind_password_file; /**< its password */
    char *ldap_base_dn;            /**< where users are searched */
    char *ldap_user_filter;        /**< "(uid=%s)" */
    char *ldap_username_attribute; /**< "uid": its value is the user's name in sts */
    char *ldap_user_dn_template;   /**< direct bind: "uid=%s,ou=people,…" */
    char *ldap_starttls;           /**< "true" or "false" */
    char *ldap_ca_file;            /**< NULL: the system's CAs */
    char *ldap_group_base_dn;      /**< NULL: no roles from groups */
    char *ldap_group_filter;       /**< "(member=%s)", %s the user's DN */
    char *ldap_role_map;           /**< "GROUP=role|role;…" */
    long ldap_timeout;             /**< seconds */
} sts_config_t;

/** Fills config with the built-in defaults. */
void sts_config_init(sts_config_t *config);

/**
 * Reads the YAML file named by --config or STS_CONFIG, then the STS_* variables of envp (NULL: the process
 * environment), then the flags in argv, and validates the result. Returns 0, or -1 with a message in error naming
 * the source and the key, e.g. "STS_REST_THREADS: expected an integer from 1 to 64, got 'abc'" or
 * "stsd.yaml:7: unknown key 'rest_threds'". Not thread-safe; call once at startup.
 */
int sts_config_load(sts_config_t *config, int argc, char **argv, char **envp, char *error, size_t error_size);

/** 1 when listen ("HOST:PORT") names a loopback host: 127.0.0.0/8, ::1 (also v4-mapped) or localhost. */
int sts_config_listen_is_loopback(const char *listen);

/** Frees the strings. */
void sts_config_dispose(sts_config_t *config);

/** Writes --help: every option's flag, environment variable, YAML key, default and meaning. */
void sts_config_print_help(FILE *out);

/** Writes the effective configuration as YAML (for --check-config). Holds no secrets: only paths to them. */
void sts_config_print(const sts_config_t *config, FILE *out);

#endif
