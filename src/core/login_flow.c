/* The steps every login path shares: password checks, clients, sessions and refresh rotation. */
#include "core/login_flow.h"
#include <string.h>
#include "core/audit.h"
#include "core/metrics.h"
#include "core/login_records.h"
#include "core/login_tokens.h"
#include "core/service.h"
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

sts_status_t sts__login_failed(sts_call_t *call, const sts_login_settings_t *login, const char *username,
                               const sts_user_record_t *user)
{
    sts_metrics_count_event(STS_METRIC_LOGIN_FAILURE);
    int failures = sts_login_throttle_failure(login->throttle, username, call->peer, now_ms());
    if (user != NULL && user->enabled && failures >= login->lock_after)
        lock_user(call, login, user);
    return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED, "%s", wrong_credentials);
}

int sts__user_is_shadow(const sts_user_record_t *user)
{
    return user->source != NULL && user->source[0] != '\0' && strcmp(user->source, "local") != 0;
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
 * The store's own users: *decided is 0 when the store holds no such user, or only the shadow record of a directory
 * user, whose password the store cannot check (it has no hash, and the directory is the one to ask).
 */
static sts_status_t check_local(sts_call_t *call, const sts_login_settings_t *login, const char *username,
                                const char *password, sts_user_record_t *user, int *decided)
{
    *decided = 1;
    sts_store_t *store = call->service->store;
    char error[256];
    sts_store_result_t result = store->user_get(store, NULL, username, &call->arena, user, error, sizeof(error));
    if (result == STS_STORE_NOT_FOUND || (result == STS_STORE_OK && sts__user_is_shadow(user))) {
        *decided = 0;
        return STS_STATUS_OK;
    }
    if (result != STS_STORE_OK)
        return sts_call_fail(call, STS_STATUS_UNAVAILABLE, "%s", error);
    sts_password_verdict_t verdict =
        sts_password_verify(&login->password, user->password_hash, password, strlen(password));
    if (verdict == STS_PASSWORD_MISMATCH || verdict == STS_PASSWORD_BAD_HASH)
        return sts__login_failed(call, login, username, user);
    if (!user->enabled)
        return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED, "user %s is disabled; ask an admin to enable it",
                             username);
    sts_login_throttle_success(login->throttle, username, call->peer);
    if (verdict == STS_PASSWORD_MATCH_REHASH)
        rehash(call, login, user, password);
    return STS_STATUS_OK;
}

sts_status_t sts__login_check_password(sts_call_t *call, const sts_login_settings_t *login, const char *username,
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
    static const sts_user_source_t local_only = {"local", NULL};
    const sts_user_source_t *sources = login->source_count > 0 ? login->sources : &local_only;
    size_t count = login->source_count > 0 ? login->source_count : 1;
    for (size_t i = 0; i < count; i++) {
        int decided = 0;
        if (sources[i].directory == NULL)
            status = check_local(call, login, username, password, user, &decided);
        else
            status = sts__login_check_directory(call, login, sources[i].directory, username, password, user, &decided);
        if (decided)
            return status;
    }
    /* No source knows the user: the same work as a wrong local password, so that timing tells nothing more. */
    sts_password_verify_dummy(&login->password, password, strlen(password));
    return sts__login_failed(call, login, username, NULL);
}

sts_status_t sts__login_find_client(sts_call_t *call, const char *field, const char *client_id,
                                    sts_client_record_t *client)
{
    sts_status_t status = sts__check_login_name(call, field, client_id);
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

/* The user's roles, limited to those the client allows when there is a client. */
static void session_roles(sts_call_t *call, const sts_user_record_t *user, const sts_client_record_t *client,
                          sts_access_jwt_claims_t *claims)
{
    char **roles = NULL, **allowed = NULL;
    size_t count = 0, allowed_count = 0, kept = 0;
    sts__split_roles(call, user->roles, &roles, &count);
    if (client != NULL)
        sts__split_roles(call, client->allowed_roles, &allowed, &allowed_count);
    for (size_t i = 0; i < count; i++) {
        int allowed_here = client == NULL;
        for (size_t j = 0; j < allowed_count && !allowed_here; j++)
            allowed_here = strcmp(roles[i], allowed[j]) == 0;
        if (allowed_here)
            roles[kept++] = roles[i];
    }
    claims->roles = (const char *const *)roles;
    claims->role_count = kept;
}

/* The access token of a user's session, through client when not NULL. */
static sts_status_t session_token(sts_call_t *call, const sts_login_settings_t *login, const sts_user_record_t *user,
                                  const sts_client_record_t *client, const char *session_id, const char *scope,
                                  const char **access)
{
    sts_access_jwt_claims_t claims = {.subject = user->id,
                                      .username = user->username,
                                      .session_id = session_id,
                                      .client_id = client != NULL ? client->client_id : NULL,
                                      .scope = scope};
    session_roles(call, user, client, &claims);
    int64_t lifetime = login->access_token_lifetime_s;
    if (client != NULL && client->max_lifetime_seconds < lifetime)
        lifetime = client->max_lifetime_seconds;
    return sts__mint_access_token(call, &claims, lifetime, access);
}

/* A new refresh-token family for a session; its first token into token. */
static sts_status_t start_family(sts_call_t *call, const sts_login_settings_t *login, const sts_user_record_t *user,
                                 const sts_client_record_t *client, const char *session_id, const char **token)
{
    sts_refresh_record_t record = {.client_id = client != NULL ? client->client_id : "", .session_id = session_id};
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

sts_status_t sts__login_session(sts_call_t *call, const sts_login_settings_t *login, const sts_user_record_t *user,
                                const sts_client_record_t *client, const char *scope, const char **access,
                                const char **refresh)
{
    char session_id[STS_STORE_ID_CHARS + 1];
    sts__random_id(session_id);
    sts_status_t status = STS_STATUS_OK;
    if (refresh != NULL)
        status = start_family(call, login, user, client, session_id, refresh);
    if (status == STS_STATUS_OK)
        status = session_token(call, login, user, client, session_id, scope, access);
    if (status == STS_STATUS_OK)
        sts_metrics_count_event(STS_METRIC_LOGIN_SUCCESS);
    if (status == STS_STATUS_OK)
        STS_AUDIT(call, "login.succeeded", {"user_id", user->id}, {"username", user->username},
                  {"client_id", client != NULL ? client->client_id : NULL}, {"session_id", session_id},
                  {"source", user->source});
    return status;
}

sts_status_t sts__login_refresh(sts_call_t *call, const sts_login_settings_t *login, const char *token,
                                const char *client_id, const char *scope, const char **access, const char **refresh)
{
    char id[STS_STORE_ID_CHARS + 1];
    sts_status_t status = sts__refresh_token_parse(call, token, id);
    if (status != STS_STATUS_OK)
        return status;
    uint8_t hmac[32];
    sts_access_token_hmac(login->refresh_key, token, strlen(token), hmac);
    char next_text[STS_REFRESH_TOKEN_CHARS + 1];
    sts_refresh_record_t next = {0}, old;
    sts__refresh_token_make(login, token, next.id, next_text);
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
        STS_AUDIT(call, "refresh.reused", {"user_id", old.user_id}, {"family_id", old.family_id},
                  {"client_id", old.client_id}, {"family", "revoked"});
        return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED,
                             "the refresh token was used already, so its whole family is now revoked; log in again");
    }
    if (result == STS_STORE_NOT_FOUND)
        return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED,
                             "the refresh token is unknown, expired or revoked, or its user is disabled; log in again");
    if (result != STS_STORE_OK && result != STS_STORE_REPLAYED)
        return sts_call_fail(call, STS_STATUS_UNAVAILABLE, "%s", error);
    /* A refresh token belongs to the client it was issued to (RFC 6749 6); NULL: the caller names none. */
    if (client_id != NULL && strcmp(client_id, old.client_id) != 0)
        return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED, "the refresh token was issued to another client");
    sts_user_record_t user;
    result = store->user_get(store, old.user_id, NULL, &call->arena, &user, error, sizeof(error));
    if (result != STS_STORE_OK)
        return sts__login_store_failed(call, result, "user", old.user_id, error);
    sts_client_record_t client;
    if (old.client_id[0] != '\0' &&
        (status = sts__login_find_client(call, "client_id", old.client_id, &client)) != STS_STATUS_OK)
        return status;
    if ((status = session_token(call, login, &user, old.client_id[0] != '\0' ? &client : NULL, old.session_id, scope,
                                access)) != STS_STATUS_OK)
        return status;
    *refresh = sts_arena_strdup(&call->arena, next_text);
    STS_AUDIT(call, "refresh.rotated", {"user_id", old.user_id}, {"username", user.username},
              {"family_id", old.family_id}, {"client_id", old.client_id});
    return STS_STATUS_OK;
}

int sts__login_realm_known(const sts_login_settings_t *login, const char *realm)
{
    for (size_t i = 0; i < login->realm_count && realm[0] != '\0'; i++) {
        if (strcmp(login->realms[i], realm) == 0)
            return 1;
    }
    return realm[0] == '\0';
}
