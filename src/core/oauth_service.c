/* OAuthService: the OAuth 2.0 token endpoint (RFC 6749): password, refresh_token and client_credentials grants. */
#include <string.h>
#include "core/audit.h"
#include "core/login_flow.h"
#include "core/oauth_client.h"
#include "core/login_records.h"
#include "core/login_tokens.h"
#include "core/service.h"
#include "sts_methods.h"

/* RFC 6749 5.2's codes for a failure of the login steps: bad input, or a grant that does not hold. */
static sts_status_t as_oauth2(sts_call_t *call, sts_status_t status)
{
    if (status == STS_STATUS_INVALID_ARGUMENT)
        call->error_reason = "invalid_request";
    else if (status == STS_STATUS_UNAUTHENTICATED || status == STS_STATUS_NOT_FOUND ||
             status == STS_STATUS_FAILED_PRECONDITION)
        call->error_reason = "invalid_grant";
    return status;
}

/* RFC 6749 4.4: a confidential client's own token; its subject and roles are the client's, with no refresh token. */
static sts_status_t client_credentials(sts_call_t *call, const sts_login_settings_t *login,
                                       const sts_client_record_t *client, const char *scope, const char **access)
{
    sts_access_jwt_claims_t claims = {
        .subject = sts_arena_printf(&call->arena, "%s%s", STS_CLIENT_SUBJECT_PREFIX, client->client_id),
        .username = client->client_id,
        .client_id = client->client_id,
        .scope = scope};
    char **roles = NULL;
    sts__split_roles(call, client->allowed_roles, &roles, &claims.role_count);
    claims.roles = (const char *const *)roles;
    int64_t lifetime = login->access_token_lifetime_s < client->max_lifetime_seconds ? login->access_token_lifetime_s
                                                                                     : client->max_lifetime_seconds;
    sts_status_t status = sts__mint_access_token(call, &claims, lifetime, access);
    if (status == STS_STATUS_OK)
        STS_AUDIT(call, "client.token_issued", {"client_id", client->client_id}, {"grant", "client_credentials"});
    return status;
}

sts_status_t sts_handle_oauth_service_token(sts_call_t *call, const ProtobufCMessage *request,
                                            ProtobufCMessage *response)
{
    const Sts__V1__OAuthTokenRequest *in = (const Sts__V1__OAuthTokenRequest *)request;
    Sts__V1__OAuthTokenResponse *out = (Sts__V1__OAuthTokenResponse *)response;
    const sts_login_settings_t *login;
    sts_status_t status = sts__oauth_settings(call, in->realm, &login);
    if (status != STS_STATUS_OK)
        return status;
    int password = strcmp(in->grant_type, "password") == 0, refresh = strcmp(in->grant_type, "refresh_token") == 0;
    int credentials = strcmp(in->grant_type, "client_credentials") == 0;
    if (in->grant_type[0] == '\0')
        return sts_call_fail_reason(call, STS_STATUS_INVALID_ARGUMENT, "invalid_request", "grant_type is required");
    if (!password && !refresh && !credentials)
        return sts_call_fail_reason(call, STS_STATUS_INVALID_ARGUMENT, "unsupported_grant_type",
                                    "grant_type %.32s is not supported here: use password, refresh_token or "
                                    "client_credentials",
                                    in->grant_type);
    sts_client_record_t client;
    if ((status = sts__oauth_authenticate_client(call, login, in->client_id, in->client_secret, &client)) !=
        STS_STATUS_OK)
        return status;
    if (!sts__oauth_grant_allowed(&client, in->grant_type))
        return sts_call_fail_reason(call, STS_STATUS_PERMISSION_DENIED, "unauthorized_client",
                                    "client %s may not use the %s grant%s", client.client_id, in->grant_type,
                                    credentials ? " (it is a public client)" : "");
    const char *access = NULL, *refresh_token = NULL;
    if (credentials) {
        status = client_credentials(call, login, &client, in->scope, &access);
    } else if (password) {
        sts_user_record_t user;
        if (in->username[0] == '\0' || in->password[0] == '\0')
            return sts_call_fail_reason(call, STS_STATUS_INVALID_ARGUMENT, "invalid_request",
                                        "the password grant needs username and password");
        status = sts__login_check_password(call, login, in->username, in->password, &user);
        if (status == STS_STATUS_OK)
            status = sts__login_session(call, login, &user, &client, in->scope, &access, &refresh_token);
    } else {
        if (in->refresh_token[0] == '\0')
            return sts_call_fail_reason(call, STS_STATUS_INVALID_ARGUMENT, "invalid_request",
                                        "the refresh_token grant needs refresh_token");
        status =
            sts__login_refresh(call, login, in->refresh_token, client.client_id, in->scope, &access, &refresh_token);
    }
    if (status != STS_STATUS_OK)
        return as_oauth2(call, status);
    out->access_token = (char *)access;
    out->token_type = "Bearer";
    int64_t lifetime = login->access_token_lifetime_s < client.max_lifetime_seconds ? login->access_token_lifetime_s
                                                                                    : client.max_lifetime_seconds;
    out->expires_in = (int32_t)lifetime;
    if (refresh_token != NULL) {
        out->refresh_case = STS__V1__OAUTH_TOKEN_RESPONSE__REFRESH_REFRESH_TOKEN;
        out->refresh_token = (char *)refresh_token;
    }
    if (in->scope[0] != '\0') {
        out->scope_value_case = STS__V1__OAUTH_TOKEN_RESPONSE__SCOPE_VALUE_SCOPE;
        out->scope = in->scope;
    }
    return STS_STATUS_OK;
}

sts_status_t sts_handle_oauth_service_get_discovery(sts_call_t *call, const ProtobufCMessage *request,
                                                    ProtobufCMessage *response)
{
    const Sts__V1__GetDiscoveryRequest *in = (const Sts__V1__GetDiscoveryRequest *)request;
    Sts__V1__Discovery *out = (Sts__V1__Discovery *)response;
    const sts_login_settings_t *login;
    sts_status_t status = sts__oauth_settings(call, in->realm, &login);
    if (status != STS_STATUS_OK)
        return status;
    static char *grants[] = {"password", "refresh_token", "client_credentials"};
    static char *auth_methods[] = {"client_secret_basic", "client_secret_post", "none"};
    static char *response_types[] = {"none"};
    static char *subject_types[] = {"public"};
    out->issuer = (char *)login->issuer_url;
    out->token_endpoint = sts_arena_printf(&call->arena, "%s/oauth2/token", login->issuer_url);
    out->jwks_uri = sts_arena_printf(&call->arena, "%s/.well-known/jwks.json", login->issuer_url);
    out->grant_types_supported = grants;
    out->n_grant_types_supported = sizeof(grants) / sizeof(grants[0]);
    out->token_endpoint_auth_methods_supported = auth_methods;
    out->n_token_endpoint_auth_methods_supported = sizeof(auth_methods) / sizeof(auth_methods[0]);
    out->response_types_supported = response_types;
    out->n_response_types_supported = 1;
    out->subject_types_supported = subject_types;
    out->n_subject_types_supported = 1;
    const sts_key_ring_view_t *view = sts_key_ring_acquire(login->keys);
    char **algs = sts_arena_alloc(&call->arena, sizeof(char *));
    algs[0] = (char *)sts_signing_alg_name(sts_signing_key_alg(view->keys[0]));
    sts_key_ring_release(login->keys, view);
    out->id_token_signing_alg_values_supported = algs;
    out->n_id_token_signing_alg_values_supported = 1;
    static char *introspection_methods[] = {"client_secret_basic", "client_secret_post"};
    out->introspection_endpoint = sts_arena_printf(&call->arena, "%s/oauth2/introspect", login->issuer_url);
    out->introspection_endpoint_auth_methods_supported = introspection_methods;
    out->n_introspection_endpoint_auth_methods_supported = 2;
    out->revocation_endpoint = sts_arena_printf(&call->arena, "%s/oauth2/revoke", login->issuer_url);
    out->revocation_endpoint_auth_methods_supported = auth_methods;
    out->n_revocation_endpoint_auth_methods_supported = sizeof(auth_methods) / sizeof(auth_methods[0]);
    return STS_STATUS_OK;
}
