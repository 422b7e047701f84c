/* ClientService: the registered clients extended and client tokens are issued for; admins only. */
#include <openssl/crypto.h>
#include <string.h>
#include "core/login_records.h"
#include "core/audit.h"
#include "core/service.h"
#include "crypto/access_token.h"
#include "crypto/random.h"
#include "util/base64.h"
#include "sts/v1/access_tokens.pb-c.h"
#include "sts_methods.h"
#include "util/log.h"
#include "util/text.h"
#include "util/timefmt.h"

/** Longest display name, in bytes. */
#define DISPLAY_NAME_MAX 256

static sts_status_t check_display_name(sts_call_t *call, const char *name)
{
    size_t len = strlen(name);
    char clean[DISPLAY_NAME_MAX + 8];
    if (len > DISPLAY_NAME_MAX || sts_text_clean(name, len, DISPLAY_NAME_MAX, clean, sizeof(clean)) != len ||
        strcmp(clean, name) != 0)
        return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT,
                             "display_name must be at most %d bytes without control characters", DISPLAY_NAME_MAX);
    return STS_STATUS_OK;
}

static sts_status_t check_lifetime(sts_call_t *call, const sts_login_settings_t *login, int32_t seconds)
{
    if (seconds < 1 || seconds > login->client_max_lifetime_s)
        return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT,
                             "max_lifetime_seconds must be from 1 to %lld (client_max_lifetime)",
                             (long long)login->client_max_lifetime_s);
    return STS_STATUS_OK;
}

/* Keeps the check of the client's live tokens in step: a change voids them, disabling ends them. */
static void client_changed(const sts_login_settings_t *login, const sts_client_record_t *client)
{
    if (client->enabled)
        sts_revocations_put(login->clients_valid_since, client->client_id, client->updated_time);
    else
        sts_revocations_remove(login->clients_valid_since, client->client_id);
}

sts_status_t sts_handle_client_service_create_client(sts_call_t *call, const ProtobufCMessage *request,
                                                     ProtobufCMessage *response)
{
    const Sts__V1__CreateClientRequest *in = (const Sts__V1__CreateClientRequest *)request;
    const sts_login_settings_t *login;
    sts_status_t status = sts__need_logins(call, &login);
    sts_client_record_t record = {.enabled = 1, .client_id = in->client_id, .display_name = in->display_name};
    if (status != STS_STATUS_OK)
        return status;
    record.max_lifetime_seconds = login->client_max_lifetime_s;
    if (in->max_lifetime_value_case == STS__V1__CREATE_CLIENT_REQUEST__MAX_LIFETIME_VALUE_MAX_LIFETIME_SECONDS)
        record.max_lifetime_seconds = in->max_lifetime_seconds;
    if (in->enabled_value_case == STS__V1__CREATE_CLIENT_REQUEST__ENABLED_VALUE_ENABLED)
        record.enabled = in->enabled;
    if ((status = sts__check_login_name(call, "client_id", in->client_id)) != STS_STATUS_OK ||
        (status = check_display_name(call, in->display_name)) != STS_STATUS_OK ||
        (status = check_lifetime(call, login, (int32_t)record.max_lifetime_seconds)) != STS_STATUS_OK ||
        (status = sts__join_roles(call, "allowed_roles", in->allowed_roles, in->n_allowed_roles,
                                  &record.allowed_roles)) != STS_STATUS_OK)
        return status;
    record.created_time = record.updated_time = sts_time_now();
    record.grants = in->confidential ? "client_credentials,password,refresh_token" : "password,refresh_token";
    char secret[64] = "";
    if (in->confidential) {
        uint8_t raw[32];
        sts_random_bytes(raw, sizeof(raw));
        sts_base64_encode(raw, sizeof(raw), secret, sizeof(secret), STS_BASE64_URL_RAW);
        OPENSSL_cleanse(raw, sizeof(raw));
        sts_access_token_hmac(login->refresh_key, secret, strlen(secret), record.secret_hmac);
        record.has_secret = 1;
    }
    char error[256];
    sts_store_t *store = call->service->store;
    sts_store_result_t result = store->client_create(store, &record, error, sizeof(error));
    if (result != STS_STORE_OK)
        return sts__login_store_failed(call, result, "client", in->client_id, error);
    client_changed(login, &record);
    sts_log_info("clients: %s registered %s client %s", call->principal.name != NULL ? call->principal.name : "-",
                 record.has_secret ? "confidential" : "public", record.client_id);
    STS_AUDIT(call, "client.created", {"client_id", record.client_id},
              {"kind", record.has_secret ? "confidential" : "public"}, {"allowed_roles", record.allowed_roles});
    Sts__V1__Client *out = (Sts__V1__Client *)response;
    *out = *sts__client_message(call, &record);
    if (record.has_secret) {
        out->secret_value_case = STS__V1__CLIENT__SECRET_VALUE_CLIENT_SECRET;
        out->client_secret = sts_arena_strdup(&call->arena, secret);
        OPENSSL_cleanse(secret, sizeof(secret));
    }
    return STS_STATUS_OK;
}

sts_status_t sts_handle_client_service_list_clients(sts_call_t *call, const ProtobufCMessage *request,
                                                    ProtobufCMessage *response)
{
    const Sts__V1__ListClientsRequest *in = (const Sts__V1__ListClientsRequest *)request;
    Sts__V1__ListClientsResponse *out = (Sts__V1__ListClientsResponse *)response;
    int limit = 0;
    sts_status_t status = sts__listing_limit(
        call, in->limit_value_case == STS__V1__LIST_CLIENTS_REQUEST__LIMIT_VALUE_LIMIT, in->limit, &limit);
    if (status != STS_STATUS_OK)
        return status;
    sts_client_record_t *records = NULL;
    size_t count = 0;
    int more = 0;
    char error[256];
    sts_store_t *store = call->service->store;
    if (store->client_list(store, in->after, limit, &call->arena, &records, &count, &more, error, sizeof(error)) !=
        STS_STORE_OK)
        return sts_call_fail(call, STS_STATUS_UNAVAILABLE, "%s", error);
    out->entries = sts_arena_alloc(&call->arena, (count + 1) * sizeof(*out->entries));
    for (size_t i = 0; i < count; i++)
        out->entries[i] = sts__client_message(call, &records[i]);
    out->n_entries = count;
    out->paging = sts__paging(call, more, count, count > 0 ? records[count - 1].client_id : "");
    return STS_STATUS_OK;
}

sts_status_t sts_handle_client_service_get_client(sts_call_t *call, const ProtobufCMessage *request,
                                                  ProtobufCMessage *response)
{
    const Sts__V1__GetClientRequest *in = (const Sts__V1__GetClientRequest *)request;
    const sts_login_settings_t *login;
    sts_status_t status = sts__need_logins(call, &login);
    if (status != STS_STATUS_OK)
        return status;
    sts_client_record_t record;
    char error[256];
    sts_store_t *store = call->service->store;
    sts_store_result_t result = store->client_get(store, in->client_id, &call->arena, &record, error, sizeof(error));
    if (result != STS_STORE_OK)
        return sts__login_store_failed(call, result, "client", in->client_id, error);
    *(Sts__V1__Client *)response = *sts__client_message(call, &record);
    return STS_STATUS_OK;
}

static sts_status_t change_client(sts_call_t *call, const sts_login_settings_t *login, const char *client_id,
                                  sts_client_change_t *change, ProtobufCMessage *response)
{
    sts_store_t *store = call->service->store;
    sts_client_record_t record;
    char error[256];
    change->now = sts_time_now();
    sts_store_result_t result =
        store->client_update(store, client_id, change, &call->arena, &record, error, sizeof(error));
    if (result != STS_STORE_OK)
        return sts__login_store_failed(call, result, "client", client_id, error);
    client_changed(login, &record);
    STS_AUDIT(call, "client.changed", {"client_id", record.client_id}, {"allowed_roles", change->allowed_roles},
              {"enabled", change->enabled != NULL ? (*change->enabled ? "true" : "false") : NULL});
    *(Sts__V1__Client *)response = *sts__client_message(call, &record);
    return STS_STATUS_OK;
}

sts_status_t sts_handle_client_service_update_client(sts_call_t *call, const ProtobufCMessage *request,
                                                     ProtobufCMessage *response)
{
    const Sts__V1__UpdateClientRequest *in = (const Sts__V1__UpdateClientRequest *)request;
    const sts_login_settings_t *login;
    sts_status_t status = sts__need_logins(call, &login);
    if (status != STS_STATUS_OK)
        return status;
    sts_client_change_t change = {0};
    int enabled = 0;
    int64_t lifetime = 0;
    if (in->display_name_value_case == STS__V1__UPDATE_CLIENT_REQUEST__DISPLAY_NAME_VALUE_DISPLAY_NAME) {
        if ((status = check_display_name(call, in->display_name)) != STS_STATUS_OK)
            return status;
        change.display_name = in->display_name;
    }
    if (in->max_lifetime_value_case == STS__V1__UPDATE_CLIENT_REQUEST__MAX_LIFETIME_VALUE_MAX_LIFETIME_SECONDS) {
        if ((status = check_lifetime(call, login, in->max_lifetime_seconds)) != STS_STATUS_OK)
            return status;
        lifetime = in->max_lifetime_seconds;
        change.max_lifetime_seconds = &lifetime;
    }
    if (in->enabled_value_case == STS__V1__UPDATE_CLIENT_REQUEST__ENABLED_VALUE_ENABLED) {
        enabled = in->enabled;
        change.enabled = &enabled;
    }
    return change_client(call, login, in->client_id, &change, response);
}

sts_status_t sts_handle_client_service_set_client_roles(sts_call_t *call, const ProtobufCMessage *request,
                                                        ProtobufCMessage *response)
{
    const Sts__V1__SetClientRolesRequest *in = (const Sts__V1__SetClientRolesRequest *)request;
    const sts_login_settings_t *login;
    sts_client_change_t change = {0};
    sts_status_t status = sts__need_logins(call, &login);
    if (status == STS_STATUS_OK)
        status = sts__join_roles(call, "allowed_roles", in->allowed_roles, in->n_allowed_roles, &change.allowed_roles);
    if (status != STS_STATUS_OK)
        return status;
    return change_client(call, login, in->client_id, &change, response);
}

sts_status_t sts_handle_client_service_delete_client(sts_call_t *call, const ProtobufCMessage *request,
                                                     ProtobufCMessage *response)
{
    (void)response;
    const Sts__V1__DeleteClientRequest *in = (const Sts__V1__DeleteClientRequest *)request;
    const sts_login_settings_t *login;
    sts_status_t status = sts__need_logins(call, &login);
    if (status != STS_STATUS_OK)
        return status;
    char error[256];
    sts_store_t *store = call->service->store;
    sts_store_result_t result = store->client_remove(store, in->client_id, error, sizeof(error));
    if (result != STS_STORE_OK)
        return sts__login_store_failed(call, result, "client", in->client_id, error);
    sts_revocations_remove(login->clients_valid_since, in->client_id);
    STS_AUDIT(call, "client.deleted", {"client_id", in->client_id});
    return STS_STATUS_OK;
}
