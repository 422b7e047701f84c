/* SigningKeyService: the service's signing keys, listed and rotated by admins. */
#include <string.h>
#include "core/access_token_records.h"
#include "core/login_records.h"
#include "core/audit.h"
#include "core/service.h"
#include "sts_methods.h"
#include "util/timefmt.h"

static Sts__V1__SigningKey *key_message(sts_call_t *call, const sts_key_record_t *record)
{
    Sts__V1__SigningKey *out = (Sts__V1__SigningKey *)sts_call_new_message(call, &sts__v1__signing_key__descriptor);
    out->kid = (char *)record->kid;
    out->algorithm = (char *)record->algorithm;
    out->created_time = (char *)sts__format_time(call, record->created_time);
    if (record->retired_time != 0) {
        out->retired_case = STS__V1__SIGNING_KEY__RETIRED_RETIRED_TIME;
        out->retired_time = (char *)sts__format_time(call, record->retired_time);
        out->verify_until_value_case = STS__V1__SIGNING_KEY__VERIFY_UNTIL_VALUE_VERIFY_UNTIL;
        out->verify_until = (char *)sts__format_time(call, record->verify_until);
    }
    return out;
}

static sts_status_t list_keys(sts_call_t *call, sts_key_record_t **records, size_t *count)
{
    char error[256];
    sts_store_t *store = call->service->store;
    if (store->key_list(store, STS_KEY_PURPOSE_JWS, sts_time_now(), &call->arena, records, count, error,
                        sizeof(error)) != STS_STORE_OK)
        return sts_call_fail(call, STS_STATUS_UNAVAILABLE, "%s", error);
    return STS_STATUS_OK;
}

sts_status_t sts_handle_signing_key_service_list_signing_keys(sts_call_t *call, const ProtobufCMessage *request,
                                                              ProtobufCMessage *response)
{
    (void)request;
    Sts__V1__ListSigningKeysResponse *out = (Sts__V1__ListSigningKeysResponse *)response;
    const sts_login_settings_t *login;
    sts_key_record_t *records = NULL;
    size_t count = 0;
    sts_status_t status = sts__need_logins(call, &login);
    if (status == STS_STATUS_OK)
        status = list_keys(call, &records, &count);
    if (status != STS_STATUS_OK)
        return status;
    out->entries = sts_arena_alloc(&call->arena, (count + 1) * sizeof(*out->entries));
    for (size_t i = 0; i < count; i++)
        out->entries[i] = key_message(call, &records[i]);
    out->n_entries = count;
    return STS_STATUS_OK;
}

sts_status_t sts_handle_signing_key_service_rotate_signing_key(sts_call_t *call, const ProtobufCMessage *request,
                                                               ProtobufCMessage *response)
{
    (void)request;
    const sts_login_settings_t *login;
    sts_status_t status = sts__need_logins(call, &login);
    if (status != STS_STATUS_OK)
        return status;
    char error[256];
    if (sts_key_ring_rotate(login->keys, sts_time_now(), error, sizeof(error)) != 0)
        return sts_call_fail(call, STS_STATUS_UNAVAILABLE, "%s", error);
    sts_key_record_t *records = NULL;
    size_t count = 0;
    if ((status = list_keys(call, &records, &count)) != STS_STATUS_OK)
        return status;
    if (count == 0)
        return sts_call_fail(call, STS_STATUS_INTERNAL, "the new key is not in the store");
    *(Sts__V1__SigningKey *)response = *key_message(call, &records[0]);
    STS_AUDIT(call, "signing_key.rotated", {"kid", records[0].kid});
    return STS_STATUS_OK;
}
