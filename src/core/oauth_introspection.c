/* OAuthService's introspection (RFC 7662) and revocation (RFC 7009) of the service's own tokens. */
#include <string.h>
#include <strings.h>
#include "core/audit.h"
#include "core/dispatch.h"
#include "core/login_flow.h"
#include "core/login_records.h"
#include "core/login_tokens.h"
#include "core/oauth_client.h"
#include "core/service.h"
#include "sts_methods.h"
#include "util/log.h"
#include "util/timefmt.h"

/* Who asks: an admin (by bearer token) may look at and revoke any token; a client only as the RFCs allow. */
typedef struct {
    int admin;
    sts_client_record_t client; /* when not admin */
} oauth_caller_t;

/* An admin's bearer token, authenticated here: the policy lets the call in so that clients can use Basic. */
static sts_status_t authenticate_admin(sts_call_t *call, oauth_caller_t *caller)
{
    const sts_service_t *service = call->service;
    sts_status_t status = service->authenticate(service->authenticate_data, call);
    if (status == STS_STATUS_OK && call->wants != STS_WORK_INLINE)
        status = sts_call_fail(call, STS_STATUS_UNAVAILABLE, "the bearer token could not be checked here");
    if (status != STS_STATUS_OK) {
        call->wants = STS_WORK_INLINE;
        call->error_reason = "invalid_client";
        return status;
    }
    if (!sts_call_has_role(call, "admin"))
        return sts_call_fail_reason(call, STS_STATUS_PERMISSION_DENIED, "unauthorized_client",
                                    "%s is not an admin: authenticate as a client instead", call->principal.name);
    caller->admin = 1;
    return STS_STATUS_OK;
}

/*
 * The caller: a client authenticated as for the token endpoint (a confidential one when confidential is set), or an
 * admin's bearer token. With authentication off (STS_AUTH=none) a caller without client credentials is an admin, as
 * for every other call.
 */
static sts_status_t identify_caller(sts_call_t *call, const sts_login_settings_t *login, const char *client_id,
                                    const char *client_secret, int confidential, oauth_caller_t *caller)
{
    memset(caller, 0, sizeof(*caller));
    const char *header = call->authorization;
    if (header != NULL && strncasecmp(header, "Bearer ", 7) == 0 && call->service->authenticate != NULL) {
        if (client_id[0] != '\0' || client_secret[0] != '\0')
            return sts_call_fail_reason(call, STS_STATUS_INVALID_ARGUMENT, "invalid_request",
                                        "authenticate one way: a Bearer token or client credentials, not both");
        return authenticate_admin(call, caller);
    }
    int basic = header != NULL && strncasecmp(header, "Basic ", 6) == 0;
    if (!basic && client_id[0] == '\0' && client_secret[0] == '\0') {
        if (call->service->authenticate == NULL) {
            caller->admin = 1;
            return STS_STATUS_OK;
        }
        return sts_call_fail_reason(call, STS_STATUS_UNAUTHENTICATED, "invalid_client",
                                    "authenticate as a client (HTTP Basic or client_id and client_secret) or send an "
                                    "admin's Bearer token");
    }
    sts_status_t status = sts__oauth_authenticate_client(call, login, client_id, client_secret, &caller->client);
    if (status == STS_STATUS_OK && confidential && !caller->client.has_secret)
        return sts_call_fail_reason(call, STS_STATUS_UNAUTHENTICATED, "invalid_client",
                                    "client %s is public: introspection needs a confidential client or an admin",
                                    caller->client.client_id);
    return status;
}

/* What both endpoints check first: logins on, the realm, the caller, and a token to look at. */
static sts_status_t begin(sts_call_t *call, const char *realm, const char *client_id, const char *client_secret,
                          const char *token, int confidential, const sts_login_settings_t **login,
                          oauth_caller_t *caller)
{
    sts_status_t status = sts__oauth_settings(call, realm, login);
    if (status == STS_STATUS_OK)
        status = identify_caller(call, *login, client_id, client_secret, confidential, caller);
    if (status == STS_STATUS_OK && token[0] == '\0')
        return sts_call_fail_reason(call, STS_STATUS_INVALID_ARGUMENT, "invalid_request", "token is required");
    return status;
}

/* The id of a well-formed refresh token; 0 for anything else, which is an answer (inactive), not an error. */
static int refresh_id(sts_call_t *call, const char *token, char id[STS_STORE_ID_CHARS + 1])
{
    const char *saved_message = call->error_message;
    int ok = sts__refresh_token_parse(call, token, id) == STS_STATUS_OK;
    call->error_message = saved_message;
    return ok;
}

/* What a refresh token that still works says: its user, client, session and lifetime; *active 0 when it does not. */
static sts_status_t refresh_facts(sts_call_t *call, const sts_login_settings_t *login, const char *token,
                                  sts_token_facts_t *facts, int *active)
{
    char id[STS_STORE_ID_CHARS + 1];
    if (!refresh_id(call, token, id))
        return STS_STATUS_OK;
    uint8_t hmac[32];
    sts_access_token_hmac(login->refresh_key, token, strlen(token), hmac);
    sts_store_t *store = call->service->store;
    int64_t now = sts_time_now();
    sts_refresh_record_t record;
    sts_user_record_t user;
    char error[256];
    sts_store_result_t result = store->refresh_find(store, id, hmac, &now, &call->arena, &record, error, sizeof(error));
    if (result == STS_STORE_OK)
        result = store->user_get(store, record.user_id, NULL, &call->arena, &user, error, sizeof(error));
    if (result == STS_STORE_NOT_FOUND)
        return STS_STATUS_OK;
    if (result != STS_STORE_OK)
        return sts_call_fail(call, STS_STATUS_UNAVAILABLE, "%s", error);
    int64_t expires =
        record.expires_time < record.family_expires_time ? record.expires_time : record.family_expires_time;
    *facts = (sts_token_facts_t){.token_type = "Refresh",
                                 .subject = sts_arena_strdup(&call->arena, record.user_id),
                                 .username = user.username,
                                 .client_id = record.client_id,
                                 .issuer = login->issuer_url,
                                 .audience = "",
                                 .jti = "",
                                 .session_id = record.session_id,
                                 .scope = "",
                                 .issued_at_s = record.created_time / 1000000,
                                 .expires_at_s = expires / 1000000};
    *active = 1;
    return STS_STATUS_OK;
}

/* An access JWT or access token of this service that stands: the authenticators' verdict. */
static sts_status_t bearer_facts(sts_call_t *call, const sts_login_settings_t *login, const char *token,
                                 sts_token_facts_t *facts, int *active)
{
    const sts_service_t *service = call->service;
    if (service->inspect == NULL)
        return STS_STATUS_OK;
    const char *saved_message = call->error_message;
    sts_status_t status = service->inspect(service->inspect_data, call, token, facts);
    if (status == STS_STATUS_UNAVAILABLE)
        return status;
    call->error_message = saved_message; /* a token that does not stand is an answer, not an error */
    if (status != STS_STATUS_OK)
        return STS_STATUS_OK;
    if (facts->issuer[0] == '\0')
        facts->issuer = login->issuer_url; /* the service's access tokens name no issuer of their own */
    if (strcmp(facts->issuer, login->issuer_url) == 0)
        facts->audience = login->audience;
    *active = 1;
    return STS_STATUS_OK;
}

/* The facts of any token of this service; *active 0 for anything that does not stand. */
static sts_status_t token_facts(sts_call_t *call, const sts_login_settings_t *login, const char *token,
                                sts_token_facts_t *facts, int *active)
{
    *active = 0;
    if (strncmp(token, STS_REFRESH_TOKEN_PREFIX, sizeof(STS_REFRESH_TOKEN_PREFIX) - 1) == 0)
        return refresh_facts(call, login, token, facts, active);
    return bearer_facts(call, login, token, facts, active);
}

/* Sets a one-field oneof of the answer when its text is not empty: absent members stay out of the JSON. */
#define SET_TEXT(out, member, CASE, text)                                                                              \
    do {                                                                                                               \
        if ((text)[0] != '\0') {                                                                                       \
            (out)->member##_value_case = STS__V1__INTROSPECTION__##CASE;                                               \
            (out)->member = (char *)(text);                                                                            \
        }                                                                                                              \
    } while (0)

static void fill_introspection(sts_call_t *call, const sts_token_facts_t *facts, Sts__V1__Introspection *out)
{
    out->active = 1;
    SET_TEXT(out, token_type, TOKEN_TYPE_VALUE_TOKEN_TYPE, facts->token_type);
    SET_TEXT(out, sub, SUB_VALUE_SUB, facts->subject);
    SET_TEXT(out, username, USERNAME_VALUE_USERNAME, facts->username);
    SET_TEXT(out, client_id, CLIENT_ID_VALUE_CLIENT_ID, facts->client_id);
    SET_TEXT(out, iss, ISS_VALUE_ISS, facts->issuer);
    SET_TEXT(out, aud, AUD_VALUE_AUD, facts->audience);
    SET_TEXT(out, jti, JTI_VALUE_JTI, facts->jti);
    SET_TEXT(out, sid, SID_VALUE_SID, facts->session_id);
    SET_TEXT(out, scope, SCOPE_VALUE_SCOPE, facts->scope);
    /* uint32 seconds reach 2106; the service's tokens live hours */
    if (facts->expires_at_s > 0 && facts->expires_at_s <= UINT32_MAX) {
        out->exp_value_case = STS__V1__INTROSPECTION__EXP_VALUE_EXP;
        out->exp = (uint32_t)facts->expires_at_s;
    }
    if (facts->issued_at_s > 0 && facts->issued_at_s <= UINT32_MAX) {
        out->iat_value_case = STS__V1__INTROSPECTION__IAT_VALUE_IAT;
        out->iat = (uint32_t)facts->issued_at_s;
    }
    if (facts->role_count > 0) {
        Sts__V1__RealmAccess *access =
            (Sts__V1__RealmAccess *)sts_call_new_message(call, &sts__v1__realm_access__descriptor);
        access->roles = (char **)facts->roles;
        access->n_roles = facts->role_count;
        out->realm_access = access;
    }
}

sts_status_t sts_handle_oauth_service_introspect(sts_call_t *call, const ProtobufCMessage *request,
                                                 ProtobufCMessage *response)
{
    const Sts__V1__IntrospectRequest *in = (const Sts__V1__IntrospectRequest *)request;
    Sts__V1__Introspection *out = (Sts__V1__Introspection *)response;
    const sts_login_settings_t *login;
    oauth_caller_t caller;
    sts_status_t status = begin(call, in->realm, in->client_id, in->client_secret, in->token, 1, &login, &caller);
    if (status != STS_STATUS_OK)
        return status;
    sts_token_facts_t facts;
    int active = 0;
    if ((status = token_facts(call, login, in->token, &facts, &active)) != STS_STATUS_OK)
        return status;
    if (active)
        fill_introspection(call, &facts, out);
    return STS_STATUS_OK;
}

/* RFC 7009 2.1: a client may revoke only what was issued to it; an admin anything. */
static sts_status_t check_owner(sts_call_t *call, const oauth_caller_t *caller, const char *token_client)
{
    if (caller->admin || strcmp(token_client, caller->client.client_id) == 0)
        return STS_STATUS_OK;
    return sts_call_fail_reason(call, STS_STATUS_PERMISSION_DENIED, "unauthorized_client",
                                "the token was not issued to client %s", caller->client.client_id);
}

/* A refresh token ends its whole family (a logout), whatever state it is in. */
static sts_status_t revoke_refresh(sts_call_t *call, const sts_login_settings_t *login, const oauth_caller_t *caller,
                                   const char *token)
{
    char id[STS_STORE_ID_CHARS + 1];
    if (!refresh_id(call, token, id))
        return STS_STATUS_OK;
    uint8_t hmac[32];
    sts_access_token_hmac(login->refresh_key, token, strlen(token), hmac);
    sts_store_t *store = call->service->store;
    sts_refresh_record_t record;
    char error[256];
    sts_store_result_t result = store->refresh_find(store, id, hmac, NULL, &call->arena, &record, error, sizeof(error));
    sts_status_t status = STS_STATUS_OK;
    if (result == STS_STORE_OK && (status = check_owner(call, caller, record.client_id)) == STS_STATUS_OK)
        result = store->refresh_revoke(store, id, hmac, error, sizeof(error));
    if (status != STS_STATUS_OK)
        return status;
    if (result == STS_STORE_OK) {
        sts_log_info("logins: refresh family %s of user %s revoked by %s", record.family_id, record.user_id,
                     caller->admin ? "an admin" : caller->client.client_id);
        STS_AUDIT(call, "refresh.revoked", {"user_id", record.user_id}, {"family_id", record.family_id},
                  {"by", caller->admin ? "admin" : caller->client.client_id});
    } else if (result != STS_STORE_NOT_FOUND)
        return sts_call_fail(call, STS_STATUS_UNAVAILABLE, "%s", error);
    return STS_STATUS_OK;
}

/* An access JWT that still stands is denied by its jti until it expires, here at once and elsewhere on reload. */
static sts_status_t revoke_jwt(sts_call_t *call, const sts_login_settings_t *login, const oauth_caller_t *caller,
                               const char *token)
{
    sts_token_facts_t facts;
    int active = 0;
    sts_status_t status = bearer_facts(call, login, token, &facts, &active);
    if (status != STS_STATUS_OK || !active)
        return status;
    if (facts.jti[0] == '\0')
        return sts_call_fail_reason(call, STS_STATUS_INVALID_ARGUMENT, "unsupported_token_type",
                                    "the token has no jti to revoke it by");
    if ((status = check_owner(call, caller, facts.client_id)) != STS_STATUS_OK)
        return status;
    sts_denied_token_t denied = {.jti = facts.jti, .expires_time = facts.expires_at_s * 1000000};
    sts_store_t *store = call->service->store;
    char error[256];
    if (store->token_deny(store, &denied, error, sizeof(error)) != STS_STORE_OK)
        return sts_call_fail(call, STS_STATUS_UNAVAILABLE, "%s", error);
    sts_revocations_put(login->denied_tokens, denied.jti, denied.expires_time);
    sts_log_info("logins: access token %s of %s revoked by %s", facts.jti, facts.subject,
                 caller->admin ? "an admin" : caller->client.client_id);
    STS_AUDIT(call, "access_jwt.revoked", {"jti", facts.jti}, {"subject", facts.subject},
              {"by", caller->admin ? "admin" : caller->client.client_id});
    return STS_STATUS_OK;
}

sts_status_t sts_handle_oauth_service_revoke(sts_call_t *call, const ProtobufCMessage *request,
                                             ProtobufCMessage *response)
{
    const Sts__V1__OAuthRevokeRequest *in = (const Sts__V1__OAuthRevokeRequest *)request;
    (void)response;
    const sts_login_settings_t *login;
    oauth_caller_t caller;
    sts_status_t status = begin(call, in->realm, in->client_id, in->client_secret, in->token, 0, &login, &caller);
    if (status != STS_STATUS_OK)
        return status;
    if (strncmp(in->token, STS_REFRESH_TOKEN_PREFIX, sizeof(STS_REFRESH_TOKEN_PREFIX) - 1) == 0)
        return revoke_refresh(call, login, &caller, in->token);
    if (sts_access_token_recognised(in->token, strlen(in->token)))
        return sts_call_fail_reason(call, STS_STATUS_INVALID_ARGUMENT, "unsupported_token_type",
                                    "access tokens are not revoked here: delete or disable them through "
                                    "/v1/auth/access-tokens/{id}");
    return revoke_jwt(call, login, &caller, in->token);
}
