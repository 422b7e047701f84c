#include "server/issuer_setup.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "issuer/local_issuer.h"
#include "issuer/upstream_issuer.h"
#include "util/log.h"

static sts_issuer_t *create_upstream(const sts_config_t *config, char *error, size_t error_size)
{
    char access_key_file[4096], secret_key_file[4096];
    snprintf(access_key_file, sizeof(access_key_file), "%s/access_key", config->creds_path);
    snprintf(secret_key_file, sizeof(secret_key_file), "%s/secret_key", config->creds_path);
    int insecure = strcmp(config->insecure_skip_tls_verify, "true") == 0;
    sts_upstream_settings_t settings = {
        .url = config->sts_endpoint_url,
        .action = config->sts_action,
        .role_arn = config->role_arn,
        .region = config->sts_region,
        .access_key_file = access_key_file,
        .secret_key_file = secret_key_file,
        .connect_timeout_ms = config->upstream_connect_timeout_ms,
        .timeout_ms = config->upstream_timeout_ms,
        .ca_file = config->ca_file,
        .insecure = insecure,
    };
    sts_issuer_t *issuer = sts_upstream_issuer_create(&settings, error, error_size);
    if (issuer != NULL && insecure)
        sts_log_warn("TLS certificates of %s are NOT verified (insecure_skip_tls_verify=true)",
                     config->sts_endpoint_url);
    if (issuer != NULL)
        sts_log_info("issuer sts: %s at %s%s%s", config->sts_action, config->sts_endpoint_url,
                     config->role_arn != NULL ? " for " : "", config->role_arn != NULL ? config->role_arn : "");
    return issuer;
}

sts_issuer_t *sts_server_create_issuer(const sts_config_t *config, char *error, size_t error_size)
{
    if (strcmp(config->issuer, "sts") == 0)
        return create_upstream(config, error, error_size);
    return sts_local_issuer_create(config->session_key_file, config->data_dir, error, error_size);
}

struct sts_readiness_checker_s {
    sts_issuer_t *issuer;
    sts_readiness_t *readiness;
    int interval_seconds;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stopping;
};

static void *run_checks(void *arg)
{
    sts_readiness_checker_t *checker = arg;
    int was_ready = -1;
    pthread_mutex_lock(&checker->lock);
    while (!checker->stopping) {
        pthread_mutex_unlock(&checker->lock);
        char message[STS_READINESS_MESSAGE_MAX];
        int ready = checker->issuer->check(checker->issuer, message, sizeof(message)) == STS_STATUS_OK;
        sts_readiness_set(checker->readiness, ready, message);
        if (ready != was_ready)
            ready ? sts_log_info("ready: the upstream check passed") : sts_log_warn("not ready: %s", message);
        was_ready = ready;
        pthread_mutex_lock(&checker->lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += checker->interval_seconds;
        while (!checker->stopping && pthread_cond_timedwait(&checker->wake, &checker->lock, &until) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&checker->lock);
    return NULL;
}

sts_readiness_checker_t *sts_readiness_checker_start(sts_issuer_t *issuer, sts_readiness_t *readiness,
                                                     int interval_seconds)
{
    sts_readiness_checker_t *checker = calloc(1, sizeof(*checker));
    if (checker == NULL)
        sts_log_fatal("out of memory");
    checker->issuer = issuer;
    checker->readiness = readiness;
    checker->interval_seconds = interval_seconds;
    pthread_mutex_init(&checker->lock, NULL);
    pthread_cond_init(&checker->wake, NULL);
    sts_readiness_set(readiness, 0, "the first upstream check has not finished yet");
    if (pthread_create(&checker->thread, NULL, run_checks, checker) != 0) {
        pthread_mutex_destroy(&checker->lock);
        pthread_cond_destroy(&checker->wake);
        free(checker);
        return NULL;
    }
    return checker;
}

void sts_readiness_checker_stop(sts_readiness_checker_t *checker)
{
    pthread_mutex_lock(&checker->lock);
    checker->stopping = 1;
    pthread_cond_signal(&checker->wake);
    pthread_mutex_unlock(&checker->lock);
    pthread_join(checker->thread, NULL);
    pthread_mutex_destroy(&checker->lock);
    pthread_cond_destroy(&checker->wake);
    free(checker);
}
