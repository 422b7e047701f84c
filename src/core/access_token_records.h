/* Conversions between stored access-token records and their proto messages, and the identity rules; internal to
 * core's handlers. */
#ifndef STS_CORE_ACCESS_TOKEN_RECORDS_H
#define STS_CORE_ACCESS_TOKEN_RECORDS_H
#include "core/call.h"
#include "store/store.h"
#include "sts/v1/access_tokens.pb-c.h"

/** Longest auth_id, sid or name accepted in an identity, in bytes. */
#define STS_IDENTITY_FIELD_MAX 256

/** The stored form of an identity message; strings point into the message. */
sts_store_identity_t sts__identity_from_proto(const Sts__V1__Identity *identity);

/**
 * Checks an identity a client sent: a known domain, a name or an auth_id, fields of at most
 * STS_IDENTITY_FIELD_MAX bytes without control characters. OK, or INVALID_ARGUMENT naming the field.
 */
sts_status_t sts__check_identity(sts_call_t *call, const Sts__V1__Identity *identity);

/** The caller's own identity (domain, auth_id, name; no uid, gid or sid), pointing into the principal. */
sts_store_identity_t sts__caller_identity(const sts_call_t *call);

/** Whether identity is exactly the caller's own: domain, auth_id and name equal, and no uid, gid or sid. */
int sts__is_caller(const sts_call_t *call, const Sts__V1__Identity *identity);

/** Whether the caller is the identity the record belongs to: domain, auth_id and name all equal. */
int sts__caller_owns(const sts_call_t *call, const sts_store_identity_t *user);

/** The caller's roles as a comma-separated list (the new token's role ceiling), in the call arena. */
const char *sts__caller_role_ceiling(sts_call_t *call);

/** The metadata message for a record, allocated in the call arena. */
Sts__V1__AccessTokenMetadata *sts__metadata_from_record(sts_call_t *call, const sts_token_record_t *record);

/** RFC 3339 text (UTC, "Z", nanosecond digits) for a time in microseconds, in the call arena. */
const char *sts__format_time(sts_call_t *call, int64_t microseconds);

/**
 * Parses a client's expiration_time for a token created at creation_time: 0 with *out set, or INVALID_ARGUMENT
 * naming the field when it is malformed, already past, or more than max_access_token_lifetime after creation.
 */
sts_status_t sts__parse_expiration(sts_call_t *call, const char *text, int64_t creation_time, int64_t *out);

#endif
