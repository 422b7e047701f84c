#include "server/auth_setup.h"
#include <stdlib.h>
#include <string.h>
#include "util/log.h"

static void split(const char *text, sts_name_list_t *list)
{
    memset(list, 0, sizeof(*list));
    if (text == NULL)
        return;
    const char *start = text;
    for (const char *p = text;; p++) {
        if (*p != ',' && *p != '\0')
            continue;
        const char *end = p;
        while (start < end && (*start == ' ' || *start == '\t'))
            start++;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if (end > start) {
            char **grown = realloc(list->items, (list->count + 1) * sizeof(char *));
            char *item = strndup(start, (size_t)(end - start));
            if (grown == NULL || item == NULL)
                sts_log_fatal("out of memory");
            list->items = grown;
            list->items[list->count++] = item;
        }
        if (*p == '\0')
            break;
        start = p + 1;
    }
}

static void free_list(sts_name_list_t *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
    memset(list, 0, sizeof(*list));
}

int sts_auth_setup_start(sts_auth_setup_t *setup, const sts_config_t *config, sts_service_t *service, char *error,
                         size_t error_size)
{
    memset(setup, 0, sizeof(*setup));
    split(config->admin_roles, &setup->admin_roles);
    service->admin_roles = (const char *const *)setup->admin_roles.items;
    service->admin_role_count = setup->admin_roles.count;
    if (strcmp(config->auth, "none") == 0) {
        if (config->auth_defaulted)
            sts_log_warn("STS_AUTH is not set and no JWT keys are configured: callers are NOT authenticated; this "
                         "is allowed only on loopback (set STS_AUTH=none behind a gateway, or STS_AUTH=jwt)");
        return 0;
    }
    split(config->jwt_issuer, &setup->issuers);
    split(config->jwt_audience, &setup->audiences);
    split(config->jwt_role_claims, &setup->role_paths);
    split(config->jwt_public_keys, &setup->pem_files);
    sts_jwks_settings_t keys = {
        .jwks_file = config->jwt_jwks_file,
        .pem_files = (const char *const *)setup->pem_files.items,
        .pem_file_count = setup->pem_files.count,
        .jwks_url = config->jwt_jwks_url,
        .refresh_seconds = config->jwt_jwks_refresh_seconds,
        .min_refetch_seconds = 10,
        .ca_file = config->ca_file,
    };
    setup->source = sts_jwks_source_create(&keys, error, error_size);
    if (setup->source == NULL)
        return -1;
    setup->rules = (sts_jwt_rules_t){
        .issuers = (const char *const *)setup->issuers.items,
        .issuer_count = setup->issuers.count,
        .audiences = (const char *const *)setup->audiences.items,
        .audience_count = setup->audiences.count,
        .leeway_seconds = config->jwt_leeway,
        .username_claim = config->jwt_username_claim,
        .role_paths = (const char *const *)setup->role_paths.items,
        .role_path_count = setup->role_paths.count,
    };
    setup->jwt = sts_jwt_authenticator_create(&setup->rules, setup->source);
    service->authenticate = sts_jwt_authenticate;
    service->authenticate_data = setup->jwt;
    sts_log_info("callers authenticate with JWTs (%zu accepted issuers, %zu audiences, admin roles: %s)",
                 setup->issuers.count, setup->audiences.count, config->admin_roles);
    return 0;
}

void sts_auth_setup_dispose(sts_auth_setup_t *setup)
{
    if (setup->jwt != NULL)
        sts_jwt_authenticator_destroy(setup->jwt);
    if (setup->source != NULL)
        sts_jwks_source_destroy(setup->source);
    free_list(&setup->issuers);
    free_list(&setup->audiences);
    free_list(&setup->role_paths);
    free_list(&setup->pem_files);
    free_list(&setup->admin_roles);
}
