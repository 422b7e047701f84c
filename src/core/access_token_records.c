#include "core/access_token_records.h"
#include <string.h>
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
    sts_store_identity_t creator = {.auth_id = "", .sid = "", .name = record->creator};
    out->creator = identity_message(call, &creator);
    out->creation_time = (char *)sts__format_time(call, record->creation_time);
    if (record->expiration_time != 0) {
        out->expiration_case = STS__V1__ACCESS_TOKEN_METADATA__EXPIRATION_EXPIRATION_TIME;
        out->expiration_time = (char *)sts__format_time(call, record->expiration_time);
    }
    out->enabled = record->enabled != 0;
    if (record->last_used_time != 0) {
        out->last_used_case = STS__V1__ACCESS_TOKEN_METADATA__LAST_USED_LAST_USED_TIME;
        out->last_used_time = (char *)sts__format_time(call, record->last_used_time);
    }
    return out;
}

sts_status_t sts__parse_expiration(sts_call_t *call, const char *text, int64_t *out)
{
    if (sts_time_parse_rfc3339(text, strlen(text), out) != 0)
        return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT,
                             "expiration_time must be an RFC 3339 time such as 2030-01-01T00:00:00Z");
    if (*out <= sts_time_now())
        return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "expiration_time %.64s is in the past", text);
    return STS_STATUS_OK;
}

int sts__caller_owns(const sts_call_t *call, const sts_store_identity_t *user)
{
    const sts_principal_t *p = &call->principal;
    return (p->username != NULL && user->name[0] != '\0' && strcmp(p->username, user->name) == 0) ||
           (p->subject != NULL && user->auth_id[0] != '\0' && strcmp(p->subject, user->auth_id) == 0);
}
