/* Conversions between stored access-token records and their proto messages; internal to core's handlers. */
#ifndef STS_CORE_ACCESS_TOKEN_RECORDS_H
#define STS_CORE_ACCESS_TOKEN_RECORDS_H
#include "core/call.h"
#include "store/store.h"
#include "sts/v1/access_tokens.pb-c.h"

/** The stored form of an identity message; strings point into the message. */
sts_store_identity_t sts__identity_from_proto(const Sts__V1__Identity *identity);

/** The metadata message for a record, allocated in the call arena. */
Sts__V1__AccessTokenMetadata *sts__metadata_from_record(sts_call_t *call, const sts_token_record_t *record);

/** RFC 3339 text (UTC, "Z", nanosecond digits) for a time in microseconds, in the call arena. */
const char *sts__format_time(sts_call_t *call, int64_t microseconds);

/**
 * Parses a client's expiration_time: 0 with *out set, or a failed status (INVALID_ARGUMENT naming the field)
 * when it is malformed or already past.
 */
sts_status_t sts__parse_expiration(sts_call_t *call, const char *text, int64_t *out);

/** Whether the caller is the identity the record belongs to (by name or auth_id). */
int sts__caller_owns(const sts_call_t *call, const sts_store_identity_t *user);

#endif
