/* Checks and conversions shared by the login, user, client and signing-key handlers; internal to core. */
#ifndef STS_CORE_LOGIN_RECORDS_H
#define STS_CORE_LOGIN_RECORDS_H
#include <stddef.h>
#include "core/call.h"
#include "core/login.h"
#include "store/store.h"
#include "sts/v1/access_tokens.pb-c.h"
#include "sts/v1/users.pb-c.h"

/** Longest username or client id, in bytes. */
#define STS_LOGIN_NAME_MAX 128
/** Longest role name, in bytes, and the most roles a user or client may hold. */
#define STS_ROLE_NAME_MAX 64
#define STS_ROLES_MAX     32

/**
 * Checks a username or client id (field names it in the message): 1 to STS_LOGIN_NAME_MAX bytes of ASCII letters,
 * digits and . _ - @, so no look-alike, invisible or control character can make two names that read the same. OK,
 * or INVALID_ARGUMENT.
 */
sts_status_t sts__check_login_name(sts_call_t *call, const char *field, const char *name);

/**
 * Checks a role list (1 to STS_ROLE_NAME_MAX bytes each of letters, digits and . _ - :, no duplicates, at most
 * STS_ROLES_MAX) and joins it with commas into *joined (call arena). OK, or INVALID_ARGUMENT naming field.
 */
sts_status_t sts__join_roles(sts_call_t *call, const char *field, char *const *roles, size_t count,
                             const char **joined);

/** Splits a stored comma-separated role list into the call arena. */
void sts__split_roles(sts_call_t *call, const char *joined, char ***roles, size_t *count);

/** Checks a password's length (1 to STS_PASSWORD_MAX_BYTES). OK, or INVALID_ARGUMENT naming field. */
sts_status_t sts__check_password(sts_call_t *call, const char *field, const char *password);

/** The logins settings, or UNAVAILABLE when the service runs without them. */
sts_status_t sts__need_logins(sts_call_t *call, const sts_login_settings_t **login);

/** Maps a store failure: NOT_FOUND names what (e.g. "user") and key, EXISTS is ALREADY_EXISTS, others UNAVAILABLE. */
sts_status_t sts__login_store_failed(sts_call_t *call, sts_store_result_t result, const char *what, const char *key,
                                     const char *error);

/** The user message for a record (no password hash), in the call arena. */
Sts__V1__User *sts__user_message(sts_call_t *call, const sts_user_record_t *record);

/** The client message for a record, in the call arena. */
Sts__V1__Client *sts__client_message(sts_call_t *call, const sts_client_record_t *record);

/** The message of every token response: the operator's login_notice and readiness notices, "" when none. */
const char *sts__login_message(sts_call_t *call);

/**
 * Starts a listing of users or clients: the logins must be on, and the page size request is clamped (unset gives
 * the default, outside 1..max is INVALID_ARGUMENT). OK with *out set, or the failure.
 */
sts_status_t sts__listing_limit(sts_call_t *call, int has_limit, int32_t limit, int *out);

/** The paging of a page: next is last_key when more pages exist (and the page is not empty), else "". */
Sts__V1__Paging *sts__paging(sts_call_t *call, int more, size_t count, const char *last_key);

/** A fresh random id: 32 lower-case hex characters. */
void sts__random_id(char out[STS_STORE_ID_CHARS + 1]);

#endif
