/* OAuthService: the OAuth 2.0 token endpoint (RFC 6749) for public clients: password and refresh_token grants. */
#include <string.h>
#include <strings.h>
#include "core/login_flow.h"
#include "core/login_records.h"
#include "core/service.h"
#include "sts_methods.h"
#include "util/base64.h"

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

/*
 * The client of the request: client_id from the form, or the user part of HTTP Basic (RFC 6749 2.3.1). Only public
 * clients exist, so a secret in Basic is refused rather than ignored.
 */
static sts_status_t identify_client(sts_call_t *call, const char *form_id, sts_client_record_t *client)
{
    const char *id = form_id;
    const char *header = call->authorization;
    if (header != NULL && strncasecmp(header, "Basic ", 6) == 0) {
        const char *encoded = header + 6;
        size_t len = strlen(encoded);
        char *decoded = sts_arena_alloc(&call->arena, sts_base64_decoded_max(len) + 1);
        long n = sts_base64_decode(encoded, len, (uint8_t *)decoded, sts_base64_decoded_max(len), STS_BASE64_STD);
        char *colon = n > 0 ? memchr(decoded, ':', (size_t)n) : NULL;
        if (colon == NULL)
            return sts_call_fail_reason(call, STS_STATUS_UNAUTHENTICATED, "invalid_client",
                                        "the Authorization header is not Basic base64(client_id:client_secret)");
        decoded[n] = '\0';
        *colon = '\0';
        if (colon[1] != '\0')
            return sts_call_fail_reason(call, STS_STATUS_UNAUTHENTICATED, "invalid_client",
                                        "client %.128s has no secret here: authenticate as a public client", decoded);
        if (form_id[0] != '\0' && strcmp(form_id, decoded) != 0)
            return sts_call_fail_reason(call, STS_STATUS_INVALID_ARGUMENT, "invalid_request",
                                        "client_id differs from the client in the Authorization header");
        id = decoded;
    }
    if (id[0] == '\0')
        return sts_call_fail_reason(call, STS_STATUS_UNAUTHENTICATED, "invalid_client",
                                    "client_id is required (a registered client)");
    sts_status_t status = sts__login_find_client(call, "client_id", id, client);
    if (status != STS_STATUS_OK)
        call->error_reason = status == STS_STATUS_INVALID_ARGUMENT ? "invalid_request" : "invalid_client";
    if (status == STS_STATUS_NOT_FOUND || status == STS_STATUS_FAILED_PRECONDITION)
        status = STS_STATUS_UNAUTHENTICATED;
    return status;
}

sts_status_t sts_handle_oauth_service_token(sts_call_t *call, const ProtobufCMessage *request,
                                            ProtobufCMessage *response)
{
    const Sts__V1__OAuthTokenRequest *in = (const Sts__V1__OAuthTokenRequest *)request;
    Sts__V1__OAuthTokenResponse *out = (Sts__V1__OAuthTokenResponse *)response;
    const sts_login_settings_t *login;
    sts_status_t status = sts__need_logins(call, &login);
    if (status != STS_STATUS_OK)
        return status;
    if (!sts__login_realm_known(login, in->realm))
        return sts_call_fail_reason(call, STS_STATUS_NOT_FOUND, "invalid_request", "no realm '%.64s' here", in->realm);
    int password = strcmp(in->grant_type, "password") == 0, refresh = strcmp(in->grant_type, "refresh_token") == 0;
    if (in->grant_type[0] == '\0')
        return sts_call_fail_reason(call, STS_STATUS_INVALID_ARGUMENT, "invalid_request", "grant_type is required");
    if (!password && !refresh)
        return sts_call_fail_reason(call, STS_STATUS_INVALID_ARGUMENT, "unsupported_grant_type",
                                    "grant_type %.32s is not supported here: use password or refresh_token",
                                    in->grant_type);
    sts_client_record_t client;
    if ((status = identify_client(call, in->client_id, &client)) != STS_STATUS_OK)
        return status;
    const char *access = NULL, *refresh_token = NULL;
    if (password) {
        sts_user_record_t user;
        if (in->username[0] == '\0' || in->password[0] == '\0')
            return sts_call_fail_reason(call, STS_STATUS_INVALID_ARGUMENT, "invalid_request",
                                        "the password grant needs username and password");
        status = sts__login_check_password(call, login, in->username, in->password, &user);
        if (status == STS_STATUS_OK)
            status = sts__login_session(call, login, &user, &client, &access, &refresh_token);
    } else {
        if (in->refresh_token[0] == '\0')
            return sts_call_fail_reason(call, STS_STATUS_INVALID_ARGUMENT, "invalid_request",
                                        "the refresh_token grant needs refresh_token");
        status = sts__login_refresh(call, login, in->refresh_token, client.client_id, &access, &refresh_token);
    }
    if (status != STS_STATUS_OK)
        return as_oauth2(call, status);
    out->access_token = (char *)access;
    out->token_type = "Bearer";
    int64_t lifetime = login->access_token_lifetime_s < client.max_lifetime_seconds ? login->access_token_lifetime_s
                                                                                    : client.max_lifetime_seconds;
    out->expires_in = (int32_t)lifetime;
    out->refresh_token = (char *)refresh_token;
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
    sts_status_t status = sts__need_logins(call, &login);
    if (status != STS_STATUS_OK)
        return status;
    if (!sts__login_realm_known(login, in->realm))
        return sts_call_fail(call, STS_STATUS_NOT_FOUND, "no realm '%.64s' here", in->realm);
    static char *grants[] = {"password", "refresh_token"};
    static char *auth_methods[] = {"none"}; /* public clients only, so far */
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
    return STS_STATUS_OK;
}
