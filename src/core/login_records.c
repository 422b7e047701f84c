#include "core/login_records.h"
#include <stdio.h>
#include <string.h>
#include "core/access_token_records.h"
#include "core/service.h"
#include "crypto/random.h"

static int name_char(char c, const char *extra)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr(extra, c) != NULL;
}

sts_status_t sts__check_login_name(sts_call_t *call, const char *field, const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > STS_LOGIN_NAME_MAX)
        return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "%s must be 1 to %d characters", field,
                             STS_LOGIN_NAME_MAX);
    for (size_t i = 0; i < len; i++) {
        if (name[i] == '\0' || !name_char(name[i], "._-@"))
            return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT,
                                 "%s may hold only ASCII letters, digits and . _ - @ (character %zu is not one)", field,
                                 i + 1);
    }
    return STS_STATUS_OK;
}

sts_status_t sts__join_roles(sts_call_t *call, const char *field, char *const *roles, size_t count, const char **joined)
{
    if (count > STS_ROLES_MAX)
        return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "%s holds %zu roles; at most %d are allowed", field,
                             count, STS_ROLES_MAX);
    size_t total = 1;
    for (size_t i = 0; i < count; i++) {
        size_t len = strlen(roles[i]);
        int valid = len > 0 && len <= STS_ROLE_NAME_MAX;
        for (size_t c = 0; valid && c < len; c++)
            valid = name_char(roles[i][c], "._-:");
        if (!valid)
            return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT,
                                 "%s[%zu] must be 1 to %d ASCII letters, digits and . _ - :", field, i,
                                 STS_ROLE_NAME_MAX);
        for (size_t j = 0; j < i; j++) {
            if (strcmp(roles[i], roles[j]) == 0)
                return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "%s names role '%s' twice", field, roles[i]);
        }
        total += len + 1;
    }
    char *out = sts_arena_alloc(&call->arena, total);
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < count; i++)
        used += (size_t)snprintf(out + used, total - used, "%s%s", i > 0 ? "," : "", roles[i]);
    *joined = out;
    return STS_STATUS_OK;
}

void sts__split_roles(sts_call_t *call, const char *joined, char ***roles, size_t *count)
{
    size_t n = joined[0] != '\0' ? 1 : 0;
    for (const char *p = joined; *p != '\0'; p++)
        n += *p == ',';
    char **out = sts_arena_alloc(&call->arena, (n + 1) * sizeof(char *));
    size_t i = 0;
    for (const char *start = joined; i < n; i++) {
        const char *end = strchr(start, ',');
        size_t len = end != NULL ? (size_t)(end - start) : strlen(start);
        out[i] = sts_arena_strndup(&call->arena, start, len);
        start += len + 1;
    }
    *roles = out;
    *count = n;
}

sts_status_t sts__check_password(sts_call_t *call, const char *field, const char *password)
{
    size_t len = strlen(password);
    if (len == 0 || len > STS_PASSWORD_MAX_BYTES)
        return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "%s must be 1 to %d bytes", field,
                             STS_PASSWORD_MAX_BYTES);
    return STS_STATUS_OK;
}

sts_status_t sts__need_logins(sts_call_t *call, const sts_login_settings_t **login)
{
    *login = call->service->login;
    if (*login == NULL || call->service->store == NULL)
        return sts_call_fail(call, STS_STATUS_UNAVAILABLE, "logins are not available: stsd runs without a store");
    return STS_STATUS_OK;
}

sts_status_t sts__login_store_failed(sts_call_t *call, sts_store_result_t result, const char *what, const char *key,
                                     const char *error)
{
    if (result == STS_STORE_NOT_FOUND)
        return sts_call_fail(call, STS_STATUS_NOT_FOUND, "no %s '%.128s'", what, key);
    if (result == STS_STORE_EXISTS)
        return sts_call_fail(call, STS_STATUS_ALREADY_EXISTS, "a %s '%.128s' exists already", what, key);
    return sts_call_fail(call, STS_STATUS_UNAVAILABLE, "%s", error);
}

Sts__V1__User *sts__user_message(sts_call_t *call, const sts_user_record_t *record)
{
    Sts__V1__User *out = (Sts__V1__User *)sts_call_new_message(call, &sts__v1__user__descriptor);
    out->id = sts_arena_strdup(&call->arena, record->id);
    out->username = (char *)record->username;
    sts__split_roles(call, record->roles, &out->roles, &out->n_roles);
    out->enabled = record->enabled != 0;
    out->created_time = (char *)sts__format_time(call, record->created_time);
    out->updated_time = (char *)sts__format_time(call, record->updated_time);
    out->source = (char *)(record->source != NULL && record->source[0] != '\0' ? record->source : "local");
    return out;
}

Sts__V1__Client *sts__client_message(sts_call_t *call, const sts_client_record_t *record)
{
    Sts__V1__Client *out = (Sts__V1__Client *)sts_call_new_message(call, &sts__v1__client__descriptor);
    out->client_id = (char *)record->client_id;
    out->display_name = (char *)record->display_name;
    sts__split_roles(call, record->allowed_roles, &out->allowed_roles, &out->n_allowed_roles);
    out->max_lifetime_seconds = (int32_t)record->max_lifetime_seconds;
    out->enabled = record->enabled != 0;
    out->created_time = (char *)sts__format_time(call, record->created_time);
    out->updated_time = (char *)sts__format_time(call, record->updated_time);
    out->confidential = record->has_secret != 0;
    sts__split_roles(call, record->grants != NULL ? record->grants : "", &out->grants, &out->n_grants);
    return out;
}

const char *sts__login_message(sts_call_t *call)
{
    const sts_login_settings_t *login = call->service->login;
    char notice[STS_READINESS_MESSAGE_MAX] = "";
    if (call->service->readiness != NULL)
        sts_readiness_get_notice(call->service->readiness, notice, sizeof(notice));
    const char *configured = login != NULL && login->notice != NULL ? login->notice : "";
    return sts_arena_printf(&call->arena, "%s%s%s", configured, configured[0] && notice[0] ? " " : "", notice);
}

sts_status_t sts__listing_limit(sts_call_t *call, int has_limit, int32_t limit, int *out)
{
    const sts_service_t *service = call->service;
    const sts_login_settings_t *login;
    sts_status_t status = sts__need_logins(call, &login);
    if (status != STS_STATUS_OK)
        return status;
    *out = service->list_default_limit;
    if (!has_limit)
        return STS_STATUS_OK;
    if (limit < 1 || limit > service->list_max_limit)
        return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "limit must be from 1 to %d, got %d",
                             service->list_max_limit, limit);
    *out = limit;
    return STS_STATUS_OK;
}

Sts__V1__Paging *sts__paging(sts_call_t *call, int more, size_t count, const char *last_key)
{
    Sts__V1__Paging *paging = (Sts__V1__Paging *)sts_call_new_message(call, &sts__v1__paging__descriptor);
    paging->next = more && count > 0 ? (char *)last_key : "";
    return paging;
}

void sts__random_id(char out[STS_STORE_ID_CHARS + 1])
{
    sts_random_chars(out, STS_STORE_ID_CHARS, "0123456789abcdef", 16);
    out[STS_STORE_ID_CHARS] = '\0';
}
