/* AccessTokenService: create, list, get, update and delete the Qumulo-style access tokens. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include "core/access_token_records.h"
#include "core/dispatch.h"
#include "core/audit.h"
#include "core/metrics.h"
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

/* The identity the new token is for: the caller's own, or the one an admin named; 403 when a non-admin names another.
 */
static sts_status_t choose_user(sts_call_t *call, const Sts__V1__Identity *asked, int admin, sts_store_identity_t *out)
{
    if (asked == NULL) {
        if (!call->principal.authenticated)
            return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT,
                                 "user is required: callers are not authenticated here, so there is no own identity");
        *out = sts__caller_identity(call);
        return STS_STATUS_OK;
    }
    sts_status_t status = sts__check_identity(call, asked);
    if (status != STS_STATUS_OK)
        return status;
    if (!admin && !sts__is_caller(call, asked))
        return sts_call_fail(call, STS_STATUS_PERMISSION_DENIED,
                             "you may create tokens only for yourself: send no user, or exactly your own identity "
                             "(domain, auth_id and name, without uid, gid or sid)");
    *out = sts__identity_from_proto(asked);
    return STS_STATUS_OK;
}

sts_status_t sts_handle_access_token_service_create_access_token(sts_call_t *call, const ProtobufCMessage *request,
                                                                 ProtobufCMessage *response)
{
    const Sts__V1__CreateAccessTokenRequest *in = (const Sts__V1__CreateAccessTokenRequest *)request;
    Sts__V1__CreateAccessTokenResponse *out = (Sts__V1__CreateAccessTokenResponse *)response;
    const sts_service_t *service = call->service;
    sts_status_t status = need_store(call);
    if (status != STS_STATUS_OK)
        return status;
    int admin = sts_call_has_role(call, "admin");
    if (!admin && !service->self_service_tokens)
        return sts_call_fail(call, STS_STATUS_PERMISSION_DENIED,
                             "creating tokens for yourself is switched off here (self_service_tokens); ask an admin");
    sts_token_record_t record = {.enabled = 1, .creation_time = sts_time_now()};
    if ((status = choose_user(call, in->user, admin, &record.user)) != STS_STATUS_OK)
        return status;
    if (is_group(record.user.domain))
        return sts_call_fail(
            call, STS_STATUS_INVALID_ARGUMENT, "access tokens cannot be issued to groups (%s)",
            protobuf_c_enum_descriptor_get_value(&sts__v1__identity_domain__descriptor, record.user.domain)->name);
    record.expiration_time = record.creation_time + service->max_access_token_lifetime_us;
    if (in->expiration_case == STS__V1__CREATE_ACCESS_TOKEN_REQUEST__EXPIRATION_EXPIRATION_TIME &&
        (status = sts__parse_expiration(call, in->expiration_time, record.creation_time, &record.expiration_time)) !=
            STS_STATUS_OK)
        return status;
    if (call->principal.authenticated) {
        record.creator = sts__caller_identity(call);
        record.role_ceiling = sts__caller_role_ceiling(call);
    } else {
        record.creator = (sts_store_identity_t){.auth_id = "", .sid = "", .name = "anonymous"};
    }
    char token[STS_ACCESS_TOKEN_CHARS + 1];
    sts_access_token_mint(record.id, token);
    sts_secret_ring_hmac(service->token_keys, token, strlen(token), record.hmac, record.hmac_key_id);
    char error[512] = "";
    sts_store_result_t result =
        service->store->create(service->store, &record, service->max_tokens_per_user, error, sizeof(error));
    if (result == STS_STORE_LIMIT)
        return sts_call_fail(call, STS_STATUS_RESOURCE_EXHAUSTED,
                             "%.128s already holds the maximum of %d access tokens; delete one first",
                             record.user.name[0] ? record.user.name : record.user.auth_id,
                             service->max_tokens_per_user);
    if (result != STS_STORE_OK)
        return store_failed(call, result, record.id, error);
    changed(call, record.id);
    sts_log_info("created access token %s for %s by %s", record.id,
                 record.user.name[0] ? record.user.name : record.user.auth_id, record.creator.name);
    sts_metrics_count_event(STS_METRIC_ACCESS_TOKEN_CREATED);
    STS_AUDIT(call, "access_token.created", {"token_id", record.id}, {"user", record.user.name},
              {"user_auth_id", record.user.auth_id});
    out->id = sts_arena_strdup(&call->arena, record.id);
    out->bearer_token = sts_arena_strdup(&call->arena, token);
    OPENSSL_cleanse(token, sizeof(token));
    return STS_STATUS_OK;
}

/* A cursor is a token id; anything else (a whole paging.next URI, say) would silently restart the listing. */
static int is_token_id(const char *text)
{
    size_t len = strlen(text);
    return len == STS_TOKEN_ID_CHARS && strspn(text, "0123456789abcdef") == len;
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
    int limit = service->list_default_limit;
    if (in->limit_value_case == STS__V1__LIST_ACCESS_TOKENS_REQUEST__LIMIT_VALUE_LIMIT) {
        if (in->limit < 1 || in->limit > service->list_max_limit)
            return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "limit must be from 1 to %d, got %d",
                                 service->list_max_limit, in->limit);
        limit = in->limit;
    }
    if (in->after[0] != '\0' && !is_token_id(in->after))
        return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT,
                             "after must be a token id from paging.next (%d hex characters), got '%.80s'",
                             STS_TOKEN_ID_CHARS, in->after);
    sts_store_identity_t self = sts__caller_identity(call);
    sts_store_filter_t filter = {.name_or_auth_id = in->user[0] != '\0' ? in->user : NULL};
    if (!sts_call_has_role(call, "admin")) {
        /* Self-service: a user sees their own tokens only, matched by the whole identity, never by a name. */
        if (filter.name_or_auth_id != NULL && strcmp(in->user, self.name) != 0 && strcmp(in->user, self.auth_id) != 0)
            return sts_call_fail(call, STS_STATUS_PERMISSION_DENIED, "only admins may list other users' tokens");
        filter = (sts_store_filter_t){.owner = &self};
    }
    sts_token_record_t *records = NULL;
    size_t count = 0;
    int more = 0;
    char error[512] = "";
    sts_store_result_t result = service->store->list(service->store, &filter, in->after, limit, &call->arena, &records,
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
    if (has_expiration &&
        (status = sts__parse_expiration(call, in->expiration_time, record.creation_time, &expiration)) != STS_STATUS_OK)
        return status;
    char error[512] = "";
    sts_store_t *store = call->service->store;
    sts_store_result_t result =
        store->update(store, in->id, has_enabled ? &enabled : NULL, has_expiration ? &expiration : NULL, &call->arena,
                      &record, error, sizeof(error));
    if (result != STS_STORE_OK)
        return store_failed(call, result, in->id, error);
    changed(call, in->id);
    sts_metrics_count_event(STS_METRIC_ACCESS_TOKEN_CHANGED);
    STS_AUDIT(call, "access_token.changed", {"token_id", in->id},
              {"enabled", has_enabled ? (enabled ? "true" : "false") : NULL},
              {"expiration_time", has_expiration ? in->expiration_time : NULL});
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
    sts_metrics_count_event(STS_METRIC_ACCESS_TOKEN_DELETED);
    STS_AUDIT(call, "access_token.deleted", {"token_id", in->id});
    return STS_STATUS_OK;
}
