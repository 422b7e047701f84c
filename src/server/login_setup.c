#include "server/login_setup.h"
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include "auth/jwk.h"
#include "auth/jwks_source.h"
#include "crypto/key_file.h"
#include "util/log.h"
#include "util/timefmt.h"

/** How often the keys are read again (another process may have rotated them) and old revocations forgotten. */
#define HOUSEKEEPING_MS 60000

/* The ring changed: own_jwt verifies with exactly its public keys from now on. */
static void keys_changed(void *data, const sts_key_ring_view_t *view)
{
    sts_jwks_source_t *source = data;
    sts_jwk_set_t *set = NULL;
    char error[256];
    if (source == NULL)
        return;
    if (sts_jwk_set_parse(view->jwks, view->jwks_len, &set, error, sizeof(error)) != 0) {
        sts_log_error("signing keys: cannot use the new key set: %s", error);
        return;
    }
    sts_jwks_source_replace(source, set);
}

static int64_t longest_token_us(const sts_config_t *config)
{
    long longest = config->access_token_lifetime > config->client_max_lifetime ? config->access_token_lifetime
                                                                               : config->client_max_lifetime;
    return (int64_t)longest * 1000000;
}

static sts_key_ring_t *open_ring(const sts_config_t *config, sts_store_t *store, sts_jwks_source_t *source, char *error,
                                 size_t error_size)
{
    sts_key_ring_settings_t settings = {
        .algorithm = (sts_signing_alg_t)sts_signing_alg_from_name(config->signing_algorithm),
        .verify_for_us = longest_token_us(config),
        .rotate_after_us = (int64_t)config->signing_key_rotation * 1000000,
        .changed = keys_changed,
        .changed_data = source,
    };
    char path[4096];
    snprintf(path, sizeof(path), "%s/keys.kek", config->data_dir);
    if (sts_key_file_load(path, 1, "the signing-key encryption key file", settings.kek, error, error_size) != 0)
        return NULL;
    sts_key_ring_t *ring = sts_key_ring_create(&settings, store, sts_time_now(), error, error_size);
    OPENSSL_cleanse(settings.kek, sizeof(settings.kek));
    return ring;
}

sts_key_ring_t *sts_login_open_key_ring(const sts_config_t *config, sts_store_t *store, char *error, size_t error_size)
{
    return open_ring(config, store, NULL, error, error_size);
}

static void housekeeping(void *data)
{
    sts_login_setup_t *setup = data;
    char error[256];
    int64_t now = sts_time_now();
    if (sts_key_ring_reload(setup->settings.keys, now, error, sizeof(error)) != 0)
        sts_log_warn("signing keys: reload failed, the current keys stay in use: %s", error);
    sts_revocations_forget_before(setup->settings.users_not_before,
                                  now - setup->settings.access_token_lifetime_s * 1000000 - 60000000);
}

static void start_own_jwt(sts_login_setup_t *setup, const sts_config_t *config)
{
    setup->issuers[0] = config->issuer_url;
    setup->audiences[0] = config->token_audience;
    setup->role_paths[0] = "realm_access.roles";
    setup->own_rules = (sts_jwt_rules_t){.issuers = setup->issuers,
                                         .issuer_count = 1,
                                         .audiences = setup->audiences,
                                         .audience_count = 1,
                                         .leeway_seconds = config->jwt_leeway,
                                         .username_claim = "preferred_username",
                                         .role_paths = setup->role_paths,
                                         .role_path_count = 1};
    setup->own_jwt = sts_jwt_authenticator_create(&setup->own_rules, setup->own_keys);
    sts_jwt_authenticator_set_check(setup->own_jwt, sts_login_check_token, &setup->settings);
}

int sts_login_setup_start(sts_login_setup_t *setup, const sts_config_t *config, sts_store_t *store, char *error,
                          size_t error_size)
{
    memset(setup, 0, sizeof(*setup));
    sts_login_settings_t *s = &setup->settings;
    char path[4096];
    snprintf(path, sizeof(path), "%s/refresh.key", config->data_dir);
    if (sts_key_file_load(path, 1, "the refresh-token key file", s->refresh_key, error, error_size) != 0)
        return -1;
    sts_jwks_settings_t no_files = {0};
    setup->own_keys = sts_jwks_source_create(&no_files, error, error_size);
    if (setup->own_keys == NULL || (s->keys = open_ring(config, store, setup->own_keys, error, error_size)) == NULL)
        return -1;
    s->users_not_before = sts_revocations_create();
    s->clients_valid_since = sts_revocations_create();
    sts_login_throttle_settings_t throttle = {config->login_free_failures, config->login_throttle_delay * 1000,
                                              config->login_throttle_max_delay * 1000, config->login_lockout_failures,
                                              65536};
    s->throttle = sts_login_throttle_create(&throttle);
    s->password =
        (sts_password_params_t){(uint32_t)config->password_hash_memory_kib, (uint32_t)config->password_hash_iterations,
                                (uint32_t)config->password_hash_parallelism};
    s->issuer_url = config->issuer_url;
    s->audience = config->token_audience;
    s->notice = config->login_notice;
    s->access_token_lifetime_s = config->access_token_lifetime;
    s->refresh_token_lifetime_s = config->refresh_token_lifetime;
    s->refresh_family_lifetime_s = config->refresh_family_lifetime;
    s->refresh_reuse_grace_s = config->refresh_reuse_grace;
    s->client_max_lifetime_s = config->client_max_lifetime;
    s->lock_after = config->login_lockout_failures;
    if (s->throttle == NULL ||
        sts_login_load_revocations(s, store, sts_time_now(), longest_token_us(config), error, error_size) != 0) {
        if (s->throttle == NULL)
            snprintf(error, error_size, "out of memory for the login throttle");
        return -1;
    }
    start_own_jwt(setup, config);
    setup->housekeeping = sts_ticker_start(HOUSEKEEPING_MS, 0, housekeeping, setup);
    return 0;
}

void sts_login_setup_dispose(sts_login_setup_t *setup)
{
    sts_ticker_stop(setup->housekeeping);
    if (setup->own_jwt != NULL)
        sts_jwt_authenticator_destroy(setup->own_jwt);
    sts_key_ring_destroy(setup->settings.keys);
    if (setup->own_keys != NULL)
        sts_jwks_source_destroy(setup->own_keys);
    sts_revocations_destroy(setup->settings.users_not_before);
    sts_revocations_destroy(setup->settings.clients_valid_since);
    if (setup->settings.throttle != NULL)
        sts_login_throttle_destroy(setup->settings.throttle);
    OPENSSL_cleanse(setup->settings.refresh_key, sizeof(setup->settings.refresh_key));
}
