/* AccessTokenService: create, list, get, update and delete the Qumulo-style access tokens. */
#include <stdio.h>
#include <string.h>
#include "core/access_token_records.h"
#include "core/dispatch.h"
#include "core/service.h"
#include "crypto/access_token.h"
#include "sts_methods.h"
#include "util/log.h"
#include "util/timefmt.h"

_Static_assert(STS_ACCESS_TOKEN_ID_CHARS == STS_TOKEN_ID_CHARS, "token ids are the store's keys");

static sts_status_t store_failed(sts_call_t *call, sts_store_result_t result, const char *id, const char *error)
{
    if (result == STS_STORE_NOT_FOUND)
        return sts_call_fail(call, STS_STATUS_NOT_FOUND, "no access token with id %.64s", id);
    return sts_call_fail(call, STS_STATUS_UNAVAILABLE, "%s", error);
}

static int is_group(int domain)
{
    return domain == STS__V1__IDENTITY_DOMAIN__POSIX_GROUP || domain == STS__V1__IDENTITY_DOMAIN__WORLD;
}

static sts_status_t need_store(sts_call_t *call)
{
    if (call->service->store == NULL)
        return sts_call_fail(call, STS_STATUS_UNAVAILABLE, "access tokens are not available: stsd has no store");
    return STS_STATUS_OK;
}

static void changed(const sts_call_t *call, const char *id)
{
    const sts_service_t *service = call->service;
    if (service->token_changed != NULL)
        service->token_changed(service->token_changed_data, id);
}

sts_status_t sts_handle_access_token_service_create_access_token(sts_call_t *call, const ProtobufCMessage *request,
                                                                 ProtobufCMessage *response)
{
    const Sts__V1__CreateAccessTokenRequest *in = (const Sts__V1__CreateAccessTokenRequest *)request;
    Sts__V1__CreateAccessTokenResponse *out = (Sts__V1__CreateAccessTokenResponse *)response;
    sts_status_t status = need_store(call);
    if (status != STS_STATUS_OK)
        return status;
    if (in->user == NULL || (in->user->name[0] == '\0' && in->user->auth_id[0] == '\0'))
        return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "user must name an identity (name or auth_id)");
    sts_token_record_t record = {.user = sts__identity_from_proto(in->user), .enabled = 1};
    if (is_group(record.user.domain))
        return sts_call_fail(
            call, STS_STATUS_INVALID_ARGUMENT, "access tokens cannot be issued to groups (%s)",
            protobuf_c_enum_descriptor_get_value(&sts__v1__identity_domain__descriptor, record.user.domain)->name);
    if (!sts_call_has_role(call, "admin") && !sts__caller_owns(call, &record.user))
        return sts_call_fail(call, STS_STATUS_PERMISSION_DENIED, "only admins may create tokens for other users");
    if (in->expiration_case == STS__V1__CREATE_ACCESS_TOKEN_REQUEST__EXPIRATION_EXPIRATION_TIME &&
        (status = sts__parse_expiration(call, in->expiration_time, &record.expiration_time)) != STS_STATUS_OK)
        return status;
    char token[STS_ACCESS_TOKEN_CHARS + 1];
    sts_access_token_mint(record.id, token);
    sts_access_token_hmac(call->service->token_key, token, strlen(token), record.hmac);
    record.creator = call->principal.username != NULL ? call->principal.username : "anonymous";
    record.creation_time = sts_time_now();
    char error[512] = "";
    sts_store_result_t result = call->service->store->create(call->service->store, &record,
                                                             call->service->max_tokens_per_user, error, sizeof(error));
    if (result == STS_STORE_LIMIT)
        return sts_call_fail(call, STS_STATUS_RESOURCE_EXHAUSTED,
                             "%.128s already holds the maximum of %d access tokens; delete one first",
                             record.user.name[0] ? record.user.name : record.user.auth_id,
                             call->service->max_tokens_per_user);
    if (result != STS_STORE_OK)
        return store_failed(call, result, record.id, error);
    sts_log_info("created access token %s for %s by %s", record.id,
                 record.user.name[0] ? record.user.name : record.user.auth_id, record.creator);
    out->id = sts_arena_strdup(&call->arena, record.id);
    out->bearer_token = sts_arena_strdup(&call->arena, token);
    return STS_STATUS_OK;
}

sts_status_t sts_handle_access_token_service_list_access_tokens(sts_call_t *call, const ProtobufCMessage *request,
                                                                ProtobufCMessage *response)
{
    const Sts__V1__ListAccessTokensRequest *in = (const Sts__V1__ListAccessTokensRequest *)request;
    Sts__V1__ListAccessTokensResponse *out = (Sts__V1__ListAccessTokensResponse *)response;
    const sts_service_t *service = call->service;
    sts_status_t status = need_store(call);
    if (status != STS_STATUS_OK)
        return status;
    if (in->limit < 0)
        return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "limit must be from 1 to %d", service->list_max_limit);
    int limit = in->limit == 0 ? service->list_default_limit : in->limit;
    if (limit > service->list_max_limit)
        limit = service->list_max_limit;
    const char *user = in->user[0] != '\0' ? in->user : NULL;
    if (!sts_call_has_role(call, "admin")) {
        /* Self-service: a user sees their own tokens only. */
        const char *self = call->principal.username != NULL ? call->principal.username : "";
        if (user != NULL && strcmp(user, self) != 0 &&
            (call->principal.subject == NULL || strcmp(user, call->principal.subject) != 0))
            return sts_call_fail(call, STS_STATUS_PERMISSION_DENIED, "only admins may list other users' tokens");
        user = user != NULL ? user : self;
    }
    sts_token_record_t *records = NULL;
    size_t count = 0;
    int more = 0;
    char error[512] = "";
    sts_store_result_t result = service->store->list(service->store, user, in->after, limit, &call->arena, &records,
                                                     &count, &more, error, sizeof(error));
    if (result != STS_STORE_OK)
        return store_failed(call, result, "", error);
    out->entries = sts_arena_alloc(&call->arena, (count + 1) * sizeof(*out->entries));
    out->n_entries = count;
    for (size_t i = 0; i < count; i++)
        out->entries[i] = sts__metadata_from_record(call, &records[i]);
    out->paging = sts_arena_alloc(&call->arena, sizeof(*out->paging));
    sts__v1__paging__init(out->paging);
    /* The cursor itself (paging.next is annotated page_cursor_for "after"): REST renders it as the next page's URI. */
    out->paging->next = more ? sts_arena_strdup(&call->arena, records[count - 1].id) : "";
    return STS_STATUS_OK;
}

/* Loads a token the caller may see: any for admins, their own for others (others' look absent). */
static sts_status_t load_visible(sts_call_t *call, const char *id, sts_token_record_t *record)
{
    sts_status_t status = need_store(call);
    if (status != STS_STATUS_OK)
        return status;
    char error[512] = "";
    sts_store_t *store = call->service->store;
    sts_store_result_t result = store->get(store, id, &call->arena, record, error, sizeof(error));
    if (result != STS_STORE_OK)
        return store_failed(call, result, id, error);
    if (!sts_call_has_role(call, "admin") && !sts__caller_owns(call, &record->user))
        return store_failed(call, STS_STORE_NOT_FOUND, id, "");
    return STS_STATUS_OK;
}

sts_status_t sts_handle_access_token_service_get_access_token(sts_call_t *call, const ProtobufCMessage *request,
                                                              ProtobufCMessage *response)
{
    const Sts__V1__GetAccessTokenRequest *in = (const Sts__V1__GetAccessTokenRequest *)request;
    sts_token_record_t record;
    sts_status_t status = load_visible(call, in->id, &record);
    if (status != STS_STATUS_OK)
        return status;
    *(Sts__V1__AccessTokenMetadata *)response = *sts__metadata_from_record(call, &record);
    return STS_STATUS_OK;
}

sts_status_t sts_handle_access_token_service_update_access_token(sts_call_t *call, const ProtobufCMessage *request,
                                                                 ProtobufCMessage *response)
{
    const Sts__V1__UpdateAccessTokenRequest *in = (const Sts__V1__UpdateAccessTokenRequest *)request;
    sts_token_record_t record;
    sts_status_t status = load_visible(call, in->id, &record);
    if (status != STS_STATUS_OK)
        return status;
    int has_enabled = in->enabled_value_case == STS__V1__UPDATE_ACCESS_TOKEN_REQUEST__ENABLED_VALUE_ENABLED;
    int has_expiration = in->expiration_case == STS__V1__UPDATE_ACCESS_TOKEN_REQUEST__EXPIRATION_EXPIRATION_TIME;
    int enabled = in->enabled;
    int64_t expiration = 0;
    if (!sts_call_has_role(call, "admin") && (has_expiration || (has_enabled && enabled)))
        return sts_call_fail(call, STS_STATUS_PERMISSION_DENIED,
                             "only admins may extend or re-enable tokens; you may disable or delete your own");
    if (has_expiration && (status = sts__parse_expiration(call, in->expiration_time, &expiration)) != STS_STATUS_OK)
        return status;
    char error[512] = "";
    sts_store_t *store = call->service->store;
    sts_store_result_t result =
        store->update(store, in->id, has_enabled ? &enabled : NULL, has_expiration ? &expiration : NULL, &call->arena,
                      &record, error, sizeof(error));
    if (result != STS_STORE_OK)
        return store_failed(call, result, in->id, error);
    changed(call, in->id);
    *(Sts__V1__AccessTokenMetadata *)response = *sts__metadata_from_record(call, &record);
    return STS_STATUS_OK;
}

sts_status_t sts_handle_access_token_service_delete_access_token(sts_call_t *call, const ProtobufCMessage *request,
                                                                 ProtobufCMessage *response)
{
    (void)response;
    const Sts__V1__DeleteAccessTokenRequest *in = (const Sts__V1__DeleteAccessTokenRequest *)request;
    sts_token_record_t record;
    sts_status_t status = load_visible(call, in->id, &record);
    if (status != STS_STATUS_OK)
        return status;
    char error[512] = "";
    sts_store_t *store = call->service->store;
    sts_store_result_t result = store->remove(store, in->id, error, sizeof(error));
    if (result != STS_STORE_OK)
        return store_failed(call, result, in->id, error);
    changed(call, in->id);
    sts_log_info("deleted access token %s", in->id);
    return STS_STATUS_OK;
}
