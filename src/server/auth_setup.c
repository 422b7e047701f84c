#include "server/auth_setup.h"
#include <stdlib.h>
#include <string.h>
#include "sts/v1/access_tokens.pb-c.h"
#include "util/log.h"

void sts_name_list_split(const char *text, sts_name_list_t *list)
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

void sts_name_list_free(sts_name_list_t *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
    memset(list, 0, sizeof(*list));
}

static int is_wildcard(const sts_name_list_t *list)
{
    return list->count == 1 && strcmp(list->items[0], "*") == 0;
}

static int start_jwt(sts_auth_setup_t *setup, const sts_config_t *config, char *error, size_t error_size)
{
    sts_name_list_split(config->jwt_issuer, &setup->issuers);
    sts_name_list_split(config->jwt_audience, &setup->audiences);
    sts_name_list_split(config->jwt_role_claims, &setup->role_paths);
    sts_name_list_split(config->jwt_public_keys, &setup->pem_files);
    sts_jwks_settings_t keys = {
        .jwks_file = config->jwt_jwks_file,
        .pem_files = (const char *const *)setup->pem_files.items,
        .pem_file_count = setup->pem_files.count,
        .jwks_url = config->jwt_jwks_url,
        .refresh_seconds = config->jwt_jwks_refresh_seconds,
        .min_refetch_seconds = 10,
        .ca_file = config->ca_file,
        .max_age_seconds = config->jwt_jwks_max_age_seconds,
    };
    setup->source = sts_jwks_source_create(&keys, error, error_size);
    if (setup->source == NULL)
        return -1;
    setup->has_jwks_file = config->jwt_jwks_file != NULL;
    /* Configuration checked that each list is real values or exactly "*"; "*" becomes the explicit opt-out flag. */
    int any_issuer = is_wildcard(&setup->issuers), any_audience = is_wildcard(&setup->audiences);
    if (any_issuer)
        sts_log_warn("jwt_issuer is '*': JWTs from any issuer that a configured key verifies are accepted; set "
                     "jwt_issuer to the identity provider's issuer URL");
    if (any_audience)
        sts_log_warn("jwt_audience is '*': JWTs meant for any audience are accepted, including tokens issued to other "
                     "services; set jwt_audience to this service's client id");
    setup->rules = (sts_jwt_rules_t){
        .issuers = (const char *const *)setup->issuers.items,
        .issuer_count = any_issuer ? 0 : setup->issuers.count,
        .audiences = (const char *const *)setup->audiences.items,
        .audience_count = any_audience ? 0 : setup->audiences.count,
        .leeway_seconds = config->jwt_leeway,
        .username_claim = config->jwt_username_claim,
        .role_paths = (const char *const *)setup->role_paths.items,
        .role_path_count = setup->role_paths.count,
        .any_issuer = any_issuer,
        .any_audience = any_audience,
    };
    setup->jwt = sts_jwt_authenticator_create(&setup->rules, setup->source);
    return 0;
}

static int is_domain_name(const char *name)
{
    return protobuf_c_enum_descriptor_get_value_by_name(&sts__v1__identity_domain__descriptor, name) != NULL;
}

/* "user:admin=admin|ops" and "domain:LOCAL=viewer" grants; the role names stay in the split list. */
static int parse_role_grants(sts_auth_setup_t *setup, const char *text, char *error, size_t error_size)
{
    sts_name_list_split(text, &setup->role_grants);
    setup->role_rules = calloc(setup->role_grants.count + 1, sizeof(sts_access_token_role_rule_t));
    if (setup->role_rules == NULL)
        sts_log_fatal("out of memory");
    for (size_t i = 0; i < setup->role_grants.count; i++) {
        char *grant = setup->role_grants.items[i];
        char *equals = strchr(grant, '=');
        int by_user = strncmp(grant, "user:", 5) == 0, by_domain = strncmp(grant, "domain:", 7) == 0;
        if (equals == NULL || (!by_user && !by_domain) || equals[1] == '\0') {
            snprintf(error, error_size, "access_token_roles: '%.64s' is not user:NAME=role|role or domain:DOMAIN=role",
                     grant);
            return -1;
        }
        *equals = '\0';
        if (by_domain && !is_domain_name(grant + 7)) {
            snprintf(error, error_size,
                     "access_token_roles: '%.64s' is not an identity domain (LOCAL, POSIX_USER, "
                     "ACTIVE_DIRECTORY, JWT, X509, ...)",
                     grant + 7);
            return -1;
        }
        sts_access_token_role_rule_t *rule = &setup->role_rules[setup->role_rule_count++];
        rule->user = by_user ? grant + 5 : NULL;
        rule->domain = by_domain ? grant + 7 : NULL;
        /* The roles are '|'-separated in place: split them into a pointer array over the same storage. */
        size_t count = 1;
        for (char *p = equals + 1; *p != '\0'; p++)
            count += *p == '|';
        const char **roles = calloc(count, sizeof(char *));
        if (roles == NULL)
            sts_log_fatal("out of memory");
        char *save = NULL;
        for (char *role = strtok_r(equals + 1, "|", &save); role != NULL; role = strtok_r(NULL, "|", &save))
            roles[rule->role_count++] = role;
        rule->roles = roles;
    }
    return 0;
}

int sts_auth_role_grants_check(const char *text, char *error, size_t error_size)
{
    sts_auth_setup_t scratch;
    memset(&scratch, 0, sizeof(scratch));
    int rc = parse_role_grants(&scratch, text, error, error_size);
    sts_auth_setup_dispose(&scratch);
    return rc;
}

static int token_hmac_matches(void *ring, const char *key_id, const char *token, size_t len, const uint8_t expected[32])
{
    return sts_secret_ring_hmac_matches(ring, key_id, token, len, expected);
}

int sts_auth_setup_start(sts_auth_setup_t *setup, const sts_config_t *config, sts_service_t *service,
                         sts_jwt_authenticator_t *own_jwt, char *error, size_t error_size)
{
    memset(setup, 0, sizeof(*setup));
    sts_name_list_split(config->admin_roles, &setup->admin_roles);
    sts_name_list_split(config->issuer_roles, &setup->issuer_roles);
    service->admin_roles = (sts_role_list_t){(const char *const *)setup->admin_roles.items, setup->admin_roles.count};
    service->issuer_roles =
        (sts_role_list_t){(const char *const *)setup->issuer_roles.items, setup->issuer_roles.count};
    if (config->issuer_roles_defaulted)
        sts_log_warn("admin_roles is set and issuer_roles is not: the roles '%s' both issue credentials and "
                     "administer every user's access tokens, as before; set issuer_roles to separate them",
                     config->admin_roles);
    /* Introspection speaks for the service's own tokens even when callers are not authenticated. */
    setup->chain = (sts_auth_chain_t){.own_jwt = own_jwt};
    service->inspect = sts_auth_chain_inspect;
    service->inspect_data = &setup->chain;
    if (strcmp(config->auth, "none") == 0) {
        sts_log_warn("STS_AUTH=none: callers are not authenticated; a gateway in front must do it");
        return 0;
    }
    if (strstr(config->auth, "jwt") != NULL && start_jwt(setup, config, error, error_size) != 0)
        return -1;
    if (strstr(config->auth, "access-token") != NULL) {
        if (parse_role_grants(setup, config->access_token_roles, error, error_size) != 0)
            return -1;
        sts_access_token_settings_t settings = {
            service->store, token_hmac_matches, service->token_keys, setup->role_rules, setup->role_rule_count, 0, 0};
        setup->access_token = sts_access_token_authenticator_create(&settings);
        service->token_changed = sts_access_token_forget;
        service->token_changed_data = setup->access_token;
    }
    /* Verified gRPC client certificates authenticate callers that send no bearer token. */
    if (config->grpc_client_ca_file != NULL) {
        setup->client_certificate =
            sts_client_certificate_authenticator_create(config->client_cert_roles, error, error_size);
        if (setup->client_certificate == NULL)
            return -1;
    }
    setup->chain = (sts_auth_chain_t){setup->jwt, own_jwt, setup->access_token, setup->client_certificate};
    service->authenticate = sts_auth_chain_authenticate;
    service->authenticate_data = &setup->chain;
    sts_log_info("callers must authenticate (STS_AUTH=%s; issuer roles: %s; admin roles: %s)", config->auth,
                 config->issuer_roles, config->admin_roles);
    return 0;
}

int sts_auth_setup_reload(sts_auth_setup_t *setup)
{
    if (setup->source == NULL || (setup->pem_files.count == 0 && !setup->has_jwks_file))
        return 0;
    sts_jwks_source_reload_files(setup->source);
    return 1;
}

void sts_auth_setup_dispose(sts_auth_setup_t *setup)
{
    if (setup->access_token != NULL)
        sts_access_token_authenticator_destroy(setup->access_token);
    if (setup->jwt != NULL)
        sts_jwt_authenticator_destroy(setup->jwt);
    sts_client_certificate_authenticator_destroy(setup->client_certificate);
    if (setup->source != NULL)
        sts_jwks_source_destroy(setup->source);
    for (size_t i = 0; i < setup->role_rule_count; i++)
        free((void *)setup->role_rules[i].roles);
    free(setup->role_rules);
    sts_name_list_free(&setup->role_grants);
    sts_name_list_free(&setup->issuers);
    sts_name_list_free(&setup->audiences);
    sts_name_list_free(&setup->role_paths);
    sts_name_list_free(&setup->pem_files);
    sts_name_list_free(&setup->admin_roles);
    sts_name_list_free(&setup->issuer_roles);
}
