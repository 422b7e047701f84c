/* LoginService: logins, refresh, extended and client tokens, logout and the public keys (DESIGN §1.3). */
#include <string.h>
#include "core/login_records.h"
#include "core/login_tokens.h"
#include "core/service.h"
#include "sts/v1/login.pb-c.h"
#include "sts_methods.h"
#include "util/log.h"
#include "util/timefmt.h"

/* One message for an unknown user and a wrong password, so that answers do not tell which usernames exist. */
static const char wrong_credentials[] = "wrong username or password";

static int64_t now_ms(void)
{
    return sts_time_now() / 1000;
}

/* After lock_after failures in a row the user is disabled until an admin enables them (NIST SP 800-63B 5.2.2). */
static void lock_user(sts_call_t *call, const sts_login_settings_t *login, const sts_user_record_t *user)
{
    sts_store_t *store = call->service->store;
    int disabled = 0;
    sts_user_change_t change = {.enabled = &disabled, .revoke_sessions = 1, .now = sts_time_now()};
    char error[256];
    if (store->user_update(store, user->id, &change, &call->arena, NULL, error, sizeof(error)) == STS_STORE_OK) {
        sts_revocations_put(login->users_not_before, user->id, change.now);
        sts_log_warn("logins: user %s locked after too many failed logins; an admin must enable it", user->username);
    } else {
        sts_log_warn("logins: cannot lock user %s: %s", user->username, error);
    }
}

static sts_status_t failed_login(sts_call_t *call, const sts_login_settings_t *login, const char *username,
                                 const sts_user_record_t *user)
{
    int failures = sts_login_throttle_failure(login->throttle, username, call->peer, now_ms());
    if (user != NULL && user->enabled && failures >= login->lock_after)
        lock_user(call, login, user);
    return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED, "%s", wrong_credentials);
}

/* Stores a hash under the current parameters for a user whose hash is older; best effort. */
static void rehash(sts_call_t *call, const sts_login_settings_t *login, const sts_user_record_t *user,
                   const char *password)
{
    char hash[STS_PASSWORD_HASH_MAX];
    if (sts_password_hash(&login->password, password, strlen(password), hash, sizeof(hash)) != 0)
        return;
    sts_user_change_t change = {.password_hash = hash, .now = sts_time_now()};
    char error[256];
    sts_store_t *store = call->service->store;
    if (store->user_update(store, user->id, &change, &call->arena, NULL, error, sizeof(error)) != STS_STORE_OK)
        sts_log_warn("logins: cannot store the new hash of user %s: %s", user->username, error);
}

/*
 * Checks a username and password with the same work whether or not the user exists: exactly one argon2id
 * computation, unless the throttle refuses first. On OK *user is the (enabled) user.
 */
static sts_status_t check_password(sts_call_t *call, const sts_login_settings_t *login, const char *username,
                                   const char *password, sts_user_record_t *user)
{
    sts_status_t status = sts__check_login_name(call, "username", username);
    if (status == STS_STATUS_OK)
        status = sts__check_password(call, "password", password);
    if (status != STS_STATUS_OK)
        return status;
    int64_t wait_ms = sts_login_throttle_wait_ms(login->throttle, username, call->peer, now_ms());
    if (wait_ms > 0) {
        call->retry_after_seconds = (int)((wait_ms + 999) / 1000);
        return sts_call_fail(call, STS_STATUS_RESOURCE_EXHAUSTED,
                             "too many failed logins for this user or address; try again in %d seconds",
                             call->retry_after_seconds);
    }
    sts_store_t *store = call->service->store;
    char error[256];
    sts_store_result_t result = store->user_get(store, NULL, username, &call->arena, user, error, sizeof(error));
    if (result == STS_STORE_NOT_FOUND) {
        sts_password_verify_dummy(&login->password, password, strlen(password));
        return failed_login(call, login, username, NULL);
    }
    if (result != STS_STORE_OK)
        return sts_call_fail(call, STS_STATUS_UNAVAILABLE, "%s", error);
    sts_password_verdict_t verdict =
        sts_password_verify(&login->password, user->password_hash, password, strlen(password));
    if (verdict == STS_PASSWORD_MISMATCH || verdict == STS_PASSWORD_BAD_HASH)
        return failed_login(call, login, username, user);
    if (!user->enabled)
        return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED, "user %s is disabled; ask an admin to enable it",
                             username);
    sts_login_throttle_success(login->throttle, username, call->peer);
    if (verdict == STS_PASSWORD_MATCH_REHASH)
        rehash(call, login, user, password);
    return STS_STATUS_OK;
}

/* A new refresh-token family for a login; its first token into token. */
static sts_status_t start_family(sts_call_t *call, const sts_login_settings_t *login, const sts_user_record_t *user,
                                 const char *session_id, const char **token)
{
    sts_refresh_record_t record = {.client_id = "", .session_id = session_id};
    char text[STS_REFRESH_TOKEN_CHARS + 1];
    sts__refresh_token_make(login, NULL, record.id, text);
    sts__random_id(record.family_id);
    memcpy(record.user_id, user->id, sizeof(record.user_id));
    sts_access_token_hmac(login->refresh_key, text, strlen(text), record.hmac);
    record.created_time = sts_time_now();
    record.expires_time = record.created_time + login->refresh_token_lifetime_s * 1000000;
    record.family_expires_time = record.created_time + login->refresh_family_lifetime_s * 1000000;
    char error[256];
    sts_store_t *store = call->service->store;
    if (store->refresh_create(store, &record, error, sizeof(error)) != STS_STORE_OK)
        return sts_call_fail(call, STS_STATUS_UNAVAILABLE, "%s", error);
    *token = sts_arena_strdup(&call->arena, text);
    return STS_STATUS_OK;
}

/* The access token of a user's login session. */
static sts_status_t user_access_token(sts_call_t *call, const sts_user_record_t *user, const char *session_id,
                                      const char *client_id, const char **token)
{
    sts_access_jwt_claims_t claims = {.subject = user->id,
                                      .username = user->username,
                                      .session_id = session_id,
                                      .client_id = client_id != NULL && client_id[0] ? client_id : NULL};
    char **roles = NULL;
    sts__split_roles(call, user->roles, &roles, &claims.role_count);
    claims.roles = (const char *const *)roles;
    return sts__mint_access_token(call, &claims, call->service->login->access_token_lifetime_s, token);
}

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
    if (status == STS_STATUS_OK)
        status = check_password(call, login, in->username, in->password, &user);
    if (status != STS_STATUS_OK)
        return status;
    char session_id[STS_STORE_ID_CHARS + 1];
    sts__random_id(session_id);
    const char *access = NULL, *refresh = NULL;
    if ((status = start_family(call, login, &user, session_id, &refresh)) != STS_STATUS_OK ||
        (status = user_access_token(call, &user, session_id, NULL, &access)) != STS_STATUS_OK)
        return status;
    pair(call, response, access, refresh);
    return STS_STATUS_OK;
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
    char id[STS_STORE_ID_CHARS + 1];
    if ((status = sts__refresh_token_parse(call, in->refresh_token, id)) != STS_STATUS_OK)
        return status;
    uint8_t hmac[32];
    sts_access_token_hmac(login->refresh_key, in->refresh_token, strlen(in->refresh_token), hmac);
    char next_text[STS_REFRESH_TOKEN_CHARS + 1];
    sts_refresh_record_t next = {0}, old;
    sts__refresh_token_make(login, in->refresh_token, next.id, next_text);
    sts_access_token_hmac(login->refresh_key, next_text, strlen(next_text), next.hmac);
    int64_t now = sts_time_now();
    next.created_time = now;
    next.expires_time = now + login->refresh_token_lifetime_s * 1000000;
    next.client_id = "";
    next.session_id = "";
    char error[256];
    sts_store_t *store = call->service->store;
    sts_store_result_t result = store->refresh_rotate(store, id, hmac, now, login->refresh_reuse_grace_s * 1000000,
                                                      &next, &call->arena, &old, error, sizeof(error));
    if (result == STS_STORE_REUSED) {
        sts_log_warn("logins: refresh token reused: family %s of user %s revoked", old.family_id, old.user_id);
        return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED,
                             "refresh-token was used already, so its whole family is now revoked; log in again");
    }
    if (result == STS_STORE_NOT_FOUND)
        return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED,
                             "refresh-token is unknown, expired or revoked, or its user is disabled; log in again");
    if (result != STS_STORE_OK && result != STS_STORE_REPLAYED)
        return sts_call_fail(call, STS_STATUS_UNAVAILABLE, "%s", error);
    sts_user_record_t user;
    result = store->user_get(store, old.user_id, NULL, &call->arena, &user, error, sizeof(error));
    if (result != STS_STORE_OK)
        return sts__login_store_failed(call, result, "user", old.user_id, error);
    const char *access = NULL;
    if ((status = user_access_token(call, &user, old.session_id, old.client_id, &access)) != STS_STATUS_OK)
        return status;
    pair(call, response, access, sts_arena_strdup(&call->arena, next_text));
    return STS_STATUS_OK;
}

/* The registered, enabled client with this id. */
static sts_status_t find_client(sts_call_t *call, const char *client_id, sts_client_record_t *client)
{
    sts_status_t status = sts__check_login_name(call, "clientId", client_id);
    if (status != STS_STATUS_OK)
        return status;
    char error[256];
    sts_store_t *store = call->service->store;
    sts_store_result_t result = store->client_get(store, client_id, &call->arena, client, error, sizeof(error));
    if (result != STS_STORE_OK)
        return sts__login_store_failed(call, result, "client", client_id, error);
    if (!client->enabled)
        return sts_call_fail(call, STS_STATUS_FAILED_PRECONDITION, "client %s is disabled", client_id);
    return STS_STATUS_OK;
}

sts_status_t sts_handle_login_service_extended_token(sts_call_t *call, const ProtobufCMessage *request,
                                                     ProtobufCMessage *response)
{
    const Sts__V1__ExtendedTokenRequest *in = (const Sts__V1__ExtendedTokenRequest *)request;
    const sts_login_settings_t *login;
    sts_status_t status = sts__need_logins(call, &login);
    sts_client_record_t client;
    if (status == STS_STATUS_OK)
        status = find_client(call, in->client_id, &client);
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
    if (status == STS_STATUS_OK)
        status = find_client(call, in->client_id, &client);
    if (status == STS_STATUS_OK)
        status = check_password(call, login, in->username, in->password, &user);
    if (status != STS_STATUS_OK)
        return status;
    char **user_roles = NULL, **allowed = NULL;
    size_t user_count = 0, allowed_count = 0, kept = 0;
    sts__split_roles(call, user.roles, &user_roles, &user_count);
    sts__split_roles(call, client.allowed_roles, &allowed, &allowed_count);
    for (size_t i = 0; i < user_count; i++) {
        for (size_t j = 0; j < allowed_count; j++) {
            if (strcmp(user_roles[i], allowed[j]) == 0) {
                user_roles[kept++] = user_roles[i];
                break;
            }
        }
    }
    char session_id[STS_STORE_ID_CHARS + 1];
    sts__random_id(session_id);
    sts_access_jwt_claims_t claims = {.subject = user.id,
                                      .username = user.username,
                                      .session_id = session_id,
                                      .client_id = client.client_id,
                                      .roles = (const char *const *)user_roles,
                                      .role_count = kept};
    int64_t lifetime = login->access_token_lifetime_s < client.max_lifetime_seconds ? login->access_token_lifetime_s
                                                                                    : client.max_lifetime_seconds;
    const char *access = NULL;
    if ((status = sts__mint_access_token(call, &claims, lifetime, &access)) != STS_STATUS_OK)
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
    return STS_STATUS_OK;
}

sts_status_t sts_handle_login_service_get_jwks(sts_call_t *call, const ProtobufCMessage *request,
                                               ProtobufCMessage *response)
{
    (void)request;
    Sts__V1__Jwks *out = (Sts__V1__Jwks *)response;
    const sts_login_settings_t *login;
    sts_status_t status = sts__need_logins(call, &login);
    if (status != STS_STATUS_OK)
        return status;
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
