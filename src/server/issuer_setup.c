#include "server/issuer_setup.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/secret_file.h"
#include "issuer/local_issuer.h"
#include "issuer/rgw_native_issuer.h"
#include "issuer/upstream_issuer.h"
#include "util/log.h"
#include "util/text.h"
#include "util/ticker.h"

/* The endpoint settings both RGW-facing issuers share; the key paths are written into the caller's buffers. */
static sts_aws_connection_t connection_of(const sts_config_t *config, char access_key_file[4096],
                                          char secret_key_file[4096])
{
    snprintf(access_key_file, 4096, "%s/access_key", config->creds_path);
    snprintf(secret_key_file, 4096, "%s/secret_key", config->creds_path);
    int insecure = strcmp(config->insecure_skip_tls_verify, "true") == 0;
    char shown[STS_AWS_URL_SHOWN_MAX];
    if (insecure)
        sts_log_warn("TLS certificates of %s are NOT verified (insecure_skip_tls_verify=true)",
                     sts_url_redact(config->sts_endpoint_url, shown, sizeof(shown)));
    return (sts_aws_connection_t){
        .url = config->sts_endpoint_url,
        .region = config->sts_region,
        .access_key_file = access_key_file,
        .secret_key_file = secret_key_file,
        .connect_timeout_ms = config->upstream_connect_timeout_ms,
        .timeout_ms = config->upstream_timeout_ms,
        .ca_file = config->ca_file,
        .insecure = insecure,
    };
}

static sts_issuer_t *create_upstream(const sts_config_t *config, char *error, size_t error_size)
{
    char access_key_file[4096], secret_key_file[4096];
    sts_upstream_settings_t settings = {
        .connection = connection_of(config, access_key_file, secret_key_file),
        .action = config->sts_action,
        .role_arn = config->role_arn,
    };
    sts_issuer_t *issuer = sts_upstream_issuer_create(&settings, error, error_size);
    char shown[STS_AWS_URL_SHOWN_MAX];
    if (issuer != NULL)
        sts_log_info("issuer sts: %s at %s%s%s", config->sts_action,
                     sts_url_redact(config->sts_endpoint_url, shown, sizeof(shown)),
                     config->role_arn != NULL ? " for " : "", config->role_arn != NULL ? config->role_arn : "");
    return issuer;
}

static sts_issuer_t *create_rgw_native(const sts_config_t *config, char *error, size_t error_size)
{
    char access_key_file[4096], secret_key_file[4096];
    int can_look_up = config->role_arn != NULL && config->sts_endpoint_url != NULL && config->creds_path != NULL;
    sts_aws_connection_t connection;
    if (can_look_up)
        connection = connection_of(config, access_key_file, secret_key_file);
    sts_rgw_native_settings_t settings = {
        .key_file = config->rgw_sts_key_file,
        .user = config->rgw_user,
        .role_arn = can_look_up ? config->role_arn : NULL,
        .role_id = config->rgw_role_id,
        .max_duration_seconds = config->max_duration_seconds,
        .connection = can_look_up ? &connection : NULL,
    };
    sts_issuer_t *issuer = sts_rgw_native_issuer_create(&settings, error, error_size);
    if (issuer == NULL)
        return NULL;
    char shown[STS_AWS_URL_SHOWN_MAX];
    sts_log_info("issuer rgw-native: RGW session tokens for user %s, role %s%s%s", config->rgw_user,
                 config->rgw_role_id != NULL ? config->rgw_role_id : config->role_arn,
                 can_look_up ? ", checked with GetRole at " : "",
                 can_look_up ? sts_url_redact(config->sts_endpoint_url, shown, sizeof(shown)) : "");
    return issuer;
}

void sts_server_apply_secret_file_policy(const sts_config_t *config)
{
    int allow = strcmp(config->secret_files_allow_shared, "true") == 0;
    if (strcmp(config->rgw_sts_key_file_allow_shared, "true") == 0) {
        sts_log_warn("rgw_sts_key_file_allow_shared is deprecated: it now means secret_files_allow_shared=true, for "
                     "every secret file; set that instead");
        allow = 1;
    }
    if (allow)
        sts_log_warn("secret_files_allow_shared=true: secret files that other users may read are accepted (each "
                     "is named when read)");
    sts_secret_files_allow_shared(allow);
}

sts_issuer_t *sts_server_create_issuer(const sts_config_t *config, sts_secret_ring_t *session_keys, char *error,
                                       size_t error_size)
{
    if (strcmp(config->issuer, "sts") == 0)
        return create_upstream(config, error, error_size);
    if (strcmp(config->issuer, "rgw-native") == 0)
        return create_rgw_native(config, error, error_size);
    return sts_local_issuer_create(session_keys);
}

struct sts_readiness_checker_s {
    sts_issuer_t *issuer;
    sts_readiness_t *readiness;
    sts_ticker_t *ticker;
    int was_ready; /* -1 before the first check; only the ticker's thread touches it */
};

static void run_check(void *arg)
{
    sts_readiness_checker_t *checker = arg;
    char message[STS_READINESS_MESSAGE_MAX];
    int ready = checker->issuer->check(checker->issuer, message, sizeof(message)) == STS_STATUS_OK;
    sts_readiness_set(checker->readiness, ready, message);
    if (ready != checker->was_ready)
        ready ? sts_log_info("ready: the upstream check passed") : sts_log_warn("not ready: %s", message);
    checker->was_ready = ready;
}

sts_readiness_checker_t *sts_readiness_checker_start(sts_issuer_t *issuer, sts_readiness_t *readiness,
                                                     int interval_seconds)
{
    sts_readiness_checker_t *checker = calloc(1, sizeof(*checker));
    if (checker == NULL)
        sts_log_fatal("out of memory");
    checker->issuer = issuer;
    checker->readiness = readiness;
    checker->was_ready = -1;
    sts_readiness_set(readiness, 0, "the first upstream check has not finished yet");
    checker->ticker = sts_ticker_start((int64_t)interval_seconds * 1000, 1, run_check, checker);
    if (checker->ticker == NULL) {
        free(checker);
        return NULL;
    }
    return checker;
}

void sts_readiness_checker_stop(sts_readiness_checker_t *checker)
{
    sts_ticker_stop(checker->ticker);
    free(checker);
}
