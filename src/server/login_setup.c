#include "server/login_setup.h"
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include "crypto/secret_file.h"
#include "directory/ldap_directory.h"
#include "server/login_counters.h"
#include "util/log.h"
#include "util/timefmt.h"

/** How often expired revocations and refresh tokens are forgotten. */
#define HOUSEKEEPING_MS 60000

static void housekeeping(void *data)
{
    sts_login_setup_t *setup = data;
    char error[256];
    int64_t now = sts_time_now();
    if (setup->store->refresh_prune(setup->store, now, error, sizeof(error)) != STS_STORE_OK)
        sts_log_warn("logins: cannot forget expired refresh tokens: %s", error);
    if (setup->store->denied_tokens_prune(setup->store, now, error, sizeof(error)) != STS_STORE_OK)
        sts_log_warn("logins: cannot forget expired revoked tokens: %s", error);
    sts_login_counters_prune(setup, now / 1000);
    /* Rebuilt from the store: changes the command line made while stsd runs arrive within one tick. */
    sts_login_setup_reload(setup);
}

void sts_login_setup_reload(sts_login_setup_t *setup)
{
    char error[256];
    if (sts_login_load_revocations(&setup->settings, setup->store, sts_time_now(),
                                   setup->settings.access_token_lifetime_s * 1000000, error, sizeof(error)) != 0)
        sts_log_warn("logins: cannot reload user and client changes: %s", error);
}

static void start_own_jwt(sts_login_setup_t *setup, const sts_config_t *config, sts_jwks_source_t *public_keys)
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
    setup->own_jwt = sts_jwt_authenticator_create(&setup->own_rules, public_keys);
    sts_jwt_authenticator_set_check(setup->own_jwt, sts_login_check_token, &setup->settings);
}

void sts_login_ldap_settings(const sts_config_t *config, const char *bind_password, sts_ldap_settings_t *out)
{
    *out = (sts_ldap_settings_t){.url = config->ldap_url,
                                 .bind_dn = config->ldap_bind_dn,
                                 .bind_password = bind_password,
                                 .base_dn = config->ldap_base_dn,
                                 .user_filter = config->ldap_user_filter,
                                 .username_attribute = config->ldap_username_attribute,
                                 .user_dn_template = config->ldap_user_dn_template,
                                 .starttls = strcmp(config->ldap_starttls, "true") == 0,
                                 .ca_file = config->ldap_ca_file,
                                 .group_base_dn = config->ldap_group_base_dn,
                                 .group_filter = config->ldap_group_filter,
                                 .role_map = config->ldap_role_map,
                                 .timeout_ms = (int)config->ldap_timeout * 1000};
}

int sts_login_directory_create(const sts_config_t *config, sts_user_directory_t **directory, char *error,
                               size_t error_size)
{
    char password[STS_SECRET_FILE_MAX] = "";
    if (config->ldap_bind_password_file != NULL &&
        sts_secret_file_read(config->ldap_bind_password_file,
                             "the LDAP service password file (ldap_bind_password_file)", password, NULL, error,
                             error_size) != 0)
        return -1;
    sts_ldap_settings_t settings;
    sts_login_ldap_settings(config, config->ldap_bind_password_file != NULL ? password : NULL, &settings);
    int rc = sts_ldap_directory_create(&settings, directory, error, error_size);
    OPENSSL_cleanse(password, sizeof(password));
    return rc;
}

static int start_directory(sts_login_setup_t *setup, const sts_config_t *config, char *error, size_t error_size)
{
    int rc = sts_login_directory_create(config, &setup->directory, error, error_size);
    if (rc == 0)
        sts_log_info("logins: users from the LDAP directory %s (%s)", setup->directory->name,
                     config->ldap_user_dn_template != NULL ? "direct bind" : "search, then bind");
    return rc;
}

/* user_sources, in order, into the settings. */
static int start_sources(sts_login_setup_t *setup, const sts_config_t *config, char *error, size_t error_size)
{
    size_t count = 0;
    for (const char *p = config->user_sources; *p != '\0' && count < STS_USER_SOURCES_MAX;
         p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
        if (strncmp(p, "ldap", 4) == 0 && (p[4] == ',' || p[4] == '\0')) {
            if (setup->directory == NULL && start_directory(setup, config, error, error_size) != 0)
                return -1;
            setup->sources[count++] = (sts_user_source_t){"ldap", setup->directory};
        } else {
            setup->sources[count++] = (sts_user_source_t){"local", NULL};
        }
    }
    setup->settings.sources = setup->sources;
    setup->settings.source_count = count;
    return 0;
}

int sts_login_setup_start(sts_login_setup_t *setup, const sts_config_t *config, sts_store_t *store,
                          const sts_key_setup_t *keys, char *error, size_t error_size)
{
    memset(setup, 0, sizeof(*setup));
    sts_login_settings_t *s = &setup->settings;
    const sts_secret_view_t *refresh = sts_secret_ring_acquire(keys->refresh_keys);
    memcpy(s->refresh_key, refresh->secrets[0].key, sizeof(s->refresh_key));
    sts_secret_ring_release(keys->refresh_keys, refresh);
    setup->store = store;
    s->keys = keys->signing;
    s->users_not_before = sts_revocations_create();
    s->clients_valid_since = sts_revocations_create();
    s->denied_tokens = sts_revocations_create();
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
    sts_name_list_split(config->realms, &setup->realms);
    s->realms = (const char *const *)setup->realms.items;
    s->realm_count = setup->realms.count;
    if (start_sources(setup, config, error, error_size) != 0)
        return -1;
    if (s->throttle == NULL ||
        sts_login_load_revocations(s, store, sts_time_now(), (int64_t)config->access_token_lifetime * 1000000, error,
                                   error_size) != 0) {
        if (s->throttle == NULL)
            snprintf(error, error_size, "out of memory for the login throttle");
        return -1;
    }
    sts_login_counters_share(setup);
    start_own_jwt(setup, config, keys->public_keys);
    setup->housekeeping = sts_ticker_start(HOUSEKEEPING_MS, 0, housekeeping, setup);
    return 0;
}

void sts_login_setup_dispose(sts_login_setup_t *setup)
{
    sts_ticker_stop(setup->housekeeping);
    if (setup->own_jwt != NULL)
        sts_jwt_authenticator_destroy(setup->own_jwt);
    sts_revocations_destroy(setup->settings.users_not_before);
    sts_revocations_destroy(setup->settings.clients_valid_since);
    sts_revocations_destroy(setup->settings.denied_tokens);
    if (setup->settings.throttle != NULL)
        sts_login_throttle_destroy(setup->settings.throttle);
    OPENSSL_cleanse(setup->settings.refresh_key, sizeof(setup->settings.refresh_key));
    sts_name_list_free(&setup->realms);
    if (setup->directory != NULL)
        setup->directory->destroy(setup->directory);
}
