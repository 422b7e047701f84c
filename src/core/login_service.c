/* LoginService: logins, refresh, extended and client tokens, logout and the public keys (DESIGN §1.3). */
#include <string.h>
#include "core/audit.h"
#include "core/login_flow.h"
#include "core/login_records.h"
#include "core/login_tokens.h"
#include "core/service.h"
#include "sts/v1/login.pb-c.h"
#include "sts_methods.h"
#include "util/log.h"
#include "util/timefmt.h"

static Sts__V1__TokenPair *pair(sts_call_t *call, ProtobufCMessage *response, const char *access, const char *refresh)
{
    Sts__V1__TokenPair *out = (Sts__V1__TokenPair *)response;
    out->access_token = (char *)access;
    out->token_type = "Bearer";
    out->refresh_token = (char *)refresh;
    out->message = (char *)sts__login_message(call);
    return out;
}

sts_status_t sts_handle_login_service_login(sts_call_t *call, const ProtobufCMessage *request,
                                            ProtobufCMessage *response)
{
    const Sts__V1__LoginRequest *in = (const Sts__V1__LoginRequest *)request;
    const sts_login_settings_t *login;
    sts_status_t status = sts__need_logins(call, &login);
    sts_user_record_t user;
    const char *access = NULL, *refresh = NULL;
    if (status == STS_STATUS_OK)
        status = sts__login_check_password(call, login, in->username, in->password, &user);
    if (status == STS_STATUS_OK)
        status = sts__login_session(call, login, &user, NULL, NULL, &access, &refresh);
    if (status == STS_STATUS_OK)
        pair(call, response, access, refresh);
    return status;
}

sts_status_t sts_handle_login_service_refresh(sts_call_t *call, const ProtobufCMessage *request,
                                              ProtobufCMessage *response)
{
    const Sts__V1__RefreshRequest *in = (const Sts__V1__RefreshRequest *)request;
    const sts_login_settings_t *login;
    sts_status_t status = sts__need_logins(call, &login);
    if (status != STS_STATUS_OK)
        return status;
    if (strcmp(in->grant_type, "refresh_token") != 0)
        return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "grant-type must be refresh_token");
    const char *access = NULL, *refresh = NULL;
    if ((status = sts__login_refresh(call, login, in->refresh_token, NULL, NULL, &access, &refresh)) == STS_STATUS_OK)
        pair(call, response, access, refresh);
    return status;
}

sts_status_t sts_handle_login_service_extended_token(sts_call_t *call, const ProtobufCMessage *request,
                                                     ProtobufCMessage *response)
{
    const Sts__V1__ExtendedTokenRequest *in = (const Sts__V1__ExtendedTokenRequest *)request;
    const sts_login_settings_t *login;
    sts_status_t status = sts__need_logins(call, &login);
    sts_client_record_t client;
    if (status == STS_STATUS_OK)
        status = sts__login_find_client(call, "clientId", in->client_id, &client);
    if (status != STS_STATUS_OK)
        return status;
    if (in->expiry <= 0)
        return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "expiry must be a positive number of seconds");
    int64_t longest = client.max_lifetime_seconds < login->client_max_lifetime_s ? client.max_lifetime_seconds
                                                                                 : login->client_max_lifetime_s;
    int64_t lifetime = in->expiry < longest ? in->expiry : longest;
    sts_access_jwt_claims_t claims = {
        .subject = sts_arena_printf(&call->arena, "%s%s", STS_CLIENT_SUBJECT_PREFIX, client.client_id),
        .username = client.client_id,
        .client_id = client.client_id};
    char **roles = NULL;
    sts__split_roles(call, client.allowed_roles, &roles, &claims.role_count);
    claims.roles = (const char *const *)roles;
    const char *access = NULL;
    if ((status = sts__mint_access_token(call, &claims, lifetime, &access)) != STS_STATUS_OK)
        return status;
    STS_AUDIT(call, "client.token_issued", {"client_id", client.client_id}, {"grant", "extended"});
    /* Not refreshable: an admin asks again. The key stays, empty, so the shape is the contract's. */
    Sts__V1__TokenPair *out = pair(call, response, access, "");
    if (lifetime < in->expiry) {
        const char *notice = out->message;
        out->message =
            sts_arena_printf(&call->arena, "expiry capped to %lld seconds, the longest client %s may get%s%s",
                             (long long)lifetime, client.client_id, notice[0] ? ". " : "", notice);
    }
    return STS_STATUS_OK;
}

sts_status_t sts_handle_login_service_client_token(sts_call_t *call, const ProtobufCMessage *request,
                                                   ProtobufCMessage *response)
{
    const Sts__V1__ClientTokenRequest *in = (const Sts__V1__ClientTokenRequest *)request;
    Sts__V1__ClientTokenResponse *out = (Sts__V1__ClientTokenResponse *)response;
    const sts_login_settings_t *login;
    sts_status_t status = sts__need_logins(call, &login);
    sts_client_record_t client;
    sts_user_record_t user;
    const char *access = NULL;
    if (status == STS_STATUS_OK)
        status = sts__login_find_client(call, "clientId", in->client_id, &client);
    if (status == STS_STATUS_OK)
        status = sts__login_check_password(call, login, in->username, in->password, &user);
    if (status == STS_STATUS_OK)
        status = sts__login_session(call, login, &user, &client, NULL, &access, NULL);
    if (status != STS_STATUS_OK)
        return status;
    out->access_token = (char *)access;
    out->token_type = "Bearer";
    out->message = (char *)sts__login_message(call);
    return STS_STATUS_OK;
}

sts_status_t sts_handle_login_service_revoke(sts_call_t *call, const ProtobufCMessage *request,
                                             ProtobufCMessage *response)
{
    (void)response;
    const Sts__V1__RevokeRequest *in = (const Sts__V1__RevokeRequest *)request;
    const sts_login_settings_t *login;
    sts_status_t status = sts__need_logins(call, &login);
    char id[STS_STORE_ID_CHARS + 1];
    if (status == STS_STATUS_OK && (status = sts__refresh_token_parse(call, in->refresh_token, id)) != STS_STATUS_OK)
        status = sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "%s", call->error_message);
    if (status != STS_STATUS_OK)
        return status;
    uint8_t hmac[32];
    sts_access_token_hmac(login->refresh_key, in->refresh_token, strlen(in->refresh_token), hmac);
    char error[256];
    sts_store_t *store = call->service->store;
    sts_store_result_t result = store->refresh_revoke(store, id, hmac, error, sizeof(error));
    /* RFC 7009 2.2: an unknown or expired token is no error; there is nothing left to revoke. */
    if (result != STS_STORE_OK && result != STS_STORE_NOT_FOUND)
        return sts_call_fail(call, STS_STATUS_UNAVAILABLE, "%s", error);
    STS_AUDIT(call, "refresh.revoked", {"refresh_token_id", id}, {"found", result == STS_STORE_OK ? "true" : "false"});
    return STS_STATUS_OK;
}

sts_status_t sts_handle_login_service_get_jwks(sts_call_t *call, const ProtobufCMessage *request,
                                               ProtobufCMessage *response)
{
    const Sts__V1__GetJwksRequest *in = (const Sts__V1__GetJwksRequest *)request;
    Sts__V1__Jwks *out = (Sts__V1__Jwks *)response;
    const sts_login_settings_t *login;
    sts_status_t status = sts__need_logins(call, &login);
    if (status != STS_STATUS_OK)
        return status;
    if (!sts__login_realm_known(login, in->realm))
        return sts_call_fail(call, STS_STATUS_NOT_FOUND, "no realm '%.64s' here", in->realm);
    const sts_key_ring_view_t *view = sts_key_ring_acquire(login->keys);
    out->keys = sts_arena_alloc(&call->arena, view->count * sizeof(*out->keys) + 1);
    for (size_t i = 0; i < view->count; i++) {
        sts_signing_jwk_t members;
        if (sts_signing_key_public_members(view->keys[i], &members) != 0)
            continue;
        Sts__V1__Jwk *jwk = (Sts__V1__Jwk *)sts_call_new_message(call, &sts__v1__jwk__descriptor);
        jwk->kty = sts_arena_strdup(&call->arena, members.kty);
        if (members.crv[0]) {
            jwk->crv_value_case = STS__V1__JWK__CRV_VALUE_CRV;
            jwk->crv = sts_arena_strdup(&call->arena, members.crv);
        }
        if (members.x[0]) {
            jwk->x_value_case = STS__V1__JWK__X_VALUE_X;
            jwk->x = sts_arena_strdup(&call->arena, members.x);
        }
        if (members.y[0]) {
            jwk->y_value_case = STS__V1__JWK__Y_VALUE_Y;
            jwk->y = sts_arena_strdup(&call->arena, members.y);
        }
        if (members.n[0]) {
            jwk->n_value_case = STS__V1__JWK__N_VALUE_N;
            jwk->n = sts_arena_strdup(&call->arena, members.n);
        }
        if (members.e[0]) {
            jwk->e_value_case = STS__V1__JWK__E_VALUE_E;
            jwk->e = sts_arena_strdup(&call->arena, members.e);
        }
        jwk->kid = sts_arena_strdup(&call->arena, sts_signing_key_kid(view->keys[i]));
        jwk->alg = (char *)sts_signing_alg_name(sts_signing_key_alg(view->keys[i]));
        jwk->use = "sig";
        out->keys[out->n_keys++] = jwk;
    }
    sts_key_ring_release(login->keys, view);
    return STS_STATUS_OK;
}
