#include "core/access_token_records.h"
#include <string.h>
#include "core/service.h"
#include "util/timefmt.h"

sts_store_identity_t sts__identity_from_proto(const Sts__V1__Identity *identity)
{
    sts_store_identity_t out = {
        .domain = (int)identity->domain,
        .auth_id = identity->auth_id,
        .has_uid = identity->uid_value_case == STS__V1__IDENTITY__UID_VALUE_UID,
        .has_gid = identity->gid_value_case == STS__V1__IDENTITY__GID_VALUE_GID,
        .uid = identity->uid,
        .gid = identity->gid,
        .sid = identity->sid,
        .name = identity->name,
    };
    return out;
}

static sts_status_t check_field(sts_call_t *call, const char *field, const char *value)
{
    size_t len = strlen(value);
    if (len > STS_IDENTITY_FIELD_MAX)
        return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "user.%s must be at most %d bytes, got %zu", field,
                             STS_IDENTITY_FIELD_MAX, len);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c < 0x20 || c == 0x7f)
            return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT,
                                 "user.%s must not contain control characters (byte %zu is 0x%02x)", field, i, c);
    }
    return STS_STATUS_OK;
}

sts_status_t sts__check_identity(sts_call_t *call, const Sts__V1__Identity *identity)
{
    if (protobuf_c_enum_descriptor_get_value(&sts__v1__identity_domain__descriptor, (int)identity->domain) == NULL)
        return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "user.domain %d is not a known identity domain",
                             (int)identity->domain);
    if (identity->name[0] == '\0' && identity->auth_id[0] == '\0')
        return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "user must name an identity (name or auth_id)");
    sts_status_t status = check_field(call, "name", identity->name);
    if (status == STS_STATUS_OK)
        status = check_field(call, "auth_id", identity->auth_id);
    if (status == STS_STATUS_OK)
        status = check_field(call, "sid", identity->sid);
    return status;
}

sts_store_identity_t sts__caller_identity(const sts_call_t *call)
{
    const sts_principal_t *p = &call->principal;
    sts_store_identity_t out = {
        .domain = p->domain,
        .auth_id = p->auth_id != NULL ? p->auth_id : "",
        .sid = "",
        .name = p->name != NULL ? p->name : "",
    };
    return out;
}

int sts__is_caller(const sts_call_t *call, const Sts__V1__Identity *identity)
{
    return identity->uid_value_case != STS__V1__IDENTITY__UID_VALUE_UID &&
           identity->gid_value_case != STS__V1__IDENTITY__GID_VALUE_GID && identity->sid[0] == '\0' &&
           sts_principal_is(&call->principal, (int)identity->domain, identity->auth_id, identity->name);
}

int sts__caller_owns(const sts_call_t *call, const sts_store_identity_t *user)
{
    return sts_principal_is(&call->principal, user->domain, user->auth_id, user->name);
}

const char *sts__caller_role_ceiling(sts_call_t *call)
{
    const sts_principal_t *p = &call->principal;
    size_t size = 1;
    for (size_t i = 0; i < p->role_count; i++)
        size += strlen(p->roles[i]) + 1;
    char *out = sts_arena_alloc(&call->arena, size), *end = out;
    for (size_t i = 0; i < p->role_count; i++) {
        /* Configured roles are comma-separated lists, so a role holding a comma could never be granted anyway. */
        if (strchr(p->roles[i], ',') != NULL || p->roles[i][0] == '\0')
            continue;
        size_t len = strlen(p->roles[i]);
        if (end > out)
            *end++ = ',';
        memcpy(end, p->roles[i], len);
        end += len;
    }
    *end = '\0';
    return out;
}

static Sts__V1__Identity *identity_message(sts_call_t *call, const sts_store_identity_t *user)
{
    Sts__V1__Identity *out = sts_arena_alloc(&call->arena, sizeof(*out));
    sts__v1__identity__init(out);
    out->domain = (Sts__V1__IdentityDomain)user->domain;
    out->auth_id = (char *)user->auth_id;
    if (user->has_uid) {
        out->uid_value_case = STS__V1__IDENTITY__UID_VALUE_UID;
        out->uid = (uint32_t)user->uid;
    }
    if (user->has_gid) {
        out->gid_value_case = STS__V1__IDENTITY__GID_VALUE_GID;
        out->gid = (uint32_t)user->gid;
    }
    out->sid = (char *)user->sid;
    out->name = (char *)user->name;
    return out;
}

const char *sts__format_time(sts_call_t *call, int64_t microseconds)
{
    char *text = sts_arena_alloc(&call->arena, STS_TIME_ISO_MAX);
    if (sts_time_format_rfc3339(microseconds, 9, text, STS_TIME_ISO_MAX) < 0)
        text[0] = '\0';
    return text;
}

Sts__V1__AccessTokenMetadata *sts__metadata_from_record(sts_call_t *call, const sts_token_record_t *record)
{
    Sts__V1__AccessTokenMetadata *out = sts_arena_alloc(&call->arena, sizeof(*out));
    sts__v1__access_token_metadata__init(out);
    out->id = sts_arena_strdup(&call->arena, record->id);
    out->user = identity_message(call, &record->user);
    out->creator = identity_message(call, &record->creator);
    out->creation_time = (char *)sts__format_time(call, record->creation_time);
    out->expiration_case = STS__V1__ACCESS_TOKEN_METADATA__EXPIRATION_EXPIRATION_TIME;
    out->expiration_time = (char *)sts__format_time(
        call, sts_service_token_expiry(call->service, record->creation_time, record->expiration_time));
    out->enabled = record->enabled != 0;
    if (record->last_used_time != 0) {
        out->last_used_case = STS__V1__ACCESS_TOKEN_METADATA__LAST_USED_LAST_USED_TIME;
        out->last_used_time = (char *)sts__format_time(call, record->last_used_time);
    }
    return out;
}

sts_status_t sts__parse_expiration(sts_call_t *call, const char *text, int64_t creation_time, int64_t *out)
{
    if (sts_time_parse_rfc3339(text, strlen(text), out) != 0)
        return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT,
                             "expiration_time must be an RFC 3339 time such as 2030-01-01T00:00:00Z");
    if (*out <= sts_time_now())
        return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "expiration_time %.64s is in the past", text);
    int64_t cap = call->service->max_access_token_lifetime_us;
    if (*out - creation_time > cap)
        return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT,
                             "expiration_time %.64s is too far ahead: a token lives at most %lld seconds after its "
                             "creation (max_access_token_lifetime)",
                             text, (long long)(cap / 1000000));
    return STS_STATUS_OK;
}
