/* UserService: login users, administered by admins; a user may set their own password given the old one. */
#include <stdio.h>
#include <string.h>
#include "core/dispatch.h"
#include "core/login_flow.h"
#include "core/login_records.h"
#include "core/audit.h"
#include "core/service.h"
#include "sts/v1/access_tokens.pb-c.h"
#include "sts_methods.h"
#include "util/log.h"
#include "util/timefmt.h"

static sts_status_t hash_password(sts_call_t *call, const sts_login_settings_t *login, const char *password,
                                  const char **hash)
{
    sts_status_t status = sts__check_password(call, "password", password);
    if (status != STS_STATUS_OK)
        return status;
    char *out = sts_arena_alloc(&call->arena, STS_PASSWORD_HASH_MAX);
    if (sts_password_hash(&login->password, password, strlen(password), out, STS_PASSWORD_HASH_MAX) != 0)
        return sts_call_fail(call, STS_STATUS_INTERNAL, "cannot hash the password");
    *hash = out;
    return STS_STATUS_OK;
}

/* Applies a change to a user and answers with the result; a revoking change voids their live tokens at once. */
static sts_status_t change_user(sts_call_t *call, const sts_login_settings_t *login, const char *id,
                                sts_user_change_t *change, ProtobufCMessage *response)
{
    sts_store_t *store = call->service->store;
    sts_user_record_t record;
    char error[256];
    change->now = sts_time_now();
    sts_store_result_t result = store->user_update(store, id, change, &call->arena, &record, error, sizeof(error));
    if (result != STS_STORE_OK)
        return sts__login_store_failed(call, result, "user with id", id, error);
    if (change->revoke_sessions)
        sts_revocations_put(login->users_not_before, id, change->now);
    if (change->enabled != NULL && *change->enabled)
        sts_login_throttle_success(login->throttle, record.username, NULL); /* unlocks a locked user */
    STS_AUDIT(call, "user.changed", {"user_id", record.id}, {"username", record.username},
              {"enabled", change->enabled != NULL ? (*change->enabled ? "true" : "false") : NULL},
              {"roles", change->roles}, {"password", change->password_hash != NULL ? "changed" : NULL},
              {"sessions", change->revoke_sessions ? "revoked" : NULL});
    *(Sts__V1__User *)response = *sts__user_message(call, &record);
    return STS_STATUS_OK;
}

sts_status_t sts_handle_user_service_create_user(sts_call_t *call, const ProtobufCMessage *request,
                                                 ProtobufCMessage *response)
{
    const Sts__V1__CreateUserRequest *in = (const Sts__V1__CreateUserRequest *)request;
    const sts_login_settings_t *login;
    sts_status_t status = sts__need_logins(call, &login);
    sts_user_record_t record = {.enabled = 1};
    if (status == STS_STATUS_OK)
        status = sts__check_login_name(call, "username", in->username);
    if (status == STS_STATUS_OK)
        status = sts__join_roles(call, "roles", in->roles, in->n_roles, &record.roles);
    if (status == STS_STATUS_OK)
        status = hash_password(call, login, in->password, &record.password_hash);
    if (status != STS_STATUS_OK)
        return status;
    sts__random_id(record.id);
    record.username = in->username;
    if (in->enabled_value_case == STS__V1__CREATE_USER_REQUEST__ENABLED_VALUE_ENABLED)
        record.enabled = in->enabled;
    record.created_time = record.updated_time = sts_time_now();
    char error[256];
    sts_store_t *store = call->service->store;
    sts_store_result_t result = store->user_create(store, &record, error, sizeof(error));
    if (result != STS_STORE_OK)
        return sts__login_store_failed(call, result, "user", in->username, error);
    sts_log_info("users: %s created user %s", call->principal.name != NULL ? call->principal.name : "-",
                 record.username);
    STS_AUDIT(call, "user.created", {"user_id", record.id}, {"username", record.username}, {"roles", record.roles});
    *(Sts__V1__User *)response = *sts__user_message(call, &record);
    return STS_STATUS_OK;
}

sts_status_t sts_handle_user_service_list_users(sts_call_t *call, const ProtobufCMessage *request,
                                                ProtobufCMessage *response)
{
    const Sts__V1__ListUsersRequest *in = (const Sts__V1__ListUsersRequest *)request;
    Sts__V1__ListUsersResponse *out = (Sts__V1__ListUsersResponse *)response;
    int limit = 0;
    sts_status_t status = sts__listing_limit(
        call, in->limit_value_case == STS__V1__LIST_USERS_REQUEST__LIMIT_VALUE_LIMIT, in->limit, &limit);
    if (status != STS_STATUS_OK)
        return status;
    sts_user_record_t *records = NULL;
    size_t count = 0;
    int more = 0;
    char error[256];
    sts_store_t *store = call->service->store;
    if (store->user_list(store, in->after, limit, &call->arena, &records, &count, &more, error, sizeof(error)) !=
        STS_STORE_OK)
        return sts_call_fail(call, STS_STATUS_UNAVAILABLE, "%s", error);
    out->entries = sts_arena_alloc(&call->arena, (count + 1) * sizeof(*out->entries));
    for (size_t i = 0; i < count; i++)
        out->entries[i] = sts__user_message(call, &records[i]);
    out->n_entries = count;
    out->paging = sts__paging(call, more, count, count > 0 ? records[count - 1].username : "");
    return STS_STATUS_OK;
}

sts_status_t sts_handle_user_service_get_user(sts_call_t *call, const ProtobufCMessage *request,
                                              ProtobufCMessage *response)
{
    const Sts__V1__GetUserRequest *in = (const Sts__V1__GetUserRequest *)request;
    const sts_login_settings_t *login;
    sts_status_t status = sts__need_logins(call, &login);
    if (status != STS_STATUS_OK)
        return status;
    sts_user_record_t record;
    char error[256];
    sts_store_t *store = call->service->store;
    sts_store_result_t result = store->user_get(store, in->id, NULL, &call->arena, &record, error, sizeof(error));
    if (result != STS_STORE_OK)
        return sts__login_store_failed(call, result, "user with id", in->id, error);
    *(Sts__V1__User *)response = *sts__user_message(call, &record);
    return STS_STATUS_OK;
}

sts_status_t sts_handle_user_service_update_user(sts_call_t *call, const ProtobufCMessage *request,
                                                 ProtobufCMessage *response)
{
    const Sts__V1__UpdateUserRequest *in = (const Sts__V1__UpdateUserRequest *)request;
    const sts_login_settings_t *login;
    sts_status_t status = sts__need_logins(call, &login);
    if (status != STS_STATUS_OK)
        return status;
    sts_user_change_t change = {0};
    int enabled = 0;
    if (in->enabled_value_case == STS__V1__UPDATE_USER_REQUEST__ENABLED_VALUE_ENABLED) {
        enabled = in->enabled;
        change.enabled = &enabled;
        change.revoke_sessions = !enabled;
    }
    return change_user(call, login, in->id, &change, response);
}

sts_status_t sts_handle_user_service_set_user_roles(sts_call_t *call, const ProtobufCMessage *request,
                                                    ProtobufCMessage *response)
{
    const Sts__V1__SetUserRolesRequest *in = (const Sts__V1__SetUserRolesRequest *)request;
    const sts_login_settings_t *login;
    sts_user_change_t change = {.revoke_sessions = 1};
    sts_status_t status = sts__need_logins(call, &login);
    if (status == STS_STATUS_OK)
        status = sts__join_roles(call, "roles", in->roles, in->n_roles, &change.roles);
    if (status != STS_STATUS_OK)
        return status;
    return change_user(call, login, in->id, &change, response);
}

/* Whether the caller is the user with this id, logged in with one of the service's own tokens. */
static int is_self(const sts_call_t *call, const sts_login_settings_t *login, const char *id)
{
    const sts_principal_t *principal = &call->principal;
    size_t issuer_len = strlen(login->issuer_url);
    return principal->authenticated && principal->domain == STS__V1__IDENTITY_DOMAIN__JWT &&
           strncmp(principal->auth_id, login->issuer_url, issuer_len) == 0 && principal->auth_id[issuer_len] == '#' &&
           strcmp(principal->auth_id + issuer_len + 1, id) == 0;
}

sts_status_t sts_handle_user_service_set_password(sts_call_t *call, const ProtobufCMessage *request,
                                                  ProtobufCMessage *response)
{
    const Sts__V1__SetPasswordRequest *in = (const Sts__V1__SetPasswordRequest *)request;
    const sts_login_settings_t *login;
    sts_status_t status = sts__need_logins(call, &login);
    if (status != STS_STATUS_OK)
        return status;
    int admin = sts_call_has_role(call, "admin");
    if (!admin && !is_self(call, login, in->id))
        return sts_call_fail(call, STS_STATUS_PERMISSION_DENIED,
                             "you may set only your own password, logged in with this service's token");
    sts_store_t *store = call->service->store;
    char error[256];
    sts_user_record_t user;
    sts_store_result_t result = store->user_get(store, in->id, NULL, &call->arena, &user, error, sizeof(error));
    if (result != STS_STORE_OK)
        return sts__login_store_failed(call, result, "user with id", in->id, error);
    if (sts__user_is_shadow(&user))
        return sts_call_fail(call, STS_STATUS_FAILED_PRECONDITION,
                             "user %s comes from the user directory (%s): change the password there", user.username,
                             user.source);
    if (!admin) {
        if ((status = sts__check_password(call, "old_password", in->old_password)) != STS_STATUS_OK)
            return status;
        int64_t now_ms = sts_time_now() / 1000;
        if (sts_login_throttle_wait_ms(login->throttle, user.username, call->peer, now_ms) > 0)
            return sts_call_fail(call, STS_STATUS_RESOURCE_EXHAUSTED, "too many wrong passwords; try again later");
        sts_password_verdict_t verdict =
            sts_password_verify(&login->password, user.password_hash, in->old_password, strlen(in->old_password));
        if (verdict != STS_PASSWORD_MATCH && verdict != STS_PASSWORD_MATCH_REHASH) {
            sts_login_throttle_failure(login->throttle, user.username, call->peer, now_ms);
            return sts_call_fail(call, STS_STATUS_PERMISSION_DENIED, "old_password is wrong");
        }
    }
    sts_user_change_t change = {.revoke_sessions = 1};
    if ((status = hash_password(call, login, in->password, &change.password_hash)) != STS_STATUS_OK)
        return status;
    return change_user(call, login, in->id, &change, response);
}

sts_status_t sts_handle_user_service_delete_user(sts_call_t *call, const ProtobufCMessage *request,
                                                 ProtobufCMessage *response)
{
    (void)response;
    const Sts__V1__DeleteUserRequest *in = (const Sts__V1__DeleteUserRequest *)request;
    const sts_login_settings_t *login;
    sts_status_t status = sts__need_logins(call, &login);
    if (status != STS_STATUS_OK)
        return status;
    char error[256];
    sts_store_t *store = call->service->store;
    int64_t now = sts_time_now();
    sts_store_result_t result = store->user_remove(store, in->id, now, error, sizeof(error));
    if (result != STS_STORE_OK)
        return sts__login_store_failed(call, result, "user with id", in->id, error);
    sts_revocations_put(login->users_not_before, in->id, now);
    sts_log_info("users: %s deleted user %s", call->principal.name != NULL ? call->principal.name : "-", in->id);
    STS_AUDIT(call, "user.deleted", {"user_id", in->id});
    return STS_STATUS_OK;
}
